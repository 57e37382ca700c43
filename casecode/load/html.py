"""Web pages (.html, .htm) with the standard library's HTML parser.

Block elements (p, div, li, headings, table rows, br) separate paragraphs; script, style
and head content is dropped; a two-cell table row (speaker | words) and a paragraph
opening with ``<b>``/``<strong>`` name become ``Speaker: words`` lines. The ``<title>``
becomes the ``title`` attribute. The encoding comes from a byte-order mark, ``--encoding``
or detection, as for text files.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from casecode.load.markup import labelled_paragraph
from casecode.load.normalise import normalise_text
from casecode.load.registry import RawDocument, ReadOptions, decode, reader, require_text

BLOCKS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "section",
    "article", "header", "footer", "main", "dt", "dd", "dl", "table", "tr", "br", "hr", "body", "aside", "figure", "figcaption",
}
CELLS = {"td", "th"}
HIDDEN = {"script", "style", "head", "noscript", "template", "svg", "iframe", "object"}
BOLD = {"b", "strong"}
_SPACES = re.compile(r"\s+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.runs: list[tuple[str, bool]] = []
        self.hidden = 0
        self.bold = 0
        self.title: list[str] = []
        self.in_title = False
        self.row: list[str] | None = None
        self.cell: list[tuple[str, bool]] | None = None

    def flush(self) -> None:
        if self.cell is not None:
            return
        text = labelled_paragraph([(_SPACES.sub(" ", t), b) for t, b in self.runs]) if self.runs else ""
        if text.strip():
            self.blocks.append(" ".join(text.split()))
        self.runs = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BOLD:
            self.bold += 1
        elif tag == "tr":
            self.flush()
            self.row = []
        elif tag in CELLS and self.row is not None:
            self.cell = []
        elif tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BOLD:
            self.bold = max(0, self.bold - 1)
        elif tag in CELLS and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(t for t, _ in self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            cells, self.row = self.row, None
            if len(cells) == 2 and cells[0] and len(cells[0]) <= 40:
                self.blocks.append(f"{cells[0].rstrip(':')}: {cells[1]}")
            elif any(cells):
                self.blocks.append(" ".join(c for c in cells if c))
        elif tag in BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.hidden:
            return
        target = self.cell if self.cell is not None else self.runs
        target.append((data, self.bold > 0))


@reader(".html", ".htm", ".xhtml")
def read_html(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read the visible text of a web page as a transcript."""
    collector = _Collector()
    collector.feed(decode(data, path, options.encoding))
    collector.close()
    collector.flush()
    text = normalise_text("\n\n".join(collector.blocks))
    require_text(path, text)
    title = " ".join("".join(collector.title).split())
    return [RawDocument(text=text, metadata={"title": title} if title else {})]
