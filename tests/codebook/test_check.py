"""Codebook check: validation, lint findings and examples run through the engine."""

from __future__ import annotations

from pathlib import Path

from casecode.codebook.check import check_codebook

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "book.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mini_codebook_examples_pass(mini_codebook: Path) -> None:
    report = check_codebook(mini_codebook)
    assert report.errors == []
    trust = [e for e in report.examples if e.code == "trust"]
    assert [(e.kind, e.coded, e.passed) for e in trust] == [("example", True, True), ("counter_example", False, True)]
    assert report.ok()
    assert {s.code: s.status for s in report.summaries()} == {"trust": "pass", "money": "no examples", "culture_clash": "no examples"}


def test_examples_ignore_speaker_filters(tmp_path: Path) -> None:
    # Only "R*" speakers may be coded in interviews, but examples have no speaker.
    path = write(tmp_path, """\
name: t
speakers: {include: ["R*"]}
themes:
  - id: th
    label: Th
    codes:
      - id: trust
        label: Trust
        examples: ["We trusted them."]
        rules: [{id: t, phrases: [trust], match: lemma}]
""")
    report = check_codebook(path)
    assert report.ok(), [str(f) for f in report.findings]
    assert report.examples[0].rules == "t"


def test_failing_example_and_counter_example_are_errors_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path, """\
name: t
themes:
  - id: th
    label: Th
    codes:
      - id: trust
        label: Trust
        examples:
          - "We relied on each other."
        counter_examples:
          - "The trust fund paid for it."
        rules: [{id: t, phrases: [trust], match: lemma}]
""")
    report = check_codebook(path)
    assert not report.ok()
    failed = {(e.kind, e.line) for e in report.failed_examples}
    assert failed == {("example", 9), ("counter_example", 11)}
    messages = [str(f.problem) for f in report.errors]
    assert any(m.startswith(f"{path}:9 (trust > examples[0]): example \"We relied on each other.\" is not coded") for m in messages)
    assert any("counter-example" in m and "(by t)" in m for m in messages)
    assert report.summaries()[0].status == "FAIL"


def test_negation_and_vetoes_apply_to_examples(tmp_path: Path) -> None:
    path = write(tmp_path, """\
name: t
themes:
  - id: th
    label: Th
    codes:
      - id: trust
        label: Trust
        counter_examples: ["We never trusted them.", "It was an NHS trust."]
        rules:
          - {id: t, phrases: [trust], match: lemma}
          - {id: veto, exclude: ["nhs trust"]}
""")
    report = check_codebook(path)
    assert report.ok(), [str(f) for f in report.findings]


def test_lint_findings(tmp_path: Path) -> None:
    path = write(tmp_path, """\
name: t
themes:
  - id: trust
    label: Trust
    codes:
      - id: trust
        label: Trust
        rules:
          - {id: words, phrases: [trust, goodwill]}
          - {id: empty, regex: '(trust)?'}
          - {id: lonely, phrases: [faith], helper: true}
      - id: trust_words
        label: Trust words
        rules: [{id: tw, phrases: [trusty]}]
      - id: Trust-Words
        label: Trust words
        rules:
          - {id: same, phrases: [Goodwill]}
      - id: manual
        label: Manual only
      - id: vetoed
        label: Vetoed
        rules:
          - {id: only_veto, exclude: [x]}
      - id: impossible
        label: Impossible
        rules:
          - {id: a, phrases: [a]}
          - {id: b, phrases: [b]}
          - {id: both, all: [a, b], none: [b]}
          - {id: dead_phrase, phrases: ["shared vision"]}
          - {id: no_vision, exclude: ["Shared  vision"]}
""")
    report = check_codebook(path, examples=False)
    found = {(f.severity, f.check, f.problem.path.split(" > ")[-1] if f.check != "clashing_id" else f.problem.path) for f in report.findings}
    checks = {(s, c) for s, c, _ in found}
    clash = next(f for f in report.findings if f.check == "clashing_id")
    assert clash.problem.message == "code id 'Trust-Words' differs from code id 'trust_words' only by case or separators"
    assert ("error", "empty_regex") in checks
    assert ("warning", "dead_rule") in checks  # unreferenced helper
    assert ("warning", "shared_phrase") in checks
    assert ("warning", "no_rules") in checks
    assert ("error", "never_codes") in checks
    dead = [f for f in report.findings if f.check == "dead_rule" and f.severity == "error"]
    assert len(dead) == 2  # all/none overlap, and a phrase vetoed by the same code's exclude
    shared = next(f for f in report.findings if f.check == "shared_phrase")
    assert "'goodwill'" in shared.problem.message and "'trust'" in shared.problem.message
    assert shared.problem.line == 18
    assert not report.ok()


def test_ids_differing_only_by_case_or_separator_clash(tmp_path: Path) -> None:
    path = write(tmp_path, """\
name: t
themes:
  - id: th
    label: Th
    codes:
      - {id: user_voice, label: A, rules: [{id: a, phrases: [a]}]}
      - {id: User-Voice, label: B, rules: [{id: b, phrases: [b]}]}
""")
    report = check_codebook(path, examples=False)
    clash = [f for f in report.findings if f.check == "clashing_id"]
    assert len(clash) == 1 and "User-Voice" in clash[0].problem.message and clash[0].problem.line == 7
    assert report.ok() and not report.ok(strict=True)


def test_invalid_codebook_reports_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, """\
name: t
themes:
  - id: th
    label: Th
    codes:
      - id: a
        label: A
        rules: [{id: r, regex: '(unclosed'}]
      - id: b
        lable: B
""")
    report = check_codebook(path)
    assert len(report.errors) >= 2
    assert all(f.check == "validation" for f in report.errors)
    assert report.examples == []
    assert any("did you mean 'label'" in str(f.problem) for f in report.errors)


def test_example_codebook_checks() -> None:
    """The bundled codebook validates and lints without errors; its examples are run."""
    report = check_codebook(ROOT / "codebooks" / "partnership.yaml")
    assert [str(f) for f in report.errors] == []
    assert len(report.examples) > 60
    assert report.ok()


def test_rules_the_pipeline_cannot_serve_are_reported_not_raised(tmp_path: Path) -> None:
    path = write(tmp_path, """\
name: t
themes:
  - id: th
    label: Th
    codes:
      - id: verbs
        label: Verbs
        examples: ["We merged."]
        rules: [{id: v, pattern: [{POS: VERB}]}]
""")
    report = check_codebook(path)
    assert not report.ok()
    assert [f.check for f in report.errors] == ["pipeline"]
    assert "uses POS" in report.errors[0].problem.message


def test_a_regex_that_only_matches_positions_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "positions.yaml"
    path.write_text("""\
name: t
version: "1"
themes:
  - id: t
    label: T
    codes:
      - id: a
        label: A
        rules:
          - {id: boundary, regex: '\\b'}
          - {id: ahead, regex: '(?=trust)'}
          - {id: words, regex: '\\btrust\\w*(?= them)'}
""", encoding="utf-8")
    report = check_codebook(path, examples=False)
    flagged = sorted(f.problem.message.split("'")[1] for f in report.findings if f.check == "empty_regex")
    assert flagged == ["ahead", "boundary"]
