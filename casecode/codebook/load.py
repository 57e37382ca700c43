"""Load and validate a codebook, reporting every problem at once.

Each problem reads ``FILE:LINE (key path): what is wrong — hint``, with did-you-mean
suggestions for misspelt keys and token attributes.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from casecode.codebook.schema import Code, Codebook, Rule
from casecode.codebook.yamlmarks import line_for, load_with_lines
from casecode.errors import CodebookError, Problem

TOKEN_ATTRS = (
    "ORTH", "TEXT", "LOWER", "NORM", "LEMMA", "POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB", "ENT_ID",
    "ENT_KB_ID", "SHAPE", "PREFIX", "SUFFIX", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER",
    "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_STOP", "IS_SENT_START", "SENT_START", "SPACY",
    "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "OP", "_",
)
DEP_KEYS = ("RIGHT_ID", "RIGHT_ATTRS", "LEFT_ID", "REL_OP")


@dataclass(frozen=True)
class LoadedCodebook:
    """A validated codebook with where it came from (for manifests and error messages)."""

    model: Codebook
    path: str
    text: str
    sha256: str

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def version(self) -> str:
        return self.model.version


def _suggest(word: str, choices: typing.Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(word.upper(), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _model_fields(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _submodel(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, str) and annotation == "Theme":
        from casecode.codebook.schema import Theme

        return Theme
    for arg in typing.get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    if isinstance(annotation, typing.ForwardRef) or (isinstance(annotation, types.GenericAlias) and False):
        return None
    return None


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema model that owns the mapping at ``loc`` (for did-you-mean)."""
    model: type[BaseModel] | None = Codebook
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        fields = {f.alias or n: f for n, f in model.model_fields.items()}
        if part not in fields:
            return None
        model = _submodel(fields[part].annotation)
    return model


def render_path(loc: tuple[Any, ...], data: Any) -> str:
    """Render a key path with ids: ``themes > trust > codes > trust_between_partners > rules[1]``."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            item_id = node[part].get("id") if isinstance(node, list) and part < len(node) and isinstance(node[part], dict) else None
            if parts and parts[-1] in ("themes", "codes") and item_id:
                parts.append(str(item_id))
            elif parts:
                parts[-1] += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return " > ".join(parts)


#: the validation errors a codebook author meets most, as what was expected and the fix
_TYPE_HINTS: dict[str, tuple[str | None, str]] = {
    "string_type": ("text", "quote the value if YAML reads it as something else ('2024', 'yes', '1.0')"),
    "list_type": ("a list", "write [a, b] or one '- item' line per entry, even for one item"),
    "dict_type": ("a mapping", "write 'key: value' lines indented under the key"),
    "model_type": ("a mapping", "write 'key: value' lines indented under the key"),
    "model_attributes_type": ("a mapping", "write 'key: value' lines indented under the key"),
    "int_type": ("a whole number", "e.g. 3, without quotes"),
    "int_parsing": ("a whole number", "e.g. 3, without quotes"),
    "int_from_float": ("a whole number", "e.g. 3, without a decimal part"),
    "float_type": ("a number", "e.g. 0.5, without quotes"),
    "float_parsing": ("a number", "e.g. 0.5, without quotes"),
    "bool_type": ("true or false", "write true or false, without quotes"),
    "bool_parsing": ("true or false", "write true or false, without quotes"),
    "too_short": (None, "give at least one entry, or leave the key out"),
    "too_long": (None, "give fewer entries"),
    "greater_than_equal": (None, "give a larger value"),
    "greater_than": (None, "give a larger value"),
    "less_than_equal": (None, "give a smaller value"),
}


def _yaml_kind(value: Any) -> str:
    """How a YAML author would name what they wrote (never the value: it may be long)."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a date" if hasattr(value, "isoformat") else type(value).__name__


def _pydantic_problems(error: ValidationError, data: Any, lines: dict, file: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith(("function-", "list[", "dict["))))
        kind = item["type"]
        hint = None
        message = item["msg"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            model = _model_at(loc[:-1])
            choices = _model_fields(model) if model else []
            guess = _suggest(key, choices)
            message = f"unknown key '{key}'"
            hint = f"did you mean '{guess}'?" if guess else (f"allowed keys: {', '.join(choices)}" if choices else None)
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'"
            loc_line = line_for(lines, loc[:-1])
            problems.append(Problem(file, loc_line, render_path(loc[:-1], data), message, "add it"))
            continue
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
        elif kind == "string_pattern_mismatch":
            message = "ids may contain letters, digits, '_', '-' and '.', and must start with a letter or digit"
        elif kind in _TYPE_HINTS:
            expected, hint = _TYPE_HINTS[kind]
            message = f"expected {expected}, not {_yaml_kind(item.get('input'))}" if expected else message
        elif kind == "literal_error":
            hint = "use one of the values named, spelled as shown"
        problems.append(Problem(file, line_for(lines, loc), render_path(loc, data), message, hint))
    return problems


def check_token_pattern(pattern: list[dict[str, Any]], where: str, line: int | None, file: str, *, schema: bool = True) -> list[Problem]:
    """Check a spaCy Matcher token pattern; unknown attributes get a did-you-mean.

    ``schema=False`` skips the check against spaCy's pattern schema (and importing spaCy).
    """
    problems = []
    for index, token in enumerate(pattern):
        if not isinstance(token, dict):
            problems.append(Problem(file, line, f"{where}[{index}]", "each token in a pattern must be a mapping like {LOWER: trust}", None))
            continue
        for key in token:
            if key not in TOKEN_ATTRS:
                guess = _suggest(str(key), TOKEN_ATTRS)
                hint = f"did you mean '{guess}'?" if guess else f"token attributes: {', '.join(TOKEN_ATTRS[:12])}, ..."
                problems.append(Problem(file, line, f"{where}[{index}]", f"unknown token attribute '{key}'", hint))
    if problems or not schema:
        return problems
    from spacy.schemas import validate_token_pattern

    for message in validate_token_pattern(pattern):
        problems.append(Problem(file, line, where, f"invalid token pattern: {message}", "see spaCy's Matcher pattern reference"))
    return problems


def _check_rule(rule: Rule, code: Code, where: str, line: int | None, file: str, key_lines: dict[str, int | None] | None = None, *, schema: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    at = key_lines or {}
    if rule.regex is not None:
        try:
            re.compile(rule.regex)
        except re.error as exc:
            problems.append(Problem(file, at.get("regex") or line, f"{where} > regex", f"invalid regular expression: {exc}", "YAML single quotes keep backslashes as written: '\\bcuts?\\b'"))
    if rule.pattern is not None:
        problems += check_token_pattern(rule.pattern, f"{where} > pattern", at.get("pattern") or line, file, schema=schema)
    if rule.dependency is not None:
        for index, node in enumerate(rule.dependency):
            loc = f"{where} > dependency[{index}]"
            if not isinstance(node, dict):
                problems.append(Problem(file, line, loc, "each node must be a mapping with RIGHT_ID and RIGHT_ATTRS", None))
                continue
            needed = ("RIGHT_ID", "RIGHT_ATTRS") if index == 0 else DEP_KEYS
            for key in node:
                if key not in DEP_KEYS:
                    guess = _suggest(str(key), DEP_KEYS)
                    problems.append(Problem(file, line, loc, f"unknown key '{key}'", f"did you mean '{guess}'?" if guess else f"allowed: {', '.join(DEP_KEYS)}"))
            for key in needed:
                if key not in node:
                    problems.append(Problem(file, line, loc, f"missing '{key}'", "see spaCy's DependencyMatcher patterns"))
            if isinstance(node.get("RIGHT_ATTRS"), dict):
                problems += check_token_pattern([node["RIGHT_ATTRS"]], f"{loc} > RIGHT_ATTRS", line, file, schema=schema)
    for phrase in [*(rule.phrases or []), *(rule.exclude or []), *((rule.near.left + rule.near.right) if rule.near else [])]:
        if not phrase.strip():
            problems.append(Problem(file, line, where, "empty phrase", "remove it"))
    if rule.combination:
        by_id = {r.id: r for r in code.rules}
        for ref in rule.references():
            if ref == rule.id:
                problems.append(Problem(file, line, where, f"combination '{rule.id}' names itself", "name other rules of this code"))
            elif ref not in by_id:
                guess = _suggest(ref, by_id)
                problems.append(Problem(file, line, where, f"combination names unknown rule '{ref}'", f"did you mean '{guess}'?" if guess else f"rules of this code: {', '.join(by_id) or 'none'}"))
            elif by_id[ref].combination or by_id[ref].exclude is not None:
                problems.append(Problem(file, line, where, f"combination names '{ref}', which is a {by_id[ref].kind} rule", "combinations combine matcher rules (phrases, regex, pattern, dependency, near)"))
    return problems


def _check_code(code: Code, code_loc: tuple[Any, ...], data: Any, lines: dict, file: str, *, schema: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    rule_ids: set[str] = set()
    for ri, rule in enumerate(code.rules):
        rule_loc = code_loc + ("rules", ri)
        rule_where = render_path(rule_loc, data)
        if rule.id in rule_ids:
            problems.append(Problem(file, line_for(lines, rule_loc + ("id",)), rule_where, f"rule id '{rule.id}' is used twice in code '{code.id}'", "rule ids must be unique within a code"))
        rule_ids.add(rule.id)
        key_lines = {key: lines.get(rule_loc + (key,)) for key in ("regex", "pattern")}
        problems.extend(_check_rule(rule, code, rule_where, line_for(lines, rule_loc), file, key_lines, schema=schema))
    return problems


def semantic_problems(book: Codebook, data: Any, lines: dict, file: str, *, schema: bool = True) -> list[Problem]:
    """Checks beyond the schema: unique ids, rule references, regexes, token patterns."""
    problems: list[Problem] = []
    seen_codes: dict[str, str] = {}
    seen_themes: dict[str, str] = {}

    def visit(theme_loc: tuple[Any, ...], theme: Any) -> None:
        where = render_path(theme_loc, data)
        if theme.id in seen_themes:
            problems.append(Problem(file, line_for(lines, theme_loc + ("id",)), where, f"theme id '{theme.id}' is used twice (first at {seen_themes[theme.id]})", "give every theme its own id"))
        seen_themes.setdefault(theme.id, where)
        for ci, code in enumerate(theme.codes):
            code_loc = theme_loc + ("codes", ci)
            code_where = render_path(code_loc, data)
            if code.id in seen_codes:
                problems.append(Problem(file, line_for(lines, code_loc + ("id",)), code_where, f"code id '{code.id}' is used twice (first at {seen_codes[code.id]})", "code ids must be unique across the codebook"))
            seen_codes.setdefault(code.id, code_where)
            problems.extend(_check_code(code, code_loc, data, lines, file, schema=schema))
        for ti, child in enumerate(theme.themes):
            visit(theme_loc + ("themes", ti), child)

    for index, theme in enumerate(book.themes):
        visit(("themes", index), theme)
    return problems


def _partial_problems(data: dict, lines: dict, file: str, *, schema: bool = True) -> list[Problem]:
    """Semantic checks on the codes that are valid on their own, when the whole is not."""
    problems: list[Problem] = []

    def visit(theme: Any, loc: tuple[Any, ...]) -> None:
        if not isinstance(theme, dict):
            return
        for ci, raw in enumerate(theme.get("codes") or []):
            try:
                code = Code.model_validate(raw)
            except ValidationError:
                continue
            problems.extend(_check_code(code, loc + ("codes", ci), data, lines, file, schema=schema))
        for ti, child in enumerate(theme.get("themes") or []):
            visit(child, loc + ("themes", ti))

    for index, theme in enumerate(data.get("themes") or [] if isinstance(data.get("themes"), list) else []):
        visit(theme, ("themes", index))
    return problems


def parse_codebook(text: str, *, file: str = "<codebook>", patterns: bool = True) -> Codebook:
    """Validate codebook YAML text. Raises CodebookError listing every problem.

    ``patterns=False`` leaves out checking token patterns against spaCy's schema (for
    readers that never match with them, such as a results folder's own copy).
    """
    data, lines, problems = load_with_lines(text, file)
    if data is None and not problems:
        problems = [Problem(file, None, "", "the codebook is empty", "start with 'name:', 'version:' and 'themes:'")]
    if problems and data is None:
        raise CodebookError(problems)
    if not isinstance(data, dict):
        raise CodebookError([Problem(file, 1, "", "a codebook must be a mapping (name:, themes:, ...)", "see codebooks/partnership.yaml")])
    try:
        book = Codebook.model_validate(data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, data, lines, file)
        problems += _partial_problems(data, lines, file, schema=patterns)
        book = None
    if book is not None:
        problems += semantic_problems(book, data, lines, file, schema=patterns)
    if problems:
        problems.sort(key=lambda p: (p.line or 0))
        raise CodebookError(problems)
    assert book is not None
    return book


def load_codebook(path: str | Path, *, patterns: bool = True) -> LoadedCodebook:
    """Read and validate a codebook file (``patterns``: see :func:`parse_codebook`).

    Raises:
        CodebookError: with every problem, each ``FILE:LINE (path): message — hint``.

    Example:
        >>> book = load_codebook("codebooks/partnership.yaml")  # doctest: +SKIP
        >>> [code.id for code in book.model.codes()][:2]  # doctest: +SKIP
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodebookError([Problem(str(path), None, "", f"cannot read the codebook ({exc.strerror})", "check the --codebook path")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError([Problem(str(path), None, "", f"byte offset {exc.start}: not valid UTF-8", "save the codebook as UTF-8")]) from None
    model = parse_codebook(text.replace("\r\n", "\n"), file=str(path), patterns=patterns)
    return LoadedCodebook(model=model, path=str(path), text=text, sha256=hashlib.sha256(raw).hexdigest())
