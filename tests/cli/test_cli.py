"""The CLI through typer's CliRunner: outputs, errors as one line, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from casecode.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_code_writes_every_output_and_offsets_slice_the_texts(example_run) -> None:
    _, out = example_run
    for name in ("segments.csv", "units.csv", "documents.csv", "cases.csv", "matrix.csv", "casecode.xlsx", "manifest.json", "codebook.yaml"):
        assert (out / name).is_file(), name
    segments = pd.read_csv(out / "segments.csv", dtype=str, keep_default_na=False)
    assert list(segments.columns[:11]) == ["document", "case", "speaker", "unit", "segment", "start", "end", "theme", "code", "rule", "rules"]
    for row in segments.itertuples():
        text = (out / "texts" / f"{row.document}.txt").read_text(encoding="utf-8")
        assert text[int(row.start) : int(row.end)] == row.text
        assert text[int(row.match_start) : int(row.match_end)] == row.matched


def test_manifest_records_versions_and_hashes(example_run) -> None:
    _, out = example_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["codebook"]["name"] == "Partnership working"
    assert len(manifest["codebook"]["sha256"]) == 64
    assert manifest["pipeline"]["name"] == "blank:en" and manifest["spacy"].startswith("3.")
    assert all(len(d["sha256"]) == 64 for d in manifest["documents"])
    assert manifest["counts"]["documents"] == len(manifest["documents"]) >= 10


def test_same_inputs_same_bytes(example_run, tmp_path: Path) -> None:
    _, first = example_run
    second = tmp_path / "again"
    result = runner.invoke(app, ["code", str(ROOT / "transcripts_example"), "--codebook", str(ROOT / "codebooks" / "partnership.yaml"), "--out", str(second), "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("segments.csv", "units.csv", "documents.csv", "cases.csv", "matrix.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_matrix_by_attribute_and_measures(results_copy: Path) -> None:
    result = runner.invoke(app, ["matrix", str(results_copy), "--by", "policy_field", "--measure", "share"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(results_copy / "matrix_policy_field_share.csv")
    assert {"housing", "employment services"} <= set(frame.columns)
    assert frame.drop(columns=["theme", "code", "label"]).to_numpy().max() <= 100
    assert (results_copy / "matrix_policy_field_share.xlsx").is_file()
    bad = runner.invoke(app, ["matrix", str(results_copy), "--by", "nosuch"])
    assert bad.exit_code == 1 and "--by nosuch: no such attribute" in bad.output and "policy_field" in bad.output


def test_xlsx_sheets_frozen_and_filtered(example_run) -> None:
    _, out = example_run
    book = openpyxl.load_workbook(out / "casecode.xlsx")
    assert book.sheetnames == ["matrix", "share", "documents", "segments", "codebook", "run"]
    for name in ("matrix", "share", "documents", "segments", "codebook"):
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref, name
    assert book["matrix"].conditional_formatting, "colour scale on the matrix"
    matrix = pd.read_csv(out / "matrix.csv")
    assert [c.value for c in book["matrix"][1]] == list(matrix.columns)


def test_show_prints_excerpts(example_run) -> None:
    _, out = example_run
    code = pd.read_csv(out / "segments.csv")["code"].iloc[0]
    result = runner.invoke(app, ["show", str(out), code, "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "rule" in result.output and "excerpt(s) coded" in result.output
    missing = runner.invoke(app, ["show", str(out), "trsut"])
    assert missing.exit_code == 1 and "no code 'trsut'" in missing.output


def test_bad_codebook_is_one_line_per_problem_no_traceback(tmp_path: Path) -> None:
    book = tmp_path / "cb.yaml"
    book.write_text("name: x\nthemes:\n  - id: t\n    label: T\n    codes:\n      - {id: c, label: C, colour: red}\n", encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("R1: hi", encoding="utf-8")
    result = runner.invoke(app, ["code", str(tmp_path / "t"), "--codebook", str(book), "--case-from", "folder", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{book}:6 (themes > t > codes > c > colour): unknown key 'colour' — did you mean 'color'?" in result.output
    assert not (tmp_path / "o").exists(), "no half-written output"


@pytest.mark.parametrize(("jobs", "message"), [("0", "--jobs 0: must be 1 or more"), ("many", "--jobs 'many': not a number of worker processes"), ("100000", "--jobs 100000: more than")])
def test_bad_jobs_is_one_line_and_writes_nothing(jobs: str, message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["code", str(ROOT / "transcripts_example"), "--codebook", str(ROOT / "codebooks" / "partnership.yaml"), "--out", str(tmp_path / "o"), "--jobs", jobs])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert message in result.output and "auto" in result.output  # the fix: a number, or auto
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_jobs_auto_uses_every_usable_core_and_gives_the_same_bytes(example_run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from casecode.coding import backends, jobs

    monkeypatch.setattr(jobs, "usable_cpus", lambda: 8)  # the example (132 kB) makes two batches: two workers
    started: list[int] = []
    real = backends.ProcessBackend.__init__
    monkeypatch.setattr(backends.ProcessBackend, "__init__", lambda self, workers, spec=None: started.append(workers) or real(self, workers, spec))
    result = runner.invoke(app, ["code", str(ROOT / "transcripts_example"), "--codebook", str(ROOT / "codebooks" / "partnership.yaml"), "--out", str(tmp_path / "auto"), "--no-xlsx", "--quiet", "--jobs", "auto"])
    assert result.exit_code == 0, result.output
    assert started == [2]
    for name in ("segments.csv", "units.csv", "matrix.csv", "segments.parquet"):
        assert (example_run[1] / name).read_bytes() == (tmp_path / "auto" / name).read_bytes(), name


def test_undecodable_transcript_names_file_and_offset(tmp_path: Path, mini_codebook: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_bytes(b"R1: caf\x81")  # not UTF-8, and no legacy encoding fits
    result = runner.invoke(app, ["code", str(tmp_path / "t"), "--codebook", str(mini_codebook), "--case-from", "folder", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "a.txt: byte offset 7" in result.output and "--encoding" in result.output


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in app.registered_commands:
        assert command.callback is not None and (command.callback.__doc__ or "").strip(), command.name
        sub = runner.invoke(app, [command.name or command.callback.__name__, "--help"])
        assert sub.exit_code == 0 and "Example" in sub.output, command.name


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--case-from", "folders"], "--case-from folders: unknown source of cases — use --case-from folder"),
        (["--dask", "nowhere"], "--dask nowhere: not a scheduler address — give tcp://HOST:PORT"),
    ],
)
def test_wrong_option_values_are_one_line_errors(option: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["code", str(ROOT / "transcripts_example"), "--codebook", str(ROOT / "codebooks" / "partnership.yaml"), "--out", str(tmp_path / "o"), *option])
    assert result.exit_code == 1, result.output
    assert message in result.output and "internal error" not in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["report", "{results}", "-o", "{folder}"],
        ["matrix", "{results}", "--out", "{folder}"],
        ["export", "{results}", "-o", "{folder}"],
        ["agree", "{results}", "{results}", "-o", "{folder}"],
        ["codebook", "render", str(ROOT / "codebooks" / "partnership.yaml"), "--format", "html", "-o", "{folder}"],
        ["codebook", "export", str(ROOT / "codebooks" / "partnership.yaml"), "--to", "qdc", "-o", "{folder}"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_an_output_file_that_is_a_folder_is_a_one_line_error(command: list[str], example_run, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    args = [a.format(results=example_run[1], folder=folder) for a in command]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"{folder}: is a folder, not a file" in result.output and "internal error" not in result.output
    assert list(folder.iterdir()) == [] and [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_os_errors_about_a_path_are_one_line_others_are_internal(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    from casecode.cli.common import handle_errors

    @handle_errors
    def unwritable() -> None:
        raise PermissionError(13, "Permission denied", "/srv/study/report.html")

    @handle_errors
    def unreachable() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(typer.Exit) as done:
        unwritable()
    assert done.value.exit_code == 1
    assert capsys.readouterr().err.strip() == "error: /srv/study/report.html: Permission denied — check the path, its permissions and the free space"
    with pytest.raises(typer.Exit) as done:
        unreachable()
    assert done.value.exit_code == 2
    assert capsys.readouterr().err.startswith("internal error: ConnectionRefusedError")
