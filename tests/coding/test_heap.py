"""A run keeps the garbage collector off the objects that existed before it, and leaves its settings as they were."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from casecode import code_corpus
from casecode.coding.heap import RUN_THRESHOLD, settled_heap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def restore_gc():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    yield
    gc.set_threshold(*threshold)
    if gc.get_freeze_count() and not frozen:
        gc.unfreeze()


def test_settled_heap_freezes_and_raises_the_threshold_then_restores() -> None:
    gc.set_threshold(700, 10, 10)
    assert gc.get_freeze_count() == 0
    older = [object()]
    with settled_heap():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (RUN_THRESHOLD, 10, 10)
        assert gc.is_tracked(older)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_settled_heap_restores_after_an_error_and_keeps_a_higher_threshold() -> None:
    gc.set_threshold(50_000, 5, 5)
    with pytest.raises(RuntimeError), settled_heap():
        assert gc.get_threshold() == (50_000, 5, 5)
        raise RuntimeError("stop")
    assert gc.get_threshold() == (50_000, 5, 5)
    assert gc.get_freeze_count() == 0


def test_settled_heap_leaves_an_earlier_freeze_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with settled_heap():
        pass
    assert gc.get_freeze_count() == frozen  # not undone


def test_a_run_restores_the_collector_and_frees_what_it_froze(tmp_path: Path) -> None:
    import weakref

    gc.set_threshold(700, 10, 10)

    class Node:
        pass

    older = Node()
    older.self = older  # a reference cycle made before the run: frozen during it
    ref = weakref.ref(older)
    held = [older]
    del older

    def progress(document) -> None:
        held.clear()  # the cycle becomes garbage during the run

    run = code_corpus([ROOT / "transcripts_example"], ROOT / "codebooks" / "partnership.yaml", out=tmp_path / "out", progress=progress, xlsx=False)
    assert run.summary.documents > 0 and not held
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
    gc.collect()
    assert ref() is None  # unfrozen after the run, so collected
