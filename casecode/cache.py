"""A content-addressed cache of NLP-processed documents, so re-coding skips the NLP.

Each entry is one document's speaker turns as parsed spaCy ``Doc`` objects in a
``DocBin`` file. Its name is the SHA-256 of the pipeline fingerprint (pipeline name,
version, components and config, spaCy version — see :func:`casecode.nlp.pipeline_info`),
the casecode version and the turns' normalised text: change any of them and the old
entry is simply never looked up again. Nothing else is stored (no file names, cases or
attributes), and the whole folder can be deleted at any time.

The cache pays for trained pipelines (``--model``): reloading a ``DocBin`` is two
orders of magnitude faster than parsing again. For the blank pipeline it barely does,
so ``cache=None`` ("auto") uses it only with ``--model``.

Location: ``--cache-dir``, else ``$CASECODE_CACHE_DIR``, else the user's cache folder
(``$XDG_CACHE_HOME/casecode`` or ``~/.cache/casecode``; ``~/Library/Caches/casecode`` on
macOS; ``%LOCALAPPDATA%\\casecode\\Cache`` on Windows). Entries live in a ``docs-v1``
sub-folder.

Beside it, ``matches-v1`` holds what coding derives from each parsed document (see
:class:`MatchCache`): its sentence spans and, per rule, the rule's matches with their
negation flags. A rule's matches are filed under a hash of the rule's definition, so
after a codebook edit only the edited rules need the parsed document; when every rule
is there the ``DocBin`` is not even read. A document's token table (the per-token arrays
a phrase rule is matched on, :mod:`casecode.coding.tokentable`) sits beside its entry too: an edited
phrase rule is matched again on it, without the ``DocBin``. ``casecode cache clear``
removes these two folders and nothing else.

Reading an entry marks it used (its modification time), so ``casecode cache clear
--unused-for DAYS`` can remove only what no run has needed for that long: the parsed
text of transcripts that have since been edited or dropped, of models no longer used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from casecode.errors import OptionError

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

# spaCy is imported where a DocBin is read or written, so that `casecode cache info`,
# `cache clear` and `--help` start without it.

ENV = "CASECODE_CACHE_DIR"
ENTRIES = "docs-v1"
MATCHES = "matches-v1"
MATCH_SUFFIX = ".json"
VOCAB_SUFFIX = ".vocab"
TOKENS_SUFFIX = ".tokens"
LINEAGE_SUFFIX = ".lineage"
LINEAGES = "lineages"
SUFFIX = ".spacy"
TAG = "CACHEDIR.TAG"
TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# casecode NLP cache: safe to delete; see 'casecode cache info'.\n"


def default_cache_dir() -> Path:
    """The platform's per-user cache folder for casecode (without the environment variable)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "casecode" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "casecode"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "casecode"


def resolve_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """Where the cache lives: the argument, else ``$CASECODE_CACHE_DIR``, else the default.

    Raises:
        OptionError: the place is a file (every cache write would fail, unseen).
    """
    if cache_dir:
        root, given = Path(cache_dir).expanduser(), f"--cache-dir {cache_dir}"
    elif os.environ.get(ENV):
        root, given = Path(os.environ[ENV]).expanduser(), f"{ENV}={os.environ[ENV]}"
    else:
        root, given = default_cache_dir(), f"the cache folder {default_cache_dir()}"
    if root.exists() and not root.is_dir():
        raise OptionError(f"{given}: is a file, not a folder", hint="name a folder for the cache (it is created if missing), or leave it unset for the default")
    return root


def entry_key(fingerprint: str, texts: Sequence[str], *, version: str = "") -> str:
    """The content address of one document's turns processed by one pipeline."""
    digest = hashlib.sha256()
    digest.update(f"{fingerprint}\x1e{version}\x1e{len(texts)}".encode())
    for text in texts:
        digest.update(b"\x1e")
        digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class DocCache:
    """Get and put processed turns for one pipeline (one fingerprint).

    Writes go to a temporary file first and are renamed into place, so several
    processes may share one cache; an unreadable entry is treated as missing.
    """

    def __init__(self, root: str | Path, fingerprint: str, vocab: Vocab, *, version: str = "") -> None:
        self.root = Path(root)
        self.folder = self.root / ENTRIES / fingerprint
        self.fingerprint = fingerprint
        self.vocab = vocab
        self.version = version
        self.hits = 0
        self.misses = 0

    def path(self, texts: Sequence[str]) -> Path:
        key = entry_key(self.fingerprint, texts, version=self.version)
        return self.folder / key[:2] / f"{key}{SUFFIX}"

    def get(self, texts: Sequence[str]) -> list[Doc] | None:
        """The cached docs for these turn texts, or None."""
        from spacy.tokens import DocBin

        path = self.path(texts)
        try:
            data = path.read_bytes()
            docs = list(DocBin().from_bytes(data).get_docs(self.vocab))
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # a truncated or foreign file: recompute and overwrite it
            self.misses += 1
            return None
        # The key is a SHA-256 of the texts; the count guards against a foreign file.
        if len(docs) != len(texts):
            self.misses += 1
            return None
        self.hits += 1
        _mark_used(path)
        return docs

    def put(self, texts: Sequence[str], docs: Sequence[Doc]) -> None:
        """Store docs; failures to write (read-only or full disk) only cost speed."""
        from spacy.tokens import DocBin

        path = self.path(texts)
        bin_ = DocBin(store_user_data=False)
        for doc in docs:
            bin_.add(doc)
        try:
            _ensure_root(self.root)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(bin_.to_bytes())
            os.replace(tmp, path)
        except OSError:
            return


#: Rule keys that do not change a rule's raw matches (see rule_digest).
AFTER_MATCHING = frozenset({"note", "helper", "negated"})


def rule_digest(rule: Any, *, unit: str) -> str:
    """A stable hash of everything that decides one rule's raw matches.

    The rule's definition and its match attribute; for a ``near`` rule also the code's
    coding unit (its two terms are paired within one unit). Keys that only act after
    matching (``note``, ``helper``, ``negated``: the negation flag is stored, the mode
    applied later) are left out, so editing them re-uses the cached matches.
    """
    definition = json.dumps(rule.model_dump(by_alias=True, mode="json", exclude=AFTER_MATCHING), sort_keys=True, ensure_ascii=False)
    extra = unit if rule.near is not None else ""
    return hashlib.sha256(f"{definition}\x1e{rule.match_attr}\x1e{extra}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def phrase_lineage(rule: Any) -> tuple[str, tuple[str, ...]] | None:
    """For a rule that is a list of phrases (``phrases`` or ``exclude``): its shape and phrases.

    The shape is a digest of everything but the phrase list. A rule whose shape is
    unchanged and which only gained phrases, none of which can occur in a document,
    has the same matches in that document as before: see :meth:`DocumentCoder._grown
    <casecode.coding.backends.DocumentCoder>`.
    """
    for name in ("phrases", "exclude"):
        phrases = getattr(rule, name, None)
        if phrases is not None:
            return rule_digest(rule.model_copy(update={name: []}), unit=""), tuple(phrases)
    return None


def vocabulary(docs: Sequence[Doc]) -> dict[str, list[int]]:
    """The distinct lower-case forms, lemmas and texts (string hashes) of a document's turns."""
    from spacy.attrs import LEMMA, LOWER, ORTH

    found: dict[str, set[int]] = {"lower": set(), "lemma": set(), "text": set()}
    for doc in docs:
        if len(doc):
            for name, column in zip(found, doc.to_array([LOWER, LEMMA, ORTH]).T):
                found[name].update(column.tolist())
    return {name: sorted(values) for name, values in found.items()}


class MatchCache:
    """Get and put what coding derives from one document's parsed turns.

    An entry is a JSON object ``{"turns": n, "sentences": [...], "rules": {digest:
    records}}`` addressed like a :class:`DocCache` entry (pipeline fingerprint, casecode
    version, turn texts). ``rules`` maps :func:`rule_digest` to the rule's records
    (see :meth:`casecode.coding.engine.Engine.derive`); records of earlier versions of
    a rule stay, so undoing an edit is a hit too. The entry's lineage holds the
    digest, shape and phrases last seen for each phrase rule and, in a file beside the
    entry, the document's :func:`vocabulary` (read only after such a rule changed), so
    that a phrase added to a rule needs the parsed document only where its words occur.
    A lineage is the same for every document coded with one codebook: it is kept once,
    in a file named by its hash (``lineages/``), and an entry's ``lineage_ref`` names
    it (entries that hold their ``lineage`` themselves are read as well).
    """

    def __init__(self, root: str | Path, fingerprint: str, *, version: str = "") -> None:
        self.root = Path(root)
        self.folder = self.root / MATCHES / fingerprint
        self.fingerprint = fingerprint
        self.version = version
        self.hits = 0  # documents served without their parsed turns
        self.partial = 0  # documents for which some rules were missing
        self.misses = 0
        self.tables = 0  # documents whose edited phrase rules were matched on their token table
        self._lineages: dict[str, dict[str, Any]] = {}  # read or written in this process, by reference
        self._used: set[str] = set()  # lineages marked used by this process

    def path(self, texts: Sequence[str]) -> Path:
        key = entry_key(self.fingerprint, texts, version=self.version)
        return self.folder / key[:2] / f"{key}{MATCH_SUFFIX}"

    def get(self, texts: Sequence[str]) -> dict[str, Any] | None:
        """The cached entry for these turn texts, or None (also when unreadable)."""
        path = self.path(texts)
        try:
            entry = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("turns") != len(texts) or not isinstance(entry.get("rules"), dict):
            return None
        if not isinstance(entry.get("sentences"), list) or len(entry["sentences"]) != len(texts):
            return None
        _mark_used(path)
        ref = entry.get("lineage_ref")
        if isinstance(ref, str) and ref not in self._used:  # the lineage is in use while an entry names it
            self._used.add(ref)
            _mark_used(self._lineage_path(ref))
        return entry

    def get_vocabulary(self, texts: Sequence[str]) -> dict[str, list[int]] | None:
        """The document's :func:`vocabulary`, kept beside its entry (read only when needed)."""
        try:
            found = json.loads(self.path(texts).with_suffix(VOCAB_SUFFIX).read_bytes())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def put_vocabulary(self, texts: Sequence[str], vocab: dict[str, list[int]]) -> None:
        self._write(self.path(texts).with_suffix(VOCAB_SUFFIX), vocab)

    def get_tokens(self, texts: Sequence[str]) -> dict[str, Any] | None:
        """The document's :func:`~casecode.coding.tokentable.token_table`, kept beside its entry; None if missing or unreadable."""
        import numpy

        from casecode.coding.tokentable import TOKEN_COLUMNS, WORD_COLUMNS

        try:
            with numpy.load(self.path(texts).with_suffix(TOKENS_SUFFIX), allow_pickle=False) as stored:
                table = {name: stored[name] for name in ("values", "words", "turns", "parsed")}
        except (OSError, ValueError, KeyError, EOFError):
            return None
        turns = table["turns"]
        tokens = int(turns.sum()) if len(turns) == len(texts) else -1
        if table["values"].shape != (tokens, len(TOKEN_COLUMNS)) or table["words"].shape != (tokens, len(WORD_COLUMNS)) or len(table["parsed"]) != len(texts):
            return None
        return table

    def put_tokens(self, texts: Sequence[str], table: dict[str, Any]) -> None:
        import numpy

        def write(handle: Any) -> None:
            numpy.savez(handle, **table)

        self._write(self.path(texts).with_suffix(TOKENS_SUFFIX), write)

    def get_lineage(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The entry's lineage (``{}`` if it has none, or its file is missing or unreadable)."""
        inline = entry.get("lineage")
        if isinstance(inline, dict):
            return inline
        ref = entry.get("lineage_ref")
        if not isinstance(ref, str):
            return {}
        found = self._lineages.get(ref)
        if found is None:
            try:
                found = json.loads(self._lineage_path(ref).read_bytes())
            except (OSError, ValueError):
                return {}
            if not isinstance(found, dict):
                return {}
            self._lineages[ref] = found
        return found

    def put_lineage(self, lineage: dict[str, Any]) -> str:
        """Keep a lineage (once); returns the reference an entry stores."""
        data = json.dumps(lineage, sort_keys=True, separators=(",", ":"))
        ref = hashlib.sha256(data.encode()).hexdigest()[:32]
        if ref not in self._lineages:
            path = self._lineage_path(ref)
            if not path.is_file():
                self._write(path, lambda handle: handle.write(data.encode()))
            self._lineages[ref] = lineage
        return ref

    def _lineage_path(self, ref: str) -> Path:
        return self.folder / LINEAGES / f"{ref}{LINEAGE_SUFFIX}"

    def put(self, texts: Sequence[str], entry: dict[str, Any]) -> None:
        """Store an entry atomically; failures to write only cost speed."""
        self._write(self.path(texts), entry)

    def _write(self, path: Path, entry: Any) -> None:
        """Write ``entry`` (JSON, or a function that writes to a binary handle) atomically."""
        try:
            _ensure_root(self.root)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                if callable(entry):
                    entry(handle)
                else:
                    handle.write(json.dumps(entry, separators=(",", ":")).encode())  # dumps, not dump: the C encoder
            os.replace(tmp, path)
        except OSError:
            return


def _mark_used(path: Path) -> None:
    """Set an entry's modification time to now: its last use, for ``clear --unused-for``."""
    try:
        os.utime(path)
    except OSError:  # a read-only cache shared by a team: only pruning is less exact
        pass


def _ensure_root(root: Path) -> None:
    tag = root / TAG
    if not tag.exists():
        root.mkdir(parents=True, exist_ok=True)
        tag.write_text(TAG_TEXT, encoding="utf-8")


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds: entries and bytes, in total and per pipeline fingerprint."""

    path: Path
    entries: int
    bytes: int
    pipelines: dict[str, tuple[int, int]] = field(default_factory=dict)
    match_entries: int = 0
    match_bytes: int = 0
    #: when the least recently used entry was last used (seconds since the epoch), if any
    oldest: float | None = None


def cache_info(cache_dir: str | Path | None = None) -> CacheInfo:
    """Count the cache's entries and their size.

    Example:
        >>> cache_info().entries  # doctest: +SKIP
        1284
    """
    root = resolve_cache_dir(cache_dir)
    entries = root / ENTRIES
    found = (root / MATCHES).is_dir()
    # last use by (fingerprint, key): a parsed document is in use while its match entry is
    matches = {(f.parent.parent.name, f.stem): f.stat() for f in (root / MATCHES).glob(f"*/*/*{MATCH_SUFFIX}") if f.is_file()} if found else {}
    beside = [f.stat() for suffix in (VOCAB_SUFFIX, TOKENS_SUFFIX, LINEAGE_SUFFIX) for f in (root / MATCHES).glob(f"*/*/*{suffix}") if f.is_file()] if found else []
    used = {key: stat.st_mtime for key, stat in matches.items()}
    pipelines: dict[str, tuple[int, int]] = {}
    if entries.is_dir():
        for folder in sorted(p for p in entries.iterdir() if p.is_dir()):
            files = [f for f in folder.glob(f"*/*{SUFFIX}") if f.is_file()]
            stats = [f.stat() for f in files]
            pipelines[folder.name] = (len(stats), sum(s.st_size for s in stats))
            for path, stat in zip(files, stats):
                key = (folder.name, path.stem)
                used[key] = max(stat.st_mtime, used.get(key, 0.0))
    total = sum(n for n, _ in pipelines.values())
    size = sum(b for _, b in pipelines.values())
    return CacheInfo(root, total, size, pipelines, len(matches), sum(s.st_size for s in [*matches.values(), *beside]), min(used.values(), default=None))


def clear_cache(cache_dir: str | Path | None = None, *, unused_days: float | None = None) -> CacheInfo:
    """Delete every cache entry (only the ``docs-v1`` and ``matches-v1`` folders); returns what was removed.

    Args:
        unused_days: delete only the entries no run has read or written for this many
            days (see :func:`prune_cache`).

    Example:
        >>> clear_cache().entries  # doctest: +SKIP
        1284
        >>> clear_cache(unused_days=30).entries  # doctest: +SKIP
        212
    """
    if unused_days is not None:
        return prune_cache(cache_dir, unused_days=unused_days)
    before = cache_info(cache_dir)
    for entries in (before.path / ENTRIES, before.path / MATCHES):
        if entries.is_dir():
            try:
                shutil.rmtree(entries)
            except OSError as exc:
                raise OptionError(f"{entries}: cannot delete the cache ({exc.strerror})", hint="check the folder's permissions, or delete it by hand") from None
    return before


def prune_cache(cache_dir: str | Path | None = None, *, unused_days: float, now: float | None = None) -> CacheInfo:
    """Delete the entries no run has used for ``unused_days`` days; returns what was removed.

    An entry's last use is its modification time: set when it is written and each time
    a run reads it. A parsed document counts as used while its match entry is (a run
    whose rules are all cached reads only that). A match entry goes with the vocabulary
    and token table beside it; a codebook's phrase lineage (``lineages/``) goes when no
    entry naming it has been used for as long. Folders left empty are removed. What
    stays is untouched, and a run that needs a removed entry computes it again.

    Raises:
        OptionError: ``unused_days`` is negative, or a file cannot be deleted.

    Example:
        >>> prune_cache(unused_days=90).entries  # doctest: +SKIP
        57
    """
    if unused_days < 0:
        raise OptionError(f"--unused-for {unused_days:g}: must be 0 days or more", hint="give how many days an entry must have gone unused, e.g. --unused-for 30")
    root = resolve_cache_dir(cache_dir)
    cutoff = (time.time() if now is None else now) - unused_days * 86400
    pipelines: dict[str, tuple[int, int]] = {}
    match_entries = match_bytes = 0
    folders: set[Path] = set()

    def stale(path: Path) -> int | None:
        """The file's size if it is older than the cut-off (None if not, or gone)."""
        try:
            stat = path.stat()
        except OSError:
            return None
        return stat.st_size if stat.st_mtime < cutoff else None

    def remove(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise OptionError(f"{path}: cannot delete the cache entry ({exc.strerror})", hint="check the folder's permissions, or delete the cache with 'casecode cache clear'") from None
        folders.add(path.parent)

    if (root / ENTRIES).is_dir():
        for path in sorted((root / ENTRIES).glob(f"*/*/*{SUFFIX}")):
            size = stale(path)
            twin = root / MATCHES / path.relative_to(root / ENTRIES).with_suffix(MATCH_SUFFIX)  # same fingerprint and key
            if size is not None and (not twin.exists() or stale(twin) is not None):
                remove(path)
                count, total = pipelines.get(path.parent.parent.name, (0, 0))
                pipelines[path.parent.parent.name] = (count + 1, total + size)
    if (root / MATCHES).is_dir():
        for path in sorted((root / MATCHES).glob(f"*/*/*{MATCH_SUFFIX}")):
            size = stale(path)
            if size is not None:
                remove(path)
                match_entries += 1
                match_bytes += size
        # beside files go with their entry; left alone (an entry being written), by their own age
        for suffix in (VOCAB_SUFFIX, TOKENS_SUFFIX, LINEAGE_SUFFIX):
            for path in sorted((root / MATCHES).glob(f"*/*/*{suffix}")):
                if suffix != LINEAGE_SUFFIX and path.with_suffix(MATCH_SUFFIX).exists():
                    continue
                size = stale(path)
                if size is not None:
                    remove(path)
                    match_bytes += size
    for top in (ENTRIES, MATCHES):  # temporary files of writes that never finished
        if (root / top).is_dir():
            for path in sorted((root / top).glob("*/*/.*.tmp")):
                if stale(path) is not None:
                    remove(path)
    for folder in sorted(folders | {f.parent for f in folders}, key=lambda f: len(f.parts), reverse=True):
        try:
            folder.rmdir()  # only if empty
        except OSError:
            pass
    entries = sum(n for n, _ in pipelines.values())
    return CacheInfo(root, entries, sum(b for _, b in pipelines.values()), pipelines, match_entries, match_bytes)


__all__ = ["CacheInfo", "DocCache", "MatchCache", "cache_info", "clear_cache", "default_cache_dir", "entry_key", "phrase_lineage", "prune_cache", "resolve_cache_dir", "rule_digest", "vocabulary"]
