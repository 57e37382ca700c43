"""Shared helpers for the benchmark scripts (not part of the casecode package)."""

from __future__ import annotations

import copy
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK = ROOT / "codebooks" / "partnership.yaml"
sys.path.insert(0, str(ROOT))


@contextmanager
def timer(store: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    store[name] = time.perf_counter() - start


def phrase_only_codebook(target: Path, *, match: str | None = None) -> Path:
    """The example codebook reduced to its phrase rules (no patterns, regexes, near, combinations).

    ``match="lower"`` turns lemma phrases into plain lower-case phrases too; negation
    is kept and speaker filters are dropped so a regex baseline can find the same matches.
    """
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    if match:
        data["negated"] = "keep"
        data.pop("speakers", None)
    for theme in data["themes"]:
        _reduce(theme, match)
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _reduce(node: dict[str, Any], match: str | None) -> None:
    codes = []
    for code in node.get("codes", []):
        code.pop("examples", None)
        code.pop("counter_examples", None)
        rules = [r for r in code.get("rules", []) if "phrases" in r and not r.get("helper")]
        if match:
            code.pop("speakers", None)
            code.pop("negated", None)
            for rule in rules:
                rule["match"] = match
                rule.pop("negated", None)
                rule.pop("case_sensitive", None)
        if rules:
            code["rules"] = rules
            codes.append(code)
    node["codes"] = codes
    for child in node.get("themes", []) or []:
        _reduce(child, match)


def run_child(code: str, *args: str) -> str:
    """Run ``code`` in a fresh interpreter (with casecode importable); return its stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONWARNINGS="ignore")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"child failed:\n{done.stderr[-2000:]}")
    return done.stdout


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def best_of(repeat: int, func: Any) -> float:
    """The shortest wall time of ``repeat`` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(repeat: int, runs: dict[str, Any]) -> dict[str, list[float]]:
    """The wall time of every call of each run, over ``repeat`` rounds, the runs taking turns.

    Taking turns (rather than all repeats of one run, then the next) exposes every run
    to the same changes in other load on the machine, so the ratios between them hold
    even when the absolute rates drift.
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, func in runs.items():
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    return times


def per_round(times: dict[str, list[float]], slower: str, faster: str) -> str:
    """``slower``'s time over ``faster``'s in each round, and their median.

    The best times of two runs may come from different rounds, when the machine was in
    different states; the ratio within a round compares runs made one after the other.
    """
    ratios = [a / b for a, b in zip(times[slower], times[faster])]
    return f"per round {' '.join(f'{r:.2f}' for r in ratios)}, median {statistics.median(ratios):.2f}"


def words_in(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)
