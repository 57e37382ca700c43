"""Review decisions and manual codings: two plain CSV files inside the results folder.

``reviews.csv``      one row per reviewed coding, keyed by ``document, start, end, code``
                     (the segment's offsets): ``decision`` is accept, reject or recode
                     (``new_code`` then says to what) or empty (a memo on a coding
                     not decided yet), plus a free ``memo``.
``annotations.csv``  manual codings: ``document, start, end, code, coder, memo``.

Both are sorted by their key and rewritten atomically after every change, so they diff
cleanly in git and quitting at any moment loses nothing. ``casecode code`` leaves both
files alone, so decisions survive a re-run for every segment that still exists (same
document, offsets and code) and manual codings are merged into the new segments.csv.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

import pandas as pd

from casecode.errors import CasecodeError, OptionError
from casecode.results import SEGMENT_COLUMNS, Results, atomic_path

REVIEW_FILE = "reviews.csv"
ANNOTATION_FILE = "annotations.csv"
REVIEW_COLUMNS = ["document", "start", "end", "code", "decision", "new_code", "memo"]
ANNOTATION_COLUMNS = ["document", "start", "end", "code", "coder", "memo"]
DECISIONS = ("accept", "reject", "recode")
MANUAL_RULE = "manual"

Key = tuple[str, int, int, str]


class ReviewFileError(CasecodeError):
    """reviews.csv or annotations.csv is malformed."""


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one coding (``key`` = document, start, end, code)."""

    document: str
    start: int
    end: int
    code: str
    decision: str
    new_code: str = ""
    memo: str = ""

    @property
    def key(self) -> Key:
        return (self.document, self.start, self.end, self.code)


def _read_rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ReviewFileError(f"{path}:1: missing column(s) {', '.join(missing)}", hint=f"the header must be {','.join(columns)}")
        return [(line, row) for line, row in enumerate(reader, start=2)]


def _offset(value: str, path: Path, line: int, column: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ReviewFileError(f"{path}:{line} ({column}): {value!r} is not a whole number", hint="fix or delete that row") from None


def _write_rows(path: Path, columns: list[str], rows: Iterable[dict[str, object]]) -> None:
    with atomic_path(path) as tmp:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def read_decisions(folder: str | Path) -> dict[Key, Decision]:
    """The decisions saved in ``folder/reviews.csv`` (empty when there are none yet)."""
    path = Path(folder) / REVIEW_FILE
    decisions: dict[Key, Decision] = {}
    for line, row in _read_rows(path, REVIEW_COLUMNS):
        if row["decision"] not in (*DECISIONS, ""):
            raise ReviewFileError(f"{path}:{line} (decision): {row['decision']!r} is not one of {', '.join(DECISIONS)}", hint="fix or delete that row")
        decision = Decision(
            row["document"], _offset(row["start"], path, line, "start"), _offset(row["end"], path, line, "end"), row["code"],
            row["decision"], row.get("new_code") or "", row.get("memo") or "",
        )
        decisions[decision.key] = decision
    return decisions


def write_decisions(folder: str | Path, decisions: Iterable[Decision]) -> None:
    """Rewrite ``reviews.csv`` sorted by its key (atomic)."""
    rows = sorted(decisions, key=lambda d: d.key)
    _write_rows(Path(folder) / REVIEW_FILE, REVIEW_COLUMNS, (d.__dict__ for d in rows))


def save_decision(folder: str | Path, decision: Decision | None, *, key: Key | None = None) -> None:
    """Record one decision at once (``None`` with ``key`` removes it, for undo)."""
    decisions = read_decisions(folder)
    if decision is None:
        if key is not None:
            decisions.pop(key, None)
    else:
        if decision.decision not in (*DECISIONS, ""):
            raise OptionError(f"decision {decision.decision!r}: unknown", hint=f"use one of {', '.join(DECISIONS)}")
        decisions[decision.key] = decision
    write_decisions(folder, decisions.values())


@dataclass(frozen=True)
class ReviewStatus:
    """How far review has got: counts over the codings in segments.csv."""

    codings: int
    accepted: int
    rejected: int
    recoded: int
    manual: int
    pending: int
    stale: int

    @property
    def reviewed(self) -> int:
        return self.accepted + self.rejected + self.recoded

    def summary(self) -> str:
        done = f"{self.reviewed}/{self.codings - self.manual} automatic codings reviewed"
        parts = f"{self.accepted} accepted, {self.rejected} rejected, {self.recoded} recoded, {self.pending} pending, {self.manual} manual"
        stale = f"; {self.stale} decision(s) for segments no longer coded" if self.stale else ""
        return f"{done} ({parts}){stale}"


def segment_keys(segments: pd.DataFrame) -> list[Key]:
    return list(zip(segments["document"], segments["start"].astype(int), segments["end"].astype(int), segments["code"]))


def review_status(results: Results) -> ReviewStatus:
    """Count accepted, rejected, recoded and pending codings; stale = decisions with no coding."""
    decisions = read_decisions(results.folder)
    seg = results.segments
    manual = seg["origin"] == "manual"
    keys = segment_keys(seg[~manual])
    found = [decisions.get(k) for k in keys]
    counts = {d: sum(1 for f in found if f is not None and f.decision == d) for d in DECISIONS}
    return ReviewStatus(
        codings=len(seg),
        accepted=counts["accept"],
        rejected=counts["reject"],
        recoded=counts["recode"],
        manual=int(manual.sum()),
        pending=sum(1 for f in found if f is None or not f.decision),
        stale=len(set(decisions) - set(segment_keys(seg))),
    )


def reviewed_only(results: Results) -> Results:
    """The results with only accepted codings: accepted, recoded (under the new code) and manual.

    Example:
        >>> build_matrix(reviewed_only(read_results("results")))  # doctest: +SKIP
    """
    decisions = read_decisions(results.folder)
    book = results.codebook.model
    rows = []
    for row, key in zip(results.segments.to_dict(orient="records"), segment_keys(results.segments)):
        if row["origin"] == "manual":
            rows.append(row)
            continue
        decision = decisions.get(key)
        if decision is None or decision.decision in ("reject", ""):
            continue
        if decision.decision == "recode":
            if book.code(decision.new_code) is None:
                raise ReviewFileError(f"{results.folder / REVIEW_FILE}: recode to unknown code {decision.new_code!r}", hint="fix new_code to a code id of codebook.yaml")
            row = {**row, "code": decision.new_code, "theme": book.theme_of(decision.new_code)}
        rows.append(row)
    segments = pd.DataFrame(rows, columns=results.segments.columns)
    return replace(results, segments=segments)


@dataclass(frozen=True)
class Annotation:
    """A manual coding of ``text[start:end]`` of a document."""

    document: str
    start: int
    end: int
    code: str
    coder: str = ""
    memo: str = ""


def read_annotations(folder: str | Path) -> list[Annotation]:
    path = Path(folder) / ANNOTATION_FILE
    return [
        Annotation(row["document"], _offset(row["start"], path, line, "start"), _offset(row["end"], path, line, "end"), row["code"], row.get("coder") or "", row.get("memo") or "")
        for line, row in _read_rows(path, ANNOTATION_COLUMNS)
    ]


def manual_segments(annotations: Iterable[Annotation], results: Results) -> pd.DataFrame:
    """Manual codings as segments.csv rows (origin ``manual``, rule ``manual``).

    Each row takes the unit, index and speaker of the first unit (of the code's unit kind)
    that the span overlaps, so matrices count it like any automatic coding.
    """
    book = results.codebook.model
    cases = dict(zip(results.documents["document"], results.documents["case"]))
    rows = []
    for a in annotations:
        code = book.code(a.code)
        if code is None or a.document not in cases:
            continue  # a codebook edit removed the code, or the document is gone
        text = results.text(a.document)
        unit = book.unit_of(code)
        pool = results.units[(results.units["document"] == a.document) & (results.units["unit"] == unit)]
        hit = pool[(pool["start"] < a.end) & (pool["end"] > a.start)].sort_values("index")
        index, speaker = (int(hit["index"].iloc[0]), hit["speaker"].iloc[0]) if len(hit) else (-1, "")
        piece = text[a.start : a.end]
        rows.append({
            "document": a.document, "case": cases[a.document], "speaker": speaker, "unit": unit, "segment": index,
            "start": a.start, "end": a.end, "theme": book.theme_of(a.code), "code": a.code, "rule": MANUAL_RULE,
            "rules": MANUAL_RULE, "matched": piece, "match_start": a.start, "match_end": a.end, "negated": False,
            "origin": "manual", "text": piece,
        })
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def with_manual(segments: pd.DataFrame, folder: Path, results: Results) -> pd.DataFrame:
    """``segments`` with the manual codings of ``folder/annotations.csv`` merged in and sorted."""
    annotations = read_annotations(folder)
    base = segments[segments["origin"] != "manual"] if "origin" in segments.columns else segments
    if not annotations:
        return base.reset_index(drop=True) if len(base) != len(segments) else segments
    manual = manual_segments(annotations, results)
    frames = [f for f in (base, manual) if len(f)]
    merged = pd.concat(frames, ignore_index=True) if frames else base
    return merged.sort_values(["document", "start", "end", "code", "origin"], kind="stable").reset_index(drop=True)
