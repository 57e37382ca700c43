"""Agreement statistics on aligned 0/1 (or single-label) decisions, checked against
scikit-learn and the ``krippendorff`` package in the tests."""

from __future__ import annotations

import math
from itertools import combinations
from typing import Sequence

import numpy as np


def observed_agreement(ratings: Sequence[np.ndarray]) -> float:
    """Share of units on which every source gave the same value (nan with no units)."""
    stacked = np.vstack([np.asarray(r) for r in ratings])
    if stacked.shape[1] == 0:
        return math.nan
    return float(np.mean(np.all(stacked == stacked[0], axis=0)))


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two raters over any labels; nan when chance agreement is 1."""
    a, b = np.asarray(a), np.asarray(b)
    n = len(a)
    if n == 0:
        return math.nan
    labels, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inverse[:n], inverse[n:]
    p_o = float(np.mean(ia == ib))
    pa = np.bincount(ia, minlength=len(labels)) / n
    pb = np.bincount(ib, minlength=len(labels)) / n
    p_e = float(np.dot(pa, pb))
    if p_e >= 1.0:
        return math.nan
    return (p_o - p_e) / (1.0 - p_e)


def mean_pairwise_kappa(ratings: Sequence[np.ndarray]) -> float:
    """Cohen's kappa for two sources; for more, the mean over pairs (Light's kappa)."""
    values = [cohen_kappa(a, b) for a, b in combinations(ratings, 2)]
    finite = [v for v in values if not math.isnan(v)]
    if not values or len(finite) < len(values):
        return math.nan
    return float(np.mean(finite))


def krippendorff_alpha(ratings: Sequence[np.ndarray]) -> float:
    """Krippendorff's alpha, nominal, sources × units (nan when only one value occurs)."""
    import krippendorff

    data = np.vstack([np.asarray(r) for r in ratings])
    if data.shape[1] == 0 or data.shape[0] < 2:
        return math.nan
    _, codes = np.unique(data, return_inverse=True)
    data = codes.reshape(data.shape).astype(float)
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:  # a single value in the whole domain: alpha is undefined
        return math.nan


def precision_recall_f1(gold: np.ndarray, other: np.ndarray) -> tuple[int, int, int, float, float, float]:
    """(tp, fp, fn, precision, recall, f1) of 0/1 decisions; an undefined ratio counts as 0
    (scikit-learn's ``zero_division=0``)."""
    gold, other = np.asarray(gold, bool), np.asarray(other, bool)
    tp = int(np.sum(gold & other))
    fp = int(np.sum(~gold & other))
    fn = int(np.sum(gold & ~other))
    return (tp, fp, fn, *ratios(tp, fp, fn))


def ratios(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return precision, recall, f1
