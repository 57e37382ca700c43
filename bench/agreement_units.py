"""How agreement time grows with the unit: sentence vs character on the example study.

Codes the example study once, compares the results folder with a thinned copy of itself
(every third coding dropped), and prints the time per unit kind and the ratios.

    python bench/agreement_units.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from casecode import code_corpus, read_results
from casecode.intercoder import CodedSpan, Source, agreement

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results"
        code_corpus([ROOT / "transcripts_example"], ROOT / "codebooks" / "partnership.yaml", out=out, xlsx=False)
        results = read_results(out)
        seg = results.segments
        docs = frozenset(results.documents["document"])
        spans = [CodedSpan(d, int(s), int(e), c, "casecode") for d, s, e, c in zip(seg["document"], seg["start"], seg["end"], seg["code"])]
        full = Source("casecode", str(out), tuple(spans), docs)
        thinned = Source("thinned", "thinned", tuple(s for i, s in enumerate(spans) if i % 3), docs)
        timings = {}
        for unit in ("sentence", "paragraph", "turn", "character"):
            start = time.perf_counter()
            report = agreement([full, thinned], results, unit=unit)
            timings[unit] = (time.perf_counter() - start, report.units)
            print(f"{unit:10s} {report.units:7d} units  {timings[unit][0]:6.2f} s  pooled kappa {report.overall['kappa']:.3f}")
        sentence, character = timings["sentence"], timings["character"]
        print(f"character/sentence: {character[1] / sentence[1]:.0f}x the units, {character[0] / sentence[0]:.1f}x the time")


if __name__ == "__main__":
    main()
