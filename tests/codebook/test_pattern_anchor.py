"""Token patterns gated by an anchor word find exactly what one plain Matcher finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.matcher import Matcher

from casecode.codebook.compile import SEP, compile_codebook, pattern_anchor
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
]


def test_anchor_extraction() -> None:
    nlp = build_pipeline(None, lemmas=True, fresh=True)
    strings = nlp.vocab.strings
    assert pattern_anchor([{"LEMMA": "cut"}, {"LOWER": "x"}], nlp) == (LEMMA, frozenset({strings["cut"]}))
    assert pattern_anchor([{"LOWER": "a", "OP": "?"}, {"TEXT": {"IN": ["b", "c"]}}], nlp) == (ORTH, frozenset({strings["b"], strings["c"]}))
    assert pattern_anchor([{"LOWER": {"REGEX": "^a"}}, {"lower": "z", "OP": "+"}], nlp) == (LOWER, frozenset({strings["z"]}))
    assert pattern_anchor([{"IS_TITLE": True}, {"LOWER": "x", "OP": "*"}], nlp) is None
    assert pattern_anchor([{"LOWER": "x", "OP": "!"}], nlp) is None


ANCHORED_ONLY = BOOK[: BOOK.index("      - id: any_big")]


@pytest.mark.parametrize(("text", "unanchored"), [(BOOK, True), (ANCHORED_ONLY, False)])
def test_gated_matcher_finds_what_one_plain_matcher_finds(text: str, unanchored: bool) -> None:
    nlp = build_pipeline(None, lemmas=True, fresh=True)
    book = LoadedCodebook(model=parse_codebook(text, file="anchors.yaml"), path="anchors.yaml", text=text, sha256="0")
    compiled = compile_codebook(book, nlp)
    assert compiled.unanchored is unanchored  # big_anything has no anchor word
    strings = nlp.vocab.strings
    assert compiled.anchors == {LEMMA: {strings["cut"]}, ORTH: {strings["clash"], strings["clashes"]}}
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
