"""``casecode review`` and ``casecode annotate``: researchers check and add codings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from casecode.cli.common import ResultsDir, console, handle_errors
from casecode.errors import OptionError
from casecode.results import read_results
from casecode.review.annotate import annotate
from casecode.review.decisions import review_status


@handle_errors
def review_command(
    results_dir: ResultsDir,
    code: Annotated[Optional[str], typer.Option("--code", help="Only codings of this code (id or label).")] = None,
    case: Annotated[Optional[str], typer.Option("--case", help="Only this case.")] = None,
    rule: Annotated[Optional[str], typer.Option("--rule", help="Only codings made by this rule id.")] = None,
    status: Annotated[bool, typer.Option("--status", help="Print review progress and exit.")] = False,
) -> None:
    """Review the proposed codings one by one in the terminal; decisions are saved at once.

    Keys: a accept · r reject · c recode · s/→ skip · ←/p back · u undo · m memo ·
    n add a manual code to the segment · q quit. Decisions go to DIR/reviews.csv
    (keyed by document, start, end, code); a later review resumes at the first
    undecided coding, and a re-run of 'casecode code' keeps them.

    Example:
        casecode review results --code trust_relationships --case ni_housing_consortia
    """
    if status:
        console.print(review_status(read_results(results_dir)).summary())
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # a full-screen app would wait for keys that never come, and draw segment text
        # into a file or pipe
        raise OptionError(
            "casecode review needs an interactive terminal (input or output is redirected)",
            hint="run it in a terminal; 'casecode review DIR --status' prints progress, and casecode.review.save_decision records decisions from Python",
        )
    from casecode.review.app import ReviewApp

    app = ReviewApp(results_dir, code=code, case=case, rule=rule)
    app.run()
    console.print(review_status(read_results(results_dir)).summary())


@handle_errors
def annotate_command(
    results_dir: ResultsDir,
    document: Annotated[str, typer.Argument(help="Document id (as in documents.csv).", show_default=False)],
    start: Annotated[int, typer.Argument(help="Start offset (0-based code point in texts/DOCUMENT.txt).", show_default=False)],
    end: Annotated[int, typer.Argument(help="End offset (exclusive).", show_default=False)],
    code: Annotated[str, typer.Argument(help="Code id or label.", show_default=False)],
    coder: Annotated[str, typer.Option("--coder", help="Who coded it (kept in annotations.csv).")] = "",
    memo: Annotated[str, typer.Option("--memo", help="A note kept with the coding.")] = "",
) -> None:
    """Add a manual coding (origin 'manual') that segments.csv, matrices and exports count.

    Manual codings live in DIR/annotations.csv and are merged again after every
    'casecode code' run into the same folder.

    Example:
        casecode annotate results ni_consortia/consortium_lead_chief_executive 120 188 trust_relationships
    """
    added = annotate(results_dir, document, start, end, code, coder=coder, memo=memo)
    console.print(f"coded {added.document} {added.start}–{added.end} as {added.code} (manual) → {Path(results_dir) / 'annotations.csv'}")
