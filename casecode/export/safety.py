"""Spreadsheet formula injection: transcript text must never run as a formula.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be
taken as a formula by Excel, LibreOffice or Google Sheets (``=HYPERLINK(...)``,
``@SUM(...)``, DDE payloads). casecode's rule:

* **casecode.xlsx and every .xlsx export** write all text as text cells (never formulas,
  never links) and give a cell that begins with one of those characters Excel's
  "quote prefix" flag: the text stays exactly as spoken, and editing the cell does not
  turn it into a formula.
* **segments_for_spreadsheets.csv** is the spreadsheet-facing CSV: the same rows as
  segments.csv with each such text cell prefixed by an apostrophe (``'=...``), the
  OWASP rule, and a UTF-8 byte-order mark so spreadsheets detect the encoding.
* **segments.csv, units.csv and texts/** are data files and keep text exact, so that
  ``texts/DOC.txt[start:end] == text`` can always be checked. Open them with pandas or R,
  or import them as text; do not double-click them into a spreadsheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

# pandas and the results module are imported where used: worker processes import this
# module (through casecode.export.rows) and need only the cell rule.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet could read this text cell as a formula.

    >>> is_formula_like("=1+1"), is_formula_like("-so we merged"), is_formula_like("fine")
    (True, True, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """Prefix a formula-like text with an apostrophe; leave everything else alone.

    >>> neutralise("=HYPERLINK(\\"x\\")"), neutralise(3), neutralise("ok")
    ('\\'=HYPERLINK("x")', 3, 'ok')
    """
    return "'" + value if is_formula_like(value) else value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every formula-like text cell (and header) neutralised."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_spreadsheet_csv(target: Path, frame: pd.DataFrame) -> None:
    """Write a CSV meant to be opened in a spreadsheet: neutralised cells, UTF-8 with BOM."""
    from casecode.results import atomic_path

    with atomic_path(target) as tmp:
        spreadsheet_frame(frame).to_csv(tmp, index=False, lineterminator="\r\n", encoding="utf-8-sig")
