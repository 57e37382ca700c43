"""Coding units: sentences, paragraphs and whole turns, never crossing a speaker turn."""

from __future__ import annotations

import re
from typing import Iterator

from spacy.tokens import Doc

from casecode.coding.tokens import TurnTokens, trimmed
from casecode.model import Document, Segment, Turn

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str, turn: Turn) -> Iterator[tuple[int, int]]:
    """Paragraph spans (document offsets) inside one turn, split at blank lines."""
    body = text[turn.start : turn.end]
    if "\n" not in body:  # one paragraph: the common case, without the regex
        start, end = trimmed(body, 0, len(body))
        if end > start:
            yield turn.start + start, turn.start + end
        return
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        start, end = trimmed(body, position, match.start())
        if end > start:
            yield turn.start + start, turn.start + end
        position = match.end()
    start, end = trimmed(body, position, len(body))
    if end > start:
        yield turn.start + start, turn.start + end


def sentences(doc: Doc, turn: Turn, text: str | None = None) -> list[tuple[int, int]]:
    """Sentence spans (document offsets) from a processed turn.

    The same spans as ``doc.sents`` (trimmed), read from the token arrays instead of
    creating a Span per sentence. ``text`` is the turn's text if the caller has it.
    """
    return TurnTokens(doc, text).sentences(turn.start)


def segment_document(document: Document, turn_docs: list[Doc]) -> dict[str, list[Segment]]:
    """All coding units of a document, by unit, in text order."""
    found = [list(sentences(doc, turn, document.text[turn.start : turn.end])) for turn, doc in zip(document.turns, turn_docs)]
    return segment_spans(document, found)


def segment_spans(document: Document, turn_sentences: list[list[tuple[int, int]]]) -> dict[str, list[Segment]]:
    """All coding units of a document from each turn's sentence spans (document offsets).

    Paragraphs and turns come from the text alone, so with the sentence spans known
    (e.g. from the match cache) no processed ``Doc`` is needed.
    """
    text, doc_id = document.text, document.id
    sentence: list[Segment] = []
    paragraph: list[Segment] = []
    whole: list[Segment] = []
    for turn_index, (turn, sents) in enumerate(zip(document.turns, turn_sentences)):
        speaker = turn.speaker
        whole.append(Segment(doc_id, "turn", len(whole), turn.start, turn.end, speaker, turn_index))
        for start, end in paragraphs(text, turn):
            paragraph.append(Segment(doc_id, "paragraph", len(paragraph), start, end, speaker, turn_index))
        for start, end in sents:
            sentence.append(Segment(doc_id, "sentence", len(sentence), start, end, speaker, turn_index))
    return {"sentence": sentence, "paragraph": paragraph, "turn": whole}
