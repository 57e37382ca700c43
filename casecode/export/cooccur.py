"""Write co-occurrence tables as CSV and xlsx."""

from __future__ import annotations

from pathlib import Path

from casecode.analysis.cooccur import Level, cooccurrence, top_pairs
from casecode.export.xlsx import write_workbook
from casecode.results import Results, write_csv


def write_cooccurrence(results: Results, target: str | Path, *, level: Level = "segment", jaccard: bool = False) -> list[Path]:
    """Write the code × code matrix and the ranked pairs.

    ``target`` ending in ``.xlsx`` gives one workbook (sheets ``matrix`` and ``pairs``);
    anything else is a CSV of the matrix with the pairs next to it as ``NAME_pairs.csv``.
    """
    target = Path(target)
    matrix = cooccurrence(results, level=level, jaccard=jaccard).reset_index()
    pairs = top_pairs(results, level=level, jaccard=jaccard, n=None)
    if target.suffix.lower() == ".xlsx":
        codes = [c for c in matrix.columns if c != "code"]
        write_workbook(target, [
            (f"matrix ({level})"[:31], matrix, {"heat": codes, "widths": {"code": 30, **{c: 8 for c in codes}}}),
            ("pairs", pairs, {"widths": {"code_a": 30, "code_b": 30, "theme_a": 22, "theme_b": 22}}),
        ])
        return [target]
    pairs_target = target.with_name(f"{target.stem}_pairs{target.suffix or '.csv'}")
    write_csv(target, matrix)
    write_csv(pairs_target, pairs)
    return [target, pairs_target]
