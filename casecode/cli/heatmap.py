"""The matrix as a coloured terminal heatmap that fits a narrow terminal.

Long code and group labels are abbreviated (a legend lists the full names) and groups
that do not fit beside the codes are shown on further pages of the same rows.
"""

from __future__ import annotations

import re

import pandas as pd
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from casecode.analysis.matrix import THEME_ROW

# White to dark blue, like the xlsx colour scale; text turns white on dark cells.
RAMP = ["#ffffff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"]


def abbreviate(label: str, width: int) -> str:
    """Shorten ``label`` to at most ``width`` characters, keeping every word's start.

    >>> abbreviate("housing_mergers_england", 11)
    'hou_mer_eng'
    """
    if len(label) <= width:
        return label
    words = [w for w in re.split(r"[_\s/\-]+", label) if w]
    for keep in range(max((len(w) for w in words), default=1), 0, -1):
        short = "_".join(w[:keep] for w in words)
        if len(short) <= width:
            return short
    return label[: max(1, width - 1)] + "…"


def _column_keys(labels: list[str], width: int) -> list[str]:
    """Abbreviated column headers; numbered keys (c1, c2, ...) when abbreviations collide."""
    short = [abbreviate(label, width) for label in labels]
    if len(set(short)) == len(short):
        return short
    return [label if label == "all" else f"c{i}" for i, label in enumerate(labels, start=1)]


def _cell(value: float, top: float, share: bool) -> Text:
    shown = f"{value:.1f}" if share else str(int(value))
    if value <= 0 or top <= 0:
        return Text("·" if value == 0 else shown, style="dim", justify="right")
    level = min(len(RAMP) - 1, 1 + int((len(RAMP) - 2) * value / top))
    return Text(shown, style=f"{'white' if level >= 5 else 'black'} on {RAMP[level]}", justify="right")


def heatmap(matrix: pd.DataFrame, *, width: int = 80, share: bool = False, title: str = "") -> RenderableType:
    """Render a :func:`~casecode.analysis.matrix.build_matrix` result for a terminal ``width`` wide."""
    columns = [" · ".join(str(p) for p in c if str(p) != "") if isinstance(c, tuple) else str(c) for c in matrix.columns]
    values = matrix.to_numpy(dtype=float)
    code_rows = [i for i, key in enumerate(matrix.index) if key[1] != THEME_ROW]
    group_cols = [j for j, c in enumerate(columns) if c != "all"]
    top = float(values[code_rows][:, group_cols].max()) if code_rows and group_cols and values.size else 0.0
    top_all = float(values[code_rows].max()) if code_rows and values.size else 0.0
    cell_width = max(6 if share else 5, len(str(int(values.max()))) if values.size else 1)
    label_width = min(26, max(12, max((len(str(k[1])) for k in matrix.index), default=12)))
    per_page = max(1, (width - label_width - 1) // (cell_width + 1))
    short = _column_keys(columns, cell_width)
    pages = [list(range(i, min(i + per_page, len(columns)))) for i in range(0, len(columns), per_page)] or [[]]
    parts: list[RenderableType] = []
    for number, page in enumerate(pages, start=1):
        heading = title + (f" (columns {page[0] + 1}–{page[-1] + 1} of {len(columns)})" if len(pages) > 1 and page else "")
        table = Table(title=heading or None, box=box.SIMPLE_HEAD, padding=(0, 0), pad_edge=False, collapse_padding=True, show_edge=False, title_justify="left")
        table.add_column("code", width=label_width, no_wrap=True, overflow="ellipsis")
        for j in page:
            table.add_column(short[j], width=cell_width, justify="right", no_wrap=True)
        theme = None
        for i, (row_theme, code, label) in enumerate(matrix.index):
            if row_theme != theme:
                table.add_row(Text(abbreviate(str(row_theme), label_width), style="bold"), *[""] * len(page))
                theme = row_theme
            name = Text(" " + abbreviate(str(code), label_width - 1), style="italic" if code == THEME_ROW else "")
            table.add_row(name, *[_cell(values[i, j], top if j in group_cols else top_all, share) for j in page])
        parts.append(table)
    legend = [f"{s} = {c}" for s, c in zip(short, columns) if s != c]
    if legend:
        parts.append(Text("columns: " + "; ".join(legend), style="dim"))
    return Group(*parts)
