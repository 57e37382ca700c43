"""Write a results folder one document at a time, in memory that does not grow with the corpus.

Each document's segments and units rows are formatted as CSV as soon as it is coded and
appended to a spill file next to the results; the writer keeps only each document's
byte range. ``finish`` lays the ranges out in document-id order (just a rename when the
documents came in that order), so the files are byte-identical to what
:func:`casecode.export.folder.write_results` writes for the same run held in memory.
segments.parquet is written alongside, a row group per megabyte or so of rows, while
the documents come in id order (as they usually do); otherwise it is made from the
ordered segments.csv at the end. Nothing in the results folder is replaced until
``finish``; a failed run leaves the previous results as they were.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from casecode.codebook.load import LoadedCodebook
from casecode.codebook.schema import Codebook
from casecode.errors import ResultsError
from casecode.export import folder as _folder  # write helpers looked up at call time, as write_results does
from casecode.export.safety import neutralise
from casecode.export.rows import DocumentRows, _csv_bytes, document_rows
from casecode.export.tables import DocumentInfo, cases_frame, documents_frame, manifest
from casecode.model import Coding, Document, Segment
from casecode.results import _STAGED, INT_COLUMNS, SEGMENT_COLUMNS, UNIT_COLUMNS, Results, _read_csv, atomic_path, text_path, transaction


class _ParquetPieces:
    """segments.parquet written from segments.csv bytes, a piece of about ``block`` bytes at a time.

    Pieces are made of whole documents' rows (a quoted value may hold a line break, so
    the CSV is cut only where a document's rows end): rows are added per document, and
    once a piece reaches ``block`` bytes pyarrow's CSV reader parses it into one row
    group. Memory stays bounded whatever the corpus size. Column types are those
    ``read_results`` gives (int64 offsets, bool ``negated``, text) and the schema is the
    one pandas would write.
    """

    def __init__(self, target: Path, header: bytes, *, block: int = 1 << 20) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        self._pa, self._csv = pa, pacsv
        self.schema = pa.Table.from_pandas(_typed(pd.DataFrame({c: pd.Series([], dtype=str) for c in SEGMENT_COLUMNS})), preserve_index=False).schema
        self.convert = pacsv.ConvertOptions(
            column_types={f.name: f.type for f in self.schema}, null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
            true_values=["True", "true", "1", "yes"], false_values=["False", "false", "0", "no", ""],
        )
        self.parse = pacsv.ParseOptions(newlines_in_values=True)
        self.header = header
        self.block = block
        self.pending: list[bytes] = []
        self.size = 0
        self.writer = pq.ParquetWriter(target, self.schema, compression="zstd")

    def add(self, data: bytes) -> None:
        """Add one document's rows (CSV bytes, no header)."""
        self.pending.append(data)
        self.size += len(data)
        if self.size >= self.block:
            self._write()

    def _write(self) -> None:
        piece = self.header + b"".join(self.pending)
        self.pending, self.size = [], 0
        # One piece, one block, one thread: pyarrow buffers nothing beyond it, and no
        # thread pool grows its own heap.
        read = self._csv.ReadOptions(block_size=len(piece) + 1, use_threads=False)
        table = self._csv.read_csv(self._pa.py_buffer(piece), read_options=read, parse_options=self.parse, convert_options=self.convert)
        self.writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        """Write the last piece and finish the file."""
        if self.pending:
            self._write()
        self.writer.close()

    def abandon(self) -> None:
        """Close the file without writing what is pending (it is to be deleted)."""
        self.pending, self.size = [], 0
        self.writer.close()


def _write_parquet_chunked(source: Path, target: Path, *, header: int, bounds: Sequence[int], block: int = 1 << 20) -> None:
    """segments.parquet from a finished segments.csv, read a document's rows at a time.

    ``header`` is the length of the CSV header line and ``bounds`` the end offsets of
    the documents' rows (see :class:`_ParquetPieces`).
    """
    with open(source, "rb") as handle, atomic_path(target) as tmp:
        pieces = _ParquetPieces(tmp, handle.read(header), block=block)
        try:
            start = header
            for end in bounds:
                pieces.add(handle.read(end - start))
                start = end
        except BaseException:
            pieces.abandon()
            raise
        pieces.close()


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in INT_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(-1).astype("int64")
    frame["negated"] = frame["negated"].str.lower().isin(["true", "1", "yes"])
    return frame


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` as the file ``path`` with a bare open, write and close.

    A document's text goes to a file of its own: a corpus of survey answers writes
    hundreds of thousands of small files, where ``Path.write_text`` (a text layer over
    a buffered file) took twice as long per file.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _stage_file(source: Path, target: Path) -> None:
    """Move a finished file into place with the surrounding transaction."""
    with atomic_path(target) as tmp:
        os.replace(source, tmp)


class _SpillTable:
    """A CSV table written in per-document chunks and put in document-id order at the end.

    ``spreadsheet=True`` writes what spreadsheets expect: a byte-order mark and CRLF.
    """

    def __init__(self, path: Path, columns: list[str], *, spreadsheet: bool = False) -> None:
        self.path = path
        self.spreadsheet = spreadsheet
        self.handle = open(path, "wb")
        #: the header line's bytes (after the byte-order mark, if any)
        self.head = _csv_bytes([columns], spreadsheet=spreadsheet)
        if spreadsheet:
            self.handle.write("\ufeff".encode("utf-8"))
        self.handle.write(self.head)
        self.header = self.handle.tell()
        self.chunks: list[tuple[str, int, int]] = []  # (document id, offset, length)
        self.bounds: list[int] = []  # after finish(): where each document's rows end in the finished file

    def add(self, document_id: str, rows: Iterable[Iterable[Any]]) -> None:
        self.add_bytes(document_id, _csv_bytes(rows, spreadsheet=self.spreadsheet))

    def add_bytes(self, document_id: str, data: bytes) -> None:
        """Add one document's rows, already formatted as this table's CSV."""
        if data:
            self.chunks.append((document_id, self.handle.tell(), len(data)))
            self.handle.write(data)

    def finish(self) -> Path:
        """Close the table; return a file with the chunks in document-id order."""
        self.handle.close()
        ids = [c[0] for c in self.chunks]
        in_order = ids == sorted(ids)
        chunks = self.chunks if in_order else sorted(self.chunks, key=lambda c: c[0])
        self.bounds = list(itertools.accumulate((length for _, _, length in chunks), initial=self.header))[1:]
        if in_order:
            return self.path
        ordered = self.path.with_name(self.path.name + ".sorted")
        with open(self.path, "rb") as source, open(ordered, "wb") as target:
            target.write(source.read(self.header))
            for _, offset, length in chunks:
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
        # Staging sits next to the results folder: a run that fails leaves no trace in it
        # (and creates no results folder that did not exist).
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.casecode-run.", dir=self.out.parent))
        (self.staging / "texts").mkdir()
        self._folders = {self.staging / "texts"}  # the folders made for texts so far
        self.segments = _SpillTable(self.staging / "segments.csv", SEGMENT_COLUMNS)
        self.units = _SpillTable(self.staging / "units.csv", UNIT_COLUMNS)
        self.sheet = _SpillTable(self.staging / "segments_for_spreadsheets.csv", [neutralise(c) for c in SEGMENT_COLUMNS], spreadsheet=True)
        # segments.parquet is written as the rows come (a row group per megabyte or so),
        # not converted from segments.csv at the end, while documents come in id order.
        self.parquet: _ParquetPieces | None = _ParquetPieces(self.staging / "segments.parquet", self.segments.head)
        self._last_coded = ""  # id of the last document with segment rows
        self.infos: list[DocumentInfo] = []
        self.codings = 0
        self.counts: Counter[tuple[str, str]] = Counter()  # (case, code) -> coded segments

    def __enter__(self) -> "FolderWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()

    def add(self, document: Document, codings: list[Coding], units: Sequence[Segment]) -> None:
        """Write one document's text, codings (sorted by start, end, code) and units."""
        self.add_rows(document, document_rows(document, codings, units))

    def add_rows(self, document: Document, rows: "DocumentRows") -> None:
        """Write one document's text and its rows, formatted already (e.g. by a worker)."""
        texts = self.staging / "texts"
        name = Path(text_path(document.id))
        path = texts / name
        # The staging folder is this run's own: a relative name without ".." stays inside.
        if name.is_absolute() or name.drive or ".." in name.parts:
            raise ResultsError(f"{self.out / 'texts'}: refusing to write {name!r} outside the folder", hint="document ids must not contain '..' or start with '/'")
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        _write_new(path, document.text.encode("utf-8"))
        self.segments.add_bytes(document.id, rows.segments)
        if rows.segments:
            self._add_parquet(document.id, rows.segments)
        self.sheet.add_bytes(document.id, rows.sheet)
        self.units.add_bytes(document.id, rows.units)
        self.infos.append(DocumentInfo.of(document))
        self.codings += len(rows.codes)
        self.counts.update((document.case, code) for code in rows.codes)

    def _add_parquet(self, document_id: str, data: bytes) -> None:
        if self.parquet is None:
            return
        if document_id < self._last_coded:
            # Out of id order: segments.csv will be reordered, and Parquet made from it.
            self.parquet.abandon()
            self.parquet = None
            (self.staging / "segments.parquet").unlink()
            return
        self._last_coded = document_id
        self.parquet.add(data)

    def finish(
        self,
        *,
        pipeline: Mapping[str, Any],
        versions: Mapping[str, str],
        cases_manifest: str | None,
        case_labels: Mapping[str, str],
        ignored: Iterable[tuple[str, str]],
        failed: Sequence[tuple[str, str]] = (),
        options: Mapping[str, Any],
    ) -> None:
        """Write the tables, matrix, workbook and manifest; move everything into place together."""
        from casecode.analysis.matrix import flat
        from casecode.export.folder import codebook_frame, matrix_sheets
        from casecode.export.xlsx import write_workbook
        from casecode.review.decisions import read_annotations, with_manual

        out, book = self.out, self.codebook
        segments_path = self.segments.finish()
        units_path = self.units.finish()
        sheet_path = self.sheet.finish()
        documents = documents_frame(self.infos)
        cases = cases_frame(self.infos, case_labels)
        book_info = {"path": book.path, "name": book.name, "version": book.version, "sha256": book.sha256}
        run_manifest = manifest(
            self.infos, codebook=book_info, pipeline=pipeline, versions=versions, cases_manifest=cases_manifest,
            ignored=ignored, failed=failed, options=options, codings=self.codings,
        )
        # Texts are read from the staging folder until they move into place.
        results = Results(folder=self.staging, segments=pd.DataFrame(columns=SEGMENT_COLUMNS), units=pd.DataFrame(columns=UNIT_COLUMNS), documents=documents, cases=cases, codebook=book, manifest=run_manifest)
        manual = bool(read_annotations(out))
        if manual or self.xlsx:
            # Manual codings and the workbook need every coded segment: the only steps
            # that read them all back into memory.
            results.segments = _read_csv(segments_path)
            results.units = _read_csv(units_path)
        if manual:
            results.segments = with_manual(results.segments, out, results)  # manual codings survive a re-run
            matrix = build_matrix_from(results)
        else:
            matrix = flat(segments_matrix(book.model, cases, self.counts))
        write_bytes, write_csv, write_json, write_spreadsheet_csv = _folder.write_bytes, _folder.write_csv, _folder.write_json, _folder.write_spreadsheet_csv
        out.mkdir(parents=True, exist_ok=True)
        with transaction():  # all files move into place together, manifest.json last
            staged = _STAGED.get()
            assert staged is not None
            staged.append((self.staging / "texts", out / "texts"))
            write_bytes(out / "codebook.yaml", Path(book.path).read_bytes())
            if manual:
                write_csv(out / "segments.csv", results.segments)
                _folder.write_parquet(out / "segments.parquet", results.segments)
                write_spreadsheet_csv(out / "segments_for_spreadsheets.csv", results.segments)
            else:
                if self.parquet is not None:
                    self.parquet.close()
                    self.parquet = None
                    _stage_file(self.staging / "segments.parquet", out / "segments.parquet")
                else:
                    _write_parquet_chunked(segments_path, out / "segments.parquet", header=self.segments.header, bounds=self.segments.bounds)
                _stage_file(segments_path, out / "segments.csv")
                _stage_file(sheet_path, out / "segments_for_spreadsheets.csv")
            _stage_file(units_path, out / "units.csv")
            write_csv(out / "documents.csv", documents)
            write_csv(out / "cases.csv", cases)
            write_csv(out / "matrix.csv", matrix)
            if self.xlsx:
                results.folder = out
                sheets = matrix_sheets(results)
                sheets.append(("segments", results.segments, {"wrap": ("text",), "widths": {"text": 80, "matched": 24}}))
                sheets.append(("codebook", codebook_frame(book.model), {"wrap": ("definition", "when_to_use", "when_not_to_use", "examples", "counter_examples", "rules"), "widths": {"definition": 50, "when_to_use": 40, "when_not_to_use": 40, "examples": 50, "counter_examples": 40, "rules": 30}}))
                write_workbook(out / "casecode.xlsx", sheets, run=run_manifest)
            write_json(out / "manifest.json", run_manifest)
        self.abort()

    def abort(self) -> None:
        """Remove the staging folder (after ``finish``, or after a failure)."""
        for table in (self.segments, self.units, self.sheet):
            table.close()
        if self.parquet is not None:
            self.parquet.abandon()
            self.parquet = None
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


def build_matrix_from(results: Results) -> pd.DataFrame:
    from casecode.analysis.matrix import build_matrix, flat

    return flat(build_matrix(results, measure="segments"))
