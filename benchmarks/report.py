"""Benchmark: the N=1 commands of issue 21 end to end (process start included), each a new
process as a user runs it, and `vrgraph report` against the straightforward pipeline
(benchmarks/straightforward.py) on the same data.

    python benchmarks/report.py [--runs 7] [--quick]

Prints the median, min and max wall time and the median CPU time (user + system, the
confined children's included: steadier than wall time on a loaded machine) of:

- `vrgraph report` and `vrgraph query run principle-coverage`, **warm** (run again on the
  same inputs: what the last run kept is read, the report's answers and validation among
  it, see vrgraph/kept.py) and **cold** (a fresh, empty store folder at every run:
  nothing kept, everything parsed, reasoned, guarded, validated and compiled);
- `vrgraph --help` (start-up alone);
- with the baseline (not with --quick), the straightforward pipeline and the speed-up.

The commands run with Python's bytecode caching on (PYTHONDONTWRITEBYTECODE unset), as a
user's installed Python runs them. Targets (issue 21): report <= 0.5 s, query run <= 0.3 s,
warm, on a quiet two-core machine. Speed goals live here, not in tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGETS = {"report": 0.5, "query run": 0.3}


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(cmd: list[str], runs: int, store: str | None, tmp: Path) -> list[tuple[float, float]]:
    """``runs`` timed runs of ``cmd``: warm (``store`` primed by one untimed run) or, with
    ``store`` None, cold (a fresh store folder for each run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if store is not None:
        env["VRGRAPH_STORE"] = store
        timed(cmd, env)
        return [timed(cmd, env) for _ in range(runs)]
    out = []
    for _ in range(runs):
        env["VRGRAPH_STORE"] = tempfile.mkdtemp(prefix="cold-", dir=tmp)
        out.append(timed(cmd, env))
    return out


def line(label: str, kept: str, runs: list[tuple[float, float]], target: float | None) -> str:
    walls = [w for w, _ in runs]
    med = statistics.median(walls)
    goal = f"<= {target:g} s: {'met' if med <= target else 'NOT met'}" if target else ""
    return (f"{label:42} {kept:5} {med:7.2f}s {min(walls):7.2f}s {max(walls):7.2f}s "
            f"{statistics.median(c for _, c in runs):7.2f}s {len(runs):5}  {goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-runs", type=int, default=2, help="0: no baseline")
    parser.add_argument("--quick", action="store_true",
                        help="3 runs of each, no baseline: a few seconds")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    vrgraph = str(BIN / "vrgraph")
    print(f"N=1 (the document), {runs} runs each, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    print(f"{'command':42} {'kept':5} {'median':>8} {'min':>8} {'max':>8} {'cpu':>8} "
          f"{'runs':>5}  target (warm median)")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        warm = str(tmp / "warm")
        report = [vrgraph, "report", "-o", str(tmp / "fast.html")]
        query = [vrgraph, "query", "run", "principle-coverage"]
        figures: dict[tuple[str, str], list[float]] = {}
        for label, cmd, target in (("vrgraph report", report, TARGETS["report"]),
                                   ("vrgraph query run principle-coverage", query,
                                    TARGETS["query run"])):
            for kept, store in (("warm", warm), ("cold", None)):
                done = measure(cmd, runs, store, tmp)
                figures[label, kept] = [w for w, _ in done]
                print(line(label, kept, done, target if kept == "warm" else None), flush=True)
        print(line("vrgraph --help", "-", measure([vrgraph, "--help"], runs, warm, tmp), None))
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        if args.quick or args.baseline_runs < 1:
            return
        slow_cmd = [sys.executable, str(ROOT / "benchmarks/straightforward.py"),
                    str(tmp / "slow.html")]
        slow = [timed(slow_cmd, dict(os.environ))[0] for _ in range(args.baseline_runs)]
    print()
    print(f"{'pipeline':56} {'median':>8} {'min':>8} {'max':>8}  runs")
    for label, walls in (
            ("vrgraph report, warm (Oxigraph: rules, SHACL as SPARQL)",
             figures["vrgraph report", "warm"]),
            ("vrgraph report, cold", figures["vrgraph report", "cold"]),
            ("straightforward (rdflib, owlrl, pySHACL)", slow)):
        print(f"{label:56} {statistics.median(walls):7.2f}s {min(walls):7.2f}s "
              f"{max(walls):7.2f}s  {len(walls)}")
    for kept in ("cold", "warm"):
        ratio = statistics.median(slow) / statistics.median(figures["vrgraph report", kept])
        print(f"speed-up (median), {kept}: {ratio:.1f}x")


if __name__ == "__main__":
    main()
