"""``casecode export`` and ``casecode import``: REFI-QDA projects in and out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer

from casecode.cli.analysis import ReviewedOnly, load_results
from casecode.cli.common import ResultsDir, console, err_console, handle_errors
from casecode.errors import OptionError
from casecode.exchange.qdpx import import_qdpx, write_qdpx
from casecode.results import Results

# Writers by --to name: each takes (results, target path).
EXPORTERS: dict[str, Callable[[Results, Path], Path]] = {"qdpx": write_qdpx}


@handle_errors
def export_command(
    results_dir: ResultsDir,
    to: Annotated[str, typer.Option("--to", help=f"Format: {', '.join(EXPORTERS)}.")] = "qdpx",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="The file to write (default: study.qdpx, or study_reviewed.qdpx with --reviewed-only).", show_default=False)] = None,
    reviewed_only: ReviewedOnly = False,
) -> None:
    """Export a results folder for other tools (REFI-QDA .qdpx for NVivo, ATLAS.ti, MAXQDA, QualCoder).

    Example:
        casecode export results --to qdpx -o study.qdpx
    """
    if to not in EXPORTERS:
        raise OptionError(f"--to {to}: unknown format", hint=f"choose one of {', '.join(EXPORTERS)}")
    if out is None:
        out = Path("study_reviewed.qdpx" if reviewed_only else "study.qdpx")
    target = EXPORTERS[to](load_results(results_dir, reviewed_only), out)
    console.print(f"wrote {target}", style="dim")


@handle_errors
def import_command(
    project: Annotated[Path, typer.Argument(help="A REFI-QDA project (.qdpx).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results folder to write.")] = Path("results"),
    no_xlsx: Annotated[bool, typer.Option("--no-xlsx", help="Skip casecode.xlsx.")] = False,
) -> None:
    """Import a REFI-QDA project (.qdpx) into a results folder.

    Example:
        casecode import study.qdpx -o imported
    """
    results = import_qdpx(project, out, xlsx=not no_xlsx)
    info = results.manifest["imported"]
    for warning in info["warnings"]:
        err_console.print(f"warning: {warning}", markup=False)
    console.print(
        f"imported {len(results.documents)} documents in {len(results.cases)} cases, {len(results.segments)} coded segments "
        f"(codebook {info['codebook']}) → {out}/"
    )
