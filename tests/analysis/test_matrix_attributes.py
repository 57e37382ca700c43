"""Attribute matrices: respondents measure, two-attribute crosstabs, theme subtotals."""

from __future__ import annotations

import pandas as pd
import pytest

from casecode.analysis.matrix import THEME_ROW, TOTAL, build_matrix, flat
from casecode.errors import OptionError


def _doc_attr(results, name):
    attrs = results.document_attributes()
    return dict(zip(attrs["document"], attrs[name].astype(str).replace("", "(none)")))


def test_respondents_counts_speakers_within_documents(example_results):
    matrix = build_matrix(example_results, by="case", measure="respondents")
    seg = example_results.segments
    for (theme, code, _), row in matrix.iterrows():
        rows = seg[seg["code"] == code]
        for case in matrix.columns[:-1]:
            expected = len(rows[rows["case"] == case][["document", "speaker"]].drop_duplicates())
            assert row[case] == expected
        assert row[TOTAL] == len(rows[["document", "speaker"]].drop_duplicates())
    # a joint interview has two respondents, so some code has more respondents than documents
    documents = build_matrix(example_results, by="case", measure="documents")
    assert (matrix.to_numpy() >= documents.to_numpy()).all()
    assert (matrix.to_numpy() > documents.to_numpy()).any()


@pytest.mark.parametrize("measure", ["segments", "documents", "respondents"])
def test_crosstab_adds_up_to_the_single_attribute_matrix(example_results, measure):
    single = build_matrix(example_results, by="case", measure=measure)
    cross = build_matrix(example_results, by="case", cross="role", measure=measure)
    assert cross.columns.names == ["case", "role"]
    roles = _doc_attr(example_results, "role")
    docs = example_results.documents
    expected_pairs = sorted({(c, roles[d]) for d, c in zip(docs["document"], docs["case"])}, key=lambda p: (single.columns.get_loc(p[0]), p[1]))
    assert list(cross.columns[:-1]) == expected_pairs
    for case in single.columns[:-1]:
        summed = cross.loc[:, [c for c in cross.columns if c[0] == case]].sum(axis=1)
        assert summed.tolist() == single[case].tolist()
    assert cross[(TOTAL, "")].tolist() == single[TOTAL].tolist()


def test_crosstab_flattens_for_csv(example_results):
    frame = flat(build_matrix(example_results, by="case", cross="role"))
    assert "housing_mergers_england · chief executive" in frame.columns
    assert frame.columns[-1] == TOTAL


def test_theme_subtotals_count_distinct_segments(example_results):
    matrix = build_matrix(example_results, by="case", subtotals=True)
    book = example_results.codebook.model
    seg = example_results.segments
    themes = [t.id for _, t in book.themes_flat()]
    subtotal_rows = [key for key in matrix.index if key[1] == THEME_ROW]
    assert [key[0] for key in subtotal_rows] == themes
    assert matrix.index[0][1] == THEME_ROW  # the theme row comes before its codes
    by_key = {(theme, code): row for (theme, code, _), row in matrix.iterrows()}
    for theme in themes:
        codes = [c.id for trail, c in book.walk() if trail[-1] == theme]
        rows = seg[seg["code"].isin(codes)]
        row = by_key[(theme, THEME_ROW)]
        assert row[TOTAL] == len(rows[["document", "unit", "segment"]].drop_duplicates())
        if codes:
            code_rows = pd.DataFrame([by_key[(theme, c)] for c in codes])
            assert (row >= code_rows.max()).all() and (row <= code_rows.sum()).all()


def test_subtotals_with_share_stay_percentages(example_results):
    matrix = build_matrix(example_results, by="case", measure="share", subtotals=True)
    assert ((matrix >= 0) & (matrix <= 100)).all().all()
    plain = build_matrix(example_results, by="case", measure="share")
    codes_only = matrix[[key[1] != THEME_ROW for key in matrix.index]]
    pd.testing.assert_frame_equal(codes_only, plain)


def test_default_call_is_unchanged(example_results):
    matrix = build_matrix(example_results)
    assert matrix.columns.name == "case" and matrix.columns[-1] == TOTAL
    assert len(matrix) == len(example_results.codebook.model.codes())
    assert str(matrix.dtypes.iloc[0]) == "int64"
    assert matrix[TOTAL].sum() == len(example_results.segments.drop_duplicates(["document", "unit", "segment", "code"]))


def test_unknown_cross_attribute(example_results):
    with pytest.raises(OptionError, match="--cross nope: no such attribute"):
        build_matrix(example_results, cross="nope")
