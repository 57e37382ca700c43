"""The matching engine: documents → segments → codings.

For every document the speaker turns are run through the NLP pipeline (labels are not
part of the text that spaCy sees), every rule match is found, assigned to the coding unit
of its code, checked for negation, speakers and vetoes, and combined per segment into at
most one :class:`~casecode.model.Coding` per (segment, code).
"""

from __future__ import annotations

import bisect
import fnmatch
from collections import defaultdict, deque
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Iterable, Iterator, NamedTuple, Sequence

from spacy.tokens import Doc

from casecode.codebook.compile import CodeSpec, CompiledCodebook
from casecode.coding.negation import cue_between, is_negated_at
from casecode.coding.segment import DocumentUnits, paragraphs, unit_spans
from casecode.coding.tokens import TurnTokens
from casecode.model import CODING_ORDER, Coding, Document, Turn
from casecode.errors import PipelineError
from casecode.nlp import BLANK_COMPONENTS, TOKEN_ARRAYS, TURN_SENTENCES, missing_capability

#: (turn, kind, anchor, start, end, negated); offsets relative to the turn. See Engine.derive.
Record = tuple[int, str, int, int, int, bool]
#: each turn's sentence spans, relative to the turn
Sentences = list[list[tuple[int, int]]]


class _Found(NamedTuple):
    rule: str
    start: int  # document offsets of the matched words
    end: int
    negated: bool


class _Unit(NamedTuple):
    """The coding unit a coding is for: its index among the units of its kind, span, speaker."""

    index: int
    start: int
    end: int
    speaker: str | None


#: the first-placed match of one rule: by start, then end
_FOUND_PLACE = itemgetter(1, 2)


@dataclass(frozen=True)
class DocumentCoding:
    """One document's coding units (all three kinds) and its codings."""

    document: Document
    units: DocumentUnits
    codings: list[Coding]


def speaker_allowed(spec: CodeSpec, speaker: str | None) -> bool:
    """Apply a code's speaker filter (case-insensitive, with * and ? wildcards)."""
    name = (speaker or "").lower()
    if spec.speakers_include and not (speaker and any(fnmatch.fnmatchcase(name, p) for p in spec.speakers_include)):
        return False
    return not (speaker and any(fnmatch.fnmatchcase(name, p) for p in spec.speakers_exclude))


def _span_at(spans: Sequence[tuple[int, ...]], starts: list[int], offset: int) -> int | None:
    """The index of the span (start, end, ...) that holds ``offset``, if any."""
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and spans[index][0] <= offset < spans[index][1]:
        return index
    return None


def _near(spec: CodeSpec, rule_id: str, left: list[tuple[int, int, int]], right: list[tuple[int, int, int]]) -> tuple[int, int, int, int] | None:
    """The first (left, right) pair within the rule's distance: (tstart, tend, turn, _)."""
    near = spec.rules[rule_id].near
    assert near is not None
    best = None
    for ls, le, lt in left:
        for rs, re_, rt in right:
            if lt != rt or (ls, le) == (rs, re_):
                continue
            if near.ordered and rs < le:
                continue
            gap = max(rs - le, ls - re_)
            if gap <= near.within:
                candidate = (min(ls, rs), max(le, re_), lt, 0)
                if best is None or candidate < best:
                    best = candidate
    return best


class Engine:
    """Apply a compiled codebook to documents."""

    def __init__(self, compiled: CompiledCodebook, *, batch_size: int = 64) -> None:
        self.compiled = compiled
        self.nlp = compiled.nlp
        self.batch_size = batch_size
        self._partial: dict[frozenset[tuple[str, str]], CompiledCodebook] = {}
        self._combinations = {code_id: [r for r in spec.rules.values() if r.combination] for code_id, spec in compiled.specs.items()}
        self._speaker_ok: dict[tuple[str, str | None], bool] = {}
        self._order = {(code_id, rule_id): i for code_id, spec in compiled.specs.items() for i, rule_id in enumerate(spec.rules)}
        #: rules whose matches count whether negated or not (mode "keep")
        self._unflagged = frozenset((code_id, rule_id) for code_id, spec in compiled.specs.items() for rule_id, mode in spec.negated.items() if mode == "keep")
        names = set(self.nlp.pipe_names)
        # The blank pipeline keeps the token arrays its sentencizer read (nothing after
        # it changes them), and has no parser.
        self._kept_arrays = names <= BLANK_COMPONENTS
        self._parsed: bool | None = False if names <= BLANK_COMPONENTS or missing_capability(self.nlp, "DEP") else None

    def process(self, documents: Iterable[Document]) -> Iterator[tuple[Document, list[Doc]]]:
        """Run the NLP pipeline over every turn of every document, streaming.

        Turns of consecutive documents share ``nlp.pipe`` batches; only the documents
        whose turns are inside the current batch are held in memory.
        """
        waiting: deque[Document] = deque()

        def turns() -> Iterator[str]:
            for document in documents:
                self.check_fits(document)
                waiting.append(document)
                for turn in document.turns:
                    yield document.text[turn.start : turn.end]

        current: list[Doc] = []
        for doc in self.nlp.pipe(turns(), batch_size=self.batch_size):
            while not waiting[0].turns:  # documents without turns are complete at once
                yield waiting.popleft(), []
            current.append(doc)
            if len(current) == len(waiting[0].turns):
                yield waiting.popleft(), current
                current = []
        while waiting:
            yield waiting.popleft(), []

    def check_fits(self, document: Document) -> None:
        """Refuse a document with a speaker turn longer than the pipeline takes (``nlp.max_length``).

        Raises:
            PipelineError: naming the file and the fix (spaCy's own error is a ValueError).
        """
        longest = max((turn.end - turn.start for turn in document.turns), default=0)
        if longest > self.nlp.max_length:
            raise PipelineError(
                f"{document.source}: a speaker turn of {longest:,} characters is longer than the pipeline takes ({self.nlp.max_length:,})",
                hint="split the transcript into speaker turns (Name: lines), or code it with the default pipeline (no --model)",
            )

    def code(self, documents: Iterable[Document]) -> Iterator[DocumentCoding]:
        """Code documents one at a time (streaming: memory does not grow with the corpus)."""
        for document, turn_docs in self.process(documents):
            yield self.code_processed(document, turn_docs)

    def code_processed(self, document: Document, turn_docs: list[Doc]) -> DocumentCoding:
        sentences, records = self.derive(document, turn_docs, flag_all=False)
        return self.assemble(document, sentences, records)

    @cached_property
    def matched_rules(self) -> list[tuple[str, str]]:
        """(code, rule) of every rule that matches text itself (combinations only refer to others)."""
        return [(code_id, rule.id) for code_id, spec in self.compiled.specs.items() for rule in spec.rules.values() if not rule.combination]

    def derive(self, document: Document, turn_docs: list[Doc], rules: Iterable[tuple[str, str]] | None = None, *, sentences: Sentences | None = None, flag_all: bool = True) -> tuple[Sentences, dict[tuple[str, str], list[Record]]]:
        """What coding needs from the processed turns: sentence spans and each rule's records.

        Sentence spans are turn-relative, per turn. A record is ``(turn, kind, anchor,
        start, end, negated)`` with turn-relative character offsets: kind "" for a match
        of the rule itself, "X" for an exclude phrase, "N" for a near pair (found within
        the code's unit); ``anchor`` places it in its coding unit. Everything after this
        step needs no ``Doc``, so the records can be cached per rule.

        Args:
            rules: only these (code, rule) pairs (default: every matching rule).
            sentences: the sentence spans if already known (e.g. cached).
            flag_all: check negation for the matches of every rule. False leaves it
                out (the flag False) for rules whose mode is "keep", which never read
                it; the match cache keeps the flag for when the mode is edited.
        """
        wanted = self.matched_rules if rules is None else list(rules)
        compiled = self.compiled if rules is None else self._compiled_for(frozenset(wanted))
        specs = self.compiled.specs
        records: dict[tuple[str, str], list[Record]] = {pair: [] for pair in wanted}
        known = sentences
        sentences = []
        unflagged = frozenset() if flag_all else self._unflagged
        for turn_index, (turn, doc) in enumerate(zip(document.turns, turn_docs)):
            text = document.text[turn.start : turn.end]
            arrays = doc.user_data.pop(TOKEN_ARRAYS, None)
            made = doc.user_data.pop(TURN_SENTENCES, None)
            tokens = TurnTokens(doc, text, arrays=arrays if self._kept_arrays else None, parsed=self._parsed)
            if known is not None:
                sents = [tuple(s) for s in known[turn_index]]
            else:
                sents = made if made is not None and self._kept_arrays else tokens.sentences()
            sentences.append(sents)
            spans: dict[str, tuple[list[tuple[int, int]], list[int]]] = {}
            near_terms: dict[tuple[str, str, int], dict[str, list[tuple[int, int, int]]]] = defaultdict(lambda: {"L": [], "R": []})
            for hit in compiled.hits(doc, text, tokens):
                pair = (hit.code, hit.rule)
                if pair not in records:
                    continue
                anchor = tokens.idx[hit.tstart]
                if hit.role == "X":
                    records[pair].append((turn_index, "X", anchor, hit.cstart, hit.cend, False))
                elif hit.role in ("L", "R"):
                    unit = specs[hit.code].unit
                    if unit not in spans:
                        found = {"sentence": sents, "paragraph": paragraphs(text, Turn(turn.speaker, 0, len(text), 0)), "turn": [(0, len(text))]}[unit]
                        spans[unit] = (found, [s for s, _ in found])
                    index = _span_at(*spans[unit], anchor)
                    if index is not None:
                        near_terms[(hit.code, hit.rule, index)][hit.role].append((hit.tstart, hit.tend, turn_index))
                else:
                    records[pair].append((turn_index, "", anchor, hit.cstart, hit.cend, pair not in unflagged and is_negated_at(tokens, hit.tstart, hit.tend)))
            for (code_id, rule_id, index), sides in near_terms.items():
                best = _near(specs[code_id], rule_id, sides["L"], sides["R"])
                if best is None:
                    continue
                tstart, tend = best[0], best[1]
                # anchored at the start of the unit whose terms made the pair
                records[(code_id, rule_id)].append((turn_index, "N", spans[specs[code_id].unit][0][index][0], *tokens.chars(tstart, tend), (code_id, rule_id) not in unflagged and (is_negated_at(tokens, tstart, tend) or cue_between(tokens.lower, tstart, tend))))
        return sentences, records

    def _compiled_for(self, rules: frozenset[tuple[str, str]]) -> CompiledCodebook:
        compiled = self._partial.get(rules)
        if compiled is None:
            compiled = self._partial[rules] = CompiledCodebook(self.compiled.book, self.nlp, only=rules)
        return compiled

    def assemble(self, document: Document, sentences: Sentences, records: dict[tuple[str, str], list[Record]]) -> DocumentCoding:
        """Turn sentence spans and rule records (from :meth:`derive` or a cache) into codings."""
        turns = document.turns
        offsets = [turn.start for turn in turns]
        spans = unit_spans(document, sentences)
        starts = {unit: [span[0] for span in found] for unit, found in spans.items()}
        specs = self.compiled.specs
        # the matches placed in each (code, unit index), in record order
        found: dict[tuple[str, int], list[_Found]] = {}
        vetoed: set[tuple[str, int]] = set()
        for (code_id, rule_id), rule_records in records.items():
            if not rule_records:
                continue
            unit = specs[code_id].unit
            unit_found, unit_starts = spans[unit], starts[unit]
            for turn_index, kind, anchor, cstart, cend, negated in rule_records:
                offset = offsets[turn_index]
                at = offset + anchor
                index = bisect.bisect_right(unit_starts, at) - 1
                if index < 0 or at >= unit_found[index][1]:
                    continue
                key = (code_id, index)
                if kind == "X":
                    vetoed.add(key)
                    continue
                match = _Found(rule_id, offset + cstart, offset + cend, bool(negated))
                placed = found.get(key)
                if placed is None:
                    found[key] = [match]
                else:
                    placed.append(match)
        codings = []
        speaker_ok = self._speaker_ok
        for key, matches in found.items():
            if key in vetoed:
                continue
            code_id, index = key
            spec = specs[code_id]
            start, end, turn_index = spans[spec.unit][index]
            speaker = turns[turn_index].speaker
            allowed = speaker_ok.get((code_id, speaker))
            if allowed is None:
                allowed = speaker_ok[(code_id, speaker)] = speaker_allowed(spec, speaker)
            if not allowed:
                continue
            coding = self._decide(document, spec, _Unit(index, start, end, speaker), matches)
            if coding is not None:
                codings.append(coding)
        codings.sort(key=CODING_ORDER)
        return DocumentCoding(document, DocumentUnits(document.id, [turn.speaker for turn in turns], spans), codings)

    def _decide(self, document: Document, spec: CodeSpec, unit: _Unit, matches: list[_Found]) -> Coding | None:
        """The coding of one unit by one code, from the matches placed in it (in record order)."""
        rule_id = matches[0].rule
        if not self._combinations[spec.code.id] and all(m.rule == rule_id for m in matches):
            return self._decide_one(document, spec, unit, rule_id, matches)
        by_rule: dict[str, list[_Found]] = {}
        for match in matches:
            by_rule.setdefault(match.rule, []).append(match)
        effective: dict[str, list[_Found]] = {}
        for rule_id, matches in by_rule.items():
            mode = spec.negated[rule_id]
            kept = [m for m in matches if not (m.negated and mode == "skip")]
            if mode == "keep":
                kept = [m._replace(negated=False) for m in kept]
            if kept:
                effective[rule_id] = kept
        for rule in self._combinations[spec.code.id]:
            present = set(effective)
            if rule.all_ and not set(rule.all_) <= present:
                continue
            if rule.any_ and not set(rule.any_) & present:
                continue
            if rule.none_ and set(rule.none_) & present:
                continue
            parts = [m for ref in [*(rule.all_ or []), *(rule.any_ or [])] for m in effective.get(ref, [])]
            if parts:
                effective[rule.id] = [_Found(rule.id, min(p.start for p in parts), max(p.end for p in parts), all(p.negated for p in parts))]
        firing = {rid: ms for rid, ms in effective.items() if not spec.rules[rid].helper}
        if not firing:
            return None
        order = self._order
        primary = min((m for ms in firing.values() for m in ms), key=lambda m: (m.start, m.end, order[(spec.code.id, m.rule)]))
        rules = sorted(firing, key=lambda r: order[(spec.code.id, r)])
        return self._coding(document, spec, unit, primary, ";".join(rules), all(m.negated for ms in firing.values() for m in ms))

    def _decide_one(self, document: Document, spec: CodeSpec, unit: _Unit, rule_id: str, matches: list[_Found]) -> Coding | None:
        """:meth:`_decide` for the common case: one rule matched, and the code has no combinations."""
        if spec.rules[rule_id].helper:
            return None
        mode = spec.negated[rule_id]
        if mode == "skip":
            matches = [m for m in matches if not m.negated]
            if not matches:
                return None
        primary = matches[0] if len(matches) == 1 else min(matches, key=_FOUND_PLACE)
        return self._coding(document, spec, unit, primary, rule_id, mode != "keep" and all(m.negated for m in matches))

    @staticmethod
    def _coding(document: Document, spec: CodeSpec, unit: _Unit, primary: _Found, rules: str, negated: bool) -> Coding:
        # Coding's fields, in order (see casecode.model.Coding)
        return Coding.of_values((
            document.id, document.case, unit.speaker, spec.unit, unit.index, unit.start, unit.end, spec.theme, spec.code.id,
            primary.rule, rules, document.text[primary.start : primary.end], primary.start, primary.end, negated, "auto",
        ))
