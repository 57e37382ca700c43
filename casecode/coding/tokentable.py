"""A document's parsed turns as plain arrays: what matching a phrase rule needs.

The match cache keeps one such table beside each document's entry. When a codebook
edit changes phrase rules only (phrases added or removed, an ``exclude`` list, the
``match`` attribute), those rules are matched again on the table: the same records as
:meth:`casecode.coding.engine.Engine.derive` makes from the ``Doc`` objects, without
reading the ``DocBin`` (rebuilding spaCy ``Doc`` objects is most of the cost of a warm
re-code otherwise). A test compares the two on every phrase rule of the example
codebook, with the blank and with a trained pipeline.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Any, Iterable, Sequence

import numpy
from spacy.tokens import Doc

from casecode.coding.negation import cue_before

#: The token table's columns. ``values`` (int64): character offset and length,
#: punctuation flag, sentence start (1 or 0), head and first ``neg`` dependent
#: (turn-relative token indexes; -1 for none). ``words`` (uint64 string hashes): the
#: lower-case form, text and lemma.
TOKEN_COLUMNS = ("idx", "length", "punct", "sent_start", "head", "neg")
WORD_COLUMNS = ("lower", "text", "lemma")


def token_table(docs: Sequence[Doc]) -> dict[str, Any]:
    """What matching a phrase rule needs from a document's parsed turns, as arrays.

    ``values`` and ``words`` have one row per token of all turns (columns
    :data:`TOKEN_COLUMNS` and :data:`WORD_COLUMNS`), ``turns`` holds each turn's token
    count and ``parsed`` whether its dependency parse is there (for the negation
    check). Far smaller and quicker to read than the ``Doc`` objects, and enough to
    find a phrase, place it and tell whether it is negated.
    """
    from spacy.attrs import DEP, HEAD, IDX, IS_PUNCT, LEMMA, LENGTH, LOWER, ORTH, SENT_START
    from spacy.strings import get_string_id

    neg = get_string_id("neg")
    blocks, words = [], []
    for doc in docs:
        if not len(doc):
            continue
        raw = doc.to_array([IDX, LENGTH, IS_PUNCT, SENT_START, HEAD, DEP, LOWER, ORTH, LEMMA])
        values = raw[:, :6].astype(numpy.int64)  # SENT_START -1 and HEAD offsets < 0 come out signed
        positions = numpy.arange(len(doc))
        values[:, 3] = values[:, 3] == 1
        values[:, 4] += positions  # HEAD is an offset from the token
        first_neg = numpy.full(len(doc), len(doc), dtype=numpy.int64)
        dependents = numpy.flatnonzero((raw[:, 5] == neg) & (values[:, 4] != positions))
        numpy.minimum.at(first_neg, values[dependents, 4], dependents)
        values[:, 5] = numpy.where(first_neg == len(doc), -1, first_neg)
        blocks.append(values)
        words.append(raw[:, 6:])
    return {
        "values": numpy.concatenate(blocks) if blocks else numpy.zeros((0, len(TOKEN_COLUMNS)), dtype=numpy.int64),
        "words": numpy.concatenate(words) if words else numpy.zeros((0, len(WORD_COLUMNS)), dtype=numpy.uint64),
        "turns": numpy.array([len(doc) for doc in docs], dtype=numpy.int64),
        "parsed": numpy.array([doc.has_annotation("DEP") for doc in docs], dtype=bool),
    }


def phrase_records(table: dict[str, Any], sequences: Iterable[tuple[int, ...]], attr: str, *, role: str = "") -> list[tuple[Any, ...]]:
    """The records of a phrase rule (``role`` "") or an exclude rule ("X") in one document.

    A phrase matches where a turn's words, as the rule compares them (``attr``: its
    lower-case forms, texts or lemmas), equal the phrase's words (``sequences``: string
    hashes, as spaCy's PhraseMatcher builds them), like the PhraseMatcher finds it. A
    record is ``(turn, role, anchor, start, end, negated)`` with turn-relative character
    offsets, sorted as :meth:`~casecode.coding.engine.Engine.derive` sorts them.
    """
    values, turns = table["values"], table["turns"].tolist()
    ends = list(itertools.accumulate(turns))
    by_first: dict[int, set[tuple[int, ...]]] = {}
    for sequence in sequences:
        if sequence:
            by_first.setdefault(sequence[0], set()).add(sequence)
    column = table["words"][:, WORD_COLUMNS.index(attr)]  # the match attributes name the columns
    words: list[int] = column.tolist()
    spans = set()
    for position in numpy.flatnonzero(numpy.isin(column, numpy.array(list(by_first), dtype=numpy.uint64))).tolist():
        turn = bisect.bisect_right(ends, position)
        for sequence in by_first[words[position]]:
            stop = position + len(sequence)
            if stop <= ends[turn] and tuple(words[position:stop]) == sequence:
                spans.add((turn, position, stop))
    records = []
    for turn, start, stop in spans:
        begin = ends[turn] - turns[turn]
        cstart, cend = int(values[start, 0]), int(values[stop - 1, 0] + values[stop - 1, 1])
        negated = role == "" and _negated(table, turn, begin, ends[turn], start - begin, stop - begin)
        records.append((turn, role, cstart, cstart, cend, negated))
    records.sort(key=lambda record: (record[0], record[3], record[4]))
    return records


def _negated(table: dict[str, Any], turn: int, begin: int, end: int, start: int, stop: int) -> bool:
    """:func:`~casecode.coding.negation.is_negated_at` for tokens ``start:stop`` of turn ``turn`` (table rows ``begin:end``)."""
    values = table["values"][begin:end]
    if cue_before(table["words"][begin:end, 0].tolist(), values[:, 2].tolist(), values[:, 3].tolist(), start):
        return True
    if not table["parsed"][turn]:
        return False
    heads, negs = values[:, 4].tolist(), values[:, 5].tolist()
    return any(0 <= negs[heads[token]] < start or 0 <= negs[token] < start for token in range(start, stop))


__all__ = ["TOKEN_COLUMNS", "WORD_COLUMNS", "phrase_records", "token_table"]
