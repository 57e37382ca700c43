"""Curly apostrophes, capitals and "not yet": what Word transcripts hold is coded as typed text is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from casecode import code_corpus, read_results

BOOK = """\
name: spelling
version: "1"
negated: flag
themes:
  - id: t
    label: T
    codes:
      - id: trust
        label: Trust
        rules:
          - id: trust_word
            phrases: [trust]
      - id: unmeasured
        label: Unmeasured
        rules:
          - id: said
            phrases: ["nobody's measuring", "haven’t evaluated"]
      - id: partner_trust
        label: Partner trust
        rules:
          - id: pair
            near: {left: [partner], right: [trust], within: 3}
"""


def _code(tmp_path: Path, lines: list[str], book: str = BOOK, **options) -> pd.DataFrame:
    folder = tmp_path / "in" / "case_a"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.txt").write_text("\n\n".join(f"R{i}: {line}" for i, line in enumerate(lines, start=1)) + "\n", encoding="utf-8")
    (tmp_path / "book.yaml").write_text(book, encoding="utf-8")
    out = tmp_path / options.pop("out", "out")
    code_corpus([tmp_path / "in"], tmp_path / "book.yaml", out=out, case_from="folder", **options)
    return read_results(out).segments


def test_contractions_with_curly_apostrophes_or_in_capitals_negate(tmp_path: Path) -> None:
    lines = ["We don’t trust them.", "We DON’T trust them.", "We DON'T trust them.", "We don't trust them.", "We trust them."]
    trust = _code(tmp_path, lines).query("code == 'trust'").sort_values("start")
    assert trust["negated"].tolist() == [True, True, True, True, False]


def test_not_yet_negates(tmp_path: Path) -> None:
    trust = _code(tmp_path, ["We have not yet fully come to trust them.", "Yet we trust them."]).query("code == 'trust'").sort_values("start")
    assert trust["negated"].tolist() == [True, False]


def test_a_phrase_matches_with_either_apostrophe(tmp_path: Path) -> None:
    found = _code(tmp_path, ["Nobody’s measuring it.", "Nobody's measuring it.", "We haven't evaluated it.", "We haven’t evaluated it."]).query("code == 'unmeasured'")
    assert sorted(found["matched"]) == ["Nobody's measuring", "Nobody’s measuring", "haven't evaluated", "haven’t evaluated"]


def test_a_cue_between_the_terms_of_a_near_pair_negates_it(tmp_path: Path) -> None:
    pairs = _code(tmp_path, ["The partner did not trust us.", "The partner came to trust us."]).query("code == 'partner_trust'").sort_values("start")
    assert pairs["negated"].tolist() == [True, False]


def test_the_match_cache_gives_the_same_codings_for_an_added_curly_phrase(tmp_path: Path) -> None:
    lines = ["Nobody’s measuring it, we trust.", "The partner did not trust us."]
    first = BOOK.replace('["nobody\'s measuring", "haven’t evaluated"]', '["haven’t evaluated"]')
    cache = tmp_path / "cache"
    _code(tmp_path, lines, book=first, cache=True, cache_dir=cache, out="warm0")
    warm = _code(tmp_path, lines, cache=True, cache_dir=cache, out="warm")
    cold = _code(tmp_path, lines, out="cold")
    assert "Nobody’s measuring" in set(cold["matched"])
    pd.testing.assert_frame_equal(warm, cold)
