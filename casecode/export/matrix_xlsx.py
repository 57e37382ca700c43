"""A theme matrix as an xlsx sheet, theme subtotal rows as collapsible row groups."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casecode.analysis.matrix import THEME_ROW, flat
from casecode.export.xlsx import Workbook
from casecode.results import atomic_path


def write_matrix_xlsx(matrix: pd.DataFrame, target: str | Path, *, sheet: str = "matrix") -> Path:
    """Write a :func:`~casecode.analysis.matrix.build_matrix` result as one sheet.

    Theme rows (``(theme)``, from ``subtotals=True``) are bold and shaded, and the codes
    under each are an outline group one level down, so Excel can fold a theme to its
    subtotal. The colour scale covers the group columns, not the ``all`` column.
    """
    target = Path(target)
    frame = flat(matrix)
    values = [c for c in frame.columns if c not in ("theme", "code", "label")]
    with atomic_path(target) as tmp:
        book = Workbook(tmp)
        page = book.table(sheet[:31], frame, heat=values[:-1] or values, widths={"label": 36, "theme": 22, "code": 26})
        if (frame["code"] == THEME_ROW).any():
            for row, code in enumerate(frame["code"], start=1):
                if code == THEME_ROW:
                    page.set_row(row, None, book.group)
                else:
                    page.set_row(row, None, None, {"level": 1})
            page.outline_settings(True, False, True, False)  # summary rows above their details
        book.close()
    return target
