"""casecode against the plain-pandas coding an analyst writes by hand.

The baseline gets the sentence segments for free (the very sentences casecode found,
as a DataFrame) and runs one case-insensitive ``str.contains`` regex per code over them
— one alternation of the code's phrases with word boundaries. casecode is timed cold
for the whole job: pipeline built afresh, transcripts read, tokenised, split into
sentences, matched, and the results folder written. Both code the same phrase-only
codebook (the example codebook's phrase rules, matched on lower-case words, negated
matches kept, no speaker filter), and the coded (document, sentence, code) triples are
compared.

    python bench/pandas_baseline.py --words 1000000
"""

from __future__ import annotations

import argparse
import re
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import yaml
from _common import interleaved, load_average, per_round, phrase_only_codebook

warnings.filterwarnings("ignore")


def code_regexes(codebook: Path) -> dict[str, re.Pattern[str]]:
    data = yaml.safe_load(codebook.read_text(encoding="utf-8"))
    patterns: dict[str, list[str]] = {}

    def walk(node: dict) -> None:
        for code in node.get("codes", []):
            for rule in code["rules"]:
                for phrase in rule["phrases"]:
                    words = phrase.strip().split()
                    patterns.setdefault(code["id"], []).append(r"\s+".join(re.escape(w) for w in words))
        for child in node.get("themes", []) or []:
            walk(child)

    for theme in data["themes"]:
        walk(theme)
    return {code: re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE) for code, alternatives in patterns.items()}


def sentence_frame(results: Path) -> pd.DataFrame:
    units = pd.read_csv(results / "units.csv", dtype={"document": str}, keep_default_na=False)
    units = units[units["unit"] == "sentence"]
    texts = {doc: (results / "texts" / f"{doc}.txt").read_text(encoding="utf-8") for doc in units["document"].unique()}
    units = units.assign(text=[texts[d][s:e] for d, s, e in zip(units["document"], units["start"], units["end"])])
    return units[["document", "index", "text"]].reset_index(drop=True)


def pandas_coding(sentences: pd.DataFrame, regexes: dict[str, re.Pattern[str]]) -> pd.DataFrame:
    found = []
    for code, pattern in regexes.items():
        hits = sentences.loc[sentences["text"].str.contains(pattern, regex=True), ["document", "index"]]
        found.append(hits.assign(code=code))
    return pd.concat(found, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import casecode.nlp
    from casecode import code_corpus
    from casecode.synthetic import write_synthetic_corpus

    with tempfile.TemporaryDirectory(prefix="casecode-bench-") as tmp:
        root = Path(tmp)
        write_synthetic_corpus(root / "corpus", words=args.words)
        book = phrase_only_codebook(root / "phrases.yaml", match="lower")
        out = root / "out"

        def casecode_run() -> None:
            casecode.nlp._build_cached.cache_clear()
            code_corpus([root / "corpus"], book, out=out, xlsx=False, keep=False)

        casecode_run()  # the baseline is handed the sentences this run finds
        sentences = sentence_frame(out)
        regexes = code_regexes(book)
        result: dict[str, pd.DataFrame] = {}
        times = interleaved(args.repeat, {"casecode": casecode_run, "pandas": lambda: result.update(frame=pandas_coding(sentences, regexes))})
        casecode_time, pandas_time = min(times["casecode"]), min(times["pandas"])

        ours = pd.read_csv(out / "segments.csv", usecols=["document", "unit", "segment", "code"], dtype={"document": str}, keep_default_na=False)
        ours_set = {(d, s, c) for d, u, s, c in ours.itertuples(index=False) if u == "sentence"}
        theirs = {(d, s, c) for d, s, c in result["frame"].itertuples(index=False)}
        print(f"corpus: {args.words:,} words, {len(sentences):,} sentences, {len(regexes)} codes; load average {load_average()}")
        print(f"pandas str.contains per code (segments given): {pandas_time:7.2f} s")
        print(f"casecode cold, whole run                    : {casecode_time:7.2f} s   speed-up {pandas_time / casecode_time:.2f}x  (target >= 3x; {per_round(times, 'pandas', 'casecode')})")
        same = ours_set == theirs
        print(f"identical matches: {'yes' if same else 'no'} ({len(ours_set):,} coded sentences; only casecode {len(ours_set - theirs)}, only pandas {len(theirs - ours_set)})")


if __name__ == "__main__":
    main()
