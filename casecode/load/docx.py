"""Word (.docx) transcripts, read with python-docx.

Paragraphs become blank-line separated paragraphs of the text; a two-cell table row
(speaker | words) becomes a ``Speaker: words`` line, as some transcription services write,
and so does a paragraph that opens with a bold name and no colon. The body is read in
document order from python-docx's XML tree, so text inside tracked insertions, content
controls, tables nested in cells, hyperlinks, fields and smart tags is kept; tracked
deletions are not text. The archive is checked (zip-slip, zip bombs) and its XML parsed
with defusedxml before python-docx reads it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, Iterator

from casecode.errors import TranscriptError
from casecode.load.markup import labelled_paragraph
from casecode.load.normalise import normalise_text
from casecode.load.registry import RawDocument, ReadOptions, reader, require_text
from casecode.load.safexml import check_xml_members
from casecode.load.safezip import open_zip


def _is_bold(run: Any) -> bool:
    """Bold directly, or through the run's character style and its base styles."""
    if run.bold is not None:
        return bool(run.bold)
    style = run.style
    while style is not None:
        if style.font.bold is not None:
            return bool(style.font.bold)
        style = style.base_style
    return False


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Elements around runs whose text is in the document as it reads: tracked insertions and
# moves, hyperlinks, simple fields, smart tags, custom XML, content controls, bidi spans.
# Tracked deletions (w:del, w:moveFrom) are not, and are skipped with everything else.
_INLINE = {_W + name for name in ("ins", "moveTo", "hyperlink", "fldSimple", "smartTag", "customXml", "sdt", "sdtContent", "dir", "bdo")}
# Elements around paragraphs, table rows or cells: content controls and custom XML.
_AROUND_BLOCKS = {_W + name for name in ("sdt", "sdtContent", "customXml")}


def _runs(element: Any, document: Any, out: list[tuple[str, bool]]) -> None:
    """Collect a paragraph's (text, bold) runs in document order."""
    from docx.text.run import Run

    for child in element:
        if child.tag == _W + "r":
            run = Run(child, document)
            out.append((run.text, _is_bold(run)))
        elif child.tag in _INLINE:
            _runs(child, document, out)


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Children with ``tag``, also those inside content controls and custom XML."""
    for child in element:
        if child.tag == _W + tag:
            yield child
        elif child.tag in _AROUND_BLOCKS:
            yield from _children(child, tag)


def _table(table: Any, document: Any) -> Iterator[str]:
    """One block per row: ``Name: words`` for a two-cell row, else the cells' text.

    A cell that continues a vertical merge repeats the text of the cell it continues, so a
    speaker's name merged down the first column labels every row. A cell spanning
    several columns is one cell.
    """
    above: dict[int, str] = {}
    for row in _children(table, "tr"):
        cells: list[str] = []
        before = row.find(f"{_W}trPr/{_W}gridBefore")
        column = int(before.get(f"{_W}val", "0")) if before is not None else 0
        for cell in _children(row, "tc"):
            if cell.vMerge == "continue":
                cells.append(above.get(column, ""))
            else:
                cells.append("\n".join(_blocks(cell, document, labels=False)).strip())
                above[column] = cells[-1]
            column += cell.grid_span
        if len(cells) == 2 and cells[0] and len(cells[0]) <= 40:
            yield f"{cells[0].rstrip(':')}: {cells[1]}"
        else:
            yield " ".join(c for c in cells if c)


def _blocks(container: Any, document: Any, *, labels: bool) -> Iterator[str]:
    """The paragraphs and table rows of a body or table cell, in document order.

    With ``labels``, a paragraph opening with a bold name becomes ``Name: words``; table
    cells keep their paragraphs as they are, as they did with python-docx's ``cell.text``.
    """
    for child in container:
        if child.tag == _W + "p":
            runs: list[tuple[str, bool]] = []
            _runs(child, document, runs)
            yield labelled_paragraph(runs) if labels else "".join(text for text, _ in runs)
        elif child.tag == _W + "tbl":
            yield from _table(child, document)
        elif child.tag in _AROUND_BLOCKS:
            yield from _blocks(child, document, labels=labels)


@reader(".docx")
def read_docx(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read a .docx; core properties (title, author) become document attributes."""
    import docx

    with open_zip(data, path, kind=".docx") as archive:
        check_xml_members(archive, path)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TranscriptError(f"{path}: not a readable .docx file ({type(exc).__name__})", hint="re-save it from Word or LibreOffice as .docx") from None
    blocks = _blocks(document.element.body, document, labels=True)
    text = normalise_text("\n\n".join(b.strip() for b in blocks if b.strip()))
    require_text(path, text)
    props = document.core_properties
    metadata = {key: value for key, value in (("title", props.title), ("author", props.author)) if value}
    return [RawDocument(text=text, metadata=metadata)]
