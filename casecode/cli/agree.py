"""``casecode agree``: agreement between coders (human or casecode) on the same units."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.table import Table

from casecode.intercoder.core import AGREE_UNITS, AgreementReport, agreement, load_sources, report_sheets
from casecode.cli.common import console, err_console, handle_errors
from casecode.errors import OptionError
from casecode.export.xlsx import write_workbook
from casecode.results import write_csv, write_text


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.3f}"
    return str(value)


def agreement_table(report: AgreementReport) -> Table:
    frame = report.table()
    # precision/recall/F1 have their own table below; the CSV and xlsx keep every column
    columns = [c for c in frame.columns if c not in ("label", "theme", "units") and not c.startswith(("precision_", "recall_", "f1_"))]
    table = Table(title=f"agreement by {report.unit} ({report.units} units, {len(report.documents)} documents)", header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD)
    table.caption = "under each source's name: the units it coded"
    for column in columns:
        if column == "code":
            table.add_column("code", overflow="fold")
        else:
            table.add_column(column.removeprefix("coded_"), justify="right", no_wrap=True)
    for i, row in enumerate(frame[columns].itertuples(index=False)):
        table.add_row(*[_fmt(v) for v in row], style="bold" if i == len(frame) - 1 else None)
    return table


def prf_table(report: AgreementReport) -> Table:
    table = Table(title=f"precision / recall / F1 against {report.gold}", header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD)
    assert report.prf is not None
    for column in report.prf.columns:
        if column == "code":
            table.add_column("code", overflow="fold")
        else:
            table.add_column(column, justify="left" if column == "source" else "right", no_wrap=True)
    for row in report.prf.itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row], style="bold" if row.code in ("(micro)", "(macro)") else None)
    return table


def confusion_table(name: str, frame) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=f"confusion: {name} (rows {frame.index.name}, columns {frame.columns.name})", header_style="bold", pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for label, values in frame.iterrows():
        table.add_row(str(label), *[str(int(v)) if v else "·" for v in values])
    return table


@handle_errors
def agree_command(
    sources: Annotated[list[Path], typer.Argument(help="Two or more: results folders, CSV files (document,start,end,code[,coder]) or .qdpx projects. A file with several coders counts once per coder.", show_default=False)],
    unit: Annotated[str, typer.Option("--unit", help=f"Unit of comparison: {', '.join(AGREE_UNITS)}.")] = "sentence",
    gold: Annotated[Optional[str], typer.Option("--gold", help="The source (coder name, or path of a one-coder file) taken as the reference for precision/recall/F1.")] = None,
    results_dir: Annotated[Optional[Path], typer.Option("--results", help="Results folder whose units, texts and codebook are used (default: the first results folder among SOURCES).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write CSV or XLSX here (by suffix); default: RESULTS/agreement_UNIT.csv and .xlsx (agreement_UNIT_reviewed with --reviewed-only).")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table (default) or json (printed to stdout).")] = "table",
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Results folders count only codings accepted in review (recoded ones under their new code) and manual ones.")] = False,
) -> None:
    """Measure agreement between coders: observed agreement, Cohen's kappa, Krippendorff's alpha.

    A unit counts as coded with a code when a coded span overlaps it. With --gold, also
    precision, recall and F1 of every other source (micro and macro averages). Documents
    not read by every source, units with no text and codes nobody used are reported.

    Example:
        casecode agree results coders.csv --unit sentence --gold alice
    """
    if output_format not in ("table", "json"):
        raise OptionError(f"--format {output_format}: unknown format", hint="choose table or json")
    if results_dir is None:
        folders = [p for p in sources if p.is_dir()]
        if not folders:
            raise OptionError("no results folder given", hint="pass --results FOLDER (its units, texts and codebook are what coders are compared on)")
        results_dir = folders[0]
    report = agreement(load_sources(sources, reviewed_only=reviewed_only), results_dir, unit=unit, gold=gold)  # type: ignore[arg-type]
    stem = f"agreement_{unit}" + ("_reviewed" if reviewed_only else "")
    targets = [out] if out else [results_dir / f"{stem}.csv", results_dir / f"{stem}.xlsx"]
    for target in targets:
        if target.suffix.lower() == ".xlsx":
            write_workbook(target, report_sheets(report))
        elif target.suffix.lower() == ".json":
            write_text(target, json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
        else:
            write_csv(target, report.table().round(6))
    if output_format == "json":
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        err_console.print("wrote " + ", ".join(str(t) for t in targets), style="dim")
        return
    console.print(agreement_table(report))
    if report.prf is not None:
        console.print(prf_table(report))
    for name, frame in report.confusion.items():
        console.print(confusion_table(name, frame))
    if report.confusion:
        console.print(f"single-label: kappa {_fmt(report.overall['single_label_kappa'])}, alpha {_fmt(report.overall['single_label_alpha'])}")
    for note in report.notes():
        console.print(f"note: {note}", style="yellow", markup=False)
    console.print("wrote " + ", ".join(str(t) for t in targets), style="dim")
