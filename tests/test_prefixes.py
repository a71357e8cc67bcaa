"""Prefixes predeclared: the graph's own (vr:, vrid:, one per strategy) and the vocabularies'
in `sparql`, `serve`, the query page and the Python API; an undeclared one named in one line."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from vrgraph import pipeline, query, synthetic
from vrgraph.cli import main
from vrgraph.errors import QueryError
from vrgraph.query.canned import load_queries
from vrgraph.query.strategies import strategy_spaces
from vrgraph.serve.describe import service_description

VR = "https://w3id.org/vrgraph/def/"


def test_vr_needs_no_declaration_on_the_command_line():
    out = CliRunner().invoke(main, ["sparql", "SELECT (COUNT(?a) AS ?n) WHERE { ?a a vr:Action }",
                                    "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["n", "131"]
    out = CliRunner().invoke(main, ["sparql", "ASK { vrid:agency\\/mps a vr:Agency }"])
    assert out.output.strip() == "true", out.output
    # a slash in a local name must be escaped: the engine's message is one readable line
    out = CliRunner().invoke(main, ["sparql", "ASK { vrid:action/5.1.1 a vr:Action }"])
    assert out.exit_code == 2 and "\n" not in out.output.strip()
    assert "a name character" in out.output and "..=" not in out.output


def test_an_undeclared_prefix_is_one_line_naming_it_and_the_known_ones():
    out = CliRunner().invoke(main, ["sparql", "SELECT ?a WHERE {\n  ?a foo:bar ?y }"])
    assert out.exit_code == 2
    message = out.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("error: query:2:6: prefix 'foo:' is not declared")
    assert "vr:, vrid:" in message and "skos:" in message


def test_the_querys_own_declaration_wins(store):
    other = "PREFIX vr: <http://example.org/other/> SELECT ?a WHERE { ?a a vr:Action }"
    table = query.run(store, other, prefixes=query.known_prefixes(store))
    assert isinstance(table, query.Table) and table.rows == []


def test_a_prefix_declared_in_the_query_is_not_refused(store):
    text = "PREFIX ex: <http://example.org/> SELECT * WHERE { ?a ex:p ?b }"
    assert query.run(store, text, prefixes={}).rows == []
    with pytest.raises(QueryError, match="prefix 'ex:' is not declared"):
        query.run(store, "SELECT * WHERE { ?a ex:p ?b }", prefixes={})


def test_each_strategy_has_its_prefix(project, tmp_path):
    borough = tmp_path / "b1.nt"
    borough.write_text(synthetic.Generator(project.graph).borough_text(1))
    out = CliRunner().invoke(main, ["prefixes", "--data", str(project.graph),
                                    "--data", str(borough)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "PREFIX vr: <https://w3id.org/vrgraph/def/>" in lines
    assert "PREFIX hackney: <https://w3id.org/vrgraph/id/>" in lines
    b1 = [line for line in lines if line.startswith("PREFIX hackney-b1: ")]
    assert len(b1) == 1 and "hackney-b1" not in lines[0]
    # and a query may use it
    ask = CliRunner().invoke(main, ["sparql", "ASK { ?a a vr:Action . FILTER(STRSTARTS(STR(?a), "
                                    f"STR({b1[0].split()[1]}))) }}", "--data", str(project.graph),
                                    "--data", str(borough)])
    assert ask.output.strip() == "true", ask.output


def test_a_querys_strategy_prefixes_are_the_ones_the_outputs_write():
    """known_prefixes and the shortener take each strategy's short name and space from one
    function: two documents minted in one space give one prefix (the first's by IRI), a
    document without a short name its IRI's last segment, and an IRI not minted
    ``{base}id/document/`` none."""
    st = ox.Store()
    st.load(f"""@prefix vr: <{VR}> . @prefix dcterms: <http://purl.org/dc/terms/> .
        <https://a.example/id/document/alpha> a vr:StrategyDocument ; dcterms:identifier "alpha" .
        <https://a.example/id/document/alpha2> a vr:StrategyDocument ; dcterms:identifier "zeta" .
        <https://b.example/x/id/document/beta> a vr:StrategyDocument .
        <https://c.example/grid/document/delta> a vr:StrategyDocument ;
            dcterms:identifier "delta" .""", format=ox.RdfFormat.TURTLE)
    spaces = [("alpha", "https://a.example/id/"), ("beta", "https://b.example/x/id/")]
    assert strategy_spaces(st) == spaces
    things = {"alpha": "https://a.example/id/", "beta": "https://b.example/x/id/"}
    assert pipeline.shortener_of(st).things == things
    known = query.known_prefixes(st)
    assert {p: ns for p, ns in known.items() if p in things or p in ("zeta", "delta")} == things


def test_the_service_description_declares_them():
    triples = service_description("http://127.0.0.1:1/sparql", {"": 1}, 10, 100,
                                  {"vr": VR})
    declared = {(str(t.predicate.value), t.object.value) for t in triples
                if isinstance(t.subject, ox.BlankNode) and "shacl" in t.predicate.value}
    assert declared == {("http://www.w3.org/ns/shacl#prefix", "vr"),
                        ("http://www.w3.org/ns/shacl#namespace", VR)}


def test_the_server_declares_them(store, queries_for_serve):
    from tests.test_serve import Running
    from vrgraph.serve import ServeConfig, make_server

    srv = Running(make_server(store, queries_for_serve, ServeConfig(port=0, workers=1),
                              log=lambda line: None))
    try:
        status, _, body = srv.sparql("SELECT (COUNT(?a) AS ?n) WHERE { ?a a vr:Action }",
                                     "application/sparql-results+json")
        assert status == 200, body
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "131"
        status, _, body = srv.sparql("SELECT * WHERE { ?x vr:a ?y }")
        assert status == 200, body
        status, _, body = srv.sparql("SELECT * WHERE { ?x nope:a ?y }")
        assert status == 400 and b"prefix 'nope:' is not declared" in body
        status, _, body = srv.get("/prefixes.json")
        assert status == 200 and json.loads(body)["vr"] == VR
        status, _, body = srv.get("/sparql", "text/turtle")
        assert b"sh:declare" in body and b'sh:prefix "vrid"' in body
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def queries_for_serve(project):
    return load_queries(project.queries)
