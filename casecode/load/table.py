"""Tabular transcripts: CSV with one row per utterance or per survey response.

Options choose the columns: ``text_column`` (default ``text``), ``speaker_column``
(default ``speaker`` if present) and ``document_column`` (rows are grouped into one
document per value, e.g. a respondent id). Other columns whose value is constant within a
document become its attributes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from casecode.errors import TranscriptError
from casecode.load.registry import RawDocument, ReadOptions, compose_turns, decode, reader


def _pick(columns: list[str], wanted: str | None, default: str | None, path: Path, option: str) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise TranscriptError(f"{path}: no column {wanted!r} (columns: {', '.join(columns)})", hint=f"pass the right name with {option}")
        return wanted
    return default if default in columns else None


def rows_to_documents(path: Path, columns: list[str], rows: list[dict[str, str]], options: ReadOptions) -> list[RawDocument]:
    """Group table rows into documents; shared by every tabular reader."""
    text_col = _pick(columns, options.text_column, "text", path, "--text-column")
    if text_col is None:
        raise TranscriptError(f"{path}: no 'text' column (columns: {', '.join(columns)})", hint="name the column with the words in it: --text-column NAME")
    speaker_col = _pick(columns, options.speaker_column, "speaker", path, "--speaker-column")
    doc_col = _pick(columns, options.document_column, None, path, "--document-column")
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(str(row.get(doc_col) or "") if doc_col else "", []).append(row)
    used = {text_col, speaker_col, doc_col}
    documents: list[RawDocument] = []
    for key, group in groups.items():
        utterances = [((row.get(speaker_col) or "").strip() or None if speaker_col else None, row.get(text_col) or "") for row in group]
        text, turns = compose_turns(utterances)
        if not text.strip():
            continue
        metadata = {}
        for column in columns:
            if column in used or not column:
                continue
            values = {(row.get(column) or "").strip() for row in group}
            if len(values) == 1 and (value := values.pop()):
                metadata[column] = value
        documents.append(RawDocument(text=text, metadata=metadata, turns=turns, key=key))
    if not documents:
        raise TranscriptError(f"{path}: the table has no text in column {text_col!r}", hint="check --text-column")
    return documents


#: the longest CSV cell read (characters): a whole transcript can sit in one cell
CSV_FIELD_LIMIT = 1 << 30


@reader(".csv", ".tsv")
def read_csv(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read a CSV/TSV of utterances or responses."""
    text = decode(data, path, options.encoding)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    # an interview answer in one cell can exceed the csv module's default 128 kB limit
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    rows = []
    try:
        table = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        columns = [c.strip() for c in (table.fieldnames or [])]
        table.fieldnames = columns
        for row in table:
            if None in row:  # more cells than the header names: text would be lost
                extra = len(row[None])  # type: ignore[index]
                name = "a tab" if delimiter == "\t" else "a comma"
                raise TranscriptError(
                    f"{path}: line {table.line_num}: {extra} more cell(s) than the header's {len(columns)} columns",
                    hint=f"put quotes around a cell that holds {name} (\"like{delimiter} this\"), or name the extra column in the header",
                )
            rows.append(row)
    except csv.Error as exc:
        raise TranscriptError(f"{path}: line {table.line_num + 1}: {exc}", hint="check the quoting of that row") from None
    if not columns:
        raise TranscriptError(f"{path}: the table has no header row", hint="the first row must name the columns, e.g. speaker,text")
    return rows_to_documents(path, columns, rows, options)
