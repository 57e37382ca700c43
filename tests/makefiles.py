"""Builders for binary test inputs (PDF, ODT, DOCX, XLSX, zips), made at test time.

No binary fixture is committed: every one is generated here from readable source.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterable

PDF_HEADER = "Larkfield Housing Study - confidential transcript"


def make_pdf(path: Path, pages: Iterable[Iterable[str]], *, header: str | None = PDF_HEADER, numbers: bool = True, title: str | None = None) -> Path:
    """A text PDF with one line per string, a running header and 'Page N of M' footers."""
    from fpdf import FPDF

    pages = [list(p) for p in pages]

    class Doc(FPDF):
        def header(self) -> None:  # noqa: D401 - fpdf hook
            if header:
                self.set_font("helvetica", size=8)
                self.cell(0, 6, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if numbers:
                self.set_y(-15)
                self.set_font("helvetica", size=8)
                self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Doc()
    if title:
        pdf.set_title(title)
    pdf.alias_nb_pages()
    for lines in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        for line in lines:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages carry only drawings (no text layer), like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 150, style="F")
    pdf.output(str(path))
    return path


ODT_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""

ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2">
 <office:automatic-styles>
  <style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>{body}</office:text></office:body>
</office:document-content>"""


def odt_bytes(body: str, *, content: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """An .odt archive whose office:text holds ``body`` (ODF XML)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST)
        archive.writestr("content.xml", content if content is not None else ODT_CONTENT.format(body=body))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_docx(path: Path, paragraphs: Iterable[list[tuple[str, bool]]]) -> Path:
    """A .docx with one paragraph per list of (text, bold) runs."""
    import docx

    document = docx.Document()
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            paragraph.add_run(text).bold = bold
    document.save(str(path))
    return path


def make_docx_xml(path: Path, body: str) -> Path:
    """A .docx whose body holds ``body``, WordprocessingML with the ``w:`` prefix."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    sect = document.element.body[-1]  # w:sectPr stays last
    for element in list(parse_xml(f"<w:body {nsdecls('w')}>{body}</w:body>")):
        sect.addprevious(element)
    document.save(str(path))
    return path


def make_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A workbook whose first sheet holds ``rows`` (the first is the header)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as survey tools export it
    book.save(str(path))
    return path


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def zip_bomb_bytes(size: int = 64 << 20) -> bytes:
    """A small archive that unpacks to ``size`` bytes of zeros (ratio ~1000:1)."""
    return zip_bytes({"content.xml": b"\0" * size})


LAUGHS_XML = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><d>&c;</d>'
)
XXE_XML = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'


def _docx_with(member: str, data: bytes) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        good = make_docx(Path(tmp) / "good.docx", [[("Interviewer: hello", False)]])
        with zipfile.ZipFile(good) as source:
            members = {info.filename: source.read(info) for info in source.infolist()}
    members[member] = data
    return zip_bytes(members)


def _pdf_bytes(build) -> bytes:  # type: ignore[no-untyped-def]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return build(Path(tmp) / "x.pdf").read_bytes()


#: Binary entries of tests/data/bad/expected.csv, built here from readable source.
BAD_FILES = {
    "invalid_utf8.txt": lambda: b"R1: caf\xe9 \x81\x8d\x8f\x90\n",
    "binary.txt": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "utf16_without_bom.txt": lambda: "R1: hello".encode("utf-16-le"),
    "bomb.docx": lambda: zip_bomb_bytes(8 << 20),
    "slip.odt": lambda: zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "../../../tmp/evil.sh": b"echo"}),
    "xxe.odt": lambda: odt_bytes("", content=XXE_XML.decode()),
    "laughs.docx": lambda: _docx_with("word/document.xml", LAUGHS_XML),
    "scan.pdf": lambda: _pdf_bytes(make_scanned_pdf),
    "truncated.pdf": lambda: _pdf_bytes(lambda p: make_pdf(p, [["Interviewer: hello there"]]))[:300],
    "not_a_zip.xlsx": lambda: b"speaker,text\nR1,hello\n",
    "codebook_latin1.yaml": lambda: "name: Café\nversion: '1'\nthemes: []\n".encode("latin-1"),
    "cases_latin1.yaml": lambda: "cases:\n  - id: café\n    documents: ['*']\n".encode("latin-1"),
    "deep_nesting.odt": lambda: odt_bytes("<text:p>" + "<text:span>" * 5000 + "x" + "</text:span>" * 5000 + "</text:p>"),
}
