"""WebVTT and SubRip exports that break the format keep every word, or fail naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode.errors import TranscriptError
from casecode.load import read_document


def _turns(path: Path, text: str) -> list[tuple[str | None, str]]:
    path.write_text(text, encoding="utf-8")
    [raw] = read_document(path)
    assert raw.turns is not None
    return [(turn.speaker, raw.text[turn.start : turn.end]) for turn in raw.turns]


def test_vtt_text_between_cues_joins_the_cue_before(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.000\n<v Interviewer>How did the merger go?</v>\n\n"
        "Could you say more?\n\n"
        "NOTE edited by the transcriber\n\n"
        "2\n00:00:03.500 --> 00:00:06.000\n<v Aoife Byrne>It went well.</v>\n\n"
        "R1: Then the board met.\n"
    )
    assert _turns(tmp_path / "call.vtt", vtt) == [
        ("Interviewer", "How did the merger go? Could you say more?"),
        ("Aoife Byrne", "It went well."),
        ("R1", "Then the board met."),
    ]


def test_vtt_blank_line_inside_a_cue_keeps_the_rest_of_the_cue(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v R1>We merged in 2011.\n\nThe boards agreed.</v>\n\n00:00:05.000 --> 00:00:06.000\n<v Interviewer>Why?\n"
    assert _turns(tmp_path / "call.vtt", vtt) == [("R1", "We merged in 2011. The boards agreed."), ("Interviewer", "Why?")]


def test_vtt_text_lines_with_arrows_are_text(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:04.000\n<v R1>plan A --> plan B\n\n"
        "00:00:05.000 --> 00:00:08.000\nInterviewer: So\nthe order was plan B <-- plan A,\nthen --> plan C?\n"
    )
    assert _turns(tmp_path / "call.vtt", vtt) == [("R1", "plan A --> plan B"), ("Interviewer", "So the order was plan B <-- plan A, then --> plan C?")]


def test_vtt_timings_past_59_minutes_are_read(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n59:58.000 --> 60:01.000\n<v R1>Near the end of the hour.\n\n75:00.000 --> 75:02.500\n<v R1>And after it.\n\n00:80:00.000 --> 00:80:01.000\n<v R1>Later.\n"
    assert _turns(tmp_path / "long.vtt", vtt) == [("R1", "Near the end of the hour. And after it. Later.")]


def test_vtt_unreadable_timings_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "call.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v R1>Fine.\n\n00:00:03.000 --> 00:00:04.000 R1 said no\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"call\.vtt:6: cannot read the cue timings line — write it as 00:00:01\.000 --> 00:00:04\.000") as info:
        read_document(path)
    assert "said" not in str(info.value)


def test_srt_text_block_starting_with_an_arrow_is_kept(tmp_path: Path) -> None:
    srt = "1\n00:00:01,000 --> 00:00:03,000\nR1: We compared\n\nplan A --> plan B\nin the end.\n\n2\n00:00:03,000 --> 00:00:04,000\nInterviewer: Thanks.\n"
    assert _turns(tmp_path / "call.srt", srt) == [("R1", "We compared plan A --> plan B in the end."), ("Interviewer", "Thanks.")]


def test_vtt_cue_with_two_voices_gives_each_their_words(tmp_path: Path) -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Ready?</v>\n<v R1>Yes.</v>\n"
    assert _turns(tmp_path / "call.vtt", vtt) == [("Interviewer", "Ready?"), ("R1", "Yes.")]
