"""Spreadsheet transcripts and survey exports (.xlsx), read with openpyxl in read-only mode.

The first sheet is read; its first non-empty row names the columns. Rows become
documents exactly as for CSV (see :func:`casecode.load.table.rows_to_documents`):
``--text-column`` picks the words, ``--speaker-column`` the speaker, ``--document-column``
groups rows into one document per value (e.g. a respondent id); other columns whose value
is constant within a document become its attributes. The archive is checked for zip-slip
and zip bombs and its XML parsed with defusedxml before openpyxl opens it.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from casecode.errors import TranscriptError
from casecode.load.registry import RawDocument, ReadOptions, reader
from casecode.load.safexml import check_xml_members
from casecode.load.safezip import open_zip
from casecode.load.table import rows_to_documents


def cell_text(value: Any) -> str:
    """A cell as text: whole floats without '.0', dates in ISO 8601, empty for None.

    >>> [cell_text(v) for v in (None, 3.0, 2.5, True, "x")]
    ['', '3', '2.5', 'TRUE', 'x']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


@reader(".xlsx", ".xlsm")
def read_xlsx(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read the first sheet of a workbook as utterances or survey responses."""
    import openpyxl

    with open_zip(data, path, kind=".xlsx") as archive:
        check_xml_members(archive, path)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise TranscriptError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__})", hint="re-save it from Excel or LibreOffice as .xlsx") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns: list[str] = []
        for values in rows:
            if any(v not in (None, "") for v in values):
                columns = [cell_text(v).strip() for v in values]
                break
        if not columns:
            raise TranscriptError(f"{path}: the first sheet is empty", hint="put the header row (e.g. respondent, text) in the first sheet")
        table = []
        for values in rows:
            cells = [cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                table.append({column: (cells[i] if i < len(cells) else "") for i, column in enumerate(columns) if column})
    finally:
        book.close()
    return rows_to_documents(path, [c for c in columns if c], table, options)
