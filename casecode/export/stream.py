"""Write a results folder one document at a time, in memory that does not grow with the corpus.

Each document's segments and units rows are formatted as CSV as soon as it is coded and
appended to a spill file next to the results; the writer keeps only each document's
byte range. ``finish`` lays the ranges out in document-id order (just a rename when the
documents came in that order), so the files are byte-identical to what
:func:`casecode.export.folder.write_results` writes for the same run held in memory.
Nothing in the results folder is replaced until ``finish``; a failed run leaves the
previous results as they were.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from casecode.codebook.load import LoadedCodebook
from casecode.codebook.schema import Codebook
from casecode.export.tables import DocumentInfo, cases_frame, documents_frame, manifest, segment_row, unit_row
from casecode.model import Coding, Document, Segment
from casecode.results import SEGMENT_COLUMNS, UNIT_COLUMNS, Results, _read_csv, text_path, write_bytes, write_csv, write_json


def _csv_bytes(rows: Iterable[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


class _SpillTable:
    """A CSV table written in per-document chunks and put in document-id order at the end."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.handle = open(path, "wb")
        self.handle.write(_csv_bytes([columns]))
        self.header = self.handle.tell()
        self.chunks: list[tuple[str, int, int]] = []  # (document id, offset, length)

    def add(self, document_id: str, rows: Iterable[tuple[Any, ...]]) -> None:
        data = _csv_bytes(rows)
        if data:
            self.chunks.append((document_id, self.handle.tell(), len(data)))
            self.handle.write(data)

    def finish(self) -> Path:
        """Close the table; return a file with the chunks in document-id order."""
        self.handle.close()
        ids = [c[0] for c in self.chunks]
        if ids == sorted(ids):
            return self.path
        ordered = self.path.with_name(self.path.name + ".sorted")
        with open(self.path, "rb") as source, open(ordered, "wb") as target:
            target.write(source.read(self.header))
            for _, offset, length in sorted(self.chunks, key=lambda c: c[0]):
                source.seek(offset)
                target.write(source.read(length))
        return ordered

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.close()


class FolderWriter:
    """Stream documents, codings and units into a results folder.

    Example:
        >>> writer = FolderWriter(Path("results"), book)  # doctest: +SKIP
        >>> for coded in backend.run(spec, source.documents()):  # doctest: +SKIP
        ...     writer.add(coded.document, coded.codings, coded.units)
        >>> writer.finish(...)  # doctest: +SKIP
    """

    def __init__(self, out: Path, codebook: LoadedCodebook, *, xlsx: bool = True) -> None:
        self.out = Path(out)
        self.codebook = codebook
        self.xlsx = xlsx
        self.out.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".casecode-run.", dir=self.out))
        (self.staging / "texts").mkdir()
        self.segments = _SpillTable(self.staging / "segments.csv", SEGMENT_COLUMNS)
        self.units = _SpillTable(self.staging / "units.csv", UNIT_COLUMNS)
        self.infos: list[DocumentInfo] = []
        self.codings = 0
        self.counts: Counter[tuple[str, str]] = Counter()  # (case, code) -> coded segments

    def __enter__(self) -> "FolderWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def add(self, document: Document, codings: list[Coding], units: list[Segment]) -> None:
        """Write one document's text, codings (sorted by start, end, code) and units."""
        text = document.text
        path = self.staging / "texts" / text_path(document.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        ordered = sorted(codings, key=lambda c: (c.start, c.end, c.code))
        self.segments.add(document.id, (segment_row(c, text) for c in ordered))
        self.units.add(document.id, (unit_row(s) for s in sorted(units, key=lambda s: (s.unit, s.index))))
        self.infos.append(DocumentInfo.of(document))
        self.codings += len(codings)
        self.counts.update((document.case, c.code) for c in codings)

    def finish(
        self,
        *,
        pipeline: Mapping[str, Any],
        versions: Mapping[str, str],
        cases_manifest: str | None,
        case_labels: Mapping[str, str],
        ignored: Iterable[tuple[str, str]],
        options: Mapping[str, Any],
    ) -> None:
        """Write the tables, matrix, workbook and manifest and move everything into place."""
        from casecode.analysis.matrix import flat
        from casecode.export.folder import codebook_frame, matrix_sheets
        from casecode.export.xlsx import write_workbook

        out, book = self.out, self.codebook
        segments_path = self.segments.finish()
        units_path = self.units.finish()
        documents = documents_frame(self.infos)
        cases = cases_frame(self.infos, case_labels)
        book_info = {"path": book.path, "name": book.name, "version": book.version, "sha256": book.sha256}
        run_manifest = manifest(
            self.infos, codebook=book_info, pipeline=pipeline, versions=versions, cases_manifest=cases_manifest,
            ignored=ignored, options=options, codings=self.codings,
        )
        matrix = flat(segments_matrix(book.model, cases, self.counts))
        if self.xlsx:
            # The workbook holds every coded segment: the one step that reads them all back.
            results = Results(folder=out, segments=_read_csv(segments_path), units=_read_csv(units_path), documents=documents, cases=cases, codebook=book, manifest=run_manifest)
        _swap_dir(self.staging / "texts", out / "texts")
        write_bytes(out / "codebook.yaml", Path(book.path).read_bytes())
        os.replace(segments_path, out / "segments.csv")
        os.replace(units_path, out / "units.csv")
        write_csv(out / "documents.csv", documents)
        write_csv(out / "cases.csv", cases)
        write_csv(out / "matrix.csv", matrix)
        if self.xlsx:
            sheets = matrix_sheets(results)
            sheets.append(("segments", results.segments, {"wrap": ("text",), "widths": {"text": 80, "matched": 24}}))
            sheets.append(("codebook", codebook_frame(book.model), {"wrap": ("definition", "when_to_use", "when_not_to_use", "examples", "counter_examples", "rules"), "widths": {"definition": 50, "when_to_use": 40, "when_not_to_use": 40, "examples": 50, "counter_examples": 40, "rules": 30}}))
            write_workbook(out / "casecode.xlsx", sheets, run=run_manifest)
        write_json(out / "manifest.json", run_manifest)
        self.abort()

    def abort(self) -> None:
        """Remove the staging folder (after ``finish``, or after a failure)."""
        self.segments.close()
        self.units.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def segments_matrix(book: Codebook, cases: pd.DataFrame, counts: Mapping[tuple[str, str], int]) -> pd.DataFrame:
    """Codes × cases, coded segments: what ``build_matrix(results)`` gives, from counts.

    Counting (case, code) pairs while writing keeps the matrix out of the memory that
    grows with the corpus; a test checks it against ``build_matrix``.
    """
    from casecode.analysis.matrix import TOTAL

    present = {case if case != "" else "(none)" for case, _ in counts} | {str(c) if str(c) != "" else "(none)" for c in cases["case"]}
    order = [str(c) for c in cases["case"].tolist() if str(c) in present]
    order += sorted(present - set(order))
    by_code: dict[str, Counter[str]] = {}
    for (case, code), n in counts.items():
        by_code.setdefault(code, Counter())[case if case != "" else "(none)"] += n
    keys, rows = [], []
    for trail, code in book.walk():
        found = by_code.get(code.id, Counter())
        keys.append(("/".join(trail), code.id, code.label))
        rows.append([int(found.get(group, 0)) for group in order] + [int(sum(found.values()))])
    index = pd.MultiIndex.from_tuples(keys, names=["theme", "code", "label"])
    matrix = pd.DataFrame(rows, index=index, columns=[*order, TOTAL], dtype="int64")
    matrix.columns.name = "case"
    return matrix


def _swap_dir(staging: Path, target: Path) -> None:
    """Put a finished folder in place of ``target`` (renames on one file system)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
