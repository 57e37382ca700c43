"""Readers for PDF, ODT, RTF, HTML, XLSX and bold speakers in DOCX (issue: real-world inputs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.errors import CaseAssignmentError, TranscriptError
from casecode.load import load_corpus, read_document
from casecode.load.pdf import join_lines, strip_page_furniture
from tests.makefiles import make_docx, make_pdf, make_scanned_pdf, make_xlsx, odt_bytes



def _one(path: Path):
    corpus = load_corpus([path.parent.parent], case_from="folder")
    assert len(corpus.documents) == 1
    return corpus.documents[0]


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "larkfield"
    folder.mkdir()
    return folder


# --- PDF -------------------------------------------------------------------------------


def test_pdf_headers_footers_page_numbers_and_hyphenation(case_dir: Path) -> None:
    path = make_pdf(
        case_dir / "ceo.pdf",
        [
            ["Interviewer: How did the merger start?", "Chief Executive: It began with a conver-", "sation between the boards."],
            ["Interviewer: And trust?", "Chief Executive: Trust took a long time to build.", "7"],
            ["Interviewer: Anything else?", "Chief Executive: No, that is all."],
        ],
        title="Larkfield interview",
    )
    doc = _one(path)
    assert "confidential transcript" not in doc.text
    assert "Page" not in doc.text
    assert "\n7" not in doc.text
    assert "conversation between the boards" in doc.text
    assert doc.attributes["title"] == "Larkfield interview"
    assert [t.speaker for t in doc.turns] == ["Interviewer", "Chief Executive"] * 3
    assert doc.text[doc.turns[3].start : doc.turns[3].end] == "Trust took a long time to build."


def test_pdf_keeps_hyphen_before_capital_and_lines_that_do_not_repeat() -> None:
    pages = [["Running head", "text on page one", "co-", "Operative Ltd"], ["Running head", "other text"], ["Running head", "more"]]
    lines = [line for page in strip_page_furniture(pages) for line in page]
    assert "Running head" not in lines
    assert join_lines(lines) == "text on page one\nco-\nOperative Ltd\nother text\nmore"


def test_pdf_without_text_layer_is_a_clear_error(case_dir: Path) -> None:
    path = make_scanned_pdf(case_dir / "scan.pdf")
    with pytest.raises(TranscriptError, match=r"scan\.pdf: the PDF has no text layer .*OCR"):
        read_document(path)


def test_pdf_password_protected_is_a_clear_error(case_dir: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(case_dir / "plain.pdf", [["Interviewer: hello there, this is enough text"]])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt("s3cret")
    locked = case_dir / "locked.pdf"
    with open(locked, "wb") as handle:
        writer.write(handle)
    with pytest.raises(TranscriptError, match="locked.pdf: the PDF is password-protected"):
        read_document(locked)


def test_truncated_pdf_is_a_clear_error(case_dir: Path) -> None:
    path = case_dir / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    with pytest.raises(TranscriptError, match="broken.pdf"):
        read_document(path)


# --- ODT -------------------------------------------------------------------------------

ODT_BODY = (
    '<text:h text:outline-level="1">Interview with the commissioner</text:h>'
    '<text:p><text:span text:style-name="T1">Interviewer</text:span> How did the consortium form?</text:p>'
    '<text:p><text:span text:style-name="T1">Mary Quinn</text:span><text:s/>We  pooled<text:s text:c="2"/>budgets.<text:line-break/>It was hard.</text:p>'
    '<text:p>INT: And now?<office:annotation xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><text:p>private note</text:p></office:annotation></text:p>'
    "<table:table><table:table-row><table:table-cell><text:p>Mary Quinn</text:p></table:table-cell>"
    "<table:table-cell><text:p>Better, mostly.</text:p></table:table-cell></table:table-row></table:table>"
)


def test_odt_paragraphs_bold_speakers_tables_and_no_comments(case_dir: Path) -> None:
    path = case_dir / "commissioner.odt"
    path.write_bytes(odt_bytes(ODT_BODY))
    doc = _one(path)
    assert "private note" not in doc.text
    turns = [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]
    assert turns == [
        (None, "Interview with the commissioner"),
        ("Interviewer", "How did the consortium form?"),
        ("Mary Quinn", "We pooled  budgets.\nIt was hard."),
        ("INT", "And now?"),
        ("Mary Quinn", "Better, mostly."),
    ]


def test_odt_without_content_is_a_clear_error(case_dir: Path) -> None:
    from tests.makefiles import zip_bytes

    path = case_dir / "empty.odt"
    path.write_bytes(zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text"}))
    with pytest.raises(TranscriptError, match=r"empty.odt: not an OpenDocument text file \(no content.xml\)"):
        read_document(path)


# --- DOCX ------------------------------------------------------------------------------


def test_docx_bold_speaker_names_without_colon(case_dir: Path) -> None:
    path = make_docx(
        case_dir / "director.docx",
        [
            [("Interviewer", True), (" What changed after the merger?", False)],
            [("Finance Director:", True), (" The treasury function, ", False), ("first", True), (".", False)],
            [("It was a ", False), ("big", True), (" change.", False)],
            [("A bold sentence that is far too long to be anybody's name at all", True), (" and more text", False)],
        ],
    )
    doc = _one(path)
    turns = [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]
    assert turns[0] == ("Interviewer", "What changed after the merger?")
    assert turns[1][0] == "Finance Director"
    assert turns[1][1].startswith("The treasury function, first.\n\nIt was a big change.")
    assert "far too long to be anybody's name at all and more text" in turns[1][1]


# --- RTF -------------------------------------------------------------------------------


def test_rtf_text_code_page_and_unicode_escapes(case_dir: Path) -> None:
    path = case_dir / "trustee.rtf"
    path.write_bytes(
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\n"
        b"{\\b Interviewer:} Did the caf\\'e9 stay open?\\par\n"
        b"Trustee: Yes \\u8212? we kept it \\'93as is\\'94.\\par\n}"
    )
    doc = _one(path)
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [
        ("Interviewer", "Did the café stay open?"),
        ("Trustee", "Yes — we kept it “as is”."),
    ]


def test_rtf_that_is_not_rtf_is_a_clear_error(case_dir: Path) -> None:
    path = case_dir / "fake.rtf"
    path.write_text("Interviewer: plain text", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"fake.rtf: not an RTF file"):
        read_document(path)


# --- HTML ------------------------------------------------------------------------------


def test_html_visible_text_bold_speakers_and_tables(case_dir: Path) -> None:
    path = case_dir / "page.html"
    path.write_text(
        "<html><head><title>Sight loss group</title><style>p {color: red}</style>"
        "<script>alert('x')</script></head><body>"
        "<p><strong>Interviewer</strong> Why a group structure?</p>"
        "<p>Director of Strategy: It was   <b>about</b> scale &amp; reach.<br>Also money.</p>"
        "<table><tr><td>Trustee</td><td>We lost some independence.</td></tr></table>"
        "</body></html>",
        encoding="utf-8",
    )
    doc = _one(path)
    assert "alert" not in doc.text and "color" not in doc.text
    assert doc.attributes["title"] == "Sight loss group"
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [
        ("Interviewer", "Why a group structure?"),
        ("Director of Strategy", "It was about scale & reach.\n\nAlso money."),
        ("Trustee", "We lost some independence."),
    ]


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_survey_export_one_document_per_respondent(case_dir: Path) -> None:
    path = make_xlsx(
        case_dir / "survey.xlsx",
        [
            ["respondent", "region", "question", "answer"],
            [101, "North", "Q1", "We trusted the partner."],
            [101, "North", "Q2", "Savings were small."],
            [102, "South", "Q1", "=1+1 is what the board said"],
            [None, None, None, None],
        ],
    )
    from casecode.load import ReadOptions

    corpus = load_corpus([path.parent.parent], case_from="folder", options=ReadOptions(text_column="answer", document_column="respondent", speaker_column="question"))
    docs = {d.id: d for d in corpus.documents}
    assert sorted(docs) == ["larkfield/survey/101", "larkfield/survey/102"]
    assert docs["larkfield/survey/101"].attributes == {"region": "North"}
    assert [t.speaker for t in docs["larkfield/survey/101"].turns] == ["Q1", "Q2"]
    assert docs["larkfield/survey/102"].text == "Q1: =1+1 is what the board said"


def test_survey_file_given_alone_takes_cases_from_its_case_column(tmp_path: Path) -> None:
    # as the README shows it: one export, no folders, a `case` column per respondent
    path = make_xlsx(
        tmp_path / "survey.xlsx",
        [
            ["respondent", "case", "region", "answer"],
            [101, "north_consortium", "North", "We trusted the partner."],
            [102, "south_merger", "South", "There was a culture clash."],
        ],
    )
    from casecode.load import ReadOptions

    corpus = load_corpus([path], options=ReadOptions(text_column="answer", document_column="respondent"))
    assert {d.id: d.case for d in corpus.documents} == {"survey/101": "north_consortium", "survey/102": "south_merger"}
    assert corpus.documents[0].attributes == {"region": "North"}
    # --case-from folder names the folders inside a given folder: a file given alone has none
    bare = make_xlsx(tmp_path / "bare.xlsx", [["respondent", "answer"], [103, "Savings were small."]])
    with pytest.raises(CaseAssignmentError, match="no case for this document"):
        load_corpus([bare], case_from="folder", options=ReadOptions(text_column="answer", document_column="respondent"))


def test_xlsx_missing_text_column_names_the_columns(case_dir: Path) -> None:
    path = make_xlsx(case_dir / "survey.xlsx", [["respondent", "answer"], [1, "yes"]])
    with pytest.raises(TranscriptError, match=r"survey.xlsx: no 'text' column \(columns: respondent, answer\)"):
        read_document(path)


# --- CSV -------------------------------------------------------------------------------


def test_csv_cell_longer_than_the_csv_modules_default_limit_is_read_whole(case_dir: Path) -> None:
    answer = "we trusted them, " * 12_000  # about 200 kB in one quoted cell
    (case_dir / "long.csv").write_text(f'speaker,text\nR1,"{answer}"\nR2,short\n', encoding="utf-8")
    document = _one(case_dir / "long.csv")
    assert len(answer) > 131_072
    assert answer.strip() in document.text
    assert [t.speaker for t in document.turns] == ["R1", "R2"]


def test_csv_row_with_more_cells_than_the_header_is_an_error_not_lost_text(case_dir: Path) -> None:
    (case_dir / "x.tsv").write_text("speaker\ttext\nR1\tfine\nR2\tWe trust them\tand they trust us\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"x\.tsv: line 3: 1 more cell\(s\) than the header's 2 columns") as raised:
        _one(case_dir / "x.tsv")
    assert "a tab" in str(raised.value.hint)
