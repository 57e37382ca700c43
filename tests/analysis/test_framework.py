"""The framework matrix and its xlsx / Markdown writers."""

from __future__ import annotations

from typer.testing import CliRunner

from casecode.analysis.framework import _clip, framework_matrix
from casecode.cli.app import app
from casecode.export.framework import framework_markdown, write_framework_xlsx


def test_cells_count_segments_and_excerpts_are_tagged(example_results):
    fm = framework_matrix(example_results, rows="case", excerpts=2)
    seg = example_results.segments
    assert fm.rows == example_results.cases["case"].tolist()
    for (case, code), cell in fm.cells.items():
        rows = seg[(seg["case"] == case) & (seg["code"] == code)].drop_duplicates(["document", "unit", "segment"])
        assert cell.count == len(rows)
        assert len(cell.excerpts) == min(2, len(rows))
        for e in cell.excerpts:
            assert e.document in set(rows["document"])
            assert e.text.strip("…") in example_results.text(e.document)
            shown = e.text[e.match_start : e.match_end].strip("…")  # a match longer than the clip is cut too
            assert shown and any(shown in m for m in rows.loc[rows["document"] == e.document, "matched"])


def test_frame_is_rows_by_codes(example_results):
    fm = framework_matrix(example_results, rows="case", excerpts=1)
    frame = fm.frame()
    assert frame.shape == (len(fm.rows), len(fm.codes) + 1)
    code = fm.codes[0][1]
    cell = fm.cells[(fm.rows[0], code)]
    assert frame.loc[0, code] == ("" if not cell.count else f"{cell.count} segment{'s' if cell.count != 1 else ''}\n\n“{cell.excerpts[0].text}” — {cell.excerpts[0].tag}")


def test_excerpts_spread_over_respondents(example_results):
    fm = framework_matrix(example_results, rows="case", excerpts=3)
    seg = example_results.segments
    for (case, code), cell in fm.cells.items():
        sources = seg[(seg["case"] == case) & (seg["code"] == code)][["document", "speaker"]].drop_duplicates()
        picked = {(e.document, e.speaker) for e in cell.excerpts}
        assert len(picked) == min(len(sources), len(cell.excerpts))


def test_respondent_rows_leave_out_interviewers(example_results):
    fm = framework_matrix(example_results, rows="respondent", excerpts=1)
    assert "housing_mergers/finance_director_and_board_member · R1" in fm.rows
    assert "housing_mergers/finance_director_and_board_member · R2" in fm.rows
    assert not any(row.endswith("· Interviewer") for row in fm.rows)


def test_clip_keeps_the_match_inside():
    text = "x" * 300 + "MATCH" + "y" * 300
    clipped, start, end = _clip(text, 300, 305, limit=100)
    assert clipped[start:end] == "MATCH"
    assert clipped.startswith("…") and clipped.endswith("…") and len(clipped) <= 102


def test_xlsx_wraps_and_sizes_rows(example_results, tmp_path):
    import openpyxl  # a dependency of casecode (xlsx transcripts)
    fm = framework_matrix(example_results, rows="case", excerpts=3)
    target = write_framework_xlsx(fm, tmp_path / "fw.xlsx")
    sheet = openpyxl.load_workbook(target)["framework"]
    assert sheet.cell(2, 2).value.startswith(fm.codes[0][2])
    assert sheet.cell(1, 2).value == fm.theme_labels[fm.codes[0][0]]
    filled = [(r, c) for r in range(3, 3 + len(fm.rows)) for c in range(2, 2 + len(fm.codes)) if sheet.cell(r, c).value]
    assert filled
    r, c = filled[0]
    assert sheet.cell(r, c).alignment.wrap_text
    assert "segment" in str(sheet.cell(r, c).value)
    for row in range(3, 3 + len(fm.rows)):
        assert 60 <= sheet.row_dimensions[row].height <= 409  # several wrapped excerpts, within Excel's limit
    assert sheet.column_dimensions["B"].width >= 40
    assert write_framework_xlsx(fm, tmp_path / "again.xlsx").read_bytes() == target.read_bytes()


def test_markdown_has_a_table_per_theme(example_results):
    fm = framework_matrix(example_results, rows="case", excerpts=1)
    text = framework_markdown(fm)
    themes = {t for t, _, _ in fm.codes}
    assert text.count("\n## ") == len(themes)
    from casecode.export.framework import _md

    label = _md(fm.row_labels[fm.rows[0]])
    rows = [line for line in text.splitlines() if line.startswith(f"| {label} |")]
    assert len(rows) == len(themes)  # one row per table, each on one line
    for line, theme in zip(rows, dict.fromkeys(t for t, _, _ in fm.codes)):
        codes = [c for t, c, _ in fm.codes if t == theme]
        assert line.count(" | ") == len(codes)
    assert "— *housing\\_mergers/" in text


def test_cli_framework(results_copy):
    result = CliRunner().invoke(app, ["framework", str(results_copy), "--rows", "respondent", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert (results_copy / "framework_respondent.xlsx").exists()
    assert (results_copy / "framework_respondent.md").read_text(encoding="utf-8").startswith("# ")
    bad = CliRunner().invoke(app, ["framework", str(results_copy), "-o", str(results_copy / "x.txt")])
    assert bad.exit_code == 1 and "unknown suffix" in bad.output


def test_markdown_cells_are_inert():
    from casecode.export.framework import _md

    assert _md("a | b") == "a \\| b"
    assert _md("<script>x</script> *bold* [link](http://x)\nnext") == "&lt;script&gt;x&lt;/script&gt; \\*bold\\* \\[link\\](http://x) next"
