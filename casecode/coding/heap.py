"""Keep the garbage collector's passes to what a run itself leaves behind.

Python's collector runs a pass whenever 700 more objects have been made than freed,
and at every tenth such pass of the middle generation a full pass that walks every
object it tracks. A coding run makes and frees objects in great numbers, so it set off
hundreds of passes that found nothing to free, and the full passes walked mostly what
existed before the run started: the imported libraries and the built pipeline (its
vocabulary, tokenizer rules and matchers), hundreds of thousands of objects. Together
that was 4–6 % of a cold run of 1M words.

:func:`settled_heap` moves what exists to the collector's permanent generation for the
run (``gc.freeze``) and raises the first threshold to :data:`RUN_THRESHOLD`; both are
undone afterwards. Objects are still freed by reference counting as soon as they are
unused; only reference cycles wait for a pass, which still comes every
:data:`RUN_THRESHOLD` objects, so memory does not grow with the corpus.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

#: objects made (net of those freed) between two passes of the youngest generation
RUN_THRESHOLD = 10_000


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Leave the objects that exist now out of the collector's passes, and pass less often, until the block ends.

    Objects frozen already by something else stay frozen (its freeze is not undone).
    """
    frozen = not gc.get_freeze_count()
    if frozen:
        gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], RUN_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if frozen:
            gc.unfreeze()


def settle() -> None:
    """:func:`settled_heap` for the rest of a worker process's life (after its coder is built)."""
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], RUN_THRESHOLD), *threshold[1:])
