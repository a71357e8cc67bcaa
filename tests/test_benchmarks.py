"""Every benchmark runs (one pass, the smallest load), so that none rots between the times
someone measures with it. Times are not asserted (they belong to the benchmarks); what
each prints is. benchmarks/scale.py has its own smoke run in tests/test_scale.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
SUITE = ROOT.parent / "shared" / "shacl-test-suite"

pytestmark = pytest.mark.slow  # each runs the real pipeline at least once


def run(*args: str, timeout: float = 1500) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_benchmark_runs_the_baseline_and_prints_its_ratio():
    """report.py runs benchmarks/straightforward.py (rdflib, owlrl, pySHACL, rdflib's SPARQL
    engine): its smoke run is this one."""
    out = run(str(BENCH / "report.py"), "--runs", "1", "--baseline-runs", "1")
    assert "straightforward (rdflib, owlrl, pySHACL)" in out
    assert "speed-up (median), cold: " in out and out.rstrip().endswith("x")
    for row in ("vrgraph report", "vrgraph query run principle-coverage"):
        assert f"{row} " in out and out.count(f"{row} ") >= 2, row     # warm and cold
    assert "target (warm median)" in out and "vrgraph --help" in out


def test_report_benchmark_has_a_quick_mode_without_the_baseline():
    out = run(str(BENCH / "report.py"), "--quick")
    assert "straightforward" not in out
    runs = re.findall(r" (?:warm|cold) +(?:[\d.]+s +){4}(\d+)", out)
    assert runs == ["3", "3", "3", "3"], out


def test_stores_benchmark_agrees_on_every_store_it_finds():
    out = run(str(BENCH / "stores.py"), "--runs", "1")
    lines = [line for line in out.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| store |") and "| embedded | - |" in out
    for line in lines[2:]:
        if not line.startswith("| embedded"):
            agree = line.split("|")[2].strip()
            total = agree.split("/")[1]
            assert agree == f"{total}/{total}", line
    if "Oxigraph server: skipped" in out:
        pytest.skip("no Oxigraph server (pip install oxigraph) to compare with")


def test_serve_load_benchmark_answers_a_tiny_load():
    out = run(str(BENCH / "serve_load.py"), "--runaways", "1", "--burst", "4", "--rounds", "1",
              "--timeout", "3")
    assert "cheap queries: 4 in 1 bursts of 4 concurrent, with 1 runaway queries" in out
    assert "statuses: {200: 4}" in out


@pytest.mark.skipif(not (SUITE / "core" / "manifest.ttl").is_file(),
                    reason="needs the W3C SHACL test suite in ../shared/shacl-test-suite")
def test_conformance_benchmark_regenerates_the_published_table():
    """docs/conformance.md is what benchmarks/conformance.py writes from the suite: a fresh
    run gives it byte for byte."""
    out = run(str(BENCH / "conformance.py"), "--sparql-suite", str(SUITE / "sparql"),
              "-o", "-")
    assert out == (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")
