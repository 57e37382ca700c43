"""Speed-up of ``--jobs 2`` and of a 2-worker Dask LocalCluster over a serial run.

All three code the same synthetic corpus with the example codebook into a results
folder (no workbook); worker start-up is included, as a user would see it. Best of
--repeat rounds in which the three take turns. The outputs are checked to be
byte-identical. Targets: --jobs 2 >= 1.7x, Dask >= 1.6x.
On a machine whose cores are busy with other work the speed-ups are lower; the load
average is printed.

    python bench/parallel.py --words 1000000
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

from _common import CODEBOOK, best_interleaved, load_average

warnings.filterwarnings("ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from casecode import code_corpus
    from casecode.synthetic import write_synthetic_corpus

    with tempfile.TemporaryDirectory(prefix="casecode-bench-") as tmp:
        root = Path(tmp)
        write_synthetic_corpus(root / "corpus", words=args.words)
        print(f"corpus: {args.words:,} words; {args.workers} workers; load average {load_average()}")
        runs = {
            name: (lambda name=name, options=options: code_corpus([root / "corpus"], CODEBOOK, out=root / name, xlsx=False, keep=False, **options))
            for name, options in (("serial", {}), ("jobs", {"jobs": args.workers}), ("dask", {"dask": "local", "jobs": args.workers}))
        }
        times = best_interleaved(args.repeat, runs)
        same = all((root / "serial" / f).read_bytes() == (root / n / f).read_bytes() for n in ("jobs", "dask") for f in ("segments.csv", "units.csv", "matrix.csv"))
        print(f"serial               : {times['serial']:6.1f} s")
        print(f"--jobs {args.workers}              : {times['jobs']:6.1f} s   speed-up {times['serial'] / times['jobs']:.2f}x  (target >= 1.7x)")
        print(f"Dask LocalCluster x{args.workers} : {times['dask']:6.1f} s   speed-up {times['serial'] / times['dask']:.2f}x  (target >= 1.6x)")
        print(f"byte-identical outputs: {'yes' if same else 'NO'}; load average now {load_average()}")


if __name__ == "__main__":
    main()
