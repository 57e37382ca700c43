"""Serial, worker-process and Dask runs give byte-identical results folders."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode import code_corpus, load_codebook
from casecode.cli.app import app
from casecode.coding import backends
from casecode.coding.backends import CoderSpec, DaskBackend, DocumentCoder, ProcessBackend, SerialBackend, batches, open_backend
from casecode.errors import OptionError
from casecode.load import load_corpus
from casecode.synthetic import write_synthetic_corpus, write_synthetic_survey

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "transcripts_example"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
COMPARED = ("segments.csv", "units.csv", "matrix.csv", "documents.csv", "cases.csv", "segments.parquet", "segments_for_spreadsheets.csv")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus whose file order differs from document-id order."""
    folder = tmp_path_factory.mktemp("generated")
    write_synthetic_corpus(folder / "a", words=24_000, documents=8, seed=3)
    write_synthetic_corpus(folder / "a-b", words=6_000, documents=2, seed=4)  # "a-b/..." sorts before "a/..."
    return folder


@pytest.fixture(scope="module")
def serial_runs(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("serial")
    runs = {}
    for name, corpus in (("example", EXAMPLE), ("generated", generated)):
        out = base / name
        code_corpus([corpus], CODEBOOK, out=out, xlsx=False, keep=False)
        runs[name] = out
    return runs


def assert_same_folder(expected: Path, actual: Path) -> None:
    for name in COMPARED:
        assert (expected / name).read_bytes() == (actual / name).read_bytes(), f"{name} differs"
    assert not filecmp.dircmp(expected / "texts", actual / "texts").diff_files


def test_serial_run_codes_the_generated_corpus(serial_runs: dict[str, Path]) -> None:
    segments = (serial_runs["generated"] / "segments.csv").read_text(encoding="utf-8").splitlines()
    documents = [line.split(",", 1)[0] for line in segments[1:]]
    assert len(segments) > 200
    assert documents == sorted(documents)
    assert documents[0].startswith("a-b/")


def start_as(monkeypatch: pytest.MonkeyPatch, backend: type, start: str) -> None:
    """Who codes: "workers" all documents, or "mixed": this process the first three while the workers 'start'."""
    if start == "workers":
        monkeypatch.setattr(backends, "_while_starting", lambda *args: iter(()))
    else:
        answers = iter([False, False, False])
        monkeypatch.setattr(backend, "ready", lambda self: next(answers, True))


@pytest.mark.parametrize("start", ["workers", "mixed"])
@pytest.mark.parametrize("corpus", ["example", "generated"])
def test_jobs_2_is_byte_identical_to_serial(corpus: str, start: str, generated: Path, serial_runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = EXAMPLE if corpus == "example" else generated
    start_as(monkeypatch, ProcessBackend, start)
    code_corpus([source], CODEBOOK, out=tmp_path / "out", xlsx=False, jobs=2, keep=False)
    assert_same_folder(serial_runs[corpus], tmp_path / "out")


def test_survey_of_many_short_answers_jobs_2_is_byte_identical_to_serial(tmp_path: Path) -> None:
    """One document per answer, more answers than a worker's batch holds (BATCH_DOCUMENTS)."""
    from casecode.load import ReadOptions

    survey = write_synthetic_survey(tmp_path / "survey" / "answers.csv", answers=600, seed=5)
    assert survey.read_bytes() == write_synthetic_survey(tmp_path / "again.csv", answers=600, seed=5).read_bytes()
    options = ReadOptions(text_column="answer", document_column="respondent")
    serial = code_corpus([survey], CODEBOOK, out=tmp_path / "serial", xlsx=False, keep=False, options=options)
    assert serial.summary is not None and serial.summary.documents == 600 > backends.BATCH_DOCUMENTS
    assert serial.summary.codings > 100
    assert len(list((tmp_path / "serial" / "texts").rglob("*.txt"))) == 600
    cases = (tmp_path / "serial" / "cases.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in cases[1:]] == [f"case_{n}" for n in range(1, 6)]
    code_corpus([survey], CODEBOOK, out=tmp_path / "jobs", xlsx=False, keep=False, options=options, jobs=2)
    assert_same_folder(tmp_path / "serial", tmp_path / "jobs")


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize("start", ["workers", "mixed"])
@pytest.mark.parametrize("corpus", ["example", "generated"])
def test_dask_local_cluster_is_byte_identical_to_serial(corpus: str, start: str, generated: Path, serial_runs: dict[str, Path], dask_client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = EXAMPLE if corpus == "example" else generated
    start_as(monkeypatch, DaskBackend, start)
    run = code_corpus([source], CODEBOOK, out=tmp_path / "out", xlsx=False, dask=dask_client)
    assert_same_folder(serial_runs[corpus], tmp_path / "out")
    assert run.summary is not None and run.summary.codings == len(run.codings) > 0


def test_cli_dask_local_with_worker_processes(serial_runs: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")
    result = CliRunner().invoke(app, ["code", str(EXAMPLE), "-c", str(CODEBOOK), "--out", str(tmp_path / "out"), "--dask", "local", "--jobs", "2", "--no-xlsx"])
    assert result.exit_code == 0, result.output
    # This process codes the small example before the workers are ready; closing the
    # cluster must not leave the workers' pipeline builds to be cancelled (and logged).
    logged = capfd.readouterr().err
    assert "CancelledError" not in logged and "WARNING" not in logged, logged[-2000:]
    corpus = load_corpus([EXAMPLE])
    assert f"coded {len(corpus.documents)} documents in {len({d.case for d in corpus.documents})} cases" in result.output
    assert_same_folder(serial_runs["example"], tmp_path / "out")



def test_dask_local_cluster_checks_itself_less_often_and_does_not_profile() -> None:
    """The cluster `--dask local` starts runs with its monitors coarsened, in every process."""
    pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")
    import dask

    spec = CoderSpec(load_codebook(CODEBOOK))
    keys = [*backends.LOCAL_CLUSTER_MONITORS, "distributed.worker.profile.enabled"]
    with DaskBackend("local", workers=2, spec=spec) as backend:
        client = backend.client  # waits for the cluster to start
        client.wait_for_workers(2)
        workers = client.run(lambda: {key: dask.config.get(key) for key in keys})
        # the scheduler runs in this process: its checks were set up when it started
        scheduler = client.run_on_scheduler(lambda dask_scheduler: {name: dask_scheduler.periodic_callbacks[name].callback_time for name in ("tick", "monitor")})
    assert len(workers) == 2
    for settings in workers.values():
        assert settings == {**backends.LOCAL_CLUSTER_MONITORS, "distributed.worker.profile.enabled": False}
    assert scheduler == {"tick": 1000, "monitor": 5000}  # milliseconds
    # and the settings did not stay behind in this process
    assert dask.config.get("distributed.admin.tick.interval") != backends.LOCAL_CLUSTER_MONITORS["distributed.admin.tick.interval"]

def test_cli_jobs_2(serial_runs: dict[str, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["code", str(EXAMPLE), "-c", str(CODEBOOK), "--out", str(tmp_path / "out"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert_same_folder(serial_runs["example"], tmp_path / "out")
    assert (tmp_path / "out" / "casecode.xlsx").is_file()


def test_backends_return_records_in_input_order() -> None:
    spec = CoderSpec(load_codebook(CODEBOOK))
    documents = load_corpus([EXAMPLE]).documents
    serial = list(SerialBackend().run(spec, documents))
    with ProcessBackend(2) as backend:
        parallel = list(backend.run(spec, documents))
    assert [c.document.id for c in parallel] == [d.id for d in documents]
    assert [c.codings for c in parallel] == [c.codings for c in serial]
    assert [c.units for c in parallel] == [c.units for c in serial]
    # the main process keeps its own Document (with attributes); workers never send it back
    assert parallel[0].document is documents[0]


def test_this_process_codes_the_first_documents_while_workers_start(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = CoderSpec(load_codebook(CODEBOOK), rows=True, records=False)
    documents = load_corpus([EXAMPLE]).documents
    serial = list(SerialBackend().run(spec, documents))
    answers = iter([False, False, False])
    with ProcessBackend(2, spec) as backend:
        monkeypatch.setattr(backend, "ready", lambda: next(answers, True))
        mixed = list(backend.run(spec, documents, local=DocumentCoder(spec)))
    # Coded here: the codings travel with the rows; from a worker (records=False), rows only.
    assert [bool(c.codings) for c in mixed] == [True] * 3 + [False] * (len(documents) - 3)
    assert [c.document.id for c in mixed] == [d.id for d in documents]
    assert [c.rows for c in mixed] == [c.rows for c in serial]
    # A coder for another spec is never used in place of the workers.
    other = DocumentCoder(CoderSpec(load_codebook(CODEBOOK), rows=True, records=True))
    with ProcessBackend(2, spec) as backend:
        monkeypatch.setattr(backend, "ready", lambda: False)
        assert not any(c.codings for c in backend.run(spec, documents[:2], local=other))


def test_workers_that_cannot_start_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = CoderSpec(load_codebook(CODEBOOK))
    documents = load_corpus([EXAMPLE]).documents

    class Refusing:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def submit(self, *args: object) -> None:
            raise OSError("no more processes")

        def shutdown(self, **kwargs: object) -> None:
            pass

    monkeypatch.setattr(backends, "ProcessPoolExecutor", Refusing)
    with ProcessBackend(2, spec) as backend, pytest.raises(OptionError, match="worker processes did not start .*no more processes"):
        list(backend.run(spec, documents, local=DocumentCoder(spec)))


def test_batches_keep_order_and_size() -> None:
    documents = load_corpus([EXAMPLE]).documents
    groups = list(batches(documents, chars=1))
    assert [g[0] for g in groups] == list(documents)
    assert [d for g in batches(documents, chars=10**9) for d in g] == list(documents)


def test_bad_jobs_and_unreachable_dask() -> None:
    with pytest.raises(OptionError, match="--jobs 0"):
        open_backend(jobs=0)
    pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")
    with pytest.raises(OptionError, match="cannot reach the scheduler"):
        DaskBackend("tcp://127.0.0.1:9", timeout="1s")


def test_missing_dask_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_distributed(name: str, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(OptionError, match="dask extra is not installed"):
        open_backend(dask="local")


def test_keep_going_with_jobs_lists_the_same_failures(tmp_path: Path, mini_codebook: Path) -> None:
    root = tmp_path / "in"
    (root / "case_a").mkdir(parents=True)
    (root / "case_a" / "good.txt").write_text("R1: We trusted the other board.\n", encoding="utf-8")
    (root / "case_a" / "bad.txt").write_bytes(b"R1: \x81\x8d\x8f\x90 broken\n")
    (root / "case_a" / "more.txt").write_text("R1: The culture clash was real, and we saved money.\n", encoding="utf-8")
    serial = code_corpus([root], mini_codebook, out=tmp_path / "serial", case_from="folder", keep_going=True, xlsx=False)
    parallel = code_corpus([root], mini_codebook, out=tmp_path / "jobs", case_from="folder", keep_going=True, xlsx=False, jobs=2)
    assert [p for p, _ in parallel.corpus.failed] == [p for p, _ in serial.corpus.failed] == [(root / "case_a" / "bad.txt").as_posix()]
    for name in (*COMPARED, "manifest.json"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "jobs" / name).read_bytes(), name


def test_dask_backend_runs_twice_on_one_client(dask_client) -> None:
    spec = CoderSpec(load_codebook(CODEBOOK))
    documents = load_corpus([EXAMPLE]).documents[:3]
    backend = DaskBackend(dask_client)
    first = [c.codings for c in backend.run(spec, documents)]
    second = [c.codings for c in backend.run(spec, documents)]  # regression: the first run's data was released
    assert first == second and any(first)


def _script_importers(tmp_path: Path, body: str) -> tuple[list[str], str]:
    """Run a script that logs the process id of every process importing it; return the log and stderr."""
    import subprocess
    import sys

    log = tmp_path / "importers.log"
    script = tmp_path / "study.py"
    script.write_text(
        "import os\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(f'{os.getpid()} {__name__}\\n')\n"
        "from casecode import code_corpus\n"
        + body.format(example=str(EXAMPLE), codebook=str(CODEBOOK), out=str(tmp_path / "out")),
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    return log.read_text().splitlines(), done.stderr


def test_workers_do_not_each_import_the_main_script_again(tmp_path: Path) -> None:
    """The fork server imports the script that started the run, once; its workers are
    forked from it without importing the script (and casecode with it) each, one after
    the other."""
    from casecode.coding import forkserver

    if not forkserver.AVAILABLE:
        pytest.skip("this platform has no fork server: workers are spawned and import the script")
    body = "if __name__ == '__main__':\n    code_corpus([{example!r}], {codebook!r}, out={out!r}, jobs=3, xlsx=False)\n"
    importers, stderr = _script_importers(tmp_path, body)
    assert (tmp_path / "out" / "segments.csv").exists(), stderr[-2000:]
    # the script itself, and the fork server (as multiprocessing's __mp_main__); not the three workers
    assert sorted(name for _, name in (line.split() for line in importers)) == ["__main__", "__mp_main__"]
    assert len({pid for pid, _ in (line.split() for line in importers)}) == 2


def test_a_script_without_a_main_guard_gets_a_clear_error(tmp_path: Path) -> None:
    body = "code_corpus([{example!r}], {codebook!r}, out={out!r}, jobs=2, xlsx=False)\n"
    _, stderr = _script_importers(tmp_path, body)
    assert "worker processes did not start" in stderr and "__name__ == '__main__'" in stderr
    assert not (tmp_path / "out").exists()




WARM_CHECK = """
from concurrent.futures import ProcessPoolExecutor

from casecode import load_codebook, nlp
from casecode.coding import backends


def pipeline_cache():
    hits, misses, _, size = nlp._build_cached.cache_info()
    return hits, misses, size


def build_coder(codebook):
    backends.DocumentCoder(backends.CoderSpec(load_codebook(codebook)))


if __name__ == "__main__":
    with ProcessPoolExecutor(1, mp_context=backends._mp_context()) as pool:
        before = pool.submit(pipeline_cache).result()
        pool.submit(build_coder, {codebook!r}).result()
        print((before, pool.submit(pipeline_cache).result()))
"""


def test_worker_processes_find_the_blank_pipeline_built(tmp_path: Path) -> None:
    """The fork server builds the blank pipelines once; a worker forked from it does not
    build its own (about 0.4 s each, most of it loading the lemma table)."""
    import subprocess
    import sys

    from casecode.coding import forkserver

    if not forkserver.AVAILABLE:
        pytest.skip("this platform has no fork server: each worker builds its pipeline")
    script = tmp_path / "check.py"  # a fresh process: its fork server is started for --jobs workers
    script.write_text(WARM_CHECK.format(codebook=str(CODEBOOK)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300)
    (hits, misses, size), after = eval(done.stdout.strip().splitlines()[-1])
    assert size == 2  # with and without the lemmatizer, built by the server
    assert after == (hits + 1, misses, 2)  # the worker's coder (lemma rules) took the built one


DASK_WARM_CHECK = """
from casecode import load_codebook, load_corpus, nlp
from casecode.coding import backends


def worker_state():
    hits, misses, _, size = nlp._build_cached.cache_info()
    return backends._DASK_SHARED_THREAD is not None, hits, misses, size


if __name__ == "__main__":
    spec = backends.CoderSpec(load_codebook({codebook!r}))
    documents = load_corpus([{example!r}]).documents
    with backends.DaskBackend("local", workers=2, spec=spec) as backend:
        coded = list(backend.run(spec, documents))
        backend.client.wait_for_workers(2)
        print((len(coded), sorted(backend.client.run(worker_state).values())))
"""


def test_dask_worker_processes_code_with_the_pipeline_the_server_built(tmp_path: Path) -> None:
    """A `--dask local` worker process is forked from the server that built the blank
    pipelines: its one coding thread takes them instead of building its own."""
    import subprocess
    import sys

    from casecode.coding import forkserver

    pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")
    if not forkserver.AVAILABLE:
        pytest.skip("this platform has no fork server: each worker builds its pipeline")
    script = tmp_path / "check.py"
    script.write_text(DASK_WARM_CHECK.format(codebook=str(CODEBOOK), example=str(EXAMPLE)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300)
    coded, workers = eval(done.stdout.strip().splitlines()[-1])
    assert coded == len(load_corpus([EXAMPLE]).documents)
    assert len(workers) == 2
    for shared, hits, misses, size in workers:
        assert shared and size == 2 and misses == 2 and hits >= 1  # built by the server (2 misses there), taken here


def test_worker_processes_leave_ctrl_c_to_this_process() -> None:
    """A terminal's Ctrl-C reaches every process of the command: workers ignore it (no
    traceback of theirs), this process still takes it and shuts them down."""
    import signal

    spec = CoderSpec(load_codebook(CODEBOOK))
    with ProcessBackend(2, spec) as backend:
        list(backend.run(spec, load_corpus([EXAMPLE]).documents[:1]))  # the workers have started
        assert backend._pool is not None
        handlers = {backend._pool.submit(signal.getsignal, signal.SIGINT).result() for _ in range(4)}
    assert handlers == {signal.SIG_IGN}
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def test_dask_worker_processes_leave_ctrl_c_to_this_process_and_do_not_log_cancelled_tasks() -> None:
    import logging
    import signal

    pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")
    spec = CoderSpec(load_codebook(CODEBOOK))
    with DaskBackend("local", workers=2, spec=spec) as backend:
        backend.client.wait_for_workers(2)
        states = backend.client.run(lambda: (signal.getsignal(signal.SIGINT) is signal.SIG_IGN, logging.getLogger("distributed.worker.state_machine").level))
    assert list(states.values()) == [(True, logging.ERROR)] * 2
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    assert logging.getLogger("distributed.worker.state_machine").level != logging.ERROR  # only in the workers
    with DaskBackend("local", workers=1, processes=False, spec=spec) as threads:  # workers in this process
        assert threads.workers == 1
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
