"""vrgraph.remote: push over the Graph Store Protocol and query over the SPARQL Protocol,
against a real Oxigraph server (the `oxigraph` PyPI package) on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from vrgraph import pipeline
from vrgraph.cli import main
from vrgraph.cli.publish import push as push_command
from vrgraph.errors import QueryError
from vrgraph.query import run, run_canned
from vrgraph.query.binding import bind
from vrgraph.query.canned import load_queries
from vrgraph.remote.bind import bind_remote
from vrgraph.remote.client import EndpointError
from vrgraph.remote.endpoint import remote_store
from vrgraph.remote_validate import copy_for_validation
from vrgraph.validate import validate

from .conftest import oxigraph_or_skip
from .stores import BasicAuthProxy, Oxigraph, differences, free_port


def _normalised(table) -> list[tuple]:
    """Rows as sortable tuples of (kind, value, datatype, language): the answers of a query
    with parameters, compared whatever their order."""
    return sorted(tuple(("unbound",) if t is None else
                        (type(t).__name__, t.value, getattr(getattr(t, "datatype", None),
                                                            "value", ""),
                         getattr(t, "language", None) or "") for t in row)
                  for row in table.rows)


def test_every_canned_query_answers_the_same_remote_and_embedded(pushed, project, store):
    """Row by row: the same rows in the same order, each cell the same RDF term."""
    queries = load_queries(project.queries)
    # the committed graph holds no steward's edit (tests/test_sheet.py lists them on an edited one)
    # the committed graph holds no principle mapping (tests/test_mappings.py has some)
    assert len(queries) >= 20 and all(run_canned(store, q).rows for name, q in queries.items()
                                      if name != "steward-edits"
                                      and not name.startswith("reference-"))
    assert differences(store, remote_store(pushed.query), queries) == {}


def test_a_canned_query_with_a_parameter_looks_it_up_on_the_endpoint(pushed, project, store):
    q = load_queries(project.queries)["actions-by-agency"]
    remote = remote_store(pushed.query)
    assert _normalised(remote.run_canned(q, {"agency": "cfs"})) == _normalised(
        run_canned(store, q, {"agency": "cfs"}))
    with pytest.raises(QueryError, match="names no agency in the graph"):
        remote.run_canned(q, {"agency": "no-such-agency"})


def test_ad_hoc_ask_construct_and_a_bad_query_over_http(pushed):
    remote = remote_store(pushed.query)
    assert bool(remote.run("ASK { ?a a <https://w3id.org/vrgraph/def/Action> }"))
    triples = remote.run("CONSTRUCT { ?a a ?c } WHERE { ?a a ?c } LIMIT 3")
    assert len(triples) == 3 and all(isinstance(t, ox.Triple) for t in triples)
    with pytest.raises(QueryError, match="rejected the query"):
        remote.run("SELECT ?x WHERE { ?x ?y }")


def _keys(report) -> list[tuple]:
    return sorted((r.severity, r.shape, r.focus, r.path or "", r.value or "")
                  for r in report.results)


def test_the_pushed_reasoned_graph_validates_as_locally(pushed, project):
    local, _ = pipeline.validate_files(project, [project.graph])
    over_http = validate(copy_for_validation(remote_store(pushed.query), project),
                         pipeline.shapes(project))
    assert _keys(over_http) == _keys(local) and over_http.conforms == local.conforms


def test_asserted_graph_pushed_to_a_named_graph_validates_as_locally(server, project):
    graph = "https://example.org/vrgraph/asserted"
    result = CliRunner().invoke(push_command, ["--endpoint", server.store, "--graph", graph,
                                               "--no-reasoned"], obj=project)
    assert result.exit_code == 0, result.output
    remote = remote_store(server.query, graph=graph)
    assert remote.count() == len({q.triple for q in ox.parse(path=str(project.graph),
                                                            format=ox.RdfFormat.TURTLE)})
    shapes = pipeline.shapes(project)
    local, _ = pipeline.validate_files(project, [project.graph])
    over_http = validate(copy_for_validation(remote, project), shapes)
    assert _keys(over_http) == _keys(local) and over_http.conforms == local.conforms


PASSWORD = "correct horse battery staple"


@pytest.fixture()
def guarded(server):
    """The Oxigraph server behind a web server that wants HTTP Basic credentials."""
    proxy = BasicAuthProxy(server.base, "steward", PASSWORD)
    yield proxy
    proxy.stop()


def test_basic_credentials_push_and_query_through_a_guarded_store(guarded, project, store,
                                                                   monkeypatch, tmp_path):
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    graph = "https://example.org/vrgraph/basic"
    runner = CliRunner(env={"VRGRAPH_PASSWORD": PASSWORD})
    result = runner.invoke(push_command, ["--endpoint", f"{guarded.base}/store", "--graph",
                                          graph, "--user", "steward"], obj=project)
    assert result.exit_code == 0, result.output
    assert "PUT" not in guarded.refused  # the graph went authenticated from its first byte
    result = runner.invoke(main, ["query", "run", "agency-load", "--format", "csv",
                                  "--endpoint", f"{guarded.base}/query", "--graph", graph,
                                  "--user", "steward"], obj=project)
    assert result.exit_code == 0, result.output
    local = runner.invoke(main, ["query", "run", "agency-load", "--format", "csv"], obj=project)
    assert result.stdout == local.stdout
    assert PASSWORD not in result.output


def test_a_guarded_store_without_or_with_wrong_credentials(guarded, project, monkeypatch,
                                                           tmp_path):
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    query = ["sparql", "ASK {}", "--endpoint", f"{guarded.base}/query"]
    result = CliRunner().invoke(main, query, obj=project)
    assert result.exit_code == 2 and "needs credentials" in result.stderr
    result = CliRunner(env={"VRGRAPH_PASSWORD": "wrong " + PASSWORD}).invoke(
        main, [*query, "--user", "steward"], obj=project)
    assert result.exit_code == 2 and "refused the credentials" in result.stderr
    assert PASSWORD not in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["sparql", "ASK {}", "--endpoint",
                                       f"http://steward:{PASSWORD}@127.0.0.1:9/query"],
                                obj=project)
    assert result.exit_code == 2 and "not in the URL" in result.stderr
    assert PASSWORD not in result.output


def test_read_only_server_refuses_the_push_with_a_clear_error(tmp_path, project):
    location = tmp_path / "db"
    subprocess.run([oxigraph_or_skip(), "load", "--location", str(location), "--file",
                    str(project.graph)], check=True, capture_output=True, timeout=120)
    srv = Oxigraph(location, "serve-read-only")
    try:
        result = CliRunner().invoke(push_command, ["--endpoint", srv.store], obj=project)
    finally:
        srv.stop()
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "refused to store the graph" in result.stderr and "read-only" in result.stderr
    assert "Traceback" not in result.output


def test_unreachable_endpoint_gives_a_clear_error(project):
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(push_command, ["--endpoint", f"{url}/store"], obj=project)
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "cannot reach the endpoint" in result.stderr
    assert "Traceback" not in result.output
    with pytest.raises(EndpointError, match="cannot reach the endpoint"):
        remote_store(f"{url}/query").count()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:7878"])
def test_only_http_endpoints_are_accepted(url, project):
    with pytest.raises(EndpointError, match="not an http"):
        remote_store(url)
    result = CliRunner().invoke(push_command, ["--endpoint", url], obj=project)
    assert result.exit_code == 2 and "not an http" in result.stderr


def test_a_graph_that_is_not_an_iri_is_refused(project):
    result = CliRunner().invoke(push_command, ["--endpoint", "http://127.0.0.1:9/store",
                                               "--graph", "not an iri"], obj=project)
    assert result.exit_code == 2 and "is not an IRI" in result.stderr


# -- binding parameters as BINDs (no server needed: the bound text runs embedded) -----------
def test_values_binding_gives_what_substitutions_give_for_every_parametrised_query(
        project, store):
    for name, q in load_queries(project.queries).items():
        if not q.params:
            continue
        bindings = bind(store, q, {})
        text = bind_remote(q.text, bindings)
        assert "BIND(" in text, name
        assert _normalised(run(store, text)) == _normalised(run(store, q.text, bindings)), name


def test_parameters_open_the_top_level_group_so_filters_see_them(project, store):
    q = load_queries(project.queries)["notes"]
    text = bind_remote(q.text, bind(store, q, {"kind": "row-split"}))
    assert re.search(r'WHERE \{ BIND\("row-split" AS \?kind\) BIND\("all" AS \?about\)', text)
    rows = run(store, text).values()
    assert rows and all(r["flaw"] == "row split" for r in rows)


@pytest.mark.parametrize("hostile", [
    'x" } } SELECT * WHERE { ?s ?p ?o } #',
    "a\\u0022b \\\" back\\slash",
    "line\nbreak\r\ttab > < { } # ' '''",
    "<http://evil.example/> . DROP ALL",
])
def test_a_hostile_string_stays_a_value(hostile, store):
    text = bind_remote("SELECT ?v WHERE { FILTER(BOUND(?v)) }",
                       {ox.Variable("v"): ox.Literal(hostile)})
    assert [r["v"].value for r in store.query(text)] == [hostile]


def test_sub_select_group_and_construct_templates_are_handled(store):
    v = {ox.Variable("n"): ox.Literal("5.1.1")}
    sub = bind_remote("SELECT ?n WHERE { SELECT ?n WHERE { ?a <https://w3id.org/vrgraph/def/"
                      "number> ?n } }", v)
    assert [r["n"].value for r in store.query(sub, use_default_graph_as_union=True)] == ["5.1.1"]
    construct = bind_remote("CONSTRUCT { ?a <urn:x:n> ?n } WHERE { ?a "
                            "<https://w3id.org/vrgraph/def/number> ?n }", v)
    assert len(list(store.query(construct, use_default_graph_as_union=True))) == 1
    exists = bind_remote("SELECT ?n (EXISTS { ?a ?b ?n } AS ?e) WHERE { ?a "
                         "<https://w3id.org/vrgraph/def/number> ?n }", v)
    assert exists.index("BIND(") > exists.index("WHERE")


def test_blank_nodes_cannot_be_sent():
    with pytest.raises(QueryError, match="only IRIs and literals"):
        bind_remote("SELECT * WHERE { ?s ?p ?o }", {ox.Variable("s"): ox.BlankNode()})
