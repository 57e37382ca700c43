"""Nothing lost: --keep-going lists failures, interrupted or failed runs keep old results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import casecode.export.folder as folder_module
from casecode import code_corpus
from casecode.cli.app import app
from casecode.errors import TranscriptError
from casecode.results import deferred_interrupt, transaction, write_text


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "case_a").mkdir(parents=True)
    (root / "case_b").mkdir()
    (root / "case_a" / "good.txt").write_text("R1: We trusted the other board.\n", encoding="utf-8")
    (root / "case_a" / "bad.txt").write_bytes(b"R1: \x81\x8d\x8f\x90 broken\n")
    (root / "case_b" / "good.md").write_text("---\ncase: case_b\n---\nR1: The savings were real.\n", encoding="utf-8")
    (root / "case_b" / "dup.md").write_text("---\ncase: case_b\ncase: case_c\n---\nR1: hi\n", encoding="utf-8")
    return root


def test_without_keep_going_the_first_failure_stops_and_writes_nothing(mixed: Path, mini_codebook: Path, tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="bad.txt: byte offset 4"):
        code_corpus([mixed], mini_codebook, out=tmp_path / "out", case_from="folder")
    assert not (tmp_path / "out").exists()


def test_keep_going_codes_the_rest_and_lists_failures(mixed: Path, mini_codebook: Path, tmp_path: Path) -> None:
    run = code_corpus([mixed], mini_codebook, out=tmp_path / "out", case_from="folder", keep_going=True)
    assert sorted(d.id for d in run.documents) == ["case_a/good", "case_b/good"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    failed = {Path(f["path"]).name: f["error"] for f in manifest["failed"]}
    assert set(failed) == {"bad.txt", "dup.md"}
    assert "byte offset 4" in failed["bad.txt"]
    assert "duplicate key 'case'" in failed["dup.md"]
    assert manifest["counts"]["failed"] == 2


def test_cli_keep_going_exit_code_and_stderr(mixed: Path, mini_codebook: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["code", str(mixed), "-c", str(mini_codebook), "-o", str(tmp_path / "out"), "--case-from", "folder", "--keep-going", "-q"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert "2 file(s) failed" in result.output
    assert (tmp_path / "out" / "segments.csv").is_file()
    stop = runner.invoke(app, ["code", str(mixed), "-c", str(mini_codebook), "-o", str(tmp_path / "out2"), "--case-from", "folder", "-q"])
    assert stop.exit_code == 1 and "Traceback" not in stop.output


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_interrupted_write_leaves_previous_results_intact(exc: type[BaseException], mixed: Path, mini_codebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    code_corpus([mixed], mini_codebook, out=out, case_from="folder", keep_going=True)
    before = _snapshot(out)
    (mixed / "case_a" / "good.txt").write_text("R1: We trusted them, and the savings came.\n", encoding="utf-8")
    real = folder_module.write_csv

    def failing(target: Path, frame) -> None:  # type: ignore[no-untyped-def]
        if target.name == "cases.csv":  # after texts/, segments.csv and units.csv were written
            raise exc()
        real(target, frame)

    monkeypatch.setattr(folder_module, "write_csv", failing)
    with pytest.raises(exc):
        code_corpus([mixed], mini_codebook, out=out, case_from="folder", keep_going=True)
    assert _snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_cli_ctrl_c_says_results_were_left_as_they_were(mixed: Path, mini_codebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import casecode.run

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(casecode.run, "code_corpus", interrupted)  # what `casecode code` calls
    result = CliRunner().invoke(app, ["code", str(mixed), "-c", str(mini_codebook), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 130
    assert "interrupted" in result.output and "Traceback" not in result.output


def test_ctrl_c_during_commit_is_held_back_until_all_files_moved(tmp_path: Path) -> None:
    import os
    import signal

    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            write_text(tmp_path / "a.txt", "a")  # still runs: the interrupt waits
    assert (tmp_path / "a.txt").read_text() == "a"


def test_transaction_moves_nothing_on_error(tmp_path: Path) -> None:
    write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError):
        with transaction():
            write_text(tmp_path / "a.txt", "new")
            write_text(tmp_path / "b.txt", "new")
            raise RuntimeError
    assert (tmp_path / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_results_files_get_ordinary_permissions(example_run) -> None:
    """Temporary files are private; the results a team shares must not stay that way."""
    import os
    import stat

    _, out = example_run
    mask = os.umask(0)
    os.umask(mask)
    for name in ("segments.csv", "matrix.csv", "casecode.xlsx", "manifest.json"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o666 & ~mask, name
    assert stat.S_IMODE((out / "texts").stat().st_mode) == 0o777 & ~mask


# --- where a results folder may go -------------------------------------------------


def test_a_folder_that_is_not_a_results_folder_is_refused_and_left_as_it_was(mixed: Path, mini_codebook: Path, tmp_path: Path) -> None:
    """A results folder replaces its cases.csv and texts/: a folder of the user's own would lose files."""
    from casecode.errors import ResultsError

    mine = tmp_path / "project"
    (mine / "texts").mkdir(parents=True)
    (mine / "texts" / "notes.txt").write_text("field notes\n", encoding="utf-8")
    (mine / "cases.csv").write_text("document,case\n", encoding="utf-8")
    before = sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*"))
    with pytest.raises(ResultsError, match=r"not a casecode results folder, and not empty \(cases.csv, texts\)"):
        code_corpus([mixed], mini_codebook, out=mine, case_from="folder", keep_going=True)
    assert sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*")) == before
    assert (mine / "cases.csv").read_text(encoding="utf-8") == "document,case\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".project")]  # no staging left


def test_the_transcripts_folder_itself_is_refused(mixed: Path, mini_codebook: Path) -> None:
    from casecode.errors import ResultsError

    with pytest.raises(ResultsError, match="the transcripts are in this folder"):
        code_corpus([mixed], mini_codebook, out=mixed / ".." / "in", case_from="folder", keep_going=True)


def test_new_empty_hidden_only_and_earlier_results_folders_are_written(mixed: Path, mini_codebook: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    hidden = tmp_path / "hidden"
    (hidden / ".git").mkdir(parents=True)
    for out in (tmp_path / "new" / "results", empty, hidden):
        code_corpus([mixed], mini_codebook, out=out, case_from="folder", keep_going=True)
        assert (out / "manifest.json").is_file()
    assert (hidden / ".git").is_dir()
    (empty / "my notes.md").write_text("kept\n", encoding="utf-8")  # added to an earlier run's folder
    code_corpus([mixed], mini_codebook, out=empty, case_from="folder", keep_going=True)
    assert (empty / "my notes.md").read_text(encoding="utf-8") == "kept\n"


def test_cli_refuses_a_foreign_or_file_target_in_one_line(mixed: Path, mini_codebook: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "interview.txt").write_text("R1: hi\n", encoding="utf-8")
    (tmp_path / "a_file").write_text("x\n", encoding="utf-8")
    for target, said in ((tmp_path / "data", "not a casecode results folder"), (tmp_path / "a_file", "a file, not a folder")):
        result = runner.invoke(app, ["code", str(mixed), "--codebook", str(mini_codebook), "--out", str(target), "--case-from", "folder", "--keep-going"])
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines() if result.stderr_bytes is not None else result.output.strip().splitlines()
        assert len(lines) == 1 and said in lines[0] and "Traceback" not in result.output
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["interview.txt"]


def test_import_refuses_a_foreign_folder_too(shared_dir: Path, tmp_path: Path) -> None:
    """REFI-QDA import writes a results folder the same way."""
    from casecode.errors import ResultsError
    from casecode.exchange.qdpx import import_qdpx

    project = shared_dir / "interop" / "nvivo_project.qdpx"
    if not project.is_file():
        pytest.skip(f"optional fixture {project} not present")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "cases.csv").write_text("keep\n", encoding="utf-8")
    with pytest.raises(ResultsError, match="not a casecode results folder"):
        import_qdpx(project, mine)
    assert (mine / "cases.csv").read_text(encoding="utf-8") == "keep\n"
