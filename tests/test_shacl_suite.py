"""The W3C SHACL test suite (Core) as the judge of both engines: every test passes.

Reads ``../shared/shacl-test-suite/core/`` next to the repository (see its README);
compares reports as the suite says (``vrgraph.conformance``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph

from vrgraph import conformance
from vrgraph.cli import main
from vrgraph.store import to_rdflib

SUITE = Path(__file__).resolve().parent.parent.parent / "shared" / "shacl-test-suite"
CORE = SUITE / "core" / "manifest.ttl"
CASES = conformance.cases(CORE) if CORE.exists() else []

pytestmark = pytest.mark.skipif(not CORE.exists(), reason=(
    "the W3C SHACL test suite is not at ../shared/shacl-test-suite/core/ (next to the "
    "repository); CI has it"))


def test_the_suite_has_all_98_core_tests():
    assert len(CASES) == 98
    assert len({c.name for c in CASES}) == 98


def cli(data: list[Path], shapes: list[Path]) -> Graph:
    """``vrgraph validate DATA --shapes SHAPES --format turtle``, as a steward runs it."""
    args = ["validate", *map(str, data), *(x for s in shapes for x in ("--shapes", str(s))),
            "--format", "turtle"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    g = Graph()  # each literal as written (rdflib's parser would normalise them)
    for t in ox.parse(result.output.encode(), format=ox.RdfFormat.TURTLE):
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g


@pytest.mark.parametrize("engine", ["cli", "sparql", "pyshacl"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_core(case, engine):
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # ill-typed test literals
    validator = cli if engine == "cli" else conformance.vrgraph_validator(engine)
    passed, why = conformance.passes(case, validator)
    assert passed, why
