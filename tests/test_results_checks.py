"""A damaged results folder is refused with one line naming the file, line and column.

Every command that reads a results folder reads it through ``read_results``, which
checks the tables: the columns the commands need, whole numbers where offsets and
indexes belong, rows as long as the header, spans within their document's text. Each
damage here once gave ``internal error: KeyError`` or, worse, exit code 0 and wrong
output.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode.cli.app import app
from casecode.errors import ResultsError
from casecode.results import read_results

runner = CliRunner()

#: a cell value no message may ever show (it stands for transcript text)
SECRET = "the chief executive told me in confidence"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = csv.reader(handle)
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def _line(rows: list[list[str]], index: int) -> int:
    """The line data row ``index`` starts on in the file _write makes (header = line 1)."""
    return 2 + index + sum(cell.count("\n") for row in rows[:index] for cell in row)


def _multiline_row_before(rows: list[list[str]]) -> int:
    """A row after the first row with a line break in a cell (so its line is not index + 2)."""
    first = next(i for i, row in enumerate(rows) if any("\n" in cell for cell in row))
    return first + 5


def _set(folder: Path, name: str, column: str, value: str, index: int | None = None) -> int:
    """Set one cell of results table ``name``; returns the line of the row changed."""
    header, rows = _read(folder / name)
    index = _multiline_row_before(rows) if index is None else index
    rows[index][header.index(column)] = value
    _write(folder / name, header, rows)
    return _line(rows, index)


def _drop_column(folder: Path, name: str, column: str) -> None:
    header, rows = _read(folder / name)
    at = header.index(column)
    _write(folder / name, [c for i, c in enumerate(header) if i != at], [[c for i, c in enumerate(row) if i != at] for row in rows])


def _commands(folder: Path, tmp_path: Path) -> list[list[str]]:
    header, rows = _read(folder / "segments.csv")
    code = rows[0][header.index("code")] if "code" in header else "trust_relationships"
    return [
        ["matrix", str(folder)],
        ["matrix", str(folder), "--measure", "share"],
        ["show", str(folder), code],
        ["report", str(folder), "-o", str(tmp_path / "report.html")],
        ["export", str(folder), "--to", "qdpx", "-o", str(tmp_path / "study.qdpx")],
        ["framework", str(folder)],
        ["cooccur", str(folder)],
    ]


def _refused(args: list[str], *expected: str) -> str:
    result = runner.invoke(app, args)
    output = result.output.strip()
    assert result.exit_code == 1, (args, result.exit_code, output)
    assert len(output.splitlines()) == 1, output
    assert "internal error" not in output and "Traceback" not in output
    assert SECRET not in output
    for part in expected:
        assert part in output, (part, output)
    return output


# ------------------------------------------------------------------ missing columns


def test_segments_without_the_code_column_is_refused_by_every_command(results_copy: Path, tmp_path: Path) -> None:
    commands = _commands(results_copy, tmp_path)  # the code to show, before it goes
    _drop_column(results_copy, "segments.csv", "code")
    for args in commands:
        _refused(args, f"{results_copy / 'segments.csv'}:1: no column 'code'", "re-run 'casecode code'")
    assert not (tmp_path / "study.qdpx").exists() and not (tmp_path / "report.html").exists()


def test_units_cut_to_three_columns_is_refused_by_every_command(results_copy: Path, tmp_path: Path) -> None:
    header, rows = _read(results_copy / "units.csv")
    _write(results_copy / "units.csv", header[:3], [row[:3] for row in rows])
    for args in _commands(results_copy, tmp_path):
        _refused(args, f"{results_copy / 'units.csv'}:1: no columns 'start', 'end', 'speaker', 'turn'")


@pytest.mark.parametrize(("name", "column"), [("documents.csv", "case"), ("cases.csv", "case"), ("segments.csv", "start"), ("units.csv", "index")])
def test_a_required_column_missing_is_named(results_copy: Path, name: str, column: str) -> None:
    _drop_column(results_copy, name, column)
    with pytest.raises(ResultsError, match=rf"{name}:1: no column '{column}' — re-run 'casecode code'"):
        read_results(results_copy)


# ------------------------------------------------------------------ numbers


def test_text_where_start_belongs_is_refused_not_read_as_minus_one(results_copy: Path, tmp_path: Path) -> None:
    line = _set(results_copy, "segments.csv", "start", "abc")
    where = f"{results_copy / 'segments.csv'}:{line} (start): holds text, not a whole number ≥ 0"
    _refused(["matrix", str(results_copy)], where)
    _refused(["export", str(results_copy), "--to", "qdpx", "-o", str(tmp_path / "study.qdpx")], where)
    assert not (tmp_path / "study.qdpx").exists()  # it held startPosition="-1"
    with pytest.raises(ResultsError, match=rf"segments\.csv:{line} \(start\): holds text"):
        read_results(results_copy)


def test_messages_never_quote_the_cell(results_copy: Path) -> None:
    _set(results_copy, "segments.csv", "match_end", SECRET)
    _refused(["matrix", str(results_copy)], "(match_end): holds text")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("start", "-3", "(start): holds -3, not a whole number ≥ 0"),
        ("end", "12.5", "(end): holds 12.5, not a whole number ≥ 0"),
        ("end", "", "(end): empty; it must hold a whole number ≥ 0"),
        ("match_start", "1e3", "(match_start): holds 1e3, not a whole number ≥ 0"),
        ("segment", "x", "(segment): holds text, not a whole number ≥ 0, or -1 or empty for none"),
        ("segment", "-2", "(segment): holds -2"),
        ("negated", "maybe", "(negated): holds neither True nor False"),
    ],
)
def test_bad_numbers_and_flags_in_segments_are_named(results_copy: Path, column: str, value: str, message: str) -> None:
    line = _set(results_copy, "segments.csv", column, value)
    with pytest.raises(ResultsError, match="re-run 'casecode code'") as caught:
        read_results(results_copy)
    assert str(caught.value).startswith(f"{results_copy / 'segments.csv'}:{line} {message}")


@pytest.mark.parametrize(("column", "value"), [("index", "first"), ("start", "-1"), ("turn", "1.5")])
def test_bad_numbers_in_units_are_named(results_copy: Path, column: str, value: str) -> None:
    line = _set(results_copy, "units.csv", column, value, index=7)
    with pytest.raises(ResultsError, match=rf"units\.csv:{line} \({column}\): holds"):
        read_results(results_copy)


def test_every_bad_row_is_counted(results_copy: Path) -> None:
    header, rows = _read(results_copy / "segments.csv")
    for index in (3, 9, 40):
        rows[index][header.index("start")] = "?"
    _write(results_copy / "segments.csv", header, rows)
    with pytest.raises(ResultsError, match=rf"segments\.csv:{_line(rows, 3)} \(start\): holds text, not a whole number ≥ 0 \(2 more rows like it\)"):
        read_results(results_copy)


# ------------------------------------------------------------------ offsets


def test_end_before_start_is_refused(results_copy: Path) -> None:
    header, rows = _read(results_copy / "segments.csv")
    index = _multiline_row_before(rows)
    start = int(rows[index][header.index("start")])
    line = _set(results_copy, "segments.csv", "end", str(start - 1), index=index)
    with pytest.raises(ResultsError, match=rf"segments\.csv:{line} \(end\): end {start - 1} is before start {start}"):
        read_results(results_copy)


def test_offsets_past_the_end_of_the_text_are_refused(results_copy: Path) -> None:
    header, rows = _read(results_copy / "units.csv")
    document = rows[4][header.index("document")]
    length = len((results_copy / "texts" / f"{document}.txt").read_text(encoding="utf-8"))
    line = _set(results_copy, "units.csv", "end", str(length + 1), index=4)
    with pytest.raises(ResultsError, match=rf"units\.csv:{line} \(end\): end {length + 1} is past the end of {document}'s text \({length} characters"):
        read_results(results_copy)


def test_a_segment_of_an_unknown_document_is_refused(results_copy: Path) -> None:
    line = _set(results_copy, "segments.csv", "document", "nosuch/interview")
    with pytest.raises(ResultsError, match=rf"segments\.csv:{line} \(document\): a document that documents.csv does not list"):
        read_results(results_copy)


def test_bad_counts_in_documents_are_refused_empty_ones_read(results_copy: Path) -> None:
    _set(results_copy, "documents.csv", "words", "", index=2)
    assert read_results(results_copy).documents["words"].iloc[2] == -1
    _set(results_copy, "documents.csv", "characters", "many", index=2)
    with pytest.raises(ResultsError, match=r"documents\.csv:4 \(characters\): holds text"):
        read_results(results_copy)


# ------------------------------------------------------------------ rows cut short


def _cut(path: Path, keep: int) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:keep])


def test_segments_cut_in_the_middle_of_a_row_is_refused(results_copy: Path, tmp_path: Path) -> None:
    path = results_copy / "segments.csv"
    header, rows = _read(path)
    index = _multiline_row_before(rows)
    _write(path, header, rows[: index + 1])
    data = path.read_bytes()
    _cut(path, data.rindex(b",sentence,") + 5)  # inside the last row's unit cell
    expected = f"{path}:{_line(rows, index)}: 4 cells, but the header names {len(header)} columns (the row is cut short"
    for args in (["matrix", str(results_copy)], ["export", str(results_copy), "--to", "qdpx", "-o", str(tmp_path / "study.qdpx")]):
        _refused(args, expected)
    assert not (tmp_path / "study.qdpx").exists()


def test_cut_inside_the_last_cell_is_refused(results_copy: Path) -> None:
    """Cut in an unquoted text cell: the row has all its cells, but the text is short."""
    header, rows = _read(results_copy / "segments.csv")
    index = next(i for i, row in enumerate(rows) if i > 30 and '"' not in row[-1] and "," not in row[-1] and "\n" not in row[-1])
    rows[index][-1] = rows[index][-1][:10]
    _write(results_copy / "segments.csv", header, rows[: index + 1])
    with pytest.raises(ResultsError, match=rf"segments\.csv:{_line(rows, index)} \(text\): 10 characters, but start-end spans \d+ \(the row is cut short"):
        read_results(results_copy)


def test_cut_inside_a_quoted_cell_is_refused(results_copy: Path) -> None:
    """Cut in a quoted cell: CSV readers would take the rest of the file as that cell."""
    header, rows = _read(results_copy / "segments.csv")
    index = next(i for i, row in enumerate(rows) if i > 30 and "," in row[-1])
    path = results_copy / "segments.csv"
    _write(path, header, rows[: index + 1])
    data = path.read_bytes()
    _cut(path, data.rindex(b","))  # the last comma is inside the last row's quoted text
    with pytest.raises(ResultsError, match=rf"segments\.csv:{_line(rows, index)}: a quoted cell in this row is not closed"):
        read_results(results_copy)


def test_a_row_with_an_extra_cell_is_refused(results_copy: Path) -> None:
    header, rows = _read(results_copy / "units.csv")
    rows[12].append("extra")
    _write(results_copy / "units.csv", header, rows)
    with pytest.raises(ResultsError, match=rf"units\.csv:{_line(rows, 12)}: 8 cells, but the header names 7 columns \(a cell holds an unquoted comma"):
        read_results(results_copy)


@pytest.mark.parametrize(("data", "message"), [(b"", ": empty"), (b"\n\ncase,label\n", ":1: blank"), (b"case,label\nc,\xff\n", ":2: not UTF-8 text")])
def test_empty_blank_and_undecodable_tables_are_refused(results_copy: Path, data: bytes, message: str) -> None:
    (results_copy / "cases.csv").write_bytes(data)
    with pytest.raises(ResultsError, match=rf"cases\.csv{message}"):
        read_results(results_copy)


# ------------------------------------------------------------------ what must still read


def test_results_folder_reads_with_every_check(example_run) -> None:
    results = read_results(example_run[1])
    assert str(results.segments["start"].dtype) == "int64" and str(results.segments["negated"].dtype) == "bool"
    assert (results.segments["end"] > results.segments["start"]).all()


def test_a_long_cell_reads(results_copy: Path) -> None:
    """A unit the length of a long turn is longer than the CSV reader's block."""
    header, rows = _read(results_copy / "segments.csv")
    documents_header, documents = _read(results_copy / "documents.csv")
    text = "word " * 600_000
    (results_copy / "texts" / "long.txt").write_text(text, encoding="utf-8")
    row = list(rows[0])
    for column, value in {"document": "long", "start": "0", "end": str(len(text)), "match_start": "0", "match_end": "4", "text": text}.items():
        row[header.index(column)] = value
    _write(results_copy / "segments.csv", header, [*rows, row])
    extra = ["" for _ in documents_header]
    extra[documents_header.index("document")], extra[documents_header.index("case")] = "long", documents[0][documents_header.index("case")]
    extra[documents_header.index("characters")] = str(len(text))
    _write(results_copy / "documents.csv", documents_header, [*documents, extra])
    results = read_results(results_copy)
    assert results.segments["text"].iloc[-1] == text


def test_manual_codings_outside_any_unit_still_read(results_copy: Path) -> None:
    """A manual coding of a speaker label lies in no unit: its segment is -1."""
    from casecode.review import annotate

    results = read_results(results_copy)
    document = results.documents["document"].iloc[0]
    text = results.text(document)
    label = text.index("Interviewer:")
    annotate(results_copy, document, label, label + len("Interviewer"), results.codebook.model.codes()[0].id)
    segments = read_results(results_copy).segments
    manual = segments[segments["origin"] == "manual"]
    assert manual["segment"].tolist() == [-1]
    assert runner.invoke(app, ["matrix", str(results_copy)]).exit_code == 0


def test_an_imported_project_still_reads(tmp_path: Path) -> None:
    """Imported codings have no rule, and an imported project's units no turn (-1)."""
    from casecode.exchange.qdpx import NS

    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{NS}" name="Other tool">
 <CodeBook><Codes><Code guid="00000000-0000-0000-0000-000000000001" name="Trust" isCodable="true"/></Codes></CodeBook>
 <Sources>
  <TextSource guid="00000000-0000-0000-0000-0000000000a1" name="Interview one" plainTextPath="internal://a1.txt">
   <PlainTextSelection guid="00000000-0000-0000-0000-0000000000b1" startPosition="25" endPosition="30">
    <Coding guid="00000000-0000-0000-0000-0000000000c1"><CodeRef targetGUID="00000000-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>"""
    project = tmp_path / "other.qdpx"
    with zipfile.ZipFile(project, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/a1.txt", "Interviewer: Why?\nR1: We trust them.\n")
    assert runner.invoke(app, ["import", str(project), "-o", str(tmp_path / "imported"), "--no-xlsx"]).exit_code == 0
    results = read_results(tmp_path / "imported")
    assert results.segments[["origin", "rule", "text"]].values.tolist() == [["imported", "", "trust"]]
    assert results.units["turn"].tolist() == [-1]
    for args in (["matrix", str(tmp_path / "imported")], ["export", str(tmp_path / "imported"), "--to", "qdpx", "-o", str(tmp_path / "again.qdpx")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
