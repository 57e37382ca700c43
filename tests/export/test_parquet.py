"""segments.parquet next to segments.csv."""

from __future__ import annotations

import pandas as pd

from casecode.results import read_results


def test_parquet_holds_the_segments_table(example_run):
    folder = example_run[1]
    frame = pd.read_parquet(folder / "segments.parquet")
    csv = read_results(folder).segments
    assert list(frame.columns) == list(csv.columns)
    assert len(frame) == len(csv) > 0
    assert frame["start"].dtype == "int64" and frame["negated"].dtype == bool
    pd.testing.assert_frame_equal(frame.astype(str), csv.astype(str))


def test_parquet_is_deterministic(example_run, tmp_path):
    from casecode.export.folder import write_parquet

    frame = pd.read_parquet(example_run[1] / "segments.parquet")
    write_parquet(tmp_path / "a.parquet", frame)
    write_parquet(tmp_path / "b.parquet", frame)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
