"""Compare two versions of a codebook, for review like a code change.

Codes are matched by id: a code whose id is in both is *changed* when its label, theme,
rules, definition, guidance, examples or settings differ; "renamed" means a new label or
a move to another theme under the same id. With a corpus, the changed codes are also run
on real transcripts with both versions to show how many segments gain or lose each code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from casecode.codebook.load import LoadedCodebook, load_codebook
from casecode.codebook.schema import Code, Codebook, Rule

TEXT_FIELDS = ("definition", "when_to_use", "when_not_to_use")
LIST_FIELDS = ("examples", "counter_examples")
SETTING_FIELDS = ("color", "unit", "negated", "speakers")
BOOK_FIELDS = ("name", "version", "authors", "language", "description", "unit", "negated", "speakers")


@dataclass(frozen=True)
class CodeRef:
    """A code as listed in a diff: id, label and theme path."""

    id: str
    label: str
    theme: str


@dataclass(frozen=True)
class Change:
    """One difference in one code (or in the codebook's settings when ``code`` is '')."""

    code: str
    kind: str  # label, theme, rule_added, rule_removed, rule_changed, definition, ..., setting
    detail: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class CorpusEffect:
    """How many segments carry a code with the old and the new codebook."""

    code: str
    before: int
    after: int
    gained: int
    lost: int


@dataclass
class CodebookDiff:
    """The differences between two codebooks (see :func:`diff_codebooks`)."""

    old_name: str
    old_version: str
    new_name: str
    new_version: str
    added: list[CodeRef] = field(default_factory=list)
    removed: list[CodeRef] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    themes_added: list[CodeRef] = field(default_factory=list)
    themes_removed: list[CodeRef] = field(default_factory=list)
    corpus: list[CorpusEffect] | None = None
    corpus_documents: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changes or self.themes_added or self.themes_removed)

    def changed_codes(self) -> list[str]:
        """Ids of codes in both versions that differ, in the order first seen."""
        return list(dict.fromkeys(c.code for c in self.changes if c.code))

    def renamed(self) -> list[Change]:
        return [c for c in self.changes if c.kind in ("label", "theme")]

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.removed)} removed", f"{len(self.changed_codes())} changed"]
        if self.renamed():
            parts.append(f"{len({c.code for c in self.renamed()})} renamed or moved")
        return ", ".join(parts) + " code(s)"

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "old": {"name": self.old_name, "version": self.old_version},
            "new": {"name": self.new_name, "version": self.new_version},
            "added": [asdict(c) for c in self.added],
            "removed": [asdict(c) for c in self.removed],
            "themes_added": [asdict(c) for c in self.themes_added],
            "themes_removed": [asdict(c) for c in self.themes_removed],
            "changes": [asdict(c) for c in self.changes],
            "corpus": None if self.corpus is None else [asdict(c) for c in self.corpus],
        }

    def to_markdown(self) -> str:
        """The diff as Markdown for a pull request description."""
        return "\n".join(_lines(self, markdown=True)) + "\n"

    def to_text(self) -> str:
        """The diff as plain text for the terminal."""
        return "\n".join(_lines(self, markdown=False)) + "\n"


def _refs(book: Codebook) -> dict[str, CodeRef]:
    return {code.id: CodeRef(code.id, code.label, "/".join(trail)) for trail, code in book.walk()}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(str(text).split())
    return text if len(text) <= 70 else text[:67] + "..."


def _rule_dict(rule: Rule) -> dict[str, Any]:
    data = rule.model_dump(by_alias=True, exclude_none=True)
    return {k: v for k, v in data.items() if not (k in ("note",) and v == "") and not (k in ("helper", "case_sensitive") and v is False)}


def _rule_change(old: Rule, new: Rule) -> str:
    a, b = _rule_dict(old), _rule_dict(new)
    parts = []
    for key in dict.fromkeys([*a, *b]):
        if key == "id" or a.get(key) == b.get(key):
            continue
        va, vb = a.get(key), b.get(key)
        if isinstance(va, list) and isinstance(vb, list) and all(isinstance(x, str) for x in va + vb):
            plus = [x for x in vb if x not in va]
            minus = [x for x in va if x not in vb]
            bits = [f'+"{x}"' for x in plus] + [f'-"{x}"' for x in minus]
            parts.append(f"{key}: " + (" ".join(bits) if bits else "reordered"))
        elif va is None:
            parts.append(f"{key}: added {_short(vb)}")
        elif vb is None:
            parts.append(f"{key}: removed")
        else:
            parts.append(f"{key}: {_short(va)} -> {_short(vb)}")
    return "; ".join(parts)


def _code_changes(old: Code, new: Code, old_ref: CodeRef, new_ref: CodeRef) -> list[Change]:
    out: list[Change] = []
    cid = new.id
    if old.label != new.label:
        out.append(Change(cid, "label", f'renamed "{old.label}" -> "{new.label}"', old.label, new.label))
    if old_ref.theme != new_ref.theme:
        out.append(Change(cid, "theme", f"moved {old_ref.theme} -> {new_ref.theme}", old_ref.theme, new_ref.theme))
    old_rules, new_rules = {r.id: r for r in old.rules}, {r.id: r for r in new.rules}
    for rid, rule in new_rules.items():
        if rid not in old_rules:
            out.append(Change(cid, "rule_added", f"rule {rid} added ({rule.kind})", None, _rule_dict(rule)))
        elif old_rules[rid] != rule:
            out.append(Change(cid, "rule_changed", f"rule {rid} changed: {_rule_change(old_rules[rid], rule)}", _rule_dict(old_rules[rid]), _rule_dict(rule)))
    for rid, rule in old_rules.items():
        if rid not in new_rules:
            out.append(Change(cid, "rule_removed", f"rule {rid} removed ({rule.kind})", _rule_dict(rule), None))
    if [r.id for r in old.rules if r.id in new_rules] != [r.id for r in new.rules if r.id in old_rules]:
        out.append(Change(cid, "rule_order", "rules reordered (the first firing rule names the coding)", [r.id for r in old.rules], [r.id for r in new.rules]))
    for key in TEXT_FIELDS:
        a, b = getattr(old, key), getattr(new, key)
        if " ".join(a.split()) != " ".join(b.split()):
            out.append(Change(cid, key, f"{key.replace('_', ' ')} changed", a, b))
    for key in LIST_FIELDS:
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            plus = [x for x in b if x not in a]
            minus = [x for x in a if x not in b]
            bits = [f'+"{_short(x)}"' for x in plus] + [f'-"{_short(x)}"' for x in minus]
            out.append(Change(cid, key, f"{key.replace('_', '-')}: " + (" ".join(bits) or "reordered"), a, b))
    for key in SETTING_FIELDS:
        a, b = getattr(old, key), getattr(new, key)
        if a != b:
            a = a.model_dump() if hasattr(a, "model_dump") else a
            b = b.model_dump() if hasattr(b, "model_dump") else b
            out.append(Change(cid, "setting", f"{key}: {_short(a)} -> {_short(b)}", a, b))
    return out


def diff_codebooks(old: LoadedCodebook | Codebook, new: LoadedCodebook | Codebook) -> CodebookDiff:
    """Codes added, removed, renamed or moved, and rule, definition and setting changes.

    Example:
        >>> d = diff_codebooks(load_codebook("old.yaml"), load_codebook("new.yaml"))  # doctest: +SKIP
        >>> print(d.to_markdown())  # doctest: +SKIP
    """
    a = old.model if isinstance(old, LoadedCodebook) else old
    b = new.model if isinstance(new, LoadedCodebook) else new
    result = CodebookDiff(a.name, a.version, b.name, b.version)
    for key in BOOK_FIELDS:
        va, vb = getattr(a, key), getattr(b, key)
        if va != vb:
            va = va.model_dump() if hasattr(va, "model_dump") else va
            vb = vb.model_dump() if hasattr(vb, "model_dump") else vb
            result.changes.append(Change("", "codebook", f"{key}: {_short(va)} -> {_short(vb)}", va, vb))
    ra, rb = _refs(a), _refs(b)
    result.added = [ref for cid, ref in rb.items() if cid not in ra]
    result.removed = [ref for cid, ref in ra.items() if cid not in rb]
    for cid, ref in rb.items():
        if cid in ra:
            old_code, new_code = a.code(cid), b.code(cid)
            assert old_code is not None and new_code is not None
            result.changes.extend(_code_changes(old_code, new_code, ra[cid], ref))
    ta = {t.id: CodeRef(t.id, t.label, "/".join(trail)) for trail, t in a.themes_flat()}
    tb = {t.id: CodeRef(t.id, t.label, "/".join(trail)) for trail, t in b.themes_flat()}
    result.themes_added = [ref for tid, ref in tb.items() if tid not in ta]
    result.themes_removed = [ref for tid, ref in ta.items() if tid not in tb]
    for tid, ref in tb.items():
        if tid in ta and ta[tid].label != ref.label:
            result.changes.append(Change("", "theme_label", f'theme {tid} renamed "{ta[tid].label}" -> "{ref.label}"', ta[tid].label, ref.label))
    return result


def corpus_effect(
    diff: CodebookDiff,
    old: LoadedCodebook,
    new: LoadedCodebook,
    corpus: Sequence[str | Path],
    *,
    model: str | None = None,
) -> CodebookDiff:
    """Code ``corpus`` with both versions; record, for added, removed and changed codes,
    how many segments carry the code before and after, and how many gain or lose it."""
    from casecode.load import load_corpus
    from casecode.run import code_documents

    loaded = load_corpus(corpus)
    codes = [r.id for r in diff.removed] + diff.changed_codes() + [r.id for r in diff.added]
    spans: dict[str, list[set[tuple[str, int, int]]]] = {c: [set(), set()] for c in codes}
    for side, book in enumerate((old, new)):
        codings, _units, _info = code_documents(loaded.documents, book, model=model)
        for coding in codings:
            if coding.code in spans:
                spans[coding.code][side].add((coding.document, coding.start, coding.end))
    diff.corpus = [CorpusEffect(c, len(b), len(a), len(a - b), len(b - a)) for c, (b, a) in spans.items()]
    diff.corpus_documents = len(loaded.documents)
    return diff


def diff_files(old: str | Path, new: str | Path, *, corpus: Sequence[str | Path] | None = None, model: str | None = None) -> CodebookDiff:
    """Load two codebook files and diff them (optionally measuring the effect on a corpus)."""
    a, b = load_codebook(old), load_codebook(new)
    result = diff_codebooks(a, b)
    if corpus:
        corpus_effect(result, a, b, corpus, model=model)
    return result


def _lines(d: CodebookDiff, *, markdown: bool) -> list[str]:
    code = (lambda s: f"`{s}`") if markdown else (lambda s: s)
    h2, h3 = ("## ", "### ") if markdown else ("", "")
    out = [f"{h2}Codebook changes: {d.old_name} {d.old_version} -> {d.new_name} {d.new_version}", ""]
    if d.empty:
        return out + ["No differences."]
    out += [d.summary(), ""]
    book = [c for c in d.changes if not c.code]
    if book:
        out += [f"{h3}Codebook", ""] + [f"- {c.detail}" for c in book] + [""]
    for title, refs in (("Added codes", d.added), ("Removed codes", d.removed), ("Added themes", d.themes_added), ("Removed themes", d.themes_removed)):
        if refs:
            out += [f"{h3}{title}", ""] + [f'- {code(r.id)} "{r.label}" in {r.theme or "(top level)"}' for r in refs] + [""]
    changed = d.changed_codes()
    if changed:
        out += [f"{h3}Changed codes", ""]
        for cid in changed:
            out.append(f"- {code(cid)}")
            for c in d.changes:
                if c.code != cid:
                    continue
                out.append(f"  - {c.detail}")
                if c.kind in TEXT_FIELDS:
                    old_text, new_text = " ".join(str(c.old).split()), " ".join(str(c.new).split())
                    out.append(f"    - old: {old_text or '(empty)'}")
                    out.append(f"    - new: {new_text or '(empty)'}")
        out.append("")
    if d.corpus is not None:
        out += [f"{h3}Effect on the corpus ({d.corpus_documents} documents)", ""]
        if markdown:
            out += ["| code | segments before | after | gained | lost |", "| --- | ---: | ---: | ---: | ---: |"]
            out += [f"| {code(e.code)} | {e.before} | {e.after} | +{e.gained} | -{e.lost} |" for e in d.corpus]
        else:
            width = max([len(e.code) for e in d.corpus] + [4])
            out.append(f"{'code':<{width}}  before   after  gained    lost")
            out += [f"{e.code:<{width}}  {e.before:>6}  {e.after:>6}  {'+' + str(e.gained):>6}  {'-' + str(e.lost):>6}" for e in d.corpus]
        out.append("")
    while out and out[-1] == "":
        out.pop()
    return out


__all__ = ["Change", "CodeRef", "CodebookDiff", "CorpusEffect", "corpus_effect", "diff_codebooks", "diff_files"]
