"""``casecode cache info|clear``: the NLP cache that makes re-coding fast."""

from __future__ import annotations

import time
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
    if info.oldest is not None:
        days = max(0.0, (time.time() - info.oldest) / 86400)
        console.print(f"least recently used: {time.strftime('%Y-%m-%d', time.localtime(info.oldest))} ({days:.0f} days ago)")


@app.command("clear")
@handle_errors
def clear_command(
    cache_dir: CacheDir = None,
    unused_for: Annotated[Optional[float], typer.Option("--unused-for", metavar="DAYS", help="Delete only what no run has used for DAYS days (e.g. the parsed text of transcripts since edited or dropped).")] = None,
) -> None:
    """Delete every cached NLP result (the next run re-parses the texts), or only what has gone unused.

    Example:
        casecode cache clear
        casecode cache clear --unused-for 30
    """
    removed = clear_cache(cache_dir, unused_days=unused_for)
    what = f" unused for {unused_for:g} days" if unused_for is not None else ""
    console.print(f"removed {removed.entries} cached documents ({_size(removed.bytes)}) and {removed.match_entries} match records{what} from {removed.path}")
