"""Plain text and Markdown transcripts, each with optional YAML front matter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from casecode.codebook.yamlmarks import load_with_lines
from casecode.errors import TranscriptError
from casecode.load.registry import RawDocument, ReadOptions, decode, reader, require_text


#: the line that closes front matter: "---" or "...", maybe followed by whitespace
_CLOSING = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Split ``---``-fenced YAML front matter from the body. Returns (metadata, body)."""
    if not text.startswith("---\n"):
        return {}, text
    closing = _CLOSING.search(text, 4)
    if closing is None:
        raise TranscriptError(f"{path}:1: front matter opened with '---' is never closed", hint="end it with a line '---'")
    header = text[4 : max(4, closing.start() - 1)]
    body = text[closing.end() + 1 :]
    metadata, lines_of, problems = load_with_lines(header, str(path)) if header.strip() else ({}, {}, [])
    if problems:
        problem = problems[0]
        line = (problem.line or 0) + 1  # the header starts on the file's second line
        raise TranscriptError(f"{path}:{line}: front matter: {problem.message}", hint=problem.hint or "quote values that contain ':' or '#'")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise TranscriptError(f"{path}:2: front matter must be 'key: value' lines", hint="e.g. 'case: housing_mergers_england'")
    for key, value in metadata.items():
        if isinstance(value, (list, dict)):
            # an attribute is one value per document (a case, a role, a date): a list or a
            # mapping would end up as its Python spelling in every table
            line = lines_of.get((key,), 0) + 1
            kind = "a list" if isinstance(value, list) else "a mapping"
            raise TranscriptError(f"{path}:{line}: front matter '{key}' is {kind}, not one value", hint="give one value per key, e.g. 'role: chief executive' (a document belongs to one case)")
    return {str(k): v for k, v in metadata.items()}, body


@reader(".txt", ".md", ".markdown", ".text")
def read_text(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read a .txt/.md transcript; speaker turns are detected later from its lines."""
    metadata, body = split_front_matter(decode(data, path, options.encoding), path)
    require_text(path, body)
    return [RawDocument(text=body, metadata=metadata)]
