"""Shared fixtures: the example study coded once per session, small codebooks and texts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so a run is reproducible;
# local runs keep exploring new random examples.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "transcripts_example"
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("CASECODE_SHARED") or ROOT.parent / "shared")  # override where ../shared is elsewhere


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory):
    """The bundled example study, coded once: (CodingRun, results folder)."""
    from casecode import code_corpus

    out = tmp_path_factory.mktemp("example") / "results"
    run = code_corpus([EXAMPLE], CODEBOOK, out=out)
    return run, out


@pytest.fixture(scope="session")
def example_results(example_run):
    """The example results folder read back with ``read_results`` (do not modify)."""
    from casecode import read_results

    return read_results(example_run[1])


@pytest.fixture()
def results_copy(example_run, tmp_path: Path) -> Path:
    """A private copy of the example results folder that a test may change."""
    target = tmp_path / "results"
    shutil.copytree(example_run[1], target)
    return target


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (REFI-QDA schemas, files from other tools); skips when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"optional fixtures: {SHARED} is not present")
    return SHARED


MINI_CODEBOOK = """\
name: mini
version: "1.0"
speakers: {exclude: [Interviewer, Q]}
themes:
  - id: trust
    label: Trust
    codes:
      - id: trust
        label: Trust
        examples: ["We trusted the other board."]
        counter_examples: ["We never trusted them."]
        rules:
          - id: trust_lemma
            phrases: [trust]
            match: lemma
      - id: money
        label: Money
        negated: flag
        rules:
          - id: save
            regex: '\\bsav(e|ed|ing|ings)\\b'
          - id: merger_money
            near: {left: [merger], right: [money], within: 3}
  - id: culture
    label: Culture
    codes:
      - id: culture_clash
        label: Culture clash
        unit: paragraph
        rules:
          - id: clash
            pattern: [{LOWER: culture}, {LOWER: {IN: [clash, clashes]}}]
          - id: not_food
            exclude: ["food culture"]
"""


@pytest.fixture()
def mini_codebook(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_nlp_cache(tmp_path_factory: pytest.TempPathFactory):
    """Runs with --model use the NLP cache: keep it out of the user's cache folder."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CASECODE_CACHE_DIR", str(tmp_path_factory.mktemp("nlp-cache")))
    yield
    patch.undo()
