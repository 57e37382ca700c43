"""``casecode cache info|clear``: the NLP cache that makes re-coding fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from casecode.cache import cache_info, clear_cache
from casecode.cli.common import console, handle_errors

CacheDir = Annotated[Optional[Path], typer.Option("--cache-dir", help="The NLP cache folder (default: $CASECODE_CACHE_DIR, else the user's cache folder).")]

app = typer.Typer(help="Inspect or empty the NLP cache (safe to delete at any time).", no_args_is_help=True, rich_markup_mode=None)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


@app.command("info")
@handle_errors
def info_command(cache_dir: CacheDir = None) -> None:
    """Show where the NLP cache is and what it holds, per pipeline fingerprint.

    Example:
        casecode cache info
    """
    info = cache_info(cache_dir)
    console.print(f"cache: {info.path}")
    console.print(f"entries: {info.entries} documents, {_size(info.bytes)}")
    for fingerprint, (entries, size) in info.pipelines.items():
        console.print(f"  pipeline {fingerprint}: {entries} documents, {_size(size)}")
    console.print(f"match records: {info.match_entries} documents, {_size(info.match_bytes)}")


@app.command("clear")
@handle_errors
def clear_command(cache_dir: CacheDir = None) -> None:
    """Delete every cached NLP result (the next run re-parses the texts).

    Example:
        casecode cache clear
    """
    removed = clear_cache(cache_dir)
    console.print(f"removed {removed.entries} cached documents ({_size(removed.bytes)}) and {removed.match_entries} match records from {removed.path}")
