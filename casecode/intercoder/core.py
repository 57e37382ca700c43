"""Align coders on the same documents and units, then measure how far they agree.

The rule: a unit (sentence, turn, paragraph of the results folder's ``units.csv``, or
one character) counts as coded with a code by a source when at least one of that
source's spans with the code overlaps it by one character or more. Units whose text is
empty or only whitespace are left out (and counted). Only documents that every source
read are compared; the others are listed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from casecode.intercoder.spans import Source, match_codes, read_sources, resolve_documents
from casecode.intercoder.stats import cohen_kappa, krippendorff_alpha, mean_pairwise_kappa, observed_agreement, precision_recall_f1, ratios
from casecode.errors import OptionError
from casecode.results import Results, read_results

AgreeUnit = Literal["sentence", "turn", "paragraph", "character"]
AGREE_UNITS = ("sentence", "turn", "paragraph", "character")
NONE_LABEL = "(none)"
POOLED = "(all codes, pooled)"


@dataclass
class AgreementReport:
    """Everything ``casecode agree`` prints and writes; see :meth:`as_dict`."""

    unit: str
    sources: list[str]
    gold: str | None
    documents: list[str]
    units: int
    empty_units: int
    per_code: pd.DataFrame
    overall: dict[str, Any]
    pairwise: pd.DataFrame
    prf: pd.DataFrame | None
    single_label: bool
    multi_coded_units: dict[str, int]
    confusion: dict[str, pd.DataFrame]
    partial_documents: dict[str, list[str]] = field(default_factory=dict)
    unknown_documents: dict[str, list[str]] = field(default_factory=dict)
    unmatched_codes: dict[str, dict[str, int]] = field(default_factory=dict)
    unused_codes: list[str] = field(default_factory=list)
    dropped_spans: dict[str, dict[str, int]] = field(default_factory=dict)
    text_mismatches: dict[str, list[str]] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """Plain-language lines about everything left out or undefined."""
        lines = []
        if not self.documents:
            lines.append("no document was read by every source: nothing to compare (check document ids against documents.csv)")
        if self.empty_units:
            lines.append(f"{self.empty_units} {self.unit} unit(s) with no text left out")
        groups: dict[tuple[str, ...], list[str]] = {}
        for doc, present in self.partial_documents.items():
            groups.setdefault(tuple(present), []).append(doc)
        for present, docs in groups.items():
            listed = ", ".join(docs[:8]) + (f" … (+{len(docs) - 8})" if len(docs) > 8 else "")
            lines.append(f"{len(docs)} document(s) read by {', '.join(present)} only, left out: {listed}")
        for source, docs in self.unknown_documents.items():
            lines.append(f"{source}: {len(docs)} document(s) not in the results folder: {', '.join(docs[:5])}{' …' if len(docs) > 5 else ''}")
        for source, codes in self.unmatched_codes.items():
            listed = ", ".join(f"{c!r} ({n})" for c, n in codes.items())
            lines.append(f"{source}: code(s) matching no codebook id or label, spans dropped: {listed}")
        for source, docs in self.text_mismatches.items():
            lines.append(f"{source}: the text of {len(docs)} document(s) differs from the results folder's, so offsets may not line up: {', '.join(docs[:5])}{' …' if len(docs) > 5 else ''}")
        for source, reasons in self.dropped_spans.items():
            for reason, n in reasons.items():
                lines.append(f"{source}: {n} span(s) {reason}")
        if self.unused_codes:
            lines.append(f"{len(self.unused_codes)} code(s) nobody used (no statistics): {', '.join(self.unused_codes)}")
        if not self.single_label:
            counts = ", ".join(f"{s}: {n}" for s, n in self.multi_coded_units.items() if n)
            lines.append(f"multi-label data (units with more than one code — {counts}): no confusion view")
        return lines

    def table(self) -> pd.DataFrame:
        """Per-code rows plus the pooled row (and micro/macro rows vs gold) for CSV/XLSX."""
        pooled = {"code": POOLED, "label": "", "theme": "", **{k: v for k, v in self.overall.items() if k in self.per_code.columns}}
        frame = pd.concat([self.per_code, pd.DataFrame([pooled])], ignore_index=True)
        return frame

    def as_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
            if frame is None:
                return []
            return [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

        return {
            "unit": self.unit,
            "sources": self.sources,
            "gold": self.gold,
            "documents": self.documents,
            "units": self.units,
            "empty_units": self.empty_units,
            "per_code": records(self.per_code),
            "overall": {k: _json_value(v) for k, v in self.overall.items()},
            "pairwise": records(self.pairwise),
            "precision_recall": records(self.prf),
            "single_label": self.single_label,
            "multi_coded_units": self.multi_coded_units,
            "confusion": {name: {"labels": list(frame.index), "counts": frame.to_numpy().tolist()} for name, frame in self.confusion.items()},
            "partial_documents": self.partial_documents,
            "unknown_documents": self.unknown_documents,
            "unmatched_codes": self.unmatched_codes,
            "unused_codes": self.unused_codes,
            "dropped_spans": self.dropped_spans,
            "text_mismatches": self.text_mismatches,
            "notes": self.notes(),
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else round(float(value), 6)
    return value


def _unique_names(sources: list[Source]) -> list[Source]:
    from dataclasses import replace

    seen: Counter[str] = Counter()
    out = []
    for source in sources:
        seen[source.name] += 1
        out.append(source if seen[source.name] == 1 else replace(source, name=f"{source.name}#{seen[source.name]}"))
    return out


def load_sources(paths: Sequence[str | Path], *, reviewed_only: bool = False) -> list[Source]:
    """Read every path (a file with several coders gives several sources), names made unique.

    ``reviewed_only``: results folders contribute only their codings accepted in review.
    """
    sources: list[Source] = []
    for path in paths:
        sources.extend(read_sources(path, reviewed_only=reviewed_only))
    return _unique_names(sources)


def _unit_spans(results: Results, document: str, unit: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    if unit == "character":
        positions = np.arange(len(text))
        return positions, positions + 1
    rows = results.units[(results.units["document"] == document) & (results.units["unit"] == unit)].sort_values("index")
    return rows["start"].to_numpy(dtype=np.int64), rows["end"].to_numpy(dtype=np.int64)


def agreement(
    sources: Sequence[Source | str | Path],
    results: Results | str | Path,
    *,
    unit: AgreeUnit = "sentence",
    gold: str | None = None,
) -> AgreementReport:
    """Compare two or more sources of coding on the units of a results folder.

    Args:
        sources: :class:`Source` objects or paths (CSV, results folder, .qdpx).
        results: the results folder whose units, texts and codebook are used.
        unit: sentence, turn, paragraph (from units.csv) or character.
        gold: name of the source treated as the reference for precision/recall/F1.

    Example:
        >>> report = agreement(["results", "coders.csv"], "results", unit="sentence", gold="alice")  # doctest: +SKIP
        >>> report.per_code[["code", "kappa", "alpha"]]  # doctest: +SKIP
    """
    if unit not in AGREE_UNITS:
        raise OptionError(f"--unit {unit}: unknown unit", hint=f"choose one of {', '.join(AGREE_UNITS)}")
    results = results if isinstance(results, Results) else read_results(results)
    loaded: list[Source] = []
    for item in sources:
        loaded.extend([item] if isinstance(item, Source) else read_sources(item))
    loaded = _unique_names(loaded)
    if len(loaded) < 2:
        raise OptionError(f"agreement needs at least two sources of coding, got {len(loaded)}", hint="give two or more results folders, CSV files or .qdpx projects (a file with a coder column counts once per coder)")
    names = [s.name for s in loaded]
    if gold is not None and gold not in names:
        by_path = [s.name for s in loaded if s.path == str(gold) or Path(s.path) == Path(gold)]
        if len(by_path) != 1:
            raise OptionError(f"--gold {gold}: no such source", hint=f"sources are: {', '.join(names)}")
        gold = by_path[0]
    book = results.codebook.model
    loaded = match_codes(loaded, book)
    known = list(results.documents["document"])

    unknown: dict[str, list[str]] = {}
    dropped: dict[str, Counter[str]] = {s.name: Counter() for s in loaded}
    coverage: dict[str, set[str]] = {}
    doc_maps: dict[str, dict[str, str]] = {}
    for source in loaded:
        raw_docs = set(source.documents) | {span.document for span in source.spans}
        mapping = resolve_documents(raw_docs, known)
        doc_maps[source.name] = mapping
        missing = sorted(raw_docs - set(mapping))
        if missing:
            unknown[source.name] = missing
        coverage[source.name] = set(mapping.values())
    every = set.intersection(*coverage.values()) if coverage else set()
    union = set.union(*coverage.values()) if coverage else set()
    documents = sorted(every)
    partial = {doc: [n for n in names if doc in coverage[n]] for doc in sorted(union - every)}

    codes = [code.id for code in book.codes()]
    code_index = {c: i for i, c in enumerate(codes)}
    blocks: dict[str, list[np.ndarray]] = {s.name: [] for s in loaded}
    empty_units = 0
    texts = {doc: results.text(doc) for doc in documents}
    mismatches: dict[str, list[str]] = {}
    for source in loaded:
        differ = sorted(doc_maps[source.name][raw] for raw, text in source.texts.items() if doc_maps[source.name].get(raw) in texts and text != texts[doc_maps[source.name][raw]])
        if differ:
            mismatches[source.name] = differ
    spans_by = {
        s.name: _group_spans(s, doc_maps[s.name], set(documents), dropped[s.name]) for s in loaded
    }
    for doc in documents:
        starts, ends = _unit_spans(results, doc, unit, texts[doc])
        keep = np.array([bool(texts[doc][s:e].strip()) for s, e in zip(starts, ends)], dtype=bool)
        empty_units += int((~keep).sum())
        for source in loaded:
            by_code = spans_by[source.name].get(doc, {})
            blocks[source.name].append(_coded_units(texts[doc], starts[keep], ends[keep], by_code, code_index, dropped[source.name]))
    matrices = {n: (np.vstack(b) if b else np.zeros((0, len(codes)), dtype=bool)) for n, b in blocks.items()}
    n_units = next(iter(matrices.values())).shape[0]

    used = [c for c in codes if any(matrices[n][:, code_index[c]].any() for n in names)]
    unused = [c for c in codes if c not in used]
    labels = {code.id: code.label for code in book.codes()}
    themes = {code.id: book.theme_of(code.id) for code in book.codes()}
    others = [n for n in names if n != gold]
    rows = []
    for code in used:
        column = [matrices[n][:, code_index[code]].astype(np.int8) for n in names]
        row: dict[str, Any] = {"code": code, "label": labels[code], "theme": themes[code], "units": n_units}
        for n, values in zip(names, column):
            row[f"coded_{n}"] = int(values.sum())
        row["observed"] = observed_agreement(column)
        row["kappa"] = mean_pairwise_kappa(column)
        row["alpha"] = krippendorff_alpha(column)
        if gold is not None:
            g = matrices[gold][:, code_index[code]]
            for n in others:
                _, _, _, p, r, f = precision_recall_f1(g, matrices[n][:, code_index[code]])
                row[f"precision_{n}"], row[f"recall_{n}"], row[f"f1_{n}"] = p, r, f
        rows.append(row)
    base_columns = ["code", "label", "theme", "units", *[f"coded_{n}" for n in names], "observed", "kappa", "alpha"]
    if gold is not None:
        base_columns += [f"{m}_{n}" for n in others for m in ("precision", "recall", "f1")]
    per_code = pd.DataFrame(rows, columns=base_columns)

    used_idx = [code_index[c] for c in used]
    pooled = [matrices[n][:, used_idx].astype(np.int8).ravel() for n in names]
    overall: dict[str, Any] = {"units": n_units, "decisions": int(len(pooled[0])) if pooled else 0}
    for n, values in zip(names, pooled):
        overall[f"coded_{n}"] = int(values.sum())
    overall["observed"] = observed_agreement(pooled)
    overall["kappa"] = mean_pairwise_kappa(pooled)
    overall["alpha"] = krippendorff_alpha(pooled)

    pair_rows = []
    for a, b in combinations(names, 2):
        pa, pb = matrices[a][:, used_idx].astype(np.int8).ravel(), matrices[b][:, used_idx].astype(np.int8).ravel()
        pair_rows.append({"source_a": a, "source_b": b, "observed": observed_agreement([pa, pb]), "kappa": cohen_kappa(pa, pb)})
    pairwise = pd.DataFrame(pair_rows, columns=["source_a", "source_b", "observed", "kappa"])

    prf = None
    if gold is not None:
        prf = _precision_recall(matrices, gold, others, used, code_index)
        for n in others:
            micro, macro = (prf[(prf["source"] == n) & (prf["code"] == name)].iloc[0] for name in ("(micro)", "(macro)"))
            overall[f"precision_{n}"], overall[f"recall_{n}"], overall[f"f1_{n}"] = micro["precision"], micro["recall"], micro["f1"]
            overall[f"macro_f1_{n}"] = macro["f1"]

    multi = {n: int((matrices[n].sum(axis=1) > 1).sum()) for n in names}
    single = not any(multi.values())
    confusion: dict[str, pd.DataFrame] = {}
    if single and n_units:
        label_sets = {n: _labels(matrices[n], codes) for n in names}
        overall["single_label_kappa"] = mean_pairwise_kappa(list(label_sets.values()))
        overall["single_label_alpha"] = krippendorff_alpha(list(label_sets.values()))
        reference = gold or names[0]
        order = [*used, NONE_LABEL]
        for n in names:
            if n == reference:
                continue
            table = pd.crosstab(pd.Categorical(label_sets[reference], categories=order), pd.Categorical(label_sets[n], categories=order), dropna=False)
            table.index.name, table.columns.name = reference, n
            confusion[f"{reference} vs {n}"] = table.astype(int)

    return AgreementReport(
        unit=unit,
        sources=names,
        gold=gold,
        documents=documents,
        units=n_units,
        empty_units=empty_units,
        per_code=per_code,
        overall=overall,
        pairwise=pairwise,
        prf=prf,
        single_label=single,
        multi_coded_units=multi,
        confusion=confusion,
        partial_documents=partial,
        unknown_documents=unknown,
        unmatched_codes={s.name: s.unmatched for s in loaded if s.unmatched},
        unused_codes=unused,
        dropped_spans={n: dict(sorted(c.items())) for n, c in dropped.items() if c},
        text_mismatches=mismatches,
    )


def _coded_units(
    text: str, starts: np.ndarray, ends: np.ndarray, by_code: dict[str, list[tuple[int, int]]], code_index: dict[str, int], dropped: Counter[str]
) -> np.ndarray:
    """Units × codes: True where a span with the code overlaps the unit by a character or more."""
    length = len(text)
    in_unit = np.zeros(length + 1, dtype=np.int64)
    np.add.at(in_unit, starts, 1)
    np.add.at(in_unit, ends, -1)
    unit_prefix = np.concatenate([[0], np.cumsum(np.cumsum(in_unit)[:length] > 0)])
    block = np.zeros((len(starts), len(code_index)), dtype=bool)
    for code, spans in by_code.items():
        cover = np.zeros(length + 1, dtype=np.int64)
        for start, end in spans:
            if start >= length:
                dropped["beyond the end of the document text: dropped"] += 1
                continue
            if end > length:
                dropped["running past the end of the document text: cut at its end"] += 1
                end = length
            if unit_prefix[end] - unit_prefix[start] == 0:
                dropped["overlap no unit (speaker labels or blank text only)"] += 1
            cover[start] += 1
            cover[end] -= 1
        covered = np.concatenate([[0], np.cumsum(np.cumsum(cover)[:length] > 0)])  # covered characters before each offset
        block[:, code_index[code]] = (covered[ends] - covered[starts]) > 0
    return block


def _precision_recall(matrices: dict[str, np.ndarray], gold: str, others: list[str], used: list[str], code_index: dict[str, int]) -> pd.DataFrame:
    """Per-code, micro and macro precision/recall/F1 of each source against ``gold``.

    The codes averaged over are those that gold or the source used (scikit-learn's
    ``labels`` with ``zero_division=0``).
    """
    rows = []
    for n in others:
        per = []
        for code in used:
            g, o = matrices[gold][:, code_index[code]], matrices[n][:, code_index[code]]
            if not (g.any() or o.any()):
                continue
            tp, fp, fn, p, r, f = precision_recall_f1(g, o)
            per.append({"source": n, "code": code, "support": int(g.sum()), "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f})
        rows += per
        tp, fp, fn = (sum(x[k] for x in per) for k in ("tp", "fp", "fn"))
        support = sum(x["support"] for x in per)
        p, r, f = ratios(tp, fp, fn)
        rows.append({"source": n, "code": "(micro)", "support": support, "tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": f})
        macro = {k: float(np.mean([x[k] for x in per])) if per else math.nan for k in ("precision", "recall", "f1")}
        rows.append({"source": n, "code": "(macro)", "support": support, "tp": tp, "fp": fp, "fn": fn, **macro})
    return pd.DataFrame(rows, columns=["source", "code", "support", "tp", "fp", "fn", "precision", "recall", "f1"])


def _labels(matrix: np.ndarray, codes: list[str]) -> np.ndarray:
    labels = np.array([NONE_LABEL] * matrix.shape[0], dtype=object)
    rows, cols = np.nonzero(matrix)
    for r, c in zip(rows, cols):
        labels[r] = codes[c]
    return labels.astype(str)


def _group_spans(source: Source, mapping: dict[str, str], documents: set[str], dropped: Counter[str]) -> dict[str, dict[str, list[tuple[int, int]]]]:
    grouped: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for span in source.spans:
        doc = mapping.get(span.document)
        if doc is None:
            dropped["in documents not in the results folder: dropped"] += 1
            continue
        if doc not in documents:
            dropped["in documents not read by every source: left out"] += 1
            continue
        grouped.setdefault(doc, {}).setdefault(span.code, []).append((span.start, span.end))
    return grouped


def report_sheets(report: AgreementReport) -> list[tuple[str, pd.DataFrame, dict[str, Any]]]:
    """The xlsx sheets: agreement, precision_recall, pairwise, confusion(s), notes."""
    sheets: list[tuple[str, pd.DataFrame, dict[str, Any]]] = [("agreement", report.table().round(4), {"widths": {"label": 36, "code": 26}})]
    if report.prf is not None:
        sheets.append(("precision_recall", report.prf.round(4), {}))
    if len(report.pairwise) > 1:
        sheets.append(("pairwise", report.pairwise.round(4), {}))
    for i, (name, frame) in enumerate(report.confusion.items(), start=1):
        flat = frame.reset_index().rename(columns={frame.index.name: f"{frame.index.name} \\ {frame.columns.name}"})
        flat.columns = [str(c) for c in flat.columns]
        sheets.append((f"confusion{'' if len(report.confusion) == 1 else i}", flat, {}))
    notes = pd.DataFrame({"note": report.notes() or ["nothing left out"]})
    sheets.append(("notes", notes, {"widths": {"note": 120}}))
    return sheets

