"""Coding units: sentences, paragraphs and whole turns, never crossing a speaker turn."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Iterable, Iterator, overload

from casecode.coding.tokens import TurnTokens, trimmed
from casecode.model import Document, Segment, Turn

if TYPE_CHECKING:
    from spacy.tokens import Doc

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str, turn: Turn) -> list[tuple[int, int]]:
    """Paragraph spans (document offsets) inside one turn, split at blank lines."""
    if text.find("\n", turn.start, turn.end) < 0:  # one paragraph: the common case, without the regex
        start, end = trimmed(text, turn.start, turn.end)
        return [(start, end)] if end > start else []
    body = text[turn.start : turn.end]
    spans = []
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(body):
        start, end = trimmed(body, position, match.start())
        if end > start:
            spans.append((turn.start + start, turn.start + end))
        position = match.end()
    start, end = trimmed(body, position, len(body))
    if end > start:
        spans.append((turn.start + start, turn.start + end))
    return spans


def sentences(doc: Doc, turn: Turn, text: str | None = None) -> list[tuple[int, int]]:
    """Sentence spans (document offsets) from a processed turn.

    The same spans as ``doc.sents`` (trimmed), read from the token arrays instead of
    creating a Span per sentence. ``text`` is the turn's text if the caller has it.
    """
    return TurnTokens(doc, text).sentences(turn.start)


#: a coding unit's span: (start, end, turn index), document offsets
UnitSpan = tuple[int, int, int]


def unit_spans(document: Document, turn_sentences: list[list[tuple[int, int]]]) -> dict[str, list[UnitSpan]]:
    """All coding units of a document from each turn's sentence spans (offsets in the turn).

    Paragraphs and turns come from the text alone, so with the sentence spans known
    (e.g. from the match cache) no processed ``Doc`` is needed. A unit's index is its
    position in its list.
    """
    text = document.text
    sentence: list[UnitSpan] = []
    paragraph: list[UnitSpan] = []
    whole: list[UnitSpan] = []
    for turn_index, (turn, sents) in enumerate(zip(document.turns, turn_sentences)):
        whole.append((turn.start, turn.end, turn_index))
        found = paragraphs(text, turn)
        if len(found) == 1:
            paragraph.append((*found[0], turn_index))
        else:
            paragraph.extend([(start, end, turn_index) for start, end in found])
        offset = turn.start
        sentence.extend([(offset + start, offset + end, turn_index) for start, end in sents])
    return {"sentence": sentence, "paragraph": paragraph, "turn": whole}


class DocumentUnits(Sequence[Segment]):
    """Every coding unit of one document, as :class:`Segment` objects made on demand.

    A document has many more units than codings, and most are only ever written to
    units.csv: they are held as compact spans, in the order units.csv lists them (by
    unit name, then index).

    Args:
        document: the document id.
        speakers: each turn's speaker.
        spans: each unit's spans, as :func:`unit_spans` gives them.
    """

    __slots__ = ("document", "speakers", "spans", "_order")

    def __init__(self, document: str, speakers: Sequence[str | None], spans: Mapping[str, list[UnitSpan]]) -> None:
        self.document = document
        self.speakers = tuple(speakers)
        self.spans = {unit: spans[unit] for unit in sorted(spans)}
        self._order: list[tuple[str, int]] | None = None

    @classmethod
    def none(cls, document: str) -> "DocumentUnits":
        """No units (a document whose coding failed)."""
        return cls(document, (), {})

    @classmethod
    def from_segments(cls, document: str, segments: Iterable[Segment]) -> "DocumentUnits":
        """The units of one document, given as :class:`Segment` objects (indexes must run 0, 1, ...)."""
        speakers: dict[int, str | None] = {}
        spans: dict[str, list[UnitSpan]] = {}
        for segment in sorted(segments, key=lambda s: (s.unit, s.index)):
            found = spans.setdefault(segment.unit, [])
            if segment.index != len(found):
                raise ValueError(f"{document}: {segment.unit} units are not numbered 0, 1, ... (found {segment.index} at {len(found)})")
            found.append((segment.start, segment.end, segment.turn))
            speakers[segment.turn] = segment.speaker
        turns = [speakers.get(turn) for turn in range(max(speakers, default=-1) + 1)]
        return cls(document, turns, spans)

    def of(self, unit: str) -> list[Segment]:
        """The units of one kind ("sentence", "paragraph", "turn"), in text order."""
        return [self._segment(unit, index, span) for index, span in enumerate(self.spans.get(unit, []))]

    def rows(self) -> Iterator[tuple[str, str, int, int, int, str | None, int]]:
        """(document, unit, index, start, end, speaker, turn) of every unit, without Segment objects."""
        document, speakers = self.document, self.speakers
        for unit, found in self.spans.items():
            for index, (start, end, turn) in enumerate(found):
                yield document, unit, index, start, end, speakers[turn], turn

    def _segment(self, unit: str, index: int, span: UnitSpan) -> Segment:
        start, end, turn = span
        return Segment(self.document, unit, index, start, end, self.speakers[turn], turn)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return sum(len(found) for found in self.spans.values())

    def __iter__(self) -> Iterator[Segment]:
        for row in self.rows():
            yield Segment(*row)  # type: ignore[arg-type]

    @overload
    def __getitem__(self, position: int) -> Segment: ...

    @overload
    def __getitem__(self, position: slice) -> list[Segment]: ...

    def __getitem__(self, position: int | slice) -> Segment | list[Segment]:
        if isinstance(position, slice):
            return list(self)[position]
        if self._order is None:
            self._order = [(unit, index) for unit, found in self.spans.items() for index in range(len(found))]
        unit, index = self._order[position]
        return self._segment(unit, index, self.spans[unit][index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocumentUnits):
            return (self.document, self.speakers, self.spans) == (other.document, other.speakers, other.spans)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DocumentUnits({self.document!r}, {', '.join(f'{len(v)} {k}' for k, v in self.spans.items())})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (DocumentUnits, (self.document, self.speakers, self.spans))
