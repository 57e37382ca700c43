"""Golden test: coding the bundled example study gives the reviewed matrix.

If a deliberate change to the engine, the codebook or the transcripts changes the
numbers, review the difference and refresh the golden file with:

    casecode code transcripts_example --codebook codebooks/partnership.yaml --out results -q
    cp results/matrix.csv tests/data/golden/example_matrix.csv
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "example_matrix.csv"


def test_example_matrix_matches_golden(example_run) -> None:
    _, out = example_run
    assert (out / "matrix.csv").read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")


def test_golden_spot_checks(example_run) -> None:
    run, _ = example_run
    segments = run.segments_frame()
    assert not segments["speaker"].str.lower().isin(["interviewer", "q"]).any(), "interviewer turns are never coded"
    trust = segments[segments["code"] == "trust_relationships"]
    assert not trust["text"].str.contains(r"\bnever (?:really )?trusted\b", case=False).any(), "negated trust is not trust"
    matrix = pd.read_csv(GOLDEN)
    assert matrix["all"].sum() == len(segments.drop_duplicates(["document", "unit", "segment", "code"]))
