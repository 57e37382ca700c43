"""Write a coding run as a results folder (CSV, XLSX, texts, manifest)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from casecode.analysis.matrix import build_matrix, flat
from casecode.codebook.schema import Codebook
from casecode.export.safety import write_spreadsheet_csv
from casecode.export.xlsx import write_workbook
from casecode.results import Results, atomic_path, check_results_target, replace_dir, text_path, transaction, write_bytes, write_csv, write_json
from casecode.review.decisions import with_manual

if TYPE_CHECKING:
    from casecode.run import CodingRun


def codebook_frame(book: Codebook) -> pd.DataFrame:
    """The codebook as a table: one row per code, with guidance and rule summary."""
    rows = []
    for trail, code in book.walk():
        rows.append(
            {
                "theme": "/".join(trail),
                "code": code.id,
                "label": code.label,
                "definition": code.definition,
                "when_to_use": code.when_to_use,
                "when_not_to_use": code.when_not_to_use,
                "examples": "\n".join(code.examples),
                "counter_examples": "\n".join(code.counter_examples),
                "unit": book.unit_of(code),
                "rules": "\n".join(f"{r.id}: {r.kind}{' (helper)' if r.helper else ''}" for r in code.rules),
            }
        )
    return pd.DataFrame(rows)


def matrix_sheets(results: Results) -> list[tuple[str, pd.DataFrame, dict]]:
    sheets = []
    for name, measure in (("matrix", "segments"), ("share", "share"), ("documents", "documents")):
        frame = flat(build_matrix(results, measure=measure))  # type: ignore[arg-type]
        value_columns = [c for c in frame.columns if c not in ("theme", "code", "label")]
        sheets.append((name, frame, {"heat": value_columns[:-1] or value_columns, "widths": {"label": 36}}))
    return sheets


def write_parquet(target: Path, frame: pd.DataFrame) -> None:
    """Write a frame as Parquet (pyarrow) atomically, with no pandas index column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_results(run: "CodingRun", out: Path, *, xlsx: bool = True) -> Results:
    """Write every output of a run into ``out``; the files replace the old ones together."""
    results = run.to_results()
    return write_results_folder(results, out, codebook_bytes=Path(run.codebook.path).read_bytes(), xlsx=xlsx)


def write_results_folder(results: Results, out: Path, *, codebook_bytes: bytes, xlsx: bool = True, keep_manual: bool = True) -> Results:
    """Write in-memory :class:`Results` (with ``texts``) as a results folder in ``out``.

    With ``keep_manual`` (a re-run), manual codings recorded in ``out`` are merged in; an
    import passes False so that the table is exactly the imported one.
    """
    assert results.texts is not None, "write_results_folder needs the document texts"
    check_results_target(out)
    results.folder = out
    if keep_manual:
        results.segments = with_manual(results.segments, out, results)  # manual codings survive a re-run
    out.mkdir(parents=True, exist_ok=True)
    with transaction():  # all files move into place together, manifest.json last
        replace_dir(out / "texts", {text_path(doc): text for doc, text in results.texts.items()})
        write_bytes(out / "codebook.yaml", codebook_bytes)
        write_csv(out / "segments.csv", results.segments)
        write_parquet(out / "segments.parquet", results.segments)
        write_spreadsheet_csv(out / "segments_for_spreadsheets.csv", results.segments)
        write_csv(out / "units.csv", results.units)
        write_csv(out / "documents.csv", results.documents)
        write_csv(out / "cases.csv", results.cases)
        write_csv(out / "matrix.csv", flat(build_matrix(results, measure="segments")))
        if xlsx:
            sheets = matrix_sheets(results)
            sheets.append(("segments", results.segments, {"wrap": ("text",), "widths": {"text": 80, "matched": 24}}))
            sheets.append(("codebook", codebook_frame(results.codebook.model), {"wrap": ("definition", "when_to_use", "when_not_to_use", "examples", "counter_examples", "rules"), "widths": {"definition": 50, "when_to_use": 40, "when_not_to_use": 40, "examples": 50, "counter_examples": 40, "rules": 30}}))
            write_workbook(out / "casecode.xlsx", sheets, run=results.manifest)
        write_json(out / "manifest.json", results.manifest)
    return results
