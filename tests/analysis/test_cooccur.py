"""Code co-occurrence at segment, document and case level."""

from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest
from typer.testing import CliRunner

from casecode.analysis.cooccur import cooccurrence, top_pairs
from casecode.cli.app import app
from casecode.errors import OptionError


def test_matrix_is_symmetric_with_totals_on_the_diagonal(example_results):
    seg = example_results.segments
    for level, key in (("document", "document"), ("case", "case")):
        matrix = cooccurrence(example_results, level=level)
        assert (matrix.to_numpy() == matrix.to_numpy().T).all()
        for code in matrix.index:
            assert matrix.loc[code, code] == seg.loc[seg["code"] == code, key].nunique()
    segment = cooccurrence(example_results, level="segment")
    for code in segment.index:
        assert segment.loc[code, code] == len(seg[seg["code"] == code].drop_duplicates(["document", "start", "end"]))


def test_document_level_counts_documents_with_both_codes(example_results):
    seg = example_results.segments
    matrix = cooccurrence(example_results, level="document")
    codes_by_doc = seg.groupby("document")["code"].agg(set)
    for a, b in combinations(matrix.index[:12], 2):
        expected = sum(1 for codes in codes_by_doc if a in codes and b in codes)
        assert matrix.loc[a, b] == expected


def test_segment_level_uses_overlap(example_results):
    seg = example_results.segments
    matrix = cooccurrence(example_results, level="segment")
    expected = 0
    rows = seg.drop_duplicates(["document", "start", "end", "code"])
    a, b = top_pairs(example_results, level="segment", n=1).iloc[0][["code_a", "code_b"]]
    left, right = rows[rows["code"] == a], rows[rows["code"] == b]
    for x in left.itertuples():
        for y in right[right["document"] == x.document].itertuples():
            expected += x.start < y.end and y.start < x.end
    assert matrix.loc[a, b] == expected > 0


def test_segment_level_on_a_tiny_table():
    seg = pd.DataFrame(
        [
            ["d", 0, 10, "a"], ["d", 0, 10, "b"],  # same sentence: 1
            ["d", 20, 60, "a"], ["d", 30, 40, "c"], ["d", 45, 50, "c"],  # paragraph around two sentences: 2
            ["d", 70, 80, "b"], ["d", 80, 90, "c"],  # adjacent, not overlapping: 0
        ],
        columns=["document", "start", "end", "code"],
    )
    from casecode.analysis import cooccur

    single, pairs = cooccur._segment_pairs(seg)
    assert pairs == {("a", "b"): 1, ("a", "c"): 2}
    assert single == {"a": 2, "b": 2, "c": 3}


def test_jaccard_between_zero_and_one(example_results):
    counts = cooccurrence(example_results, level="document")
    scores = cooccurrence(example_results, level="document", jaccard=True)
    a, b = counts.index[0], counts.index[1]
    n_ab, n_a, n_b = counts.loc[a, b], counts.loc[a, a], counts.loc[b, b]
    expected = round(n_ab / (n_a + n_b - n_ab), 3) if n_a + n_b - n_ab else 0.0
    assert scores.loc[a, b] == pytest.approx(expected)
    assert ((scores >= 0) & (scores <= 1)).all().all()


def test_top_pairs_sorted(example_results):
    pairs = top_pairs(example_results, level="document", n=10)
    assert list(pairs["together"]) == sorted(pairs["together"], reverse=True)
    by_jaccard = top_pairs(example_results, level="document", jaccard=True, n=10)
    assert list(by_jaccard["jaccard"]) == sorted(by_jaccard["jaccard"], reverse=True)
    assert (pairs["together"] > 0).all()


def test_unknown_level(example_results):
    with pytest.raises(OptionError, match="--level word"):
        cooccurrence(example_results, level="word")  # type: ignore[arg-type]


def test_cli_cooccur_prints_top_pairs_and_writes_files(results_copy):
    result = CliRunner().invoke(app, ["cooccur", str(results_copy), "--level", "document", "-n", "3"])
    assert result.exit_code == 0, result.output
    top = top_pairs(__import__("casecode").read_results(results_copy), level="document", n=1).iloc[0]
    assert top["code_a"] in result.output
    matrix = pd.read_csv(results_copy / "cooccur_document.csv")
    assert matrix.columns[0] == "code" and len(matrix) == len(matrix.columns) - 1
    assert (results_copy / "cooccur_document_pairs.csv").exists()
    import openpyxl  # a dependency of casecode (xlsx transcripts)
    book = openpyxl.load_workbook(results_copy / "cooccur_document.xlsx")
    assert book.sheetnames == ["matrix (document)", "pairs"]
