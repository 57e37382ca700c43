"""A small reader of coded text selections from a REFI-QDA project (``.qdpx`` or ``project.qde``).

Only what agreement needs: users, codes, text sources and each
``TextSource/PlainTextSelection/Coding/CodeRef``. Offsets are REFI-QDA code points
(``startPosition`` inclusive, ``endPosition`` exclusive) into the source's plain text,
which must be the same text casecode coded for the offsets to line up.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from casecode.exchange.qdc import normalise_guids
from casecode.intercoder.spans import CodedSpan, CodingSourceError, Source
from casecode.load.normalise import normalise_text
from casecode.load.safezip import check_zip, read_member

NS = "{urn:QDA-XML:project:1.0}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _project_xml(path: Path) -> bytes:
    if path.suffix.lower() == ".qde":
        return path.read_bytes()
    try:
        with check_zip(zipfile.ZipFile(path), path) as archive:  # zip-slip, zip bombs
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1].lower() == "project.qde"]
            if not names:
                raise CodingSourceError(f"{path}: no project.qde inside", hint="export the project again as REFI-QDA (.qdpx)")
            return read_member(archive, sorted(names, key=len)[0], path)
    except zipfile.BadZipFile:
        raise CodingSourceError(f"{path}: not a zip archive", hint="a .qdpx file is a zip holding project.qde; export it again") from None


def _source_texts(path: Path, paths: dict[str, str]) -> dict[str, str]:
    """The plain texts stored in the archive (``internal://NAME`` → ``sources/NAME``)."""
    if path.suffix.lower() != ".qdpx" or not paths:
        return {}
    texts = {}
    with check_zip(zipfile.ZipFile(path), path) as archive:
        members = set(archive.namelist())
        for name, target in paths.items():
            if not target.startswith("internal://"):
                continue
            member = "sources/" + target[len("internal://") :]
            if member in members:
                try:
                    texts[name] = normalise_text(read_member(archive, member, path).decode("utf-8"))
                except UnicodeDecodeError:
                    continue
    return texts


def _parse(path: Path) -> Any:
    try:
        return normalise_guids(ElementTree.fromstring(_project_xml(path)))
    except DefusedXmlException as exc:
        raise CodingSourceError(f"{path}: unsafe XML refused ({type(exc).__name__})", hint="export the project again") from None
    except ElementTree.ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        raise CodingSourceError(f"{path}: project.qde{':' + str(line) if line else ''}: invalid XML", hint="export the project again") from None


def read_qdpx_spans(path: str | Path) -> list[Source]:
    """One :class:`Source` per coding user; documents are the project's text sources.

    Codes are given by name (matched to codebook ids or labels later); a text source's
    name is its document name.
    """
    path = Path(path)
    root = _parse(path)
    users = {}
    for user in root.iter(f"{NS}User"):
        users[user.get("guid", "")] = user.get("name") or user.get("id") or user.get("guid", "")
    codes = {code.get("guid", ""): code.get("name", "") for code in root.iter(f"{NS}Code")}
    documents: set[str] = set()
    text_paths: dict[str, str] = {}
    by_coder: dict[str, list[CodedSpan]] = {}
    for source in root.iter(f"{NS}TextSource"):
        name = source.get("name") or source.get("guid", "")
        documents.add(name)
        if source.get("plainTextPath"):
            text_paths[name] = source.get("plainTextPath", "")
        for selection in source.iter(f"{NS}PlainTextSelection"):
            try:
                start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
            except ValueError:
                raise CodingSourceError(
                    f"{path}: selection {selection.get('guid', '?')} in source {source.get('guid', '?')}: positions are not whole numbers",
                    hint="export the project again",
                ) from None
            for coding in selection.iter(f"{NS}Coding"):
                user_guid = coding.get("creatingUser") or selection.get("creatingUser") or ""
                coder = users.get(user_guid) or user_guid or "unknown"
                for ref in coding.iter(f"{NS}CodeRef"):
                    target = ref.get("targetGUID", "")
                    code = codes.get(target) or target
                    if end > start >= 0:
                        by_coder.setdefault(coder, []).append(CodedSpan(name, start, end, code, coder))
    frozen = frozenset(documents)
    texts = _source_texts(path, text_paths)
    if not by_coder:
        return [Source(path.stem, str(path), (), frozen, texts=texts)]
    return [Source(coder, str(path), tuple(spans), frozen, texts=texts) for coder, spans in sorted(by_coder.items())]
