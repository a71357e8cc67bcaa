"""vrgraph.synthetic: N boroughs shaped like the real document, deterministic."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from vrgraph import pipeline, synthetic
from vrgraph.query import run_canned
from vrgraph.query.canned import load_queries

ID = re.compile(r"^https://w3id\.org/vrgraph/(b[0-9]+/)?id/")


@pytest.fixture(scope="module")
def generator(project):
    return synthetic.Generator(project.graph)


@pytest.fixture(scope="module")
def three(tmp_path_factory, project):
    out = tmp_path_factory.mktemp("synthetic") / "three.nt"
    synthetic.write(project.graph, out, 3)
    return out


def _iris(path) -> set[str]:
    found = set()
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
        for term in (q.subject, q.predicate, q.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
    return found


def test_the_same_n_and_seed_give_the_same_bytes(tmp_path, project, three):
    again = tmp_path / "again.nt"
    synthetic.write(project.graph, again, 3)
    assert again.read_bytes() == three.read_bytes()
    other = tmp_path / "other.nt"
    synthetic.write(project.graph, other, 3, seed=1)
    assert other.read_bytes() != three.read_bytes()


def test_every_instance_iri_moves_under_its_borough_and_the_vocabulary_stays(project, three):
    iris = _iris(three)
    instance = {i for i in iris if ID.match(i)}
    assert instance and all(re.match(r"^https://w3id\.org/vrgraph/b[123]/id/", i) for i in instance)
    original = {i for i in _iris_ttl(project.graph) if not ID.match(i)}
    assert {i for i in iris if not ID.match(i)} == original  # vocabulary, ontology, others
    for k in (1, 2, 3):
        assert f"https://w3id.org/vrgraph/b{k}/id/action/5.1.1" in iris


def _iris_ttl(path) -> set[str]:
    return {t.value for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)}


def test_boroughs_differ_from_each_other_and_from_the_real_document(generator):
    texts = [generator.borough_text(k).replace(f"/b{k}/id/", "/id/") for k in (1, 2, 3, 4)]
    assert len(set(texts)) == 4
    base = {line.replace("\x00", "") for line in generator.lines}
    for k, text in enumerate(texts, 1):
        lines = set(text.splitlines(keepends=True))
        assert lines != base
        assert len(lines ^ base) < 60, "a borough differs by a few links, not wholesale"
        assert f"(synthetic borough {k})" in text


def test_a_dropped_alignment_leaves_no_dangling_link(generator):
    for k in range(1, 6):
        v = generator.variation(k)
        for group in generator.alignments:
            assert group <= v.dropped or not group & v.dropped


def test_a_borough_is_about_the_size_of_the_real_document(generator):
    one = generator.borough_text(1).count("\n")
    assert abs(one - len(generator.triples)) < 40


def test_three_boroughs_load_reason_and_answer(project, three):
    st = pipeline.load(project, [three])
    coverage = run_canned(st, load_queries(project.queries)["principle-coverage"])
    assert len(coverage.rows) == 3 * len(
        run_canned(pipeline.load(project), load_queries(project.queries)["principle-coverage"]).rows)


def test_three_boroughs_validate_like_one(project, three):
    """Several boroughs in one graph conform: action numbers are unique within a plan and
    every IRI keeps the {base}id/{type}/{key} form."""
    report, _ = pipeline.validate_files(project, [three])
    assert report.count("Violation") == 0
