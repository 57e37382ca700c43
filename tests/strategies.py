"""Hypothesis strategies for casecode's inputs: transcripts, codebooks and REFI-QDA-ish XML."""

from __future__ import annotations

from hypothesis import strategies as st

SPEAKERS = ["Interviewer", "R1", "INT", "Q", "Dr Ann Lee", "Chief Executive", "P12", "Mary O'Neill"]
# letters, marks, emoji, CJK/RTL, punctuation, odd spaces and line separators (not NUL)
PIECES = [
    "trust", "Trust", "café", "cafe\u0301", "savings", "merger", "culture clash", "we", "not", "never",
    "😀", "👩‍👩‍👧", "🇬🇧", "日本語", "שלום", "ß", "İ", "ﬁ", "a\u0308", "\u200b", "\u00a0", "\t", "  ",
    ".", "?", "!", ",", ";", ":", "—", "’", "“", "”", "'", "-", "=", "+", "@", "1", "2011", "£5m",
]
NEWLINES = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\u2028", "\x85"]


@st.composite
def utterance(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(min_size=1, max_size=4).filter(lambda t: "\x00" not in t)), min_size=1, max_size=12))
    return " ".join(words)


@st.composite
def transcript_text(draw: st.DrawFn) -> str:
    """A transcript: speaker lines, unlabelled lines, any newline style, maybe a BOM."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        label = draw(st.one_of(st.none(), st.sampled_from(SPEAKERS)))
        body = draw(utterance())
        gap = draw(st.sampled_from([" ", "  ", "\t", ""]))
        lines.append(f"{label}:{gap}{body}" if label else body)
        lines.append(draw(st.sampled_from(NEWLINES)))
    text = "".join(lines)
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])


def encode(text: str, name: str) -> bytes:
    """File bytes for ``text`` in one of :data:`ENCODINGS` (the UTF-16 ones with a BOM)."""
    body = text.lstrip("\ufeff")
    if name == "utf-16-le-bom":
        return b"\xff\xfe" + body.encode("utf-16-le")
    if name == "utf-16-be-bom":
        return b"\xfe\xff" + body.encode("utf-16-be")
    return text.encode(name)


# --- codebooks ---------------------------------------------------------------------------

IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
SCALAR = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))


def rule() -> st.SearchStrategy[dict]:
    kinds = st.sampled_from(["phrases", "regex", "pattern", "near", "exclude", "bogus"])

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        kind = draw(kinds)
        value = {
            "phrases": st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=3),
            "regex": st.sampled_from([r"\btrust\w*", r"(a|aa)+$", r"[", r"caf[ée]", r"(?<=x)y", r"\d{4}", r"(a)\1"]),
            "pattern": st.just([{"LOWER": "trust"}]) | st.just([{"LEMA": "x"}]) | st.just("nonsense"),
            "near": st.just({"left": ["merger"], "right": ["money"], "within": 3}) | st.just({"left": []}),
            "exclude": st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=2),
            "bogus": SCALAR,
        }[kind]
        out = {"id": draw(IDENT), kind: draw(value)}
        if draw(st.booleans()):
            out[draw(st.sampled_from(["match", "case_sensitive", "negated", "speakers", "junk"]))] = draw(SCALAR)
        return out

    return build()


@st.composite
def codebook_data(draw: st.DrawFn) -> dict:
    """A codebook mapping, valid or subtly (or grossly) wrong."""
    codes = [
        {"id": draw(IDENT), "label": draw(st.text(max_size=10)), "rules": draw(st.lists(rule(), max_size=3))}
        for _ in range(draw(st.integers(0, 3)))
    ]
    book: dict = {"name": draw(st.text(max_size=10)), "version": draw(st.sampled_from(["1", 1, None])), "themes": [{"id": draw(IDENT), "label": "T", "codes": codes}]}
    if draw(st.booleans()):
        book[draw(st.sampled_from(["unit", "speakers", "negated", "themz"]))] = draw(SCALAR)
    return book


YAML_JUNK = st.sampled_from(
    [
        "name: !!python/object/apply:os.system ['x']\n",
        "a: &a [1,2]\nb: [*a,*a]\n",
        "a: 1\na: 2\n",
        "{{{{",
        "- - - -\n",
        "name: x\nthemes: 3\n",
        "\x07",
        "? [a, b]\n: c\n",
        "a: &x [*x]\n",
        "",
    ]
)


# --- REFI-QDA-ish XML ---------------------------------------------------------------------

DOCTYPES = st.sampled_from(
    [
        "",
        '<!DOCTYPE Project [<!ENTITY e "x">]>',
        '<!DOCTYPE Project SYSTEM "http://example.invalid/p.dtd">',
        '<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ]
)


@st.composite
def refi_xml(draw: st.DrawFn) -> bytes:
    """A REFI-QDA-like project/codebook XML, sometimes with DTDs, entities or breakage."""
    codes = "".join(
        f'<Code guid="{draw(st.uuids())}" name="{draw(st.text(alphabet="abc &<>", max_size=6)).replace("&", "&amp;").replace("<", "&lt;")}" isCodable="true"/>'
        for _ in range(draw(st.integers(0, 4)))
    )
    entity = draw(st.sampled_from(["", "&e;", "&xxe;", "&amp;"]))
    body = f'<?xml version="1.0" encoding="utf-8"?>{draw(DOCTYPES)}<Project name="p{entity}"><CodeBook><Codes>{codes}</Codes></CodeBook></Project>'
    data = body.encode("utf-8")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data
