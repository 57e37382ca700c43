"""Codebook diff: codes added, removed, renamed, moved; rule and text changes; corpus effect."""

from __future__ import annotations

from pathlib import Path

from casecode.codebook.diff import diff_codebooks, diff_files
from casecode.codebook.load import parse_codebook

ROOT = Path(__file__).resolve().parents[2]

OLD = """\
name: t
version: "1.0"
themes:
  - id: drivers
    label: Drivers
    codes:
      - id: cuts
        label: Cuts
        definition: Budget cuts.
        examples: ["The cuts hit us."]
        rules:
          - {id: words, phrases: [cut, budget], match: lemma}
          - {id: re, regex: '\\bausterity\\b'}
      - id: gone
        label: Gone
        rules: [{id: g, phrases: [gone]}]
  - id: trust
    label: Trust
    codes:
      - id: trust
        label: Trust
        rules: [{id: t, phrases: [trust]}]
"""

NEW = """\
name: t
version: "1.1"
themes:
  - id: drivers
    label: Drivers
    codes:
      - id: cuts
        label: Spending cuts
        definition: Budget cuts and austerity.
        examples: ["The cuts hit us.", "Austerity bit."]
        unit: turn
        rules:
          - {id: words, phrases: [cut, deficit], match: lemma}
          - {id: near_money, near: {left: [cut], right: [money]}}
  - id: trust
    label: Trust and distrust
    codes:
      - id: new_code
        label: New code
        rules: [{id: n, phrases: [new]}]
  - id: relations
    label: Relations
    codes:
      - id: trust
        label: Trust
        rules: [{id: t, phrases: [trust]}]
"""


def test_diff_lists_every_kind_of_change() -> None:
    d = diff_codebooks(parse_codebook(OLD), parse_codebook(NEW))
    assert [r.id for r in d.added] == ["new_code"]
    assert [r.id for r in d.removed] == ["gone"]
    assert [t.id for t in d.themes_added] == ["relations"]
    assert d.changed_codes() == ["cuts", "trust"]
    kinds = {(c.code, c.kind) for c in d.changes}
    assert {("cuts", "label"), ("cuts", "rule_changed"), ("cuts", "rule_added"), ("cuts", "rule_removed"), ("cuts", "definition"), ("cuts", "examples"), ("cuts", "setting"), ("trust", "theme"), ("", "codebook"), ("", "theme_label")} <= kinds
    details = [c.detail for c in d.changes]
    assert 'rule words changed: phrases: +"deficit" -"budget"' in details
    assert "moved trust -> relations" in details
    assert 'renamed "Cuts" -> "Spending cuts"' in details
    assert "unit: None -> turn" in details
    assert d.summary() == "1 added, 1 removed, 2 changed, 2 renamed or moved code(s)"


def test_markdown_and_text() -> None:
    d = diff_codebooks(parse_codebook(OLD), parse_codebook(NEW))
    md = d.to_markdown()
    assert md.startswith("## Codebook changes: t 1.0 -> t 1.1\n")
    assert "### Added codes\n\n- `new_code` \"New code\" in trust\n" in md
    assert "    - old: Budget cuts.\n    - new: Budget cuts and austerity.\n" in md
    text = d.to_text()
    assert "`" not in text and "###" not in text and "- cuts" in text


def test_identical_codebooks_have_no_differences() -> None:
    d = diff_codebooks(parse_codebook(OLD), parse_codebook(OLD))
    assert d.empty and "No differences." in d.to_text()


def test_corpus_effect_counts_segments_gained_and_lost(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("---\ncase: c1\n---\nR1: The cuts hit us hard.\nR1: We had a budget.\nR1: There was a deficit. Trust grew. Something gone.\n", encoding="utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    d = diff_files(old, new, corpus=[corpus])
    effect = {e.code: (e.before, e.after, e.gained, e.lost) for e in d.corpus}
    # cuts: old = sentences with cut/budget (2); new = whole turns with cut/deficit (2), only the first span is shared
    assert effect["cuts"] == (2, 2, 1, 1)
    assert effect["gone"] == (1, 0, 0, 1)
    assert effect["new_code"] == (0, 0, 0, 0)
    assert effect["trust"] == (1, 1, 0, 0)
    assert d.corpus_documents == 1
    assert "| `cuts` | 2 | 2 | +1 | -1 |" in d.to_markdown()
