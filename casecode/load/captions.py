"""Caption transcripts (.vtt, .srt) from Zoom, Teams, Otter and the like.

The speaker comes from a WebVTT voice tag (``<v Jo Bloggs>``) or a ``Name:`` prefix on the
cue. Consecutive cues of one speaker are merged into a turn; timings are dropped.

Timings only show where a cue starts, so any hours, minutes and seconds are read (an
hour-long call written ``75:00.000``). Exports that break the format keep every word: text
after a blank line in a cue, or between cues, belongs to the cue before it, and a line
with ``-->`` that is not a timing line is text. WebVTT NOTE, STYLE and REGION blocks
(comments and styling) are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from casecode.errors import TranscriptError
from casecode.load.registry import MAX_SPEAKER_LABEL, RawDocument, ReadOptions, compose_turns, decode, reader, require_text

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^\s<>][^<>]*)>")
# cue tags start with a letter (<i>, </v>, <c.loud>) or are timestamps (<00:01.500>):
# arrows in speech ("plan B <-- plan A -->") are not tags
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d+(?::\d+)+(?:[.,]\d+)?>")
_TIME = r"\d+(?::\d+){1,2}(?:[.,]\d+)?"
_ARROW_AFTER_TIME = re.compile(rf"[ \t]*{_TIME}[ \t]*-->")
_TIMING = re.compile(rf"[ \t]*{_TIME}[ \t]*-->[ \t]*{_TIME}(?:[ \t]+[^\s:]+:\S*)*[ \t]*")  # then cue settings (name:value)
_VTT_META = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)")


def _is_timing(line: str, number: int, path: Path, fmt: str) -> bool:
    """Whether a line is cue timings; one that starts like them but is not is an error."""
    if not _ARROW_AFTER_TIME.match(line):
        return False
    if _TIMING.fullmatch(line):
        return True
    example = "00:00:01,000 --> 00:00:04,000" if fmt == "srt" else "00:00:01.000 --> 00:00:04.000"
    raise TranscriptError(
        f"{path}:{number}: cannot read the cue timings line",
        hint=f"write it as {example} (cue settings such as align:start may follow) with the words on the next line",
    )


def _cue_texts(text: str, path: Path, fmt: str) -> list[tuple[bool, list[str]]]:
    """The text lines of a caption file in order, as (starts a cue, lines) parts.

    A part that does not start a cue is text after a blank line: it continues the cue
    before it. The line just before a timing line is the cue's identifier, not text, when
    it opens the block or is a number (a SubRip index with no blank line before it).
    """
    lines = text.split("\n")
    index = 0
    if fmt == "vtt":
        if not lines[0].startswith("WEBVTT"):
            raise TranscriptError(f"{path}:1: not a valid VTT caption file (the first line must be WEBVTT)", hint="add that line, or rename the file if it is not VTT")
        index = 1
        while index < len(lines) and lines[index].strip() and not _ARROW_AFTER_TIME.match(lines[index]):
            index += 1  # header lines (Kind:, Language:)
    parts: list[tuple[bool, list[str]]] = []
    block_start = True
    first_line = last_text = -1
    skipping = False
    cues = 0
    for index in range(index, len(lines)):
        line = lines[index]
        if not line.strip():
            block_start = True
            continue
        if block_start:
            block_start, first_line = False, index
            skipping = fmt == "vtt" and bool(_VTT_META.match(line))
            parts.append((False, []))
        if _is_timing(line, index + 1, path, fmt):
            if last_text == index - 1 and (last_text == first_line or lines[last_text].strip().isdigit()):
                parts[-1][1].pop()  # the cue identifier
            parts.append((True, []))
            cues += 1
            skipping = False
        elif not skipping:
            parts[-1][1].append(line)
            last_text = index
    if not cues:
        example = "00:00:01,000 --> 00:00:04,000" if fmt == "srt" else "00:00:01.000 --> 00:00:04.000"
        raise TranscriptError(f"{path}: not a valid {fmt.upper()} caption file (no cue timings line)", hint=f"cues start with a line like {example}; rename the file if it is not {fmt.upper()}")
    return parts


def _utterances(parts: list[tuple[bool, list[str]]], pattern: re.Pattern[str]) -> list[tuple[str | None, str]]:
    """(speaker, words) in order: from voice tags, else a ``Name:`` prefix, else the cue's."""
    utterances: list[tuple[str | None, str]] = []
    speaker: str | None = None
    for starts_cue, lines in parts:
        if starts_cue:
            speaker = None
        pieces = _VOICE.split("\n".join(lines))
        for position in range(0, len(pieces), 2):
            text = " ".join(_TAG.sub("", pieces[position]).split())
            if position:
                speaker = pieces[position - 1].strip()
            else:
                match = pattern.match(text)
                if match and match.group("speaker") and len(match.group("speaker").strip()) <= MAX_SPEAKER_LABEL:
                    speaker = match.group("speaker").strip()
                    text = text[match.end() :].strip()
            utterances.append((speaker, text))
    return utterances


@reader(".vtt", ".srt")
def read_captions(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read WebVTT or SubRip captions into speaker turns."""
    text = decode(data, path, options.encoding)
    fmt = "srt" if path.suffix.lower() == ".srt" else "vtt"
    parts = _cue_texts(text, path, fmt)
    body, turns = compose_turns(_utterances(parts, options.compiled_speaker_pattern()))
    require_text(path, body)
    return [RawDocument(text=body, turns=turns)]
