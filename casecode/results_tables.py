"""Read the CSV tables of a results folder, checking them before any command uses them.

A results folder is data people open, copy and edit by hand. A damaged table (a column
deleted, a file cut short, text where an offset belongs) must stop a command with one
line naming the file, the line and the column, never with a ``KeyError`` or a matrix
that is silently wrong.

The tables are parsed by pyarrow's CSV reader, which refuses a row with fewer or more
cells than the header (pandas' reader pads a short row with empty cells), and every
check runs on whole columns at once, so reading stays fast on millions of rows. Only
when a check fails is the file read again, record by record, to find the line to name.
Messages never quote a cell: in a damaged row, transcript text can sit where a number
belongs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, NoReturn

import pandas as pd

from casecode.errors import ResultsError

if TYPE_CHECKING:
    import pyarrow as pa

#: the hint every damaged table gets
REPAIR = "re-run 'casecode code' (or 'casecode import') to rewrite the results folder, or restore the file from a copy"

_FLAG_VALUES = ["true", "false", "1", "0", "yes", "no", ""]
_TRUE_VALUES = ["true", "1", "yes"]
_CHUNK = 1 << 24
#: a cell can hold a whole transcript (a turn-long unit); the csv module's default limit is 128 kB
_CSV_FIELD_LIMIT = 1 << 30


@dataclass(frozen=True)
class TableSpec:
    """What one table of a results folder must hold.

    Attributes:
        required: columns that must be present.
        offsets: whole numbers >= 0, never empty.
        optional: whole numbers >= 0, or -1 or empty for "none" (read as -1).
        spans: (start, end) pairs: ``end >= start``, and where ``lengths`` are given,
            ``end`` within the document's text and the document listed in documents.csv.
        text: (column, start, end): the column holds ``text[start:end]`` of the document,
            so its length is ``end - start``.
        flags: True/False columns (also true/false, 1/0, yes/no; empty is False).
    """

    required: tuple[str, ...] = ()
    offsets: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    spans: tuple[tuple[str, str], ...] = ()
    text: tuple[str, str, str] | None = None
    flags: tuple[str, ...] = ()


def read_table(path: Path, spec: TableSpec, *, lengths: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Read one CSV table of a results folder and check it against ``spec``.

    Args:
        path: the CSV file.
        spec: what it must hold.
        lengths: each document's text length (characters, from documents.csv), for
            checking that spans lie within the text; documents it does not list are an
            error when given.

    Returns:
        The table: integer columns as int64, flags as bool, the rest as text.

    Raises:
        ResultsError: the file is missing, unreadable, or fails a check; the message
            names the file, the line (header = line 1) and the column.
    """
    columns, odd_quotes = _scan_bytes(path)
    missing = [c for c in spec.required if c not in columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise ResultsError(f"{path}:1: no column {names}" if len(missing) == 1 else f"{path}:1: no columns {names}", hint=REPAIR)
    if odd_quotes:
        _check_quotes(path)
    return _check(path, _parse(path, columns), spec, lengths).to_pandas()


def _scan_bytes(path: Path) -> tuple[list[str], bool]:
    """The header's column names, and whether the file holds an odd number of quotes.

    Every quoted cell holds an even number of quote characters, so an odd count means a
    quoted cell is never closed: the file was cut short inside it. pyarrow (like the csv
    module) would silently take the rest of the file as that cell.
    """
    quotes = 0
    try:
        with path.open("rb") as handle:
            head = handle.read(_CHUNK)
            quotes += head.count(b'"')
            while chunk := handle.read(_CHUNK):
                quotes += chunk.count(b'"')
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing", hint="run 'casecode code ... --out FOLDER' first") from None
    except IsADirectoryError:
        raise ResultsError(f"{path}: a folder, not a file", hint=REPAIR) from None
    except PermissionError:
        raise ResultsError(f"{path}: cannot be read (no permission)", hint="check the file's permissions") from None
    if not head:
        raise ResultsError(f"{path}: empty (not even a header line)", hint=REPAIR)
    line = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    if not line.strip():
        raise ResultsError(f"{path}:1: blank; the first line must be the header", hint=REPAIR)
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        raise ResultsError(f"{path}:1: the header is not UTF-8 text", hint=REPAIR) from None
    columns = next(csv.reader([decoded]))
    seen: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if name in seen:
            raise ResultsError(f"{path}:1: columns {seen[name]} and {number} have the same name", hint=REPAIR)
        seen[name] = number
    return columns, quotes % 2 == 1


def _parse(path: Path, columns: list[str]) -> "pa.Table":
    """The table's cells as text: pyarrow's reader, which refuses rows of the wrong length."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    parse = pacsv.ParseOptions(newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in columns}, null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
    )
    block, largest = 1 << 20, (1 << 31) - 1
    while True:
        read = pacsv.ReadOptions(column_names=columns, skip_rows=1, block_size=block)
        try:
            return pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        except pa.ArrowInvalid as exc:
            # a row longer than a block (a long turn's text) needs bigger blocks
            if "straddl" in str(exc) and block < largest:
                block = min(block * 16, largest)
                continue
            _diagnose(path, columns)
            raise ResultsError(f"{path}: cannot be read as CSV", hint=REPAIR) from None


def _records(path: Path, *, strict: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(the line it starts on, its cells) for each record, header first, blank lines skipped."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, strict=strict)
        end = 0
        for cells in reader:
            start, end = end + 1, reader.line_num
            if cells:
                yield start, cells


def _diagnose(path: Path, columns: list[str]) -> None:
    """Raise the error for a table pyarrow cannot parse: bytes that are not UTF-8, or a
    row with a different number of cells from the header. Returns if it finds neither."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ResultsError(f"{path}:{line}: not UTF-8 text (byte {exc.start})", hint=REPAIR) from None
    del data
    for line, cells in _records(path):
        if len(cells) != len(columns):
            fewer = len(cells) < len(columns)
            raise ResultsError(
                f"{path}:{line}: {len(cells)} cells, but the header names {len(columns)} columns "
                f"({'the row is cut short' if fewer else 'a cell holds an unquoted comma'}, or was edited)",
                hint=REPAIR,
            )


def _check_quotes(path: Path) -> None:
    """Raise the error for a quoted cell that is never closed (see :func:`_scan_bytes`)."""
    last = 0
    try:
        for last, _ in _records(path, strict=True):
            pass
    except csv.Error:
        # the record being read starts on the line after the last complete one
        line = _line_after(path, last)
        raise ResultsError(
            f"{path}:{line}: a quoted cell in this row is not closed, or a quote is out of place (the file is cut short, or was edited)",
            hint=REPAIR,
        ) from None


def _line_after(path: Path, start: int) -> int:
    """The first line after the record that starts on line ``start`` (1 when none)."""
    if not start:
        return 1
    for line, _ in _records(path):
        if line > start:
            return line
    return start + 1


def _line_of(path: Path, row: int) -> int:
    """The line (header = 1) on which data row ``row`` (0-based) starts."""
    for index, (line, _) in enumerate(_records(path)):
        if index == row + 1:
            return line
    return row + 2


def _first(mask: Any) -> tuple[int, int]:
    """(index of the first True, number of Trues) in a boolean Arrow array; (-1, 0) if none."""
    import pyarrow.compute as pc

    mask = pc.fill_null(mask, False)
    count = pc.sum(mask).as_py() or 0
    return (pc.index(mask, True).as_py() if count else -1), count


def _fail(path: Path, row: int, count: int, column: str, message: str) -> NoReturn:
    more = f" ({count - 1} more row{'s' if count > 2 else ''} like it)" if count > 1 else ""
    raise ResultsError(f"{path}:{_line_of(path, row)} ({column}): {message}{more}", hint=REPAIR)


def _describe(value: str) -> str:
    """What a cell that should be a whole number holds, without quoting text."""
    if value == "":
        return "empty"
    stripped = value.strip()
    if len(stripped) <= 20 and stripped and all(ch in "0123456789+-.eE" for ch in stripped) and any(ch.isdigit() for ch in stripped):
        return stripped
    return "text"


def _check(path: Path, table: "pa.Table", spec: TableSpec, lengths: Mapping[str, int] | None) -> "pa.Table":
    """``table`` checked against ``spec``, its number and flag columns converted."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = table.column_names
    for column in (*spec.offsets, *spec.optional):
        if column not in names:
            continue
        cells = table[column]
        optional = column in spec.optional
        if optional:
            empty = pc.equal(cells, "")
            if pc.any(empty).as_py():
                cells = pc.if_else(empty, "-1", cells)
        # digits only (no sign, space or decimal point), and few enough for int64
        whole = pc.and_(pc.ascii_is_decimal(cells), pc.less_equal(pc.binary_length(cells), 18))
        if optional:
            whole = pc.or_(whole, pc.equal(cells, "-1"))
        row, count = _first(pc.invert(whole))
        if row >= 0:
            value = _describe(table[column][row].as_py())
            wanted = "a whole number ≥ 0, or -1 or empty for none" if optional else "a whole number ≥ 0"
            _fail(path, row, count, column, f"holds {value}, not {wanted}" if value != "empty" else f"empty; it must hold {wanted}")
        table = table.set_column(names.index(column), column, pc.cast(cells, pa.int64()))
    for column in spec.flags:
        if column not in names:
            continue
        lower = pc.utf8_lower(pc.utf8_trim_whitespace(table[column]))
        row, count = _first(pc.invert(pc.is_in(lower, value_set=pa.array(_FLAG_VALUES))))
        if row >= 0:
            _fail(path, row, count, column, "holds neither True nor False")
        table = table.set_column(names.index(column), column, pc.is_in(lower, value_set=pa.array(_TRUE_VALUES)))
    limits = None
    if lengths is not None and spec.spans and "document" in names:
        known = pa.array(list(lengths), type=pa.string())
        where = pc.index_in(table["document"], value_set=known)
        row, count = _first(pc.is_null(where))
        if row >= 0:
            _fail(path, row, count, "document", "a document that documents.csv does not list")
        limits = pc.take(pa.array(list(lengths.values()), type=pa.int64()), where)
    for start, end in spec.spans:
        if start not in names or end not in names:
            continue
        row, count = _first(pc.less(table[end], table[start]))
        if row >= 0:
            _fail(path, row, count, end, f"{end} {table[end][row].as_py()} is before {start} {table[start][row].as_py()}")
        if limits is not None:
            row, count = _first(pc.and_(pc.greater_equal(limits, 0), pc.greater(table[end], limits)))
            if row >= 0:
                document = table["document"][row].as_py()
                _fail(path, row, count, end, f"{end} {table[end][row].as_py()} is past the end of {document}'s text ({limits[row].as_py()} characters, as documents.csv gives)")
    if spec.text is not None and all(c in names for c in spec.text):
        column, start, end = spec.text
        spans = pc.subtract(table[end], table[start])
        row, count = _first(pc.not_equal(pc.utf8_length(table[column]), spans))
        if row >= 0:
            have, span = pc.utf8_length(table[column])[row].as_py(), spans[row].as_py()
            _fail(path, row, count, column, f"{have} characters, but {start}-{end} spans {span} (the row is cut short, or was edited)")
    return table
