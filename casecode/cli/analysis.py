"""``casecode cooccur`` and ``casecode framework``: cross-case views of a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from casecode.analysis.cooccur import LEVELS, top_pairs
from casecode.analysis.framework import ROWS, framework_matrix
from casecode.cli.common import ResultsDir, console, handle_errors
from casecode.errors import OptionError
from casecode.export.cooccur import write_cooccurrence
from casecode.export.framework import write_framework_markdown, write_framework_xlsx
from casecode.results import Results, read_results
from casecode.review.decisions import reviewed_only as reviewed_only_results

ReviewedOnly = Annotated[bool, typer.Option("--reviewed-only", help="Use only codings accepted in review (recoded ones under their new code) and manual ones.")]


def load_results(results_dir: Path, reviewed_only: bool) -> Results:
    """Read a results folder, keeping only reviewed codings when asked."""
    results = read_results(results_dir)
    return reviewed_only_results(results) if reviewed_only else results


@handle_errors
def cooccur_command(
    results_dir: ResultsDir,
    level: Annotated[str, typer.Option("--level", help=f"Where codes meet: {', '.join(LEVELS)}.")] = "segment",
    jaccard: Annotated[bool, typer.Option("--jaccard", help="Rank by Jaccard similarity instead of counts.")] = False,
    top: Annotated[int, typer.Option("--top", "-n", help="How many pairs to print.")] = 15,
    out: Annotated[Optional[list[Path]], typer.Option("--out", "-o", help="CSV or XLSX to write (by suffix; repeatable); default: DIR/cooccur_LEVEL.csv and .xlsx.")] = None,
    reviewed_only: ReviewedOnly = False,
) -> None:
    """Print the code pairs applied together most often and write the co-occurrence matrix.

    Example:
        casecode cooccur results --level document --jaccard
    """
    results = load_results(results_dir, reviewed_only)
    pairs = top_pairs(results, level=level, jaccard=jaccard, n=top)  # type: ignore[arg-type]
    table = Table(title=f"codes applied together ({level} level)", header_style="bold", pad_edge=False)
    for name, justify in (("code A", "left"), ("code B", "left"), ("together", "right"), ("n A", "right"), ("n B", "right"), ("Jaccard", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in pairs.itertuples(index=False):
        table.add_row(row.code_a, row.code_b, str(row.together), str(row.n_a), str(row.n_b), f"{row.jaccard:.2f}")
    console.print(table if len(pairs) else f"no two codes were applied together at the {level} level")
    stem = f"cooccur_{level}" + ("_jaccard" if jaccard else "") + ("_reviewed" if reviewed_only else "")
    written: list[Path] = []
    for target in out or [results_dir / f"{stem}.csv", results_dir / f"{stem}.xlsx"]:
        written += write_cooccurrence(results, target, level=level, jaccard=jaccard)  # type: ignore[arg-type]
    console.print("wrote " + ", ".join(str(t) for t in written), style="dim")


@handle_errors
def framework_command(
    results_dir: ResultsDir,
    rows: Annotated[str, typer.Option("--rows", help=f"One row per: {', '.join(ROWS)}.")] = "case",
    excerpts: Annotated[int, typer.Option("--excerpts", "-n", help="Representative excerpts per cell.")] = 3,
    out: Annotated[Optional[list[Path]], typer.Option("--out", "-o", help="XLSX or Markdown (.md) to write (repeatable); default: DIR/framework_ROWS.xlsx and .md.")] = None,
    reviewed_only: ReviewedOnly = False,
) -> None:
    """Write the framework matrix: cases (or respondents) × codes, counts and excerpts.

    Example:
        casecode framework results --rows respondent --excerpts 2 -o framework.xlsx
    """
    results = load_results(results_dir, reviewed_only)
    matrix = framework_matrix(results, rows=rows, excerpts=excerpts)  # type: ignore[arg-type]
    stem = f"framework_{rows}" + ("_reviewed" if reviewed_only else "")
    targets = out or [results_dir / f"{stem}.xlsx", results_dir / f"{stem}.md"]
    for target in targets:
        suffix = target.suffix.lower()
        if suffix == ".xlsx":
            write_framework_xlsx(matrix, target)
        elif suffix in (".md", ".markdown"):
            write_framework_markdown(matrix, target, title=f"{results.codebook.name}: framework matrix")
        else:
            raise OptionError(f"--out {target}: unknown suffix {target.suffix!r}", hint="use .xlsx or .md")
    filled = sum(1 for cell in matrix.cells.values() if cell.count)
    console.print(f"framework matrix: {len(matrix.rows)} {rows}s × {len(matrix.codes)} codes, {filled} cells with excerpts")
    console.print("wrote " + ", ".join(str(t) for t in targets), style="dim")
