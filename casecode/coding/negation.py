"""Negation scope: is a match inside the scope of a negation cue?

"we never trusted them" must not silently count as trust. The detector looks back from
the match, within its clause, for a negation cue (not, n't, never, no, without, ...).
A clause ends at punctuation or at a conjunction that starts a new clause, so in "we
had no money, but we trusted them" the cue does not reach "trusted". With a pipeline
that has a dependency parser, a ``neg`` dependent of the match's head also counts.
"""

from __future__ import annotations

from typing import Any, Sequence

from spacy.strings import get_string_id
from spacy.tokens import Doc

from casecode.coding.tokens import TurnTokens

CUES = frozenset(
    {
        "not", "n't", "nt", "never", "no", "without", "hardly", "barely", "scarcely", "nobody",
        "nothing", "neither", "nor", "none", "nowhere", "cannot", "lack", "lacked", "lacking",
        "absence", "didnt", "dont", "doesnt", "wasnt", "werent", "isnt", "wouldnt", "couldnt",
        "shouldnt", "havent", "hasnt", "hadnt", "wont", "cant",
    }
)
#: contractions spaCy leaves whole (in capitals: "DON'T"), with either apostrophe; and
#: the split-off "n’t" of a curly apostrophe (Word's default)
CONTRACTIONS = frozenset(
    f"{verb}n{apostrophe}t"
    for verb in ("do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "wo", "ca", "could", "would", "should", "must", "need", "might", "ai", "sha")
    for apostrophe in ("'", "’")
) | {"n’t"}
BREAKS = frozenset({",", ";", ":", "—", "–", "-", "(", ")", "but", "although", "though", "however", "whereas", "yet", "and", "because", "while", "so", "which", "who", "that", "when"})
#: "not only ... but also" and "no doubt" are not negations of what follows.
NOT_NEGATING = frozenset({("not", "only"), ("no", "doubt"), ("not", "just"), ("never", "mind")})
WINDOW = 6


_CUE_IDS = frozenset(get_string_id(w) for w in CUES | CONTRACTIONS)
_YET = get_string_id("yet")
_BREAK_IDS = frozenset(get_string_id(w) for w in BREAKS)
_APOSTROPHE_IDS = frozenset(get_string_id(w) for w in ("'", "’"))
_NOT_NEGATING_IDS = frozenset((get_string_id(a), get_string_id(b)) for a, b in NOT_NEGATING)


def is_negated(doc: Doc, start: int, end: int, *, window: int = WINDOW) -> bool:
    """True if tokens ``doc[start:end]`` fall in the scope of a negation cue.

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> doc = nlp("We never trusted them.")
    >>> is_negated(doc, 2, 3)
    True
    """
    return is_negated_at(TurnTokens(doc), start, end, window=window)


def is_negated_at(tokens: TurnTokens, start: int, end: int, *, window: int = WINDOW) -> bool:
    """:func:`is_negated` on a turn's token arrays (read once for all its matches)."""
    if cue_before(tokens.lower, tokens.punct, tokens.sent_start, start, window=window):
        return True
    if tokens.parsed:
        for token in tokens.doc[start:end]:
            head = token.head
            if any(child.dep_ == "neg" and child.i < start for child in head.children):
                return True
            if any(child.dep_ == "neg" for child in token.children if child.i < start):
                return True
    return False


def cue_before(lower: Sequence[int], punct: Sequence[int], sent_start: Sequence[Any], start: int, *, window: int = WINDOW) -> bool:
    """Whether a negation cue comes before token ``start`` within its clause (the look-back of :func:`is_negated`).

    Takes the turn's lower-case forms (string hashes), punctuation flags and sentence
    starts (true or 1 where a sentence starts).
    """
    seen = 0
    index = start - 1
    # Look back within the sentence: stop after its first token.
    while index >= 0 and seen < window and not sent_start[index + 1]:
        word = lower[index]
        if word == _YET and index > 0 and lower[index - 1] in _CUE_IDS:
            return True  # "not yet": the cue, not a new clause
        if word in _BREAK_IDS or punct[index] and word not in _APOSTROPHE_IDS:
            break
        if word in _CUE_IDS:
            following = lower[index + 1] if index + 1 < len(lower) else 0
            if (word, following) not in _NOT_NEGATING_IDS:
                return True
        seen += 1
        index -= 1
    return False


def cue_between(lower: Sequence[int], start: int, end: int) -> bool:
    """Whether a negation cue stands between the first and last token of ``start:end``
    (a ``near`` pair: "the partner did not trust us")."""
    for index in range(start + 1, end - 1):
        word = lower[index]
        if word in _CUE_IDS and (word, lower[index + 1]) not in _NOT_NEGATING_IDS:
            return True
    return False
