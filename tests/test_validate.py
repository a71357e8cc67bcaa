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
from vrgraph.namespaces import ORG, PROV, VR
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
    assert "vrid:action/5.1.21 vr:ledBy [source line 140]" in result.output


def test_turtle_report_parses():
    result = invoke("validate", "--format", "turtle")
    g = Graph().parse(data=result.output, format="turtle")
    assert len(g) > 0


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
def neighbourhood(project) -> Graph:
    """Action 5.1.1 with everything it refers to, as a small valid graph."""
    full = Graph().parse(project.graph)
    keep = Graph()
    todo = [URIRef(ID + "action/5.1.1")]
    todo += list(full.subjects(VR.alignmentOf, todo[0]))
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


def test_duplicate_action_numbers_are_a_violation(tmp_path, project, neighbourhood):
    twin = URIRef(ID + "action/5.1.1-copy")
    extra = [(twin, p, o) for p, o in neighbourhood.predicate_objects(A)]
    found = check(tmp_path, project, mutate(neighbourhood, add=extra))
    assert ("Violation", "Action-uniqueNumber") in found, found


def test_sparql_constraints_on_oxigraph_agree_with_pyshacl(tmp_path, project, neighbourhood):
    """The one-query evaluation finds exactly what pySHACL's per-focus-node one finds."""
    import pyshacl
    from vrgraph import pipeline, store as st
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


def test_shared_out_validation_gives_the_same_report(tmp_path, project, neighbourhood):
    """Validating with the targets shared between two processes changes nothing."""
    from vrgraph import pipeline

    hostile = mutate(neighbourhood, remove=[(A, VR.inPlan, None), (A, VR.ledBy, None)],
                     add=[(A, VR.number, Literal("5.x"))])
    f = tmp_path / "hostile.ttl"
    hostile.serialize(f, format="turtle")
    for files in ([project.graph], [f]):
        store = pipeline.load(project, files)
        shapes = pipeline.shapes(project)
        key = lambda r: (r.severity, r.shape, r.focus, r.path or "", r.value or "")  # noqa: E731
        one = sorted(validate(store, shapes, workers=1).results, key=key)
        two = validate(store, shapes, workers=2)
        assert sorted(two.results, key=key) == one
        assert len(two.graph) > 0 or not one
