"""Engine.process streams: it never lists the documents it is given."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator

from casecode import load_codebook
from casecode.codebook.compile import compile_codebook
from casecode.coding.engine import Engine
from casecode.model import Document, Turn
from casecode.nlp import build_pipeline

ROOT = Path(__file__).resolve().parents[2]
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"


def endless() -> Iterator[Document]:
    for index in itertools.count():
        text = "Respondent: The cuts came. We trusted them.\n\nInterviewer: Why?" if index % 3 else ""
        turns = (Turn("Respondent", 12, 43, 0), Turn("Interviewer", 58, 62, 45)) if text else ()
        yield Document(f"d{index:04d}", "", text, "c", "txt", "", turns)


def test_process_consumes_an_endless_stream_lazily() -> None:
    nlp = build_pipeline(None, lemmas=True)
    engine = Engine(compile_codebook(load_codebook(CODEBOOK), nlp), batch_size=4)
    results = list(itertools.islice(engine.code(endless()), 10))
    assert [r.document.id for r in results] == [f"d{i:04d}" for i in range(10)]
    assert [len(r.units.of("turn")) for r in results] == [0, 2, 2, 0, 2, 2, 0, 2, 2, 0]
    coded = results[1].codings
    assert {"financial_pressure"} <= {c.code for c in coded}
    assert all(c.document == "d0001" for c in coded)
