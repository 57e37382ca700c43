"""Transcript text that looks like a formula never runs in a spreadsheet."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from casecode import code_corpus, read_results
from casecode.export.safety import FORMULA_STARTS, is_formula_like, neutralise, spreadsheet_frame

HOSTILE_LINES = [
    '=HYPERLINK("http://example.invalid","click") and we trusted them',
    "+1 on the merger, we trusted them",
    "-2 per cent savings, we trusted them",
    "@SUM(A1) we trusted them",
]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert is_formula_like(start + "x")
    assert neutralise(start + "x") == "'" + start + "x"


def test_numbers_and_plain_text_are_untouched() -> None:
    frame = pd.DataFrame({"text": ["fine", "=x"], "start": [1, -2]})
    out = spreadsheet_frame(frame)
    assert out["text"].tolist() == ["fine", "'=x"]
    assert out["start"].tolist() == [1, -2]


@pytest.fixture()
def hostile_run(tmp_path: Path, mini_codebook: Path) -> Path:
    folder = tmp_path / "in" / "case_a"
    folder.mkdir(parents=True)
    body = "\n\n".join(f"R{i}: {line}" for i, line in enumerate(HOSTILE_LINES, start=1))
    (folder / "t.txt").write_text(body + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code_corpus([tmp_path / "in"], mini_codebook, out=out, case_from="folder")
    return out


def test_segments_csv_keeps_text_exact_for_offset_checks(hostile_run: Path) -> None:
    results = read_results(hostile_run)
    texts = results.segments["text"].tolist()
    assert any(t.startswith("=HYPERLINK") for t in texts)
    for row in results.segments.itertuples():
        assert results.text(row.document)[row.start : row.end] == row.text


def test_spreadsheet_csv_neutralises_formula_like_cells(hostile_run: Path) -> None:
    with open(hostile_run / "segments_for_spreadsheets.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        for value in row.values():
            assert not is_formula_like(value)
    assert any(r["text"].startswith("'=HYPERLINK") for r in rows)
    assert (hostile_run / "segments_for_spreadsheets.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_cells_are_text_with_quote_prefix_never_formulas(hostile_run: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(hostile_run / "casecode.xlsx")
    sheet = book["segments"]
    header = [c.value for c in sheet[1]]
    column = header.index("text")
    found = 0
    for row in sheet.iter_rows(min_row=2):
        cell = row[column]
        assert cell.data_type == "s"
        if is_formula_like(cell.value):
            found += 1
            assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
    assert found >= 3


def test_annotate_keeps_the_spreadsheet_csv_in_step(results_copy: Path) -> None:
    from casecode.review.annotate import annotate

    results = read_results(results_copy)
    row = results.segments.iloc[0]
    code = results.segments["code"].iloc[-1]
    annotate(results_copy, row["document"], int(row["start"]), int(row["end"]), code)
    segments = pd.read_csv(results_copy / "segments.csv", dtype=str, keep_default_na=False)
    spreadsheet = pd.read_csv(results_copy / "segments_for_spreadsheets.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(spreadsheet) == len(segments)
    assert (spreadsheet["origin"] == "manual").sum() == (segments["origin"] == "manual").sum() >= 1


def _unquoted_formula_cells(path: Path) -> list[str]:
    """Every text cell of a workbook that a spreadsheet could read as a formula yet lacks the quote prefix."""
    import openpyxl

    found = []
    for sheet in openpyxl.load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and is_formula_like(cell.value) and not cell.quotePrefix:
                    found.append(f"{sheet.title}!{cell.coordinate}")
    return found


def test_headers_and_labels_that_look_like_formulas_are_quoted_too(tmp_path: Path, mini_codebook: Path) -> None:
    from casecode.analysis.framework import framework_matrix
    from casecode.export.framework import write_framework_xlsx
    from casecode.export.xlsx import write_workbook

    # codebook labels and case names become framework headers; coder names become columns
    text = mini_codebook.read_text(encoding="utf-8")
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(text.replace("label: Trust", 'label: "=SUM(1,2)"').replace("label: Culture\n", "label: '+Culture'\n"), encoding="utf-8")
    folder = tmp_path / "in" / "@case"
    folder.mkdir(parents=True)
    (folder / "t.txt").write_text("R1: We trusted the other board.\n\nR2: The merger saved money.\n", encoding="utf-8")
    code_corpus([tmp_path / "in"], hostile, out=tmp_path / "out", case_from="folder")
    matrix = framework_matrix(read_results(tmp_path / "out"))
    assert is_formula_like(matrix.theme_labels["trust"]) and any(is_formula_like(r) for r in matrix.rows)
    target = write_framework_xlsx(matrix, tmp_path / "framework.xlsx")
    assert _unquoted_formula_cells(target) == []

    frame = pd.DataFrame({"=cmd|x": [1], "@coder": ["-fine"]})
    write_workbook(tmp_path / "table.xlsx", [("confusion", frame, {})])
    assert _unquoted_formula_cells(tmp_path / "table.xlsx") == []


def test_show_prints_control_characters_as_escapes(tmp_path: Path, mini_codebook: Path) -> None:
    from typer.testing import CliRunner

    from casecode.cli.app import app

    folder = tmp_path / "in" / "case_a"
    folder.mkdir(parents=True)
    (folder / "t.txt").write_text("R1: We trusted \x1b[31mthe board\x1b]0;title\x07 from the start.\n", encoding="utf-8")
    code_corpus([tmp_path / "in"], mini_codebook, out=tmp_path / "out", case_from="folder")
    assert "\x1b[31m" in read_results(tmp_path / "out").text("case_a/t"), "the text itself is kept exactly"
    result = CliRunner().invoke(app, ["show", str(tmp_path / "out"), "trust"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[31mthe board\\x1b]0;title\\x07" in result.stdout
