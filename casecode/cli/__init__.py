"""The command-line interface: a thin shell over the library, one module per command.

:func:`main` is the ``casecode`` command. Importing the commands (typer, rich, pandas,
pydantic) takes about a second; a ``casecode code`` run with workers starts the fork
server they come from before that, so that the server's own imports use the other core
meanwhile (:mod:`casecode.coding.forkserver`).
"""

from __future__ import annotations

import signal
import sys
from typing import Sequence

from casecode.coding.jobs import resolve_jobs
from casecode.errors import OptionError

#: the root command's own options, which may come before the command's name
_ROOT_FLAGS = frozenset({"-v", "--verbose"})


def workers_requested(argv: Sequence[str]) -> tuple[int, str | None] | None:
    """``(jobs, dask)`` when ``argv`` runs ``casecode code`` with ``--jobs`` above 1 or ``--dask``.

    Read before the commands are imported, with no more parsing than that needs (the
    command parses and checks its options as usual). None for anything else: another
    command, ``--help``, a value that is neither a number nor ``auto``.

    Example:
        >>> workers_requested(["code", "transcripts", "-c", "book.yaml", "--jobs", "4"])
        (4, None)
        >>> workers_requested(["-v", "code", "t", "--dask=local"])
        (1, 'local')
        >>> workers_requested(["matrix", "results"]) is None
        True
    """
    args = list(argv)
    while args and args[0] in _ROOT_FLAGS:
        args.pop(0)
    if not args or args[0] != "code":
        return None
    jobs, dask = 1, None
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--":
            break
        if arg == "--help":
            return None
        if arg.startswith("--"):
            name, equals, value = arg.partition("=")
            if name not in ("--jobs", "--dask"):
                continue
            if not equals:
                value = next(rest, "")
        elif arg.startswith("-j"):
            name, value = "--jobs", arg[2:] or next(rest, "")
        else:
            continue
        if name == "--dask":
            dask = value
        else:
            try:
                jobs = resolve_jobs(value)
            except OptionError:
                return None  # the command says what is wrong with it
    return (jobs, dask) if jobs > 1 or dask is not None else None


def main() -> None:
    """Run the ``casecode`` command (the console script, and ``python -m casecode``).

    Ctrl-C while the commands load is noted and acted on once they have loaded. Raised
    inside an import, the interrupt could be lost (Python ignores an exception in an
    import lock's clean-up) or make Python die by SIGINT after exiting (when it comes
    while a compiled module runs code of its own), instead of exit code 130.
    """
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        wanted = workers_requested(sys.argv[1:])
        if wanted is not None:
            from casecode.coding import forkserver

            forkserver.start_for(jobs=wanted[0], dask=wanted[1])
        from casecode.cli.app import app
    except KeyboardInterrupt:  # raised before the handler above was in place
        received.append(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:  # nothing was read or written yet
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
    app()


__all__ = ["main", "workers_requested"]
