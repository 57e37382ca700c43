"""The malformed-input corpus (tests/data/bad/): each file fails with its expected one-line error."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode.cli.app import app
from tests.makefiles import BAD_FILES

BAD = Path(__file__).resolve().parent / "data" / "bad"
with open(BAD / "expected.csv", encoding="utf-8", newline="") as _handle:
    CASES = list(csv.DictReader(_handle))


def test_every_bad_file_is_listed_and_exists() -> None:
    listed = {row["file"] for row in CASES}
    on_disk = {p.name for p in BAD.iterdir() if p.name not in ("README.md", "expected.csv")}
    assert on_disk <= listed
    assert listed == on_disk | (listed & set(BAD_FILES))
    assert set(BAD_FILES) <= listed


def _bad_bytes(name: str) -> bytes:
    return BAD_FILES[name]() if name in BAD_FILES else (BAD / name).read_bytes()


@pytest.mark.parametrize("row", CASES, ids=[row["file"] for row in CASES])
def test_bad_input_gives_its_error_without_traceback(row: dict[str, str], tmp_path: Path, mini_codebook: Path) -> None:
    inputs = tmp_path / "in" / "case_a"
    inputs.mkdir(parents=True)
    args = ["code", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--case-from", "folder", "-q"]
    if row["role"] == "transcript":
        (inputs / row["file"]).write_bytes(_bad_bytes(row["file"]))
        args += ["--codebook", str(mini_codebook)]
    else:
        (inputs / "ok.txt").write_text("R1: We trusted them.\n", encoding="utf-8")
        bad = tmp_path / row["file"]
        bad.write_bytes(_bad_bytes(row["file"]))
        args += ["--codebook", str(bad)] if row["role"] == "codebook" else ["--codebook", str(mini_codebook), "--cases", str(bad)]
    result = CliRunner().invoke(app, args)
    output = result.output
    assert result.exit_code == 1, output
    assert "Traceback" not in output and "internal error" not in output
    assert row["error"] in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), output
    assert not (tmp_path / "out").exists()
