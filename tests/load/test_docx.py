"""Word text inside tracked changes, content controls, nested tables, smart tags and fields."""

from __future__ import annotations

from pathlib import Path

from casecode.load import read_document
from tests.makefiles import make_docx_xml


def _p(*runs: str) -> str:
    return f"<w:p>{''.join(runs)}</w:p>"


def _r(text: str, *, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _text(path: Path, body: str) -> str:
    [raw] = read_document(make_docx_xml(path, body))
    return raw.text


def test_docx_tracked_insertions_are_read_and_deletions_are_not(tmp_path: Path) -> None:
    body = _p(
        _r("R1: We came to "),
        f'<w:ins w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z">{_r("trust the ")}</w:ins>',
        '<w:del w:id="2" w:author="A"><w:r><w:delText>Larkfield </w:delText></w:r></w:del>',
        f'<w:moveFrom w:id="3" w:author="A">{_r("early ")}</w:moveFrom>',
        _r("board"),
        f'<w:moveTo w:id="4" w:author="A">{_r(" early")}</w:moveTo>',
        _r("."),
    )
    assert _text(tmp_path / "a.docx", body) == "R1: We came to trust the board early."


def test_docx_content_controls_are_read(tmp_path: Path) -> None:
    inline = f"<w:sdt><w:sdtContent>{_r('Ms Doyle')}</w:sdtContent></w:sdt>"
    block = f"<w:sdt><w:sdtPr><w:alias w:val='Answer'/></w:sdtPr><w:sdtContent>{_p(_r('R1: The chair, '), inline, _r('.'))}</w:sdtContent></w:sdt>"
    cell = f"<w:sdt><w:sdtContent><w:tc>{_p(_r('I agree.'))}</w:tc></w:sdtContent></w:sdt>"
    row = f"<w:sdt><w:sdtContent><w:tr><w:tc>{_p(_r('R2'))}</w:tc>{cell}</w:tr></w:sdtContent></w:sdt>"
    body = _p(_r("Interviewer: Who led it?")) + block + f"<w:tbl>{row}</w:tbl>"
    assert _text(tmp_path / "a.docx", body) == "Interviewer: Who led it?\n\nR1: The chair, Ms Doyle.\n\nR2: I agree."


def test_docx_tables_nested_in_cells_are_read(tmp_path: Path) -> None:
    nested = f"<w:tbl><w:tr><w:tc>{_p(_r('We trusted the council.'))}</w:tc></w:tr><w:tr><w:tc>{_p(_r('It took years.'))}</w:tc></w:tr></w:tbl>"
    body = f"<w:tbl><w:tr><w:tc>{_p(_r('R3'))}</w:tc><w:tc><w:p/>{nested}<w:p/></w:tc></w:tr></w:tbl>"
    assert _text(tmp_path / "a.docx", body) == "R3: We trusted the council.\nIt took years."


def test_docx_smart_tags_hyperlinks_and_fields_are_read(tmp_path: Path) -> None:
    body = _p(
        _r("Interviewer", bold=True),
        f'<w:hyperlink w:anchor="notes">{_r(" Where did you meet?")}</w:hyperlink>',
    ) + _p(
        _r("R1: In "),
        f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">{_r("Belfast")}</w:smartTag>',
        _r(", on page "),
        f'<w:fldSimple w:instr=" PAGE ">{_r("4")}</w:fldSimple>',
        _r(" of the minutes."),
    )
    assert _text(tmp_path / "a.docx", body) == "Interviewer: Where did you meet?\n\nR1: In Belfast, on page 4 of the minutes."


def test_docx_cell_spanning_two_columns_is_one_cell(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Interview 4, Larkfield"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "R1"  # a name merged down two rows labels both
    table.cell(1, 1).text, table.cell(2, 1).text = "We merged in 2011.", "It was hard."
    path = tmp_path / "a.docx"
    document.save(str(path))
    [raw] = read_document(path)
    assert raw.text == "Interview 4, Larkfield\n\nR1: We merged in 2011.\n\nR1: It was hard."
