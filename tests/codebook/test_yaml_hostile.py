"""Hostile YAML in codebooks, front matter and cases.yaml: one-line refusals, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.codebook.load import parse_codebook
from casecode.codebook.yamlmarks import load_with_lines
from casecode.errors import CodebookError, ManifestError, TranscriptError
from casecode.load.cases import read_manifest
from casecode.load.text import split_front_matter

LAUGHS = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
)

HOSTILE = {
    "object tag": ("name: !!python/object/apply:os.system ['echo pwned']\n", "unsupported YAML tag"),
    "python name": ("name: !!python/name:os.system\n", "unsupported YAML tag"),
    "duplicate key": ("name: a\nname: b\n", "duplicate key 'name'"),
    "billion laughs": (LAUGHS, "expands to more than 200,000 values"),
    "self alias": ("a: &x [*x]\n", "nested too deeply"),
    "deep nesting": ("a: " + "[" * 1000 + "]" * 1000 + "\n", "nested too deeply"),
    "control character": ("name: \x07\n", "not readable YAML"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_yaml_is_reported_not_executed(case: str) -> None:
    text, message = HOSTILE[case]
    _data, _lines, problems = load_with_lines(text, "x.yaml")
    assert problems, case
    assert message in problems[0].message
    assert "\n" not in str(problems[0])


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_codebook_raises_codebook_error(case: str) -> None:
    text, message = HOSTILE[case]
    with pytest.raises(CodebookError, match=message):
        parse_codebook(text, file="team.yaml")


@pytest.mark.parametrize("case", ["object tag", "duplicate key", "billion laughs", "deep nesting"])
def test_hostile_front_matter_raises_transcript_error(case: str) -> None:
    text, message = HOSTILE[case]
    with pytest.raises(TranscriptError, match=message) as info:
        split_front_matter(f"---\n{text}---\nR1: hello\n", Path("t.md"))
    assert str(info.value).startswith("t.md:")


def test_front_matter_duplicate_key_names_the_file_line() -> None:
    with pytest.raises(TranscriptError, match=r"t.md:3: front matter: duplicate key 'case'"):
        split_front_matter("---\ncase: a\ncase: b\n---\nR1: hi\n", Path("t.md"))


@pytest.mark.parametrize("case", ["object tag", "duplicate key", "billion laughs", "self alias"])
def test_hostile_cases_manifest_raises_manifest_error(case: str, tmp_path: Path) -> None:
    text, message = HOSTILE[case]
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(path)


def test_cases_manifest_duplicate_case_key_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n  - id: a\n    label: A\n    label: B\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"cases.yaml:4: duplicate key 'label'"):
        read_manifest(path)
