"""Peak memory of a streamed run as the corpus grows 10x (target: < 1.3x).

Each size is coded in a fresh process (``code_corpus(..., keep=False, xlsx=False)``, the
way ``casecode code --no-xlsx`` runs), which reports its own peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). Corpora are written beforehand, outside
the measured process.

    python bench/memory.py --small 1000000 --large 10000000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import CODEBOOK, load_average, run_child

CHILD = """
import resource, sys, warnings
warnings.filterwarnings("ignore")
from casecode import code_corpus
run = code_corpus([sys.argv[1]], sys.argv[2], out=sys.argv[3], xlsx=False, keep=False)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6, run.summary.codings)
"""


def measure(root: Path, words: int) -> tuple[float, int, float]:
    from casecode.synthetic import write_synthetic_corpus

    corpus = root / f"corpus-{words}"
    write_synthetic_corpus(corpus, words=words)
    start = time.perf_counter()
    peak, codings = run_child(CHILD, str(corpus), str(CODEBOOK), str(root / f"out-{words}")).split()
    return float(peak), int(codings), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casecode-bench-") as tmp:
        root = Path(tmp)
        print(f"example codebook, streamed run without the workbook; load average {load_average()}")
        small = measure(root, args.small)
        print(f"{args.small:>12,} words: peak RSS {small[0]:7.1f} MB  ({small[1]:,} coded segments, {small[2]:.0f} s)")
        large = measure(root, args.large)
        print(f"{args.large:>12,} words: peak RSS {large[0]:7.1f} MB  ({large[1]:,} coded segments, {large[2]:.0f} s)")
        print(f"corpus x{args.large / args.small:.0f} -> peak memory x{large[0] / small[0]:.2f}  (target < 1.3x)")


if __name__ == "__main__":
    main()
