"""``code_corpus``: the spine — transcripts + codebook → coded segments → results folder."""

from __future__ import annotations

import dataclasses
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from casecode.codebook.compile import compile_codebook, uses_lemmas
from casecode.codebook.load import LoadedCodebook, load_codebook
from casecode.coding.engine import Engine
from casecode.errors import CasecodeError, TranscriptError
from casecode.load import CaseFrom, Corpus, ReadOptions, load_corpus
from casecode.model import Coding, Document, Segment
from casecode.nlp import BLANK, PipelineInfo, build_pipeline, pipeline_info
from casecode.results import SEGMENT_COLUMNS, UNIT_COLUMNS, Results

Progress = Callable[[Document], None]


def casecode_version() -> str:
    try:
        return metadata.version("casecode")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass
class CodingRun:
    """Everything one coding run produced, as tables ready to write or analyse."""

    corpus: Corpus
    codebook: LoadedCodebook
    pipeline: PipelineInfo
    codings: list[Coding]
    units: list[Segment]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents

    def segments_frame(self) -> pd.DataFrame:
        texts = {d.id: d.text for d in self.documents}
        rows = [
            {
                "document": c.document, "case": c.case, "speaker": c.speaker or "", "unit": c.unit, "segment": c.segment,
                "start": c.start, "end": c.end, "theme": c.theme, "code": c.code, "rule": c.rule, "rules": c.rules,
                "matched": c.matched, "match_start": c.match_start, "match_end": c.match_end, "negated": c.negated,
                "origin": c.origin, "text": texts[c.document][c.start : c.end],
            }
            for c in self.codings
        ]
        frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
        return frame.sort_values(["document", "start", "end", "code"], kind="stable").reset_index(drop=True)

    def units_frame(self) -> pd.DataFrame:
        rows = [(s.document, s.unit, s.index, s.start, s.end, s.speaker or "", s.turn) for s in self.units]
        frame = pd.DataFrame(rows, columns=UNIT_COLUMNS)
        return frame.sort_values(["document", "unit", "index"], kind="stable").reset_index(drop=True)

    def documents_frame(self) -> pd.DataFrame:
        attributes = sorted({k for d in self.documents for k in d.attributes})
        rows = []
        for d in self.documents:
            row = {
                "document": d.id, "case": d.case, "source": d.source, "format": d.format, "sha256": d.sha256,
                "characters": len(d.text), "words": len(d.text.split()), "turns": len(d.turns),
            }
            row.update({k: _cell(d.attributes.get(k)) for k in attributes})
            rows.append(row)
        return pd.DataFrame(rows).sort_values("document", kind="stable").reset_index(drop=True)

    def cases_frame(self) -> pd.DataFrame:
        order = list(self.corpus.case_labels) + sorted({d.case for d in self.documents} - set(self.corpus.case_labels))
        attributes = sorted({k for d in self.documents for k in d.case_attributes})
        rows = []
        for case in order:
            docs = [d for d in self.documents if d.case == case]
            if not docs:
                continue
            row = {"case": case, "label": self.corpus.case_labels.get(case, case), "documents": len(docs)}
            row.update({k: _cell(docs[0].case_attributes.get(k)) for k in attributes})
            rows.append(row)
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        book = self.codebook
        return {
            "casecode": casecode_version(),
            "python": platform.python_version(),
            "spacy": self.pipeline.spacy_version,
            "pipeline": self.pipeline.as_dict(),
            "codebook": {"path": book.path, "name": book.name, "version": book.version, "sha256": book.sha256},
            "cases_manifest": self.corpus.manifest,
            "documents": [
                {"id": d.id, "source": d.source, "sha256": d.sha256, "case": d.case, "format": d.format, "characters": len(d.text)}
                for d in sorted(self.documents, key=lambda d: d.id)
            ],
            "ignored": [{"path": p, "reason": r} for p, r in self.corpus.ignored],
            "failed": [{"path": p, "error": e} for p, e in self.corpus.failed],
            "options": self.options,
            "counts": {"documents": len(self.documents), "cases": len({d.case for d in self.documents}), "codings": len(self.codings), "failed": len(self.corpus.failed)},
        }

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


def _cell(value: Any) -> Any:
    return "" if value is None else value


def code_documents(
    documents: Iterable[Document],
    codebook: LoadedCodebook,
    *,
    model: str | None = None,
    progress: Progress | None = None,
    on_error: Callable[[Document, CasecodeError], None] | None = None,
) -> tuple[list[Coding], list[Segment], PipelineInfo]:
    """Code already-loaded documents. Returns (codings, all units, pipeline info).

    With ``on_error``, a document whose coding fails (e.g. a codebook regex over its
    time limit) is handed to it with the error and left out; without, the error stops
    the run.
    """
    nlp = build_pipeline(model, lemmas=model is not None or uses_lemmas(codebook))
    info = pipeline_info(nlp, model)
    compiled = compile_codebook(codebook, nlp, pipeline_name=info.name if model else BLANK)
    engine = Engine(compiled)
    codings: list[Coding] = []
    units: list[Segment] = []
    for document, turn_docs in engine.process(documents):
        try:
            result = engine.code_processed(document, turn_docs)
        except CasecodeError as exc:
            if on_error is None:
                raise
            on_error(document, exc)
            continue
        codings.extend(result.codings)
        for segments in result.units.values():
            units.extend(segments)
        if progress is not None:
            progress(result.document)
    return codings, units, info


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
    keep_going: bool = False,
) -> CodingRun:
    """Code transcripts with a codebook; write a results folder if ``out`` is given.

    With ``keep_going``, files that cannot be read or coded are left out and listed in
    ``run.corpus.failed`` and in manifest.json (``failed``); the rest is coded and written.

    Example:
        >>> run = code_corpus(["transcripts_example"], "codebooks/partnership.yaml", out="results")  # doctest: +SKIP
        >>> run.segments_frame()[["document", "code", "rule", "matched"]].head()  # doctest: +SKIP
    """
    book = codebook if isinstance(codebook, LoadedCodebook) else load_codebook(codebook)
    options = options or ReadOptions()
    exclude = tuple(exclude)
    corpus = load_corpus(paths, cases=cases, case_from=case_from, options=options, exclude=exclude, keep_going=keep_going)
    failures: list[tuple[Document, CasecodeError]] = []
    codings, units, info = code_documents(
        corpus.documents, book, model=model, progress=progress, on_error=(lambda doc, exc: failures.append((doc, exc))) if keep_going else None
    )
    if failures:
        gone = {doc.id for doc, _ in failures}
        corpus = dataclasses.replace(
            corpus,
            documents=tuple(d for d in corpus.documents if d.id not in gone),
            failed=corpus.failed + tuple((doc.source, f"{doc.id}: {exc}") for doc, exc in failures),
        )
        if not corpus.documents:
            raise TranscriptError(f"none of the {len(failures)} document(s) could be coded", hint=f"the first error: {failures[0][1]}")
    run = CodingRun(
        corpus=corpus,
        codebook=book,
        pipeline=info,
        codings=codings,
        units=units,
        options={
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
        },
    )
    if out is not None:
        from casecode.export.folder import write_results

        write_results(run, Path(out), xlsx=xlsx)
    return run
