"""Throughput: casecode words/s against spaCy's own pipeline on the same synthetic text.

Prints, measured in this one run (best of --repeat rounds in which the runs take turns,
to damp other load on the machine):
  * spaCy blank + sentencizer + lookup lemmatizer, ``nlp.pipe`` over the speaker turns;
  * cold ``code_corpus`` with the example codebook, and with its phrase rules only
    (pipeline built afresh, loading, NLP, matching, writing the results folder
    without the workbook);
  * the ratios casecode / spaCy (target for the phrase-only codebook: >= 0.70).

    python bench/throughput.py --words 1000000
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path
from typing import Callable

from _common import CODEBOOK, interleaved, load_average, per_round, phrase_only_codebook, words_in

warnings.filterwarnings("ignore")


def spacy_run(texts: list[str]) -> Callable[[], None]:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()

    def run() -> None:
        for _ in nlp.pipe(texts, batch_size=64):
            pass

    return run


def casecode_run(corpus: Path, codebook: Path, out: Path) -> Callable[[], None]:
    import casecode.nlp
    from casecode import code_corpus

    def run() -> None:
        casecode.nlp._build_cached.cache_clear()  # cold: build the pipeline as a new process would
        code_corpus([corpus], codebook, out=out, xlsx=False, keep=False)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from casecode.load import load_corpus
    from casecode.synthetic import write_synthetic_corpus

    with tempfile.TemporaryDirectory(prefix="casecode-bench-") as tmp:
        root = Path(tmp)
        write_synthetic_corpus(root / "corpus", words=args.words, seed=args.seed)
        texts = [d.text[t.start : t.end] for d in load_corpus([root / "corpus"]).documents for t in d.turns]
        words = words_in(texts)
        phrases = phrase_only_codebook(root / "phrases.yaml")
        print(f"corpus: {words:,} words in {len(texts):,} speaker turns (synthetic, seed {args.seed}); load average {load_average()}")
        times = interleaved(
            args.repeat,
            {
                "spacy": spacy_run(texts),
                "example": casecode_run(root / "corpus", CODEBOOK, root / "out-example"),
                "phrases": casecode_run(root / "corpus", phrases, root / "out-phrases"),
            },
        )
        spacy_wps, example_wps, phrase_wps = (words / min(times[name]) for name in ("spacy", "example", "phrases"))
        print(f"spaCy blank+sentencizer+lemmatizer nlp.pipe : {spacy_wps:>10,.0f} words/s")
        print(f"casecode, example codebook (cold)          : {example_wps:>10,.0f} words/s   ratio {example_wps / spacy_wps:.2f}  ({per_round(times, 'spacy', 'example')})")
        print(f"casecode, phrase-only codebook (cold)      : {phrase_wps:>10,.0f} words/s   ratio {phrase_wps / spacy_wps:.2f}  (target >= 0.70; {per_round(times, 'spacy', 'phrases')})")


if __name__ == "__main__":
    main()
