"""Coded spans from any coder: a CSV, a casecode results folder or a REFI-QDA project.

A *source* is one coder's coding: a set of ``(document, start, end, code)`` spans plus
the documents that coder read (so "read and coded nothing" differs from "never read").
Readers are registered by suffix; a file that holds several coders (a CSV with a
``coder`` column, a ``.qdpx`` project with several users) gives one source per coder.

Example:
    >>> sources = read_sources("coding_team.csv")  # doctest: +SKIP
    >>> [s.name for s in sources]  # doctest: +SKIP
    ['alice', 'bo']
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from casecode.codebook.schema import Codebook
from casecode.errors import CasecodeError

CSV_COLUMNS = ("document", "start", "end", "code", "coder")


class CodingSourceError(CasecodeError):
    """A file of human coding cannot be read or has malformed rows."""


@dataclass(frozen=True)
class CodedSpan:
    """One code applied by one coder to ``text[start:end]`` of one document."""

    document: str
    start: int
    end: int
    code: str
    coder: str


@dataclass(frozen=True)
class Source:
    """One coder's coding.

    Attributes:
        name: how reports name this source (coder name, or the file/folder name).
        path: the file or folder it was read from.
        spans: the coded spans, codes as written in the file until :func:`match_codes`.
        documents: every document this coder read (including ones coded with nothing).
        unmatched: code names that matched no codebook code → number of spans dropped.
        texts: the plain text each document had in the other tool, when the file holds it
            (offsets only line up when it equals the results folder's text).
    """

    name: str
    path: str
    spans: tuple[CodedSpan, ...]
    documents: frozenset[str]
    unmatched: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict, repr=False)


Reader = Callable[[Path], list[Source]]
READERS: dict[str, Reader] = {}


def reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader of coded spans for file suffixes ('' is a results folder)."""

    def register(func: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix] = func
        return func

    return register


def read_sources(path: str | Path, *, reviewed_only: bool = False) -> list[Source]:
    """Read every coder's coding from a CSV, a results folder or a ``.qdpx``/``.qde`` file.

    ``reviewed_only`` keeps, from a results folder, only the codings accepted in review.
    """
    path = Path(path)
    if path.is_dir():
        return read_spans_results(path, reviewed_only=reviewed_only)
    if not path.exists():
        raise CodingSourceError(f"{path}: no such file or folder", hint="give a results folder, a .csv of coded spans or a .qdpx project")
    suffix = path.suffix.lower()
    if suffix not in READERS:
        known = ", ".join(sorted(s for s in READERS if s))
        raise CodingSourceError(f"{path}: cannot read coded spans from '{suffix or path.name}' files", hint=f"use a results folder or one of {known}")
    return READERS[suffix](path)


def _int(value: str, path: Path, line: int, column: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CodingSourceError(f"{path}:{line} ({column}): {value!r} is not a whole number", hint="offsets are 0-based code points into the document's normalised text") from None
    return number


@reader(".csv", ".tsv")
def read_spans_csv(path: Path) -> list[Source]:
    """Columns ``document, start, end, code`` and optionally ``coder``.

    One source per coder (the file's stem when there is no coder column). A coder read
    the documents that coder has rows for; a row with a document and coder but no code
    says that coder read the document and coded nothing.
    """
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter=delimiter))
            header = [h.strip().lower() for h in (rows[0].keys() if rows else []) if h is not None]
    except UnicodeDecodeError:
        raise CodingSourceError(f"{path}: not UTF-8 text", hint="save the file as UTF-8 CSV") from None
    if not rows:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = [h.strip().lower() for h in next(csv.reader(handle, delimiter=delimiter), [])]
    missing = [c for c in ("document", "start", "end", "code") if c not in header]
    if missing:
        raise CodingSourceError(f"{path}:1: missing column(s) {', '.join(missing)}", hint=f"the header must name {', '.join(CSV_COLUMNS)} (coder optional)")
    by_coder: dict[str, list[CodedSpan]] = {}
    documents: dict[str, set[str]] = {}  # per coder: only the documents with that coder's rows
    for line, raw in enumerate(rows, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None and not isinstance(v, list)}  # extra cells beyond the header are ignored
        coder = row.get("coder") or path.stem
        document = row["document"]
        if not document:
            raise CodingSourceError(f"{path}:{line} (document): empty", hint="every row needs a document id as in the results folder's documents.csv")
        documents.setdefault(coder, set()).add(document)
        spans = by_coder.setdefault(coder, [])
        if not (row["code"] or row["start"] or row["end"]):
            continue
        if not row["code"]:
            raise CodingSourceError(f"{path}:{line} (code): empty", hint="give a code id or label, or leave start, end and code all empty to mark a document read with no codes")
        start, end = _int(row["start"], path, line, "start"), _int(row["end"], path, line, "end")
        if start < 0 or end <= start:
            raise CodingSourceError(f"{path}:{line}: span {start}-{end} is empty or negative", hint="start must be ≥ 0 and end greater than start (end exclusive)")
        spans.append(CodedSpan(document, start, end, row["code"], coder))
    return [Source(coder, str(path), tuple(spans), frozenset(documents[coder])) for coder, spans in sorted(by_coder.items())]


@reader("")
def read_spans_results(folder: Path, *, reviewed_only: bool = False) -> list[Source]:
    """A casecode results folder as one source named after the folder (every segment row;
    with ``reviewed_only`` only accepted, recoded and manual codings)."""
    from casecode.results import read_results

    results = read_results(folder)
    if reviewed_only:
        from casecode.review.decisions import reviewed_only as accepted

        results = accepted(results)
    name = folder.resolve().name
    seg = results.segments
    spans = tuple(
        CodedSpan(d, int(s), int(e), c, name)
        for d, s, e, c in zip(seg["document"], seg["start"], seg["end"], seg["code"])
    )
    return [Source(name, str(folder), spans, frozenset(results.documents["document"]))]


@reader(".qdpx", ".qde")
def read_spans_qdpx(path: Path) -> list[Source]:
    from casecode.intercoder.qdpx import read_qdpx_spans

    return read_qdpx_spans(path)


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def code_lookup(book: Codebook) -> dict[str, str]:
    """Map every spelling a coder might use to a code id: id, label, case/underscore-insensitive."""
    lookup: dict[str, str] = {}
    loose: dict[str, set[str]] = {}
    for code in book.codes():
        for name in (code.id, code.label):
            loose.setdefault(_key(name), set()).add(code.id)
    for key, ids in loose.items():
        if len(ids) == 1:
            lookup[key] = next(iter(ids))
    for code in book.codes():  # exact label, then exact id, win over loose spellings
        lookup[code.label] = code.id
    for code in book.codes():
        lookup[code.id] = code.id
    return lookup


def resolve_code(name: str, lookup: dict[str, str]) -> str | None:
    """The code id ``name`` stands for (exact id, exact label, then loose), or None."""
    if name in lookup:
        return lookup[name]
    return lookup.get(_key(name))


def match_codes(sources: Iterable[Source], book: Codebook) -> list[Source]:
    """Rewrite each span's code to a codebook id; count (and drop) codes that match nothing."""
    lookup = code_lookup(book)
    matched = []
    for source in sources:
        kept: list[CodedSpan] = []
        unmatched: Counter[str] = Counter(source.unmatched)
        for span in source.spans:
            code = resolve_code(span.code, lookup)
            if code is None:
                unmatched[span.code] += 1
            else:
                kept.append(replace(span, code=code) if code != span.code else span)
        matched.append(replace(source, spans=tuple(kept), unmatched=dict(sorted(unmatched.items()))))
    return matched


def resolve_documents(names: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """Map document names from another tool onto results-folder document ids.

    Tries the exact id, then the name without its suffix, then a unique id whose last
    path part equals the name's stem. Names that match nothing are left out.
    """
    known = sorted(set(known))
    known_set = set(known)
    by_tail: dict[str, list[str]] = {}
    for doc in known:
        by_tail.setdefault(doc.rsplit("/", 1)[-1].casefold(), []).append(doc)
    mapping: dict[str, str] = {}
    for name in names:
        plain = name.replace("\\", "/")
        stem = plain.rsplit(".", 1)[0] if "." in plain.rsplit("/", 1)[-1] else plain
        if plain in known_set:
            mapping[name] = plain
        elif stem in known_set:
            mapping[name] = stem
        else:
            tails = by_tail.get(stem.rsplit("/", 1)[-1].casefold(), [])
            if len(tails) == 1:
                mapping[name] = tails[0]
    return mapping
