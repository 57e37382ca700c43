"""Turning formatted paragraphs into ``Speaker: words`` lines.

Word, LibreOffice and web transcripts often mark the speaker in bold with no colon
("**Interviewer** So how did it start?"). A paragraph that starts with a short bold run
followed by ordinary text becomes ``Interviewer: So how did it start?``, so the usual
speaker detection finds the label.
"""

from __future__ import annotations

from casecode.load.registry import MAX_SPEAKER_LABEL

MAX_LABEL_WORDS = 5


def labelled_paragraph(runs: list[tuple[str, bool]]) -> str:
    """Join (text, bold) runs into one paragraph, writing a bold leading label as ``Label: ``.

    >>> labelled_paragraph([("Dr Ann Lee", True), (" We merged in 2011.", False)])
    'Dr Ann Lee: We merged in 2011.'
    >>> labelled_paragraph([("Interviewer:", True), (" Why?", False)])
    'Interviewer: Why?'
    >>> labelled_paragraph([("It was ", False), ("very", True), (" hard.", False)])
    'It was very hard.'
    """
    whole = "".join(text for text, _ in runs)
    bold = ""
    for index, (text, is_bold) in enumerate(runs):
        if not is_bold and text.strip():
            rest = "".join(t for t, _ in runs[index:])
            break
        bold += text
    else:
        return whole.strip()
    label = bold.strip().rstrip(":").strip()
    rest = rest.strip()
    if rest.startswith(":"):
        rest = rest[1:].strip()
    if not label or not rest or "\n" in label or len(label) > MAX_SPEAKER_LABEL or len(label.split()) > MAX_LABEL_WORDS:
        return whole.strip()
    if label[-1] in ".?!,;" or not (label[0].isalpha() or label[0].isdigit()):
        return whole.strip()
    return f"{label}: {rest}"
