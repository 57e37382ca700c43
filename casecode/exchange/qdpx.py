"""REFI-QDA projects (``.qdpx``): write a results folder as a project, read one back.

A ``.qdpx`` file is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``)
and ``sources/`` with each document as UTF-8 plain text. What casecode writes:

- ``<CodeBook>``: each theme as a non-codable ``Code`` with its codes nested inside;
  descriptions carry the definition and guidance, ending with ``casecode-id: ID``.
- ``<Variables>``: every case and document attribute (Text, Integer, Float or Date).
- ``<Cases>``: one per case, with its attribute values and its documents.
- ``<Sources>``: one ``TextSource`` per document, ``internal://GUID.txt``; each row of the
  segments table becomes a ``PlainTextSelection`` (code-point offsets into that text)
  with one ``Coding``. The selection's description says which rule fired and on which
  words, and ends with a ``casecode: {json}`` line so that an import restores the row.
- ``<Description>`` of the project: the codebook YAML exactly as used.

GUIDs are UUID-5 values of casecode's ids and zip entries have fixed timestamps, so the
same results folder always gives the same bytes. Archives are checked for zip-slip and
zip bombs, and XML is parsed with defusedxml (``casecode.load.safezip``,
``casecode.load.safexml``) before anything is read.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import hashlib
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import yaml

from casecode.codebook.load import LoadedCodebook, parse_codebook
from casecode.codebook.schema import Codebook
from casecode.errors import CasecodeError, CodebookError
from casecode.exchange.qdc import normalise_guids
from casecode.load.registry import DEFAULT_SPEAKER_PATTERN, detect_turns
from casecode.load.safexml import parse_xml
from casecode.load.safezip import open_zip, read_member
from casecode.results import (
    SEGMENT_COLUMNS,
    UNIT_COLUMNS,
    Results,
    read_results,
    write_bytes,
)

NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"
GUID_NAMESPACE = uuid.UUID("5d0c7a4e-3f2b-5c1e-9a8d-6b7e0f1a2c3d")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ID_MARK = "casecode-id:"
ROW_MARK = "casecode:"
CODEBOOK_MARK = "casecode-codebook:\n"
FIXED_CASE_COLUMNS = ("case", "label", "documents")
FIXED_DOCUMENT_COLUMNS = ("document", "case", "source", "format", "sha256", "characters", "words", "turns")
SPEAKER_PATTERN = re.compile(DEFAULT_SPEAKER_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class QdpxError(CasecodeError):
    """A REFI-QDA project cannot be read or written."""


def guid(kind: str, key: str) -> str:
    """A stable GUID for one object of the project (same id, same GUID, every time)."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def _xml_text(value: str) -> str:
    return _CONTROL.sub("", value)


def _sub(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib or {})
    if text is not None:
        element.text = _xml_text(text)
    return element


# ---------------------------------------------------------------- writing


def _variable_type(values: list[str]) -> str:
    present = [v for v in values if v != ""]
    if not present:
        return "Text"
    if all(re.fullmatch(r"-?\d{1,15}", v) for v in present):
        return "Integer"
    if all(re.fullmatch(r"-?\d+\.\d+", v) for v in present):
        return "Float"
    if all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and _is_date(v) for v in present):
        return "Date"
    return "Text"


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _variable_value(parent: ET.Element, name: str, kind: str, value: str) -> None:
    element = _sub(parent, "VariableValue")
    _sub(element, "VariableRef", {"targetGUID": guid("variable", name)})
    _sub(element, f"{kind}Value", text=value)


def _code_description(book: Codebook, code: Any) -> str:
    parts = [code.definition.strip()] if code.definition.strip() else []
    if code.when_to_use.strip():
        parts.append(f"When to use: {code.when_to_use.strip()}")
    if code.when_not_to_use.strip():
        parts.append(f"When not to use: {code.when_not_to_use.strip()}")
    if code.rules:
        parts.append("Rules: " + ", ".join(f"{r.id} ({r.kind})" for r in code.rules))
    parts.append(f"{ID_MARK} {code.id}")
    return "\n".join(parts)


def _codebook_element(parent: ET.Element, book: Codebook) -> None:
    codes = _sub(_sub(parent, "CodeBook"), "Codes")

    def theme_element(container: ET.Element, theme: Any, path: str) -> None:
        attrib = {"guid": guid("theme", path), "name": theme.label, "isCodable": "false"}
        if theme.color:
            attrib["color"] = theme.color
        element = _sub(container, "Code", attrib)
        description = (theme.description.strip() + "\n" if theme.description.strip() else "") + f"{ID_MARK} {theme.id}"
        _sub(element, "Description", text=description)
        for code in theme.codes:
            code_attrib = {"guid": guid("code", code.id), "name": code.label, "isCodable": "true"}
            if code.color:
                code_attrib["color"] = code.color
            code_element = _sub(element, "Code", code_attrib)
            _sub(code_element, "Description", text=_code_description(book, code))
        for child in theme.themes:
            theme_element(element, child, f"{path}/{child.id}")

    for theme in book.themes:
        theme_element(codes, theme, theme.id)


def _attribute_columns(frame: pd.DataFrame, fixed: tuple[str, ...]) -> list[str]:
    return [c for c in frame.columns if c not in fixed]


def _selection_description(row: Any) -> str:
    who = ", ".join(x for x in (row.speaker, f"{row.unit} {row.segment}") if x)
    head = f"rule {row.rule} matched \u201c{row.matched}\u201d ({who})"
    if row.negated:
        head += " [negated]"
    data = {
        "speaker": row.speaker, "unit": row.unit, "segment": int(row.segment), "rule": row.rule, "rules": row.rules,
        "matched": row.matched, "match_start": int(row.match_start), "match_end": int(row.match_end),
        "negated": bool(row.negated), "origin": row.origin,
    }
    return f"{head}\n{ROW_MARK} {json.dumps(data, ensure_ascii=False, sort_keys=True)}"


def _people_and_memos(results: Results) -> tuple[dict[tuple[str, int, int, str], str], dict[tuple[str, int, int, str], list[str]]]:
    """Who coded each manual coding, and the memos on codings (manual ones, review decisions).

    Keys are ``(document, start, end, code)``; a recoded coding's review memo is under
    its new code too, as ``--reviewed-only`` shows it.
    """
    from casecode.review.decisions import read_annotations, read_decisions

    coders: dict[tuple[str, int, int, str], str] = {}
    memos: dict[tuple[str, int, int, str], list[str]] = {}
    if not results.folder.is_dir():
        return coders, memos
    for a in read_annotations(results.folder):
        key = (a.document, a.start, a.end, a.code)
        if a.coder:
            coders[key] = a.coder
        if a.memo:
            memos.setdefault(key, []).append(a.memo)
    for d in read_decisions(results.folder).values():
        if d.memo:
            for code in dict.fromkeys([d.code, d.new_code or d.code]):
                memos.setdefault((d.document, d.start, d.end, code), []).append(d.memo)
    return coders, memos


def project_xml(results: Results, *, source_paths: dict[str, str]) -> bytes:
    """The ``project.qde`` document for a results folder (UTF-8 bytes).

    Manual codings carry their coder as the creating ``User``; memos (of manual codings
    and of review decisions) become ``Note`` elements referred to by the selection.
    """
    book = results.codebook.model
    user = guid("user", "casecode")
    coders, memos = _people_and_memos(results)
    root = ET.Element("Project", {
        "xmlns": NS,
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:schemaLocation": f"{NS} Project.xsd",
        "name": book.name,
        "origin": f"casecode {results.manifest.get('casecode', '')}".strip(),
        "creatingUserGUID": user,
        "modifyingUserGUID": user,
    })
    users = _sub(root, "Users")
    _sub(users, "User", {"guid": user, "name": "casecode", "id": "casecode"})
    people = {name: guid("user", f"coder:{name}") for name in sorted(set(coders.values()))}
    for name, person in people.items():
        _sub(users, "User", {"guid": person, "name": name})
    notes: list[tuple[str, str, str, str]] = []  # (guid, name, creating user, text)
    _codebook_element(root, book)

    cases, documents = results.cases, results.documents
    case_attrs = _attribute_columns(cases, FIXED_CASE_COLUMNS)
    doc_attrs = _attribute_columns(documents, FIXED_DOCUMENT_COLUMNS)
    types: dict[str, str] = {}
    for name in dict.fromkeys(case_attrs + doc_attrs):  # one Variable per name, typed over all its values
        values = (cases[name].astype(str).tolist() if name in case_attrs else []) + (documents[name].astype(str).tolist() if name in doc_attrs else [])
        types[name] = _variable_type(values)
    if types:
        variables = _sub(root, "Variables")
        for name, kind in types.items():
            _sub(variables, "Variable", {"guid": guid("variable", name), "name": name, "typeOfVariable": kind})

    if len(cases):
        cases_element = _sub(root, "Cases")
        for row in cases.itertuples(index=False):
            record = row._asdict()
            case = _sub(cases_element, "Case", {"guid": guid("case", record["case"]), "name": record["case"]})
            label = str(record.get("label", "") or "")
            if label and label != record["case"]:
                _sub(case, "Description", text=label)
            for name in case_attrs:
                value = str(record[name])
                if value != "":
                    _variable_value(case, name, types[name], value)
            for doc in documents.loc[documents["case"] == record["case"], "document"]:
                _sub(case, "SourceRef", {"targetGUID": guid("source", doc)})

    sources = _sub(root, "Sources")
    by_document: dict[str, list[Any]] = {}
    for segment in results.segments.itertuples(index=False):
        by_document.setdefault(segment.document, []).append(segment)
    for record in documents.to_dict("records"):
        doc = record["document"]
        source = _sub(sources, "TextSource", {
            "guid": guid("source", doc), "name": doc, "plainTextPath": f"internal://{source_paths[doc]}", "creatingUser": user,
        })
        for row in by_document.get(doc, []):
            key = f"{doc}:{row.start}:{row.end}:{row.code}" + ("" if row.origin == "auto" else f":{row.origin}")
            span = (doc, int(row.start), int(row.end), row.code)
            who = people.get(coders.get(span, ""), user) if row.origin == "manual" else user
            selection = _sub(source, "PlainTextSelection", {
                "guid": guid("selection", key), "name": row.code,
                "startPosition": str(int(row.start)), "endPosition": str(int(row.end)), "creatingUser": who,
            })
            _sub(selection, "Description", text=_selection_description(row))
            coding = _sub(selection, "Coding", {"guid": guid("coding", key), "creatingUser": who})
            _sub(coding, "CodeRef", {"targetGUID": guid("code", row.code)})
            for i, memo in enumerate(memos.get(span, [])):
                note = guid("note", f"{key}:{i}")
                _sub(selection, "NoteRef", {"targetGUID": note})
                notes.append((note, f"memo: {row.code} in {doc}", who, memo))
        for name in doc_attrs:
            value = str(record.get(name, ""))
            if value != "":
                _variable_value(source, name, types[name], value)

    if notes:
        notes_element = _sub(root, "Notes")
        for note, name, who, memo in notes:
            _sub(_sub(notes_element, "Note", {"guid": note, "name": name, "creatingUser": who}), "PlainTextContent", text=memo)
    _sub(root, "Description", text=CODEBOOK_MARK + results.codebook.text)
    ET.indent(root, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def qdpx_bytes(results: Results) -> bytes:
    """The whole ``.qdpx`` zip for a results folder, as bytes (deterministic)."""
    documents = results.documents["document"].tolist()
    paths = {doc: f"{guid('source', doc)}.txt" for doc in documents}
    # a recode in review can land on a code the segment already has: one selection is enough
    duplicated = results.segments.duplicated(["document", "start", "end", "code", "origin"])
    if duplicated.any():
        results = dataclasses.replace(results, segments=results.segments[~duplicated].reset_index(drop=True))
    entries = [("project.qde", project_xml(results, source_paths=paths))]
    for doc in sorted(documents, key=lambda d: paths[d]):
        entries.append((f"sources/{paths[doc]}", results.text(doc).encode("utf-8")))
    return _zip_bytes(entries)


def write_qdpx(results: Results | str | Path, target: str | Path) -> Path:
    """Write a results folder as a REFI-QDA project (``.qdpx``).

    Example:
        >>> write_qdpx("results", "study.qdpx")  # doctest: +SKIP
    """
    if not isinstance(results, Results):
        results = read_results(results)
    target = Path(target)
    write_bytes(target, qdpx_bytes(results))
    return target


# ---------------------------------------------------------------- reading


@dataclass
class _CodeNode:
    guid: str
    name: str
    codable: bool
    description: str
    color: str | None
    children: list[_CodeNode] = field(default_factory=list)

    @property
    def marked_id(self) -> str | None:
        for line in reversed(self.description.splitlines()):
            if line.startswith(ID_MARK):
                return line[len(ID_MARK):].strip() or None
        return None


def _slug(name: str, fallback: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name.strip()).strip("_.-")[:80]
    return slug if slug and slug[0].isalnum() else (f"x{slug}"[:80] if slug else fallback)


def _code_nodes(parent: ET.Element) -> list[_CodeNode]:
    nodes = []
    for element in parent.findall(f"{Q}Code"):
        description = element.findtext(f"{Q}Description") or ""
        node = _CodeNode(
            guid=element.get("guid", ""), name=element.get("name", "") or "code",
            codable=element.get("isCodable", "true").lower() != "false", description=description, color=element.get("color"),
        )
        node.children = _code_nodes(element)
        nodes.append(node)
    return nodes


@dataclass
class _Tree:
    """A REFI code tree mapped onto casecode themes and codes."""

    codebook: dict[str, Any]
    code_of: dict[str, tuple[str, str]]  # code GUID -> (code id, theme path)


def _color(value: str | None) -> str | None:
    if value and re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
        return value
    if value and re.fullmatch(r"#[0-9A-Fa-f]{3}", value):
        return "#" + "".join(c * 2 for c in value[1:])
    return None


def _map_tree(nodes: list[_CodeNode], name: str) -> _Tree:
    """Nodes with children (or not codable) become themes, leaves become codes.

    A codable node with children also gets a code of its own inside its theme, so codings
    attached to it are kept. Leaves at the top level go into a theme called "codes".
    """
    code_ids: set[str] = set()
    theme_ids: set[str] = set()
    code_of: dict[str, tuple[str, str]] = {}

    def unique(candidate: str, taken: set[str], prefix: str) -> str:
        if candidate in taken and prefix:
            candidate = f"{prefix}.{candidate}"[:80]
        base, n = candidate, 2
        while candidate in taken:
            candidate = f"{base}_{n}"
            n += 1
        taken.add(candidate)
        return candidate

    def code_entry(node: _CodeNode, theme_id: str, path: str) -> dict[str, Any]:
        code_id = unique(node.marked_id or _slug(node.name, "code"), code_ids, theme_id)
        code_of[node.guid] = (code_id, path)
        definition = "\n".join(line for line in node.description.splitlines() if not line.startswith(ID_MARK)).strip()
        entry: dict[str, Any] = {"id": code_id, "label": node.name}
        if definition:
            entry["definition"] = definition
        if _color(node.color):
            entry["color"] = _color(node.color)
        return entry

    def theme_entry(node: _CodeNode, trail: str) -> dict[str, Any]:
        theme_id = unique(node.marked_id or _slug(node.name, "theme"), theme_ids, "")
        path = f"{trail}/{theme_id}" if trail else theme_id
        entry: dict[str, Any] = {"id": theme_id, "label": node.name}
        if _color(node.color):
            entry["color"] = _color(node.color)
        codes, themes = [], []
        if node.codable:
            codes.append(code_entry(_CodeNode(node.guid, node.name, True, node.description, node.color), theme_id, path))
        for child in node.children:
            if child.children or not child.codable:
                themes.append(theme_entry(child, path))
            else:
                codes.append(code_entry(child, theme_id, path))
        if codes:
            entry["codes"] = codes
        if themes:
            entry["themes"] = themes
        return entry

    themes = [theme_entry(n, "") for n in nodes if n.children or not n.codable]
    loose = [n for n in nodes if not (n.children or not n.codable)]
    if loose or not themes:
        theme_id = unique("codes", theme_ids, "")
        themes.append({"id": theme_id, "label": "Codes", "codes": [code_entry(n, theme_id, theme_id) for n in loose]})
    return _Tree(codebook={"name": name or "imported", "version": "imported", "themes": themes}, code_of=code_of)


def _embedded_codebook(root: ET.Element, where: str) -> Codebook | None:
    text = root.findtext(f"{Q}Description") or ""
    if not text.startswith(CODEBOOK_MARK):
        return None
    try:
        return parse_codebook(text[len(CODEBOOK_MARK):], file=f"{where} (project description)")
    except CodebookError:
        return None


def _source_text(archive: zipfile.ZipFile, element: ET.Element, where: str, warnings: list[str]) -> str | None:
    path = element.get("plainTextPath")
    if path and path.startswith("internal://"):
        member = f"sources/{path[len('internal://'):]}"
        if member not in archive.namelist():
            raise QdpxError(f"{where}: {member} is named by source {element.get('name')!r} but is not in the archive", hint="export the project again from the other tool")
        return read_member(archive, member, where).decode("utf-8-sig", errors="replace")
    inline = element.find(f"{Q}PlainTextContent")
    if inline is not None:
        return inline.text or ""
    warnings.append(f"source {element.get('name')!r} has no internal plain text ({path or 'no plainTextPath'}); left out")
    return None


def _line_ends(raw: str) -> tuple[str, Callable[[int], int]]:
    """Text with LF line ends, and a map from positions in ``raw`` to positions in it.

    Positions in a project count the characters of the stored text, CR LF as two; casecode
    keeps LF only, so each position moves back by the CRs removed before it.
    """
    removed = [m.start() for m in re.finditer("\r\n", raw)]
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not removed:
        return text, lambda pos: pos
    return text, lambda pos: pos - bisect.bisect_left(removed, pos)


def _document_id(name: str, taken: set[str]) -> str:
    parts = [re.sub(r"[^\w.\- ]+", "_", p).strip(" .") for p in PurePosixPath(name.replace("\\", "/")).parts]
    candidate = "/".join(p for p in parts if p and p not in (".", "..")) or "document"
    base, n = candidate, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _row_data(description: str) -> dict[str, Any] | None:
    for line in reversed(description.splitlines()):
        if line.startswith(ROW_MARK):
            try:
                data = json.loads(line[len(ROW_MARK):])
            except json.JSONDecodeError:
                return None
            return data if isinstance(data, dict) else None
    return None


# NVivo writes its placeholder attribute choices as values; they mean "no value".
NO_VALUE = {"unassigned", "not applicable"}


def _value_of(element: ET.Element) -> str:
    for child in element:
        if child.tag != f"{Q}VariableRef":
            value = (child.text or "").strip()
            return "" if value.lower() in NO_VALUE else value
    return ""


def _variable_values(element: ET.Element, names: dict[str, str]) -> dict[str, str]:
    values = {}
    for item in element.findall(f"{Q}VariableValue"):
        ref = item.find(f"{Q}VariableRef")
        if ref is not None and ref.get("targetGUID") in names:
            values[names[ref.get("targetGUID", "")]] = _value_of(item)
    return values


def _iter_selections(source: ET.Element) -> Iterator[tuple[ET.Element | None, int | None, int | None, list[str]]]:
    """(selection, start, end, code GUIDs) for every coded selection (and whole-source codings)."""
    for selection in source.findall(f"{Q}PlainTextSelection"):
        refs = [c.find(f"{Q}CodeRef") for c in selection.findall(f"{Q}Coding")]
        try:
            start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
        except ValueError:
            start = end = None
        yield selection, start, end, [r.get("targetGUID", "") for r in refs if r is not None]
    refs = [c.find(f"{Q}CodeRef") for c in source.findall(f"{Q}Coding")]
    if refs:
        yield None, None, None, [r.get("targetGUID", "") for r in refs if r is not None]


def read_qdpx(path: str | Path) -> Results:
    """Read a REFI-QDA project into in-memory :class:`Results` (``texts`` filled in).

    Projects written by casecode come back with the same segments table and codebook;
    projects from other tools get a codebook built from their code tree (themes for codes
    with children), ``origin`` ``imported``, the speaker of the turn where each selection
    starts (``Name:`` labels at line starts) and an empty rule column.

    Raises:
        QdpxError: the file is not a readable project (names the file and what is wrong).
    """
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise QdpxError(f"{where}: no such file", hint="check the path to the .qdpx project") from None
    archive = open_zip(raw, where, kind="REFI-QDA project (.qdpx)")  # zip-slip / zip-bomb checks
    if "project.qde" not in archive.namelist():
        raise QdpxError(f"{where}: no project.qde inside", hint="a .qdpx project is a zip with project.qde and sources/")
    root = normalise_guids(parse_xml(read_member(archive, "project.qde", where), where, "project.qde"))  # defusedxml: no DTDs or entities
    if root.tag != f"{Q}Project":
        raise QdpxError(f"{where}: project.qde's root is {root.tag!r}, not a REFI-QDA Project", hint=f"expected namespace {NS}")

    warnings: list[str] = []
    notes = root.findall(f"{Q}Notes/{Q}Note")
    if notes:
        warnings.append(f"{len(notes)} note(s) (memos) left out: imported codings have no memo column; the notes stay in {path.name}")
    project_name = root.get("name", "") or path.stem
    codes_element = root.find(f"{Q}CodeBook/{Q}Codes")
    nodes = _code_nodes(codes_element if codes_element is not None else ET.Element("Codes"))
    tree = _map_tree(nodes, project_name)
    embedded = _embedded_codebook(root, where)
    if embedded is not None:
        known = {c.id for c in embedded.codes()}
        marked = {node_id for node_id, _ in tree.code_of.values()}
        if marked <= known:
            tree.code_of = {g: (cid, embedded.theme_of(cid)) for g, (cid, _) in tree.code_of.items()}
        else:
            embedded = None
    if embedded is not None:
        book_text = (root.findtext(f"{Q}Description") or "")[len(CODEBOOK_MARK):]
        book = embedded
    else:
        book_text = yaml.safe_dump(tree.codebook, sort_keys=False, allow_unicode=True, width=100)
        book = parse_codebook(book_text, file=f"{where} (code tree)")

    variables = {v.get("guid", ""): v.get("name", "") for v in root.iter(f"{Q}Variable")}
    source_case: dict[str, str] = {}
    case_rows: list[dict[str, Any]] = []
    case_ids: set[str] = set()
    for element in root.findall(f"{Q}Cases/{Q}Case"):
        case_id = _document_id(element.get("name") or "case", case_ids).replace("/", "_")
        label = (element.findtext(f"{Q}Description") or "").strip() or element.get("name") or case_id
        row = {"case": case_id, "label": label, **_variable_values(element, variables)}
        refs = [r.get("targetGUID", "") for r in element.findall(f"{Q}SourceRef")]
        for ref in refs:
            source_case.setdefault(ref, case_id)
        row["documents"] = len(refs)
        case_rows.append(row)

    texts: dict[str, str] = {}
    doc_rows: list[dict[str, Any]] = []
    seg_rows: list[dict[str, Any]] = []
    doc_ids: set[str] = set()
    for tag in ("PictureSource", "PDFSource", "AudioSource", "VideoSource"):
        for element in root.findall(f"{Q}Sources/{Q}{tag}"):
            warnings.append(f"{tag} {element.get('name')!r} left out: only text sources are imported")
    for source in root.findall(f"{Q}Sources/{Q}TextSource"):
        raw_text = _source_text(archive, source, where, warnings)
        if raw_text is None:
            continue
        text, position = _line_ends(raw_text)
        doc = _document_id(source.get("name") or source.get("guid", "document"), doc_ids)
        if not text.strip():
            warnings.append(f"source {doc!r}: its plain text is empty (the other tool may keep the words only in {source.get('richTextPath') or 'a rich-text file'})")
        case = source_case.get(source.get("guid", ""))
        if case is None:
            case = doc.replace("/", "_")
            if case not in case_ids:
                case_ids.add(case)
                case_rows.append({"case": case, "label": case, "documents": 1})
        texts[doc] = text
        turns = detect_turns(text, SPEAKER_PATTERN)
        turn_starts = [t.label_start for t in turns]
        doc_rows.append({
            "document": doc, "case": case, "source": f"{path.name}:{source.get('plainTextPath') or source.get('guid')}", "format": "qdpx",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "characters": len(text), "words": len(text.split()),
            "turns": len(turns), **_variable_values(source, variables),
        })
        index = 0
        for selection, start, end, refs in _iter_selections(source):
            if selection is None:
                start, end = 0, len(raw_text)
            label = f"selection {selection.get('guid') if selection is not None else 'on the whole source'} in {doc!r}"
            if start is None or end is None or not (0 <= start <= end <= len(raw_text)):
                warnings.append(f"{label}: positions {start}-{end} are outside the text (0-{len(raw_text)}); left out")
                continue
            start, end = position(start), position(end)
            data = _row_data(selection.findtext(f"{Q}Description") or "") if selection is not None else None
            at = bisect.bisect_right(turn_starts, start) - 1
            speaker = (turns[at].speaker or "") if at >= 0 else ""
            for ref in refs:
                if ref not in tree.code_of:
                    warnings.append(f"{label}: codes an unknown code {ref}; left out")
                    continue
                code_id, theme = tree.code_of[ref]
                row = {
                    "document": doc, "case": case, "speaker": speaker, "unit": book.unit, "segment": index, "start": start, "end": end,
                    "theme": theme, "code": code_id, "rule": "", "rules": "", "matched": text[start:end], "match_start": start,
                    "match_end": end, "negated": False, "origin": "imported", "text": text[start:end],
                }
                if data is not None:
                    row.update({k: data[k] for k in ("speaker", "unit", "segment", "rule", "rules", "matched", "negated", "origin") if k in data})
                    row.update({k: position(int(data[k])) for k in ("match_start", "match_end") if isinstance(data.get(k), int)})
                seg_rows.append(row)
            index += 1

    segments = pd.DataFrame(seg_rows, columns=SEGMENT_COLUMNS)
    segments = segments.sort_values(["document", "start", "end", "code"], kind="stable").reset_index(drop=True)
    for column in ("segment", "start", "end", "match_start", "match_end"):
        segments[column] = segments[column].astype("int64")
    segments["negated"] = segments["negated"].astype(bool)
    units = segments.drop_duplicates(["document", "unit", "segment"])[["document", "unit", "segment", "start", "end", "speaker"]]
    units = units.rename(columns={"segment": "index"}).assign(turn=-1)[UNIT_COLUMNS]
    units = units.sort_values(["document", "unit", "index"], kind="stable").reset_index(drop=True)
    documents = pd.DataFrame(doc_rows).fillna("")
    if len(documents):
        documents = documents.sort_values("document", kind="stable").reset_index(drop=True)
    else:
        documents = pd.DataFrame(columns=list(FIXED_DOCUMENT_COLUMNS))
    cases = pd.DataFrame(case_rows).fillna("") if case_rows else pd.DataFrame(columns=list(FIXED_CASE_COLUMNS))
    if len(cases):
        counts = documents.groupby("case").size() if len(documents) else pd.Series(dtype=int)
        cases["documents"] = [int(counts.get(c, 0)) for c in cases["case"]]
        cases = cases[[c for c in FIXED_CASE_COLUMNS] + [c for c in cases.columns if c not in FIXED_CASE_COLUMNS]]
    text_bytes = book_text.encode("utf-8")
    loaded = LoadedCodebook(model=book, path="codebook.yaml", text=book_text, sha256=hashlib.sha256(text_bytes).hexdigest())
    from casecode.run import casecode_version

    manifest = {
        "casecode": casecode_version(),
        "imported": {
            "path": path.name, "sha256": hashlib.sha256(raw).hexdigest(), "project": project_name, "origin": root.get("origin", ""),
            "codebook": "embedded" if embedded is not None else "from the code tree", "warnings": warnings,
        },
        "codebook": {"path": "codebook.yaml", "name": book.name, "version": book.version, "sha256": loaded.sha256},
        "documents": [{"id": r["document"], "source": r["source"], "sha256": r["sha256"], "case": r["case"], "format": "qdpx", "characters": r["characters"]} for r in doc_rows],
        "counts": {"documents": len(doc_rows), "cases": len(cases), "codings": len(segments)},
    }
    return Results(folder=Path("."), segments=segments, units=units, documents=documents, cases=cases, codebook=loaded, manifest=manifest, texts=texts)


def import_qdpx(path: str | Path, out: str | Path, *, xlsx: bool = True) -> Results:
    """Read a ``.qdpx`` project and write it as a results folder in ``out``.

    Example:
        >>> results = import_qdpx("study.qdpx", "imported")  # doctest: +SKIP
        >>> results.manifest["imported"]["warnings"]  # doctest: +SKIP
    """
    from casecode.export.folder import write_results_folder

    results = read_qdpx(path)
    return write_results_folder(results, Path(out), codebook_bytes=results.codebook.text.encode("utf-8"), xlsx=xlsx, keep_manual=False)
