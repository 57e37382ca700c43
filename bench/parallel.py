"""Speed-up of ``--jobs 2`` and of a 2-worker Dask LocalCluster over a serial run.

All three code the same synthetic corpus with the example codebook into a results
folder (no workbook); worker start-up is included. Measured two ways in this one run:
  * in one Python process (a notebook calling ``code_corpus``): best of --repeat
    rounds in which the three take turns. The fork server that worker processes are
    forked from is started once per process, so after the first round it is running
    already (the serial run likewise re-uses the pipeline it built);
  * as separate ``casecode code`` commands, as from the command line: each one starts
    Python, imports spaCy and builds its pipeline, and with workers starts the fork
    server (or the local cluster) too. Best of --repeat rounds, taking turns;
  * on a Dask cluster that is running already, as ``--dask ADDRESS`` uses one: a
    LocalCluster started before timing, with the settings the README advises (its workers keep their
    pipeline between runs, as a long-lived cluster's do), against serial runs taking
    turns with it. Skipped when distributed is not installed.
The outputs are checked to be byte-identical. Targets: --jobs 2 >= 1.7x, Dask >= 1.6x.

On a machine whose cores are busy with other work the speed-ups are lower; the load
average is printed.

    python bench/parallel.py --words 1000000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from _common import CODEBOOK, interleaved, load_average, per_round

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
        times = interleaved(args.repeat, runs)
        report("in one process", times, args.workers)
        commands = {
            name: (lambda name=name, options=options: run_command(["code", str(root / "corpus"), "--codebook", str(CODEBOOK), "--out", str(root / f"{name}-cli"), "--no-xlsx", *options]))
            for name, options in (("serial", []), ("jobs", ["--jobs", str(args.workers)]), ("dask", ["--dask", "local", "--jobs", str(args.workers)]))
        }
        report("new processes", interleaved(args.repeat, commands), args.workers)
        names = ["serial", "jobs", "dask", "serial-cli", "jobs-cli", "dask-cli"]
        if running_cluster(root, args, runs["serial"], min(times["serial"])):
            names.append("dask-running")
        outputs = [root / name for name in names]
        same = all((outputs[0] / f).read_bytes() == (n / f).read_bytes() for n in outputs[1:] for f in ("segments.csv", "units.csv", "matrix.csv"))
        print(f"byte-identical outputs: {'yes' if same else 'NO'}; load average now {load_average()}")


def running_cluster(root: Path, args: argparse.Namespace, serial: Any, serial_before: float) -> bool:
    """Dask on a cluster that is running already, as with ``--dask ADDRESS``: a LocalCluster
    of ``--workers`` processes of one thread, started before timing, with the settings
    the README advises for one's own cluster (no profiler, coarser self-checks).

    Its workers keep their pipeline between runs, as a long-lived cluster's do. The
    speed-up is over the shortest serial time of the whole script (``serial_before``,
    from the runs in one process, or the serial runs taking turns with these): the
    idle cluster takes a little CPU from a serial run beside it. False (with a message)
    when distributed is not installed.
    """
    try:
        import distributed
    except ImportError:
        print("running cluster: skipped, distributed is not installed (pip install 'casecode[dask]')")
        return False
    from casecode import code_corpus

    import dask

    from casecode.coding.backends import LOCAL_CLUSTER_MONITORS

    settings = {"distributed.worker.profile.enabled": False, **LOCAL_CLUSTER_MONITORS}  # as the README advises
    with dask.config.set(settings), distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(args.workers)
        runs = {"serial": serial, "dask": lambda: code_corpus([root / "corpus"], CODEBOOK, out=root / "dask-running", xlsx=False, keep=False, dask=client)}
        times = interleaved(args.repeat, runs)
    serial_time = min(*times["serial"], serial_before)
    print("on a running cluster (as --dask ADDRESS; started before timing):")
    print(f"  serial               : {min(times['serial']):6.1f} s   (shortest serial run in this script: {serial_time:.1f} s)")
    print(f"  {f'Dask x{args.workers}, running':<21}: {min(times['dask']):6.1f} s   speed-up {serial_time / min(times['dask']):.2f}x  (target >= 1.6x; against the serial runs beside it: {per_round(times, 'serial', 'dask')})")
    return True


def report(how: str, times: dict[str, list[float]], workers: int) -> None:
    """The shortest time of each run, the speed-ups between them, and the speed-ups within each round."""
    best = {name: min(runs) for name, runs in times.items()}
    print(f"{how}:")
    print(f"  serial               : {best['serial']:6.1f} s")
    print(f"  {f'--jobs {workers}':<21}: {best['jobs']:6.1f} s   speed-up {best['serial'] / best['jobs']:.2f}x  (target >= 1.7x; {per_round(times, 'serial', 'jobs')})")
    print(f"  Dask LocalCluster x{workers} : {best['dask']:6.1f} s   speed-up {best['serial'] / best['dask']:.2f}x  (target >= 1.6x; {per_round(times, 'serial', 'dask')})")


def run_command(args: list[str]) -> None:
    """``casecode ARGS`` in a new Python process."""
    done = subprocess.run([sys.executable, "-m", "casecode", *args], capture_output=True, text=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    if done.returncode:
        raise SystemExit(f"casecode {' '.join(args)} failed:\n{done.stderr[-2000:]}")


if __name__ == "__main__":
    main()
