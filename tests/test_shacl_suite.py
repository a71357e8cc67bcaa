"""The W3C SHACL test suite (Core) as the judge of both engines: every test passes.

Reads ``../shared/shacl-test-suite/core/`` next to the repository (see its README);
compares reports as the suite says (``vrgraph.conformance``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from vrgraph import conformance

SUITE = Path(__file__).resolve().parent.parent.parent / "shared" / "shacl-test-suite"
CORE = SUITE / "core" / "manifest.ttl"
CASES = conformance.cases(CORE) if CORE.exists() else []

pytestmark = pytest.mark.skipif(not CORE.exists(), reason=(
    "the W3C SHACL test suite is not at ../shared/shacl-test-suite/core/ (next to the "
    "repository); CI has it"))


def test_the_suite_has_all_98_core_tests():
    assert len(CASES) == 98
    assert len({c.name for c in CASES}) == 98


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_core(case, engine):
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # ill-typed test literals
    passed, why = conformance.passes(case, conformance.vrgraph_validator(engine))
    assert passed, why
