"""Worker processes stay quiet on the terminal: Ctrl-C and closing are the main process's.

A terminal sends SIGINT to every process of the command, so without this each worker
process (and the fork server, while it imports spaCy) would print a
``KeyboardInterrupt`` traceback beside the command's one-line "interrupted". The run
stops the workers itself: worker processes finish their batch and exit when the pool
shuts down, and a local Dask cluster is closed. A Dask worker of that cluster also does
not log a warning for each task that closing the cluster cancels (after an interruption
or an error, the command says what happened).

Imported, first, by the fork server (whose children inherit the setting) and as the
preload of a ``--dask local`` cluster's worker processes; worker processes that are
spawned instead call :func:`ignore_interrupts`. Never imported by the main process.
"""

from __future__ import annotations

import logging
import signal


def ignore_interrupts() -> None:
    """Ignore SIGINT in this process (a worker, or the fork server)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: not a process of its own (a cluster of threads)
        pass


def dask_setup(worker: object) -> None:
    """Dask's preload hook, in each worker process of a ``--dask local`` cluster."""
    ignore_interrupts()
    logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)  # "task ... ended with CancelledError"


ignore_interrupts()
