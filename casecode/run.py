"""``code_corpus``: the spine — transcripts + codebook → coded segments → results folder."""

from __future__ import annotations

import contextlib
import dataclasses
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import pandas as pd

from casecode.codebook.load import LoadedCodebook, load_codebook
from casecode.coding.jobs import for_corpus, is_auto, resolve_jobs
from casecode.errors import CasecodeError, OptionError, ResultsError, TranscriptError
from casecode.export.rows import segment_row, unit_row
from casecode.export.tables import DocumentInfo, cases_frame, documents_frame, manifest
from casecode.load import CaseFrom, Corpus, ReadOptions, scan_corpus
from casecode.model import Coding, Document, Segment
from casecode.nlp import PipelineInfo
from casecode.versions import casecode_version
from casecode.results import SEGMENT_COLUMNS, UNIT_COLUMNS, Results, check_results_target

if TYPE_CHECKING:
    from casecode.coding.backends import CoderSpec

Progress = Callable[[Document], None]


def _versions(info: PipelineInfo) -> dict[str, str]:
    return {"casecode": casecode_version(), "python": platform.python_version(), "spacy": info.spacy_version}


@dataclass(frozen=True)
class RunSummary:
    """How much a run coded, and where it was written."""

    documents: int
    cases: int
    codings: int
    folder: Path | None = None


@dataclass
class CodingRun:
    """Everything one coding run produced, as tables ready to write or analyse.

    A run made with ``keep=False`` was streamed to its results folder and holds only
    its ``summary``; read the tables back with :func:`casecode.read_results`.
    """

    corpus: Corpus
    codebook: LoadedCodebook
    pipeline: PipelineInfo
    codings: list[Coding]
    units: list[Segment]
    options: dict[str, Any] = field(default_factory=dict)
    summary: RunSummary | None = None
    streamed: bool = False

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents

    def _held(self) -> None:
        if self.streamed:
            where = self.summary.folder if self.summary else "the results folder"
            raise ResultsError(f"this run was streamed to {where} (keep=False) and holds no tables", hint="read them with casecode.read_results(folder), or run with keep=True")

    def _infos(self) -> list[DocumentInfo]:
        return [DocumentInfo.of(d) for d in self.documents]

    def segments_frame(self) -> pd.DataFrame:
        self._held()
        texts = {d.id: d.text for d in self.documents}
        rows = [segment_row(c, texts[c.document]) for c in self.codings]
        frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
        return frame.sort_values(["document", "start", "end", "code"], kind="stable").reset_index(drop=True)

    def units_frame(self) -> pd.DataFrame:
        self._held()
        rows = [unit_row(s) for s in self.units]
        frame = pd.DataFrame(rows, columns=UNIT_COLUMNS)
        return frame.sort_values(["document", "unit", "index"], kind="stable").reset_index(drop=True)

    def documents_frame(self) -> pd.DataFrame:
        self._held()
        return documents_frame(self._infos())

    def cases_frame(self) -> pd.DataFrame:
        self._held()
        return cases_frame(self._infos(), self.corpus.case_labels)

    def manifest(self) -> dict[str, Any]:
        self._held()
        book = self.codebook
        return manifest(
            self._infos(),
            codebook={"path": book.path, "name": book.name, "version": book.version, "sha256": book.sha256},
            pipeline=self.pipeline.as_dict(),
            versions=_versions(self.pipeline),
            cases_manifest=self.corpus.manifest,
            ignored=self.corpus.ignored,
            failed=self.corpus.failed,
            options=self.options,
            codings=len(self.codings),
        )

    def to_results(self) -> Results:
        """The run as an in-memory :class:`Results` (what ``read_results`` would give)."""
        return Results(
            folder=Path("."),
            segments=self.segments_frame(),
            units=self.units_frame(),
            documents=self.documents_frame(),
            cases=self.cases_frame(),
            codebook=self.codebook,
            manifest=self.manifest(),
            texts={d.id: d.text for d in self.documents},
        )


def _spec(book: LoadedCodebook, model: str | None, cache: bool | None, cache_dir: str | Path | None, *, keep_going: bool = False) -> "CoderSpec":
    from casecode.cache import resolve_cache_dir
    from casecode.coding.backends import CoderSpec

    use_cache = model is not None if cache is None else cache
    return CoderSpec(book, model, str(resolve_cache_dir(cache_dir)) if use_cache else None, keep_going=keep_going)


def code_documents(
    documents: Iterable[Document],
    codebook: LoadedCodebook,
    *,
    model: str | None = None,
    progress: Progress | None = None,
    on_error: Callable[[Document, CasecodeError], None] | None = None,
    cache: bool | None = False,
    cache_dir: str | Path | None = None,
) -> tuple[list[Coding], list[Segment], PipelineInfo]:
    """Code already-loaded documents in this process. Returns (codings, all units, pipeline info).

    With ``on_error``, a document whose coding fails (e.g. a codebook regex over its
    time limit) is handed to it with the error and left out; without, the error stops
    the run.
    """
    from casecode.coding.backends import DocumentCoder
    from casecode.coding.heap import settled_heap

    coder = DocumentCoder(_spec(codebook, model, cache, cache_dir, keep_going=on_error is not None))
    codings: list[Coding] = []
    units: list[Segment] = []
    with settled_heap():
        for coded in coder.code(documents):
            if coded.error is not None:
                assert on_error is not None
                on_error(coded.document, coded.error)
                continue
            codings.extend(coded.codings)
            units.extend(coded.units)
            if progress is not None:
                progress(coded.document)
    return codings, units, coder.info


def code_corpus(
    paths: Sequence[str | Path],
    codebook: str | Path | LoadedCodebook,
    *,
    out: str | Path | None = None,
    cases: str | Path | None = None,
    case_from: CaseFrom | None = None,
    model: str | None = None,
    options: ReadOptions | None = None,
    exclude: Iterable[str] = (),
    progress: Progress | None = None,
    xlsx: bool = True,
    jobs: int | str = 1,
    dask: Any = None,
    cache: bool | None = None,
    cache_dir: str | Path | None = None,
    keep: bool = True,
    keep_going: bool = False,
) -> CodingRun:
    """Code transcripts with a codebook; write a results folder if ``out`` is given.

    Documents are read, coded and written one at a time. Serial, ``jobs`` and ``dask``
    runs give byte-identical results.

    Args:
        jobs: worker processes on this machine (1: this process; ``"auto"``: one per
            usable core (:func:`casecode.coding.jobs.usable_cpus`), at most one per
            batch of the corpus (:func:`casecode.coding.jobs.for_corpus`)).
        dask: ``"local"`` (a ``LocalCluster`` with ``jobs`` or 2 workers), a scheduler
            address such as ``"tcp://scheduler.example.org:8786"``, or a ``distributed.Client``.
        cache: use the NLP cache (None: only with a trained ``model``, where it pays).
        cache_dir: the cache folder (default ``$CASECODE_CACHE_DIR`` or the user's cache).
        keep: hold documents, codings and units in the returned run. With
            ``keep=False`` (needs ``out``) memory does not grow with the corpus and the
            run carries only its ``summary``.
        keep_going: files that cannot be read or coded are left out and listed in
            ``run.corpus.failed`` and in manifest.json (``failed``); the rest is coded
            and written.

    Example:
        >>> run = code_corpus(["transcripts_example"], "codebooks/partnership.yaml", out="results", jobs=2)  # doctest: +SKIP
        >>> run.segments_frame()[["document", "code", "rule", "matched"]].head()  # doctest: +SKIP
    """
    if not keep and out is None:
        raise OptionError("keep=False needs out=FOLDER", hint="give the results folder to stream the run into")
    if out is not None:
        check_results_target(out, paths)
    auto, jobs = is_auto(jobs), resolve_jobs(jobs)
    book = codebook if isinstance(codebook, LoadedCodebook) else load_codebook(codebook)
    options = options or ReadOptions()
    exclude = tuple(exclude)
    source = scan_corpus(paths, cases=cases, case_from=case_from, options=options, exclude=exclude, keep_going=keep_going)
    if auto and jobs > 1:
        from casecode.coding.backends import BATCH_CHARS, DASK_BATCH_CHARS

        jobs = for_corpus(jobs, source.sizes(), piece=DASK_BATCH_CHARS if dask is not None else BATCH_CHARS)
    spec = _spec(book, model, cache, cache_dir, keep_going=keep_going)
    if (jobs > 1 or dask is not None) and out is not None:
        # Workers format the table rows too: this process then only appends bytes.
        spec = dataclasses.replace(spec, rows=True, records=keep)
    run_options = {
        "inputs": [Path(p).as_posix() for p in paths],
        "cases": Path(cases).as_posix() if cases else None,
        "case_from": case_from,
        "model": model,
        "encoding": options.encoding,
        "speaker_pattern": options.speaker_pattern,
        "text_column": options.text_column,
        "speaker_column": options.speaker_column,
        "document_column": options.document_column,
        "exclude": list(exclude),
        "keep_going": keep_going,
    }
    # Worker processes start in the background while this process builds and checks
    # the pipeline: a codebook the pipeline cannot serve fails here, before any
    # document is read, and the manifest needs the pipeline's fingerprint.
    from casecode.coding.heap import settled_heap

    with _backend_and_coder(jobs, dask, spec) as (backend, coder), settled_heap():
        return _code_into(backend, coder, spec, source, book, run_options, out=out, progress=progress, xlsx=xlsx, keep=keep)


@contextlib.contextmanager
def _backend_and_coder(jobs: int, dask: Any, spec: "CoderSpec") -> Iterator[tuple[Any, Any]]:
    """The backend for the run and a coder in this process, both closed at the end."""
    from casecode.coding.backends import DocumentCoder, open_backend

    with contextlib.ExitStack() as stack:
        backend = stack.enter_context(open_backend(jobs=jobs, dask=dask, spec=spec)) if jobs > 1 or dask is not None else None
        coder = DocumentCoder(spec)
        if backend is None:
            backend = stack.enter_context(open_backend(jobs=jobs, coder=coder))
        yield backend, coder


def _code_into(
    backend: Any, coder: Any, spec: "CoderSpec", source: Any, book: LoadedCodebook, run_options: dict[str, Any], *,
    out: str | Path | None, progress: Progress | None, xlsx: bool, keep: bool,
) -> CodingRun:
    """The rest of :func:`code_corpus`: code every document, write, and gather the run."""
    from casecode.export.stream import FolderWriter

    info = coder.info
    documents: list[Document] = []
    coding_failures: list[tuple[str, str]] = []
    codings: list[Coding] = []
    units: list[Segment] = []
    writer = FolderWriter(Path(out), book, xlsx=xlsx) if out is not None else None
    try:
        count = n_codings = 0
        seen_cases: set[str] = set()
        # This process's coder takes the first documents while worker processes start.
        for coded in backend.run(spec, source.documents(), local=coder):
            if coded.error is not None:
                coding_failures.append((coded.document.source, f"{coded.document.id}: {coded.error}"))
                continue
            if writer is not None:
                if coded.rows is not None:
                    writer.add_rows(coded.document, coded.rows)
                else:
                    writer.add(coded.document, coded.codings, coded.units)
            if keep:
                documents.append(coded.document)
                codings.extend(coded.codings)
                units.extend(coded.units)
            count += 1
            seen_cases.add(coded.document.case)
            n_codings += coded.count
            if progress is not None:
                progress(coded.document)
        if not count:
            raise TranscriptError(f"none of the {len(coding_failures)} document(s) could be coded", hint=f"the first error: {coding_failures[0][1] if coding_failures else 'none'}")
        summary = RunSummary(count, len(seen_cases), n_codings, Path(out) if out is not None else None)
        failed = (*source.failed, *coding_failures)
        if writer is not None:
            writer.finish(
                pipeline=info.as_dict(), versions=_versions(info), cases_manifest=source.corpus().manifest,
                case_labels=source.case_labels, ignored=source.ignored, failed=failed, options=run_options,
            )
    finally:
        if writer is not None:
            writer.abort()
    return CodingRun(
        corpus=dataclasses.replace(source.corpus(documents), failed=failed),
        codebook=book,
        pipeline=info,
        codings=codings,
        units=units,
        options=run_options,
        summary=summary,
        streamed=not keep,
    )
