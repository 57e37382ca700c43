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
