"""``casecode matrix --heatmap``: a coloured table that fits 80 columns."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from typer.testing import CliRunner

from casecode.analysis.matrix import build_matrix
from casecode.cli.app import app
from casecode.cli.heatmap import abbreviate, heatmap


def _render(renderable, width=80) -> str:
    console = Console(width=width, record=True, color_system="truecolor", force_terminal=True)
    console.print(renderable)
    return console.export_text(styles=False)


def test_abbreviate_keeps_word_starts():
    assert abbreviate("housing_mergers_england", 11) == "hou_mer_eng"
    assert abbreviate("short", 10) == "short"
    assert len(abbreviate("a" * 40, 8)) == 8


def test_heatmap_fits_80_columns_and_lists_abbreviations(example_results):
    matrix = build_matrix(example_results, by="case", cross="role", subtotals=True)
    text = _render(heatmap(matrix, width=80, title="t"))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "columns: c1 = housing_mergers_england · chief executive" in " ".join(text.split())
    assert "(theme)" in text and "financial_pressure" in text


def test_many_cases_are_paged(example_results):
    base = build_matrix(example_results, by="case")
    wide = pd.concat({f"case_{i:02d}_with_a_long_name": base.iloc[:, 0] for i in range(20)}, axis=1)
    wide["all"] = base["all"]
    text = _render(heatmap(wide, width=80, title="wide"))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "(columns 1–" in text and "of 21)" in text
    assert text.count("financial_pressure") >= 2  # rows repeat on each page


def test_cells_are_coloured(example_results):
    console = Console(width=80, record=True, color_system="truecolor", force_terminal=True)
    console.print(heatmap(build_matrix(example_results, by="case"), width=80))
    assert "48;2;" in console.export_text(styles=True)  # truecolor backgrounds


def test_cli_heatmap(example_run):
    result = CliRunner().invoke(app, ["matrix", str(example_run[1]), "--heatmap", "--cross", "role", "--measure", "respondents", "--subtotals", "-o", str(example_run[1] / "x.csv")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "respondents with the code by case × role" in result.output


def test_matrix_xlsx_groups_codes_under_theme_rows(example_results, tmp_path):
    import openpyxl  # a dependency of casecode (xlsx transcripts)
    from casecode.analysis.matrix import THEME_ROW
    from casecode.export.matrix_xlsx import write_matrix_xlsx

    matrix = build_matrix(example_results, by="case", subtotals=True)
    target = write_matrix_xlsx(matrix, tmp_path / "m.xlsx")
    sheet = openpyxl.load_workbook(target).active
    codes = [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
    assert codes == [key[1] for key in matrix.index]
    for r, code in enumerate(codes, start=2):
        level = sheet.row_dimensions[r].outline_level
        assert level == (0 if code == THEME_ROW else 1)
    first_theme = codes.index(THEME_ROW) + 2
    assert sheet.cell(first_theme, 2).font.b
