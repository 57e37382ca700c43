"""Case assignment: front matter, a cases manifest (cases.yaml / cases.csv), or folders.

A manifest maps documents (by id or glob) to a case and gives case attributes:

.. code-block:: yaml

    cases:
      - id: housing_mergers_england
        label: Housing association mergers (England)
        documents: ["housing_mergers/*"]
        attributes: {policy_field: housing, partnership_form: merger}
    documents:
      connected_care/commissioner_interview: {role: commissioner}
"""

from __future__ import annotations

import csv
import fnmatch
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from casecode.codebook.yamlmarks import load_with_lines
from casecode.errors import ManifestError

MANIFEST_NAMES = ("cases.yaml", "cases.yml", "cases.csv")
Scalar = str | int | float | bool


@dataclass
class CaseEntry:
    id: str
    label: str
    documents: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class CasesManifest:
    """Cases, the globs that pick their documents, and per-document attributes."""

    path: Path
    cases: list[CaseEntry]
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def case_for(self, names: list[str]) -> list[str]:
        """Ids of the cases whose globs match any of the document's names."""
        found = []
        for case in self.cases:
            if any(fnmatch.fnmatchcase(name, glob) for glob in case.documents for name in names):
                found.append(case.id)
        return found

    def attributes_for(self, names: list[str]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key, attrs in self.documents.items():
            if any(fnmatch.fnmatchcase(name, key) for name in names):
                merged.update(attrs)
        return merged

    def case(self, case_id: str) -> CaseEntry | None:
        return next((c for c in self.cases if c.id == case_id), None)


def _scalar_map(value: Any, where: str, path: Path) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ManifestError(f"{path} ({where}): must be a mapping of attribute: value", hint="e.g. policy_field: housing")
    out = {}
    for key, item in value.items():
        if isinstance(item, (dict, list)):
            raise ManifestError(f"{path} ({where} > {key}): attribute values must be single values, not lists or mappings", hint="use one value per attribute")
        out[str(key)] = item
    return out


def read_manifest(path: Path) -> CasesManifest:
    """Read cases.yaml or cases.csv. Raises ManifestError naming the key or row."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the cases manifest ({exc.strerror})", hint="check the --cases path") from None
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: byte offset {exc.start}: not valid UTF-8", hint="save the manifest as UTF-8") from None
    if path.suffix.lower() == ".csv":
        return _read_manifest_csv(path, raw)
    data, _lines, problems = load_with_lines(raw, str(path))
    if problems:
        problem = problems[0]
        where = f"{path}:{problem.line}" if problem.line else str(path)
        raise ManifestError(f"{where}: {problem.message}", hint=problem.hint or "check indentation and quoting")
    data = data or {}
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the manifest must be a mapping with a 'cases' list", hint="see the README's 'Cases' section")
    unknown = set(data) - {"cases", "documents"}
    if unknown:
        raise ManifestError(f"{path} ({sorted(unknown)[0]}): unknown key", hint="the manifest has only 'cases' and 'documents'")
    cases: list[CaseEntry] = []
    for index, item in enumerate(data.get("cases") or []):
        where = f"cases[{index}]"
        if not isinstance(item, dict) or "id" not in item:
            raise ManifestError(f"{path} ({where}): each case needs an 'id'", hint="e.g. - id: housing_mergers_england")
        extra = set(item) - {"id", "label", "documents", "attributes"}
        if extra:
            raise ManifestError(f"{path} ({where} > {sorted(extra)[0]}): unknown key", hint="a case has id, label, documents, attributes")
        docs = item.get("documents") or []
        if isinstance(docs, str):
            docs = [docs]
        case_id = str(item["id"])
        if any(c.id == case_id for c in cases):
            raise ManifestError(f"{path} ({where}): case id {case_id!r} appears twice", hint="give each case one entry")
        cases.append(CaseEntry(case_id, str(item.get("label") or case_id), [str(d) for d in docs], _scalar_map(item.get("attributes"), f"{where} > attributes", path)))
    documents = {}
    for key, attrs in (data.get("documents") or {}).items():
        documents[str(key)] = _scalar_map(attrs, f"documents > {key}", path)
    return CasesManifest(path=path, cases=cases, documents=documents)


def _read_manifest_csv(path: Path, raw: str) -> CasesManifest:
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    if not rows or "document" not in rows[0] or "case" not in rows[0]:
        raise ManifestError(f"{path}: needs the columns 'document' and 'case'", hint="then one column per case attribute")
    cases: dict[str, CaseEntry] = {}
    for number, row in enumerate(rows, start=2):
        case_id = (row.get("case") or "").strip()
        if not case_id:
            raise ManifestError(f"{path}:{number}: empty 'case'", hint="give every row a case id")
        entry = cases.setdefault(case_id, CaseEntry(case_id, (row.get("label") or case_id).strip()))
        entry.documents.append((row.get("document") or "").strip())
        for key, value in row.items():
            if key in ("document", "case", "label") or key is None or value in (None, ""):
                continue
            if key in entry.attributes and entry.attributes[key] != value:
                raise ManifestError(f"{path}:{number} ({key}): case {case_id!r} has {entry.attributes[key]!r} on an earlier row", hint="give a case the same attributes on every row")
            entry.attributes[key] = value
    return CasesManifest(path=path, cases=list(cases.values()))


def find_manifest(directory: Path) -> Path | None:
    for name in MANIFEST_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None
