"""Excel workbooks with xlsxwriter: frozen headers, filters, sensible widths, colour scales.

Strings are always written as strings (never as formulas or links), so transcript text
that starts with ``=`` cannot run in a spreadsheet; a string that begins with ``=``, ``+``,
``-``, ``@``, tab or CR also gets Excel's quote prefix, so editing the cell keeps it text
(see :mod:`casecode.export.safety`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from casecode.export.safety import is_formula_like
from casecode.results import atomic_path

FIXED_DATE = dt.datetime(2000, 1, 1)
MAX_WIDTH = 60


def _width(series: pd.Series, header: str) -> float:
    sample = [len(str(v)) for v in series.head(500)]
    longest = max([len(str(header))] + sample) if sample else len(str(header))
    return min(MAX_WIDTH, max(8, longest + 2))


class Workbook:
    """A thin helper over xlsxwriter for casecode's table conventions."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.path = path
        self.book = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "nan_inf_to_errors": True}
        )
        self.book.set_properties({"title": "casecode results", "author": "casecode", "created": FIXED_DATE})
        self.header = self.book.add_format({"bold": True, "bg_color": "#e8eef5", "border": 1, "text_wrap": True, "valign": "top"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.group = self.book.add_format({"bold": True, "bg_color": "#f3f3f3"})
        self.percent = self.book.add_format({"num_format": "0.0"})
        self.header_quoted = self.book.add_format({"bold": True, "bg_color": "#e8eef5", "border": 1, "text_wrap": True, "valign": "top", "quote_prefix": True})
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.wrap_quoted = self.book.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})

    def table(self, name: str, frame: pd.DataFrame, *, heat: list[str] | None = None, wrap: tuple[str, ...] = (), number_format: Any = None, widths: dict[str, float] | None = None) -> Any:
        """Write a frame as a sheet: frozen header, autofilter, widths, optional colour scale."""
        sheet = self.book.add_worksheet(name[:31])
        columns = list(frame.columns)
        for col, header in enumerate(columns):
            # headers are casecode's names, the codebook's ids, or a coder's or case's name
            sheet.write_string(0, col, str(header), self.header_quoted if is_formula_like(str(header)) else self.header)
        for row, values in enumerate(frame.itertuples(index=False, name=None), start=1):
            for col, value in enumerate(values):
                fmt = self.wrap if columns[col] in wrap else (number_format if heat and columns[col] in heat else None)
                if value is None or (isinstance(value, float) and pd.isna(value)):
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(row, col, value, fmt)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(row, col, value, fmt)
                else:
                    text = str(value)
                    if is_formula_like(text):
                        fmt = self.wrap_quoted if fmt is self.wrap else self.quoted
                    sheet.write_string(row, col, text, fmt)
        for col, header in enumerate(columns):
            width = (widths or {}).get(header) or _width(frame[header], header)
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        # Printing (or PDF export) keeps every column on the page and repeats the header.
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        if len(frame):
            sheet.autofilter(0, 0, len(frame), max(0, len(columns) - 1))
        if heat and len(frame):
            first = columns.index(heat[0])
            last = columns.index(heat[-1])
            sheet.conditional_format(1, first, len(frame), last, {"type": "3_color_scale", "min_color": "#ffffff", "mid_color": "#c6dbef", "max_color": "#4292c6"})
        return sheet

    def key_values(self, name: str, data: dict[str, Any]) -> None:
        rows = [{"key": k, "value": v if isinstance(v, (int, float, str)) else json.dumps(v, ensure_ascii=False, sort_keys=True)} for k, v in _flatten(data)]
        self.table(name, pd.DataFrame(rows, columns=["key", "value"]), wrap=("value",), widths={"key": 32, "value": 100})

    def close(self) -> None:
        self.book.close()


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            items += _flatten(value, name + ".")
        else:
            items.append((name, value))
    return items


def write_workbook(target: Path, sheets: list[tuple[str, pd.DataFrame, dict[str, Any]]], *, run: dict[str, Any] | None = None) -> None:
    """Write sheets atomically. Each sheet is (name, frame, table() keyword options)."""
    with atomic_path(target) as tmp:
        book = Workbook(tmp)
        for name, frame, options in sheets:
            book.table(name, frame, **options)
        if run is not None:
            book.key_values("run", run)
        book.close()
