"""The command line starts without importing spaCy when a command needs no NLP."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _imports_spacy(code: str) -> bool:
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('spacy' in sys.modules)"], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1] == "True"


def test_cli_app_and_cache_info_do_not_import_spacy(tmp_path) -> None:
    assert not _imports_spacy("import casecode.cli.app")
    assert not _imports_spacy(f"from casecode.cli.app import app\nfrom typer.testing import CliRunner\nassert CliRunner().invoke(app, ['cache', 'info', '--cache-dir', {str(tmp_path)!r}]).exit_code == 0")
    assert not _imports_spacy("import casecode.coding.segment, casecode.export.rows, casecode.cache")


def test_coding_still_imports_it() -> None:
    assert _imports_spacy("import casecode.run")


def test_reading_a_results_folder_does_not_import_spacy(tmp_path) -> None:
    from pathlib import Path

    from casecode import code_corpus

    root = Path(__file__).resolve().parents[2]
    code_corpus([root / "transcripts_example"], root / "codebooks" / "partnership.yaml", out=tmp_path / "results", xlsx=False)
    folder = str(tmp_path / "results")
    for args in (["matrix", folder], ["report", folder, "-o", str(tmp_path / "report.html")], ["cooccur", folder]):
        assert not _imports_spacy(f"from casecode.cli.app import app\nfrom typer.testing import CliRunner\nr = CliRunner().invoke(app, {args!r})\nassert r.exit_code == 0, r.output"), args


def test_token_patterns_are_checked_against_spacys_schema_unless_asked_not_to() -> None:
    import pytest

    from casecode.codebook.load import parse_codebook
    from casecode.errors import CodebookError

    def book(pattern: str) -> str:
        return f'name: t\nversion: "1"\nthemes:\n  - id: th\n    label: Th\n    codes:\n      - id: c1\n        label: C1\n        rules:\n          - id: r1\n            pattern: {pattern}\n'

    with pytest.raises(CodebookError, match="invalid token pattern"):
        parse_codebook(book('[{LOWER: {IN: "trust"}}]'))
    assert parse_codebook(book('[{LOWER: {IN: "trust"}}]'), patterns=False).themes[0].codes[0].id == "c1"
    with pytest.raises(CodebookError, match="unknown token attribute 'LOWR'"):  # checked without spaCy too
        parse_codebook(book("[{LOWR: trust}]"), patterns=False)



def test_code_with_workers_starts_the_fork_server_before_importing_spacy(tmp_path) -> None:
    """`casecode code --jobs 2` starts the server its workers come from first, so that
    the server's imports run beside this process's own."""
    from pathlib import Path

    import pytest

    from casecode.coding import forkserver

    if not forkserver.AVAILABLE:
        pytest.skip("this platform has no fork server: workers are spawned")
    root = Path(__file__).resolve().parents[2]
    script = "\n".join([
        "import sys",
        "import casecode.coding.forkserver as f",
        "calls = []",
        "real = f.start_for",
        "f.start_for = lambda **options: calls.append(('spacy' in sys.modules, options, real(**options))) or calls[-1][2]",
        "from casecode.cli.app import app",
        "from typer.testing import CliRunner",
        f"args = ['code', {str(root / 'transcripts_example')!r}, '--codebook', {str(root / 'codebooks' / 'partnership.yaml')!r}, '--out', {str(tmp_path / 'out')!r}, '--no-xlsx', '-q', '--jobs', '2']",
        "r = CliRunner().invoke(app, args)",
        "assert r.exit_code == 0, r.output",
        "print(calls)",
    ])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    calls = eval(done.stdout.strip().splitlines()[-1])
    # called once, before spaCy was imported, and it started the server
    assert calls == [(False, {"jobs": 2, "dask": None}, True)]
    assert (tmp_path / "out" / "segments.csv").exists()


def test_the_fork_server_is_started_only_for_workers_of_this_machine() -> None:
    from casecode.coding import forkserver

    assert not forkserver.start_for(jobs=1)
    assert not forkserver.start_for(jobs=4, dask="tcp://127.0.0.1:8786")  # a remote cluster's workers
    assert not forkserver.start_for(dask="local", dask_processes=False)  # threads, not processes


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["code", "t", "-c", "b.yaml", "--jobs", "4"], (4, None)),
        (["code", "t", "--jobs=3", "-c", "b.yaml"], (3, None)),
        (["-v", "code", "t", "-j", "2"], (2, None)),
        (["--verbose", "code", "t", "-j2"], (2, None)),
        (["code", "t", "--dask", "local"], (1, "local")),
        (["code", "t", "--dask=tcp://10.0.0.5:8786", "--jobs", "2"], (2, "tcp://10.0.0.5:8786")),
        (["code", "t", "--jobs", "2", "--jobs", "1"], None),  # the last one counts, as for the command
        (["code", "t", "--jobs", "1"], None),
        (["code", "t"], None),
        (["code", "--help", "--jobs", "2"], None),
        (["code", "t", "--jobs", "two"], None),  # the command reports it
        (["code", "t", "--", "--jobs", "2"], None),  # a file named --jobs
        (["code", "t", "--jobsx", "2"], None),
        (["matrix", "results", "--jobs", "2"], None),
        ([], None),
    ],
)
def test_workers_requested_reads_just_enough_of_the_command_line(argv: list[str], wanted) -> None:
    from casecode.cli import workers_requested

    assert workers_requested(argv) == wanted


@pytest.mark.parametrize(("cores", "wanted"), [(4, (4, None)), (1, None)])
def test_workers_requested_reads_jobs_auto(cores: int, wanted, monkeypatch: pytest.MonkeyPatch) -> None:
    from casecode.cli import workers_requested
    from casecode.coding import jobs

    monkeypatch.setattr(jobs, "usable_cpus", lambda: cores)
    assert workers_requested(["code", "t", "--jobs", "auto"]) == wanted
    assert workers_requested(["code", "t", "-jauto", "--dask", "local"]) == ((cores, "local") if cores > 1 else (1, "local"))


def test_the_casecode_command_starts_the_fork_server_before_importing_the_commands(tmp_path) -> None:
    """`casecode code --jobs 2` starts the server before the commands (typer, pandas, ...)
    are imported: it then imports spaCy while this process imports those."""
    from pathlib import Path

    from casecode.coding import forkserver

    if not forkserver.AVAILABLE:
        pytest.skip("this platform has no fork server: workers are spawned")
    root = Path(__file__).resolve().parents[2]
    argv = ["casecode", "code", str(root / "transcripts_example"), "--codebook", str(root / "codebooks" / "partnership.yaml"), "--out", str(tmp_path / "out"), "--no-xlsx", "-q", "--jobs", "2"]
    script = "\n".join([
        "import sys",
        "import casecode.coding.forkserver as f",
        "calls = []",
        "real = f.start_for",
        "f.start_for = lambda **options: calls.append((sorted(m for m in ('casecode.cli.app', 'pandas', 'spacy', 'typer') if m in sys.modules), real(**options))) or calls[-1][1]",
        f"sys.argv = {argv!r}",
        "from casecode.cli import main",
        "try:",
        "    main()",
        "except SystemExit as done:",
        "    assert not done.code, done.code",
        "print(calls)",
    ])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    calls = eval(done.stdout.strip().splitlines()[-1])
    assert calls[0] == ([], True)  # first: nothing heavy imported yet, and the server started
    assert len(calls) == 2 and calls[1][0] == ["casecode.cli.app", "pandas", "typer"]  # again in the command: already running
    assert (tmp_path / "out" / "segments.csv").exists()


def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import types

    from casecode import cli

    class Interrupted(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "casecode.cli.app", Interrupted("casecode.cli.app"))
    monkeypatch.setattr(sys, "argv", ["casecode", "code", "t", "-c", "b.yaml"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_signal_while_the_commands_load_waits_for_the_imports(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A SIGINT during the imports is not raised inside them (where Python could lose it)."""
    import os
    import signal
    import types

    from casecode import cli

    loaded: list[str] = []

    class Loading(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            if name != "app":
                raise AttributeError(name)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of an import
            for _ in range(1000):  # the interpreter gets the chance to raise it here
                pass
            loaded.append(name)
            return object()

    monkeypatch.setitem(sys.modules, "casecode.cli.app", Loading("casecode.cli.app"))
    monkeypatch.setattr(sys, "argv", ["casecode", "code", "t", "-c", "b.yaml"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert loaded == ["app"], "the import ran to its end"
    assert done.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_in_a_run_with_workers_prints_no_traceback(tmp_path) -> None:
    """Ctrl-C reaches the whole command: the fork server (importing spaCy) ignores it,
    the command says "interrupted" in one line and exits with 130."""
    import os
    import signal
    import time
    from pathlib import Path

    from casecode.coding import forkserver

    if not forkserver.AVAILABLE:
        pytest.skip("this platform has no fork server: workers are spawned")
    root = Path(__file__).resolve().parents[2]
    args = [sys.executable, "-m", "casecode", "code", str(root / "transcripts_example"), "-c", str(root / "codebooks" / "partnership.yaml"), "--out", str(tmp_path / "out"), "-q", "--jobs", "2"]
    command = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def ignoring_server() -> bool:
        """Whether the command's fork server has started and ignores SIGINT (the mask in /proc)."""
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
            if b"forkserver" in cmdline and fields.get("PPid", "").strip() == str(command.pid):
                return bool(int(fields.get("SigIgn", "0"), 16) & (1 << (signal.SIGINT - 1)))
        return False

    deadline = time.monotonic() + 60
    while not ignoring_server() and command.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert command.poll() is None, "the run ended before it could be interrupted"
    os.killpg(command.pid, signal.SIGINT)
    out, err = command.communicate(timeout=120)
    assert command.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-2000:]
    assert err.strip().splitlines()[-1].startswith("interrupted")
    assert not (tmp_path / "out").exists()
