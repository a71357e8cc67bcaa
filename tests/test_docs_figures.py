"""The figures in the docs that can be checked are checked: counts of canned queries, of
triples, of W3C tests, and the conformance table (regenerated and compared in full by
tests/test_benchmarks.py where the suite is present)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vrgraph.query.canned import load_queries

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SUITE = ROOT.parent / "shared" / "shacl-test-suite"


def text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def canned(project) -> int:
    return len(load_queries(project.queries))


def test_the_oxigraph_doc_counts_every_canned_query(canned):
    doc = text("docs/oxigraph.md")
    assert f"({canned} of {canned}: same rows" in doc
    assert f"| {canned}/{canned} |" in doc


def test_the_engines_doc_counts_every_canned_query_on_rdflib(canned):
    doc = text("docs/engines.md")
    assert f"now {canned} of {canned})" in doc
    assert f"(there are {canned} now)" in doc


def test_the_virtuoso_doc_gives_the_reasoned_graphs_size(store):
    doc = text("docs/virtuoso.md")
    size = len(store)
    assert f"pushed {size} triples (asserted, ontology and inferred)" in doc
    assert f"read the graph ({size:,} triples)" in doc


def conformance_rows() -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\| ([^|]+) \| (\d+ / \d+) \| (\d+ / \d+) \|$", text("docs/conformance.md"),
                      re.M)
    return {name: (core, sparql) for name, core, sparql in rows}


def test_the_readme_states_the_conformance_tables_figures():
    rows = conformance_rows()
    ours = rows["vrgraph (default: compiled to SPARQL on Oxigraph)"]
    assert rows["vrgraph `--engine pyshacl`"] == ours
    core, sparql = (int(part.split(" / ")[1]) for part in ours)
    assert all(part.split(" / ")[0] == part.split(" / ")[1] for part in ours)
    readme = text("README.md")
    assert f"Both pass the {core} W3C SHACL Core tests and the {sparql} W3C SHACL-SPARQL tests" \
        in readme


@pytest.mark.skipif(not (SUITE / "core" / "manifest.ttl").is_file(),
                    reason="needs the W3C SHACL test suite in ../shared/shacl-test-suite")
def test_the_conformance_table_counts_the_suite_at_the_commit_its_readme_names():
    from vrgraph.validate import conformance

    core = len(conformance.cases(SUITE / "core" / "manifest.ttl"))
    sparql = len(conformance.suite_cases(SUITE / "sparql"))
    for name, (c, s) in conformance_rows().items():
        assert c.endswith(f"/ {core}") and s.endswith(f"/ {sparql}"), name
    named = re.search(r"commit ([0-9a-f]{7,40})", (SUITE / "README.md").read_text("utf-8"))
    assert named and f"commit {named.group(1)})" in text("docs/conformance.md")
