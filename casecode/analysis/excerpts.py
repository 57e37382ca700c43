"""Coded excerpts with context, for ``casecode show`` and reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from casecode.errors import OptionError
from casecode.results import Results


@dataclass(frozen=True)
class Excerpt:
    """A coded segment with a little context either side; offsets are into the text."""

    document: str
    case: str
    speaker: str
    code: str
    rule: str
    start: int
    end: int
    match_start: int
    match_end: int
    before: str
    segment: str
    after: str
    negated: bool


def excerpts(results: Results, code: str, *, case: str | None = None, context: int = 80, limit: int | None = None) -> Iterator[Excerpt]:
    """Yield the excerpts coded with ``code`` (optionally in one case)."""
    known = {c.id for c in results.codebook.model.codes()}
    if code not in known:
        import difflib

        guess = difflib.get_close_matches(code, sorted(known), n=1)
        raise OptionError(f"no code {code!r} in this results folder's codebook", hint=f"did you mean {guess[0]!r}?" if guess else "list codes with 'casecode matrix'")
    rows = results.segments[results.segments["code"] == code]
    if case is not None:
        if case not in set(results.documents["case"]):
            raise OptionError(f"--case {case}: no such case", hint=f"cases: {', '.join(sorted(set(results.documents['case'])))}")
        rows = rows[rows["case"] == case]
    count = 0
    texts: dict[str, str] = {}
    for row in rows.itertuples(index=False):
        text = texts.setdefault(row.document, results.text(row.document))
        before = text[max(0, row.start - context) : row.start]
        after = text[row.end : row.end + context]
        yield Excerpt(row.document, row.case, row.speaker, row.code, row.rule, row.start, row.end, row.match_start, row.match_end, before, text[row.start : row.end], after, bool(row.negated))
        count += 1
        if limit is not None and count >= limit:
            return
