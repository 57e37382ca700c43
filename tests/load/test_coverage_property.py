"""Property: no characters dropped — every non-space character outside speaker labels
lies inside a sentence unit (and a paragraph and a turn unit)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings

from casecode.codebook.load import LoadedCodebook, parse_codebook
from casecode.load import ReadOptions, load_corpus
from casecode.load.registry import MAX_SPEAKER_LABEL
from casecode.run import code_documents
from tests.strategies import ENCODINGS, encode, transcript_text

CODEBOOK = "name: c\nversion: '1'\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: c\n        label: C\n        rules:\n          - {id: p, phrases: [trust]}\n"
PATTERN = ReadOptions().compiled_speaker_pattern()
BOOK = LoadedCodebook(model=parse_codebook(CODEBOOK, file="c.yaml"), path="c.yaml", text=CODEBOOK, sha256="0")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=transcript_text(), encoding=ENCODINGS)
def test_units_cover_all_text_outside_speaker_labels(text: str, encoding: str) -> None:
    assume(text.lstrip("\ufeff").strip())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case"
        folder.mkdir()
        (folder / "t.txt").write_bytes(encode(text, encoding))
        document = load_corpus([tmp], case_from="folder").documents[0]
    _codings, units, _info = code_documents([document], BOOK)
    labels = set()
    for turn in document.turns:
        labels.update(range(turn.label_start, turn.start))
    offset = 0  # a label with no words after it (an empty turn) is a label too
    for line in document.text.splitlines(keepends=True):
        match = PATTERN.match(line)
        if match and match.group("speaker") and len(match.group("speaker").strip()) <= MAX_SPEAKER_LABEL:
            labels.update(range(offset, offset + match.end()))
        offset += len(line)
    for kind in ("sentence", "paragraph", "turn"):
        covered = set()
        for unit in units:
            if unit.unit == kind:
                covered.update(range(unit.start, unit.end))
        dropped = [i for i, ch in enumerate(document.text) if not ch.isspace() and i not in labels and i not in covered]
        assert not dropped, (kind, [document.text[i] for i in dropped[:10]])
        assert not covered & set().union(*(range(t.label_start, t.start) for t in document.turns)), kind
