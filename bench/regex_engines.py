"""Codebook regex engines: RE2 / time-limited `regex` against Python's `re`, as ratios.

Run: python bench/regex_engines.py [--turns 2000]
Prints the time of each engine relative to Python's re on the same turns (lower is
faster), and how long a catastrophic pattern takes on each, in one run.
"""

from __future__ import annotations

import argparse
import random
import re
import time

from casecode.codebook.compile import compile_regex

WORDS = "we trusted the other board and the savings from the merger were real but culture clashed café".split()


def turns(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80))) + "." for _ in range(count)]


def clock(func, texts: list[str]) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for text in texts:
        func(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args()
    texts = turns(args.turns)
    ascii_texts = [t.replace("é", "e") for t in texts]
    for pattern in (r"\bsav(e|ed|ings?)\b", r"caf[ée]s?", r"trust\w*", r"(?<=the )board"):
        python = re.compile(pattern, re.IGNORECASE)
        safe = compile_regex(pattern)
        for label, data in (("ascii", ascii_texts), ("non-ascii", texts)):
            base = clock(lambda t: list(python.finditer(t)), data)
            ours = clock(lambda t: list(safe.finditer(t)), data)
            print(f"{pattern!r:28} {label:9} engine={safe.engine:9} time vs re: {ours / base:5.2f}x")
    evil = "a" * 28 + "!"
    start = time.perf_counter()
    list(re.finditer(r"(a|aa)+$", evil))
    python_time = time.perf_counter() - start
    start = time.perf_counter()
    list(compile_regex(r"(a|aa)+$").finditer(evil))
    safe_time = time.perf_counter() - start
    print(f"catastrophic (a|aa)+$ on 28 a's: re {python_time:.3f}s, casecode {safe_time:.5f}s (ratio {python_time / max(safe_time, 1e-9):,.0f}x)")


if __name__ == "__main__":
    main()
