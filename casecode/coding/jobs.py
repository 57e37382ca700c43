"""How many worker processes a run asks for: a number, or ``"auto"`` for every usable core.

``--jobs auto`` (``code_corpus(jobs="auto")``) counts the cores this process may run on,
not the machine's: a CPU affinity mask (``taskset``, a batch scheduler's allocation) and a
container's CPU quota (cgroup v2 ``cpu.max``) both lower it, and so does a small corpus
(:func:`for_corpus`). This module imports nothing heavy: the command line reads
``--jobs`` with it before it imports the commands.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterable

from casecode.errors import OptionError

#: the value of ``--jobs`` that means one worker per usable core
AUTO = "auto"
#: where cgroup v2 keeps this process's CPU quota ("max 100000" when there is none)
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cpus(*, cpu_max: Path = CPU_MAX) -> int:
    """How many cores this process may use: its affinity mask, lowered by a cgroup CPU quota.

    Example:
        >>> usable_cpus() >= 1
        True
    """
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        count = os.cpu_count() or 1
    quota = _cgroup_quota(cpu_max)
    if quota is not None:
        count = min(count, quota)
    return max(1, count)


def _cgroup_quota(cpu_max: Path) -> int | None:
    """Cores a cgroup v2 quota allows (``"200000 100000"`` -> 2, rounded up), or None."""
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError, ZeroDivisionError):  # no file, "max", or unreadable
        return None


def is_auto(jobs: int | str) -> bool:
    """Whether ``jobs`` is ``"auto"`` (in any case, with any spaces around it)."""
    return isinstance(jobs, str) and jobs.strip().lower() == AUTO


def for_corpus(cores: int, sizes: Iterable[int], *, piece: int) -> int:
    """How many of ``cores`` workers a corpus of files of these ``sizes`` (bytes) keeps busy.

    Work goes to workers in pieces of about ``piece`` characters, so a corpus of a
    few pieces cannot use more workers than that; starting them would only cost time.
    ``--jobs auto`` is capped so; a number given is taken as it is.

    Example:
        >>> for_corpus(16, [40_000, 90_000], piece=100_000), for_corpus(4, [10**7], piece=100_000)
        (2, 4)
    """
    return max(1, min(cores, math.ceil(sum(sizes) / piece)))


#: workers per core of the machine that ``--jobs`` may ask for: more only fills memory
#: (each worker holds a pipeline) without coding any faster
MAX_JOBS_PER_CORE = 4


def max_jobs() -> int:
    """The most worker processes ``--jobs`` may ask for on this machine."""
    return MAX_JOBS_PER_CORE * (os.cpu_count() or 1)


def resolve_jobs(jobs: int | str) -> int:
    """The number of worker processes ``jobs`` asks for: a positive number, or ``"auto"``.

    Raises:
        OptionError: zero, a negative number, a word other than ``auto``, or more than
            :func:`max_jobs` (each worker holds its own pipeline in memory).

    Example:
        >>> resolve_jobs("4"), resolve_jobs(2)
        (4, 2)
        >>> resolve_jobs("auto") == usable_cpus()
        True
    """
    if is_auto(jobs):
        return usable_cpus()
    if isinstance(jobs, str):
        text = jobs.strip()
        if not text.lstrip("-").isdigit():
            raise OptionError(f"--jobs {jobs!r}: not a number of worker processes", hint="give a number such as 4, or 'auto' for one per core")
        jobs = int(text)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise OptionError(f"--jobs {jobs}: must be 1 or more", hint="use --jobs 1 to run in this process, a number of worker processes, or --jobs auto for one per core")
    if jobs > max_jobs():
        raise OptionError(
            f"--jobs {jobs}: more than {max_jobs()} worker processes ({MAX_JOBS_PER_CORE} per core on this machine)",
            hint="each worker holds its own pipeline in memory; use --jobs auto for one per core, or --dask ADDRESS to code on more machines",
        )
    return jobs


__all__ = ["AUTO", "MAX_JOBS_PER_CORE", "for_corpus", "is_auto", "max_jobs", "resolve_jobs", "usable_cpus"]
