"""The ontology with the data is OWL 2 DL that a DL reasoner accepts: HermiT (through
owlready2, as Protégé users run it) finds it consistent with no unsatisfiable class, and
finds the contradiction of an agency that is also a post (agencies and posts are disjoint).
docs/model.md says which OWL 2 profiles hold; tests/test_owl_profile.py checks them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

VR = "https://w3id.org/vrgraph/def/"

owlready2 = pytest.importorskip("owlready2", reason="needs owlready2 (the test extra)")
needs_java = pytest.mark.skipif(
    shutil.which("java") is None,
    reason="needs a Java runtime for HermiT (apt-get install default-jre-headless)")
pytestmark = [pytest.mark.slow, needs_java]  # HermiT takes 10 to 30 s a run


def hermit(g: Graph, folder: Path) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable named classes) of ``g`` by HermiT."""
    path = folder / "all.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, []
    return True, sorted(c.iri for c in world.inconsistent_classes())


@pytest.fixture(scope="module")
def whole(project) -> Graph:
    g = Graph()
    g.parse(project.ontology)
    g.parse(project.graph)
    return g


def test_hermit_finds_the_ontology_and_data_consistent(whole, tmp_path):
    consistent, unsatisfiable = hermit(whole, tmp_path)
    assert consistent
    assert unsatisfiable == []


def test_hermit_finds_an_agency_that_is_also_a_post(whole, tmp_path):
    agency = sorted(whole.subjects(RDF.type, URIRef(VR + "Agency")))[0]
    g = Graph()
    for triple in whole:
        g.add(triple)
    g.add((agency, RDF.type, URIRef(VR + "Post")))
    assert hermit(g, tmp_path) == (False, [])


def test_hermit_accepts_no_datatype_outside_the_owl2_map(project):
    """rdf:langString is not in the OWL 2 datatype map (HermiT stops on it): the ranges of
    language-tagged text are rdf:PlainLiteral; the shapes still require a language tag."""
    onto = Graph().parse(project.ontology)
    rdf_lang = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
    assert not list(onto.triples((None, None, rdf_lang)))
    shapes = Graph().parse(project.shapes)
    assert list(shapes.triples((None, URIRef("http://www.w3.org/ns/shacl#datatype"), rdf_lang)))
