"""The process that worker processes are forked from, started as early as a run knows it needs one.

``--jobs N`` and ``--dask local`` fork their workers from multiprocessing's fork server,
a process that has imported casecode (and spaCy, and for Dask distributed) once. Those
imports take a second or two of CPU. Started at the top of ``casecode code``, the server
imports them on one core while this process imports the same on the other, instead of
after it. This module imports nothing heavy, so that starting the server costs nothing.
"""

from __future__ import annotations

import importlib.util
import multiprocessing

from casecode.coding.jobs import resolve_jobs
from casecode.errors import OptionError

#: whether this platform has multiprocessing's fork server (Windows has not)
AVAILABLE = "forkserver" in multiprocessing.get_all_start_methods()
#: what the server imports for ``--jobs`` workers (and the blank pipelines it builds for them)
WORKER_MODULES = ["casecode.coding.backends", "casecode.coding.warmup"]
#: what it imports for the workers of a local Dask cluster
DASK_WORKER_MODULES = ["distributed", "casecode.coding.backends", "casecode.coding.warmup"]


#: the environment variable that hands the main script's path to the fork server
#: (:mod:`casecode.coding.forkmain`); set only while the server starts
MAIN_PATH_ENV = "CASECODE_FORKSERVER_MAIN"


def start(preload: list[str]) -> None:
    """Start the fork server now (if it is not running), importing ``preload``.

    Starting returns at once; the server imports the modules in its own process, and
    forks children only once it has. Once running, the server keeps what it preloaded.

    The server also imports the main script, if it is a file (:mod:`casecode.coding.forkmain`).
    Otherwise every child imports it again before it reads its task, and the next child
    is forked only after that: the parent's message to a child (the worker's codebook)
    is larger than a pipe holds, so sending it waits until the child reads it.
    """
    import os
    from multiprocessing import forkserver, spawn

    # first: the server and its children ignore Ctrl-C (casecode.coding.quiet)
    multiprocessing.get_context("forkserver").set_forkserver_preload(["casecode.coding.quiet", *preload, "casecode.coding.forkmain"])
    # the path exactly as the children are told it (None for an interactive session or ``python -m``)
    main = spawn.get_preparation_data("main").get("init_main_from_path")
    if main is None:
        forkserver.ensure_running()
        return
    os.environ[MAIN_PATH_ENV] = main
    try:
        forkserver.ensure_running()  # the server, started here, inherits the variable
    finally:
        os.environ.pop(MAIN_PATH_ENV, None)


def start_for(*, jobs: int | str = 1, dask: object = None, dask_processes: bool = True) -> bool:
    """Start the fork server now if a run with these options will fork workers from it.

    True if it was started (or already ran): with ``--jobs`` above 1 (or ``auto`` on
    more than one core), or with ``--dask local`` (worker processes, distributed
    installed). A remote cluster's workers are not this machine's, and a serial run has
    none.
    """
    if not AVAILABLE:
        return False
    if dask is None:
        try:
            jobs = resolve_jobs(jobs)
        except OptionError:
            return False  # the run itself reports the bad value
        if jobs <= 1:
            return False
        start(WORKER_MODULES)
        return True
    if dask == "local" and dask_processes and importlib.util.find_spec("distributed") is not None:
        start(DASK_WORKER_MODULES)
        return True
    return False
