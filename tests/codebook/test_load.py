"""Codebook validation: every problem at once, FILE:LINE (path): message — hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.codebook.load import load_codebook, parse_codebook
from casecode.errors import CodebookError

BAD = """\
name: bad
themes:
  - id: trust
    label: Trust
    codes:
      - id: trust_partners
        label: Trust
        definiton: typo here
        rules:
          - id: a
            phrases: [trust]
      - id: other
        label: Other
        rules:
          - id: r
            regex: '(unclosed'
          - id: p
            pattern: [{LEMA: trust}]
          - id: c
            all: [r, nosuch]
          - id: r
            phrases: [x]
"""


def test_all_problems_reported_at_once_with_lines_and_hints() -> None:
    with pytest.raises(CodebookError) as info:
        parse_codebook(BAD, file="team.yaml")
    lines = [str(p) for p in info.value.problems]
    assert lines[0] == "team.yaml:8 (themes > trust > codes > trust_partners > definiton): unknown key 'definiton' — did you mean 'definition'?"
    assert any(line.startswith("team.yaml:16 (themes > trust > codes > other > rules[0] > regex): invalid regular expression") for line in lines)
    assert "team.yaml:18 (themes > trust > codes > other > rules[1] > pattern[0]): unknown token attribute 'LEMA' — did you mean 'LEMMA'?" in lines
    assert any("combination names unknown rule 'nosuch'" in line for line in lines)
    assert any("rule id 'r' is used twice" in line for line in lines)
    assert len(lines) == 5


def test_one_kind_per_rule_and_bad_enums() -> None:
    text = "name: x\nunit: page\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: c\n        label: C\n        rules:\n          - {id: r, phrases: [a], regex: b}\n"
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, file="x.yaml")
    messages = str(info.value)
    assert "x.yaml:2 (unit): Input should be 'sentence', 'turn' or 'paragraph'" in messages
    assert "x.yaml:10 (themes > t > codes > c > rules[0]): a rule has one kind, this one has phrases and regex" in messages


def test_duplicate_codes_and_yaml_duplicate_keys() -> None:
    text = "name: x\nname: y\nthemes:\n  - id: t\n    label: T\n    codes:\n      - {id: c, label: C}\n      - {id: c, label: D}\n"
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, file="x.yaml")
    messages = str(info.value)
    assert "x.yaml:2 (name): duplicate key 'name'" in messages
    assert "code id 'c' is used twice" in messages


def test_yaml_syntax_error_has_a_line() -> None:
    with pytest.raises(CodebookError, match=r"x\.yaml:4: YAML syntax error"):
        parse_codebook("name: x\nthemes:\n  - id: [unclosed\n", file="x.yaml")


def test_object_tags_are_refused() -> None:
    with pytest.raises(CodebookError, match="unsupported YAML tag"):
        parse_codebook("name: !!python/object/apply:os.system ['true']\nthemes: []\n", file="x.yaml")


def test_valid_codebook_loads_with_hash(mini_codebook: Path) -> None:
    book = load_codebook(mini_codebook)
    assert [c.id for c in book.model.codes()] == ["trust", "money", "culture_clash"]
    assert book.model.theme_of("culture_clash") == "culture"
    assert len(book.sha256) == 64 and book.version == "1.0"


def test_example_codebook_is_valid_and_complete() -> None:
    book = load_codebook(Path(__file__).resolve().parents[2] / "codebooks" / "partnership.yaml")
    codes = book.model.codes()
    assert len(codes) >= 20
    themes = {t.id for _, t in book.model.themes_flat()}
    assert {"drivers", "barriers", "culture", "trust", "user_voice"} <= themes
    for code in codes:
        assert code.definition and code.when_to_use and code.examples and code.rules, code.id
    kinds = {rule.kind for code in codes for rule in code.rules}
    assert {"phrases", "regex", "pattern", "near", "combination", "exclude"} <= kinds
