"""The OWL 2 profiles the ontology is in, by the OWL API's own profile checkers (Debian's
libowlapi-java, called through JPype): OWL 2 DL for the ontology, and with the data but for
OWL-Time's year and date literals kept as annotations; OWL 2 RL for the rules vrgraph/reason.py materialises.
docs/model.md ("OWL 2 profiles") says the same."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph

jpype = pytest.importorskip("jpype", reason="needs JPype1 (the test extra)")
pytest.importorskip("jpype.imports")  # makes Java packages importable once the JVM runs
JARS = sorted(Path("/usr/share/java").glob("*.jar"))
pytestmark = [
    pytest.mark.slow,  # the OWL API takes 10 to 40 s to load the graph
    pytest.mark.skipif(shutil.which("java") is None or not any(
        p.name.startswith("owlapi-distribution") for p in JARS),
        reason="needs a Java runtime and the OWL API (apt-get install libowlapi-java)"),
]


@pytest.fixture(scope="module")
def profiles():
    if not jpype.isJVMStarted():
        jpype.startJVM(classpath=[str(p) for p in JARS])
    from java.io import File  # noqa: I001 (Java packages, importable once the JVM runs)
    from org.semanticweb.owlapi.apibinding import OWLManager
    from org.semanticweb.owlapi.profiles import Profiles

    def violations(path: Path, profile: str) -> list[str]:
        manager = OWLManager.createOWLOntologyManager()
        ontology = manager.loadOntologyFromOntologyDocument(File(str(path)))
        report = getattr(Profiles, profile).checkOntology(ontology)
        return sorted(str(v) for v in report.getViolations())
    return violations


def kinds(violations: list[str]) -> Counter[str]:
    """Violations by kind: the text before the axiom they name."""
    return Counter(v.split(" [")[0].split(":")[0] for v in violations)


def test_the_ontology_is_owl2_dl(project, profiles):
    assert profiles(project.ontology, "OWL2_DL") == []


def test_the_ontology_with_the_data_is_owl2_dl(project, profiles, tmp_path):
    """OWL-Time's year and date literals (xsd:gYear, xsd:date, which the OWL 2 datatype map
    lacks) are values of annotation properties, so the whole is OWL 2 DL."""
    g = Graph().parse(project.ontology).parse(project.graph)
    path = tmp_path / "all.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    assert profiles(path, "OWL2_DL") == []


def test_the_rules_materialised_are_owl2_rl(project, profiles):
    """The ontology as a whole is not OWL 2 RL, and the RL checker says why: owl:Thing as a
    domain or range (reason.py materialises neither) and vr:LeadPartner as the union of
    organisations and posts (the half that is RL, the union a subclass, is what ``cls-uni``
    materialises). Nothing else, so the axioms the rules use are in the profile."""
    found = profiles(project.ontology, "OWL2_RL")
    outside = [v for v in found
               if not (v.startswith("Use of non-superclass expression in position that requires "
                                    "a superclass expression: owl:Thing")
                       or v.startswith("Use of non-equivalent class expression in position that "
                                       "requires an equivalent class expression: ObjectUnionOf("
                                       "<http://www.w3.org/ns/org#Organization> "
                                       "<http://www.w3.org/ns/org#Post>)"))]
    assert outside == []
    assert kinds(found)  # the checker did look: the two known kinds are there
