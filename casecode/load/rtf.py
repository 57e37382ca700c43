"""Rich Text Format (.rtf) transcripts, with striprtf.

RTF is 7-bit text whose non-ASCII characters are escapes in the document's code page
(``\\ansicpg``, cp1252 by default) or ``\\u`` Unicode escapes; striprtf resolves both.
Paragraph breaks (``\\par``) become line breaks, so ``Speaker:`` lines are detected as in
plain text.
"""

from __future__ import annotations

import re
from pathlib import Path

from casecode.errors import TranscriptError
from casecode.load.normalise import normalise_text
from casecode.load.registry import RawDocument, ReadOptions, reader, require_text

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


@reader(".rtf")
def read_rtf(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read an RTF file's text."""
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise TranscriptError(f"{path}: not an RTF file (it does not start with '{{\\rtf')", hint="re-save it as RTF, or give it its real extension")
    found = _CODEPAGE.search(data[:4096])
    encoding = options.encoding or (f"cp{found.group(1).decode()}" if found else "cp1252")
    try:
        raw = data.decode("ascii")
    except UnicodeDecodeError as exc:
        # RTF should be 7-bit; some writers put raw 8-bit bytes in: read them in the code page
        try:
            raw = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise TranscriptError(f"{path}: byte offset {exc.start}: not valid {encoding} (byte 0x{data[exc.start]:02x})", hint="pass --encoding with the file's code page") from None
    try:
        text = rtf_to_text(raw, encoding=encoding, errors="strict")
    except (UnicodeDecodeError, LookupError) as exc:
        raise TranscriptError(f"{path}: an escaped character is not valid {encoding} ({type(exc).__name__})", hint="pass --encoding with the file's code page") from None
    except (IndexError, ValueError, RecursionError) as exc:
        raise TranscriptError(f"{path}: malformed RTF ({type(exc).__name__})", hint="re-save it from a word processor") from None
    lines = [line.rstrip() for line in normalise_text(text).split("\n")]
    body = "\n".join(lines).strip("\n")
    require_text(path, body)
    return [RawDocument(text=body)]
