"""Negation scope: is a match inside the scope of a negation cue?

"we never trusted them" must not silently count as trust. The detector looks back from
the match, within its clause, for a negation cue (not, n't, never, no, without, ...).
A clause ends at punctuation or at a conjunction that starts a new clause, so in "we
had no money, but we trusted them" the cue does not reach "trusted". With a pipeline
that has a dependency parser, a ``neg`` dependent of the match's head also counts.
"""

from __future__ import annotations

from spacy.tokens import Doc

CUES = frozenset(
    {
        "not", "n't", "nt", "never", "no", "without", "hardly", "barely", "scarcely", "nobody",
        "nothing", "neither", "nor", "none", "nowhere", "cannot", "lack", "lacked", "lacking",
        "absence", "didnt", "dont", "doesnt", "wasnt", "werent", "isnt", "wouldnt", "couldnt",
        "shouldnt", "havent", "hasnt", "hadnt", "wont", "cant",
    }
)
BREAKS = frozenset({",", ";", ":", "—", "–", "-", "(", ")", "but", "although", "though", "however", "whereas", "yet", "and", "because", "while", "so", "which", "who", "that", "when"})
#: "not only ... but also" and "no doubt" are not negations of what follows.
NOT_NEGATING = frozenset({("not", "only"), ("no", "doubt"), ("not", "just"), ("never", "mind")})
WINDOW = 6


def is_negated(doc: Doc, start: int, end: int, *, window: int = WINDOW) -> bool:
    """True if tokens ``doc[start:end]`` fall in the scope of a negation cue.

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> doc = nlp("We never trusted them.")
    >>> is_negated(doc, 2, 3)
    True
    """
    sent_start = doc[start].sent.start if doc.has_annotation("SENT_START") else 0
    seen = 0
    index = start - 1
    while index >= sent_start and seen < window:
        token = doc[index]
        lower = token.lower_
        if lower in BREAKS or token.is_punct and lower not in ("'", "’"):
            break
        if lower in CUES:
            following = doc[index + 1].lower_ if index + 1 < len(doc) else ""
            if (lower, following) not in NOT_NEGATING:
                return True
        seen += 1
        index -= 1
    if doc.has_annotation("DEP"):
        for token in doc[start:end]:
            head = token.head
            if any(child.dep_ == "neg" and child.i < start for child in head.children):
                return True
            if any(child.dep_ == "neg" for child in token.children if child.i < start):
                return True
    return False
