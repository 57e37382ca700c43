"""The rows and tables of a results folder, built the same way by every writer.

Both the in-memory :class:`~casecode.run.CodingRun` and the streaming
:class:`~casecode.export.stream.FolderWriter` use these, so a run gives the same bytes
however it was computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy
import pandas as pd

from casecode.model import Document


@dataclass(frozen=True)
class DocumentInfo:
    """What the documents/cases tables and the manifest need of a document (no text)."""

    id: str
    source: str
    case: str
    format: str
    sha256: str
    characters: int
    words: int
    turns: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    case_attributes: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, d: Document) -> "DocumentInfo":
        return cls(d.id, d.source, d.case, d.format, d.sha256, len(d.text), word_count(d.text), len(d.turns), d.attributes, d.case_attributes)


#: the ASCII characters ``str.split()`` splits at
_ASCII_SPACE = numpy.array([chr(i).isspace() for i in range(128)] + [False] * 128)


def word_count(text: str) -> int:
    """``len(text.split())`` without making a string per word (ASCII text, the common case)."""
    if len(text) < 64 or not text.isascii():
        return len(text.split())
    space = _ASCII_SPACE[numpy.frombuffer(text.encode("ascii"), dtype=numpy.uint8)]
    return int(numpy.count_nonzero(space[:-1] & ~space[1:])) + (not space[0])


def _cell(value: Any) -> Any:
    return "" if value is None else value


def documents_frame(infos: Sequence[DocumentInfo]) -> pd.DataFrame:
    attributes = sorted({k for d in infos for k in d.attributes})
    rows = []
    for d in infos:
        row = {
            "document": d.id, "case": d.case, "source": d.source, "format": d.format, "sha256": d.sha256,
            "characters": d.characters, "words": d.words, "turns": d.turns,
        }
        row.update({k: _cell(d.attributes.get(k)) for k in attributes})
        rows.append(row)
    return pd.DataFrame(rows).sort_values("document", kind="stable").reset_index(drop=True)


def cases_frame(infos: Sequence[DocumentInfo], case_labels: Mapping[str, str]) -> pd.DataFrame:
    order = list(case_labels) + sorted({d.case for d in infos} - set(case_labels))
    attributes = sorted({k for d in infos for k in d.case_attributes})
    first: dict[str, DocumentInfo] = {}
    counts: dict[str, int] = {}
    for d in infos:
        first.setdefault(d.case, d)
        counts[d.case] = counts.get(d.case, 0) + 1
    rows = []
    for case in order:
        if case not in first:
            continue
        row = {"case": case, "label": case_labels.get(case, case), "documents": counts[case]}
        row.update({k: _cell(first[case].case_attributes.get(k)) for k in attributes})
        rows.append(row)
    return pd.DataFrame(rows)


def manifest(
    infos: Sequence[DocumentInfo],
    *,
    codebook: Mapping[str, Any],
    pipeline: Mapping[str, Any],
    versions: Mapping[str, str],
    cases_manifest: str | None,
    ignored: Iterable[tuple[str, str]],
    failed: Sequence[tuple[str, str]] = (),
    options: Mapping[str, Any],
    codings: int,
) -> dict[str, Any]:
    return {
        **versions,
        "pipeline": dict(pipeline),
        "codebook": dict(codebook),
        "cases_manifest": cases_manifest,
        "documents": [
            {"id": d.id, "source": d.source, "sha256": d.sha256, "case": d.case, "format": d.format, "characters": d.characters}
            for d in sorted(infos, key=lambda d: d.id)
        ],
        "ignored": [{"path": p, "reason": r} for p, r in ignored],
        "failed": [{"path": p, "error": e} for p, e in failed],
        "options": dict(options),
        "counts": {"documents": len(infos), "cases": len({d.case for d in infos}), "codings": codings, "failed": len(failed)},
    }
