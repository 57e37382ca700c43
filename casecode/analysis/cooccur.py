"""Code co-occurrence: how often two codes are applied together.

Levels:
    segment   two codes co-occur where their coded segments overlap in a document (the
              same sentence, or a sentence inside a coded paragraph); each overlapping
              pair of segments counts once, identical spans with two codes count once
    document  documents coded with both codes
    case      cases with both codes

The diagonal holds how many segments / documents / cases carry the code. With
``jaccard=True`` each cell is n(A and B) / (n(A) + n(B) - n(A and B)), from 0 to 1.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Literal

import pandas as pd

from casecode.errors import OptionError
from casecode.results import Results

Level = Literal["segment", "document", "case"]
LEVELS = ("segment", "document", "case")


def _segment_pairs(segments: pd.DataFrame) -> tuple[Counter, Counter]:
    spans = segments.drop_duplicates(["document", "start", "end", "code"])
    single: Counter = Counter(spans["code"])
    pairs: Counter = Counter()
    for _, doc in spans.groupby("document", sort=False):
        items = sorted(zip(doc["start"], doc["end"], doc["code"]))
        for i, (start, end, code) in enumerate(items):
            for other_start, other_end, other in items[i + 1 :]:
                if other_start >= end:
                    break
                if other != code and other_end > start:
                    pairs[tuple(sorted((code, other)))] += 1
    return single, pairs


def _set_pairs(segments: pd.DataFrame, key: str) -> tuple[Counter, Counter]:
    single: Counter = Counter()
    pairs: Counter = Counter()
    for _, group in segments.groupby(key, sort=False):
        codes = sorted(set(group["code"]))
        single.update(codes)
        pairs.update(combinations(codes, 2))
    return single, pairs


def cooccurrence(results: Results, *, level: Level = "segment", jaccard: bool = False) -> pd.DataFrame:
    """Code × code co-occurrence matrix (symmetric; codebook order; diagonal = code totals).

    Example:
        >>> cooccurrence(read_results("results"), level="document", jaccard=True)  # doctest: +SKIP
    """
    if level not in LEVELS:
        raise OptionError(f"--level {level}: unknown level", hint=f"choose one of {', '.join(LEVELS)}")
    codes = [c.id for c in results.codebook.model.codes()]
    segments = results.segments[results.segments["code"].isin(codes)]
    if level == "segment":
        single, pairs = _segment_pairs(segments)
    else:
        single, pairs = _set_pairs(segments, level)
    matrix = pd.DataFrame(0.0 if jaccard else 0, index=pd.Index(codes, name="code"), columns=pd.Index(codes, name="code"))
    values = matrix.to_numpy(copy=True)
    position = {c: i for i, c in enumerate(codes)}
    for code, n in single.items():
        values[position[code], position[code]] = 1.0 if jaccard and n else n
    for (a, b), n in pairs.items():
        value = round(n / (single[a] + single[b] - n), 3) if jaccard else n
        values[position[a], position[b]] = values[position[b], position[a]] = value
    return pd.DataFrame(values, index=matrix.index, columns=matrix.columns)


def top_pairs(results: Results, *, level: Level = "segment", jaccard: bool = False, n: int | None = 20) -> pd.DataFrame:
    """The code pairs applied together most often, zeros left out.

    Columns: code_a, theme_a, code_b, theme_b, together, n_a, n_b, jaccard. Sorted by
    ``jaccard`` when asked for, else by ``together``; ties in codebook order.
    """
    counts = cooccurrence(results, level=level)
    scores = cooccurrence(results, level=level, jaccard=True)
    book = results.codebook.model
    codes = list(counts.index)
    rows = []
    for i, a in enumerate(codes):
        for j in range(i + 1, len(codes)):
            together = int(counts.iat[i, j])
            if together > 0:
                rows.append({
                    "code_a": a, "theme_a": book.theme_of(a), "code_b": codes[j], "theme_b": book.theme_of(codes[j]),
                    "together": together, "n_a": int(counts.iat[i, i]), "n_b": int(counts.iat[j, j]), "jaccard": float(scores.iat[i, j]),
                    "_i": i, "_j": j,
                })
    columns = ["code_a", "theme_a", "code_b", "theme_b", "together", "n_a", "n_b", "jaccard", "_i", "_j"]
    frame = pd.DataFrame(rows, columns=columns)
    first = "jaccard" if jaccard else "together"
    second = "together" if jaccard else "jaccard"
    frame = frame.sort_values([first, second, "_i", "_j"], ascending=[False, False, True, True], kind="stable")
    frame = frame.drop(columns=["_i", "_j"]).reset_index(drop=True)
    return frame if n is None else frame.head(n)
