"""One document's rows of the results tables, formatted as CSV bytes.

Kept apart from the writers (and free of pandas) so that worker processes can format
rows cheaply: under ``--jobs`` each worker formats its documents' rows and the process
writing the results folder only appends bytes.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy

from casecode.coding.segment import DocumentUnits
from casecode.export.safety import FORMULA_STARTS, neutralise
from casecode.model import CODING_ORDER, Coding, Document, Segment

SEGMENT_COLUMNS = [
    "document", "case", "speaker", "unit", "segment", "start", "end", "theme", "code", "rule", "rules",
    "matched", "match_start", "match_end", "negated", "origin", "text",
]
UNIT_COLUMNS = ["document", "unit", "index", "start", "end", "speaker", "turn"]

# segments.csv columns that hold text (the rest are numbers or booleans): the ones
# segments_for_spreadsheets.csv neutralises, as export.safety.spreadsheet_frame does.
_TEXT_COLUMNS = tuple(i for i, c in enumerate(SEGMENT_COLUMNS) if c not in ("segment", "start", "end", "match_start", "match_end", "negated"))
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: the bytes a cell that neutralising changes starts with
_FORMULA_BYTES = numpy.frombuffer("".join(FORMULA_STARTS).encode("ascii"), dtype=numpy.uint8)
#: True at each such byte's value
_FORMULA_TABLE = numpy.isin(numpy.arange(256), _FORMULA_BYTES)
_FORMULA_CLASS = b"[" + re.escape("".join(FORMULA_STARTS).encode("ascii")) + b"]"
#: the first cell, and a later one (after a comma or line break), maybe inside a quote
_FORMULA_FIRST_CELL = re.compile(b'"?' + _FORMULA_CLASS)
_FORMULA_LATER_CELL = re.compile(b'[,\n]"?' + _FORMULA_CLASS)
#: below this many bytes of rows a regex scan is quicker than numpy's cost per call
#: (a survey answer's rows: a few hundred bytes; an interview's: tens of thousands)
_SCAN_BYTES = 8192


def _may_neutralise(data: bytes) -> bool:
    """Whether some CSV cell in ``data`` may start with a character neutralising changes.

    A cell starts at the start of a line or after a comma, maybe inside a quote. True
    also for such a byte after a comma or line break inside a quoted cell: a quick test
    that most documents' rows pass without looking at every cell.
    """
    if not data:
        return False
    if len(data) < _SCAN_BYTES:
        return _FORMULA_FIRST_CELL.match(data) is not None or _FORMULA_LATER_CELL.search(data) is not None
    values = numpy.frombuffer(data, dtype=numpy.uint8)
    starts = numpy.flatnonzero((values[:-1] == ord(",")) | (values[:-1] == ord("\n"))) + 1
    starts = numpy.concatenate(([0], starts))
    firsts = values[starts]
    if _FORMULA_TABLE[firsts].any():
        return True
    quoted = starts[firsts == ord('"')] + 1
    return bool(_FORMULA_TABLE[values[quoted[quoted < len(values)]]].any())


def _spreadsheet_row(row: Sequence[Any]) -> Sequence[Any]:
    """A segments.csv row as segments_for_spreadsheets.csv has it (most rows need no change)."""
    for i in _TEXT_COLUMNS:
        if row[i][:1] in _FORMULA_FIRST:
            return [neutralise(v) if i in _TEXT_COLUMNS else v for i, v in enumerate(row)]
    return row



def segment_row(c: Coding, text: str) -> tuple[Any, ...]:
    """One segments.csv row (columns as :data:`SEGMENT_COLUMNS`)."""
    return (
        c.document, c.case, c.speaker or "", c.unit, c.segment, c.start, c.end, c.theme, c.code, c.rule, c.rules,
        c.matched, c.match_start, c.match_end, c.negated, c.origin, text[c.start : c.end],
    )


def unit_row(s: Segment) -> tuple[Any, ...]:
    """One units.csv row (columns as :data:`UNIT_COLUMNS`)."""
    return (s.document, s.unit, s.index, s.start, s.end, s.speaker or "", s.turn)


def _csv_bytes(rows: Iterable[Iterable[Any]], *, spreadsheet: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if spreadsheet else "\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _spreadsheet_bytes(rows: list[tuple[Any, ...]], data: bytes) -> bytes:
    """segments_for_spreadsheets.csv rows, given the same rows and their segments.csv bytes."""
    own = _own_spreadsheet_bytes(rows, data)
    return _crlf(data) if own is None else own


def _own_spreadsheet_bytes(rows: list[tuple[Any, ...]], data: bytes) -> bytes | None:
    """:func:`_spreadsheet_bytes`, or None when they are just ``data`` with CRLF line ends.

    That is so when no cell needs neutralising and no cell holds a line break: most
    documents. Then the bytes need not be made, or sent from a worker, at all.
    """
    plain = b"\r" not in data and data.count(b"\n") == len(rows)
    if plain and not _may_neutralise(data):
        return None
    sheet = [_spreadsheet_row(row) for row in rows]
    if plain and all(a is b for a, b in zip(sheet, rows)):
        return None
    return _csv_bytes(sheet, spreadsheet=True)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


#: what makes the csv module quote a field (QUOTE_MINIMAL): the delimiter, the quote
#: character, a line break
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _csv_field(value: str) -> str:
    """One text field as :func:`_csv_bytes` writes it (quoted only when it must be)."""
    if not _NEEDS_QUOTES.search(value):
        return value  # most ids, unit names and speakers: written as they are
    return _csv_bytes([[value, ""]]).decode("utf-8")[:-2]  # '"va,lue",\n' -> '"va,lue"'


def _unit_bytes(units: DocumentUnits) -> bytes:
    """units.csv rows (what :func:`_csv_bytes` of :func:`unit_row` gives), formatted directly.

    The document id, unit names and speakers are quoted once per document; the rest
    are numbers, which never need quoting.
    """
    quoted = {speaker: _csv_field(speaker or "") for speaker in set(units.speakers)}
    speakers = [quoted[speaker] for speaker in units.speakers]
    document = _csv_field(units.document)
    lines = []
    for unit, spans in units.spans.items():
        prefix = f"{document},{_csv_field(unit)},"
        lines.extend([f"{prefix}{index},{start},{end},{speakers[turn]},{turn}\n" for index, (start, end, turn) in enumerate(spans)])
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class DocumentRows:
    """One document's rows of segments.csv, segments_for_spreadsheets.csv and units.csv.

    Formatted where the document was coded (a worker process, under ``--jobs``), so
    the process writing the results folder only appends bytes.

    Attributes:
        segments, units: the CSV bytes of each table (no header).
        own_sheet: segments_for_spreadsheets.csv's bytes when they are more than
            ``segments`` with CRLF line ends (a cell neutralised or holding a line
            break), else None: most documents then send one copy of their rows.
        codes: the code of each coding, for the matrix counts.
    """

    segments: bytes
    own_sheet: bytes | None
    units: bytes
    codes: tuple[str, ...]

    @property
    def sheet(self) -> bytes:
        """The segments_for_spreadsheets.csv bytes."""
        return _crlf(self.segments) if self.own_sheet is None else self.own_sheet


def document_rows(document: Document, codings: Sequence[Coding], units: Sequence[Segment]) -> DocumentRows:
    """Format one document's codings (any order) and coding units as table rows."""
    rows = [segment_row(c, document.text) for c in sorted(codings, key=CODING_ORDER)]
    data = _csv_bytes(rows)
    if not isinstance(units, DocumentUnits):
        units = DocumentUnits.from_segments(document.id, units)
    return DocumentRows(data, _own_spreadsheet_bytes(rows, data), _unit_bytes(units), tuple(c.code for c in codings))
