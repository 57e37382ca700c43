"""``casecode matrix`` and ``casecode show``: read a results folder, print and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from casecode.analysis.excerpts import excerpts
from casecode.analysis.matrix import MEASURES, build_matrix, flat
from casecode.cli.common import ResultsDir, console, err_console, handle_errors, printable
from casecode.cli.heatmap import heatmap
from casecode.errors import OptionError
from casecode.export.matrix_xlsx import write_matrix_xlsx
from casecode.results import combine_results, read_results, write_csv
from casecode.review.decisions import review_status
from casecode.review.decisions import reviewed_only as reviewed_only_results


def matrix_table(matrix, *, measure: str, title: str) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=title, header_style="bold", show_lines=False, pad_edge=False)
    table.add_column("theme", style="dim")
    table.add_column("code")
    for column in matrix.columns:
        table.add_column(" · ".join(str(p) for p in column if str(p)) if isinstance(column, tuple) else str(column), justify="right")
    last_theme = None
    for (theme, code, _label), values in matrix.iterrows():
        cells = [f"{v:.1f}" if measure == "share" else str(int(v)) for v in values]
        table.add_row(theme if theme != last_theme else "", code, *cells)
        last_theme = theme
    return table


@handle_errors
def matrix_command(
    results_dirs: Annotated[list[Path], typer.Argument(help="One or more results folders written by 'casecode code' (several are combined).", show_default=False)],
    by: Annotated[str, typer.Option("--by", help="Group columns by this case or document attribute (default: case).")] = "case",
    measure: Annotated[str, typer.Option("--measure", help=f"One of: {', '.join(MEASURES)}.")] = "segments",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write CSV or XLSX here (by suffix); default: DIR/matrix_BY_MEASURE.csv and .xlsx (required with several folders).")] = None,
    cross: Annotated[Optional[str], typer.Option("--cross", help="A second attribute: columns become (BY, CROSS) pairs.")] = None,
    subtotals: Annotated[bool, typer.Option("--subtotals", help="Add a row per theme counting segments with any of its codes.")] = False,
    heatmap_: Annotated[bool, typer.Option("--heatmap", help="Print a coloured heatmap that fits the terminal (abbreviated labels, paged columns).")] = False,
    allow_mixed_codebooks: Annotated[bool, typer.Option("--allow-mixed-codebooks", help="Combine folders coded with different codebook versions (rows follow the first folder's codebook).")] = False,
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Count only codings accepted in review (recoded ones under their new code) and manual ones.")] = False,
) -> None:
    """Print the code × case matrix (or × any attribute) and write it as CSV and XLSX.

    Several results folders (e.g. fieldwork coded in batches) are combined into one
    matrix; they must have been coded with the same codebook (name, version and content,
    as recorded in each manifest.json) unless --allow-mixed-codebooks is given.

    \b
    Example:
        casecode matrix results --by policy_field --measure share
        casecode matrix results --by policy_field --cross role --measure respondents --subtotals
        casecode matrix results --heatmap
        casecode matrix results_wave1 results_wave2 --out matrix.csv
    """
    if len(results_dirs) > 1 and out is None:
        raise OptionError("several results folders need --out", hint="pass --out matrix.csv (or .xlsx) to say where the combined matrix goes")
    folders = [read_results(d) for d in results_dirs]
    statuses = [review_status(r) for r in folders]  # decisions live in each folder: apply them before combining
    if reviewed_only:
        folders = [reviewed_only_results(r) for r in folders]
    results, notes = combine_results(folders, allow_mixed=allow_mixed_codebooks)
    for note in notes:
        err_console.print(f"note: {note}", markup=False)
    results_dir = results_dirs[0]
    matrix = build_matrix(results, by=by, measure=measure, cross=cross, subtotals=subtotals)  # type: ignore[arg-type]
    unit = {"segments": "coded segments", "documents": "documents with the code", "respondents": "respondents with the code", "share": "% of respondent segments"}[measure]
    title = f"{results.codebook.name}: {unit} by {by}" + (f" × {cross}" if cross else "")
    if heatmap_:
        console.print(heatmap(matrix, width=console.width, share=measure == "share", title=title))
    else:
        console.print(matrix_table(matrix, measure=measure, title=title))
    frame = flat(matrix)
    for folder, status in zip(results_dirs, statuses):
        if reviewed_only or status.reviewed or status.manual:
            where = f" ({folder})" if len(results_dirs) > 1 else ""
            console.print(("reviewed codings only — " if reviewed_only else "review: ") + status.summary() + where, style="dim")
    suffix = "_reviewed" if reviewed_only else ""
    stem = f"matrix_{by}" + (f"_{cross}" if cross else "") + f"_{measure}{suffix}"
    targets = [out] if out else [results_dir / f"{stem}.csv", results_dir / f"{stem}.xlsx"]
    for target in targets:
        if target.suffix.lower() == ".xlsx":
            write_matrix_xlsx(matrix, target, sheet=f"{measure} by {by}")
        else:
            write_csv(target, frame)
    console.print("wrote " + ", ".join(str(t) for t in targets), style="dim")


@handle_errors
def show_command(
    results_dir: ResultsDir,
    code: Annotated[str, typer.Argument(help="The code id.", show_default=False)],
    case: Annotated[Optional[str], typer.Option("--case", help="Only this case.")] = None,
    context: Annotated[int, typer.Option("--context", help="Characters of context either side.")] = 80,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="Show at most N excerpts.")] = None,
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Only codings accepted in review (and manual ones).")] = False,
) -> None:
    """Print the excerpts coded with CODE, the matched words highlighted, with context.

    Example:
        casecode show results trust_between_partners --case ni_housing_consortia
    """
    results = read_results(results_dir)
    if reviewed_only:
        results = reviewed_only_results(results)
    shown = 0
    for ex in excerpts(results, code, case=case, context=context, limit=limit):
        head = Text(printable(f"{ex.document} · {ex.case} · {ex.speaker or 'no speaker'} · rule {ex.rule} · {ex.start}–{ex.end}"), style="bold cyan")
        if ex.negated:
            head.append("  [negated]", style="yellow")
        body = Text("…" + printable(" ".join(ex.before.split()[-12:])) + " ", style="dim")
        local_start, local_end = ex.match_start - ex.start, ex.match_end - ex.start
        body.append(printable(ex.segment[:local_start]))
        body.append(printable(ex.segment[local_start:local_end]), style="bold black on yellow")
        body.append(printable(ex.segment[local_end:]))
        body.append(" " + printable(" ".join(ex.after.split()[:12])) + "…", style="dim")
        console.print(head)
        console.print(body)
        console.print()
        shown += 1
    console.print(f"{shown} excerpt(s) coded {code}" + (f" in {case}" if case else ""), style="dim")
