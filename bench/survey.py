"""Many short documents: open survey answers, one document per answer.

Interviews are few and long; a survey export is one CSV of tens or hundreds of thousands
of answers of a sentence or three, and each answer is a document of its own (its text in
texts/, its rows, its units). This script codes such a survey (``casecode.synthetic``,
cases from its ``case`` column) and, in the same run, interview transcripts with as many
words, serially and with ``--jobs 2``, taking turns. It prints the rates, the cost of
cutting the same words into many documents, and the speed-up of ``--jobs 2``.

    python bench/survey.py --answers 100000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import CODEBOOK, interleaved, load_average, per_round


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from casecode import code_corpus
    from casecode.load import ReadOptions
    from casecode.synthetic import write_synthetic_corpus, write_synthetic_survey

    with tempfile.TemporaryDirectory(prefix="casecode-bench-") as tmp:
        root = Path(tmp)
        survey = write_synthetic_survey(root / "survey" / "answers.csv", answers=args.answers)
        options = ReadOptions(text_column="answer", document_column="respondent")
        words = sum(len(line.split(",", 3)[3].split()) for line in survey.read_text(encoding="utf-8").splitlines()[1:])
        write_synthetic_corpus(root / "interviews", words=words)

        def run(name: str, source: Path, **extra: object) -> None:
            code_corpus([source], CODEBOOK, out=root / name, xlsx=False, keep=False, **extra)

        runs = {
            "survey": lambda: run("survey-serial", survey, options=options),
            "survey-jobs": lambda: run("survey-jobs", survey, options=options, jobs=args.workers),
            "interviews": lambda: run("interviews-out", root / "interviews"),
        }
        times = interleaved(args.repeat, runs)
        best = {name: min(seconds) for name, seconds in times.items()}
        same = all((root / "survey-serial" / f).read_bytes() == (root / "survey-jobs" / f).read_bytes() for f in ("segments.csv", "units.csv", "matrix.csv"))
        print(f"survey: {args.answers:,} answers, {words:,} words; interviews: the same words in {len(list((root / 'interviews').glob('*.md')))} transcripts; load average {load_average()}")
        print(f"interviews, serial       : {best['interviews']:7.1f} s   {words / best['interviews']:>9,.0f} words/s")
        print(f"survey, serial           : {best['survey']:7.1f} s   {words / best['survey']:>9,.0f} words/s   {args.answers / best['survey']:>7,.0f} answers/s   "
              f"{best['survey'] / best['interviews']:.2f}x the interviews' time ({per_round(times, 'survey', 'interviews')})")
        print(f"survey, --jobs {args.workers}         : {best['survey-jobs']:7.1f} s   {args.answers / best['survey-jobs']:>7,.0f} answers/s   "
              f"speed-up {best['survey'] / best['survey-jobs']:.2f}x ({per_round(times, 'survey', 'survey-jobs')})")
        print(f"byte-identical serial and --jobs {args.workers}: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
