"""Where the per-document work runs: in this process, in worker processes, or on Dask.

Every backend takes the same :class:`CoderSpec` (codebook, pipeline, cache) and a stream
of documents and yields one :class:`CodedDocument` per document, in input order. A
worker builds its pipeline and compiles the codebook once, then codes batches of
documents and sends back only codings and coding units (never spaCy ``Doc`` objects), so
serial, ``--jobs N`` and ``--dask`` give the same records and byte-identical tables.

Example:
    >>> spec = CoderSpec(load_codebook("codebooks/partnership.yaml"))  # doctest: +SKIP
    >>> with open_backend(jobs=2) as backend:  # doctest: +SKIP
    ...     for coded in backend.run(spec, load_corpus(["transcripts_example"]).documents):
    ...         print(coded.document.id, len(coded.codings))
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator, Protocol

from spacy.tokens import Doc

from casecode.cache import DocCache, MatchCache, phrase_lineage, rule_digest, vocabulary
from casecode.codebook.compile import ATTR, CompiledCodebook, compile_codebook, spelled, uses_lemmas
from casecode.codebook.load import LoadedCodebook
from casecode.coding import forkserver
from casecode.coding.engine import Engine
from casecode.coding.jobs import resolve_jobs
from casecode.coding.tokentable import phrase_records, token_table
from casecode.coding.segment import DocumentUnits
from casecode.errors import CasecodeError, OptionError
from casecode.export.rows import DocumentRows, document_rows
from casecode.model import Coding, Document
from casecode.nlp import BLANK, PipelineInfo, build_pipeline, pipeline_info
from casecode.versions import cache_version

# A batch sent to a worker holds about this many characters (~15k words): large enough
# to amortise the round trip, small enough to keep two workers evenly busy.
BATCH_CHARS = 100_000
BATCH_DOCUMENTS = 256
# A Dask task costs more to send and to report back: batches twice as large.
DASK_BATCH_CHARS = 200_000
# Seconds a closing local cluster waits for its workers to finish building pipelines.
WARM_UP_WAIT = 30
#: how often the processes of a ``--dask local`` cluster check themselves (Dask's
#: defaults: 20 ms, 500 ms, 100 ms)
LOCAL_CLUSTER_MONITORS = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


@dataclass(frozen=True)
class CoderSpec:
    """Everything a worker needs to code documents; small and picklable.

    Attributes:
        codebook: the validated codebook.
        model: an installed trained spaCy pipeline, or None for the blank one.
        cache_dir: the NLP cache folder, or None to run without the cache.
        keep_going: a document whose coding fails comes back with its ``error``
            instead of stopping the run.
        rows: workers also format each document's results-table rows
            (:class:`~casecode.export.stream.DocumentRows`), so that the process
            writing the results folder only appends bytes.
        records: workers send back codings and coding units as objects (needed
            unless ``rows`` is all the caller uses).
    """

    codebook: LoadedCodebook
    model: str | None = None
    cache_dir: str | None = None
    keep_going: bool = False
    rows: bool = False
    records: bool = True

    @property
    def lemmas(self) -> bool:
        """Whether the pipeline needs a lemmatizer (skipped when no rule uses lemmas)."""
        return self.model is not None or uses_lemmas(self.codebook)

    @cached_property
    def key(self) -> str:
        return hashlib.sha256(f"{self.codebook.sha256}\x1e{self.model}\x1e{self.cache_dir}\x1e{self.keep_going}\x1e{self.rows}\x1e{self.records}".encode()).hexdigest()


@dataclass(frozen=True)
class CodedDocument:
    """One document's codings (sorted by start, end, code) and all its coding units.

    ``units`` lists them by unit name, then index (units.csv's order).

    ``error`` is set (and the lists are empty) when coding the document failed and
    the spec says ``keep_going``. ``rows`` holds the formatted table rows when the
    spec asks for them; without ``records`` the codings and units are then left out.
    """

    document: Document
    codings: list[Coding]
    units: DocumentUnits
    error: CasecodeError | None = None
    rows: DocumentRows | None = None

    @property
    def count(self) -> int:
        """How many codings the document has."""
        return len(self.rows.codes) if self.rows is not None else len(self.codings)


class DocumentCoder:
    """The per-document pipeline of one worker: NLP (or the cache), segmentation, matching.

    With a cache folder, each document's derived matches are looked up per rule first
    (:class:`~casecode.cache.MatchCache`). Missing phrase rules are matched on the
    document's token table (:mod:`casecode.coding.tokentable`); its parsed turns are
    read from the :class:`~casecode.cache.DocCache` (or parsed) only when another kind
    of rule is missing, or the table is.
    """

    def __init__(self, spec: CoderSpec, *, fresh: bool = False) -> None:
        self.spec = spec
        self.nlp = build_pipeline(spec.model, lemmas=spec.lemmas, fresh=fresh)
        self.info: PipelineInfo = pipeline_info(self.nlp, spec.model)
        self.compiled: CompiledCodebook = compile_codebook(spec.codebook, self.nlp, pipeline_name=self.info.name if spec.model else BLANK)
        self.engine = Engine(self.compiled)
        self.cache = DocCache(spec.cache_dir, self.info.fingerprint, self.nlp.vocab, version=cache_version()) if spec.cache_dir else None
        self.matches = MatchCache(spec.cache_dir, self.info.fingerprint, version=cache_version()) if spec.cache_dir else None
        specs = self.compiled.specs
        self.digests = {pair: rule_digest(specs[pair[0]].rules[pair[1]], unit=specs[pair[0]].unit) for pair in self.engine.matched_rules}
        self.lineage = {pair: found for pair in self.digests if (found := phrase_lineage(specs[pair[0]].rules[pair[1]])) is not None}
        self._phrase_words: dict[tuple[str, str], tuple[int, ...]] = {}
        # what _store files under each entry's lineage: this codebook's phrase rules ...
        self._lineage_filed = {f"{code_id}\x1f{rule_id}": {"digest": self.digests[(code_id, rule_id)], "shape": shape, "phrases": list(phrases)} for (code_id, rule_id), (shape, phrases) in self.lineage.items()}
        # ... merged into an entry's earlier lineage: reference before ("" for none) -> after
        self._merged: dict[str, str] = {}

    def code(self, documents: Iterable[Document]) -> Iterator[CodedDocument]:
        """Code documents one at a time, in order."""
        if self.matches is not None:
            for document in documents:
                yield self._coded(document, lambda: self._code_cached(document))
            return
        for document, docs in self.engine.process(documents):
            yield self._coded(document, lambda: self.engine.code_processed(document, docs))

    def _coded(self, document: Document, code: Any) -> CodedDocument:
        """Run ``code()`` for one document; with keep_going a failure is returned, not raised."""
        try:
            result = code()
        except CasecodeError as exc:
            if not self.spec.keep_going:
                raise
            return CodedDocument(document, [], DocumentUnits.none(document.id), exc)
        rows = document_rows(document, result.codings, result.units) if self.spec.rows else None
        return CodedDocument(document, result.codings, result.units, rows=rows)

    def _code_cached(self, document: Document) -> Any:
        """Code with the match cache: parsed turns are read (or made) only for missing rules."""
        assert self.matches is not None
        self.engine.check_fits(document)
        texts = [document.text[t.start : t.end] for t in document.turns]
        entry = self.matches.get(texts)
        missing = [pair for pair, digest in self.digests.items() if entry is None or digest not in entry["rules"]]
        grown = False
        if entry is not None and missing:
            vocabulary_of = functools.cache(lambda: self.matches.get_vocabulary(texts) if entry.get("vocab") else None)  # type: ignore[union-attr]  # read once, if needed
            still = [pair for pair in missing if not self._grown(entry, pair, vocabulary_of)]
            grown, missing = len(still) < len(missing), still
        tabled = False
        if entry is not None and missing and entry.get("tokens") and all(pair in self.lineage for pair in missing):
            # Only phrase rules changed: match them on the document's token table.
            table = self.matches.get_tokens(texts)
            if table is not None:
                for pair in missing:
                    rule = self.compiled.specs[pair[0]].rules[pair[1]]
                    phrases = spelled(rule.phrases if rule.phrases is not None else rule.exclude or [])
                    entry["rules"][self.digests[pair]] = phrase_records(table, self._sequences(rule.match_attr, phrases), rule.match_attr, role="" if rule.phrases is not None else "X")
                self.matches.tables += 1
                tabled, missing = True, []
            else:
                entry["tokens"] = False  # missing or unreadable: written again below
        if entry is not None and not missing:
            if tabled:
                self.matches.partial += 1
            else:
                self.matches.hits += 1
            if grown or tabled:
                self._store(texts, entry)
        else:
            docs = self._parsed(texts)
            sentences, found = self.engine.derive(document, docs, None if entry is None else missing, sentences=None if entry is None else entry["sentences"])
            if entry is None:
                self.matches.misses += 1
                entry = {"turns": len(texts), "sentences": sentences, "rules": {}}
            else:
                self.matches.partial += 1
            for pair, records in found.items():
                entry["rules"][self.digests[pair]] = records
            if not entry.get("vocab"):
                self.matches.put_vocabulary(texts, vocabulary(docs))
                entry["vocab"] = True
            if not entry.get("tokens"):
                self.matches.put_tokens(texts, token_table(docs))
                entry["tokens"] = True
            self._store(texts, entry)
        return self.engine.assemble(document, entry["sentences"], {pair: entry["rules"][digest] for pair, digest in self.digests.items()})

    def _store(self, texts: list[str], entry: dict[str, Any]) -> None:
        assert self.matches is not None
        earlier = entry.pop("lineage", None)  # kept in the entry itself by earlier versions
        key = str(entry.get("lineage_ref", "")) if earlier is None else None
        ref = self._merged.get(key) if key is not None else None
        if ref is None:
            lineage = dict(earlier if isinstance(earlier, dict) else self.matches.get_lineage(entry))
            lineage.update(self._lineage_filed)
            ref = self.matches.put_lineage(lineage)
            if key is not None:
                self._merged[key] = ref
        entry["lineage_ref"] = ref
        entry["rules"] = _pruned(entry["rules"], set(self.digests.values()))
        self.matches.put(texts, entry)

    def _grown(self, entry: dict[str, Any], pair: tuple[str, str], vocabulary_of: Callable[[], dict[str, list[int]] | None]) -> bool:
        """Re-use a phrase rule's cached matches if it only gained phrases absent from this document.

        A phrase matches only where every one of its words (as the rule compares them:
        lower-case form, lemma or text) occurs in the document, so if some word of each
        added phrase is missing from the document's vocabulary, the rule's matches are
        those of its earlier version. Then they are filed under the new digest too.
        """
        lineage = self.lineage.get(pair)
        earlier = self.matches.get_lineage(entry).get(f"{pair[0]}\x1f{pair[1]}")  # type: ignore[union-attr]
        if lineage is None or not earlier:
            return False
        shape, phrases = lineage
        if earlier.get("shape") != shape or earlier.get("digest") not in entry["rules"] or not set(earlier.get("phrases", ())) <= set(phrases):
            return False
        vocab = vocabulary_of()
        if vocab is None:
            return False
        attr = self.compiled.specs[pair[0]].rules[pair[1]].match_attr
        present = set(vocab.get(attr, ()))
        if any(self._words(attr, spelling) <= present for spelling in spelled(sorted(set(phrases) - set(earlier["phrases"])))):
            return False
        entry["rules"][self.digests[pair]] = entry["rules"][earlier["digest"]]
        return True

    def _words(self, attr: str, phrase: str) -> frozenset[int]:
        """A phrase's distinct words as a rule of this attribute compares them."""
        return frozenset(self._sequence(attr, phrase))

    def _sequence(self, attr: str, phrase: str) -> tuple[int, ...]:
        """A phrase's words, in order, as a rule of this attribute compares them (as the phrase matcher builds them)."""
        return self._sequences(attr, [phrase])[0]

    def _sequences(self, attr: str, phrases: list[str]) -> list[tuple[int, ...]]:
        """:meth:`_sequence` of each phrase; lemma phrases new to this coder go through the pipeline in one batch."""
        known = self._phrase_words
        new = [phrase for phrase in dict.fromkeys(phrases) if (attr, phrase) not in known]
        if new:
            texts = [phrase.strip() for phrase in new]
            docs = self.nlp.pipe(texts) if attr == "lemma" else (self.nlp.make_doc(text) for text in texts)
            for phrase, doc in zip(new, docs):
                known[(attr, phrase)] = tuple(doc.to_array(ATTR[attr]).tolist()) if len(doc) else ()
        return [known[(attr, phrase)] for phrase in phrases]

    def _parsed(self, texts: list[str]) -> list[Doc]:
        assert self.cache is not None
        docs = self.cache.get(texts)
        if docs is None:
            docs = list(self.nlp.pipe(texts, batch_size=self.engine.batch_size))
            self.cache.put(texts, docs)
        return docs


def _pruned(rules: dict[str, Any], current: set[str]) -> dict[str, Any]:
    """Keep every current rule's matches and the most recent earlier versions (bounded).

    Earlier versions make undoing an edit cheap; the bound keeps an entry from growing
    with every edit of a long-lived codebook.
    """
    keep = len(current) + 16
    if len(rules) <= keep:
        return rules
    earlier = [d for d in rules if d not in current][-16:]
    kept = current | set(earlier)
    return {d: r for d, r in rules.items() if d in kept}


# Records cross process boundaries as plain tuples: smaller and faster to pickle.
Packed = tuple[list[tuple[Any, ...]], Any, "str | None", "DocumentRows | None"]


def _pack(coded: CodedDocument, records: bool = True) -> Packed:
    if coded.error is not None:
        # Errors travel as their message: some CasecodeErrors cannot be pickled faithfully.
        return ([], None, str(coded.error), None)
    if not records:
        return ([], None, None, coded.rows)
    return (
        [(c.document, c.case, c.speaker, c.unit, c.segment, c.start, c.end, c.theme, c.code, c.rule, c.rules, c.matched, c.match_start, c.match_end, c.negated, c.origin) for c in coded.codings],
        (coded.units.speakers, coded.units.spans),
        None,
        coded.rows,
    )


def _unpack(document: Document, packed: Packed) -> CodedDocument:
    codings, units, error, rows = packed
    if error is not None:
        return CodedDocument(document, [], DocumentUnits.none(document.id), CasecodeError(error))
    found = DocumentUnits(document.id, *units) if units is not None else DocumentUnits.none(document.id)
    return CodedDocument(document, [Coding(*c) for c in codings], found, rows=rows)


def _strip(document: Document) -> Document:
    # Workers need the text and turns (and the file's path, for errors); attributes stay
    # with the main process.
    return Document(document.id, document.source, document.text, document.case, "", "", document.turns)


def batches(documents: Iterable[Document], *, chars: int = BATCH_CHARS, count: int = BATCH_DOCUMENTS) -> Iterator[list[Document]]:
    """Group documents into batches of about ``chars`` characters, in order."""
    batch: list[Document] = []
    size = 0
    for document in documents:
        batch.append(document)
        size += len(document.text)
        if size >= chars or len(batch) >= count:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class Backend(Protocol):
    """Runs the per-document coding somewhere; results come back in input order."""

    name: str
    workers: int

    def run(self, spec: CoderSpec, documents: Iterable[Document], *, local: DocumentCoder | None = None) -> Iterator[CodedDocument]: ...

    def close(self) -> None: ...


class _Closing:
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass


class _StartsInBackground(_Closing):
    """A backend whose workers start in a thread while this process goes on.

    A failure to start is kept (a thread's exception would only print a traceback)
    and raised, as one clear error, by the first call that needs the workers.
    """

    _thread: threading.Thread | None = None
    _failure: BaseException | None = None

    def _start_in_background(self, target: Callable[..., None], *args: Any, name: str) -> None:
        def guarded() -> None:
            try:
                target(*args)
            except Exception as exc:
                self._failure = exc

        self._failure = None
        self._thread = threading.Thread(target=guarded, name=name, daemon=True)
        self._thread.start()

    def _starting(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _wait_started(self, what: str, hint: str) -> None:
        """Wait for the start-up thread; raise what made it fail, if anything did."""
        self._join()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise OptionError(f"{what} did not start ({type(failure).__name__}: {failure})", hint=hint)


class SerialBackend(_Closing):
    """Everything in this process; ``nlp.pipe`` batches turns across documents."""

    name = "serial"
    workers = 1

    def __init__(self, coder: DocumentCoder | None = None) -> None:
        self.coder = coder  # reused when it was built for the same spec

    def run(self, spec: CoderSpec, documents: Iterable[Document], *, local: DocumentCoder | None = None) -> Iterator[CodedDocument]:
        coder = next((c for c in (self.coder, local) if c is not None and c.spec is spec), None) or DocumentCoder(spec)
        yield from coder.code(documents)


# --- worker processes ------------------------------------------------------------

_WORKER: DocumentCoder | None = None
_WORKER_ERROR: str | None = None


def _init_worker(spec: CoderSpec) -> None:
    # A failure is kept for the first batch to report: raised here, the pool would
    # log a traceback. (The parent checks the codebook itself, so this is a backstop.)
    global _WORKER, _WORKER_ERROR
    from casecode.coding import quiet
    from casecode.coding.heap import settle

    quiet.ignore_interrupts()  # Ctrl-C is the main process's (a spawned worker has not inherited this)
    try:
        _WORKER = DocumentCoder(spec)
    except CasecodeError as exc:
        _WORKER_ERROR = str(exc)
    settle()


def _ready() -> bool:
    return _WORKER is not None


def _code_batch(documents: list[Document]) -> list[Packed]:
    if _WORKER_ERROR is not None:
        raise CasecodeError(_WORKER_ERROR)
    assert _WORKER is not None, "worker not initialised"
    return [_pack(coded, _WORKER.spec.records) for coded in _WORKER.code(documents)]


def _while_starting(ready: Callable[[], bool], local: DocumentCoder | None, spec: CoderSpec, documents: Iterator[Document]) -> Iterator[CodedDocument]:
    """Code leading documents with ``local`` (a coder of this process) until the workers are ready.

    Starting workers takes a second or more (importing spaCy, building pipelines),
    while this process has its own coder built and idle: it codes the first documents
    meanwhile, one at a time, and the workers take the rest. The results are the same
    records; the order stays the input order.
    """
    if local is None or local.spec.key != spec.key:
        return
    while not ready():
        document = next(documents, None)
        if document is None:
            return
        yield from local.code([document])


def _ordered(submit: Any, documents: Iterable[Document], window: int, chars: int = BATCH_CHARS) -> Iterator[CodedDocument]:
    """Submit batches of about ``chars`` characters with at most ``window`` in flight; yield results in input order."""
    pending: deque[tuple[list[Document], Any]] = deque()
    for batch in batches(documents, chars=chars):
        pending.append((batch, submit([_strip(d) for d in batch])))
        if len(pending) >= window:
            yield from _collect(*pending.popleft())
    while pending:
        yield from _collect(*pending.popleft())


def _collect(batch: list[Document], future: Any) -> Iterator[CodedDocument]:
    for document, packed in zip(batch, future.result()):
        yield _unpack(document, packed)


def _mp_context() -> multiprocessing.context.BaseContext:
    # Never plain fork: the parent may hold threads (progress bar, dask) and spaCy state.
    if forkserver.AVAILABLE:
        forkserver.start(forkserver.WORKER_MODULES)  # unless it runs already (e.g. the CLI started it)
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class ProcessBackend(_StartsInBackground):
    """N worker processes on this machine (``--jobs N``).

    Args:
        workers: how many.
        spec: start the workers for this spec now (they start in the background:
            importing spaCy and building the pipeline take a second or two), rather
            than at the first :meth:`run`.
    """

    name = "processes"

    def __init__(self, workers: int, spec: CoderSpec | None = None) -> None:
        if workers < 1:
            raise OptionError(f"--jobs {workers}: must be 1 or more", hint="use --jobs 1 to run in this process, or the number of CPU cores")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._spec: CoderSpec | None = None
        self._warming: list[Any] = []  # one start-up task per worker: done once a worker is ready
        if spec is not None:
            self._start(spec)

    def _start(self, spec: CoderSpec) -> ProcessPoolExecutor:
        self.close()
        pool = self._pool = ProcessPoolExecutor(self.workers, mp_context=_mp_context(), initializer=_init_worker, initargs=(spec,))
        self._spec = spec
        warming = self._warming = []

        def spawn() -> None:
            # Start every worker now, not one per submitted batch. The first start waits
            # for the fork server to import casecode: in a thread, this process goes on.
            for _ in range(self.workers):
                warming.append(pool.submit(_ready))

        self._start_in_background(spawn, name="casecode-workers-start")
        return pool

    def ready(self) -> bool:
        """Whether some worker has started and built its pipeline, or starting failed (never waits)."""
        return self._failure is not None or any(future.done() for future in list(self._warming))

    def run(self, spec: CoderSpec, documents: Iterable[Document], *, local: DocumentCoder | None = None) -> Iterator[CodedDocument]:
        """Code ``documents`` in the workers; ``local`` (this process's coder for the same spec) codes the first ones while they start."""
        pool = self._pool if self._pool is not None and self._spec is not None and self._spec.key == spec.key else self._start(spec)
        documents = iter(documents)
        yield from _while_starting(self.ready, local, spec, documents)
        self._wait_started(f"--jobs {self.workers}: the worker processes", hint="run with --jobs 1, or check that this system lets Python start processes (a script must start the run under `if __name__ == '__main__':`)")
        yield from _ordered(lambda batch: pool.submit(_code_batch, batch), documents, window=2 * self.workers + 1)

    def close(self) -> None:
        self._join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._spec = None


# --- Dask --------------------------------------------------------------------------

_DASK_CODERS: dict[tuple[str, int], DocumentCoder] = {}
_DASK_LOCK = threading.Lock()
# The thread of this Dask worker process that codes with the process's shared pipelines
# (built by the fork server, see casecode.coding.warmup); other threads build their own.
_DASK_SHARED_THREAD: int | None = None


def _dask_may_share(thread: int) -> bool:
    """Whether ``thread`` may code with this process's shared pipelines (call under the lock).

    One thread only, and never in the process that started the run (a cluster of
    threads there, beside its own coder): in a worker process started by Dask's nanny.
    """
    global _DASK_SHARED_THREAD
    if multiprocessing.parent_process() is None:
        return False
    if _DASK_SHARED_THREAD is None:
        _DASK_SHARED_THREAD = thread
    return _DASK_SHARED_THREAD == thread


def _dask_code_batch(spec: CoderSpec, documents: list[Document]) -> list[Packed]:
    # One coder per (spec, thread): threaded Dask workers must not share a pipeline.
    thread = threading.get_ident()
    key = (spec.key, thread)
    with _DASK_LOCK:
        coder = _DASK_CODERS.get(key)
        shared = coder is None and _dask_may_share(thread)
    if coder is None:
        coder = DocumentCoder(spec, fresh=not shared)
        with _DASK_LOCK:
            _DASK_CODERS[key] = coder
    return [_pack(coded, spec.records) for coded in coder.code(documents)]


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise OptionError("--dask: the dask extra is not installed", hint="pip install 'casecode[dask]' (dask[distributed]) on this machine and on every worker") from None
    return distributed


class DaskBackend(_StartsInBackground):
    """A Dask cluster (``--dask ADDRESS``), or a ``LocalCluster`` here (``--dask local``).

    Args:
        address: a scheduler address (``tcp://host:8786``), ``"local"``, or a
            ``distributed.Client`` to use as it is.
        workers: with ``"local"``, how many worker processes (default 2).
        processes: with ``"local"``, workers as processes (True) or threads.
        timeout: how long to wait for a remote scheduler.
        spec: send this spec to the workers now and have them build their pipelines
            in the background, rather than at the first :meth:`run`.
    """

    name = "dask"

    def __init__(self, address: Any, *, workers: int | None = None, processes: bool = True, timeout: str = "10s", spec: CoderSpec | None = None) -> None:
        if address == "local":
            # Start the fork server first (if the command line has not): it imports
            # distributed and casecode (seconds) in its own process while this one
            # imports distributed and starts the scheduler, rather than after.
            forkserver.start_for(dask=address, dask_processes=processes)
        distributed = _distributed()
        self._owned: list[Any] = []
        self._spec: tuple[str, Any] | None = None  # (spec key, its future on the cluster)
        self._warming: list[Any] = []  # each worker's pipeline build: done once it is ready
        if isinstance(address, distributed.Client):
            self._connected(address, spec)
        elif address == "local":
            # The cluster starts in the background (a few seconds: a scheduler, worker
            # processes that import casecode) while this process builds its pipeline.
            self._start_in_background(self._start_local, distributed, workers or 2, processes, spec, name="casecode-dask-start")
        else:
            try:
                client = distributed.Client(str(address), timeout=timeout)
            except (OSError, TimeoutError) as exc:
                raise OptionError(f"--dask {address}: cannot reach the scheduler ({type(exc).__name__})", hint="check the address (tcp://HOST:8786) and that the scheduler runs, or use --dask local") from None
            except ValueError:  # no port, an unknown protocol
                raise OptionError(f"--dask {address}: not a scheduler address", hint="give tcp://HOST:PORT (a scheduler listens on 8786 by default), or --dask local") from None
            self._owned = [client]
            self._connected(client, spec)

    def _start_local(self, distributed: Any, workers: int, processes: bool, spec: CoderSpec | None) -> None:
        forked = processes and forkserver.AVAILABLE
        import dask

        try:
            settings: dict[str, Any] = {
                # The workers' statistical profiler samples the coding thread's stack every
                # 10 ms, which costs a tenth or more of the coding time; nobody reads it here.
                "distributed.worker.profile.enabled": False,
                # Every process of the cluster checks its event loop every 20 ms, its CPU
                # and memory every 0.5 s, and the nannies their worker's memory every
                # 0.1 s: an idle two-worker cluster used a sixth to a quarter of a core,
                # taken from the coding. Coarser checks leave a twenty-fifth.
                **LOCAL_CLUSTER_MONITORS,
            }
            if forked:
                # Workers forked from one server process that has imported distributed
                # and casecode, instead of each starting a new interpreter and importing
                # both: half the start-up CPU, which this process codes with meanwhile.
                # The server started in __init__ (see casecode.coding.forkserver).
                settings["distributed.worker.multiprocessing-method"] = "forkserver"
            with dask.config.set(settings):
                # worker processes ignore Ctrl-C (closing the cluster stops them); a
                # cluster of threads runs in this process, which must not
                preload = ["casecode.coding.quiet", "casecode.coding.backends"] if processes else ["casecode.coding.backends"]
                cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=":0", preload=preload)
            self._owned = [cluster]
            client = distributed.Client(cluster)
            self._owned = [client, cluster]
            self._connected(client, spec)
        except BaseException as exc:  # reported by the first call that needs the cluster
            self._failure = exc

    def _connected(self, client: Any, spec: CoderSpec | None) -> None:
        self._client = client
        self._workers = max(1, sum(client.nthreads().values()))
        if spec is not None:
            self._prepare(spec)

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (waits for a local cluster that is still starting)."""
        self._ready()
        return self._client

    @property
    def workers(self) -> int:  # type: ignore[override]
        """How many worker threads the cluster has (waits like :attr:`client`)."""
        self._ready()
        return self._workers

    def _ready(self) -> None:
        """Wait for a cluster that is starting in the background."""
        self._wait_started("--dask local: the local cluster", hint="check that dask[distributed] is installed and that worker processes may start here")

    def _prepare(self, spec: CoderSpec) -> Any:
        """Send the spec to every worker, and have each build its pipeline in the background."""
        if self._spec is None or self._spec[0] != spec.key:
            # hash=False: a fresh key, which an earlier run cannot have released.
            client = self._client
            [future] = client.scatter([spec], broadcast=True, hash=False)
            self._spec = (spec.key, future)
            self._warming = [client.submit(_dask_code_batch, future, [], pure=False, workers=[worker], allow_other_workers=False) for worker in client.scheduler_info()["workers"]]
        return self._spec[1]

    def ready(self) -> bool:
        """Whether the cluster is up and some worker has built its pipeline (never waits)."""
        if self._starting():
            return False
        return self._failure is not None or not self._warming or any(future.done() for future in list(self._warming))

    def run(self, spec: CoderSpec, documents: Iterable[Document], *, local: DocumentCoder | None = None) -> Iterator[CodedDocument]:
        """Code ``documents`` on the cluster; ``local`` (this process's coder for the same spec) codes the first ones while it starts."""
        documents = iter(documents)
        yield from _while_starting(self.ready, local, spec, documents)
        self._ready()
        spec_future = self._prepare(spec)
        submit = lambda batch: self.client.submit(_dask_code_batch, spec_future, batch, pure=False)  # noqa: E731
        # More batches in flight than with worker processes: a Dask task takes a few
        # hops (client, scheduler, worker) to start and to report back.
        yield from _ordered(submit, documents, window=4 * self.workers + 2, chars=DASK_BATCH_CHARS)

    def close(self) -> None:
        self._join()
        if self._owned and self._warming:
            # Let the workers finish building their pipelines: a worker closed while it
            # builds one logs a warning about the cancelled task (this happens when
            # this process coded every document before the cluster was ready).
            try:
                _distributed().wait(self._warming, timeout=WARM_UP_WAIT)
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        self._warming = []
        for thing in self._owned:
            thing.close()
        self._owned = []


def open_backend(*, jobs: int | str = 1, dask: Any = None, dask_processes: bool = True, coder: DocumentCoder | None = None, spec: CoderSpec | None = None) -> SerialBackend | ProcessBackend | DaskBackend:
    """The backend for ``--jobs`` / ``--dask``: serial, worker processes, or Dask.

    Args:
        jobs: worker processes (1 = this process; ``"auto"``: one per usable core).
            With ``dask="local"``, the number of Dask workers (default 2).
        dask: None, ``"local"``, a scheduler address, or a ``distributed.Client``.
        coder: a coder already built in this process, reused by the serial backend.
        spec: start the workers for this spec at once, in the background (see
            :class:`ProcessBackend` and :class:`DaskBackend`).
    """
    jobs = resolve_jobs(jobs)
    if dask is not None:
        return DaskBackend(dask, workers=jobs if jobs > 1 else None, processes=dask_processes, spec=spec)
    if jobs == 1:
        return SerialBackend(coder)
    return ProcessBackend(jobs, spec)


__all__ = ["Backend", "CodedDocument", "CoderSpec", "DaskBackend", "DocumentCoder", "ProcessBackend", "SerialBackend", "batches", "open_backend"]
