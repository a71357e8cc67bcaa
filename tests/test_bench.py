"""The scale benchmark still runs (benchmarks/scale.py): one pass at N=1 of the stages issue 21
measures, so that it cannot rot between the runs that fill docs/engines.md. No timing is
asserted: only that every stage ran and the targets' rows are printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_scale_benchmark_runs_every_issue_21_stage_at_n1(tmp_path):
    out = tmp_path / "scale.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/scale.py"), "--sizes", "1", "--engines",
         "pyoxigraph", "--stages", "reason,store,stored,commands", "--repeat", "1",
         "--json", str(out)], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "failed" not in done.stderr, done.stderr[-2000:]
    for row in ("reasoning", "store build: reasoning", "stored: open the graph",
                "principle-coverage", "issue 21 target", "N=1 vrgraph report",
                "N=1 vrgraph query run NAME", "N=1 open the graph for any command",
                "N=1 validation", "N=1 peak memory of any command",
                "N=100 a command run again on the same data"):
        assert row in done.stdout, row
    assert out.is_file()
