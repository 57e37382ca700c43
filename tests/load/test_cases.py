"""Case assignment from front matter, manifests and folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.errors import CaseAssignmentError
from casecode.load import load_corpus


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_globs_give_case_and_attributes(tmp_path: Path) -> None:
    _write(tmp_path / "housing" / "ce.txt", "R1: hello")
    _write(tmp_path / "housing" / "fd.md", "---\nrole: finance director\n---\nR1: hi")
    _write(
        tmp_path / "cases.yaml",
        "cases:\n  - id: hm\n    label: Housing mergers\n    documents: ['housing/*']\n    attributes: {policy_field: housing}\n"
        "documents:\n  housing/ce: {role: chief executive}\n",
    )
    corpus = load_corpus([tmp_path])
    by_id = {d.id: d for d in corpus.documents}
    assert {d.case for d in corpus.documents} == {"hm"}
    assert by_id["housing/ce"].attributes == {"role": "chief executive"}
    assert by_id["housing/fd"].attributes == {"role": "finance director"}
    assert by_id["housing/fd"].case_attributes == {"policy_field": "housing"}
    assert corpus.case_labels == {"hm": "Housing mergers"}


def test_csv_manifest(tmp_path: Path) -> None:
    _write(tmp_path / "t" / "a.txt", "R1: hello")
    manifest = _write(tmp_path / "cases.csv", "document,case,policy_field\nt/a,emp,employment\n")
    corpus = load_corpus([tmp_path / "t"], cases=manifest)
    assert corpus.documents[0].case == "emp"
    assert corpus.documents[0].case_attributes == {"policy_field": "employment"}


def test_no_case_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path / "a.txt", "R1: hello")
    with pytest.raises(CaseAssignmentError, match=r"a\.txt: no case") as info:
        load_corpus([tmp_path])
    assert "--case-from folder" in str(info.value)


def test_disagreeing_sources_are_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "ni" / "a.txt", "---\ncase: england\n---\nR1: hello")
    with pytest.raises(CaseAssignmentError, match="conflicting cases: front matter says 'england'; --case-from folder says 'ni'"):
        load_corpus([tmp_path], case_from="folder")


def test_document_attribute_contradicting_case_attribute(tmp_path: Path) -> None:
    _write(tmp_path / "x" / "a.txt", "---\npolicy_field: welfare\n---\nR1: hello")
    _write(tmp_path / "cases.yaml", "cases:\n  - id: x\n    documents: ['x/*']\n    attributes: {policy_field: housing}\n")
    with pytest.raises(CaseAssignmentError, match="policy_field"):
        load_corpus([tmp_path])


def test_case_from_folder(tmp_path: Path) -> None:
    _write(tmp_path / "sight_loss" / "a.txt", "R1: hello")
    corpus = load_corpus([tmp_path], case_from="folder")
    assert corpus.documents[0].case == "sight_loss"


def test_duplicate_ids_are_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "c" / "a.txt", "R1: hello")
    _write(tmp_path / "c" / "a.md", "R1: hello")
    with pytest.raises(Exception, match="also used by"):
        load_corpus([tmp_path], case_from="folder")
