"""The targeted SPARQL rules give the entailments owlrl gives, on the real graph."""

from __future__ import annotations

import owlrl
import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from vrgraph import pipeline, reason
from vrgraph import store as st
from vrgraph.namespaces import VR

from .conftest import select

DATA = "https://w3id.org/vrgraph/id/"


@pytest.fixture(scope="module")
def owlrl_closure(project) -> Graph:
    """owlrl's full OWL 2 RL closure of the graph and the ontology, less its domain and
    range axioms: the rules leave those out on purpose (see vrgraph.reason)."""
    g = Graph()
    g.parse(project.graph)
    g.parse(project.ontology)
    g.remove((None, RDFS.domain, None))
    g.remove((None, RDFS.range, None))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


def relevant(g: Graph) -> set[tuple]:
    """Triples about the document's resources with a vr: property, or their classes."""
    out = set()
    for s, p, o in g:
        if not str(s).startswith(DATA):
            continue
        if str(p).startswith(str(VR)) and not str(o).startswith("http://www.w3.org/2002/07/owl#"):
            out.add((s, p, o))
        elif p == RDF.type and isinstance(o, URIRef) and o != OWL.Thing and o != OWL.NamedIndividual:
            out.add((s, p, o))
    return out


@pytest.mark.slow
def test_rules_give_what_owlrl_gives(store, owlrl_closure):
    ours = relevant(st.graph(store))
    theirs = relevant(owlrl_closure)
    missing = theirs - ours
    extra = ours - theirs
    assert not missing, f"owlrl derives {len(missing)} triples the rules do not: {sorted(missing)[:5]}"
    assert not extra, f"the rules derive {len(extra)} triples owlrl does not: {sorted(extra)[:5]}"


def test_inherited_alignments_equal_the_qualified_ones(store):
    """The property chain derives exactly the alignments the builder qualified as inherited."""
    chain = select(store, """PREFIX vr: <https://w3id.org/vrgraph/def/>
        SELECT ?a ?p WHERE { ?a vr:inheritedAlignment ?p }""")
    qualified = select(store, """PREFIX vr: <https://w3id.org/vrgraph/def/>
        SELECT ?a ?p WHERE { ?q vr:alignmentMode vr:InheritedFromGroupCell ;
                              vr:alignmentOf ?a ; vr:alignmentTo ?p }""")
    as_set = lambda rows: {(r["a"], r["p"]) for r in rows}  # noqa: E731
    assert as_set(chain) == as_set(qualified)
    assert (DATA + "action/5.1.24", DATA + "principle/strategic/4") in as_set(chain)


def test_inferred_triples_are_kept_apart(store):
    asserted = {q.predicate.value for q in store.quads_for_pattern(None, None, None, st.ASSERTED)}
    inferred = {q.predicate.value for q in store.quads_for_pattern(None, None, None, st.INFERRED)}
    assert str(VR.alignedTo) not in asserted
    assert str(VR.alignedTo) in inferred and str(VR.servedBy) in inferred


def test_nothing_asserted_is_inferred_again(store):
    """Queries see the union of the graphs, where Oxigraph keeps a triple once per graph: a
    triple both asserted and inferred would be counted twice. (The real graph asserts some
    that the ontology implies, e.g. rdfs:label beside skos:prefLabel.)"""
    asserted = {q.triple for g in (st.ASSERTED, st.ONTOLOGY)
                for q in store.quads_for_pattern(None, None, None, g)}
    inferred = {q.triple for q in store.quads_for_pattern(None, None, None, st.INFERRED)}
    assert inferred and not inferred & asserted


def test_an_inverse_of_a_literal_is_left_out(project):
    """A literal where an object property's value should be gives no inverse triple (it would
    have a literal subject) and no error."""
    s = st.load([], [project.ontology])
    s.add(ox.Quad(ox.NamedNode(DATA + "action/1"), ox.NamedNode(str(VR.ledBy)),
                  ox.Literal("the police"), st.ASSERTED))
    s.add(ox.Quad(ox.NamedNode(DATA + "action/1"), ox.NamedNode(str(VR.ledBy)),
                  ox.NamedNode(DATA + "agency/mps"), st.ASSERTED))
    reason.materialise(s)
    assert [(q.subject.value, q.object.value) for q in
            s.quads_for_pattern(None, ox.NamedNode(str(VR.leads)), None, st.INFERRED)] == [
        (DATA + "agency/mps", DATA + "action/1")]


def test_no_resource_is_in_two_disjoint_classes(store):
    clashes = select(store, """PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?x ?a ?b WHERE { ?a owl:disjointWith ?b . ?x a ?a, ?b }""")
    assert clashes == []


@pytest.mark.slow
def test_the_ontology_is_consistent(project):
    g = Graph().parse(project.ontology)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    assert not list(g.subjects(RDF.type, OWL.Nothing))
    assert not list(g.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Nothing")))


def test_reasoning_reaches_a_fixpoint(project):
    s = st.load([project.graph], [project.ontology])
    size = len(s)
    inferred = reason.materialise(s)
    assert inferred > 0 and len(s) == size + inferred
    assert reason.materialise(s) == inferred
    assert len(s) == size + inferred


@pytest.mark.slow
def test_vr_properties_match_owlrl_with_domains_and_ranges_too(project, store):
    """Domains and ranges only add classes: every vr: property triple owlrl derives from the
    whole ontology is derived by the rules as well."""
    g = Graph()
    g.parse(project.graph)
    g.parse(project.ontology)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    props = lambda graph: {t for t in relevant(graph) if t[1] != RDF.type}  # noqa: E731
    assert props(g) == props(st.graph(store))


def test_every_vr_term_used_is_defined(project, built):
    _, g = built
    onto = Graph().parse(project.ontology)
    defined = {s for s in onto.subjects() if str(s).startswith(str(VR))}
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(str(VR))}
    assert used - defined == set()


def test_pipeline_load_reasons(project):
    s = pipeline.load(project)
    rows = select(s, "PREFIX vr: <https://w3id.org/vrgraph/def/> "
                     "SELECT (COUNT(*) AS ?n) WHERE { ?a vr:alignedTo ?p }")
    assert int(rows[0]["n"]) > 300
