"""Text normalisation: done once, and every offset refers to its result."""

from __future__ import annotations

import unicodedata


def normalise_text(text: str) -> str:
    """Remove a BOM, turn CRLF and lone CR into LF, and compose to Unicode NFC.

    >>> normalise_text("\\ufeffCafe\\u0301\\r\\nok")
    'Café\\nok'
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)
