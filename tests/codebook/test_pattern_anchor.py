"""Token patterns gated by an anchor word (and run only near one) find exactly what one plain Matcher finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.matcher import Matcher

from casecode.codebook.compile import SEP, compile_codebook, pattern_anchor, pattern_reach
from casecode.codebook.load import LoadedCodebook, parse_codebook
from casecode.nlp import build_pipeline

ROOT = Path(__file__).resolve().parents[2]

BOOK = """\
name: anchors
version: "1"
themes:
  - id: t
    label: T
    codes:
      - id: cuts
        label: Cuts
        rules:
          - id: cut_funding
            pattern: [{LEMMA: "cut"}, {LOWER: {IN: ["in", "to", "of"]}, OP: "?"}, {LOWER: {IN: ["funding", "grant", "grants"]}}]
      - id: clash
        label: Clash
        rules:
          - id: culture_clash
            pattern: [{LOWER: "culture", OP: "?"}, {TEXT: {IN: ["clash", "clashes"]}}]
      - id: board_trust
        label: Board trust
        rules:
          - id: trust_the_board
            pattern: [{LOWER: {IN: ["trust", "trusted"]}}, {IS_ALPHA: true, OP: "{1,3}"}, {LOWER: {NOT_IN: ["no"]}, OP: "!"}, {LOWER: "board"}]
          - id: words_before_board
            pattern: [{IS_ALPHA: true, OP: "{1,5}"}, {LOWER: "boards"}]
      - id: any_big
        label: Big
        rules:
          - id: big_anything
            pattern: [{LOWER: "big", OP: "*"}, {IS_TITLE: true}, {LOWER: {NOT_IN: ["the"]}}]
"""

TEXTS = [
    "They cut funding. Cuts in grants followed, and the culture clash grew.",
    "No match here at all.",
    "Clashes happened. The Big Society was big news.",
    "",
    "CUT TO GRANTS was the headline; cutting of funding too.",
    "We trusted the new board. Trust in the other board, trust them board, cut grants.",
    "Funding cut funding cut to funding clash clash culture clash trust a b c board",
    "Then all of the partner boards met, and nine local housing boards agreed.",
    "We trust a b c no board.",
]

UNBOUNDED = """\
      - id: anything_until
        label: Until
        rules:
          - id: cut_until_board
            pattern: [{LEMMA: "cut"}, {IS_ALPHA: true, OP: "+"}, {LOWER: "board"}]
"""


def test_pattern_reach() -> None:
    assert pattern_reach([{"LOWER": "a"}, {"LOWER": "b", "OP": "?"}, {"LOWER": "c", "OP": "!"}]) == 3
    assert pattern_reach([{"LOWER": "a"}, {"IS_ALPHA": True, "OP": "{1,3}"}, {"LOWER": "b", "OP": "{2}"}]) == 6
    assert pattern_reach([{"LOWER": "a", "OP": "{,4}"}]) == 4
    assert pattern_reach([{"LOWER": "a"}, {"OP": "*"}]) is None
    assert pattern_reach([{"LOWER": "a", "OP": "+"}]) is None
    assert pattern_reach([{"LOWER": "a", "OP": "{2,}"}]) is None


def test_anchor_extraction() -> None:
    nlp = build_pipeline(None, lemmas=True, fresh=True)
    strings = nlp.vocab.strings
    assert pattern_anchor([{"LEMMA": "cut"}, {"LOWER": "x"}], nlp) == (LEMMA, frozenset({strings["cut"]}))
    assert pattern_anchor([{"LOWER": "a", "OP": "?"}, {"TEXT": {"IN": ["b", "c"]}}], nlp) == (ORTH, frozenset({strings["b"], strings["c"]}))
    assert pattern_anchor([{"LOWER": {"REGEX": "^a"}}, {"lower": "z", "OP": "+"}], nlp) == (LOWER, frozenset({strings["z"]}))
    assert pattern_anchor([{"IS_TITLE": True}, {"LOWER": "x", "OP": "*"}], nlp) is None
    assert pattern_anchor([{"LOWER": "x", "OP": "!"}], nlp) is None


ANCHORED_ONLY = BOOK[: BOOK.index("      - id: any_big")]


@pytest.mark.parametrize(("text", "unanchored", "reach"), [(BOOK, True, None), (ANCHORED_ONLY, False, 6), (ANCHORED_ONLY + UNBOUNDED, False, None)])
def test_gated_matcher_finds_what_one_plain_matcher_finds(text: str, unanchored: bool, reach: int | None) -> None:
    nlp = build_pipeline(None, lemmas=True, fresh=True)
    book = LoadedCodebook(model=parse_codebook(text, file="anchors.yaml"), path="anchors.yaml", text=text, sha256="0")
    compiled = compile_codebook(book, nlp)
    assert compiled.unanchored is unanchored  # big_anything has no anchor word
    assert compiled.reach == reach  # trust_the_board and words_before_board span up to 6 tokens; cut_until_board has no bound
    strings = nlp.vocab.strings
    assert compiled.anchors == {LEMMA: {strings["cut"]}, ORTH: {strings["clash"], strings["clashes"]}, LOWER: {strings["trust"], strings["trusted"], strings["boards"]}}
    reference = Matcher(nlp.vocab, validate=True)
    for code_id, spec in compiled.specs.items():
        for rule in spec.rules.values():
            reference.add(f"{code_id}{SEP}{rule.id}{SEP}", [rule.pattern])
    texts = TEXTS + [t for t in (ROOT / "transcripts_example" / "housing_mergers" / "chief_executive_larkfield.md").read_text(encoding="utf-8").split("\n\n")]
    found_any = 0
    for doc in nlp.pipe(texts):
        expected = sorted((compiled._keys[m][:2], s, e) for m, s, e in reference(doc))
        actual = sorted(((h.code, h.rule), h.tstart, h.tend) for h in compiled.hits(doc))
        assert actual == expected, doc.text[:40]
        found_any += len(actual)
    assert found_any > 5


def test_matcher_runs_only_near_anchor_words() -> None:
    nlp = build_pipeline(None, lemmas=True, fresh=True)
    book = LoadedCodebook(model=parse_codebook(ANCHORED_ONLY, file="anchors.yaml"), path="anchors.yaml", text=ANCHORED_ONLY, sha256="0")
    compiled = compile_codebook(book, nlp)
    from casecode.coding.tokens import TurnTokens

    words = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen trust sixteen".split()
    doc = nlp(" ".join(words + words[:15] + ["clash"]))
    position = words.index("trust")
    # within reach (6) of "trust" and of the final "clash"; the stretch between them is skipped
    assert compiled.windows(TurnTokens(doc)) == [(position - 5, position + 6), (len(doc) - 6, len(doc))]
    assert compiled.windows(TurnTokens(nlp("no anchor word here"))) == []
