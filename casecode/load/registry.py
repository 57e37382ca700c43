"""Readers registered by file suffix, and what a reader hands back.

A reader turns one file into one or more :class:`RawDocument` (a CSV of survey answers
can hold many respondents). Readers are plug-ins: register one with ``@reader(".ext")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from casecode.errors import OptionError, TranscriptEncodingError, TranscriptError
from casecode.load.normalise import normalise_text
from casecode.model import Turn

#: A speaker label at the start of a line: "Interviewer:", "R1:", "Q:", "Chief Executive:".
DEFAULT_SPEAKER_PATTERN = (
    r"^[ \t]*(?P<speaker>(?:[A-Z][\w'’.()\-]*)(?:[ \t]+[A-Za-z][\w'’.()\-]*){0,3})[ \t]*:(?=\s|$)"
)
MAX_SPEAKER_LABEL = 40


@dataclass(frozen=True)
class ReadOptions:
    """Options every reader receives. Set from the CLI or ``load_corpus(...)``."""

    encoding: str | None = None
    speaker_pattern: str = DEFAULT_SPEAKER_PATTERN
    text_column: str | None = None
    speaker_column: str | None = None
    document_column: str | None = None

    def compiled_speaker_pattern(self) -> re.Pattern[str]:
        try:
            pattern = re.compile(self.speaker_pattern)
        except re.error as exc:
            raise OptionError(
                f"--speaker-pattern: invalid regular expression ({exc})",
                hint="the pattern must contain a named group (?P<speaker>...)",
            ) from None
        if "speaker" not in pattern.groupindex:
            raise OptionError(
                "--speaker-pattern: no named group 'speaker'",
                hint=r"write it as e.g. '^(?P<speaker>[A-Z]\w*):'",
            )
        return pattern


@dataclass(frozen=True)
class RawDocument:
    """What a reader returns: the normalised body text, metadata and (optionally) turns.

    ``key`` distinguishes several documents from one file ("" for the only one).
    """

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    turns: tuple[Turn, ...] | None = None
    key: str = ""


Reader = Callable[[Path, bytes, ReadOptions], list[RawDocument]]
READERS: dict[str, Reader] = {}


def reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader function for the given file suffixes (".txt", ".md", ...)."""

    def register(func: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix.lower()] = func
        return func

    return register


def registered_suffixes() -> list[str]:
    return sorted(READERS)


#: Single-byte encodings that detection may choose when a file is not UTF-8.
LEGACY_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp1250")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


def _plausible(text: str) -> bool:
    """No control characters (C0 beyond white space, C1) that no text file contains."""
    return not any((ch < " " or "\x7f" <= ch <= "\x9f") and ch not in _ALLOWED_CONTROLS for ch in text)


def detect_legacy(data: bytes) -> str | None:
    """The legacy single-byte encoding ``data`` is most likely in, or None.

    charset-normalizer ranks the candidates in :data:`LEGACY_ENCODINGS` by how chaotic and
    how coherent the decoded text is; ties go to the earlier candidate (cp1252). The
    choice must decode every byte strictly and give no control characters (a latin-1
    reading of bytes 0x80-0x9f gives C1 controls: those bytes are not latin-1 text).
    """
    from charset_normalizer import from_bytes

    order = {name: index for index, name in enumerate(LEGACY_ENCODINGS)}
    # ties (common on short texts) go to the earlier candidate: Windows-1252 first
    ranked = sorted(from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)), key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), order.get(m.encoding, 99)))
    for match in ranked:
        try:
            text = data.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _plausible(text):
            return str(match.encoding)
    return None


def decode(data: bytes, path: Path, encoding: str | None) -> str:
    """Decode transcript bytes strictly and normalise them.

    Without ``encoding``: a UTF-8 or UTF-16 byte-order mark decides; otherwise UTF-8, and
    if the bytes are not UTF-8, a legacy single-byte encoding (cp1252, latin-1, ...) when
    detection is confident. NUL bytes outside UTF-16 mean a binary file. Undecodable bytes
    are an error naming the byte offset, never replaced silently.
    """
    if encoding is None:
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        else:
            encoding = "utf-8"
            if (nul := data.find(b"\x00")) >= 0:
                raise TranscriptEncodingError(
                    f"{path}: byte offset {nul}: a NUL byte — this is a binary file or UTF-16 without a byte-order mark",
                    hint="give it its real extension, or pass --encoding utf-16-le / utf-16-be",
                )
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = detect_legacy(data) or "utf-8"
        hint = "pass --encoding (e.g. --encoding cp1252 for Windows files, latin-1, utf-16)"
    else:
        hint = "check --encoding; the file may be in another encoding"
    try:
        text = data.decode(encoding)
    except LookupError:
        raise OptionError(f"--encoding: unknown encoding {encoding!r}", hint="e.g. utf-8, cp1252, latin-1, utf-16") from None
    except UnicodeDecodeError as exc:
        raise TranscriptEncodingError(
            f"{path}: byte offset {exc.start}: not valid {encoding} (byte 0x{data[exc.start]:02x})",
            hint=hint,
        ) from None
    return normalise_text(text)


def detect_turns(text: str, pattern: re.Pattern[str]) -> tuple[Turn, ...]:
    """Split text into speaker turns at lines that start with a speaker label.

    Text before the first label is a turn with no speaker. A turn runs until the next
    label; its span excludes the label, the colon and surrounding whitespace.
    """
    turns: list[Turn] = []
    speaker: str | None = None
    label_start = content_start = 0
    offset = 0

    def close(end: int) -> None:
        start = content_start
        while start < end and text[start].isspace():
            start += 1
        stop = end
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop > start:
            turns.append(Turn(speaker=speaker, start=start, end=stop, label_start=min(label_start, start)))

    for line in text.splitlines(keepends=True):
        match = pattern.match(line)
        label = match.group("speaker").strip() if match and match.group("speaker") else ""
        if match and label and len(label) <= MAX_SPEAKER_LABEL:
            close(offset)
            speaker, label_start, content_start = label, offset, offset + match.end()
        offset += len(line)
    close(len(text))
    return tuple(turns)


def compose_turns(utterances: Iterable[tuple[str | None, str]]) -> tuple[str, tuple[Turn, ...]]:
    """Write utterances as ``Speaker: text`` paragraphs; return the text and its turns.

    Consecutive utterances of the same speaker are merged into one turn.
    """
    merged: list[tuple[str | None, list[str]]] = []
    for speaker, words in utterances:
        words = normalise_text(" ".join(words.split()))
        if not words:
            continue
        if merged and merged[-1][0] == speaker:
            merged[-1][1].append(words)
        else:
            merged.append((speaker, [words]))
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for speaker, pieces in merged:
        if parts:
            parts.append("\n\n")
            offset += 2
        label = f"{speaker}: " if speaker else ""
        body = " ".join(pieces)
        parts.append(label + body)
        turns.append(Turn(speaker=speaker, start=offset + len(label), end=offset + len(label) + len(body), label_start=offset))
        offset += len(label) + len(body)
    return "".join(parts), tuple(turns)


def require_text(path: Path, text: str) -> None:
    if not text.strip():
        raise TranscriptError(f"{path}: the transcript has no text", hint="check the file, or remove it from the inputs")
