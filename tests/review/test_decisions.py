"""reviews.csv and annotations.csv: saving, status, reviewed-only, survival across re-runs."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from casecode import build_matrix, code_corpus, read_results
from casecode.cli.app import app
from casecode.errors import OptionError
from casecode.review import Decision, annotate, read_decisions, review_status, reviewed_only, save_decision
from casecode.review.decisions import ReviewFileError

TRANSCRIPT = """Interviewer: Tell me about the merger.

R1: We trusted the other board from the start. The savings were real.

R1: There was a culture clash in the first year. We saved money on offices.
"""


def _decide(folder, row, decision, new_code=""):
    save_decision(folder, Decision(row.document, int(row.start), int(row.end), row.code, decision, new_code))


def test_decisions_file_sorted_and_stable(results_copy):
    results = read_results(results_copy)
    rows = list(results.segments.itertuples())
    _decide(results_copy, rows[5], "accept")
    _decide(results_copy, rows[1], "reject")
    first = (results_copy / "reviews.csv").read_bytes()
    save_decision(results_copy, None, key=(rows[5].document, int(rows[5].start), int(rows[5].end), rows[5].code))
    _decide(results_copy, rows[5], "accept")
    assert (results_copy / "reviews.csv").read_bytes() == first
    frame = pd.read_csv(results_copy / "reviews.csv")
    assert list(frame["decision"]) == ["reject", "accept"]


def test_status_and_reviewed_only_matrix(results_copy):
    results = read_results(results_copy)
    seg = results.segments
    rows = list(seg.itertuples())
    _decide(results_copy, rows[0], "accept")
    _decide(results_copy, rows[1], "reject")
    _decide(results_copy, rows[2], "recode", "distrust")
    status = review_status(results)
    assert (status.accepted, status.rejected, status.recoded, status.pending) == (1, 1, 1, len(seg) - 3)
    kept = reviewed_only(results).segments
    assert len(kept) == 2
    assert set(kept["code"]) == {rows[0].code, "distrust"}
    matrix = build_matrix(reviewed_only(results))
    assert int(matrix["all"].sum()) == 2
    result = CliRunner().invoke(app, ["matrix", str(results_copy), "--reviewed-only"])
    assert result.exit_code == 0, result.output
    assert f"3/{len(seg)} automatic codings reviewed" in " ".join(result.stdout.split())
    written = pd.read_csv(results_copy / "matrix_case_segments_reviewed.csv")
    assert int(written["all"].sum()) == 2


def test_bad_decision_row_is_reported_with_line(results_copy):
    (results_copy / "reviews.csv").write_text("document,start,end,code,decision,new_code,memo\nd,1,2,x,maybe,,\n", encoding="utf-8")
    with pytest.raises(ReviewFileError, match=r"reviews.csv:2 \(decision\)"):
        read_decisions(results_copy)


def test_annotate_appears_in_segments_and_matrix(results_copy):
    import pyarrow.parquet as pq

    before = read_results(results_copy)
    schema = pq.read_schema(results_copy / "segments.parquet")
    doc = before.documents["document"].iloc[0]
    units = before.units[(before.units["document"] == doc) & (before.units["unit"] == "sentence")]
    unit = units.iloc[len(units) // 2]
    added = annotate(results_copy, doc, int(unit["start"]), int(unit["end"]), "Distrust and suspicion", coder="Ines Vidal")
    assert added.code == "distrust"
    after = read_results(results_copy)
    manual = after.segments[after.segments["origin"] == "manual"]
    assert len(manual) == 1
    row = manual.iloc[0]
    assert (row["rule"], row["unit"], row["segment"], row["speaker"]) == ("manual", "sentence", int(unit["index"]), unit["speaker"])
    old = build_matrix(before).loc[(slice(None), "distrust", slice(None)), "all"].iloc[0]
    new = build_matrix(after).loc[(slice(None), "distrust", slice(None)), "all"].iloc[0]
    overlaps = before.segments[(before.segments["code"] == "distrust") & (before.segments["document"] == doc) & (before.segments["segment"] == int(unit["index"])) & (before.segments["unit"] == "sentence")]
    assert new == old + (0 if len(overlaps) else 1)
    assert "distrust" in pd.read_csv(results_copy / "matrix.csv").set_index("code").index
    assert review_status(after).manual == 1
    assert len(reviewed_only(after).segments) == 1  # manual codings count as reviewed
    # segments.parquet says what segments.csv says, with the same column types
    parquet = pd.read_parquet(results_copy / "segments.parquet")
    assert len(parquet) == len(after.segments) and (parquet["origin"] == "manual").sum() == 1
    pd.testing.assert_frame_equal(parquet.reset_index(drop=True), after.segments.reset_index(drop=True), check_dtype=False)
    assert pq.read_schema(results_copy / "segments.parquet").types == schema.types


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nowhere", 0, 5, "distrust"), "no document 'nowhere'"),
        ((None, 0, 10**9, "distrust"), "outside"),
        ((None, 0, 5, "no_such_code"), "no code 'no_such_code'"),
    ],
)
def test_annotate_errors(results_copy, args, message):
    doc = read_results(results_copy).documents["document"].iloc[0]
    document, start, end, code = args
    with pytest.raises(OptionError, match=message):
        annotate(results_copy, document or doc, start, end, code)


def test_annotate_cli(results_copy):
    doc = read_results(results_copy).documents["document"].iloc[0]
    result = CliRunner().invoke(app, ["annotate", str(results_copy), doc, "0", "40", "innovation", "--coder", "Ines Vidal"])
    assert result.exit_code == 0, result.output
    assert "(manual)" in result.stdout
    assert "Ines Vidal" in (results_copy / "annotations.csv").read_text(encoding="utf-8")
    again = CliRunner().invoke(app, ["annotate", str(results_copy), doc, "0", "40", "innovation"])
    assert again.exit_code == 1 and "already coded" in again.stderr
    status = CliRunner().invoke(app, ["review", str(results_copy), "--status"])
    assert status.exit_code == 0 and "1 manual" in status.stdout


def test_review_without_a_terminal_is_a_one_line_error(results_copy):
    # CliRunner's input and output are not terminals, as under a pipe, cron or CI
    result = CliRunner().invoke(app, ["review", str(results_copy)], input="a\n")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: casecode review needs an interactive terminal") and "--status" in result.stderr
    assert result.stdout == "" and not (results_copy / "reviews.csv").exists()


def test_rerun_of_code_keeps_decisions_and_manual_codings(tmp_path, mini_codebook):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "board_chair.txt").write_text("---\ncase: merger_a\n---\n" + TRANSCRIPT, encoding="utf-8")
    out = tmp_path / "results"
    code_corpus([corpus], mini_codebook, out=out, xlsx=False)
    results = read_results(out)
    seg = results.segments
    trust = seg[seg["code"] == "trust"].iloc[0]
    money = seg[seg["code"] == "money"].iloc[0]
    _decide(out, trust, "accept")
    _decide(out, money, "reject")
    doc = seg["document"].iloc[0]
    annotate(out, doc, int(trust["start"]), int(trust["end"]), "culture_clash", coder="Ines Vidal")
    reviews = (out / "reviews.csv").read_bytes()
    # drop the money code from the codebook, then code again into the same folder
    book = mini_codebook.read_text(encoding="utf-8")
    start = book.index("      - id: money")
    end = book.index("  - id: culture")
    edited = tmp_path / "edited.yaml"
    edited.write_text(book[:start] + book[end:], encoding="utf-8")
    code_corpus([corpus], edited, out=out, xlsx=False)
    assert (out / "reviews.csv").read_bytes() == reviews
    again = read_results(out)
    status = review_status(again)
    assert status.accepted == 1 and status.rejected == 0 and status.stale == 1
    manual = again.segments[again.segments["origin"] == "manual"]
    assert list(manual["code"]) == ["culture_clash"]
    assert int(build_matrix(again).loc[(slice(None), "culture_clash", slice(None)), "all"].iloc[0]) >= 1
