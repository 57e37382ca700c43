"""The framework matrix (Framework Method; NVivo's framework matrices).

Rows are cases (or respondents: a speaker within a document), columns are codes. Each
cell holds the number of coded segments and up to N representative excerpts, each tagged
with its document and speaker.

Which excerpts are "representative" is decided without re-running any matching:

1. excerpts where more of the code's rules fired come first (more evidence for the code);
2. the picks are spread over documents and speakers (round robin), so one talkative
   respondent does not fill the cell;
3. then excerpts of a readable length (40-300 characters) before very short or very
   long ones, then in transcript order.

Negated codings (``negated`` is true) are used only when there is nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from casecode.analysis.matrix import _allowed
from casecode.codebook.schema import SpeakerFilter
from casecode.errors import OptionError
from casecode.results import Results

Rows = Literal["case", "respondent"]
ROWS = ("case", "respondent")
MAX_EXCERPT = 300  # three excerpts this long still fit the tallest xlsx row (409 pt)


@dataclass(frozen=True)
class FrameworkExcerpt:
    """One excerpt in a framework cell; offsets are into the document's text."""

    document: str
    speaker: str
    rule: str
    text: str
    match_start: int  # offsets of the matched words within ``text``
    match_end: int
    negated: bool

    @property
    def tag(self) -> str:
        return f"{self.document}, {self.speaker}" if self.speaker else self.document


@dataclass(frozen=True)
class FrameworkCell:
    count: int
    excerpts: tuple[FrameworkExcerpt, ...]


@dataclass
class FrameworkMatrix:
    """Rows × codes; ``cells[(row, code)]`` exists for every pair (count 0 when empty)."""

    rows: list[str]
    row_labels: dict[str, str]
    codes: list[tuple[str, str, str]]  # (theme path, code id, code label) in codebook order
    theme_labels: dict[str, str]
    cells: dict[tuple[str, str], FrameworkCell]
    by: str

    def frame(self) -> pd.DataFrame:
        """A plain table: one row per row key, one column per code, cells as text."""
        data = []
        for row in self.rows:
            record = {self.by: row}
            for _, code, _ in self.codes:
                record[code] = cell_text(self.cells[(row, code)])
            data.append(record)
        return pd.DataFrame(data, columns=[self.by] + [c for _, c, _ in self.codes])


def _clip(text: str, start: int, end: int, limit: int = MAX_EXCERPT) -> tuple[str, int, int]:
    """Shorten ``text`` around the match to about ``limit`` characters, marking cuts with …"""
    if len(text) <= limit:
        return text, start, end
    room = max(0, limit - (end - start))
    left = max(0, start - room // 2)
    right = min(len(text), left + limit)
    left = max(0, right - limit)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    clipped = prefix + text[left:right] + suffix
    return clipped, start - left + len(prefix), min(end, right) - left + len(prefix)


def _ranked(seg: pd.DataFrame) -> pd.DataFrame:
    """Segments in the order excerpts are preferred (see the module docstring), ranked once."""
    seg = seg.assign(
        x_evidence=seg["rules"].str.count(r"[^,;\s]+"),
        x_readable=seg["text"].str.len().between(40, MAX_EXCERPT),
        x_source=seg["document"] + "\x00" + seg["speaker"],
    )
    return seg.sort_values(["negated", "x_evidence", "x_readable", "document", "start"], ascending=[True, False, False, True, True], kind="stable")


def _pick(rows: list, n: int) -> list:
    """Up to ``n`` of the ranked ``rows``, taken round robin over documents and speakers."""
    queues: dict[str, list] = {}
    for row in rows:
        queues.setdefault(row.x_source, []).append(row)
    picked: list = []
    while len(picked) < n and any(queues.values()):
        for queue in queues.values():
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked


def framework_matrix(results: Results, *, rows: Rows = "case", excerpts: int = 3) -> FrameworkMatrix:
    """Build the framework matrix: rows (cases or respondents) × codes, count + excerpts.

    Example:
        >>> fm = framework_matrix(read_results("results"), rows="respondent", excerpts=2)  # doctest: +SKIP
        >>> fm.cells[("housing_mergers/chief_executive_larkfield · Respondent", "trust_relationships")].count  # doctest: +SKIP
    """
    if rows not in ROWS:
        raise OptionError(f"--rows {rows}: unknown row kind", hint=f"choose one of {', '.join(ROWS)}")
    if excerpts < 0:
        raise OptionError(f"--excerpts {excerpts}: must be 0 or more", hint="use e.g. --excerpts 3")
    book = results.codebook.model
    seg = results.segments.drop_duplicates(["document", "unit", "segment", "code"]).copy()
    if rows == "case":
        keys = [c for c in results.cases["case"].tolist()]
        labels = dict(zip(results.cases["case"], results.cases.get("label", results.cases["case"])))
        seg["x_row"] = seg["case"]
    else:
        # respondents: every speaker the codebook lets codes apply to (interviewers left out)
        allowed = book.speakers or SpeakerFilter()
        pairs_frame = pd.concat([results.units[["document", "speaker"]], seg[["document", "speaker"]]]).drop_duplicates()
        order = {d: i for i, d in enumerate(results.documents["document"])}
        pairs = sorted(
            {(d, s) for d, s in zip(pairs_frame["document"], pairs_frame["speaker"]) if d in order and _allowed(s, allowed.include, allowed.exclude)},
            key=lambda p: (order[p[0]], p[1]),
        )
        keys = [f"{d} · {s}" if s else d for d, s in pairs]
        case_of = dict(zip(results.documents["document"], results.documents["case"]))
        labels = {k: f"{k} ({case_of.get(d, '')})" for k, (d, _) in zip(keys, pairs)}
        seg["x_row"] = [f"{d} · {s}" if s else d for d, s in zip(seg["document"], seg["speaker"])]
    codes = [("/".join(trail), code.id, code.label) for trail, code in book.walk()]
    theme_labels = {"/".join(trail + (theme.id,)): theme.label for trail, theme in book.themes_flat()}
    grouped: dict[tuple[str, str], list] = {}
    for item in _ranked(seg).itertuples(index=False):
        grouped.setdefault((item.x_row, item.code), []).append(item)
    cells: dict[tuple[str, str], FrameworkCell] = {}
    for row in keys:
        for _, code, _ in codes:
            group = grouped.get((row, code))
            if group is None:
                cells[(row, code)] = FrameworkCell(0, ())
                continue
            chosen = []
            for r in _pick(group, excerpts):
                text, start, end = _clip(r.text, r.match_start - r.start, r.match_end - r.start)
                chosen.append(FrameworkExcerpt(r.document, r.speaker, r.rule, text, start, end, bool(r.negated)))
            cells[(row, code)] = FrameworkCell(len(group), tuple(chosen))
    return FrameworkMatrix(rows=keys, row_labels={k: str(labels.get(k, k)) for k in keys}, codes=codes, theme_labels=theme_labels, cells=cells, by=rows)


def cell_text(cell: FrameworkCell) -> str:
    """A cell as plain text: the count, then each excerpt in quotes with its tag."""
    if not cell.count:
        return ""
    parts = [f"{cell.count} segment{'s' if cell.count != 1 else ''}"]
    parts += [f"“{e.text}” — {e.tag}" for e in cell.excerpts]
    return "\n\n".join(parts)
