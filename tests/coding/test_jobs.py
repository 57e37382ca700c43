"""``--jobs N|auto``: how many worker processes a run asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.coding import jobs as jobs_module
from casecode.coding.backends import ProcessBackend, SerialBackend, open_backend
from casecode.coding.jobs import for_corpus, resolve_jobs, usable_cpus
from casecode.errors import OptionError


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (4, 4), ("3", 3), (" 2 ", 2), ("12", 12)])
def test_numbers_are_taken_as_they_are(value, expected: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_module.os, "cpu_count", lambda: 4)  # up to 16 workers
    assert resolve_jobs(value) == expected


def test_more_than_four_workers_per_core_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_module.os, "cpu_count", lambda: 2)
    assert resolve_jobs(8) == 8
    with pytest.raises(OptionError, match=r"--jobs 9: more than 8 worker processes \(4 per core") as raised:
        resolve_jobs("9")
    assert "auto" in str(raised.value.hint) and "--dask" in str(raised.value.hint)


@pytest.mark.parametrize("value", ["auto", "AUTO", " Auto "])
def test_auto_is_one_worker_per_usable_core(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_module, "usable_cpus", lambda: 6)
    assert resolve_jobs(value) == 6


@pytest.mark.parametrize(("value", "message"), [(0, "--jobs 0: must be 1 or more"), ("-2", "--jobs -2: must be 1 or more"), ("many", "--jobs 'many': not a number"), ("", "not a number"), ("2.5", "not a number"), (True, "must be 1 or more")])
def test_bad_values_say_what_to_give_instead(value, message: str) -> None:
    with pytest.raises(OptionError, match=message) as raised:
        resolve_jobs(value)
    assert "auto" in str(raised.value.hint)


def _affinity(monkeypatch: pytest.MonkeyPatch, cores: int) -> None:
    monkeypatch.setattr(jobs_module.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)


@pytest.mark.parametrize(("cpu_max", "expected"), [("max 100000\n", 8), ("200000 100000\n", 2), ("150000 100000", 2), ("50000 100000", 1), ("1600000 100000", 8), ("garbage", 8), ("100000 0", 8)])
def test_a_container_quota_lowers_the_count(cpu_max: str, expected: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _affinity(monkeypatch, 8)
    path = tmp_path / "cpu.max"
    path.write_text(cpu_max, encoding="ascii")
    assert usable_cpus(cpu_max=path) == expected


def test_the_affinity_mask_counts_not_the_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _affinity(monkeypatch, 3)
    monkeypatch.setattr(jobs_module.os, "cpu_count", lambda: 64)
    assert usable_cpus(cpu_max=tmp_path / "absent") == 3


def test_without_an_affinity_call_the_cpu_count_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(jobs_module.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(jobs_module.os, "cpu_count", lambda: None)  # as os.cpu_count() may say
    assert usable_cpus(cpu_max=tmp_path / "absent") == 1
    monkeypatch.setattr(jobs_module.os, "cpu_count", lambda: 5)
    assert usable_cpus(cpu_max=tmp_path / "absent") == 5


def test_open_backend_takes_auto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_module, "usable_cpus", lambda: 1)
    assert isinstance(open_backend(jobs="auto"), SerialBackend)  # one core: no workers
    monkeypatch.setattr(jobs_module, "usable_cpus", lambda: 3)
    # not started: only the count it is given is checked
    monkeypatch.setattr(ProcessBackend, "__init__", lambda self, workers, spec=None: setattr(self, "workers", workers))
    backend = open_backend(jobs="auto")
    assert isinstance(backend, ProcessBackend) and backend.workers == 3
    with pytest.raises(OptionError, match="--jobs 'lots'"):
        open_backend(jobs="lots")


@pytest.mark.parametrize(("cores", "sizes", "expected"), [(8, [132_000], 2), (8, [], 1), (8, [1], 1), (2, [10**7], 2), (16, [99_999, 1], 1), (16, [100_000, 1], 2)])
def test_auto_starts_no_more_workers_than_the_corpus_has_batches(cores: int, sizes: list[int], expected: int) -> None:
    assert for_corpus(cores, sizes, piece=100_000) == expected


def _started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker counts ProcessBackends are made with (none is started)."""
    from casecode.coding import backends

    started: list[int] = []

    def fake(self, workers, spec=None):  # noqa: ANN001
        started.append(workers)
        raise _Stop

    monkeypatch.setattr(backends.ProcessBackend, "__init__", fake)
    return started


class _Stop(Exception):
    pass


def test_code_corpus_caps_auto_by_the_corpus_but_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    from casecode import code_corpus

    root = Path(__file__).resolve().parents[2]
    example, codebook = root / "transcripts_example", root / "codebooks" / "partnership.yaml"
    monkeypatch.setattr(jobs_module, "usable_cpus", lambda: 12)
    started = _started(monkeypatch)
    for jobs in ("auto", 5):
        with pytest.raises(_Stop):
            code_corpus([example], codebook, jobs=jobs)
    assert started == [2, 5]  # 132 kB of transcripts: two batches of 100 kB


def test_sizes_are_the_transcript_files(tmp_path: Path) -> None:
    from casecode.load import scan_corpus

    (tmp_path / "a.txt").write_text("R1: " + "word " * 100, encoding="utf-8")
    (tmp_path / "b.md").write_text("R2: hello", encoding="utf-8")
    assert sorted(scan_corpus([tmp_path]).sizes()) == [9, 504]
