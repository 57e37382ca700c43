"""The streaming results writer gives the same bytes as writing a run held in memory."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from casecode import code_corpus
from casecode.errors import CaseAssignmentError, ResultsError
from casecode.export.folder import write_results
from casecode.load import load_corpus
from casecode.synthetic import synthetic_transcript, write_synthetic_corpus

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "transcripts_example"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
TABLES = ("segments.csv", "units.csv", "matrix.csv", "documents.csv", "cases.csv", "segments_for_spreadsheets.csv", "manifest.json", "codebook.yaml")


def test_streamed_folder_equals_in_memory_write(example_run, tmp_path: Path) -> None:
    run, streamed = example_run
    write_results(run, tmp_path / "memory")
    for name in (*TABLES, "casecode.xlsx"):
        assert (streamed / name).read_bytes() == (tmp_path / "memory" / name).read_bytes(), name
    for document in run.documents:
        assert (streamed / "texts" / f"{document.id}.txt").read_text(encoding="utf-8") == document.text


def test_documents_out_of_id_order_are_sorted(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for index, name in enumerate(["b.md", "m/a.md", "m-x.md"]):  # ids b, m/a, m-x: files in path order are not in id order
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(synthetic_transcript(2000, seed=index, case=f"case_{index}"), encoding="utf-8")
    run = code_corpus([corpus], CODEBOOK, out=tmp_path / "out", xlsx=False)
    ids = [d.id for d in run.documents]
    assert ids != sorted(ids)
    streamed = {name: (tmp_path / "out" / name).read_bytes() for name in TABLES[:6]}
    write_results(run, tmp_path / "memory", xlsx=False)
    for name, data in streamed.items():
        assert data == (tmp_path / "memory" / name).read_bytes(), name


def test_keep_false_holds_only_a_summary(tmp_path: Path) -> None:
    run = code_corpus([EXAMPLE], CODEBOOK, out=tmp_path / "out", xlsx=False, keep=False)
    assert run.summary is not None
    corpus = load_corpus([EXAMPLE])
    assert (run.summary.documents, run.summary.cases) == (len(corpus.documents), len({d.case for d in corpus.documents}))
    assert run.summary.codings == (tmp_path / "out" / "segments.csv").read_text(encoding="utf-8").count("\n") - 1 - _multiline_rows(tmp_path / "out")
    assert run.codings == [] and run.documents == ()
    with pytest.raises(ResultsError, match="streamed"):
        run.segments_frame()


def _multiline_rows(out: Path) -> int:
    import pandas as pd

    frame = pd.read_csv(out / "segments.csv", dtype=str, keep_default_na=False)
    text = (out / "segments.csv").read_text(encoding="utf-8")
    return text.count("\n") - 1 - len(frame)


def test_keep_false_needs_out() -> None:
    from casecode.errors import OptionError

    with pytest.raises(OptionError, match="keep=False"):
        code_corpus([EXAMPLE], CODEBOOK, keep=False)


def test_failure_midway_leaves_previous_results_intact(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_synthetic_corpus(corpus, words=6000, documents=2, seed=5)
    out = tmp_path / "out"
    code_corpus([corpus], CODEBOOK, out=out, xlsx=False)
    before = {name: (out / name).read_bytes() for name in TABLES}
    # the second document now has no case: the run fails after coding the first one
    second = corpus / "interview_00001.md"
    second.write_text(second.read_text(encoding="utf-8").replace("case: case_2\n", ""), encoding="utf-8")
    with pytest.raises(CaseAssignmentError, match="no case"):
        code_corpus([corpus], CODEBOOK, out=out, xlsx=False)
    assert {name: (out / name).read_bytes() for name in TABLES} == before
    assert not list(itertools.chain(out.glob(".*"), tmp_path.glob(".out.casecode-run.*")))


def test_streamed_parquet_holds_the_same_table(example_run, tmp_path: Path) -> None:
    import pandas as pd

    run, streamed = example_run
    write_results(run, tmp_path / "memory")
    ours = pd.read_parquet(streamed / "segments.parquet")
    theirs = pd.read_parquet(tmp_path / "memory" / "segments.parquet")
    assert len(ours) > 0
    pd.testing.assert_frame_equal(ours.astype(str), theirs.astype(str))
    assert list(ours.dtypes.astype(str)) == list(theirs.dtypes.astype(str))


AWKWARD = ["", "R1", "Dr, Smith", 'the "chair"', "two\nlines", "cr\rhere", "=SUM(A1)", "-so", "’quoted’ é"]


def test_unit_rows_formatted_directly_equal_the_csv_writer() -> None:
    from casecode.coding.segment import DocumentUnits
    from casecode.export.rows import _csv_bytes, _unit_bytes
    from casecode.export.rows import unit_row

    for document in AWKWARD:
        spans = {"turn": [(i * 10, i * 10 + 9, i) for i in range(len(AWKWARD))], "sentence": [(i * 10, i * 10 + 4, i) for i in range(len(AWKWARD))]}
        units = DocumentUnits(document, [speaker or None for speaker in AWKWARD], spans)
        assert [s.unit for s in units][:2] == ["sentence", "sentence"]
        assert _unit_bytes(units) == _csv_bytes(unit_row(s) for s in units)
        assert DocumentUnits.from_segments(document, reversed(list(units))) == units


@pytest.mark.parametrize("matched", AWKWARD)
def test_spreadsheet_rows_equal_neutralised_rows_written_with_crlf(matched: str) -> None:
    from casecode.export.safety import neutralise
    from casecode.export.rows import _TEXT_COLUMNS, _csv_bytes, _spreadsheet_bytes

    plain = ("d", "c", "R1", "sentence", 0, 0, 5, "t", "code", "rule", "rule", "fine", 0, 4, False, "auto", "fine.")
    awkward = plain[:11] + (matched,) + plain[12:16] + (f"{matched} said.",)
    for rows in ([plain], [plain, awkward], [awkward, awkward]):
        expected = _csv_bytes(([neutralise(v) if i in _TEXT_COLUMNS else v for i, v in enumerate(row)] for row in rows), spreadsheet=True)
        assert _spreadsheet_bytes(rows, _csv_bytes(rows)) == expected


@pytest.mark.parametrize("document_id", ["../escape", "a/../../escape", "/etc/escape"])
def test_a_document_id_cannot_write_outside_texts(tmp_path: Path, document_id: str) -> None:
    from casecode.codebook.load import load_codebook
    from casecode.export.rows import document_rows
    from casecode.export.stream import FolderWriter
    from casecode.model import Document

    document = Document(document_id, "x.csv", "We trusted them.", "c", "csv", "", ())
    with FolderWriter(tmp_path / "out", load_codebook(CODEBOOK), xlsx=False) as writer:
        with pytest.raises(ResultsError, match="refusing to write"):
            writer.add_rows(document, document_rows(document, [], []))
    assert not any(tmp_path.rglob("escape*"))


@pytest.mark.parametrize("block", [1, 300, 1 << 20])
def test_parquet_written_in_pieces_holds_the_whole_table(tmp_path: Path, block: int) -> None:
    """Pieces end only where a document's rows end, even when a quoted value holds a line break."""
    import pandas as pd

    from casecode.export.rows import _csv_bytes
    from casecode.export.stream import _SpillTable, _write_parquet_chunked
    from casecode.results import SEGMENT_COLUMNS, _read_csv

    table = _SpillTable(tmp_path / "segments.csv", SEGMENT_COLUMNS)
    values = [v for v in AWKWARD if "\r" not in v]  # normalised text has no bare CR (the csv module leaves it unquoted)
    for index, matched in enumerate(values * 3):
        document = f"doc{(index * 7) % 11:02d}/{index}"  # written out of document order
        row = (document, "c", "R1", "sentence", index, 0, 5, "t", "code", "rule", "rule", matched, 0, 4, index % 2 == 0, "auto", f"{matched} said.")
        table.add_bytes(document, _csv_bytes([row, row]))
    source = table.finish()
    assert len(table.bounds) == len(values) * 3 and table.bounds[-1] == source.stat().st_size
    _write_parquet_chunked(source, tmp_path / "segments.parquet", header=table.header, bounds=table.bounds, block=block)
    ours = pd.read_parquet(tmp_path / "segments.parquet")
    theirs = _read_csv(source)
    assert len(ours) == len(values) * 6
    pd.testing.assert_frame_equal(ours.astype(str), theirs.astype(str))
    assert str(ours["start"].dtype) == "int64" and str(ours["negated"].dtype) == "bool"
    import pyarrow.parquet as pq

    groups = pq.ParquetFile(tmp_path / "segments.parquet").metadata.num_row_groups
    if block == 1:
        assert groups == len(values) * 3  # one piece per document
    elif block == 1 << 20:
        assert groups == 1
    else:
        assert 1 < groups < len(values) * 3


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("We trusted the board.", False),
        ("=SUM(A1) said the board.", True),
        ("two\nlines of trust", True),
        ("-so we merged", True),
        ("co-production, user-led", False),
        ("a list,-like this, +that, @them", False),  # inside the cell: the quick test passes it to the full check
    ],
)
def test_spreadsheet_rows_travel_only_when_they_differ(text: str, own: bool) -> None:
    """Workers send segments_for_spreadsheets.csv rows only when they are more than the CRLF copy."""
    from casecode.export.rows import _csv_bytes, _spreadsheet_bytes, document_rows, segment_row
    from casecode.model import Coding, Document

    document = Document("d", "d.txt", text, "c", "txt", "", ())
    coding = Coding("d", "c", None, "turn", 0, 0, len(text), "t", "code", "rule", "rule", text[:8], 0, 8, False)
    rows = document_rows(document, [coding], [])
    assert (rows.own_sheet is not None) is own
    assert rows.sheet == _spreadsheet_bytes([segment_row(coding, text)], _csv_bytes([segment_row(coding, text)]))
    assert rows.sheet.endswith(b"\r\n")


@pytest.mark.parametrize("scan", ["regex", "numpy"])
@pytest.mark.parametrize("seed", range(3))
def test_quick_neutralise_test_never_skips_a_cell_that_needs_it(seed: int, scan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """_may_neutralise is False only when no cell of the rows starts with a formula character,
    whether it scans with a regex (a few rows) or with numpy (many)."""
    import random

    from casecode.export import rows as rows_module
    from casecode.export.rows import _csv_bytes, _may_neutralise
    from casecode.export.safety import is_formula_like

    monkeypatch.setattr(rows_module, "_SCAN_BYTES", 1 << 30 if scan == "regex" else 0)

    rng = random.Random(seed)
    alphabet = ["a", "b", " ", ",", '"', "\n", "\r", "=", "+", "-", "@", "\t", "é"]
    for _ in range(3000):
        rows = [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 4))] for _ in range(rng.randint(1, 3))]
        data = _csv_bytes(rows)
        if any(is_formula_like(cell) for row in rows for cell in row):
            assert _may_neutralise(data), rows
    assert not _may_neutralise(_csv_bytes([["we merged", "a-b", "x=y, +z"]]))
    assert _may_neutralise(_csv_bytes([["we merged", "-so"]]))
    assert _may_neutralise(_csv_bytes([["x", "=a, b"]]))  # written quoted: "=a, b"
    assert not _may_neutralise(_csv_bytes([['"=x"', "b"]]))  # the cell starts with a quote mark
    assert not _may_neutralise(b"")


def test_csv_field_is_what_the_csv_module_writes() -> None:
    """units.csv's quoted fields (ids, unit names, speakers) match csv.writer's, plain or quoted."""
    import random

    from casecode.export.rows import _csv_bytes, _csv_field

    rng = random.Random(3)
    alphabet = ["a", "B", " ", ",", '"', "\n", "\r", "\t", "é", "'", ";", "=", "|"]
    values = ["", "R1", "Chief Executive", "larkfield/interview 1", *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3000))]
    for value in values:
        assert f"{_csv_field(value)},x\n".encode("utf-8") == _csv_bytes([[value, "x"]]), repr(value)
    assert _csv_field('say "hi", then') == '"say ""hi"", then"'


def test_quick_neutralise_scans_agree_on_any_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The regex scan (below _SCAN_BYTES) and the numpy scan give the same answer, short or long."""
    import random

    from casecode.export import rows as rows_module

    rng = random.Random(7)
    alphabet = [b"a", b" ", b",", b'"', b"\n", b"\r", b"=", b"+", b"-", b"@", b"\t"]
    samples = [b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(4000)]
    samples += [b"a,b\n" * 5000 + tail for tail in (b"", b"=x", b'"@x', b"x,-1\n", b"\n\t")]  # past _SCAN_BYTES
    answers = {}
    for scan, limit in (("regex", 1 << 30), ("numpy", 0)):
        monkeypatch.setattr(rows_module, "_SCAN_BYTES", limit)
        answers[scan] = [rows_module._may_neutralise(data) for data in samples]
    assert answers["regex"] == answers["numpy"]
    assert any(answers["regex"]) and not all(answers["regex"])
    assert answers["regex"][-5:] == [False, True, True, True, True]


def test_parquet_written_as_rows_come_equals_the_one_made_at_the_end(tmp_path: Path) -> None:
    """In id order the rows go to segments.parquet as they come; out of order it is made
    from the reordered segments.csv at the end. Either way, the same bytes."""
    from casecode.codebook.load import load_codebook
    from casecode.coding.backends import CoderSpec, DocumentCoder
    from casecode.export.stream import FolderWriter
    from casecode.load import load_corpus

    book = load_codebook(CODEBOOK)
    documents = load_corpus([ROOT / "transcripts_example"]).documents
    coded = sorted(DocumentCoder(CoderSpec(book, rows=True)).code(documents), key=lambda c: c.document.id)
    assert len(coded) > 2 and all(c.rows is not None for c in coded)
    folders = {}
    for name, order in (("in-order", coded), ("reversed", coded[::-1])):
        writer = FolderWriter(tmp_path / name, book, xlsx=False)
        for item in order:
            writer.add_rows(item.document, item.rows)
        assert (writer.parquet is not None) == (name == "in-order")  # the reversed run fell back
        writer.finish(pipeline={}, versions={}, cases_manifest=None, case_labels={}, ignored=(), options={})
        folders[name] = tmp_path / name
    assert (folders["in-order"] / "segments.parquet").read_bytes() == (folders["reversed"] / "segments.parquet").read_bytes()
    assert (folders["in-order"] / "segments.csv").read_bytes() == (folders["reversed"] / "segments.csv").read_bytes()
    assert not list(tmp_path.glob(".*casecode-run*"))  # staging folders removed
