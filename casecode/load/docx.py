"""Word (.docx) transcripts, read with python-docx.

Paragraphs become blank-line separated paragraphs of the text; a two-cell table row
(speaker | words) becomes a ``Speaker: words`` line, as some transcription services write,
and so does a paragraph that opens with a bold name and no colon. The archive is checked
(zip-slip, zip bombs) and its XML parsed with defusedxml before python-docx reads it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

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


def _paragraph(paragraph: Any) -> str:
    runs = [(run.text, _is_bold(run)) for run in paragraph.runs]
    if not runs or "".join(t for t, _ in runs) != paragraph.text:
        return str(paragraph.text)  # hyperlinks or fields outside the runs: keep the plain text
    return labelled_paragraph(runs)


def _blocks(document: object) -> list[str]:
    from docx.table import Table

    blocks: list[str] = []
    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            for row in item.rows:
                cells = [cell.text.strip() for cell in row.cells]
                if len(cells) == 2 and cells[0] and len(cells[0]) <= 40:
                    blocks.append(f"{cells[0].rstrip(':')}: {cells[1]}")
                else:
                    blocks.append(" ".join(c for c in cells if c))
        else:
            blocks.append(_paragraph(item))
    return [b.strip() for b in blocks if b.strip()]


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
    text = normalise_text("\n\n".join(_blocks(document)))
    require_text(path, text)
    props = document.core_properties
    metadata = {key: value for key, value in (("title", props.title), ("author", props.author)) if value}
    return [RawDocument(text=text, metadata=metadata)]
