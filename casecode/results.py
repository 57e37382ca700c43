"""The results folder: the one durable state every analysis and export reads.

Layout::

    segments.csv     one row per (segment, code) — the tidy table
    segments.parquet the same table as Parquet (for R / pandas on large projects)
    units.csv        every coding unit of every document (coded or not)
    documents.csv    one row per document, with its attributes
    cases.csv        one row per case, with its attributes
    matrix.csv       codes × cases, number of coded segments
    casecode.xlsx    matrix, share, documents, segments, codebook, run
    codebook.yaml    the codebook exactly as used
    texts/           each document's normalised text (what offsets point into)
    manifest.json    versions, input hashes, options

Every file is written to a temporary name and moved into place, so a failed run leaves
the previous results intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from casecode.codebook.load import LoadedCodebook, load_codebook
from casecode.errors import ResultsError

SEGMENT_COLUMNS = [
    "document", "case", "speaker", "unit", "segment", "start", "end", "theme", "code", "rule", "rules",
    "matched", "match_start", "match_end", "negated", "origin", "text",
]
UNIT_COLUMNS = ["document", "unit", "index", "start", "end", "speaker", "turn"]
INT_COLUMNS = ("segment", "start", "end", "match_start", "match_end", "index", "turn", "characters", "words", "turns")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it into place only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_csv(target: Path, frame: pd.DataFrame) -> None:
    """Write a CSV deterministically (LF line ends, no index)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")


def write_json(target: Path, data: Any) -> None:
    write_text(target, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def replace_dir(target: Path, files: dict[str, str]) -> None:
    """Replace a folder of text files as a whole (used for texts/)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
        staging.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def text_path(document_id: str) -> str:
    """Where a document's normalised text lives inside texts/."""
    return f"{document_id}.txt"


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing", hint="run 'casecode code ... --out FOLDER' first") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read ({type(exc).__name__})", hint="re-run 'casecode code' to rewrite it") from None
    for column in INT_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(-1).astype("int64")
    if "negated" in frame.columns:
        frame["negated"] = frame["negated"].str.lower().isin(["true", "1", "yes"])
    return frame


@dataclass
class Results:
    """A results folder, read back: the tables, the codebook used and the manifest."""

    folder: Path
    segments: pd.DataFrame
    units: pd.DataFrame
    documents: pd.DataFrame
    cases: pd.DataFrame
    codebook: LoadedCodebook
    manifest: dict[str, Any]
    texts: dict[str, str] | None = None

    def text(self, document_id: str) -> str:
        """A document's normalised text: ``text[start:end]`` is any segment of it."""
        if self.texts is not None and document_id in self.texts:
            return self.texts[document_id]
        path = self.folder / "texts" / text_path(document_id)
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ResultsError(f"{path}: missing", hint="the results folder is incomplete; re-run 'casecode code'") from None

    def attribute_names(self) -> list[str]:
        fixed = {"document", "case", "source", "format", "sha256", "characters", "words", "turns", "label", "documents"}
        names = [c for c in self.cases.columns if c not in fixed]
        names += [c for c in self.documents.columns if c not in fixed and c not in names]
        return names

    def document_attributes(self) -> pd.DataFrame:
        """One row per document: its own attributes joined with its case's."""
        cases = self.cases.drop(columns=[c for c in ("documents",) if c in self.cases.columns])
        cases = cases.rename(columns={"label": "case_label"})
        overlap = [c for c in cases.columns if c in self.documents.columns and c != "case"]
        merged = self.documents.merge(cases.drop(columns=overlap), on="case", how="left")
        return merged.fillna("")


def read_results(folder: str | Path) -> Results:
    """Read a results folder written by ``casecode code`` (or ``casecode import``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such results folder", hint="run 'casecode code ... --out FOLDER' first")
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{manifest_path}: missing — {folder} is not a casecode results folder", hint="run 'casecode code ... --out FOLDER' first") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{manifest_path}:{exc.lineno}: invalid JSON", hint="re-run 'casecode code' to rewrite it") from None
    return Results(
        folder=folder,
        segments=_read_csv(folder / "segments.csv"),
        units=_read_csv(folder / "units.csv"),
        documents=_read_csv(folder / "documents.csv"),
        cases=_read_csv(folder / "cases.csv"),
        codebook=load_codebook(folder / "codebook.yaml"),
        manifest=manifest,
    )
