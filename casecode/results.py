"""The results folder: the one durable state every analysis and export reads.

Layout::

    segments.csv     one row per (segment, code) — the tidy table
    segments.parquet the same table as Parquet (for R / pandas on large projects)
    segments_for_spreadsheets.csv  the same, formula-like text neutralised (see export/safety.py)
    units.csv        every coding unit of every document (coded or not)
    documents.csv    one row per document, with its attributes
    cases.csv        one row per case, with its attributes
    matrix.csv       codes × cases, number of coded segments
    casecode.xlsx    matrix, share, documents, segments, codebook, run
    codebook.yaml    the codebook exactly as used
    texts/           each document's normalised text (what offsets point into)
    manifest.json    versions, input hashes, options

Every file is written to a temporary name and moved into place, so a failed run leaves
the previous results intact. ``casecode code`` writes the whole folder inside
:func:`transaction`: nothing is moved into place until every file is written, and then
all are moved together with Ctrl-C held back, so an interrupted run leaves the previous
results complete and never a mix of old and new files.
"""

from __future__ import annotations

import contextvars
import json
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pandas as pd

from casecode.codebook.load import LoadedCodebook, load_codebook
from casecode.errors import ResultsError
from casecode.export.rows import SEGMENT_COLUMNS, UNIT_COLUMNS
from casecode.results_tables import TableSpec, read_table

__all__ = ["INT_COLUMNS", "SEGMENT_COLUMNS", "UNIT_COLUMNS", "Results", "read_results"]

INT_COLUMNS = ("segment", "start", "end", "match_start", "match_end", "index", "turn", "characters", "words", "turns")

# What each table must hold for the commands that read it. Offsets are never empty;
# ``segment``, ``index`` and ``turn`` may be -1 (a manual coding outside any unit, an
# imported project's units have no turn), counts in documents.csv may be empty.
SEGMENTS_TABLE = TableSpec(
    required=tuple(SEGMENT_COLUMNS), offsets=("start", "end", "match_start", "match_end"), optional=("segment",),
    spans=(("start", "end"), ("match_start", "match_end")), text=("text", "start", "end"), flags=("negated",),
)
UNITS_TABLE = TableSpec(required=tuple(UNIT_COLUMNS), offsets=("start", "end"), optional=("index", "turn"), spans=(("start", "end"),))
DOCUMENTS_TABLE = TableSpec(required=("document", "case"), optional=("characters", "words", "turns"))
CASES_TABLE = TableSpec(required=("case",))


_STAGED: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar("casecode_staged", default=None)


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends (main thread only), then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _move(tmp: Path, target: Path) -> None:
    if tmp.is_dir():
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def _discard(tmp: Path) -> None:
    if tmp.is_dir():
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp.exists():
        tmp.unlink()


@contextmanager
def transaction() -> Iterator[None]:
    """Write several files as one: each stays under a temporary name until the block ends.

    On success every file is moved into place in one go with Ctrl-C held back; on any
    error or interrupt the temporary files are removed and the old files are untouched.
    """
    if _STAGED.get() is not None:  # nested: the outer transaction commits
        yield
        return
    staged: list[tuple[Path, Path]] = []
    token = _STAGED.set(staged)
    try:
        yield
    except BaseException:
        for tmp, _ in staged:
            _discard(tmp)
        raise
    finally:
        _STAGED.reset(token)
    with deferred_interrupt():
        for tmp, target in staged:
            _move(tmp, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Temporary files are created private (0600); results get the usual permissions instead,
# so a team can share a results folder like any other files.
_FILE_MODE = 0o666 & ~_umask()
_DIR_MODE = 0o777 & ~_umask()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it into place only on success.

    Raises:
        ResultsError: ``target`` is a folder (before anything is written).
    """
    if target.is_dir():
        raise ResultsError(f"{target}: is a folder, not a file", hint="give the name of a file to write, inside that folder or elsewhere")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, _FILE_MODE)
    staged = _STAGED.get()
    try:
        yield Path(tmp)
        if staged is not None:
            staged.append((Path(tmp), target))
            return
        os.replace(tmp, target)
    finally:
        if (staged is None or (Path(tmp), target) not in staged) and os.path.exists(tmp):
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
    os.chmod(staging, _DIR_MODE)
    staged = _STAGED.get()
    try:
        for rel, text in files.items():
            path = staging / rel
            if not path.resolve().is_relative_to(staging.resolve()) or ".." in Path(rel).parts:
                raise ResultsError(f"{target}: refusing to write {rel!r} outside the folder", hint="document ids must not contain '..' or start with '/'")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        if staged is not None:
            staged.append((staging, target))
            return
        _move(staging, target)
    finally:
        if (staged is None or (staging, target) not in staged) and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def check_results_target(out: str | Path, inputs: Sequence[str | Path] = ()) -> None:
    """Refuse to write a results folder where it would replace files casecode did not write.

    A results folder is written as a whole: its tables, ``cases.csv`` and ``texts/``
    replace what is there. That is right for the folder of an earlier run (it has a
    ``manifest.json``) or a new or empty one; a folder holding anything else (the
    transcripts, a cases manifest, notes) would lose files to it, so it is refused
    before anything is read. Hidden files (``.git``, ``.DS_Store``) do not count.
    """
    out = Path(out)
    where = out.resolve()
    for given in inputs:
        if Path(given).resolve() == where:
            raise ResultsError(f"--out {out}: the transcripts are in this folder", hint="write the results to a folder of their own, e.g. --out results")
    if out.exists() and not out.is_dir():
        raise ResultsError(f"--out {out}: a file, not a folder", hint="give a new folder, or the results folder of an earlier run")
    if out.is_dir() and not (out / "manifest.json").is_file():
        others = sorted(entry.name for entry in out.iterdir() if not entry.name.startswith("."))
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            raise ResultsError(
                f"--out {out}: not a casecode results folder, and not empty ({shown}); writing would replace files in it",
                hint="give a new or empty folder, or the results folder of an earlier run",
            )


def text_path(document_id: str) -> str:
    """Where a document's normalised text lives inside texts/."""
    return f"{document_id}.txt"


def _read_csv(path: Path, spec: TableSpec | None = None, *, lengths: Mapping[str, int] | None = None) -> pd.DataFrame:
    """One table of a results folder, checked against ``spec`` (see :mod:`casecode.results_tables`).

    Without ``spec``, a table casecode has just written itself (``casecode code`` reads
    its own segments back for the workbook): read unchecked, with any of
    :data:`INT_COLUMNS` and ``negated`` typed.
    """
    if spec is not None:
        return read_table(path, spec, lengths=lengths)
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


def _lengths(documents: pd.DataFrame) -> dict[str, int]:
    """Each document's text length (characters; -1 where documents.csv leaves it empty)."""
    if "characters" not in documents.columns:
        return {d: -1 for d in documents["document"]}
    return dict(zip(documents["document"], documents["characters"].astype("int64")))


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
    """Read a results folder written by ``casecode code`` (or ``casecode import``).

    Every table is checked as it is read: the columns the commands need, whole numbers
    where offsets and indexes belong, rows as long as the header, spans that lie within
    their document's text.

    Raises:
        ResultsError: the folder is missing, incomplete or damaged; the message names
            the file, the line (header = line 1) and the column.
    """
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
    documents = _read_csv(folder / "documents.csv", DOCUMENTS_TABLE)
    lengths = _lengths(documents)
    return Results(
        folder=folder,
        segments=_read_csv(folder / "segments.csv", SEGMENTS_TABLE, lengths=lengths),
        units=_read_csv(folder / "units.csv", UNITS_TABLE, lengths=lengths),
        documents=documents,
        cases=_read_csv(folder / "cases.csv", CASES_TABLE),
        # the run's own copy: its token patterns are not matched here, and reading a
        # results folder needs no spaCy
        codebook=load_codebook(folder / "codebook.yaml", patterns=False),
        manifest=manifest,
    )


class MixedCodebooksError(ResultsError):
    """Results folders coded with different codebooks (name, version or content)."""


def codebook_identity(results: Results) -> tuple[str, str, str]:
    """(name, version, sha256) of the codebook a results folder was coded with."""
    recorded = results.manifest.get("codebook") or {}
    return (
        str(recorded.get("name") or results.codebook.name),
        str(recorded.get("version") or results.codebook.version),
        str(recorded.get("sha256") or results.codebook.sha256),
    )


def check_same_codebook(results_list: list[Results], *, allow_mixed: bool = False) -> list[str]:
    """Refuse results folders coded with different codebooks (unless ``allow_mixed``).

    Codebooks are the same when name, version and SHA-256 (as recorded in each
    manifest) agree. Returns notes describing the differences (empty when all agree).

    Raises:
        MixedCodebooksError: the codebooks differ and ``allow_mixed`` is False.
    """
    if not results_list:
        return []
    first = results_list[0]
    reference = codebook_identity(first)
    notes = []
    for other in results_list[1:]:
        identity = codebook_identity(other)
        if identity == reference:
            continue
        what = "a different version" if identity[:2] != reference[:2] else "the same name and version but different content"
        notes.append(
            f"{other.folder} was coded with {identity[0]} {identity[1]} (sha256 {identity[2][:12]}), "
            f"{first.folder} with {reference[0]} {reference[1]} (sha256 {reference[2][:12]}): {what}"
        )
    if notes and not allow_mixed:
        raise MixedCodebooksError(
            "results folders were coded with different codebooks: " + notes[0],
            hint="re-code them with one codebook (and give each revision its own version), or pass --allow-mixed-codebooks",
        )
    return notes


def combine_results(results_list: list[Results], *, allow_mixed: bool = False) -> tuple[Results, list[str]]:
    """Several results folders as one (e.g. fieldwork coded in batches), for matrices.

    The codebook must be the same in all of them (see :func:`check_same_codebook`); with
    ``allow_mixed`` the first folder's codebook names the rows, and codes that only the
    others know are listed in the returned notes. Document ids must not repeat.

    Returns:
        (combined results, notes)
    """
    if not results_list:
        raise ResultsError("no results folders given", hint="pass one or more folders written by 'casecode code'")
    if len(results_list) == 1:
        return results_list[0], []
    notes = check_same_codebook(results_list, allow_mixed=allow_mixed)
    seen: dict[str, Path] = {}
    for results in results_list:
        for document in results.documents["document"]:
            if document in seen:
                raise ResultsError(
                    f"{results.folder}: document '{document}' is also in {seen[document]}",
                    hint="combine folders that coded different documents, or re-code them together",
                )
            seen[document] = results.folder
    known = {c.id for c in results_list[0].codebook.model.codes()}
    unknown = sorted({c for r in results_list[1:] for c in r.segments["code"]} - known)
    if unknown:
        notes.append(f"codes missing from {results_list[0].folder}'s codebook are left out of the rows: {', '.join(unknown)}")
    texts: dict[str, str] = {}
    for results in results_list:
        for document in results.documents["document"]:
            texts[document] = results.text(document)

    def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(frames, ignore_index=True, sort=False).fillna("")

    cases = concat([r.cases for r in results_list])
    if "documents" in cases.columns:
        cases["documents"] = pd.to_numeric(cases["documents"], errors="coerce").fillna(0).astype("int64")
        counts = cases.groupby("case", sort=False)["documents"].sum()
        cases = cases.drop_duplicates("case", keep="first").reset_index(drop=True)
        cases["documents"] = cases["case"].map(counts).astype("int64")
    else:
        cases = cases.drop_duplicates("case", keep="first").reset_index(drop=True)
    combined = Results(
        folder=results_list[0].folder,
        segments=concat([r.segments for r in results_list]).sort_values(["document", "start", "end", "code"], kind="stable").reset_index(drop=True),
        units=concat([r.units for r in results_list]),
        documents=concat([r.documents for r in results_list]),
        cases=cases,
        codebook=results_list[0].codebook,
        manifest={**results_list[0].manifest, "combined_from": [str(r.folder) for r in results_list]},
        texts=texts,
    )
    return combined, notes
