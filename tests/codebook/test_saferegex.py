"""Codebook regexes: linear-time RE2 where it means the same, a hard time limit otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casecode.codebook.compile import compile_regex
from casecode.codebook.saferegex import RegexTimeoutError, SafePattern, required_literals


@pytest.mark.parametrize(
    ("pattern", "engine"),
    [
        (r"caf[ée]s?", "re2"),
        (r"\bsav(e|ed|ing)\b", "re2+regex"),
        (r"(a|aa)+$", "re2"),
        (r"(?<=not )trust", "regex"),
        (r"(\w)\1", "regex"),
        (r"x{,3}", "regex"),
    ],
)
def test_engine_choice(pattern: str, engine: str) -> None:
    assert compile_regex(pattern).engine == engine


def test_catastrophic_pattern_cannot_hang_on_re2() -> None:
    pattern = compile_regex(r"(a|aa)+$")
    assert pattern.engine == "re2"
    assert list(pattern.finditer("a" * 5000 + "!")) == []


def test_catastrophic_pattern_re2_cannot_run_stops_at_the_time_limit() -> None:
    # a backreference keeps it off RE2; nested repeats make Python's engine explode
    pattern = SafePattern(r"(a|aa)+\1$", label="team.yaml (themes > t > codes > c > rules[0])", time_limit=0.2)
    assert pattern.engine == "regex"
    with pytest.raises(RegexTimeoutError, match=r"team.yaml \(themes > t > codes > c > rules\[0\]\): the regular expression .* ran for more than 0.2 s on one text"):
        list(pattern.finditer("a" * 60 + "!"))


def test_offsets_are_code_points_with_emoji_and_combining_marks() -> None:
    text = "😀 e\u0301 Café — CAFÉS 🎉 cafes"
    pattern = compile_regex(r"caf[ée]s?")
    assert pattern.engine == "re2"
    spans = [m.span() for m in pattern.finditer(text)]
    assert spans == [m.span() for m in re.finditer(r"caf[ée]s?", text, re.IGNORECASE)]
    assert [text[a:b] for a, b in spans] == ["Café", "CAFÉS", "cafes"]


def test_ascii_sensitive_classes_use_unicode_semantics_on_non_ascii_text() -> None:
    pattern = compile_regex(r"\bcaf\w+")
    assert [m.group() for m in pattern.finditer("Cafés and cafeterias")] == ["Cafés", "cafeterias"]


def test_case_sensitive_rules_stay_case_sensitive() -> None:
    assert [m.group() for m in compile_regex("NHS", case_sensitive=True).finditer("nhs NHS")] == ["NHS"]


ALPHABET = st.sampled_from(list("aAbé É😀\u0301\n-_1.ñßİıIiſKkΣσς"))
PATTERNS = st.sampled_from([r"a+", r"[aé]b?", r"\bab", r"\w+", r"\s+", r"\d", r"b$", r"^a", r"(?m)^a", r"É", r"a|ab", r"(?s)a.b", r"[^a ]+", r"ß", r"i+", r"[İk]", r"ı", r"σ", r"s\w"])


@settings(max_examples=150, deadline=None)
@given(pattern=PATTERNS, text=st.text(ALPHABET, max_size=40), case_sensitive=st.booleans())
def test_same_matches_as_python_re(pattern: str, text: str, case_sensitive: bool) -> None:
    compiled = compile_regex(pattern, case_sensitive=case_sensitive)
    expected = [(m.start(), m.end()) for m in re.finditer(pattern, text, 0 if case_sensitive else re.IGNORECASE)]
    assert [(m.start(), m.end()) for m in compiled.finditer(text)] == expected


def test_a_run_with_a_catastrophic_regex_fails_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import casecode.codebook.saferegex as saferegex
    from casecode.cli.app import app

    monkeypatch.setattr(saferegex, "TIME_LIMIT", 0.2)
    book = tmp_path / "evil.yaml"
    book.write_text(
        "name: evil\nversion: '1'\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: c\n        label: C\n"
        "        rules:\n          - id: boom\n            regex: '(a|aa)+\\1$'\n",
        encoding="utf-8",
    )
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "a.txt").write_text("R1: " + "a" * 60 + "!\n", encoding="utf-8")
    (folder / "b.txt").write_text("R1: fine words here\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(tmp_path), "-c", str(book), "-o", str(tmp_path / "out"), "--case-from", "folder", "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "rules[0]): the regular expression '(a|aa)+\\\\1$' ran for more than 0.2 s" in result.output
    kept = CliRunner().invoke(app, ["code", str(tmp_path), "-c", str(book), "-o", str(tmp_path / "out"), "--case-from", "folder", "-q", "--keep-going"])
    assert kept.exit_code == 3
    import json

    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in manifest["documents"]] == ["case/b"]
    assert manifest["failed"][0]["path"].endswith("case/a.txt")
    assert "ran for more than" in manifest["failed"][0]["error"]


PREFILTERED = [
    r"\befficien(t|cy|cies)\b",
    r"\bpaid (only )?(on|by|for) (results|outcomes?|performance)\b",
    r"\b(scale|scaled|scaling) up\b",
    r"\bre-?brand(s|ed|ing)?\b",
    r"\btier[- ]?(1|2|one|two)\b",
    r"(?:ab)+c?",
    r"\d+ staff",
    r"TRUST(ed)?",
    r"(?x) board \s+ members",
]
TEXTS = [
    "Efficiency savings were paid on results; we rebranded.",
    "They were PAID ONLY BY OUTCOMES and TIER-1 contracts, then scaled up.",
    "Re-branding, a tier two partner, scaling up, ABABc, 40 staff.",
    "trusted Board   members and efficient cafés",
    "Nothing of the sort here.",
    "",
]


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_required_literals_never_skip_a_text_that_matches(case_sensitive: bool) -> None:
    skipped = matched = 0
    for source in PREFILTERED:
        pattern = SafePattern(source, case_sensitive=case_sensitive)
        assert pattern._needles, source  # every one of these needs some literal
        for text in TEXTS:
            runs = pattern.may_match(text.lower())
            found = list(pattern.finditer(text))
            assert runs or not found, (source, text)
            skipped += not runs
            matched += bool(found)
    assert skipped > 20 and matched > 5  # the test exercises both sides


def test_required_literals_cases() -> None:
    assert required_literals(r"\bsav(e|es|ed|ing|ings)\b") == ("sav",)
    assert required_literals(r"\b(was|is|call it) voluntary\b") == (" voluntary",)
    assert required_literals(r"(a|bbb)(cc|dd)") == ("cc", "dd")  # the branch set whose shortest is longest
    assert required_literals("caf\u00e9 culture") == (" culture",)  # non-ASCII literals break a run
    assert required_literals(r"x{0,3}") is None  # optional: no literal is required
    assert required_literals(r"(?<=not )\w+") is None  # lookarounds are not part of the match
    assert required_literals(r"(a)\1") == ("a",)
    pattern = SafePattern(r"\bsavings?\b")
    assert pattern.may_match(None)  # a non-ASCII text always runs the regex
    assert not pattern.may_match("no match here")


_PIECES = ["paid", " ", "on", "results", "outcome", "s", "tier", "-", "1", "two", "re", "brand", "ed", "scal", "ing", "up", "ab", "c", "TRUST", "Board", "members", "staff", "4", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), st.sampled_from(PREFILTERED), st.booleans())
def test_required_literals_property(text: str, source: str, case_sensitive: bool) -> None:
    pattern = SafePattern(source, case_sensitive=case_sensitive)
    if any(pattern.finditer(text)):
        assert pattern.may_match(text.lower())
