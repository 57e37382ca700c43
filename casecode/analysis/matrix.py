"""Theme matrices: codes × cases (or any case/document attribute).

Measures:
    segments   number of coded segments
    documents  number of documents with at least one coded segment
    share      coded segments as a percent of the group's respondent segments (the
               coding units, of the code's unit, whose speaker the code may be applied to)
"""

from __future__ import annotations

import fnmatch
from typing import Literal

import pandas as pd

from casecode.errors import OptionError
from casecode.results import Results

Measure = Literal["segments", "documents", "share"]
MEASURES = ("segments", "documents", "share")
TOTAL = "all"


def _allowed(speaker: str, include: list[str], exclude: list[str]) -> bool:
    name = speaker.lower()
    if include and not (speaker and any(fnmatch.fnmatchcase(name, p.lower()) for p in include)):
        return False
    return not (speaker and any(fnmatch.fnmatchcase(name, p.lower()) for p in exclude))


def _percent(count: int, pool: int) -> float:
    return round(100.0 * count / pool, 1) if pool else 0.0


def document_groups(results: Results, by: str) -> pd.Series:
    """Map each document id to its value of ``by`` (a case or document attribute)."""
    attrs = results.document_attributes()
    if by not in attrs.columns:
        names = ["case", *results.attribute_names()]
        raise OptionError(f"--by {by}: no such attribute", hint=f"available: {', '.join(names)}")
    values = attrs[by].astype(str).replace("", "(none)")
    return pd.Series(values.to_numpy(), index=attrs["document"].to_numpy())


def group_order(results: Results, by: str, groups: pd.Series) -> list[str]:
    if by == "case":
        order = [c for c in results.cases["case"].tolist() if c in set(groups)]
        return order + sorted(set(groups) - set(order))
    return sorted(set(groups))


def build_matrix(results: Results, *, by: str = "case", measure: Measure = "segments", total: bool = True) -> pd.DataFrame:
    """Codes × groups. Rows are indexed by (theme, code, label) in codebook order.

    Example:
        >>> matrix = build_matrix(read_results("results"), by="policy_field", measure="share")  # doctest: +SKIP
    """
    if measure not in MEASURES:
        raise OptionError(f"--measure {measure}: unknown measure", hint=f"choose one of {', '.join(MEASURES)}")
    book = results.codebook.model
    groups = document_groups(results, by)
    order = group_order(results, by, groups)
    seg = results.segments.copy()
    seg["group"] = seg["document"].map(groups).fillna("(none)")
    columns = order + ([TOTAL] if total else [])
    units = results.units.copy()
    units["group"] = units["document"].map(groups).fillna("(none)")
    keys, rows = [], []
    for trail, code in book.walk():
        coded = seg[seg["code"] == code.id]
        keys.append(("/".join(trail), code.id, code.label))
        if measure == "documents":
            counts = coded.groupby("group")["document"].nunique()
            overall = coded["document"].nunique()
        else:
            distinct = coded.drop_duplicates(["document", "unit", "segment"])
            counts = distinct.groupby("group").size()
            overall = len(distinct)
        if measure == "share":
            speakers = book.speakers_of(code)
            pool = units[units["unit"] == book.unit_of(code)]
            pool = pool[[_allowed(s, speakers.include, speakers.exclude) for s in pool["speaker"]]]
            denominators = pool.groupby("group").size()
            row = [_percent(counts.get(g, 0), denominators.get(g, 0)) for g in order]
            if total:
                row.append(_percent(overall, len(pool)))
        else:
            row = [int(counts.get(g, 0)) for g in order]
            if total:
                row.append(int(overall))
        rows.append(row)
    index = pd.MultiIndex.from_tuples(keys, names=["theme", "code", "label"])
    matrix = pd.DataFrame(rows, index=index, columns=columns)
    matrix.columns.name = by
    return matrix


def flat(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix with its row index as ordinary columns (for CSV/XLSX)."""
    return matrix.reset_index()
