"""scan_corpus finds files without reading them; documents() reads one at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.errors import CaseAssignmentError
from casecode.load import load_corpus, scan_corpus
from casecode.synthetic import write_synthetic_corpus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "transcripts_example"


def test_scan_then_stream_equals_load_corpus() -> None:
    source = scan_corpus([EXAMPLE])
    streamed = source.corpus(source.documents())
    assert streamed == load_corpus([EXAMPLE])
    assert len(source.found) == len(streamed.documents) > 0 and source.case_labels == streamed.case_labels


def test_documents_are_read_lazily(tmp_path: Path) -> None:
    write_synthetic_corpus(tmp_path, words=3000, documents=3, seed=1)
    source = scan_corpus([tmp_path])
    broken = tmp_path / "interview_00002.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("case: case_3\n", ""), encoding="utf-8")
    documents = source.documents()
    assert next(documents).id == "interview_00000"  # the broken file has not been read yet
    assert next(documents).id == "interview_00001"
    with pytest.raises(CaseAssignmentError, match="interview_00002.md: no case"):
        next(documents)
