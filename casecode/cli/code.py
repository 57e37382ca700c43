"""``casecode code``: code transcripts with a codebook into a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from casecode.cli.common import Encoding, Model, OutDir, console, err_console, handle_errors
from casecode.cli.cache import CacheDir
from casecode.coding import forkserver
from casecode.coding.jobs import resolve_jobs
from casecode.errors import OptionError
from casecode.load import DEFAULT_SPEAKER_PATTERN, ReadOptions, discover

#: Exit code of a --keep-going run that wrote results but could not read or code some files.
FAILED_EXIT_CODE = 3


@handle_errors
def code_command(
    transcripts: Annotated[list[Path], typer.Argument(help="Transcript files or folders (searched recursively).", show_default=False)],
    codebook: Annotated[Path, typer.Option("--codebook", "-c", help="The YAML codebook.")],
    out: OutDir = Path("results"),
    cases: Annotated[Optional[Path], typer.Option("--cases", help="A cases.yaml or cases.csv manifest (default: one found at the top of a transcripts folder).")] = None,
    case_from: Annotated[Optional[str], typer.Option("--case-from", help="'folder': take each document's case from its parent folder's name.")] = None,
    model: Model = None,
    encoding: Encoding = None,
    speaker_pattern: Annotated[str, typer.Option("--speaker-pattern", help="Regex with a (?P<speaker>...) group that marks a speaker label at a line start.")] = DEFAULT_SPEAKER_PATTERN,
    text_column: Annotated[Optional[str], typer.Option("--text-column", help="CSV: the column with the words (default 'text').")] = None,
    speaker_column: Annotated[Optional[str], typer.Option("--speaker-column", help="CSV: the column with the speaker (default 'speaker' if present).")] = None,
    document_column: Annotated[Optional[str], typer.Option("--document-column", help="CSV: group rows into one document per value (e.g. respondent id).")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option("--exclude", help="Glob of files to leave out (repeatable).")] = None,
    no_xlsx: Annotated[bool, typer.Option("--no-xlsx", help="Skip casecode.xlsx (faster on very large corpora).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    jobs: Annotated[str, typer.Option("--jobs", "-j", metavar="N|auto", help="Worker processes on this machine (1: this process; auto: one per usable core; with --dask local, the number of Dask workers).")] = "1",
    dask: Annotated[Optional[str], typer.Option("--dask", help="Run on a Dask cluster: a scheduler address (tcp://HOST:8786) or 'local'. Needs the dask extra.")] = None,
    cache: Annotated[Optional[bool], typer.Option("--cache/--no-cache", help="Reuse NLP results from the cache (default: only with --model, where it pays).", show_default=False)] = None,
    cache_dir: CacheDir = None,
    keep_going: Annotated[bool, typer.Option("--keep-going", "-k", help="Code the other files when one cannot be read or coded; list the failures in manifest.json and exit with code 3.")] = False,
) -> None:
    """Code TRANSCRIPTS with a codebook and write the results folder.

    Writes segments.csv (one row per coded segment and code, with the rule and the
    matched words), texts/, matrix.csv, casecode.xlsx and manifest.json.

    Documents are read, coded and written one at a time, so memory does not grow with
    the corpus. --jobs and --dask give byte-identical results to a serial run.

    Exit codes: 0 done; 1 error (nothing written); 3 done with --keep-going but some
    files failed (listed on stderr and in manifest.json); 130 interrupted (the previous
    results are left as they were).

    Example:
        casecode code transcripts_example --codebook codebooks/partnership.yaml --out results --jobs 2
    """
    workers = resolve_jobs(jobs)
    # Workers come from a fork server: started first, it imports spaCy and casecode on
    # another core while this process does the same below.
    forkserver.start_for(jobs=workers, dask=dask)
    from casecode.run import code_corpus  # here, not at the top: `casecode --help` starts without spaCy

    if case_from not in (None, "folder"):
        raise OptionError(f"--case-from {case_from}: unknown source of cases", hint="use --case-from folder (each top folder is a case), or give cases with --cases FILE or a 'case' column or front matter")
    options = ReadOptions(encoding=encoding, speaker_pattern=speaker_pattern, text_column=text_column, speaker_column=speaker_column, document_column=document_column)
    found, _ = discover(transcripts, exclude=exclude or ())
    show = not quiet and err_console.is_terminal
    with Progress(TextColumn("coding"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, disable=not show, transient=True) as bar:
        task = bar.add_task("", total=len(found))
        run = code_corpus(
            transcripts, codebook, out=out, cases=cases, case_from=case_from, model=model, options=options,  # type: ignore[arg-type]
            exclude=exclude or (), progress=lambda doc: bar.update(task, advance=1, description=doc.id), xlsx=not no_xlsx,
            jobs=jobs, dask=dask, cache=cache, cache_dir=cache_dir, keep=False, keep_going=keep_going,
        )
    if not quiet:
        summary = run.summary
        assert summary is not None
        console.print(f"coded {summary.documents} documents in {summary.cases} cases: {summary.codings} coded segments → {out}/")
        if run.corpus.ignored:
            console.print(f"left out {len(run.corpus.ignored)} file(s) (listed in manifest.json): " + ", ".join(p for p, _ in run.corpus.ignored[:5]))
    if run.corpus.failed:
        for _path, error in run.corpus.failed:
            err_console.print(f"failed: {error}", markup=False, soft_wrap=True)
        err_console.print(f"{len(run.corpus.failed)} file(s) failed and are not in the results (listed in manifest.json under 'failed')", markup=False, soft_wrap=True)
        raise typer.Exit(FAILED_EXIT_CODE)
