"""``annotate``: add a manual coding to a results folder; every output then counts it."""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path

from casecode.intercoder.spans import code_lookup, resolve_code
from casecode.errors import OptionError
from casecode.results import Results, read_results, write_csv
from casecode.review.decisions import ANNOTATION_COLUMNS, ANNOTATION_FILE, Annotation, _write_rows, read_annotations, with_manual


def refresh_tables(results: Results) -> Results:
    """Merge annotations.csv into segments.csv and rewrite what is made from it.

    matrix.csv always; segments_for_spreadsheets.csv, segments.parquet and
    casecode.xlsx where the folder has them.
    """
    from casecode.analysis.matrix import build_matrix, flat
    from casecode.export.folder import codebook_frame, matrix_sheets, write_parquet
    from casecode.export.xlsx import write_workbook

    folder = results.folder
    results = replace(results, segments=with_manual(results.segments, folder, results))
    write_csv(folder / "segments.csv", results.segments)
    if (folder / "segments_for_spreadsheets.csv").exists():
        from casecode.export.safety import write_spreadsheet_csv

        write_spreadsheet_csv(folder / "segments_for_spreadsheets.csv", results.segments)
    if (folder / "segments.parquet").exists():
        write_parquet(folder / "segments.parquet", results.segments)
    write_csv(folder / "matrix.csv", flat(build_matrix(results, measure="segments")))
    if (folder / "casecode.xlsx").exists():
        sheets = matrix_sheets(results)
        sheets.append(("segments", results.segments, {"wrap": ("text",), "widths": {"text": 80, "matched": 24}}))
        sheets.append(("codebook", codebook_frame(results.codebook.model), {"wrap": ("definition", "examples", "rules")}))
        write_workbook(folder / "casecode.xlsx", sheets, run=results.manifest)
    return results


def annotate(folder: str | Path, document: str, start: int, end: int, code: str, *, coder: str = "", memo: str = "") -> Annotation:
    """Add a manual coding of ``text[start:end]`` of ``document`` with ``code`` (id or label).

    The coding is kept in ``annotations.csv`` (so it survives a re-run of ``casecode
    code``) and appears at once in segments.csv and matrix.csv with ``origin`` manual.

    Example:
        >>> annotate("results", "ni_consortia/consortium_lead_chief_executive", 120, 188, "trust_relationships")  # doctest: +SKIP
    """
    folder = Path(folder)
    results = read_results(folder)
    known = list(results.documents["document"])
    if document not in known:
        guess = difflib.get_close_matches(document, known, n=1)
        raise OptionError(f"{folder}: no document {document!r}", hint=f"did you mean {guess[0]!r}?" if guess else "document ids are listed in documents.csv")
    book = results.codebook.model
    code_id = resolve_code(code, code_lookup(book))
    if code_id is None:
        guess = difflib.get_close_matches(code, [c.id for c in book.codes()], n=1)
        raise OptionError(f"{folder / 'codebook.yaml'}: no code {code!r} (by id or label)", hint=f"did you mean {guess[0]!r}?" if guess else "codes are listed by 'casecode matrix'")
    text = results.text(document)
    if not (0 <= start < end <= len(text)):
        raise OptionError(f"span {start}-{end} is outside {document} (0-{len(text)})", hint="offsets are 0-based code points into texts/ (end exclusive)")
    if not text[start:end].strip():
        raise OptionError(f"span {start}-{end} of {document} holds no text", hint="choose offsets that cover words")
    annotations = read_annotations(folder)
    new = Annotation(document, start, end, code_id, coder, memo)
    if any((a.document, a.start, a.end, a.code) == (document, start, end, code_id) for a in annotations):
        raise OptionError(f"{folder / ANNOTATION_FILE}: {document} {start}-{end} is already coded {code_id} by hand", hint="nothing to do")
    annotations.append(new)
    annotations.sort(key=lambda a: (a.document, a.start, a.end, a.code, a.coder))
    _write_rows(folder / ANNOTATION_FILE, ANNOTATION_COLUMNS, (a.__dict__ for a in annotations))
    refresh_tables(results)
    return new


def remove_annotation(folder: str | Path, annotation: Annotation) -> None:
    """Remove one manual coding (used by undo in the review app) and refresh the tables."""
    folder = Path(folder)
    kept = [a for a in read_annotations(folder) if a != annotation]
    _write_rows(folder / ANNOTATION_FILE, ANNOTATION_COLUMNS, (a.__dict__ for a in kept))
    refresh_tables(read_results(folder))
