"""Encodings: BOMs, legacy single-byte detection, --encoding, and byte offsets in errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode.cli.app import app
from casecode.errors import OptionError, TranscriptEncodingError
from casecode.load import ReadOptions, read_document
from casecode.load.registry import decode, detect_legacy

TEXT = "Interviewer: Was the café’s “merger” worth £5m?\r\nR1: Naïve — perhaps.\r\n"
NORMALISED = TEXT.replace("\r\n", "\n")


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM, native order
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-le-bom", "utf16-be-bom", "cp1252"],
)
def test_every_supported_encoding_decodes_to_the_same_text(data: bytes) -> None:
    assert decode(data, Path("t.txt"), None) == NORMALISED


def test_latin1_and_central_european_files_are_detected() -> None:
    assert decode("Bjørn Ærø façade".encode("latin-1"), Path("t.txt"), None) == "Bjørn Ærø façade"
    polish = "Zażółć gęślą jaźń, powiedział dyrektor zarządu."
    assert detect_legacy(polish.encode("cp1250")) == "cp1250"


def test_explicit_encoding_wins(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("Ä".encode("cp1252"))
    assert read_document(path, ReadOptions(encoding="latin-1"))[0].text == "Ä"


def test_undecodable_bytes_name_file_and_byte_offset() -> None:
    data = b"Interviewer: ok\n" + b"\x81\x8d\x8f\x90"
    with pytest.raises(TranscriptEncodingError, match=r"t.txt: byte offset 16: not valid utf-8 \(byte 0x81\)"):
        decode(data, Path("t.txt"), None)
    with pytest.raises(TranscriptEncodingError, match=r"byte offset 3: not valid utf-8 \(byte 0xe9\)"):
        decode(b"caf\xe9", Path("t.txt"), "utf-8")


def test_nul_bytes_mean_a_binary_file() -> None:
    with pytest.raises(TranscriptEncodingError, match=r"t.txt: byte offset 2: a NUL byte"):
        decode(b"ab\x00cd", Path("t.txt"), None)


def test_unknown_encoding_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="--encoding: unknown encoding 'klingon'"):
        decode(b"x", Path("t.txt"), "klingon")


def test_cli_encoding_error_is_one_line_without_traceback(tmp_path: Path, mini_codebook: Path) -> None:
    folder = tmp_path / "case_a"
    folder.mkdir()
    (folder / "t.txt").write_bytes(b"R1: caf\xe9 savings\n")
    result = CliRunner().invoke(app, ["code", str(tmp_path), "-c", str(mini_codebook), "-o", str(tmp_path / "out"), "--case-from", "folder", "--encoding", "utf-8", "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "t.txt: byte offset 7: not valid utf-8" in result.output
    ok = CliRunner().invoke(app, ["code", str(tmp_path), "-c", str(mini_codebook), "-o", str(tmp_path / "out"), "--case-from", "folder", "--encoding", "cp1252", "-q"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "texts" / "case_a" / "t.txt").read_text(encoding="utf-8") == "R1: café savings\n"
