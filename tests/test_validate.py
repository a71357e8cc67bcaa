"""Validation: the real graph, hostile inputs, each shape firing, and the CLI's contract."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.namespace import XSD as _XSD

from vrgraph import store
from vrgraph.cli import main
from vrgraph.errors import InputError
from vrgraph.namespaces import DCTERMS, ORG, PROV, SH, VR
from vrgraph.pipeline import validate_files
from vrgraph.validate import validate

ID = "https://w3id.org/vrgraph/id/"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_built_graph_conforms_with_only_the_documents_gaps():
    result = invoke("validate", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["conforms"] is True
    assert report["counts"]["Violation"] == 0
    by_shape = {}
    for r in report["results"]:
        by_shape.setdefault(r["shape"].rsplit("/", 1)[-1], set()).add(r["focus"].rsplit("/", 1)[-1])
    # the document's own gaps, and nothing else
    assert set(by_shape) == {"Action-ledBy-present", "Action-alignedTo-present",
                             "CommunicationObjective-smartTarget-present"}
    assert by_shape["CommunicationObjective-smartTarget-present"] == {"5", "6"}
    assert by_shape["Action-alignedTo-present"] == {"5.4.9", "5.4.10", "5.9.16", "5.9.17"}
    assert {"5.1.21", "5.1.29", "5.6.6", "5.9.12"} <= by_shape["Action-ledBy-present"]
    assert all(r["lines"] for r in report["results"])


def test_strict_makes_warnings_fail():
    assert invoke("validate", "--strict").exit_code == 1


def test_text_report_groups_by_severity_with_source_lines():
    result = invoke("validate")
    assert result.exit_code == 0
    assert "conforms (25 warnings)" in result.output.splitlines()[0]
    assert "Warning (25)" in result.output
    assert "vrid:action/5.1.21 vr:ledBy (min count) [source line 140]" in result.output


def test_turtle_report_parses_and_is_the_same_at_every_run():
    result = invoke("validate", "--format", "turtle")
    g = Graph().parse(data=result.output, format="turtle")
    assert len(g) > 0
    assert invoke("validate", "--format", "turtle").output == result.output  # byte for byte


def test_a_report_with_blank_nodes_is_written_the_same_at_every_run(tmp_path):
    """Blank focus nodes, values, anonymous shapes and a sequence path: each is a blank node
    of the report graph, named in the report's order, not rdflib's random labels."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://ex.org/> .
ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
  sh:property [ sh:path ex:p ; sh:datatype <http://www.w3.org/2001/XMLSchema#integer> ] ,
              [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] .
""", encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text("""@prefix ex: <http://ex.org/> .
[] ex:p "a" . [] ex:p "b" . ex:n ex:p [ ex:r "c" ] . ex:m ex:p "d", "e" .
""", encoding="utf-8")
    args = ("validate", str(data), "--shapes", str(shapes), "--format", "turtle")
    first = invoke(*args)
    assert first.exit_code == 1, first.output
    assert "[]" in first.output and "sh:focusNode [" in first.output   # nested, unlabelled
    assert all(invoke(*args).output == first.output for _ in range(3))


@pytest.mark.parametrize("content,line,column,what", [
    ("@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c .\n<http://ex.org/a b> ex:b ex:c .\n",
     3, 1, "Invalid IRI"),
    ('@prefix ex: <http://ex.org/> .\n"lit" ex:b ex:c .\n', 2, 1, "not a valid subject"),
    ("@prefix ex: <http://ex.org/> .\nex:a ex:b ex:c\n", 3, None, "malformed TURTLE"),
    ("@prefix ex: <http://ex.org/> .\nex:a ex:b undeclared:c .\n", 2, None, "undeclared"),
])
def test_malformed_turtle_gives_file_line_column_and_exit_2(tmp_path, content, line, column, what):
    f = tmp_path / "edit.ttl"
    f.write_text(content)
    result = invoke("validate", str(f))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    where = f"edit.ttl:{line}:" + (f"{column}:" if column else "")
    assert where in result.output
    assert what.lower() in result.output.lower()


def test_a_file_goes_wholly_into_its_graph_or_not_at_all(tmp_path):
    dataset = tmp_path / "named.trig"
    dataset.write_text("<http://ex.org/a> <http://ex.org/b> <http://ex.org/c> .\n"
                       "<http://ex.org/g> { <http://ex.org/a> <http://ex.org/b> <http://ex.org/d> }\n")
    broken = tmp_path / "broken.ttl"
    broken.write_text('<http://ex.org/a> <http://ex.org/b> <http://ex.org/e> .\n'
                      '<http://ex.org/a> <http://ex.org/b> "x\n')
    s = ox.Store()
    store.add_file(s, dataset, store.ASSERTED)
    assert len(s) == 2 and {q.graph_name for q in s} == {store.ASSERTED}
    with pytest.raises(InputError, match=r"broken.ttl:2:\d+: malformed Turtle"):
        store.add_file(s, broken, store.ASSERTED)
    assert len(s) == 2


def test_missing_and_unknown_files_are_exit_2(tmp_path):
    assert "cannot read" in invoke("validate", str(tmp_path / "nope.ttl")).output
    other = tmp_path / "data.xlsx"
    other.write_text("x")
    result = invoke("validate", str(other))
    assert result.exit_code == 2 and "unknown RDF file type" in result.output


# -- each shape fires on a small hostile input ----------------------------------------------------
@pytest.fixture(scope="module")
def full(project) -> Graph:
    return Graph().parse(project.graph)


@pytest.fixture(scope="module")
def neighbourhood(full) -> Graph:
    """Action 5.1.1 with everything it refers to, as a small valid graph."""
    action = URIRef(ID + "action/5.1.1")
    return closure(full, [action, *full.subjects(VR.alignmentOf, action)])


def closure(full: Graph, todo: list[URIRef]) -> Graph:
    """``todo`` with everything they refer to, as a small graph."""
    keep = Graph()
    seen = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in full.predicate_objects(node):
            keep.add((node, p, o))
            if isinstance(o, URIRef) and str(o).startswith(ID):
                todo.append(o)
    return keep


def check(tmp_path: Path, project, g: Graph):
    f = tmp_path / "edit.ttl"
    g.serialize(f, format="turtle")
    report, _ = validate_files(project, [f])
    return {(r.severity, r.shape.rsplit("/", 1)[-1]) for r in report.results}


def test_the_neighbourhood_is_valid(tmp_path, project, neighbourhood):
    assert {s for s, _ in check(tmp_path, project, neighbourhood)} <= {"Warning"}


A = URIRef(ID + "action/5.1.1")


def mutate(g: Graph, remove=(), add=()) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    for t in remove:
        out.remove(t)
    for t in add:
        out.add(t)
    return out


@pytest.mark.parametrize("name,remove,add,expected", [
    ("no plan", [(A, VR.inPlan, None)], [], ("Violation", "Action-inPlan")),
    ("two plans", [], [(A, VR.inPlan, URIRef(ID + "plan/5.2")),
                       (URIRef(ID + "plan/5.2"), RDF.type, VR.ActionPlan)],
     ("Violation", "Action-inPlan")),
    ("bad number", [(A, VR.number, None)], [(A, VR.number, Literal("5.x"))],
     ("Violation", "Action-number")),
    ("untagged text", [(A, VR.text, None)], [(A, VR.text, Literal("Some text"))],
     ("Violation", "Action-text")),
    ("number as integer", [(A, VR.number, None)], [(A, VR.number, Literal(5))],
     ("Violation", "Action-number")),
    ("lead is a principle", [], [(A, VR.ledBy, URIRef(ID + "principle/strategic/4"))],
     ("Violation", "Action-ledBy")),
    ("no lead", [(A, VR.ledBy, None)], [], ("Warning", "Action-ledBy-present")),
    ("no source lines", [(A, PROV.wasDerivedFrom, None)], [],
     ("Violation", "Action-wasDerivedFrom")),
])
def test_each_shape_fires(tmp_path, project, neighbourhood, name, remove, add, expected):
    assert expected in check(tmp_path, project, mutate(neighbourhood, remove, add)), name


F = URIRef(ID + "factor/young-black-mens-programme/1")
V = URIRef(ID + "vision/community-strategy/1")
N = URIRef(ID + "footnote/2")


@pytest.mark.parametrize("name,remove,add,expected", [
    ("a factor no programme considers",
     [(URIRef(ID + "programme/young-black-mens-programme"), VR.considersFactor, F)], [],
     ("Violation", "ProgrammeFactor-programme")),
    ("a vision statement without its words", [(V, VR.text, None)], [],
     ("Violation", "ProseItem-text")),
    ("a vision statement in two sections", [], [(V, DCTERMS.isPartOf, URIRef(ID + "section/3.1"))],
     ("Violation", "ProseItem-section")),
    ("a footnote without source lines", [(N, PROV.wasDerivedFrom, None)], [],
     ("Violation", "ProseItem-wasDerivedFrom")),
    ("a footnote numbered '2.'", [(N, VR.number, None)], [(N, VR.number, Literal("2."))],
     ("Violation", "Footnote-number")),
    ("a footnote referencing a literal", [(N, DCTERMS.references, None)],
     [(N, DCTERMS.references, Literal("https://example.org/"))],
     ("Violation", "Footnote-references")),
    ("a badly minted footnote IRI", [], [(URIRef(ID + "footnote/two"), RDF.type, VR.Footnote)],
     ("Violation", "FootnoteShape")),
])
def test_each_prose_shape_fires(tmp_path, project, full, name, remove, add, expected):
    """Vision statements, programme factors and footnotes (issue "Stewardship", item 6)."""
    prose = closure(full, [URIRef(ID + "programme/young-black-mens-programme"), V, N])
    assert {s for s, _ in check(tmp_path, project, prose)} <= {"Warning"}
    assert expected in check(tmp_path, project, mutate(prose, remove, add)), name


def test_duplicate_action_numbers_are_a_violation(tmp_path, project, neighbourhood):
    twin = URIRef(ID + "action/5.1.1-copy")
    extra = [(twin, p, o) for p, o in neighbourhood.predicate_objects(A)]
    found = check(tmp_path, project, mutate(neighbourhood, add=extra))
    assert ("Violation", "Action-uniqueNumber") in found, found


def test_sparql_constraints_on_oxigraph_agree_with_pyshacl(tmp_path, project, neighbourhood):
    """The one-query evaluation finds exactly what pySHACL's per-focus-node one finds."""
    import pyshacl

    from vrgraph import pipeline
    from vrgraph import store as st
    from vrgraph.namespaces import SH

    twin = URIRef(ID + "action/5.1.1-copy")
    hostile = mutate(neighbourhood, add=[(twin, p, o) for p, o in neighbourhood.predicate_objects(A)]
                     + [(twin, VR.inGroup, URIRef(ID + "group/5.2/intelligence-gathering-and-sharing")),
                        (URIRef(ID + "group/5.2/intelligence-gathering-and-sharing"), VR.groupOf,
                         URIRef(ID + "plan/5.2"))])
    f = tmp_path / "hostile.ttl"
    hostile.serialize(f, format="turtle")
    store = pipeline.load(project, [f])
    shapes = pipeline.shapes(project)
    ours = {(r.shape.rsplit("/", 1)[-1], r.focus) for r in validate(store, shapes).results
            if r.shape.endswith(("uniqueNumber", "groupInSamePlan"))}
    _, results, _ = pyshacl.validate(st.graph(store), shacl_graph=shapes, inference="none",
                                     allow_warnings=True)
    theirs = {(str(results.value(n, SH.sourceConstraint)).rsplit("/", 1)[-1],
               str(results.value(n, SH.focusNode)))
              for n in results.subjects(SH.sourceConstraint, None)
              if str(results.value(n, SH.sourceConstraint)).endswith(("uniqueNumber", "groupInSamePlan"))}
    assert ours == theirs
    assert {shape for shape, _ in ours} == {"Action-uniqueNumber", "Action-groupInSamePlan"}


def test_agency_iri_pattern(tmp_path, project, neighbourhood):
    bad = URIRef(ID + "agency/Community_Safety")
    found = check(tmp_path, project, mutate(neighbourhood, add=[
        (bad, RDF.type, VR.Agency), (A, VR.ledBy, bad)]))
    assert any(s == "Violation" and shape.startswith("Agency") for s, shape in found), found


def test_excerpt_lines_in_order(tmp_path, project, neighbourhood):
    ex = URIRef(ID + "source/L110-L110")
    found = check(tmp_path, project, mutate(neighbourhood, remove=[(ex, VR.lastLine, None)],
                                            add=[(ex, VR.lastLine, Literal(100, datatype=_XSD.integer))]))
    assert any(s == "Violation" and "SourceExcerpt" in shape for s, shape in found), found


def test_merge_validates_edits_against_the_built_graph(tmp_path):
    edit = tmp_path / "new-action.ttl"
    edit.write_text("""@prefix vr: <https://w3id.org/vrgraph/def/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<https://w3id.org/vrgraph/id/action/5.1.30> a vr:Action ;
    vr:number "5.1.30" ; vr:text "A new action."@en ;
    vr:inPlan <https://w3id.org/vrgraph/id/plan/5.1> ;
    vr:ledBy <https://w3id.org/vrgraph/id/agency/mps> ;
    vr:statedAlignment <https://w3id.org/vrgraph/id/principle/strategic/3> ;
    prov:wasDerivedFrom <https://w3id.org/vrgraph/id/source/L110-L110> .
""")
    alone = invoke("validate", str(edit), "--format", "json")
    merged = invoke("validate", str(edit), "--merge", "--format", "json")
    assert alone.exit_code == 1  # the plan, agency and excerpt are unknown on their own
    assert merged.exit_code == 0, merged.output


def _key(r):
    return (r.severity, r.shape, r.focus, r.path or "", r.value or "", r.component or "",
            r.lines or "")


HOSTILE = {
    "no plan, no lead, bad number": ([(A, VR.inPlan, None), (A, VR.ledBy, None)],
                                     [(A, VR.number, Literal("5.x"))]),
    "literal lead, integer number, untagged text": (
        [(A, VR.number, None), (A, VR.text, None)],
        [(A, VR.ledBy, Literal("MPS")), (A, VR.number, Literal(5)),
         (A, VR.text, Literal("Some text")), (A, VR.text, Literal("More", lang="EN")),
         (A, VR.text, Literal("Encore", lang="en"))]),
    "an ill-typed line, none last": (
        [(URIRef(ID + "source/L110-L110"), VR.firstLine, None),
         (URIRef(ID + "source/L110-L110"), VR.lastLine, None)],
        [(URIRef(ID + "source/L110-L110"), VR.firstLine, Literal("ten", datatype=_XSD.integer))]),
    "a principle of both kinds, a post that is an agency": (
        [], [(URIRef(ID + "principle/strategic/4"), RDF.type, VR.EnablingPrinciple),
             (URIRef(ID + "agency/mps"), RDF.type, ORG.Post)]),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_sparql_engine_gives_pyshacls_results(tmp_path, project, neighbourhood, name):
    """Compiled to SPARQL, the shapes find exactly what pySHACL finds: same shapes, focus
    nodes, paths, values, components, messages and lines."""
    from vrgraph import pipeline

    remove, add = HOSTILE[name]
    f = tmp_path / "hostile.ttl"
    mutate(neighbourhood, remove, add).serialize(f, format="turtle")
    store, shapes = pipeline.load(project, [f]), pipeline.shapes(project)
    ours = validate(store, shapes, engine="sparql")
    theirs = validate(store, shapes, engine="pyshacl")
    assert sorted(map(_key, ours.results)) == sorted(map(_key, theirs.results))
    assert [r.message for r in ours.results] == [r.message for r in theirs.results]
    assert ours.count("Violation") > 0


def test_the_engines_agree_on_the_real_graph(project):
    from vrgraph import pipeline

    store, shapes = pipeline.load(project), pipeline.shapes(project)
    ours, theirs = validate(store, shapes), validate(store, shapes, engine="pyshacl")
    assert [(_key(r), r.message) for r in ours.results] == \
        [(_key(r), r.message) for r in theirs.results]
    assert len(ours.results) == 25


@pytest.mark.slow
def test_shared_out_validation_gives_the_same_report(tmp_path, project, neighbourhood):
    """Validating with the work shared between two threads (SPARQL) or processes
    (pySHACL) changes nothing."""
    from vrgraph import pipeline

    hostile = mutate(neighbourhood, *HOSTILE["no plan, no lead, bad number"])
    f = tmp_path / "hostile.ttl"
    hostile.serialize(f, format="turtle")
    for files in ([project.graph], [f]):
        store = pipeline.load(project, files)
        shapes = pipeline.shapes(project)
        for engine in ("sparql", "pyshacl"):
            one = validate(store, shapes, workers=1, engine=engine).results
            two = validate(store, shapes, workers=2, engine=engine, rdf=True)
            assert sorted(map(_key, two.results)) == sorted(map(_key, one))
            assert len(set(two.graph.subjects(RDF.type, SH.ValidationResult))) == len(one)


def test_turtle_report_is_a_shacl_report():
    result = invoke("validate", "--format", "turtle")
    assert result.exit_code == 0  # warnings pass unless --strict ...
    g = Graph().parse(data=result.output, format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    # ... but SHACL conforms only without results of any severity (section 3.6.1)
    assert g.value(report, SH.conforms) == Literal(False)
    assert len(list(g.objects(report, SH.result))) == 25
    assert "_:" not in result.output  # no blank-node labels: every node is nested


def test_the_engine_option(tmp_path):
    for engine in ("sparql", "pyshacl"):
        result = invoke("validate", "--engine", engine, "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["counts"]["Warning"] == 25
    bad = invoke("validate", "--engine", "jena")
    assert bad.exit_code == 2 and "jena" in bad.output


# -- every constraint component, compiled and not ---------------------------------------------
COMPONENT_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .

ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:nodeKind sh:IRI ; sh:pattern "^http://example.org/t" ;
    sh:not [ sh:class ex:Other ] ;
    sh:xone ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) ;
    sh:property ex:name, ex:code, ex:link, ex:n, ex:kind, ex:alt, ex:seq, ex:star, ex:and,
        ex:date, ex:pair ;
    sh:property [ sh:path ex:any ; sh:datatype rdfs:Literal ; sh:maxCount 0 ] .
ex:name sh:path ex:name ; sh:minCount 1 ; sh:maxCount 2 ; sh:datatype rdf:langString ;
    sh:languageIn ( "en" "fr" ) ; sh:uniqueLang true .
ex:code sh:path ex:code ; sh:datatype xsd:string ; sh:minLength 2 ; sh:maxLength 4 ;
    sh:pattern "^[a-z]+$" ; sh:flags "i" ; sh:in ( "AB" "CD" "ef" ) .
ex:link sh:path ex:link ; sh:class ex:Thing ; sh:nodeKind sh:BlankNodeOrIRI ; sh:disjoint ex:other .
ex:n sh:path ex:n ; sh:datatype xsd:integer ; sh:minInclusive 1 ; sh:maxExclusive 10 ;
    sh:lessThanOrEquals ex:max ; sh:lessThan ex:lim .
ex:kind sh:path ex:kind ; sh:hasValue ex:good ; sh:node ex:KindShape ; sh:minCount 2 .
ex:KindShape sh:nodeKind sh:IRI ; sh:or ( [ sh:class ex:Thing ] [ sh:hasValue ex:good ] ) .
ex:alt sh:path [ sh:alternativePath ( [ sh:inversePath ex:hasPart ] ex:partOf ) ] ;
    sh:maxCount 1 ; sh:class ex:Thing .
ex:seq sh:path ( ex:link ex:code ) ; sh:minCount 1 ; sh:maxInclusive "CD" .
ex:star sh:path [ sh:zeroOrMorePath ex:link ] ; sh:nodeKind sh:IRI ; sh:minExclusive 0 .
ex:and sh:path ex:and ; sh:and ( [ sh:nodeKind sh:Literal ] [ sh:minInclusive 5 ] ) ;
    sh:in ( 5 6 7 ) .
ex:date sh:path ex:date ; sh:datatype xsd:date .
ex:pair sh:path [ sh:oneOrMorePath ex:partOf ] ; sh:nodeKind sh:IRI .

ex:NodeTarget a sh:NodeShape ; sh:targetNode ex:t9, ex:t1 ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name"@en ] .
ex:SubjectsOf a sh:NodeShape ; sh:targetSubjectsOf ex:code ; sh:class ex:Thing .
ex:ObjectsOf a sh:NodeShape ; sh:targetObjectsOf ex:link ; sh:nodeKind sh:IRI ; sh:hasValue ex:t1 .
ex:Implicit a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ;
    sh:property [ sh:path ex:zzz ; sh:minCount 1 ] .
ex:Props a sh:PropertyShape ; sh:targetClass ex:Sub ; sh:path ex:name ; sh:maxCount 1 ;
    sh:severity sh:Warning .

# not compiled: left to pySHACL
ex:Closed a sh:NodeShape ; sh:targetClass ex:Sub ; sh:closed true ;
    sh:ignoredProperties ( rdf:type ex:name ex:code ex:link ex:n ex:kind ex:a ex:b ) .
ex:Equals a sh:NodeShape ; sh:targetClass ex:Sub ; sh:property [ sh:path ex:n ; sh:equals ex:max ] .
ex:LookAhead a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:code ; sh:pattern "^(?!zz)" ] .
ex:NestedInteger a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:n ; sh:not [ sh:datatype xsd:integer ] ] .
ex:SpacedIRI a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:link ; sh:class <http://example.org/a b> ] .
"""

COMPONENT_DATA = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:Sub rdfs:subClassOf ex:Thing .
ex:t1 a ex:Thing ; ex:a 1 ; ex:name "one"@en ; ex:code "AB" ; ex:link ex:t2 ; ex:n 3 ;
    ex:max 4 ; ex:lim 5 ; ex:kind ex:good, ex:t2 ; ex:and 5 ; ex:date "2024-01-31"^^xsd:date .
ex:t2 a ex:Sub ; ex:a 1 ; ex:b 2 ; ex:name "deux"@fr, "zwei"@de, "two"@EN, "too"@en ;
    ex:code "ab", "toolong", "x1", "Z" ; ex:link "literal", ex:nothing, ex:t1 ; ex:other ex:t1 ;
    ex:n 0, 12 ; ex:max -1 ; ex:lim 0 ; ex:kind ex:bad ;
    ex:partOf ex:t1, ex:t3 ; ex:and 4, "9" ; ex:date "2024-02-30"^^xsd:date ; ex:any "x" ;
    ex:extra "closed says no" .
ex:t3 a ex:Thing, ex:Other ; ex:hasPart ex:t2 ; ex:name "three" .
_:b a ex:Thing ; ex:a 1 .
ex:Implicit1 a ex:Implicit .
"""


def test_every_component_matches_pyshacl(tmp_path):
    """A small hostile graph that breaks each constraint component the compiler covers,
    and shapes it leaves to pySHACL: the two engines report the same results."""

    from vrgraph import store as st
    from vrgraph.validate import core_shapes
    from vrgraph.validate.compiled import compile_shapes

    shapes = Graph().parse(data=COMPONENT_SHAPES, format="turtle")
    f = tmp_path / "data.ttl"
    f.write_text(COMPONENT_DATA)
    store = st.load([f], [])
    compiled = compile_shapes(core_shapes(shapes), store)
    left = {str(s).rsplit("/", 1)[-1] for s in compiled.skipped}
    assert left == {"Closed", "Equals", "LookAhead", "NestedInteger", "SpacedIRI"}

    key = lambda r: _key(r)[:6]  # noqa: E731  (messages: pySHACL writes its own defaults)
    ours = sorted(map(key, validate(store, shapes).results))
    theirs = sorted(map(key, validate(store, shapes, engine="pyshacl").results))
    assert ours == theirs
    fired = {c.rsplit("#", 1)[-1].removesuffix("ConstraintComponent") for *_, c in ours}
    assert fired >= {
        "Class", "Datatype", "NodeKind", "MinCount", "MaxCount", "MinInclusive",
        "MaxExclusive", "MaxInclusive", "MinExclusive", "MinLength", "MaxLength", "Pattern",
        "LanguageIn", "UniqueLang", "In", "HasValue", "Disjoint", "LessThan",
        "LessThanOrEquals", "Not", "And", "Xone", "Node", "Closed", "Equals"}, fired


def test_an_ill_typed_literal_compared_is_a_violation_not_a_crash(tmp_path, project,
                                                                  neighbourhood):
    """pySHACL raises TypeError comparing an ill-typed literal (sh:lessThanOrEquals); the
    SPARQL engine reports it, and the pySHACL engine says what went wrong, no traceback."""
    ex = URIRef(ID + "source/L110-L110")
    f = tmp_path / "edit.ttl"
    mutate(neighbourhood, [(ex, VR.firstLine, None)],
           [(ex, VR.firstLine, Literal("ten", datatype=_XSD.integer))]).serialize(f, format="turtle")
    result = invoke("validate", str(f), "--format", "json")
    assert result.exit_code == 1
    found = {(r["shape"].rsplit("/", 1)[-1], r["component"].rsplit("#", 1)[-1])
             for r in json.loads(result.output)["results"]}
    assert {("SourceExcerpt-firstLine", "DatatypeConstraintComponent"),
            ("SourceExcerpt-firstLine", "LessThanOrEqualsConstraintComponent")} <= found
    result = invoke("validate", str(f), "--engine", "pyshacl")
    assert result.exit_code == 2
    assert "pySHACL could not validate" in result.output and "--engine sparql" in result.output
    assert "Traceback" not in result.output


def test_rdflib_s_ill_typed_literal_traceback_stays_quiet(tmp_path, capfd):
    f = tmp_path / "edit.ttl"
    f.write_text('<https://w3id.org/vrgraph/id/source/L1-L1> a <https://w3id.org/vrgraph/def/SourceExcerpt> ;'
                 ' <https://w3id.org/vrgraph/def/firstLine> "2024-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    result = invoke("validate", str(f))
    assert result.exit_code == 1
    assert "Traceback" not in result.output + capfd.readouterr().err


@pytest.mark.parametrize("named", [1000, 0], ids=["focus-nodes-named", "too-many-to-name"])
def test_the_sieve_finds_what_the_plain_queries_find(tmp_path, monkeypatch, named):
    """A check's sieve (a cheaper first query of the focus nodes that may violate it) only
    narrows where the query runs: the results are those of the query on every focus node,
    whether the sieve's focus nodes are named in the query or too many to name."""
    from vrgraph import store as st
    from vrgraph.validate import compiled as vs

    f = tmp_path / "data.ttl"
    f.write_text(COMPONENT_DATA)
    store = st.load([f], [])
    shapes = Graph().parse(data=COMPONENT_SHAPES, format="turtle")
    key = lambda r: _key(r)[:6]  # noqa: E731
    sieved = []
    plain_query = vs.Check._query
    with monkeypatch.context() as m:
        m.setattr(vs.Check, "_query", lambda self, store: self.query)
        plain = sorted(map(key, validate(store, shapes).results))

    def spied(self, store):
        query = plain_query(self, store)
        if query != self.query:
            sieved.append((self.shape, query))
        return query
    monkeypatch.setattr(vs.Check, "_query", spied)
    monkeypatch.setattr(vs, "_SIEVED", named)
    assert sorted(map(key, validate(store, shapes).results)) == plain
    assert any(q is None for _, q in sieved)  # no focus node may violate: no query
    assert any(q and "VALUES ?this" in q for _, q in sieved) == bool(named)
