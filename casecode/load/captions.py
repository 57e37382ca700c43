"""Caption transcripts (.vtt, .srt) from Zoom, Teams, Otter and the like.

The speaker comes from a WebVTT voice tag (``<v Jo Bloggs>``) or a ``Name:`` prefix on the
cue. Consecutive cues of one speaker are merged into a turn; timings are dropped.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from casecode.errors import TranscriptError
from casecode.load.registry import MAX_SPEAKER_LABEL, RawDocument, ReadOptions, compose_turns, decode, reader, require_text

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")


def _utterances(raw: str, pattern: re.Pattern[str]) -> list[tuple[str | None, str]]:
    voice = _VOICE.search(raw)
    speaker = voice.group(1).strip() if voice else None
    text = " ".join(_TAG.sub("", raw).split())
    if speaker is None:
        match = pattern.match(text)
        if match and match.group("speaker") and len(match.group("speaker").strip()) <= MAX_SPEAKER_LABEL:
            speaker = match.group("speaker").strip()
            text = text[match.end() :].strip()
    return [(speaker, text)]


@reader(".vtt", ".srt")
def read_captions(path: Path, data: bytes, options: ReadOptions) -> list[RawDocument]:
    """Read WebVTT or SubRip captions into speaker turns."""
    import webvtt
    from webvtt.errors import MalformedFileError

    text = decode(data, path, options.encoding)
    fmt = "srt" if path.suffix.lower() == ".srt" else "vtt"
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=fmt)
    except (MalformedFileError, ValueError, IndexError) as exc:
        raise TranscriptError(f"{path}: not a valid {fmt.upper()} caption file ({exc})", hint=f"check the cue timings, or rename the file if it is not {fmt.upper()}") from None
    pattern = options.compiled_speaker_pattern()
    utterances: list[tuple[str | None, str]] = []
    for caption in captions:
        utterances.extend(_utterances(caption.raw_text, pattern))
    body, turns = compose_turns(utterances)
    require_text(path, body)
    return [RawDocument(text=body, turns=turns)]
