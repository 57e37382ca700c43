"""The loading layer: files → :class:`~casecode.model.Document` with case and attributes."""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Sequence

from casecode.errors import CaseAssignmentError, CasecodeError, OptionError, TranscriptError
from casecode.load import captions, docx, html, odt, pdf, rtf, spreadsheet, table, text  # noqa: F401  (register readers)
from casecode.load.cases import MANIFEST_NAMES, CasesManifest, find_manifest, read_manifest
from casecode.load.registry import DEFAULT_SPEAKER_PATTERN, READERS, RawDocument, ReadOptions, detect_turns, reader
from casecode.load.text import split_front_matter
from casecode.model import Document

__all__ = [
    "Corpus",
    "CorpusSource",
    "DEFAULT_SPEAKER_PATTERN",
    "READERS",
    "ReadOptions",
    "detect_turns",
    "discover",
    "load_corpus",
    "read_document",
    "reader",
    "scan_corpus",
    "split_front_matter",
]

CaseFrom = Literal["folder"]
RESERVED_KEYS = ("case", "id")
IGNORED_NAMES = ("README*", "readme*", "LICENSE*", ".*", "~$*")


@dataclass(frozen=True)
class Corpus:
    """Loaded documents plus what was looked at and left out (with the reason)."""

    documents: tuple[Document, ...]
    ignored: tuple[tuple[str, str], ...] = ()
    manifest: str | None = None
    case_labels: dict[str, str] = field(default_factory=dict)
    failed: tuple[tuple[str, str], ...] = ()  # (path, error) of files left out by keep_going


@dataclass(frozen=True)
class _Found:
    path: Path
    root: Path  # ids are relative to this folder


def discover(paths: Sequence[str | Path], *, exclude: Iterable[str] = ()) -> tuple[list[_Found], list[tuple[str, str]]]:
    """Expand files and folders into transcript files, in a stable order.

    Returns (files, ignored) where ignored lists ``(path, reason)`` for files in the
    folders that casecode did not read, so nothing is left out silently.
    """
    found: list[_Found] = []
    ignored: list[tuple[str, str]] = []
    excludes = tuple(exclude)
    for given in paths:
        path = Path(given)
        if path.is_dir():
            results_dirs = sorted(p.parent for p in path.rglob("manifest.json") if (p.parent / "segments.csv").is_file())
            for folder in results_dirs:
                ignored.append((folder.as_posix() + "/", "a casecode results folder, not transcripts"))
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = file.relative_to(path).as_posix()
                if any(part.startswith(".") for part in file.relative_to(path).parts):
                    continue
                if any(file.is_relative_to(folder) for folder in results_dirs):
                    continue
                if file.name in MANIFEST_NAMES:
                    continue
                if any(fnmatch.fnmatchcase(rel, g) or fnmatch.fnmatchcase(file.name, g) for g in excludes):
                    ignored.append((file.as_posix(), "excluded by --exclude"))
                elif any(fnmatch.fnmatchcase(file.name, g) for g in IGNORED_NAMES):
                    ignored.append((file.as_posix(), "documentation file, not a transcript"))
                elif file.suffix.lower() not in READERS:
                    ignored.append((file.as_posix(), f"no reader for '{file.suffix or file.name}'"))
                else:
                    found.append(_Found(file, path))
        elif path.is_file():
            if path.suffix.lower() not in READERS:
                raise TranscriptError(f"{path}: no reader for '{path.suffix}' files", hint=f"casecode reads {', '.join(sorted(READERS))}")
            found.append(_Found(path, path.parent))
        else:
            raise TranscriptError(f"{path}: no such file or folder", hint="check the path")
    return found, ignored


def read_document(path: str | Path, options: ReadOptions | None = None) -> list[RawDocument]:
    """Read one transcript file with the reader registered for its suffix."""
    path = Path(path)
    options = options or ReadOptions()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read ({exc.strerror})", hint="check the file's permissions") from None
    if not data.strip():
        raise TranscriptError(f"{path}: the file is empty", hint="remove it from the inputs or add the transcript")
    try:
        return READERS[path.suffix.lower()](path, data, options)
    except CasecodeError:
        raise
    except (Exception, RecursionError) as exc:  # a damaged file that a parser library chokes on
        suffix = path.suffix.lower()
        raise TranscriptError(f"{path}: not a readable {suffix} file ({type(exc).__name__})", hint=f"re-save or re-export it as {suffix}; if it opens elsewhere, please report it") from None


def _same(a: Any, b: Any) -> bool:
    return str(a).strip() == str(b).strip()


def _assign(found: _Found, raw: RawDocument, doc_id: str, manifest: CasesManifest | None, case_from: CaseFrom | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Work out a document's case, case attributes and document attributes."""
    where = found.path.as_posix()
    sources: list[tuple[str, str]] = []
    if raw.metadata.get("case") not in (None, ""):
        sources.append(("front matter", str(raw.metadata["case"]).strip()))
    names = [doc_id, found.path.relative_to(found.root).as_posix()]
    if manifest is not None:
        rel = found.path.resolve()
        try:
            rel_to_manifest = rel.relative_to(manifest.path.parent.resolve()).as_posix()
            names += [rel_to_manifest, rel_to_manifest.rsplit(".", 1)[0]]
        except ValueError:
            pass
        matches = manifest.case_for(names)
        if len(matches) > 1:
            raise CaseAssignmentError(f"{where}: {manifest.path} puts this document in several cases ({', '.join(matches)})", hint="make the document globs of those cases not overlap")
        if matches:
            sources.append((str(manifest.path), matches[0]))
    if case_from == "folder":
        parent = found.path.parent
        folder = parent.name if parent.resolve() != found.root.resolve() else None
        if folder:
            sources.append(("--case-from folder", folder))
    if not sources:
        raise CaseAssignmentError(
            f"{where}: no case for this document",
            hint="add 'case: ID' to its front matter, list it in a cases.yaml manifest (--cases), or pass --case-from folder",
        )
    distinct = {value for _, value in sources}
    if len(distinct) > 1:
        said = "; ".join(f"{src} says {value!r}" for src, value in sources)
        raise CaseAssignmentError(f"{where}: conflicting cases: {said}", hint="make the sources agree, or drop one of them")
    case_id = sources[0][1]
    case_attrs: dict[str, Any] = {}
    if manifest is not None and (entry := manifest.case(case_id)) is not None:
        case_attrs = dict(entry.attributes)
    doc_attrs = {k: v for k, v in raw.metadata.items() if k not in RESERVED_KEYS}
    if manifest is not None:
        for key, value in manifest.attributes_for(names).items():
            if key in doc_attrs and not _same(doc_attrs[key], value):
                raise CaseAssignmentError(f"{where} ({key}): front matter says {doc_attrs[key]!r} but {manifest.path} says {value!r}", hint="make them agree or remove one")
            doc_attrs.setdefault(key, value)
    for key, value in doc_attrs.items():
        if key in case_attrs and not _same(case_attrs[key], value):
            raise CaseAssignmentError(f"{where} ({key}): the document says {value!r} but its case {case_id!r} says {case_attrs[key]!r}", hint="make them agree or remove one")
    return case_id, case_attrs, doc_attrs


def check_document_id(doc_id: str, where: Path) -> str:
    """Refuse ids that could escape the results folder's texts/ (they become file paths)."""
    parts = doc_id.split("/")
    if not doc_id or doc_id.startswith("/") or any(p in ("", ".", "..") for p in parts) or any(c in doc_id for c in "\\\x00"):
        raise TranscriptError(f"{where}: document id {doc_id!r} is not a safe relative name", hint="ids may not be empty, contain '..' or '\\', or start with '/'; set a plain 'id:' in the front matter")
    return doc_id


def _scalar(value: Any) -> Any:
    # YAML turns 2011-06-14 into a date; keep attributes as plain JSON-able values.
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


@dataclass
class CorpusSource:
    """Transcripts found and a manifest read, ready to be loaded one document at a time.

    ``documents()`` reads each file only when it is reached, so a corpus of any size
    can be coded without holding every text in memory. Files that fail with
    ``keep_going`` are listed in ``failed`` as they are met. Reading it twice reads
    the files twice.
    """

    paths: tuple[str, ...]
    found: list[_Found]
    ignored: tuple[tuple[str, str], ...]
    manifest: CasesManifest | None
    manifest_path: Path | None
    options: ReadOptions
    case_from: CaseFrom | None = None
    keep_going: bool = False
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def case_labels(self) -> dict[str, str]:
        return {c.id: c.label for c in self.manifest.cases} if self.manifest else {}

    def sizes(self) -> list[int]:
        """Each transcript file's size in bytes (0 for one that cannot be read now)."""
        found = []
        for item in self.found:
            try:
                found.append(item.path.stat().st_size)
            except OSError:  # reported when the file is read
                found.append(0)
        return found

    def documents(self) -> Iterator[Document]:
        """Read and yield the documents in discovery order (raises as ``load_corpus`` does)."""
        pattern = self.options.compiled_speaker_pattern()
        seen: dict[str, str] = {}
        self.failed.clear()
        count = 0
        for item in self.found:
            try:
                documents = _load_file(item, self.options, self.manifest, self.case_from, pattern, seen)
            except OptionError:
                raise
            except CasecodeError as exc:
                if not self.keep_going:
                    raise
                self.failed.append((item.path.as_posix(), str(exc)))
                continue
            count += len(documents)
            yield from documents
        if not count:
            failed = self.failed
            raise TranscriptError(f"{', '.join(self.paths)}: none of the {len(self.found)} transcript(s) could be read", hint=f"the first error: {failed[0][1] if failed else 'none'}")

    def corpus(self, documents: Iterable[Document] = ()) -> Corpus:
        """A :class:`Corpus` of this source holding ``documents``."""
        return Corpus(
            documents=tuple(documents),
            ignored=self.ignored,
            manifest=self.manifest_path.as_posix() if self.manifest_path else None,
            case_labels=self.case_labels,
            failed=tuple(self.failed),
        )


def scan_corpus(
    paths: Sequence[str | Path],
    *,
    cases: str | Path | None = None,
    case_from: CaseFrom | None = None,
    options: ReadOptions | None = None,
    exclude: Iterable[str] = (),
    keep_going: bool = False,
) -> CorpusSource:
    """Find the transcripts and read the cases manifest, without reading any transcript.

    Same arguments as :func:`load_corpus`; call ``.documents()`` on the result to stream
    the documents.

    Example:
        >>> source = scan_corpus(["transcripts_example"])  # doctest: +SKIP
        >>> for document in source.documents(): ...  # doctest: +SKIP
    """
    options = options or ReadOptions()
    options.compiled_speaker_pattern()  # a bad pattern fails before any work
    manifest_path = Path(cases) if cases else None
    if manifest_path is None:
        for given in paths:
            if Path(given).is_dir() and (candidate := find_manifest(Path(given))):
                manifest_path = candidate
                break
    manifest = read_manifest(manifest_path) if manifest_path else None
    found, ignored = discover(paths, exclude=exclude)
    if not found:
        raise TranscriptError(f"{', '.join(map(str, paths))}: no transcripts found", hint=f"casecode reads {', '.join(sorted(READERS))}")
    return CorpusSource(tuple(str(p) for p in paths), found, tuple(ignored), manifest, manifest_path, options, case_from, keep_going)


def load_corpus(
    paths: Sequence[str | Path],
    *,
    cases: str | Path | None = None,
    case_from: CaseFrom | None = None,
    options: ReadOptions | None = None,
    exclude: Iterable[str] = (),
    keep_going: bool = False,
) -> Corpus:
    """Load transcripts (files or folders) into documents with cases and attributes.

    Args:
        paths: transcript files and/or folders (searched recursively).
        cases: a cases.yaml / cases.csv manifest. If omitted, a manifest named
            cases.yaml/cases.csv at the top of a given folder is used.
        case_from: "folder" to take the case from each file's parent folder name.
        options: reader options (encoding, speaker pattern, CSV columns).
        exclude: glob patterns of files to leave out (listed as ignored).
        keep_going: a file that cannot be read or given a case is listed in
            ``Corpus.failed`` instead of stopping the load.

    Raises:
        TranscriptError, CaseAssignmentError, ManifestError.

    Example:
        >>> corpus = load_corpus(["transcripts_example"])  # doctest: +SKIP
    """
    source = scan_corpus(paths, cases=cases, case_from=case_from, options=options, exclude=exclude, keep_going=keep_going)
    documents = tuple(source.documents())
    return source.corpus(documents)


def _load_file(item: _Found, options: ReadOptions, manifest: CasesManifest | None, case_from: CaseFrom | None, pattern: Any, seen: dict[str, str]) -> list[Document]:
    """The documents in one file (all or none: an error leaves ``seen`` unchanged)."""
    data_hash = hashlib.sha256(item.path.read_bytes()).hexdigest()
    base_id = item.path.relative_to(item.root).with_suffix("").as_posix()
    documents: list[Document] = []
    ids: dict[str, str] = {}
    for raw in read_document(item.path, options):
        doc_id = str(raw.metadata.get("id") or base_id)
        if raw.key:
            doc_id = f"{doc_id}/{raw.key}"
        check_document_id(doc_id, item.path)
        if doc_id in seen or doc_id in ids:
            raise TranscriptError(f"{item.path}: document id {doc_id!r} is also used by {seen.get(doc_id) or ids[doc_id]}", hint="rename one file, or set a distinct 'id:' in its front matter")
        ids[doc_id] = item.path.as_posix()
        case_id, case_attrs, doc_attrs = _assign(item, raw, doc_id, manifest, case_from)
        turns = raw.turns if raw.turns is not None else detect_turns(raw.text, pattern)
        documents.append(
            Document(
                id=doc_id,
                source=item.path.as_posix(),
                text=raw.text,
                case=case_id,
                format=item.path.suffix.lower().lstrip("."),
                sha256=data_hash,
                turns=turns,
                attributes={k: _scalar(v) for k, v in doc_attrs.items()},
                case_attributes={k: _scalar(v) for k, v in case_attrs.items()},
            )
        )
    seen.update(ids)
    return documents
