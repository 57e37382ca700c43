"""Time the cross-case outputs on the example study copied N times (in memory).

    python bench/outputs.py --copies 20

Prints seconds per output and the ratio of time per coded segment at N copies to one copy
(near 1 means the output scales linearly with the number of segments).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import pandas as pd

from casecode import code_corpus, read_results
from casecode.analysis.cooccur import top_pairs
from casecode.analysis.framework import framework_matrix
from casecode.analysis.matrix import build_matrix
from casecode.exchange.qdpx import qdpx_bytes, read_qdpx
from casecode.export.report import report_html

ROOT = Path(__file__).resolve().parent.parent


def scaled(results, copies: int):  # type: ignore[no-untyped-def]
    def rename(frame: pd.DataFrame, i: int) -> pd.DataFrame:
        frame = frame.copy()
        frame["document"] = frame["document"] + f"_{i}"
        return frame

    segs = pd.concat([rename(results.segments, i) for i in range(copies)], ignore_index=True)
    units = pd.concat([rename(results.units, i) for i in range(copies)], ignore_index=True)
    docs = pd.concat([rename(results.documents, i) for i in range(copies)], ignore_index=True)
    texts = {f"{d}_{i}": results.text(d) for i in range(copies) for d in results.documents["document"]}
    return dataclasses.replace(results, segments=segs, units=units, documents=docs, texts=texts)


def timings(results) -> dict[str, float]:  # type: ignore[no-untyped-def]
    out = {}
    for name, job in (
        ("matrix (respondents, cross, subtotals)", lambda: build_matrix(results, cross="role", measure="respondents", subtotals=True)),
        ("framework (3 excerpts)", lambda: framework_matrix(results, excerpts=3)),
        ("co-occurrence (segment)", lambda: top_pairs(results, level="segment")),
        ("html report", lambda: report_html(results)),
        ("qdpx export", lambda: qdpx_bytes(results)),
    ):
        start = time.perf_counter()
        job()
        out[name] = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.qdpx"
        path.write_bytes(qdpx_bytes(results))
        start = time.perf_counter()
        read_qdpx(path)
        out["qdpx import"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code_corpus([ROOT / "transcripts_example"], ROOT / "codebooks" / "partnership.yaml", out=Path(tmp) / "r", xlsx=False)
        base = read_results(Path(tmp) / "r")
        big = scaled(base, args.copies)
        small_t, big_t = timings(base), timings(big)
    n_small, n_big = len(base.segments), len(big.segments)
    print(f"{n_small} segments vs {n_big} segments ({args.copies} copies)")
    for name in small_t:
        ratio = (big_t[name] / n_big) / (small_t[name] / n_small)
        print(f"{name:40s} {small_t[name]:7.3f}s  {big_t[name]:7.3f}s  per-segment ratio {ratio:5.2f}")


if __name__ == "__main__":
    main()
