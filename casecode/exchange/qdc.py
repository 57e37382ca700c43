"""REFI-QDA codebook exchange ("QDA-XML codebook 1.0", ``.qdc``): export and import.

Export writes themes and codes as nested ``<Code>`` elements: themes are not codable
(``isCodable="false"``), codes are. GUIDs are a code's kept ``guid`` (from an earlier
import) or derived from its id with :func:`uuid.uuid5`, so re-exporting an unchanged
codebook gives identical bytes. A code's definition, when to use / not to use, examples
and counter-examples go into ``<Description>`` under fixed headings, which import reads
back.

Import reads ``.qdc`` files (and the codebook inside a ``.qde``/``.qdpx`` project) written
by NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette, tolerating their known deviations:
GUIDs with or without braces and in any case, missing or 3-digit colours, any namespace
or schemaLocation (or none), accented and non-Latin names. Every ``<Code>`` that has
children (or is not codable) becomes a theme, every codable leaf a code; leaves at the top level go into a theme
called "Ungrouped". Rules are left empty for the team to write. XML is parsed with
defusedxml: entity expansion and external resources are refused.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeET
import yaml

from casecode.codebook.load import LoadedCodebook, parse_codebook
from casecode.codebook.schema import Code, Codebook, Theme
from casecode.errors import CasecodeError
from casecode.load.safezip import check_zip, read_member

NAMESPACE = "urn:QDA-XML:codebook:1.0"
#: The namespace under which casecode derives GUIDs from ids (never change it).
GUID_NAMESPACE = uuid.UUID("6f1d9a52-3c1b-5c0e-9a51-6b7f1f0c2d11")
UNGROUPED = ("ungrouped", "Ungrouped")
HEADINGS = (
    ("when_to_use", "When to use:"),
    ("when_not_to_use", "When not to use:"),
    ("examples", "Examples:"),
    ("counter_examples", "Counter-examples:"),
)
_HEADING = re.compile(r"(?:^|\n\s*\n)(" + "|".join(re.escape(h) for _, h in HEADINGS) + r")[ \t]*(?:\n|(?=\S))")
_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class QdcError(CasecodeError):
    """A REFI-QDA codebook file cannot be read or is not a codebook."""


# --------------------------------------------------------------------------- GUIDs


def code_guid(code_id: str) -> str:
    """The stable GUID casecode gives a code id (lowercase, no braces).

    >>> code_guid("trust") == code_guid("trust")
    True
    """
    return str(uuid.uuid5(GUID_NAMESPACE, f"code:{code_id}"))


def theme_guid(theme_id: str) -> str:
    """The stable GUID casecode gives a theme id (themes and codes never share one)."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"theme:{theme_id}"))


def normalise_guid(value: str | None) -> str | None:
    """``{ABCD...}`` or ``abcd...`` → ``abcd...``; None if it is not a GUID."""
    match = _GUID.match((value or "").strip())
    return match.group(1).lower() if match else None


#: the attributes of a REFI-QDA file that hold a GUID or refer to one
GUID_ATTRIBUTES = frozenset({"guid", "targetGUID", "creatingUser", "modifyingUser", "creatingUserGUID", "modifyingUserGUID"})


def normalise_guids(root: Element) -> Element:
    """Write every GUID of a parsed file as :func:`normalise_guid` does, in place.

    The schema allows ``{ABCD...}`` as well as ``abcd...``, and some tools write the one
    in definitions and the other in references; comparing them as written would lose
    every coding whose reference is spelled differently. Values that are not GUIDs stay.
    """
    for element in root.iter():
        for name in GUID_ATTRIBUTES.intersection(element.attrib):
            value = normalise_guid(element.attrib[name])
            if value is not None:
                element.attrib[name] = value
    return root


def _guid_of(item: Code | Theme) -> str:
    kept = normalise_guid(item.guid)
    if kept:
        return kept
    return code_guid(item.id) if isinstance(item, Code) else theme_guid(item.id)


# --------------------------------------------------------------------------- descriptions


def code_description(code: Code) -> str:
    """A code's guidance as one text with fixed headings (what ``<Description>`` holds)."""
    parts = [code.definition.strip()] if code.definition.strip() else []
    for key, heading in HEADINGS:
        value = getattr(code, key)
        if isinstance(value, list):
            if value:
                items = ["- " + item.strip().replace("\n", "\n  ") for item in value]
                parts.append(heading + "\n" + "\n".join(items))
        elif value.strip():
            parts.append(f"{heading} {value.strip()}")
    return "\n\n".join(parts)


def parse_description(text: str) -> dict[str, Any]:
    """Split a ``<Description>`` written by :func:`code_description` back into fields.

    Text without the headings (as other tools write it) is all definition.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    out: dict[str, Any] = {"definition": "", "when_to_use": "", "when_not_to_use": "", "examples": [], "counter_examples": []}
    keys = {heading: key for key, heading in HEADINGS}
    matches = list(_HEADING.finditer(text))
    out["definition"] = text[: matches[0].start()].strip() if matches else text
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : end].strip()
        key = keys[match.group(1)]
        if key in ("examples", "counter_examples"):
            items: list[str] = []
            for line in body.split("\n"):
                if line.startswith("- ") or line == "-":
                    items.append(line[2:])
                elif items:
                    items[-1] += "\n" + (line[2:] if line.startswith("  ") else line)
                elif line.strip():
                    items.append(line.strip())
            out[key] = [item.strip() for item in items if item.strip()]
        else:
            out[key] = body
    return out


# --------------------------------------------------------------------------- export


def _attr(value: str) -> str:
    return escape(_XML_ILLEGAL.sub("", value), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _text(value: str) -> str:
    return escape(_XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))


def _element(item: Code | Theme, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    codable = "true" if isinstance(item, Code) else "false"
    color = f' color="{item.color}"' if item.color else ""
    head = f'{pad}<Code guid="{_guid_of(item)}" name="{_attr(item.label)}" isCodable="{codable}"{color}'
    description = code_description(item) if isinstance(item, Code) else item.description.strip()
    children: list[Code | Theme] = [] if isinstance(item, Code) else [*item.codes, *item.themes]
    if not description and not children:
        out.append(head + "/>")
        return
    out.append(head + ">")
    if description:
        out.append(f"{pad}  <Description>{_text(description)}</Description>")
    for child in children:
        _element(child, depth + 1, out)
    out.append(f"{pad}</Code>")


def codebook_to_qdc(book: Codebook) -> str:
    """The codebook as QDA-XML codebook 1.0 text (deterministic: same codebook, same text).

    Example:
        >>> xml = codebook_to_qdc(load_codebook("codebooks/partnership.yaml").model)  # doctest: +SKIP
    """
    from casecode.run import casecode_version

    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<CodeBook xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} Codebook.xsd" origin="casecode {_attr(casecode_version())}">',
        "  <Codes>",
    ]
    for theme in book.themes:
        _element(theme, 2, out)
    out += ["  </Codes>", "</CodeBook>", ""]
    return "\n".join(out)


def export_qdc(book: LoadedCodebook | Codebook, out: str | Path) -> Path:
    """Write a codebook as a ``.qdc`` file (atomically). Returns the path written."""
    from casecode.results import write_text

    model = book.model if isinstance(book, LoadedCodebook) else book
    target = Path(out)
    write_text(target, codebook_to_qdc(model))
    return target


# --------------------------------------------------------------------------- import


@dataclass
class ImportedCodebook:
    """A codebook read from a .qdc file, with notes on what was adapted on the way."""

    codebook: Codebook
    source: str
    origin: str = ""
    notes: list[str] = field(default_factory=list)

    def to_yaml(self) -> str:
        return codebook_yaml(self.codebook)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> Iterator[Element]:
    for child in element:
        if _local(child.tag).lower() == name.lower():
            yield child


_TRANSLITERATE = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "ð": "d"})


def slugify(label: str, *, fallback: str) -> str:
    """A casecode id from a label: accents dropped, lowercase, ``_`` between words.

    Labels with no Latin letters or digits (e.g. Greek or Chinese) give ``fallback``.

    >>> slugify("Café à la maison", fallback="x")
    'cafe_a_la_maison'
    """
    ascii_text = unicodedata.normalize("NFKD", label.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:60].rstrip("_")
    return slug or fallback


def _color(value: str | None) -> str | None:
    value = (value or "").strip()
    if re.fullmatch(r"#?[0-9A-Fa-f]{6}", value):
        return "#" + value.lstrip("#").lower()
    if re.fullmatch(r"#?[0-9A-Fa-f]{3}", value):
        return "#" + "".join(c * 2 for c in value.lstrip("#").lower())
    return None


def _read_xml(path: Path) -> tuple[bytes, str]:
    """The XML bytes of a .qdc/.qde file, or of project.qde inside a .qdpx archive."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise QdcError(f"{path}: cannot read ({exc.strerror})", hint="check the path") from None
    if raw[:4] == b"PK\x03\x04":
        try:
            with check_zip(zipfile.ZipFile(io.BytesIO(raw)), path) as archive:  # zip-slip, zip bombs
                names = [n for n in archive.namelist() if n.lower().endswith(".qde")]
                if not names:
                    raise QdcError(f"{path}: a zip archive without a project.qde", hint="pass a .qdc codebook or a REFI-QDA .qdpx project")
                return read_member(archive, sorted(names, key=len)[0], path), f"{path}!{sorted(names, key=len)[0]}"
        except zipfile.BadZipFile:
            raise QdcError(f"{path}: a damaged zip archive", hint="export the project again") from None
    return raw, str(path)


def _parse(raw: bytes, where: str) -> Element:
    try:
        return SafeET.fromstring(raw)
    except defusedxml.DefusedXmlException as exc:
        raise QdcError(f"{where}: refused unsafe XML ({type(exc).__name__}: entity declarations or external resources)", hint="export the codebook again from the tool, without a DTD") from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise QdcError(f"{where}:{line}: not well-formed XML ({str(exc).split(':')[0]})", hint="the file is damaged or not XML; export it again") from None
    except LookupError:  # <?xml ... encoding="..."?> names an encoding Python does not know
        raise QdcError(f"{where}: the XML declaration names an unknown encoding", hint="save the file as UTF-8 (encoding=\"UTF-8\"), or export it again") from None


def _find_codebook(root: Element) -> Element | None:
    if _local(root.tag).lower() == "codebook":
        return root
    for element in root.iter():
        if _local(element.tag).lower() == "codebook":
            return element
    return None


class _Ids:
    """Unique casecode ids for themes and codes (one namespace, so they never clash)."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = set(taken or ())

    def make(self, label: str, fallback: str) -> str:
        base = slugify(label, fallback=fallback)
        candidate, n = base, 2
        while candidate in self.taken:
            candidate = f"{base}_{n}"
            n += 1
        self.taken.add(candidate)
        return candidate


def qdc_to_codebook(
    raw: bytes,
    *,
    source: str = "<qdc>",
    name: str | None = None,
    base: Codebook | None = None,
) -> ImportedCodebook:
    """Read QDA-XML codebook bytes into a casecode codebook (rules left empty).

    Args:
        raw: the XML (a CodeBook root, or a Project that contains one).
        source: a name for messages.
        name: the codebook's name (default: ``base``'s, else the file's stem).
        base: an earlier casecode codebook: codes and themes whose GUID it gives keep
            their id, rules and settings, so an export edited in another tool comes back
            without losing the rules.
    """
    root = _parse(raw, source)
    book_el = _find_codebook(root)
    notes: list[str] = []
    if book_el is None:
        raise QdcError(f"{source}: no <CodeBook> element (root is <{_local(root.tag)}>)", hint="pass a REFI-QDA codebook (.qdc) or project (.qde/.qdpx)")
    codes_el = next(_children(book_el, "Codes"), None)
    top = list(_children(codes_el, "Code")) if codes_el is not None else []
    if not top:
        raise QdcError(f"{source}: the codebook has no codes", hint="export a codebook with at least one code")
    if next(_children(book_el, "Sets"), None) is not None:
        notes.append("code sets (<Sets>) have no casecode equivalent and were left out")

    by_guid: dict[str, Code | Theme] = {}
    if base is not None:
        for _trail, theme in base.themes_flat():
            by_guid[_guid_of(theme)] = theme
        for code in base.codes():
            by_guid[_guid_of(code)] = code
    ids = _Ids()
    # Ids kept from the base are reserved first, so new labels never take them.
    seen_guids: set[str] = set()
    counts = {"codable_parents": 0, "bad_guids": 0, "bad_colors": 0}

    def reserve(element: Element) -> None:
        guid = normalise_guid(element.get("guid"))
        if guid in by_guid:
            ids.taken.add(by_guid[guid].id)
        for child in _children(element, "Code"):
            reserve(child)

    for element in top:
        reserve(element)

    def common(element: Element, trail: str) -> tuple[str, str, str, str | None, str]:
        label = (element.get("name") or "").strip()
        if not label:
            label = "Unnamed code"
            notes.append(f"a code under '{trail or 'the top level'}' has no name; it was called '{label}'")
        raw_guid = element.get("guid")
        guid = normalise_guid(raw_guid)
        if guid is None or guid in seen_guids:
            counts["bad_guids"] += 1
            guid = str(uuid.uuid5(GUID_NAMESPACE, f"imported:{trail}/{label}:{raw_guid or ''}:{counts['bad_guids']}"))
        seen_guids.add(guid)
        color = _color(element.get("color"))
        if element.get("color") and color is None:
            counts["bad_colors"] += 1
        description = "".join(next(_children(element, "Description"), Element("x")).itertext())
        return label, guid, _XML_ILLEGAL.sub("", description), color, f"{trail}/{label}" if trail else label

    def make_code(element: Element, trail: str) -> Code:
        label, guid, description, color, _ = common(element, trail)
        kept = by_guid.get(guid)
        fields = parse_description(description)
        if isinstance(kept, Code):
            return kept.model_copy(update={"label": label, "color": color, "guid": _kept_guid(kept, guid), **fields})
        return Code(id=ids.make(label, f"code_{_short(guid)}"), label=label, guid=guid, color=color, **fields)

    def make_theme(element: Element, trail: str) -> Theme:
        label, guid, description, color, path = common(element, trail)
        if (element.get("isCodable") or "").strip().lower() in ("true", "1") and next(_children(element, "Code"), None) is not None:
            counts["codable_parents"] += 1
        kept = by_guid.get(guid)
        theme_id = kept.id if isinstance(kept, Theme) else ids.make(label, f"theme_{_short(guid)}")
        codes, themes = [], []
        for child in _children(element, "Code"):
            if _is_leaf_code(child):
                codes.append(make_code(child, path))
            else:
                themes.append(make_theme(child, path))
        return Theme(id=theme_id, label=label, description=description.strip(), color=color, guid=_kept_guid(kept, guid), codes=codes, themes=themes)

    themes: list[Theme] = []
    loose: list[Code] = []
    loose_at: int | None = None
    for element in top:
        if _is_leaf_code(element):
            loose_at = len(themes) if loose_at is None else loose_at
            loose.append(make_code(element, ""))
        else:
            themes.append(make_theme(element, ""))
    if loose:
        theme_id = ids.make(UNGROUPED[1], UNGROUPED[0])
        themes.insert(loose_at or 0, Theme(id=theme_id, label=UNGROUPED[1], guid=theme_guid(theme_id), codes=loose))
        notes.append(f"{len(loose)} top-level code(s) without children were put in the theme '{UNGROUPED[1]}'")
    if counts["codable_parents"]:
        notes.append(f"{counts['codable_parents']} parent code(s) were codable in the source; casecode codes only leaves, so they became themes")
    if counts["bad_guids"]:
        notes.append(f"{counts['bad_guids']} code(s) had a missing, invalid or repeated GUID; new ones were derived")
    if counts["bad_colors"]:
        notes.append(f"{counts['bad_colors']} colour(s) were not '#RRGGBB' or '#RGB' and were left out")
    settings: dict[str, Any] = {}
    if base is not None:
        settings = base.model_dump(by_alias=True, exclude={"themes"}, exclude_unset=True)
    settings["name"] = name or settings.get("name") or Path(source.split("!")[0]).stem or "Imported codebook"
    codebook = Codebook.model_validate({**settings, "themes": [t.model_dump(by_alias=True, exclude_none=True) for t in themes]})
    origin = (book_el.get("origin") or root.get("origin") or "").strip()
    return ImportedCodebook(codebook=codebook, source=source, origin=origin, notes=notes)


def _short(guid: str) -> str:
    """Eight stable hex digits for an id when a label has no Latin letters."""
    return hashlib.sha1(guid.encode()).hexdigest()[:8]


def _is_leaf_code(element: Element) -> bool:
    """A codable ``<Code>`` without children is a code; anything else is a theme."""
    codable = (element.get("isCodable") or "true").strip().lower() not in ("false", "0")
    return codable and next(_children(element, "Code"), None) is None


def _kept_guid(kept: Code | Theme | None, guid: str) -> str | None:
    """Keep no explicit guid when it is the one casecode derives from the kept id anyway."""
    if kept is not None and kept.guid is None and _guid_of(kept) == guid:
        return None
    return guid


def import_qdc(path: str | Path, *, name: str | None = None, base: LoadedCodebook | Codebook | None = None) -> ImportedCodebook:
    """Read a ``.qdc`` codebook (or the codebook of a ``.qde``/``.qdpx`` project).

    Raises:
        QdcError: the file cannot be read, is not well-formed or unsafe XML, or holds no codes.

    Example:
        >>> imported = import_qdc("team.qdc")  # doctest: +SKIP
        >>> Path("codebook.yaml").write_text(imported.to_yaml())  # doctest: +SKIP
    """
    raw, where = _read_xml(Path(path))
    model = base.model if isinstance(base, LoadedCodebook) else base
    return qdc_to_codebook(raw, source=where, name=name, base=model)


# --------------------------------------------------------------------------- YAML out


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)

_CODE_ORDER = ("id", "label", "guid", "color", "definition", "when_to_use", "when_not_to_use", "examples", "counter_examples", "unit", "negated", "speakers", "rules")


def _code_dict(code: Code) -> dict[str, Any]:
    data = code.model_dump(by_alias=True, exclude_none=True)
    out = {k: data[k] for k in _CODE_ORDER if k in data and (data[k] not in ("", []) or k == "rules")}
    out["rules"] = [
        {k: v for k, v in rule.items() if v is not None and not (k in ("note",) and v == "") and not (k == "case_sensitive" and v is False) and not (k == "helper" and v is False)}
        for rule in data.get("rules", [])
    ]
    return out


def _theme_dict(theme: Theme) -> dict[str, Any]:
    out: dict[str, Any] = {"id": theme.id, "label": theme.label}
    for key in ("guid", "color", "description"):
        if getattr(theme, key):
            out[key] = getattr(theme, key)
    out["codes"] = [_code_dict(c) for c in theme.codes]
    if theme.themes:
        out["themes"] = [_theme_dict(t) for t in theme.themes]
    return out


def codebook_yaml(book: Codebook) -> str:
    """A codebook as readable YAML that ``load_codebook`` reads back to the same model."""
    head = book.model_dump(by_alias=True, exclude={"themes"}, exclude_none=True)
    defaults = Codebook.model_fields
    data = {k: v for k, v in head.items() if k == "name" or v != defaults[k].default}
    data["themes"] = [_theme_dict(t) for t in book.themes]
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    parse_codebook(text, file="<imported>")  # never hand out a codebook casecode cannot read
    return text


def write_imported(imported: ImportedCodebook, out: str | Path) -> Path:
    """Write an imported codebook as YAML (atomically)."""
    from casecode.results import write_text

    target = Path(out)
    write_text(target, "# Imported from " + Path(imported.source).name + (f" ({imported.origin})" if imported.origin else "") + "; rules are left for the team to write.\n" + imported.to_yaml())
    return target


__all__ = [
    "ImportedCodebook",
    "QdcError",
    "code_description",
    "code_guid",
    "codebook_to_qdc",
    "codebook_yaml",
    "export_qdc",
    "import_qdc",
    "normalise_guid",
    "parse_description",
    "qdc_to_codebook",
    "slugify",
    "theme_guid",
    "write_imported",
]
