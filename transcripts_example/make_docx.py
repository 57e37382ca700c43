#!/usr/bin/env python3
"""Write the example interview that is distributed as a Word document.

The Connected Care commissioner interview lives in this file as plain text
(``Speaker: text`` turns, blank-line separated paragraphs, a paragraph without
a label continuing the previous speaker) and is written out as
``<OUTDIR>/commissioner_interview.docx`` with python-docx: one Word paragraph
per text paragraph, the speaker label in a bold run followed by the rest of
the turn in a normal run.  The document's metadata (case, role, title) is kept
in ``cases.yaml`` next to this script, not in the document.

Usage::

    python transcripts_example/make_docx.py [OUTDIR]

OUTDIR defaults to the ``connected_care/`` folder beside this script.  The
output is byte-for-byte reproducible: core properties carry fixed dates and
the zip entries are rewritten with a fixed timestamp and order.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Pt

NAME = "commissioner_interview"
TITLE = "Joint commissioner, Riverside borough (Connected Care)"
AUTHOR = "casecode example"
FIXED = _dt.datetime(2011, 7, 1, 9, 0, 0)
_LABEL = re.compile(r"^([A-Z][A-Za-z0-9 ]{0,30}):\s+(.*)$", re.DOTALL)

TRANSCRIPT = """\
Interviewer: Could you describe your role and how you came to be involved with Connected Care?

Commissioner: I'm a joint commissioner for adult social care and mental health, so I'm employed by the council but I commission on behalf of both the council and the primary care trust. I inherited Connected Care in Riverside when I came into post in 2009. It had been set up a year or so before that, jointly funded by us and the PCT, and Waymark were brought in to run it.

Interviewer: What was the idea behind it?

Commissioner: The idea was that instead of us deciding what services people on the estates needed, from our offices, we'd fund a process where local residents were trained as community researchers, went out and talked to their neighbours, and came back with an audit of what people actually wanted and what was missing. That would then feed into our commissioning strategy.

It came out of the health inequalities work. The north of the borough has some of the worst life expectancy figures in London, and we'd been commissioning services into those estates for years without much to show for it. So there was an appetite to try something different.

Interviewer: And what did the audit find?

Commissioner: A lot of things we didn't want to hear, frankly. [laughs] The researchers found that people didn't know what services existed, that they'd been passed between agencies, that they didn't trust the council, and that what people wanted most often wasn't a new service at all. It was someone to help them navigate the ones we'd already got. One of the recommendations was basically a single point of contact on each estate, a sort of navigator, which is not something you'd find in any of our contract specifications.

Interviewer: Did that recommendation change your commissioning?

Commissioner: Partly. We piloted a navigator service on two estates, which Waymark delivered. That was genuinely innovative for us. It cut across health, social care and housing, and it was built around the person rather than around our budget lines. But the pilot was funded from a short-term pot, and when the cuts came last year it was one of the things that went.

Interviewer: Why that, rather than something else?

Commissioner: Honestly? Because it was the newest, it wasn't a statutory service, and we couldn't show the savings in a way the finance people would accept. Everybody at the front line said it was making a difference. The GPs said they were getting fewer repeat appointments from the people it was working with. But it's very hard to prove that a navigator has stopped an admission. The evidence was anecdotal and the budget was going down by a quarter. Those two things together meant it didn't stand a chance.

Interviewer: How would you describe the relationship between the commissioners and Waymark?

Commissioner: Good, mostly. There's a lot of trust at the working level. The programme manager and I speak most weeks. But there's a structural tension. Waymark were facilitating the community voice, and they're also a provider that bids for our contracts. When the audit recommended a navigator service and then Waymark ended up delivering it, some of the other local providers were unhappy. They said Waymark had written the specification for itself.

Interviewer: Was that a fair criticism?

Commissioner: Not entirely, but I could see why they said it. When we came to procure the next round of community mental health services, we had to be very careful. Procurement rules say you treat every bidder equally, and you can't really have one bidder who's spent two years helping you design the service. So in the end we kept Waymark out of the design of that tender, which was a shame, because they knew more about those estates than anybody.

Interviewer: So competition made collaboration harder?

Commissioner: In that case, yes. I think that's true more generally. We're told to collaborate with the voluntary sector and we're told to run open competitions, and those two things don't always sit together.

Interviewer: How involved were residents in the commissioning decisions themselves?

Commissioner: They were heavily involved in the audit. That was the whole point. Less so in the decisions. The recommendations went to the joint commissioning board, and the board decided what to fund. The researchers presented their findings to the board, which was quite a moment, actually. A young mum from the Wharfside estate standing up in front of the director of public health. But the decisions were ours.

And when the navigator service was cut, the residents weren't consulted about that. There wasn't time, and frankly there wasn't the will. I'm not proud of that.

Interviewer: Was the partnership something the council chose, or was it required?

Commissioner: We chose it. Nobody made us do it. There was encouragement from the national health inequalities programme and there was a small amount of money attached, but it was a local decision. I think that's partly why it worked as well as it did. The people involved wanted it to work.

Interviewer: What has the council learnt from it?

Commissioner: That residents know things we don't. That sounds obvious, but our systems aren't set up to hear it. And that if you ask people what they think, you've got to be prepared to act on the answer, or you lose them. Some of the researchers feel let down that the navigator went, and they're right to.

If I were doing it again, I'd build the evaluation in from the start, so that when the cuts came we'd have had the figures to defend it. We learnt that the hard way.

Interviewer: What does the future look like?

Commissioner: The PCT is being abolished, the budgets are being squeezed and commissioning is moving to the GP consortia. Connected Care doesn't fit neatly into any of those boxes. I'd like to think the approach survives in some form, because it's one of the few things I've seen that genuinely changed how we listen to residents. But I wouldn't bet on it.

Interviewer: Thank you, that's been really helpful.
"""


def paragraphs(text: str) -> list[tuple[str | None, str]]:
    """Split the transcript into (label or None, text) paragraphs."""
    out: list[tuple[str | None, str]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split())
        if not block:
            continue
        m = _LABEL.match(block)
        out.append((m.group(1), m.group(2)) if m else (None, block))
    return out


def build(text: str = TRANSCRIPT):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    for label, body in paragraphs(text):
        p = doc.add_paragraph()
        if label is not None:
            p.add_run(f"{label}:").bold = True
            p.add_run(f" {body}")
        else:
            p.add_run(body)
    cp = doc.core_properties
    cp.title = TITLE
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.subject = "Partnership working case study: connected_care"
    cp.keywords = ""
    cp.comments = ""
    cp.category = ""
    cp.revision = 1
    cp.created = FIXED
    cp.modified = FIXED
    cp.last_printed = FIXED
    return doc


def _stable_zip(raw: bytes) -> bytes:
    """Re-pack the package with fixed entry timestamps so output is stable."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else argv
    outdir = Path(argv[0]) if argv else Path(__file__).resolve().parent / "connected_care"
    outdir.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    build().save(raw)
    target = outdir / f"{NAME}.docx"
    target.write_bytes(_stable_zip(raw.getvalue()))
    print(target)
    return target


if __name__ == "__main__":
    main()
