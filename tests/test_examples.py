"""The bundled example study: enough interviews, every case, real formats, reproducible docx."""

from __future__ import annotations

import runpy
from pathlib import Path

from casecode import load_corpus

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "transcripts_example"


def test_example_corpus_shape() -> None:
    corpus = load_corpus([EXAMPLE])
    documents = corpus.documents
    assert len(documents) >= 10
    cases = {d.case for d in documents}
    assert cases == {"housing_mergers_england", "ni_housing_consortia", "sight_loss_group", "connected_care", "work_programme_prime"}
    for case in cases:
        assert sum(d.case == case for d in documents) >= 2, case
    for document in documents:
        assert len(document.text.split()) >= 800, document.id
        assert document.attributes.get("role"), document.id
        assert {"policy_field", "partnership_form"} <= set(document.case_attributes), document.id
        assert sum(t.speaker is not None for t in document.turns) >= 5, document.id
    assert {"docx", "vtt", "srt", "csv", "md", "txt"} <= {d.format for d in documents}
    roles = {str(d.attributes["role"]).lower() for d in documents}
    assert {"chief executive", "commissioner"} <= roles


def test_docx_is_regenerated_byte_for_byte_from_its_script(tmp_path: Path) -> None:
    module = runpy.run_path(str(EXAMPLE / "make_docx.py"))
    written = module["main"]([str(tmp_path)])
    committed = EXAMPLE / "connected_care" / Path(written).name
    assert Path(written).read_bytes() == committed.read_bytes()
