"""The codebook schema (pydantic, extra keys forbidden).

A codebook has metadata, default settings and themes; themes hold codes and may nest;
each code has guidance for human coders and the rules that code automatically.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Unit = Literal["sentence", "turn", "paragraph"]
Negated = Literal["skip", "keep", "flag"]
MatchAttr = Literal["lower", "lemma", "text"]
IdStr = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", min_length=1, max_length=80)
#: A REFI-QDA GUID kept from an imported .qdc file, so re-exporting keeps the other tool's ids.
GuidStr = Field(None, pattern=r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")

RULE_KINDS = ("phrases", "regex", "pattern", "dependency", "near", "combination", "exclude")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True)


class SpeakerFilter(Strict):
    """Which speakers a code may be applied to (case-insensitive; * and ? wildcards)."""

    include: list[str] = []
    exclude: list[str] = []


class Near(Strict):
    """Two term lists within ``within`` tokens of each other, in the same segment."""

    left: list[str] = Field(min_length=1)
    right: list[str] = Field(min_length=1)
    within: int = Field(5, ge=0, le=100)
    match: MatchAttr = "lower"
    ordered: bool = False


class Rule(Strict):
    """One rule of a code. Exactly one kind key: phrases, regex, pattern, dependency,
    near, exclude, or a combination (all / any / none)."""

    id: str = IdStr
    note: str = ""
    phrases: list[str] | None = Field(None, min_length=1)
    match: MatchAttr | None = None
    regex: str | None = Field(None, min_length=1)
    case_sensitive: bool = False
    pattern: list[dict[str, Any]] | None = Field(None, min_length=1)
    dependency: list[dict[str, Any]] | None = Field(None, min_length=1)
    near: Near | None = None
    all_: list[str] | None = Field(None, alias="all", min_length=1)
    any_: list[str] | None = Field(None, alias="any", min_length=1)
    none_: list[str] | None = Field(None, alias="none", min_length=1)
    exclude: list[str] | None = Field(None, min_length=1)
    helper: bool = False
    negated: Negated | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Rule":
        kinds = self.kinds_present()
        if not kinds:
            raise ValueError("a rule needs one of: phrases, regex, pattern, dependency, near, exclude, all/any/none")
        if len(kinds) > 1:
            raise ValueError(f"a rule has one kind, this one has {' and '.join(kinds)}; split it into separate rules")
        if self.match is not None and self.phrases is None and self.exclude is None:
            raise ValueError("'match' applies to phrases and exclude rules (for near, set near.match)")
        if self.combination and not (self.all_ or self.any_):
            raise ValueError("a combination needs 'all' or 'any' besides 'none'")
        return self

    def kinds_present(self) -> list[str]:
        kinds = [k for k in ("phrases", "regex", "pattern", "dependency", "near", "exclude") if getattr(self, k) is not None]
        if self.combination:
            kinds.append("combination")
        return kinds

    @property
    def combination(self) -> bool:
        return any(x is not None for x in (self.all_, self.any_, self.none_))

    @property
    def kind(self) -> str:
        return self.kinds_present()[0]

    @property
    def match_attr(self) -> MatchAttr:
        return self.match or "lower"

    def references(self) -> list[str]:
        return [*(self.all_ or []), *(self.any_ or []), *(self.none_ or [])]


class Code(Strict):
    """A code: guidance for human coders plus the rules that apply it automatically."""

    id: str = IdStr
    label: str = Field(min_length=1)
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    examples: list[str] = []
    counter_examples: list[str] = []
    color: str | None = None
    guid: str | None = GuidStr
    unit: Unit | None = None
    negated: Negated | None = None
    speakers: SpeakerFilter | None = None
    rules: list[Rule] = []

    @field_validator("color")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError("colour must be '#RRGGBB', e.g. '#1f77b4'")
        return value


class Theme(Strict):
    """A theme groups codes and other themes."""

    id: str = IdStr
    label: str = Field(min_length=1)
    description: str = ""
    color: str | None = None
    guid: str | None = GuidStr
    codes: list[Code] = []
    themes: list["Theme"] = []

    _hex = field_validator("color")(Code._hex.__func__)  # type: ignore[attr-defined]


class Codebook(Strict):
    """A whole codebook: metadata, defaults and themes."""

    name: str = Field(min_length=1)
    version: str = "0.1.0"
    authors: list[str] = []
    language: str = "en"
    description: str = ""
    unit: Unit = "sentence"
    negated: Negated = "skip"
    speakers: SpeakerFilter | None = None
    themes: list[Theme] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    def walk(self) -> Iterator[tuple[tuple[str, ...], Code]]:
        """Every code with the ids of the themes above it, in codebook order."""

        def visit(theme: Theme, trail: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Code]]:
            trail = trail + (theme.id,)
            for code in theme.codes:
                yield trail, code
            for child in theme.themes:
                yield from visit(child, trail)

        for theme in self.themes:
            yield from visit(theme, ())

    def themes_flat(self) -> Iterator[tuple[tuple[str, ...], Theme]]:
        def visit(theme: Theme, trail: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Theme]]:
            yield trail, theme
            for child in theme.themes:
                yield from visit(child, trail + (theme.id,))

        for theme in self.themes:
            yield from visit(theme, ())

    def codes(self) -> list[Code]:
        return [code for _, code in self.walk()]

    def code(self, code_id: str) -> Code | None:
        return next((c for c in self.codes() if c.id == code_id), None)

    def theme_of(self, code_id: str) -> str:
        return next(("/".join(trail) for trail, c in self.walk() if c.id == code_id), "")

    def unit_of(self, code: Code) -> Unit:
        return code.unit or self.unit

    def speakers_of(self, code: Code) -> SpeakerFilter:
        return code.speakers or self.speakers or SpeakerFilter()

    def negated_of(self, code: Code, rule: Rule) -> Negated:
        return rule.negated or code.negated or self.negated
