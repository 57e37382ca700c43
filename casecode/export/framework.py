"""Write a framework matrix as xlsx (wrapped, readable row heights) or Markdown."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from casecode.analysis.framework import FrameworkCell, FrameworkMatrix
from casecode.export.safety import is_formula_like
from casecode.export.xlsx import FIXED_DATE
from casecode.results import atomic_path, write_text

CODE_WIDTH = 48  # characters per code column
ROW_LABEL_WIDTH = 30
LINE_HEIGHT = 15.0  # points per wrapped line at 11 pt
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide."""
    return sum(max(1, math.ceil(len(part) / max(1, width - 2))) for part in text.split("\n"))


def write_framework_xlsx(matrix: FrameworkMatrix, target: str | Path) -> Path:
    """One sheet: a theme header row, a code header row, then one row per case/respondent.

    Each cell shows the count in bold, the excerpts, and each excerpt's document and
    speaker in grey italics; text wraps and each row is as tall as its fullest cell.
    """
    import xlsxwriter

    target = Path(target)
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        book.set_properties({"title": "casecode framework matrix", "author": "casecode", "created": FIXED_DATE})
        wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#d0d0d0"})
        bold = book.add_format({"bold": True})
        count_only = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1, "border_color": "#d0d0d0"})
        tag = book.add_format({"italic": True, "font_color": "#666666"})
        styles = {
            "head": {"bold": True, "bg_color": "#e8eef5", "border": 1, "text_wrap": True, "valign": "top"},
            "theme_head": {"bold": True, "bg_color": "#c9d7e8", "border": 1, "align": "center", "valign": "vcenter"},
            "row_head": {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#f3f3f3", "border": 1},
        }
        formats: dict[tuple[str, bool], Any] = {}

        def style(name: str, text: str) -> Any:
            """The named header format; quote-prefixed for labels a spreadsheet could read as a formula."""
            key = (name, is_formula_like(text))
            if key not in formats:
                formats[key] = book.add_format({**styles[name], "quote_prefix": key[1]})
            return formats[key]

        sheet = book.add_worksheet("framework")
        sheet.set_column(0, 0, ROW_LABEL_WIDTH)
        sheet.set_column(1, max(1, len(matrix.codes)), CODE_WIDTH)
        sheet.write_string(0, 0, "theme", style("theme_head", "theme"))
        sheet.write_string(1, 0, matrix.by, style("head", matrix.by))
        column = 1
        while column <= len(matrix.codes):
            theme = matrix.codes[column - 1][0]
            last = column
            while last < len(matrix.codes) and matrix.codes[last][0] == theme:
                last += 1
            label = matrix.theme_labels.get(theme, theme)
            if last > column:
                sheet.merge_range(0, column, 0, last, label, style("theme_head", label))
            else:
                sheet.write_string(0, column, label, style("theme_head", label))
            column = last + 1
        for col, (_, code, label) in enumerate(matrix.codes, start=1):
            sheet.write_string(1, col, f"{label}\n({code})", style("head", label))
        sheet.set_row(1, LINE_HEIGHT * 2.2)
        for r, row in enumerate(matrix.rows, start=2):
            label = matrix.row_labels.get(row, row)
            sheet.write_string(r, 0, label, style("row_head", label))
            lines = _lines(label, ROW_LABEL_WIDTH)
            for col, (_, code, _) in enumerate(matrix.codes, start=1):
                cell = matrix.cells[(row, code)]
                if not cell.count:
                    sheet.write_blank(r, col, None, wrap)
                    continue
                parts: list = [bold, f"{cell.count} segment{'s' if cell.count != 1 else ''}"]
                text = parts[1]
                for e in cell.excerpts:
                    parts += [f"\n\n“{e.text}”", tag, f" — {e.tag}"]
                    text += f"\n\n“{e.text}” — {e.tag}"
                if cell.excerpts:
                    sheet.write_rich_string(r, col, *parts, wrap)
                else:  # a rich string needs two fragments or more
                    sheet.write_string(r, col, text, count_only)
                lines = max(lines, _lines(text, CODE_WIDTH))
            sheet.set_row(r, min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 4))
        sheet.freeze_panes(2, 1)
        # Printed, a framework matrix reads across: keep the case column and the code
        # headers on every page.
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.print_across()
        sheet.repeat_rows(0, 1)
        sheet.repeat_columns(0)
        book.close()
    return target


def _md(text: str) -> str:
    """Transcript text as inert Markdown: no table breaks, emphasis, links or raw HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _md_cell(cell: FrameworkCell) -> str:
    if not cell.count:
        return ""
    parts = [f"**{cell.count}**"]
    for e in cell.excerpts:
        parts.append(f"“{_md(e.text)}” — *{_md(e.tag)}*")
    return "<br><br>".join(parts)


def framework_markdown(matrix: FrameworkMatrix, *, title: str = "Framework matrix") -> str:
    """The framework matrix as Markdown: one table per theme, rows × that theme's codes."""
    out = [f"# {title}", "", f"Rows: {matrix.by}s. Each cell: number of coded segments, then representative excerpts tagged with document and speaker.", ""]
    themes: list[str] = []
    for theme, _, _ in matrix.codes:
        if theme not in themes:
            themes.append(theme)
    for theme in themes:
        codes = [(c, label) for t, c, label in matrix.codes if t == theme]
        out += [f"## {matrix.theme_labels.get(theme, theme)}", ""]
        out.append("| " + " | ".join([matrix.by] + [f"{_md(label)} (`{c}`)" for c, label in codes]) + " |")
        out.append("|" + "---|" * (len(codes) + 1))
        for row in matrix.rows:
            cells = [_md_cell(matrix.cells[(row, c)]) for c, _ in codes]
            out.append("| " + " | ".join([_md(matrix.row_labels.get(row, row))] + cells) + " |")
        out.append("")
    return "\n".join(out)


def write_framework_markdown(matrix: FrameworkMatrix, target: str | Path, *, title: str = "Framework matrix") -> Path:
    target = Path(target)
    write_text(target, framework_markdown(matrix, title=title))
    return target
