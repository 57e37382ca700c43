"""The ``casecode`` command: the root app, global options and command registration."""

from __future__ import annotations

from typing import Annotated

import typer

from casecode.cli import cache as cache_cli
from casecode.cli import agree as agree_cli
from casecode.cli import analysis as analysis_cli
from casecode.cli import code as code_cli
from casecode.cli import exchange as exchange_cli
from casecode.cli import matrix as matrix_cli
from casecode.cli import report as report_cli
from casecode.cli import review as review_cli
from casecode.cli.codebook import codebook_app
from casecode.cli.common import STATE

app = typer.Typer(
    name="casecode",
    help="Qualitative coding of multi-case interview studies from the terminal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks for errors (never local variables).")] = False,
) -> None:
    """casecode: transcripts + YAML codebook → coded segments → cross-case theme matrices."""
    STATE["verbose"] = verbose


app.command("code")(code_cli.code_command)
app.command("matrix")(matrix_cli.matrix_command)
app.command("show")(matrix_cli.show_command)
app.command("export")(exchange_cli.export_command)
app.command("import")(exchange_cli.import_command)
app.command("cooccur")(analysis_cli.cooccur_command)
app.command("framework")(analysis_cli.framework_command)
app.command("report")(report_cli.report_command)
app.add_typer(codebook_app, name="codebook")
app.command("agree")(agree_cli.agree_command)
app.command("review")(review_cli.review_command)
app.command("annotate")(review_cli.annotate_command)
app.add_typer(cache_cli.app, name="cache")

