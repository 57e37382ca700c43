"""``casecode report``: the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from casecode.cli.analysis import ReviewedOnly, load_results
from casecode.cli.common import ResultsDir, console, handle_errors
from casecode.export.report import write_report


@handle_errors
def report_command(
    results_dir: ResultsDir,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="The HTML file to write (default: report.html, or report_reviewed.html with --reviewed-only).", show_default=False)] = None,
    reviewed_only: ReviewedOnly = False,
) -> None:
    """Write one self-contained HTML report (works offline): heatmap, excerpts, codebook, manifest.

    Example:
        casecode report results -o report.html
    """
    results = load_results(results_dir, reviewed_only)
    if out is None:
        out = Path("report_reviewed.html" if reviewed_only else "report.html")
    target = write_report(results, out, note="reviewed codings only" if reviewed_only else "")
    console.print(f"wrote {target} ({target.stat().st_size // 1024} KB); open it in any browser, no network needed")
