"""Property: every reported offset points at exactly the reported text, whatever the input.

Random Unicode transcripts (CRLF and lone CR, BOMs, UTF-16, emoji and ZWJ sequences,
combining marks, RTL and CJK text, odd line separators, speaker lines) are loaded and
coded; for every coded segment ``normalised[start:end] == text`` and
``normalised[match_start:match_end] == matched``, and every unit lies inside the text.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings

from casecode.codebook.load import parse_codebook, LoadedCodebook
from casecode.load import load_corpus
from casecode.load.normalise import normalise_text
from casecode.run import CodingRun, code_documents
from tests.strategies import ENCODINGS, encode, transcript_text

CODEBOOK = """\
name: offsets
version: "1"
themes:
  - id: t
    label: T
    codes:
      - id: trust
        label: Trust
        rules:
          - {id: p, phrases: [trust, café, culture clash]}
          - {id: l, phrases: [trust], match: lemma}
      - id: words
        label: Words
        unit: turn
        rules:
          - {id: r, regex: '\\w{4,}'}
          - {id: b, regex: '\\bcaf\\w+'}
      - id: paragraph
        label: Paragraph
        unit: paragraph
        rules:
          - {id: n, near: {left: [merger], right: [savings], within: 4}}
          - {id: e, regex: '[😀🇬🇧]'}
"""
BOOK = LoadedCodebook(model=parse_codebook(CODEBOOK, file="offsets.yaml"), path="offsets.yaml", text=CODEBOOK, sha256="0")


def _code(data: bytes, suffix: str = ".txt") -> CodingRun:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "case"
        folder.mkdir()
        (folder / f"t{suffix}").write_bytes(data)
        corpus = load_corpus([tmp], case_from="folder")
    codings, units, info = code_documents(corpus.documents, BOOK)
    return CodingRun(corpus=corpus, codebook=BOOK, pipeline=info, codings=codings, units=units)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=transcript_text(), encoding=ENCODINGS)
def test_every_segment_offset_points_at_its_text(text: str, encoding: str) -> None:
    assume(text.lstrip("\ufeff").strip())
    run = _code(encode(text, encoding))
    document = run.documents[0]
    assert document.text == normalise_text(text.lstrip("\ufeff"))
    frame = run.segments_frame()
    for row in frame.itertuples():
        assert document.text[row.start : row.end] == row.text
        assert document.text[row.match_start : row.match_end] == row.matched
        assert row.start <= row.match_start < row.match_end <= row.end
    for unit in run.units:
        assert 0 <= unit.start < unit.end <= len(document.text)
        assert document.text[unit.start : unit.end] == document.text[unit.start : unit.end].strip()
    for turn in document.turns:
        assert turn.label_start <= turn.start < turn.end <= len(document.text)
        if turn.speaker:
            assert document.text[turn.label_start : turn.start].strip().startswith(turn.speaker)


def test_offsets_hold_through_the_results_folder(tmp_path: Path) -> None:
    from casecode import code_corpus, read_results

    folder = tmp_path / "in" / "case"
    folder.mkdir(parents=True)
    text = "\ufeffInterviewer: Café\u0301 trust? 😀👩‍👩‍👧\r\nR1: We trust them — מאוד trust.\r\rR1:\ttrust 日本語 savings\u2028trust\n"
    (folder / "t.txt").write_bytes(text.encode("utf-16"))
    code_corpus([tmp_path / "in"], _book_file(tmp_path), out=tmp_path / "out", case_from="folder")
    results = read_results(tmp_path / "out")
    assert len(results.segments) >= 4
    for row in results.segments.itertuples():
        normalised = results.text(row.document)
        assert normalised[row.start : row.end] == row.text
        assert normalised[row.match_start : row.match_end] == row.matched


def _book_file(tmp_path: Path) -> Path:
    path = tmp_path / "offsets.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path
