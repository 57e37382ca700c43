"""Shared CLI pieces: consoles, the error handler, option aliases defined once."""

from __future__ import annotations

import functools
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any, Callable, NoReturn, TypeVar

import typer
from rich.console import Console

from casecode.errors import CasecodeError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
STATE = {"verbose": False}

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn CasecodeError into one line on stderr and exit code 1 (traceback with --verbose).

    Unexpected errors print their type only: their message could quote transcript text.
    Tracebacks never show local variables.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CasecodeError as exc:
            if STATE["verbose"]:
                traceback.print_exc(file=sys.stderr)
            _print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: earlier results were left as they were")
            raise typer.Exit(130) from None
        except typer.Exit:
            raise
        except OSError as exc:
            if not exc.filename:  # not about a path: a bug, as below
                _internal_error(exc)
            # a path that cannot be read or written: no permission, a full disk, a folder
            if STATE["verbose"]:
                traceback.print_exc(file=sys.stderr)
            hint = "give a file name there (e.g. FOLDER/report.html)" if isinstance(exc, IsADirectoryError) else "check the path, its permissions and the free space"
            err_console.print(f"error: {exc.filename}: {exc.strerror or type(exc).__name__} — {hint}", markup=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except Exception as exc:  # a bug: say so without quoting data
            _internal_error(exc)

    return wrapper  # type: ignore[return-value]


def _internal_error(exc: BaseException) -> NoReturn:
    if STATE["verbose"]:
        traceback.print_exception(exc, file=sys.stderr)
    else:
        err_console.print(f"internal error: {type(exc).__name__} — re-run with --verbose for the traceback and please report it", markup=False, soft_wrap=True)
    raise typer.Exit(2) from None


def _print_error(exc: CasecodeError) -> None:
    text = str(exc)
    lines = text.splitlines() or [text]
    err_console.print(f"error: {lines[0]}", markup=False, soft_wrap=True)
    for line in lines[1:]:
        err_console.print(f"error: {line}", markup=False, soft_wrap=True)


#: control characters (C0 but tab and line break, DEL, C1) as visible escapes: transcript
#: text printed to a terminal must not move the cursor, recolour it or set its title
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}


def printable(text: str) -> str:
    r"""``text`` with control characters shown as ``\xNN`` (a terminal would obey them).

    >>> printable("red \x1b[31m alert\x07")
    'red \\x1b[31m alert\\x07'
    """
    return text.translate(_CONTROL)


ResultsDir = Annotated[Path, typer.Argument(help="A results folder written by 'casecode code'.", show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the results into.")]
Model = Annotated[str | None, typer.Option("--model", help="An installed spaCy pipeline to use instead of the blank English one (package name or path).")]
Encoding = Annotated[str | None, typer.Option("--encoding", help="Text encoding of the transcripts (default: a byte-order mark, else UTF-8, else a detected cp1252/latin-1/cp1250).")]
