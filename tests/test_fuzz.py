"""Fuzzing: random and mutated inputs end in a CasecodeError (one line) or a result, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casecode.codebook.load import parse_codebook
from casecode.errors import CasecodeError
from casecode.load import READERS, read_document
from casecode.load.safexml import UnsafeXMLError, parse_xml
from casecode.load.safezip import UnsafeArchiveError, open_zip
from tests.makefiles import make_docx, make_pdf, make_xlsx, odt_bytes
from tests.strategies import YAML_JUNK, codebook_data, refi_xml, transcript_text

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _one_line(exc: CasecodeError) -> None:
    lines = str(exc).splitlines()
    assert lines and all(line.strip() for line in lines)


@FUZZ
@given(book=codebook_data())
def test_random_codebooks_validate_or_raise_codebook_errors(book: dict) -> None:
    text = yaml.safe_dump(book, allow_unicode=True, sort_keys=False)
    try:
        parse_codebook(text, file="fuzz.yaml")
    except CasecodeError as exc:
        for line in str(exc).splitlines():
            assert line.startswith("fuzz.yaml")


@FUZZ
@given(junk=YAML_JUNK, tail=st.text(max_size=30))
def test_yaml_junk_is_a_codebook_error(junk: str, tail: str) -> None:
    try:
        parse_codebook(junk + tail, file="junk.yaml")
    except CasecodeError as exc:
        _one_line(exc)


@FUZZ
@given(data=refi_xml())
def test_refi_xml_parses_or_is_refused(data: bytes) -> None:
    try:
        root = parse_xml(data, "project.qde")
    except UnsafeXMLError as exc:
        _one_line(exc)
        assert "\n" not in str(exc)
    else:
        assert b"<!DOCTYPE" not in data  # a DTD, if intact, must have been refused
        assert root.tag == "Project"


def _samples(tmp: Path) -> dict[str, bytes]:
    return {
        ".pdf": make_pdf(tmp / "a.pdf", [["Interviewer: hello there, how are you today?", "R1: Fine thanks."]]).read_bytes(),
        ".docx": make_docx(tmp / "a.docx", [[("Interviewer", True), (" hello", False)]]).read_bytes(),
        ".xlsx": make_xlsx(tmp / "a.xlsx", [["speaker", "text"], ["R1", "hello"]]).read_bytes(),
        ".odt": odt_bytes("<text:p>Interviewer: hello</text:p>"),
        ".rtf": b"{\\rtf1\\ansi{\\b Interviewer:} hello\\par}",
        ".html": b"<p><b>Interviewer</b> hello</p>",
        ".vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ann>hello\n",
        ".csv": b"speaker,text\nR1,hello\n",
        ".txt": b"---\ncase: a\n---\nR1: hello\n",
    }


with tempfile.TemporaryDirectory() as _tmp:
    SAMPLES = _samples(Path(_tmp))


@FUZZ
@given(suffix=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_mutated_files_read_or_raise_one_line_errors(suffix: str, data: st.DataObject) -> None:
    original = SAMPLES[suffix]
    mutation = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    position = data.draw(st.integers(0, len(original) - 1))
    if mutation == "flip":
        mutated = original[:position] + bytes([original[position] ^ data.draw(st.integers(1, 255))]) + original[position + 1 :]
    elif mutation == "truncate":
        mutated = original[:position]
    else:
        mutated = original[:position] + data.draw(st.binary(min_size=1, max_size=16)) + original[position:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(mutated)
        try:
            documents = read_document(path)
        except CasecodeError as exc:
            _one_line(exc)
            assert str(path) in str(exc) or "--" in str(exc)
        else:
            assert all(isinstance(d.text, str) for d in documents)


@FUZZ
@given(suffix=st.sampled_from(sorted(READERS)), blob=st.binary(min_size=1, max_size=200))
def test_random_bytes_with_any_suffix(suffix: str, blob: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(blob)
        try:
            read_document(path)
        except CasecodeError as exc:
            _one_line(exc)


@FUZZ
@given(blob=st.binary(max_size=300))
def test_random_zip_bytes_are_refused_cleanly(blob: bytes) -> None:
    try:
        open_zip(b"PK\x03\x04" + blob, "x.qdpx")
    except UnsafeArchiveError as exc:
        assert str(exc).startswith("x.qdpx: ")


@FUZZ
@given(text=transcript_text())
def test_random_transcripts_always_load(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.txt"
        path.write_text(text, encoding="utf-8", newline="")
        try:
            read_document(path)
        except CasecodeError as exc:
            assert "no text" in str(exc) or "empty" in str(exc)


@FUZZ
@given(data=refi_xml())
def test_random_refi_codebooks_import_or_raise_one_line_errors(data: bytes) -> None:
    from casecode.exchange.qdc import import_qdc

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.qdc"
        path.write_bytes(data)
        try:
            import_qdc(path)
        except CasecodeError as exc:
            for line in str(exc).splitlines():
                assert line.strip()
            assert "fuzz.qdc" in str(exc)
