"""Coding units: sentences, paragraphs and whole turns, never crossing a speaker turn."""

from __future__ import annotations

import re
from typing import Iterator

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc

from casecode.model import Document, Segment, Turn

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def paragraphs(text: str, turn: Turn) -> Iterator[tuple[int, int]]:
    """Paragraph spans (document offsets) inside one turn, split at blank lines."""
    body = text[turn.start : turn.end]
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        start, end = _trimmed(body, position, match.start())
        if end > start:
            yield turn.start + start, turn.start + end
        position = match.end()
    start, end = _trimmed(body, position, len(body))
    if end > start:
        yield turn.start + start, turn.start + end


def sentences(doc: Doc, turn: Turn, text: str | None = None) -> Iterator[tuple[int, int]]:
    """Sentence spans (document offsets) from a processed turn.

    The same spans as ``doc.sents`` (trimmed), read from the sentence-start array
    instead of creating a Span per sentence: a sentence runs from its first token to
    the next sentence's first token, and trimming drops the whitespace in between.
    ``text`` is the turn's text if the caller has it (``doc.text`` is rebuilt token by
    token on every access).
    """
    if not len(doc):
        return
    if text is None:
        text = doc.text
    values = doc.to_array([SENT_START, IDX]).view(numpy.int64)
    starts = numpy.flatnonzero(values[:, 0] == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    offsets = values[:, 1]
    bounds = [int(offsets[i]) for i in starts] + [len(text)]
    for begin, stop in zip(bounds, bounds[1:]):
        start, end = _trimmed(text, begin, stop)
        if end > start:
            yield turn.start + start, turn.start + end


def segment_document(document: Document, turn_docs: list[Doc]) -> dict[str, list[Segment]]:
    """All coding units of a document, by unit, in text order."""
    found = [list(sentences(doc, turn, document.text[turn.start : turn.end])) for turn, doc in zip(document.turns, turn_docs)]
    return segment_spans(document, found)


def segment_spans(document: Document, turn_sentences: list[list[tuple[int, int]]]) -> dict[str, list[Segment]]:
    """All coding units of a document from each turn's sentence spans (document offsets).

    Paragraphs and turns come from the text alone, so with the sentence spans known
    (e.g. from the match cache) no processed ``Doc`` is needed.
    """
    units: dict[str, list[Segment]] = {"sentence": [], "paragraph": [], "turn": []}
    for turn_index, (turn, sents) in enumerate(zip(document.turns, turn_sentences)):
        spans = {
            "turn": [(turn.start, turn.end)],
            "paragraph": list(paragraphs(document.text, turn)),
            "sentence": sents,
        }
        for unit, found in spans.items():
            for start, end in found:
                units[unit].append(Segment(document.id, unit, len(units[unit]), start, end, turn.speaker, turn_index))  # type: ignore[arg-type]
    return units
