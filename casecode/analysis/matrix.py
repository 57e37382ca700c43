"""Theme matrices: codes × cases (or any case/document attribute, or two of them).

Measures:
    segments     number of coded segments
    documents    number of documents with at least one coded segment
    respondents  number of respondents (a speaker within a document; a document without
                 speaker labels counts as one) with at least one coded segment
    share        coded segments as a percent of the group's respondent segments (the
                 coding units, of the code's unit, whose speaker the code may be applied to)

With ``subtotals=True`` each theme gets a row (code ``(theme)``) before its codes that
counts distinct segments, documents or respondents coded with any code of the theme or
of the themes nested in it (never a sum, so a segment with two codes counts once).
"""

from __future__ import annotations

import fnmatch
from typing import Literal

import numpy as np
import pandas as pd

from casecode.errors import OptionError
from casecode.results import Results

Measure = Literal["segments", "documents", "respondents", "share"]
MEASURES = ("segments", "documents", "respondents", "share")
TOTAL = "all"
THEME_ROW = "(theme)"
KEYS = {"segments": ["document", "unit", "segment"], "documents": ["document"], "respondents": ["document", "speaker"], "share": ["document", "unit", "segment"]}


def _allowed(speaker: str, include: list[str], exclude: list[str]) -> bool:
    name = speaker.lower()
    if include and not (speaker and any(fnmatch.fnmatchcase(name, p.lower()) for p in include)):
        return False
    return not (speaker and any(fnmatch.fnmatchcase(name, p.lower()) for p in exclude))


def document_groups(results: Results, by: str, cross: str | None = None) -> pd.Series:
    """Map each document id to its value of ``by`` (a case or document attribute).

    With ``cross``, the value is a ``(by value, cross value)`` tuple.
    """
    attrs = results.document_attributes()
    values = []
    for name, option in ((by, "--by"), (cross, "--cross")):
        if name is None:
            continue
        if name not in attrs.columns:
            names = ["case", *results.attribute_names()]
            raise OptionError(f"{option} {name}: no such attribute", hint=f"available: {', '.join(names)}")
        values.append(attrs[name].astype(str).replace("", "(none)").to_numpy())
    keys = values[0] if len(values) == 1 else list(zip(*values))
    return pd.Series(keys, index=attrs["document"].to_numpy(), dtype=object)


def group_order(results: Results, by: str, groups: pd.Series) -> list:
    present = set(groups)
    if by == "case":
        cases = results.cases["case"].tolist()
        if present and isinstance(next(iter(present)), tuple):
            rank = {c: i for i, c in enumerate(cases)}
            return sorted(present, key=lambda g: (rank.get(g[0], len(rank)), g[0], g[1]))
        order = [c for c in cases if c in present]
        return order + sorted(present - set(order))
    return sorted(present)


def _rows(book) -> list[tuple[tuple[str, str, str], list[str]]]:  # type: ignore[no-untyped-def]
    """(row key, code ids it counts) for every code in codebook order."""
    return [(("/".join(trail), code.id, code.label), [code.id]) for trail, code in book.walk()]


def _rows_with_subtotals(book) -> list[tuple[tuple[str, str, str], list[str]]]:  # type: ignore[no-untyped-def]
    rows = []
    for trail, theme in book.themes_flat():
        path = "/".join(trail + (theme.id,))
        below = [code.id for t, code in book.walk() if "/".join(t) == path or "/".join(t).startswith(path + "/")]
        rows.append(((path, THEME_ROW, theme.label), below))
        rows += [((path, code.id, code.label), [code.id]) for code in theme.codes]
    return rows


def build_matrix(
    results: Results, *, by: str = "case", measure: Measure = "segments", total: bool = True, cross: str | None = None, subtotals: bool = False,
) -> pd.DataFrame:
    """Codes × groups. Rows are indexed by (theme, code, label) in codebook order.

    Args:
        by: the case or document attribute whose values are the columns ("case" by default).
        measure: segments, documents, respondents or share (see the module docstring).
        total: add a column ``all`` over every document.
        cross: a second attribute: columns become (by value, cross value) pairs.
        subtotals: add a ``(theme)`` row before each theme's codes.

    Example:
        >>> matrix = build_matrix(read_results("results"), by="policy_field", measure="share")  # doctest: +SKIP
        >>> build_matrix(results, by="policy_field", cross="role", measure="respondents", subtotals=True)  # doctest: +SKIP
    """
    if measure not in MEASURES:
        raise OptionError(f"--measure {measure}: unknown measure", hint=f"choose one of {', '.join(MEASURES)}")
    book = results.codebook.model
    groups = document_groups(results, by, cross)
    order = group_order(results, by, groups)
    rows = _rows_with_subtotals(book) if subtotals else _rows(book)
    keys = KEYS[measure]
    position = {g: i for i, g in enumerate(order)}
    doc_position = {d: position[g] for d, g in groups.items()}
    n_rows, n_groups = len(rows), len(order)
    # one (row, code) link per code a row counts, so every row is counted in one pass
    link = pd.DataFrame([(r, c) for r, (_, code_ids) in enumerate(rows) for c in code_ids], columns=["row", "code"])
    seg = results.segments[["code", *dict.fromkeys(keys + ["document"])]].merge(link, on="code")
    seg = seg.drop_duplicates(["row", *keys])
    seg_groups = seg["document"].map(doc_position)
    counts = np.zeros((n_rows, n_groups), dtype="int64")
    known = seg_groups.notna().to_numpy()
    np.add.at(counts, (seg["row"].to_numpy()[known], seg_groups.to_numpy()[known].astype("int64")), 1)
    overall = np.bincount(seg["row"].to_numpy(), minlength=n_rows) if len(seg) else np.zeros(n_rows, dtype="int64")
    if measure == "share":
        denominators = _share_pools(results, book, rows, doc_position, n_groups)
        data = [
            [_percent(int(counts[r, g]), int(denominators[r][g])) for g in range(n_groups)] + ([_percent(int(overall[r]), int(denominators[r].sum()))] if total else [])
            for r in range(n_rows)
        ]
    else:
        data = [[int(v) for v in counts[r]] + ([int(overall[r])] if total else []) for r in range(n_rows)]
    if cross is None:
        columns: pd.Index = pd.Index(order + ([TOTAL] if total else []), name=by)
    else:
        columns = pd.MultiIndex.from_tuples(order + ([(TOTAL, "")] if total else []), names=[by, cross])
    index = pd.MultiIndex.from_tuples([key for key, _ in rows], names=["theme", "code", "label"])
    matrix = pd.DataFrame(data, index=index, columns=columns, dtype=float if measure == "share" else "int64")
    if not len(rows):
        matrix = matrix.astype(float if measure == "share" else "int64")
    return matrix


def _share_pools(results: Results, book, rows: list, doc_position: dict, n_groups: int) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    """Per row, per group: the coding units the row's codes could have been applied to.

    A code's pool is the units of its unit kind whose speaker its filter allows; a theme
    row's pool is the union over its codes. Pools are computed once per distinct filter.
    """
    units = results.units
    by_code = {code.id: code for code in book.codes()}
    masks: dict[tuple, pd.Series] = {}

    def signature(code_id: str) -> tuple:
        code = by_code[code_id]
        speakers = book.speakers_of(code)
        return (book.unit_of(code), tuple(speakers.include), tuple(speakers.exclude))

    def mask(sig: tuple) -> pd.Series:
        if sig not in masks:
            unit, include, exclude = sig
            allowed = {s: _allowed(s, list(include), list(exclude)) for s in units["speaker"].unique()}
            masks[sig] = (units["unit"] == unit) & units["speaker"].map(allowed).astype(bool)
        return masks[sig]

    unit_groups = units["document"].map(doc_position)
    cache: dict[frozenset, np.ndarray] = {}
    pools = []
    for _, code_ids in rows:
        sigs = frozenset(signature(c) for c in code_ids)
        if sigs not in cache:
            selected = pd.Series(False, index=units.index)
            for sig in sigs:
                selected |= mask(sig)
            chosen = unit_groups[selected & unit_groups.notna()]
            cache[sigs] = np.bincount(chosen.to_numpy().astype("int64"), minlength=n_groups)[:n_groups]
        pools.append(cache[sigs])
    return pools


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def flat(matrix: pd.DataFrame) -> pd.DataFrame:
    """The matrix with its row index as ordinary columns (for CSV/XLSX).

    Two-attribute columns are joined as ``"by value · cross value"``.
    """
    frame = matrix.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = [" · ".join(str(p) for p in col if str(p) != "") for col in frame.columns]
    return frame.reset_index()
