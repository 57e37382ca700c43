"""LibreOffice / OpenDocument text (.odt), read from content.xml with defusedxml.

Headings, paragraphs, list items and table cells become blank-line separated paragraphs;
a two-cell table row (speaker | words) and a paragraph opening with a bold name become
``Speaker: words`` lines. Notes and comments are left out. The title and creator in
meta.xml become the ``title`` and ``author`` attributes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casecode.errors import TranscriptError
from casecode.load.markup import labelled_paragraph
from casecode.load.normalise import normalise_text
from casecode.load.registry import RawDocument, ReadOptions, reader, require_text
from casecode.load.safexml import parse_xml
from casecode.load.safezip import open_zip, read_member

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


SKIP = {_q("office", "annotation"), _q("text", "note"), _q("text", "tracked-changes"), _q("text", "sequence-decls")}
PARAGRAPHS = {_q("text", "p"), _q("text", "h")}


def _bold_styles(*roots: Any) -> set[str]:
    """Names of text/paragraph styles that make text bold (following parent styles)."""
    weight: dict[str, bool | None] = {}
    parent: dict[str, str | None] = {}
    for root in roots:
        if root is None:
            continue
        for style in root.iter(_q("style", "style")):
            name = style.get(_q("style", "name"))
            if not name:
                continue
            props = style.find(_q("style", "text-properties"))
            value = props.get(_q("fo", "font-weight")) if props is not None else None
            weight[name] = None if value is None else value in ("bold", "600", "700", "800", "900")
            parent[name] = style.get(_q("style", "parent-style-name"))

    def bold(name: str | None, depth: int = 0) -> bool:
        if name is None or depth > 20:
            return False
        if weight.get(name) is not None:
            return bool(weight[name])
        return bold(parent.get(name), depth + 1)

    return {name for name in weight if bold(name)}


_WHITESPACE = re.compile(r"[ \t\r\n]+")


def _runs(element: Any, bold: bool, bold_styles: set[str], out: list[tuple[str, bool]]) -> None:
    """Collect (text, bold) runs of one paragraph in document order.

    Runs of white space in the XML count as one space (ODF 1.2, 6.1.2); ``text:s``,
    ``text:tab`` and ``text:line-break`` give the spaces, tabs and breaks that were typed.
    """
    style = element.get(_q("text", "style-name"))
    if style is not None and element.tag not in PARAGRAPHS:
        bold = bold or style in bold_styles
    if element.text:
        out.append((_WHITESPACE.sub(" ", element.text), bold))
    for child in element:
        tag = child.tag
        if tag in SKIP:
            pass
        elif tag == _q("text", "s"):
            out.append((" " * int(child.get(_q("text", "c"), "1") or 1), bold))
        elif tag == _q("text", "tab"):
            out.append(("\t", bold))
        elif tag == _q("text", "line-break"):
            out.append(("\n", bold))
        else:
            _runs(child, bold, bold_styles, out)
        if child.tail:
            out.append((_WHITESPACE.sub(" ", child.tail), bold))


def _blocks(element: Any, bold_styles: set[str], out: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in SKIP:
            continue
        if tag in PARAGRAPHS:
            runs: list[tuple[str, bool]] = []
            _runs(child, child.get(_q("text", "style-name")) in bold_styles, bold_styles, runs)
            out.append(labelled_paragraph(runs))
        elif tag == _q("table", "table-row"):
            cells = []
            for cell in child.findall(_q("table", "table-cell")):
                parts: list[str] = []
                _blocks(cell, bold_styles, parts)
                cells.append(" ".join(p for p in parts if p.strip()).strip())
            if len(cells) == 2 and cells[0] and len(cells[0]) <= 40:
                out.append(f"{cells[0].rstrip(':')}: {cells[1]}")
            else:
                out.append(" ".join(c for c in cells if c))
        else:
            _blocks(child, bold_styles, out)


def _meta(archive: Any, path: Path) -> dict[str, str]:
    if "meta.xml" not in archive.namelist():
        return {}
    root = parse_xml(read_member(archive, "meta.xml", path), path, "meta.xml")
    found = {}
    for key, tag in (("title", _q("dc", "title")), ("author", _q("meta", "initial-creator")), ("author", _q("dc", "creator"))):
        node = root.find(f".//{tag}")
        if node is not None and (node.text or "").strip() and key not in found:
            found[key] = node.text.strip()
    return found


@reader(".odt")
def read_odt(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read an OpenDocument text file (LibreOffice Writer)."""
    with open_zip(data, path, kind=".odt") as archive:
        if "content.xml" not in archive.namelist():
            raise TranscriptError(f"{path}: not an OpenDocument text file (no content.xml)", hint="re-save it from LibreOffice as .odt")
        content = parse_xml(read_member(archive, "content.xml", path), path, "content.xml")
        styles = parse_xml(read_member(archive, "styles.xml", path), path, "styles.xml") if "styles.xml" in archive.namelist() else None
        metadata = _meta(archive, path)
    body = content.find(f"{_q('office', 'body')}/{_q('office', 'text')}")
    if body is None:
        raise TranscriptError(f"{path}: the OpenDocument file has no text body (a spreadsheet or drawing?)", hint="casecode reads .odt text documents")
    blocks: list[str] = []
    _blocks(body, _bold_styles(content, styles), blocks)
    text = normalise_text("\n\n".join(b.strip() for b in blocks if b.strip()))
    require_text(path, text)
    return [RawDocument(text=text, metadata=metadata)]
