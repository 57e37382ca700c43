"""The domain nouns: frozen dataclasses that flow one way through casecode.

Offsets everywhere are 0-based Unicode code points into a document's normalised text,
end exclusive, so ``document.text[start:end]`` is the span exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal, Mapping

Unit = Literal["sentence", "turn", "paragraph"]
UNITS: tuple[Unit, ...] = ("sentence", "turn", "paragraph")


@dataclass(frozen=True)
class Turn:
    """One speaker turn: the content span, without the speaker label.

    Attributes:
        speaker: the speaker label as written ("Interviewer", "R1"), or None.
        start, end: offsets of the turn's content (label and colon excluded).
        label_start: offset where the speaker label begins (== start when there is none).
    """

    speaker: str | None
    start: int
    end: int
    label_start: int


@dataclass(frozen=True)
class Document:
    """A transcript after loading: normalised text, case, attributes, speaker turns."""

    id: str
    source: str
    text: str
    case: str
    format: str
    sha256: str
    turns: tuple[Turn, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)
    case_attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """A coding unit inside one turn: a sentence, a paragraph or the whole turn."""

    document: str
    unit: Unit
    index: int
    start: int
    end: int
    speaker: str | None
    turn: int


@dataclass(frozen=True)
class Coding:
    """One code applied to one segment, with the rule and the words that triggered it."""

    document: str
    case: str
    speaker: str | None
    unit: Unit
    segment: int
    start: int
    end: int
    theme: str
    code: str
    rule: str
    rules: str
    matched: str
    match_start: int
    match_end: int
    negated: bool
    origin: str = "auto"

    @classmethod
    def of_values(cls, values: tuple[Any, ...]) -> "Coding":
        """A coding from all its field values in order (what ``Coding(*values)`` gives).

        For the engine, which makes one per coded segment: it skips the frozen
        dataclass's per-field ``object.__setattr__`` calls.
        """
        coding = object.__new__(cls)
        coding.__dict__.update(zip(_CODING_FIELDS, values))
        return coding


_CODING_FIELDS = tuple(Coding.__dataclass_fields__)
#: the order of a document's codings: by start, end, code
CODING_ORDER = attrgetter("start", "end", "code")
