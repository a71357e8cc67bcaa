"""Benchmark: `vrgraph report` end to end (process start included) against the
straightforward pipeline (benchmarks/straightforward.py), side by side on the same data.

    python benchmarks/report.py [--runs 5]

Prints the median, min and max wall time of each and the ratio. Speed goals live here, not
in tests: the goal is at most 1.5 s for `vrgraph report` and at least 5x the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fast_cmd = [str(BIN / "vrgraph"), "report", "-o", f"{tmp}/fast.html"]
        slow_cmd = [sys.executable, str(ROOT / "benchmarks/straightforward.py"), f"{tmp}/slow.html"]
        timed(fast_cmd)  # warm the file cache
        fast = [timed(fast_cmd) for _ in range(args.runs)]
        slow = [timed(slow_cmd) for _ in range(args.baseline_runs)]
    print(f"{'pipeline':48} {'median':>8} {'min':>8} {'max':>8}  runs")
    for label, runs in (("vrgraph report (Oxigraph: rules, SHACL as SPARQL)", fast),
                        ("straightforward (rdflib, owlrl, pySHACL)", slow)):
        print(f"{label:48} {statistics.median(runs):7.2f}s {min(runs):7.2f}s "
              f"{max(runs):7.2f}s  {len(runs)}")
    print(f"speed-up (median): {statistics.median(slow) / statistics.median(fast):.1f}x")


if __name__ == "__main__":
    main()
