"""``casecode codebook check|diff|render|export|import``: a codebook reviewed and tested like code."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from casecode.cli.common import Model, console, err_console, handle_errors
from casecode.codebook.check import CheckReport, check_codebook
from casecode.codebook.diff import diff_files
from casecode.codebook.load import load_codebook
from casecode.codebook.render import render_codebook
from casecode.errors import OptionError
from casecode.exchange.qdc import export_qdc, import_qdc, write_imported
from casecode.results import write_text

codebook_app = typer.Typer(
    help="Check, compare, render and exchange codebooks (REFI-QDA .qdc).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

CodebookFile = Annotated[Path, typer.Argument(help="A YAML codebook.", show_default=False)]


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


class DiffFormat(str, Enum):
    text = "text"
    md = "md"
    json = "json"


class RenderFormat(str, Enum):
    md = "md"
    html = "html"


class ExchangeFormat(str, Enum):
    qdc = "qdc"


def print_check(report: CheckReport) -> None:
    """The check report for a terminal: findings, then a pass/fail table per code."""
    for finding in report.findings:
        style = "red" if finding.severity == "error" else "yellow"
        console.print(f"{finding.severity}: {finding.problem}", style=style, markup=False, soft_wrap=True)
    if report.code_ids and report.examples:
        table = Table(title=f"{report.name} {report.version}: examples run as tests", header_style="bold", pad_edge=False)
        table.add_column("code")
        table.add_column("examples", justify="right")
        table.add_column("counter-examples", justify="right")
        table.add_column("result")
        for row in report.summaries():
            style = {"pass": "green", "FAIL": "bold red"}.get(row.status, "dim")
            table.add_row(row.code, f"{row.examples_passed}/{row.examples}", f"{row.counter_passed}/{row.counter_examples}", f"[{style}]{row.status}[/]")
        console.print(table)
    failed = len(report.failed_examples)
    verdict = "ok" if report.ok() else "FAILED"
    console.print(
        f"{report.path}: {verdict} — {len(report.errors)} error(s), {len(report.warnings)} warning(s), "
        f"{len(report.examples) - failed}/{len(report.examples)} examples pass",
        style="green" if report.ok() else "bold red",
        markup=False,
    )


@codebook_app.command("check")
@handle_errors
def check_command(
    file: CodebookFile,
    format: Annotated[CheckFormat, typer.Option("--format", help="text (default) or json for machines.")] = CheckFormat.text,
    model: Model = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    no_examples: Annotated[bool, typer.Option("--no-examples", help="Validate and lint only; do not run the examples.")] = False,
) -> None:
    """Validate and lint a codebook and run its examples and counter-examples as tests.

    Every problem is listed as FILE:LINE (key path): message — hint. Each code's
    examples must be coded by its own rules, and its counter-examples must not be (speaker
    filters do not apply to examples). Exit code 0 only if there are no errors and every
    example passes, so the command can run in a team's CI.

    Example:
        casecode codebook check codebooks/partnership.yaml --format json
    """
    report = check_codebook(file, model=model, examples=not no_examples)
    if format == CheckFormat.json:
        data = report.as_dict()
        data["ok"] = report.ok(strict=strict)
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print_check(report)
    if not report.ok(strict=strict):
        raise typer.Exit(1)


def _emit(text: str, out: Path | None) -> None:
    """Write ``text`` to ``out`` (atomically), or print it when no file is given."""
    if out is not None:
        write_text(out, text)
        err_console.print(f"wrote {out}", style="dim")
    else:
        typer.echo(text, nl=False)


@codebook_app.command("diff")
@handle_errors
def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier codebook.", show_default=False)],
    new: Annotated[Path, typer.Argument(help="The later codebook.", show_default=False)],
    format: Annotated[DiffFormat, typer.Option("--format", help="text (default), md for a pull request, or json.")] = DiffFormat.text,
    corpus: Annotated[Optional[list[Path]], typer.Option("--corpus", help="Transcripts to code with both versions, to count segments that gain or lose each changed code (repeatable).")] = None,
    model: Model = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the diff to this file instead of printing it.")] = None,
) -> None:
    """Show what changed between two codebooks: codes added, removed, renamed or moved,
    rules, definitions, guidance, examples and settings.

    Example:
        casecode codebook diff old.yaml codebooks/partnership.yaml --format md --corpus transcripts_example
    """
    result = diff_files(old, new, corpus=corpus, model=model)
    if format == DiffFormat.json:
        text = json.dumps(result.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        text = result.to_markdown() if format == DiffFormat.md else result.to_text()
    _emit(text, out)


@codebook_app.command("render")
@handle_errors
def render_command(
    file: CodebookFile,
    format: Annotated[RenderFormat, typer.Option("--format", help="md (default) or html.")] = RenderFormat.md,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of printing.")] = None,
    rules: Annotated[bool, typer.Option("--rules", help="Add a one-line summary of each code's automatic rules.")] = False,
) -> None:
    """Render a human-readable codebook (label, definition, when to use and not to use,
    examples) for a methods appendix.

    Example:
        casecode codebook render codebooks/partnership.yaml --format html -o codebook.html
    """
    text = render_codebook(load_codebook(file), format=format.value, rules=rules)
    _emit(text, out)


@codebook_app.command("export")
@handle_errors
def export_command(
    file: CodebookFile,
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write, e.g. codebook.qdc.", show_default=False)],
    to: Annotated[ExchangeFormat, typer.Option("--to", help="The exchange format: qdc (REFI-QDA codebook).")] = ExchangeFormat.qdc,
) -> None:
    """Export a codebook as a REFI-QDA codebook (.qdc) for NVivo, ATLAS.ti, MAXQDA, QualCoder.

    Themes become non-codable parent codes and codes codable children, with stable GUIDs
    derived from the ids, colours, and the definition and guidance in the description.

    Example:
        casecode codebook export codebooks/partnership.yaml --to qdc -o partnership.qdc
    """
    book = load_codebook(file)
    export_qdc(book, out)
    console.print(f"wrote {out}: {len(book.model.codes())} codes in {sum(1 for _ in book.model.themes_flat())} themes", style="dim", markup=False)


@codebook_app.command("import")
@handle_errors
def import_command(
    source: Annotated[Path, typer.Argument(help="A REFI-QDA codebook (.qdc) or project (.qdpx/.qde).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The YAML codebook to write.", show_default=False)],
    name: Annotated[Optional[str], typer.Option("--name", help="The codebook's name (default: the base codebook's, else the file name).")] = None,
    base: Annotated[Optional[Path], typer.Option("--base", help="An earlier casecode codebook: codes whose GUID it gives keep their id, rules and settings.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT if it exists.")] = False,
) -> None:
    """Import a codebook exported by NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette.

    Codes with children become themes, leaves become codes (top-level leaves go into a
    theme 'Ungrouped'); hierarchy, descriptions, colours and GUIDs are kept and ids are
    made from the labels. Rules are left empty for the team to write, unless --base
    gives them.

    Example:
        casecode codebook import team.qdc -o codebooks/team.yaml --base codebooks/team_v1.yaml
    """
    if out.exists() and not force:
        raise OptionError(f"{out}: already exists", hint="pass --force to overwrite it, or choose another --out")
    imported = import_qdc(source, name=name, base=load_codebook(base) if base else None)
    write_imported(imported, out)
    for note in imported.notes:
        err_console.print(f"note: {note}", markup=False)
    book = imported.codebook
    console.print(f"wrote {out}: {len(book.codes())} codes in {sum(1 for _ in book.themes_flat())} themes from {imported.origin or source.name}", style="dim", markup=False)
