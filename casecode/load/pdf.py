"""PDF transcripts: the text layer, read with pypdf, cleaned of page furniture.

* Running headers and footers are removed: a line among the first or last
  :data:`EDGE_LINES` lines of a page that recurs (digits ignored) on at least half of the
  pages, and at least two.
* Page numbers at the top or bottom of a page are removed ("12", "Page 3 of 10", "- 4 -").
* A word hyphenated at a line end is joined again ("organis-" + "ation" → "organisation")
  when the next line starts with a lower-case letter.
* Pages follow one another with a line break, so a sentence that runs over a page break
  stays one sentence.

A PDF with no text layer (a scan) is an error that says to run OCR first; casecode never
guesses text from images. Encrypted PDFs are read when they open with an empty password.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from pathlib import Path

from casecode.errors import TranscriptError
from casecode.load.normalise import normalise_text
from casecode.load.registry import RawDocument, ReadOptions, reader

EDGE_LINES = 3
MIN_TEXT_CHARACTERS = 20
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:(?:page|p\.|pg\.?|seite|pagina|página)\s*)?#\s*(?:(?:of|/|von|de|sur)\s*#)?[-–—\s]*$", re.IGNORECASE)
_HYPHEN_END = re.compile(r"[^\W\d_][-\u00ad]$")


def _key(line: str) -> str:
    return " ".join(_DIGITS.sub("#", line.lower()).split())


def _is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(_key(line))) or line.strip().lower() in {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove repeated headers/footers and page numbers from each page's lines."""
    pages = [[line.rstrip() for line in page] for page in pages]
    pages = [_trim_blank(page) for page in pages]
    counts: Counter[str] = Counter()
    for page in pages:
        edge = {_key(line) for line in page[:EDGE_LINES] + page[-EDGE_LINES:] if line.strip()}
        counts.update(edge)
    needed = max(2, (len(pages) + 1) // 2)
    repeated = {key for key, count in counts.items() if count >= needed}

    def furniture(line: str) -> bool:
        return not line.strip() or _key(line) in repeated or _is_page_number(line)

    cleaned = []
    for page in pages:
        start, end = 0, len(page)
        while start < end and start < EDGE_LINES + 1 and furniture(page[start]):
            start += 1
        while end > start and len(page) - end < EDGE_LINES + 1 and furniture(page[end - 1]):
            end -= 1
        cleaned.append(page[start:end])
    return cleaned


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def join_lines(lines: list[str]) -> str:
    """Join lines with line breaks, repairing words hyphenated at a line end."""
    out: list[str] = []
    for line in lines:
        if out and _HYPHEN_END.search(out[-1]) and line[:1].islower():
            out[-1] = out[-1][:-1] + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


def _open(path: Path, data: bytes):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    try:
        pdf = PdfReader(io.BytesIO(data), strict=False)
        if pdf.is_encrypted and not pdf.decrypt(""):
            raise FileNotDecryptedError("password")
        return pdf
    except FileNotDecryptedError:
        raise TranscriptError(f"{path}: the PDF is password-protected", hint="save an unprotected copy and read that") from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise TranscriptError(f"{path}: not a readable PDF ({type(exc).__name__})", hint="re-save or re-export it as PDF") from None


@reader(".pdf")
def read_pdf(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read a PDF's text layer; see the module docstring for the clean-up rules."""
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        pdf = _open(path, data)
        pages: list[list[str]] = []
        try:
            for page in pdf.pages:
                pages.append(normalise_text(page.extract_text() or "").split("\n"))
            info = pdf.metadata
        except FileNotDecryptedError:
            raise TranscriptError(f"{path}: the PDF is password-protected", hint="save an unprotected copy and read that") from None
        except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError, ZeroDivisionError) as exc:
            raise TranscriptError(f"{path}: page {len(pages) + 1}: cannot extract text ({type(exc).__name__})", hint="re-save or re-export it as PDF") from None
    finally:
        quiet.setLevel(level)
    if not pages:
        raise TranscriptError(f"{path}: the PDF has no pages", hint="check the file")
    if sum(len("".join(line.split())) for page in pages for line in page) < MIN_TEXT_CHARACTERS:
        raise TranscriptError(
            f"{path}: the PDF has no text layer ({len(pages)} page(s) of images: a scan?)",
            hint="run OCR first (e.g. ocrmypdf in.pdf out.pdf) and read the OCR'd PDF",
        )
    lines = [line for page in strip_page_furniture(pages) for line in page]
    text = join_lines(lines).strip()
    metadata = {}
    if info is not None:
        for key, value in (("title", info.title), ("author", info.author)):
            if isinstance(value, str) and value.strip():
                metadata[key] = value.strip()
    return [RawDocument(text=text, metadata=metadata)]
