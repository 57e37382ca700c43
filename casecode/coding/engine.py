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
from typing import Iterable, Iterator

from spacy.tokens import Doc

from casecode.codebook.compile import CodeSpec, CompiledCodebook
from casecode.coding.negation import is_negated
from casecode.coding.segment import segment_document
from casecode.model import Coding, Document, Segment


@dataclass(frozen=True)
class _Found:
    rule: str
    start: int  # document offsets of the matched words
    end: int
    negated: bool


@dataclass(frozen=True)
class DocumentCoding:
    """One document's coding units (all three kinds) and its codings."""

    document: Document
    units: dict[str, list[Segment]]
    codings: list[Coding]


def speaker_allowed(spec: CodeSpec, speaker: str | None) -> bool:
    """Apply a code's speaker filter (case-insensitive, with * and ? wildcards)."""
    name = (speaker or "").lower()
    if spec.speakers_include and not (speaker and any(fnmatch.fnmatchcase(name, p) for p in spec.speakers_include)):
        return False
    return not (speaker and any(fnmatch.fnmatchcase(name, p) for p in spec.speakers_exclude))


def _segment_at(segments: list[Segment], starts: list[int], offset: int) -> Segment | None:
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and segments[index].start <= offset < segments[index].end:
        return segments[index]
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
        self._order = {(code_id, rule_id): i for code_id, spec in compiled.specs.items() for i, rule_id in enumerate(spec.rules)}

    def process(self, documents: Iterable[Document]) -> Iterator[tuple[Document, list[Doc]]]:
        """Run the NLP pipeline over every turn of every document, streaming.

        Turns of consecutive documents share ``nlp.pipe`` batches; only the documents
        whose turns are inside the current batch are held in memory.
        """
        waiting: deque[Document] = deque()

        def turns() -> Iterator[str]:
            for document in documents:
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

    def code(self, documents: Iterable[Document]) -> Iterator[DocumentCoding]:
        """Code documents one at a time (streaming: memory does not grow with the corpus)."""
        for document, turn_docs in self.process(documents):
            yield self.code_processed(document, turn_docs)

    def code_processed(self, document: Document, turn_docs: list[Doc]) -> DocumentCoding:
        units = segment_document(document, turn_docs)
        starts = {unit: [s.start for s in segs] for unit, segs in units.items()}
        specs = self.compiled.specs
        # (code, segment index) -> rule -> matches; plus raw near terms and vetoes
        found: dict[tuple[str, int], dict[str, list[_Found]]] = defaultdict(lambda: defaultdict(list))
        near_terms: dict[tuple[str, int, str], dict[str, list[tuple[int, int, int]]]] = defaultdict(lambda: {"L": [], "R": []})
        vetoed: set[tuple[str, int]] = set()
        for turn_index, (turn, doc) in enumerate(zip(document.turns, turn_docs)):
            for hit in self.compiled.hits(doc, document.text[turn.start : turn.end]):
                spec = specs[hit.code]
                anchor = turn.start + doc[hit.tstart].idx
                segment = _segment_at(units[spec.unit], starts[spec.unit], anchor)
                if segment is None:
                    continue
                key = (hit.code, segment.index)
                if hit.role == "X":
                    vetoed.add(key)
                elif hit.role in ("L", "R"):
                    near_terms[(hit.code, segment.index, hit.rule)][hit.role].append((hit.tstart, hit.tend, turn_index))
                else:
                    negated = is_negated(doc, hit.tstart, hit.tend)
                    found[key][hit.rule].append(_Found(hit.rule, turn.start + hit.cstart, turn.start + hit.cend, negated))
        for (code_id, seg_index, rule_id), sides in near_terms.items():
            pair = _near(specs[code_id], rule_id, sides["L"], sides["R"])
            if pair is None:
                continue
            tstart, tend, turn_index, _ = pair
            doc, turn = turn_docs[turn_index], document.turns[turn_index]
            span = doc[tstart:tend]
            found[(code_id, seg_index)][rule_id].append(
                _Found(rule_id, turn.start + span.start_char, turn.start + span.end_char, is_negated(doc, tstart, tend))
            )
        codings = []
        for (code_id, seg_index), by_rule in found.items():
            if (code_id, seg_index) in vetoed:
                continue
            spec = specs[code_id]
            segment = units[spec.unit][seg_index]
            if not speaker_allowed(spec, segment.speaker):
                continue
            coding = self._decide(document, spec, segment, by_rule)
            if coding is not None:
                codings.append(coding)
        codings.sort(key=lambda c: (c.start, c.end, c.code))
        return DocumentCoding(document, units, codings)

    def _decide(self, document: Document, spec: CodeSpec, segment: Segment, by_rule: dict[str, list[_Found]]) -> Coding | None:
        effective: dict[str, list[_Found]] = {}
        for rule_id, matches in by_rule.items():
            mode = spec.negated[rule_id]
            kept = [m for m in matches if not (m.negated and mode == "skip")]
            if mode == "keep":
                kept = [_Found(m.rule, m.start, m.end, False) for m in kept]
            if kept:
                effective[rule_id] = kept
        for rule in spec.rules.values():
            if not rule.combination:
                continue
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
        return Coding(
            document=document.id,
            case=document.case,
            speaker=segment.speaker,
            unit=segment.unit,
            segment=segment.index,
            start=segment.start,
            end=segment.end,
            theme=spec.theme,
            code=spec.code.id,
            rule=primary.rule,
            rules=";".join(rules),
            matched=document.text[primary.start : primary.end],
            match_start=primary.start,
            match_end=primary.end,
            negated=all(m.negated for ms in firing.values() for m in ms),
        )
