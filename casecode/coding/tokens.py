"""One processed turn's token arrays, read from the ``Doc`` once.

Sentence spans, the character offsets of matches and the negation check all need a few
token attributes. Reading them as plain lists in one ``Doc.to_array`` call, instead of
creating a ``Token`` or ``Span`` per question, is most of what keeps coding cheap next
to the NLP pipeline itself.
"""

from __future__ import annotations

from itertools import compress
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported when arrays are read from a Doc (see TurnTokens)
    import numpy
    from spacy.tokens import Doc


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` moved inwards past whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


#: the column of each list in the token arrays (as :data:`casecode.nlp.TOKEN_ARRAY_ATTRS`)
_COLUMNS = {"idx": 0, "length": 1, "lower": 2, "punct": 3, "sent_start": 4}


class TurnTokens:
    """Token offsets, lower-case forms, punctuation flags and sentence starts of one turn.

    Args:
        doc: the processed turn.
        text: the turn's text if the caller has it (``doc.text`` is rebuilt on every access).
        arrays: the turn's token arrays if the pipeline kept them (columns as
            :data:`casecode.nlp.TOKEN_ARRAY_ATTRS`), else they are read from ``doc``.
        parsed: whether the turn has a dependency parse, if the caller knows.
    """

    __slots__ = ("doc", "text", "idx", "length", "lower", "punct", "sent_start", "_parsed", "_arrays")
    idx: list[int]  # character offset of each token in the turn
    length: list[int]  # its length in characters
    lower: list[int]  # the hash of its lower-case form
    punct: list[int]  # 1 for punctuation
    sent_start: list[int]  # 1 where a sentence starts, else 0

    def __init__(self, doc: Doc, text: str | None = None, *, arrays: numpy.ndarray | None = None, parsed: bool | None = None) -> None:
        self.doc = doc
        self._parsed = parsed
        self.text = doc.text if text is None else text
        # Each list is made on first use: most turns of a corpus have no match, and
        # most matches need only the offsets.
        self._arrays = arrays

    def __getattr__(self, name: str) -> list[int]:  # a column not read yet (its slot not set)
        column = _COLUMNS.get(name)
        if column is None:
            raise AttributeError(name)
        doc, arrays = self.doc, self._arrays
        if arrays is None or len(arrays) != len(doc):
            from spacy.attrs import IDX, IS_PUNCT, LENGTH, LOWER, SENT_START

            arrays = self._arrays = doc.to_array([IDX, LENGTH, LOWER, IS_PUNCT, SENT_START]).reshape(-1, 5)
            # SENT_START is -1/0/1; read unsigned, -1 is not 1 either way.
            arrays[:, 4] = arrays[:, 4] == 1
        values = arrays[:, column].tolist()
        setattr(self, name, values)
        return values

    @property
    def parsed(self) -> bool:
        """Whether the turn has a dependency parse (a trained pipeline's parser ran)."""
        if self._parsed is None:
            self._parsed = self.doc.has_annotation("DEP")
        return self._parsed

    def __len__(self) -> int:
        return len(self.doc)

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets (turn-relative) of tokens ``start:end``."""
        return self.idx[start], self.idx[end - 1] + self.length[end - 1]

    def sentences(self, offset: int = 0) -> list[tuple[int, int]]:
        """Sentence spans, trimmed of surrounding whitespace, shifted by ``offset``.

        The same spans as ``doc.sents``: a sentence runs from its first token to the
        next sentence's first token.
        """
        if not self.idx:
            return []
        text = self.text
        bounds = list(compress(self.idx, self.sent_start))
        if not self.sent_start[0]:
            bounds.insert(0, 0)
        bounds.append(len(text))
        spans = []
        for start, end in zip(bounds, bounds[1:]):
            while end > start and text[end - 1].isspace():
                end -= 1
            while start < end and text[start].isspace():
                start += 1
            if end > start:
                spans.append((offset + start, offset + end))
        return spans
