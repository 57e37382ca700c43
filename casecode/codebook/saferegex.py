"""Codebook regexes that cannot hang a run.

A codebook may come from someone else, and a pattern such as ``(a|aa)+$`` backtracks
exponentially in Python's ``re``. So every codebook regex runs either

* on RE2 (``google-re2``), which matches in linear time, when the pattern means exactly
  the same there as in Python; or
* on the ``regex`` module (Python ``re`` semantics) with a hard time limit per text:
  going over it raises :class:`RegexTimeoutError` naming the rule, never a hang.

RE2 is used only where its meaning is certain to equal Python's: the pattern compiles in
both, uses no POSIX classes or ``{,n}`` (which RE2 reads differently), and, when the text
is not pure ASCII, no ``\\w \\b \\d \\s`` (ASCII-only in RE2, Unicode in Python). ``$`` at
the end of a text that ends in a newline is also left to the ``regex`` module.

Offsets are always code points: the RE2 wrapper maps its UTF-8 byte offsets back to
``str`` indexes, and a test checks this on emoji and combining marks. Python's ``re``
ignores case between ``İ ı I i`` (Turkish dotted and dotless i) where RE2 and ``regex``
do not; a case-insensitive pattern therefore sees ``İ``/``ı`` as ``I``/``i`` (in the
pattern and the text alike: same length, so offsets do not move). Use match spans, not
``group()``, to take text from the document.

Most codebook regexes cannot match without some literal text (``\\bsav(e|ed|ings)\\b``
needs "sav"): :func:`required_literals` finds it, and :meth:`SafePattern.may_match` skips
an ASCII text that lacks it in a cheap substring test, before any engine runs.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterator

from casecode.errors import CasecodeError

#: Seconds one codebook regex may spend on one text (one speaker turn) before the run stops.
TIME_LIMIT = 2.0
_ASCII_SENSITIVE = frozenset("wWbBdDsS")
_TURKISH_I = str.maketrans("İı", "Ii")


def required_literals(pattern: str, flags: int = 0) -> tuple[str, ...] | None:
    r"""Lower-case ASCII strings one of which every match of ``pattern`` contains; None if unknown.

    Read from Python's own parse of the pattern: a run of literal characters in the
    top-level sequence, a group's or a required repeat's literals, or one string from
    each branch of an alternation — whichever guarantees the longest. Lookarounds,
    back-references and non-ASCII literals are left alone (None when nothing else
    qualifies), so a ``None`` only means "always run the regex".

    >>> required_literals(r"\bsav(e|es|ed|ing|ings)\b")
    ('sav',)
    >>> required_literals(r"\b(hard|difficult) to (measure|prove)\b")
    ('measure', 'prove')
    >>> required_literals(r"(?<=not )\w+") is None
    True
    """
    from re import _parser  # type: ignore[attr-defined]

    try:
        parsed = _parser.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError):
        return None
    found = _sequence_literals(list(parsed))
    return tuple(sorted(found)) if found else None


def _sequence_literals(items: list[Any]) -> frozenset[str] | None:
    from re import _constants as c  # type: ignore[attr-defined]

    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, value in items:
        if op is c.LITERAL and value < 128:
            run.append(chr(value).lower())
            continue
        close_run()
        inner: frozenset[str] | None = None
        if op is c.SUBPATTERN:
            inner = _sequence_literals(list(value[3]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and value[0] >= 1:
            inner = _sequence_literals(list(value[2]))
        elif op is c.BRANCH:
            branches = [_sequence_literals(list(branch)) for branch in value[1]]
            if all(branches):
                inner = frozenset().union(*branches)  # type: ignore[arg-type]
        if inner:
            candidates.append(inner)
    close_run()
    if not candidates:
        return None
    return max(candidates, key=lambda words: (min(map(len, words)), -len(words)))


class RegexTimeoutError(CasecodeError):
    """A codebook regex took longer than the time limit on one text."""


def _escapes(pattern: str) -> set[str]:
    found: set[str] = set()
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\" and index + 1 < len(pattern):
            found.add(pattern[index + 1])
            index += 2
        else:
            index += 1
    return found


@dataclass
class SafePattern:
    """A compiled codebook regex: ``finditer`` yields match objects with code-point offsets.

    Attributes:
        pattern: the regex as written in the codebook.
        engine: "re2" when RE2 can run it for every text, "re2+regex" when RE2 runs it on
            ASCII texts only, "regex" when it always runs under the time limit.
        label: where the pattern comes from, for error messages (set by the compiler).
    """

    pattern: str
    case_sensitive: bool = False
    label: str = "regex"
    time_limit: float | None = None  # None: the module's TIME_LIMIT when matching
    engine: str = field(init=False)
    _re2: Any = field(init=False, default=None, repr=False)
    _slow: Any = field(init=False, default=None, repr=False)
    _ascii_only: bool = field(init=False, default=False, repr=False)
    _has_dollar: bool = field(init=False, default=False, repr=False)
    _needles: tuple[str, ...] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        import regex

        flags = 0 if self.case_sensitive else re.IGNORECASE
        source = self.pattern if self.case_sensitive else self.pattern.translate(_TURKISH_I)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            re.compile(self.pattern, flags)  # raises re.error exactly as validation does
            self._slow = regex.compile(python_word_semantics(source), flags | regex.VERSION0)
        self._re2 = _re2_compile(source, self.case_sensitive)
        escapes = _escapes(self.pattern)
        self._ascii_only = bool(escapes & _ASCII_SENSITIVE)
        self._has_dollar = "$" in self.pattern
        self._needles = required_literals(self.pattern, flags)
        if self._re2 is None:
            self.engine = "regex"
        else:
            self.engine = "re2+regex" if self._ascii_only else "re2"

    def may_match(self, lowered: str | None) -> bool:
        """False when the regex cannot match: ``lowered`` (an ASCII text, lower-cased) lacks its required literals.

        ``lowered`` is None for a text that is not pure ASCII: then the regex always runs.
        """
        needles = self._needles
        if needles is None or lowered is None:
            return True
        if len(needles) == 1:
            return needles[0] in lowered
        return any(needle in lowered for needle in needles)

    def _use_re2(self, text: str) -> bool:
        if self._re2 is None:
            return False
        if self._ascii_only and not text.isascii():
            return False
        return not (self._has_dollar and text.endswith("\n"))

    def finditer(self, text: str) -> Iterator[Any]:
        """Every non-overlapping match, left to right, as in ``re.finditer``.

        Raises:
            RegexTimeoutError: when the ``regex`` engine runs past the time limit.
        """
        if not self.case_sensitive and ("İ" in text or "ı" in text):
            text = text.translate(_TURKISH_I)
        if self._use_re2(text):
            yield from self._re2.finditer(text)
            return
        limit = self.time_limit if self.time_limit is not None else TIME_LIMIT
        try:
            # materialise inside the try: the timeout is raised while iterating
            matches = list(self._slow.finditer(text, timeout=limit))
        except TimeoutError:
            raise RegexTimeoutError(
                f"{self.label}: the regular expression {self.pattern!r} ran for more than {limit:g} s on one text",
                hint="it backtracks catastrophically (nested repeats like (a+)+ or (a|aa)+); rewrite it, or use phrases/pattern rules",
            ) from None
        yield from matches


_WORD = r"[\p{L}\p{N}_]"
_OUTSIDE = {
    "w": _WORD,
    "W": r"[^\p{L}\p{N}_]",
    "b": f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))",
    "B": f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))",
}


def python_word_semantics(pattern: str) -> str:
    r"""Rewrite ``\w \W \b \B`` so the ``regex`` module reads them as Python's ``re`` does.

    ``regex`` counts combining marks and joiners as word characters; ``re`` counts only
    letters, numbers and ``_`` (``str.isalnum()``). ``\w`` inside a character class
    becomes ``\p{L}\p{N}_``; ``\b`` inside a class is a backspace and stays.

    >>> python_word_semantics(r"\bcaf\w+[\w-]")
    '(?:(?<=[\\p{L}\\p{N}_])(?![\\p{L}\\p{N}_])|(?<![\\p{L}\\p{N}_])(?=[\\p{L}\\p{N}_]))caf[\\p{L}\\p{N}_]+[\\p{L}\\p{N}_-]'
    """
    out: list[str] = []
    index, in_class, class_start = 0, False, -1
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            nxt = pattern[index + 1]
            if in_class and nxt == "w":
                out.append(r"\p{L}\p{N}_")
            elif not in_class and nxt in _OUTSIDE:
                out.append(_OUTSIDE[nxt])
            else:
                out.append(char + nxt)
            index += 2
            continue
        if not in_class and char == "[":
            in_class, class_start = True, index
        elif in_class and char == "]" and index > class_start + 1 and not (index == class_start + 2 and pattern[class_start + 1] == "^"):
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def _re2_compile(pattern: str, case_sensitive: bool) -> Any:
    """The RE2 program for ``pattern``, or None when RE2 would read it differently."""
    if "[:" in pattern or "{," in pattern:
        return None
    try:
        import re2
    except ImportError:  # pragma: no cover - google-re2 is a dependency
        return None
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = case_sensitive
    try:
        return re2.compile(pattern, options)
    except Exception:  # re2.error: a construct RE2 lacks (backreferences, lookaround, ...)
        return None
