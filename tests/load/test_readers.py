"""Readers by suffix, normalisation, speaker turns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from casecode.errors import TranscriptEncodingError, TranscriptError
from casecode.load import ReadOptions, detect_turns, load_corpus, read_document
from casecode.load.normalise import normalise_text
from casecode.load.registry import READERS


def test_normalise_removes_bom_crlf_and_composes() -> None:
    assert normalise_text("\ufeffa\r\nb\rc e\u0301") == "a\nb\nc é"


def test_readers_registered_for_every_spine_format() -> None:
    for suffix in (".txt", ".md", ".docx", ".vtt", ".srt", ".csv"):
        assert suffix in READERS


def test_txt_front_matter_is_metadata_and_not_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbf---\r\ncase: x\r\nrole: commissioner\r\n---\r\nInterviewer: Hello?\r\nR1: Hi.\r\n")
    [raw] = read_document(path)
    assert raw.metadata == {"case": "x", "role": "commissioner"}
    assert raw.text == "Interviewer: Hello?\nR1: Hi.\n"


def test_unclosed_front_matter_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ncase: x\nInterviewer: hello\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"a\.md:1: front matter"):
        read_document(path)


def test_detect_turns_strips_labels_and_keeps_multi_paragraph_turns() -> None:
    text = "Interviewer: What about trust?\n\nR1: We trusted them.\n\nIt took years.\nQ: And?\nA: Fine."
    turns = detect_turns(text, ReadOptions().compiled_speaker_pattern())
    assert [t.speaker for t in turns] == ["Interviewer", "R1", "Q", "A"]
    assert text[turns[1].start : turns[1].end] == "We trusted them.\n\nIt took years."
    assert text[turns[1].label_start : turns[1].start] == "R1: "


def test_text_before_first_label_is_a_turn_without_speaker() -> None:
    turns = detect_turns("Notes from the visit.\nR1: Yes.", ReadOptions().compiled_speaker_pattern())
    assert turns[0].speaker is None and turns[1].speaker == "R1"


def test_custom_speaker_pattern(tmp_path: Path) -> None:
    options = ReadOptions(speaker_pattern=r"^\[(?P<speaker>[^\]]+)\]\s*")
    turns = detect_turns("[Jo] hello\n[Sam] hi", options.compiled_speaker_pattern())
    assert [t.speaker for t in turns] == ["Jo", "Sam"]


def test_vtt_voice_tags_and_merged_cues(tmp_path: Path) -> None:
    path = tmp_path / "call.vtt"
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>How did the merger go?</v>\n\n"
        "2\n00:00:03.500 --> 00:00:06.000\n<v Aoife Byrne>It went well.</v>\n\n"
        "3\n00:00:06.000 --> 00:00:08.000\n<v Aoife Byrne>Mostly.</v>\n",
        encoding="utf-8",
    )
    [raw] = read_document(path)
    assert raw.text == "Interviewer: How did the merger go?\n\nAoife Byrne: It went well. Mostly."
    assert raw.turns is not None and [t.speaker for t in raw.turns] == ["Interviewer", "Aoife Byrne"]
    assert raw.text[raw.turns[1].start : raw.turns[1].end] == "It went well. Mostly."


def test_srt_name_prefix(tmp_path: Path) -> None:
    path = tmp_path / "call.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Hello\n\n2\n00:00:02,000 --> 00:00:04,000\nR1: Hi there\n", encoding="utf-8")
    [raw] = read_document(path)
    assert [t.speaker for t in raw.turns or ()] == ["Interviewer", "R1"]


def test_csv_columns_by_option_and_grouped_documents(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["resp", "answer", "region"])
        writer.writerow(["r1", "We trust the council.", "north"])
        writer.writerow(["r2", "Too much bureaucracy.", "south"])
    with pytest.raises(TranscriptError, match="--text-column"):
        read_document(path)
    docs = read_document(path, ReadOptions(text_column="answer", document_column="resp"))
    assert [(d.key, d.text, d.metadata) for d in docs] == [
        ("r1", "We trust the council.", {"region": "north"}),
        ("r2", "Too much bureaucracy.", {"region": "south"}),
    ]


def test_docx_bold_speaker_paragraphs(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    para = document.add_paragraph()
    para.add_run("Interviewer:").bold = True
    para.add_run(" What changed?")
    document.add_paragraph("R1: The culture changed.")
    path = tmp_path / "a.docx"
    document.save(str(path))
    [raw] = read_document(path)
    assert raw.text == "Interviewer: What changed?\n\nR1: The culture changed."


def test_undecodable_bytes_name_the_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(b"case notes: caf\x81 culture")  # 0x81 is no character in cp1252 (nor text in latin-1)
    with pytest.raises(TranscriptEncodingError, match=r"legacy\.txt: byte offset 15") as info:
        read_document(path)
    assert "--encoding" in str(info.value)
    path.write_bytes(b"case notes: caf\xe9 culture")  # detected as Windows-1252
    assert read_document(path)[0].text.endswith("café culture")
    [raw] = read_document(path, ReadOptions(encoding="cp1252"))
    assert raw.text.endswith("café culture")


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="empty"):
        read_document(path)


def test_ignored_files_are_listed_not_dropped_silently(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text("R1: hello", encoding="utf-8")
    (tmp_path / "c" / "notes.pages").write_text("x", encoding="utf-8")
    corpus = load_corpus([tmp_path], case_from="folder")
    assert [d.id for d in corpus.documents] == ["c/a"]
    assert corpus.ignored == ((str((tmp_path / "c" / "notes.pages").as_posix()), "no reader for '.pages'"),)


def test_front_matter_closes_at_the_first_fence_line_whatever_the_whitespace() -> None:
    """The body starts after the first line that is "---" or "..." (trailing whitespace of
    any kind allowed), as splitting the text into lines at "\\n" finds it."""
    import random

    from casecode.load.text import split_front_matter

    def by_lines(text: str) -> str | None:
        lines = text.split("\n")
        for number, line in enumerate(lines[1:], start=1):
            if line.rstrip() in ("---", "..."):
                return "\n".join(lines[number + 1 :])
        return None

    chance = random.Random(5)
    pieces = ["---", "...", "\n", " ", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u3000", "a", "-", ".", "----", "--- x", "#"]
    checked = unclosed = 0
    for _ in range(5000):
        header = "".join(chance.choice(["case: a\n", "role: b\n", "# note\n", "\n"]) for _ in range(chance.randint(0, 3)))
        fence = chance.choice(["---", "...", "---", "...", "--- x", "----"]) + "".join(chance.choice(pieces[4:12]) for _ in range(chance.randint(0, 2)))
        end = chance.choice(["\n", "\n", "\n", ""])  # mostly a line of its own
        text = "---\n" + header + fence + end + "".join(chance.choice(pieces) for _ in range(chance.randint(0, 12)))
        body = by_lines(text)
        if body is None:
            with pytest.raises(TranscriptError, match="never closed"):
                split_front_matter(text, Path("t.md"))
            unclosed += 1
            continue
        try:
            _, found = split_front_matter(text, Path("t.md"))
        except TranscriptError:
            continue  # the header is not valid YAML: its own error
        assert found == body, repr(text)
        checked += 1
    assert checked > 1500 and unclosed > 500
