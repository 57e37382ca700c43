"""Check a codebook like code: validation, lint, and its examples run as tests.

``check_codebook`` validates the file (every problem at once), then looks for things that
are valid but almost certainly wrong (clashing ids, codes with no rules, rules that can
never fire, phrases claimed by two codes, regexes that match the empty string), then runs
every code's ``examples`` and ``counter_examples`` through the real matching engine: an
example must be coded with its code, a counter-example must not be.

Examples are coded as one-turn documents without a speaker, so the codebook's speaker
filters do not apply to them; everything else (units, negation, vetoes, combinations)
applies exactly as in ``casecode code``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

from casecode.codebook.load import LoadedCodebook, load_codebook
from casecode.codebook.schema import Code, Codebook, Theme
from casecode.codebook.yamlmarks import line_for, load_with_lines
from casecode.errors import CasecodeError, CodebookError, Problem

Severity = Literal["error", "warning"]
ExampleKind = Literal["example", "counter_example"]


@dataclass(frozen=True)
class Finding:
    """One lint or validation finding."""

    severity: Severity
    check: str
    problem: Problem

    def __str__(self) -> str:
        return f"{self.severity}: {self.problem}"

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "check": self.check, **asdict(self.problem)}


@dataclass(frozen=True)
class ExampleResult:
    """One example or counter-example run through the engine."""

    code: str
    kind: ExampleKind
    index: int
    text: str
    coded: bool
    rules: str
    line: int | None

    @property
    def passed(self) -> bool:
        return self.coded if self.kind == "example" else not self.coded

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


@dataclass(frozen=True)
class CodeSummary:
    """Pass/fail of one code's examples and counter-examples."""

    code: str
    examples_passed: int
    examples: int
    counter_passed: int
    counter_examples: int

    @property
    def passed(self) -> bool:
        return self.examples_passed == self.examples and self.counter_passed == self.counter_examples

    @property
    def status(self) -> str:
        if not self.examples and not self.counter_examples:
            return "no examples"
        return "pass" if self.passed else "FAIL"


@dataclass
class CheckReport:
    """Everything ``check_codebook`` found about one codebook file."""

    path: str
    name: str | None = None
    version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    examples: list[ExampleResult] = field(default_factory=list)
    code_ids: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def failed_examples(self) -> list[ExampleResult]:
        return [e for e in self.examples if not e.passed]

    def ok(self, *, strict: bool = False) -> bool:
        """True when there are no errors and every example passes (and no warnings if strict)."""
        return not self.errors and not self.failed_examples and not (strict and self.warnings)

    def summaries(self) -> list[CodeSummary]:
        """One row per code, in codebook order."""
        rows = []
        for code_id in self.code_ids:
            mine = [e for e in self.examples if e.code == code_id]
            ex = [e for e in mine if e.kind == "example"]
            counter = [e for e in mine if e.kind == "counter_example"]
            rows.append(CodeSummary(code_id, sum(e.passed for e in ex), len(ex), sum(e.passed for e in counter), len(counter)))
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "version": self.version,
            "ok": self.ok(),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "examples_total": len(self.examples),
            "examples_failed": len(self.failed_examples),
            "findings": [f.as_dict() for f in self.findings],
            "codes": [
                {**asdict(s), "passed": s.passed, "status": s.status} for s in self.summaries()
            ],
            "examples": [e.as_dict() for e in self.examples],
        }


# --------------------------------------------------------------------------- walking


def _longest_match(pattern: str) -> int | None:
    """The most characters ``pattern`` can match (None if unknown): 0 for ``\\b`` or ``(?=x)``."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # the stdlib's own regex parser
    except ImportError:  # pragma: no cover - older Pythons name it sre_parse
        return None
    try:
        return int(_parser.parse(pattern).getwidth()[1])
    except Exception:  # noqa: BLE001 - a pattern the parser cannot size: no verdict
        return None

def _walk_locs(book: Codebook) -> Iterator[tuple[tuple[Any, ...], Theme | None, Code | None]]:
    """Every theme and code with its key path in the YAML (theme rows have code None)."""

    def visit(theme: Theme, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Theme | None, Code | None]]:
        yield loc, theme, None
        for ci, code in enumerate(theme.codes):
            yield loc + ("codes", ci), theme, code
        for ti, child in enumerate(theme.themes):
            yield from visit(child, loc + ("themes", ti))

    for index, theme in enumerate(book.themes):
        yield from visit(theme, ("themes", index))


def _where(book: Codebook, loc: tuple[Any, ...]) -> str:
    """Render a key path with ids, like validation messages do."""
    parts: list[str] = []
    node: Any = book
    for part in loc:
        if isinstance(part, int):
            node = node[part]
            if parts and parts[-1] in ("themes", "codes") and hasattr(node, "id"):
                parts.append(node.id)
            elif parts:
                parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
            node = getattr(node, part, None)
    return " > ".join(parts)


def _norm_id(value: str) -> str:
    return re.sub(r"[-_.]+", "_", value.lower())


def _norm_phrase(value: str) -> str:
    return " ".join(value.lower().split())


# --------------------------------------------------------------------------- lint


def lint_codebook(book: Codebook, *, file: str = "<codebook>", lines: dict | None = None) -> list[Finding]:
    """Things that are valid but almost certainly wrong, each with where and the fix."""
    lines = lines or {}
    findings: list[Finding] = []

    def add(severity: Severity, check: str, loc: tuple[Any, ...], message: str, hint: str | None) -> None:
        findings.append(Finding(severity, check, Problem(file, line_for(lines, loc), _where(book, loc), message, hint)))

    # Clashing ids: equal but for case and -_. separators (one of them is a typo, and
    # spreadsheets, file names and case-insensitive lookups would confuse them).
    seen: dict[tuple[str, str], str] = {}
    phrase_owner: dict[str, list[tuple[str, tuple[Any, ...]]]] = defaultdict(list)
    for loc, theme, code in _walk_locs(book):
        item = code or theme
        assert item is not None
        kind = "code" if code else "theme"
        key = (kind, _norm_id(item.id))
        other = seen.setdefault(key, item.id)
        if other != item.id:
            add("warning", "clashing_id", loc + ("id",), f"{kind} id '{item.id}' differs from {kind} id '{other}' only by case or separators", "use one spelling, or give the two clearly different ids")
        if code is None:
            continue
        if not code.rules:
            add("warning", "no_rules", loc, f"code '{code.id}' has no rules: it is never coded automatically", "add rules, or keep it for manual coding only")
            continue
        referenced = {ref for rule in code.rules for ref in rule.references()}
        firing = [r for r in code.rules if r.exclude is None and not r.helper]
        if not firing:
            add("error", "never_codes", loc + ("rules",), f"code '{code.id}' has only exclude or helper rules, so it can never be coded", "add a phrases, regex, pattern, near or combination rule without 'helper: true'")
        excluded = {(r.match_attr, _norm_phrase(p)) for r in code.rules for p in (r.exclude or [])}
        for ri, rule in enumerate(code.rules):
            rloc = loc + ("rules", ri)
            if rule.helper and rule.id not in referenced:
                add("warning", "dead_rule", rloc, f"rule '{rule.id}' is a helper that no combination names, so it never has an effect", "name it in an all/any/none rule, or drop 'helper: true'")
            if rule.all_ and rule.none_ and set(rule.all_) & set(rule.none_):
                both = ", ".join(sorted(set(rule.all_) & set(rule.none_)))
                add("error", "dead_rule", rloc, f"combination '{rule.id}' needs {both} in 'all' and forbids it in 'none', so it can never match", "remove it from one of the two lists")
            for phrase in rule.phrases or []:
                norm = _norm_phrase(phrase)
                if (rule.match_attr, norm) in excluded:
                    add("error", "dead_rule", rloc, f"phrase '{phrase}' of rule '{rule.id}' is also an exclude phrase of this code, so every match is vetoed", "remove it from one of the two rules")
                if not rule.helper:
                    phrase_owner[norm].append((code.id, rloc))
            if rule.regex is not None:
                try:
                    compiled = re.compile(rule.regex, 0 if rule.case_sensitive else re.IGNORECASE)
                except re.error:
                    continue  # reported by validation
                if compiled.search("") is not None:
                    add("error", "empty_regex", rloc + ("regex",), f"regex of rule '{rule.id}' matches the empty string", "make at least one part required, e.g. '\\bcuts?\\b' instead of '(cuts)?'")
                elif _longest_match(rule.regex) == 0:
                    add("error", "empty_regex", rloc + ("regex",), f"regex of rule '{rule.id}' only matches positions (a boundary or a lookahead), never a word, so it never codes anything", "match the words themselves, e.g. '\\btrust\\w*' instead of '(?=trust)'")
    # One warning per pair of rules that share phrases (helpers only serve combinations).
    shared: dict[tuple[tuple[Any, ...], str, tuple[Any, ...]], list[str]] = defaultdict(list)
    for phrase, owners in phrase_owner.items():
        first_code, first_loc = owners[0]
        for code_id, rloc in owners[1:]:
            if code_id != first_code:
                shared[(rloc, first_code, first_loc)].append(phrase)
    for (rloc, first_code, first_loc), phrases in shared.items():
        listed = ", ".join(f"'{p}'" for p in phrases)
        add("warning", "shared_phrase", rloc, f"phrase{'s' if len(phrases) > 1 else ''} {listed} also code{'' if len(phrases) > 1 else 's'} '{first_code}' ({_where(book, first_loc)})", "fine if both codes should apply; otherwise narrow one of the rules")
    return findings


# --------------------------------------------------------------------------- examples


def run_examples(book: LoadedCodebook, *, model: str | None = None) -> list[ExampleResult]:
    """Code every example and counter-example with the real engine; one result each."""
    from casecode.codebook.compile import compile_codebook, uses_lemmas
    from casecode.coding.engine import Engine
    from casecode.model import Document, Turn
    from casecode.nlp import BLANK, build_pipeline, pipeline_info

    data, lines, _ = load_with_lines(book.text.replace("\r\n", "\n"), book.path)
    jobs: list[tuple[str, ExampleKind, int, str, int | None]] = []
    for loc, _theme, code in _walk_locs(book.model):
        if code is None:
            continue
        for kind, texts in (("example", code.examples), ("counter_example", code.counter_examples)):
            key = "examples" if kind == "example" else "counter_examples"
            for index, text in enumerate(texts):
                jobs.append((code.id, kind, index, text, line_for(lines, loc + (key, index))))  # type: ignore[arg-type]
    if not jobs:
        return []
    nlp = build_pipeline(model, lemmas=model is not None or uses_lemmas(book))
    info = pipeline_info(nlp, model)
    compiled = compile_codebook(book, nlp, pipeline_name=info.name if model else BLANK)
    for spec in compiled.specs.values():  # examples have no speaker: filters do not apply
        spec.speakers_include = ()
        spec.speakers_exclude = ()
    documents = [
        Document(id=f"example-{n}", source="<examples>", text=text, case="examples", format="txt", sha256="", turns=(Turn(None, 0, len(text), 0),))
        for n, (_c, _k, _i, text, _l) in enumerate(jobs)
    ]
    results = []
    for (code_id, kind, index, text, line), coded in zip(jobs, Engine(compiled).code(documents)):
        rules = sorted({c.rules for c in coded.codings if c.code == code_id})
        results.append(ExampleResult(code_id, kind, index, text, bool(rules), ";".join(rules), line))
    return results


_PROBLEM = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))? \((?P<path>[^)]*)\): (?P<message>.*?)(?: — (?P<hint>.*))?$")


def _as_problem(text: str, file: str) -> Problem:
    """A Problem back from its one-line form (errors raised elsewhere carry only text)."""
    match = _PROBLEM.match(text)
    if not match:
        return Problem(file, None, "", text.removeprefix(f"{file}: "))
    line = match.group("line")
    return Problem(match.group("file"), int(line) if line else None, match.group("path"), match.group("message"), match.group("hint"))


def check_codebook(path: str | Path, *, model: str | None = None, examples: bool = True) -> CheckReport:
    """Validate, lint and test a codebook file; never raises for codebook problems.

    Args:
        path: the YAML codebook.
        model: an installed spaCy pipeline to run the examples with (default: blank English).
        examples: run the examples and counter-examples (default True).

    Returns:
        A :class:`CheckReport`; ``report.ok()`` is what a CI job should test.

    Example:
        >>> report = check_codebook("codebooks/partnership.yaml")  # doctest: +SKIP
        >>> report.ok(), [e.code for e in report.failed_examples]  # doctest: +SKIP
    """
    report = CheckReport(path=str(path))
    try:
        book = load_codebook(path)
    except CodebookError as exc:
        report.findings = [Finding("error", "validation", p) for p in exc.problems]
        return report
    report.name, report.version = book.name, book.version
    report.code_ids = [c.id for c in book.model.codes()]
    _data, lines, _ = load_with_lines(book.text.replace("\r\n", "\n"), book.path)
    report.findings = lint_codebook(book.model, file=book.path, lines=lines)
    if examples:
        try:
            report.examples = run_examples(book, model=model)
        except CasecodeError as exc:  # e.g. a rule needs a parser the pipeline lacks
            for text in str(exc).splitlines():
                report.findings.append(Finding("error", "pipeline", _as_problem(text, book.path)))
        for result in report.failed_examples:
            quote = result.text if len(result.text) <= 60 else result.text[:57] + "..."
            what = f'example "{quote}" is not coded' if result.kind == "example" else f'counter-example "{quote}" is coded'
            by = f" (by {result.rules})" if result.rules else ""
            report.findings.append(
                Finding("error", "example", Problem(book.path, result.line, f"{result.code} > {result.kind}s[{result.index}]", f"{what}{by}", "fix the rules or the example"))
            )
    report.findings.sort(key=lambda f: (f.problem.line or 0, f.check))
    return report


__all__ = ["CheckReport", "CodeSummary", "ExampleResult", "Finding", "check_codebook", "lint_codebook", "run_examples"]
