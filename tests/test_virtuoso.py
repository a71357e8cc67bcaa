"""vrgraph against OpenLink Virtuoso 7.2 as Debian installs it (`virtuoso-opensource`): writes
only with HTTP Digest on /sparql-graph-crud-auth, no default graph in its Graph Store
endpoint, every answer cut at ResultSetMaxRows = 10,000 rows. Started by the tests on
127.0.0.1 in a temporary folder; skipped, saying why, where Virtuoso is not installed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import Graph

from vrgraph import pipeline, synthetic
from vrgraph.cli import main
from vrgraph.cli.publish import push as push_command
from vrgraph.query.canned import load_queries
from vrgraph.remote.client import IncompleteAnswer
from vrgraph.remote.endpoint import RemoteStore, remote_store
from vrgraph.remote.push import DEFAULT_GRAPH
from vrgraph.remote_validate import copy_for_validation, validate_remote
from vrgraph.report import collect, findings
from vrgraph.validate import validate

from .stores import VIRTUOSO_PASSWORD, VIRTUOSO_USER, Unavailable, Virtuoso, differences


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    try:
        server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    except Unavailable as why:
        pytest.skip(str(why))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pushed(virtuoso, project):
    """The reasoned graph, pushed as a user would: --user, the password from the
    environment, no --graph."""
    result = CliRunner(env={"VRGRAPH_PASSWORD": VIRTUOSO_PASSWORD}).invoke(
        push_command, ["--endpoint", virtuoso.store, "--user", VIRTUOSO_USER], obj=project)
    assert result.exit_code == 0, result.output
    assert f"graph <{DEFAULT_GRAPH}>" in result.stdout
    assert f"has no default graph: query it with --graph {DEFAULT_GRAPH}" in result.stdout
    return virtuoso


@pytest.mark.slow
def test_every_canned_query_answers_row_by_row_as_embedded(pushed, project, store):
    queries = load_queries(project.queries)
    remote = remote_store(pushed.query, DEFAULT_GRAPH)
    assert differences(store, remote, queries) == {}


def test_several_strategies_answer_row_by_row_as_embedded(virtuoso, project, tmp_path):
    """The bundled document and two synthetic boroughs in one graph: each query's strategy
    column, its counts within each strategy, and a look-up within the strategy chosen."""
    boroughs = tmp_path / "boroughs.nt"
    synthetic.write(project.graph, boroughs, 2)
    graph = "https://example.org/vrgraph/strategies"
    result = CliRunner(env={"VRGRAPH_PASSWORD": VIRTUOSO_PASSWORD}).invoke(
        push_command, ["--endpoint", virtuoso.store, "--user", VIRTUOSO_USER, "--graph", graph,
                       "-f", str(project.graph), "-f", str(boroughs)], obj=project)
    assert result.exit_code == 0, result.output
    local = pipeline.load(project, [project.graph, boroughs])
    remote = remote_store(virtuoso.query, graph)
    assert differences(local, remote, load_queries(project.queries),
                       {"strategy": "hackney-b2"}) == {}


def test_the_report_finds_what_it_finds_embedded(pushed, project, store):
    """Single points of failure included (a boolean Virtuoso writes as 1)."""
    queries = load_queries(project.queries)
    here = [f.text for f in findings(collect(store, queries))]
    there = [f.text for f in findings(collect(remote_store(pushed.query, DEFAULT_GRAPH),
                                              queries))]
    assert any("Single points of failure" in text for text in here)
    assert there == here


def test_the_copy_reads_past_the_row_cap_and_finds_what_local_validation_finds(
        pushed, project):
    """15,000 triples and more behind a cap of 10,000: read in pages, all of them, no
    false violations."""
    local, _ = pipeline.validate_files(project, [project.graph])
    copy = copy_for_validation(remote_store(pushed.query, DEFAULT_GRAPH), project)
    remote = validate(copy, pipeline.shapes(project))
    assert sorted(map(repr, remote.results)) == sorted(map(repr, local.results))
    assert remote.conforms == local.conforms


def test_validation_runs_in_the_store_and_finds_what_local_validation_finds(pushed, project):
    """The compiled checks in their portable form, past Virtuoso's quirks (docs/virtuoso.md):
    the same results in the same order, nothing said, no triple copied."""
    local, _ = pipeline.validate_files(project, [project.graph])
    said: list[str] = []
    outcome = validate_remote(remote_store(pushed.query, DEFAULT_GRAPH), project,
                              pipeline.shapes(project), say=said.append)
    assert outcome.in_store and said == []
    assert outcome.report.results and outcome.report.results == local.results
    assert outcome.report.conforms == local.conforms


def test_a_graph_pushed_without_reasoning_is_said_and_validated_on_a_copy(virtuoso, project):
    graph = "https://example.org/vrgraph/asserted"
    result = CliRunner(env={"VRGRAPH_PASSWORD": VIRTUOSO_PASSWORD}).invoke(
        push_command, ["--endpoint", virtuoso.store, "--user", VIRTUOSO_USER, "--graph", graph,
                       "--no-reasoned"], obj=project)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["validate", "--endpoint", virtuoso.query, "--graph",
                                       graph], obj=project)
    here = CliRunner().invoke(main, ["validate"], obj=project)
    assert result.exit_code == 0 and "lacks" in result.stderr and "copy" in result.stderr
    assert result.stdout.split("\n", 1)[1] == here.stdout.split("\n", 1)[1]


def union_size(store) -> int:
    """The triples the reasoned graph holds, as a store it was pushed to counts them."""
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                     use_default_graph_as_union=True)))["n"].value)


def test_a_cut_answer_fails_with_exit_1_and_the_reason(pushed, project, store):
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    result = CliRunner().invoke(main, ["sparql", everything, "--endpoint", pushed.query,
                                       "--graph", DEFAULT_GRAPH], obj=project)
    assert result.exit_code == 1, result.output
    assert f"the store returned 10,000 of {union_size(store):,} rows" in result.stderr
    assert "ResultSetMaxRows" in result.stderr and "Traceback" not in result.output


def test_the_count_finds_a_cut_the_store_does_not_announce(pushed, monkeypatch, store):
    """Without Virtuoso's X-SPARQL-MaxRows header, the count of the query's solutions
    still shows the cut."""
    remote = remote_store(pushed.query, DEFAULT_GRAPH)
    real = RemoteStore._post

    def unannounced(self, *args):
        kind, body, headers = real(self, *args)
        return kind, body, {}
    monkeypatch.setattr(RemoteStore, "_post", unannounced)
    with pytest.raises(IncompleteAnswer, match=f"returned 10,000 of {union_size(store):,} rows: "
                                               f"it caps answers at 10000 .Virtuoso: raise "
                                               f"ResultSetMaxRows"):
        remote.run("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert len(remote.run("SELECT ?p WHERE { ?s ?p ?o } GROUP BY ?p").rows) < 10000


def test_push_without_credentials_says_how_to_give_them(virtuoso, project, monkeypatch,
                                                        tmp_path):
    monkeypatch.setenv("NETRC", str(tmp_path / "none"))
    result = CliRunner().invoke(push_command, ["--endpoint", virtuoso.store], obj=project)
    assert result.exit_code == 2
    assert "needs credentials" in result.stderr and "--user NAME" in result.stderr
    assert "Traceback" not in result.output


def test_a_wrong_password_is_refused_clearly(virtuoso, project):
    result = CliRunner(env={"VRGRAPH_PASSWORD": "not-the-password"}).invoke(
        push_command, ["--endpoint", virtuoso.store, "--user", VIRTUOSO_USER], obj=project)
    assert result.exit_code == 2
    assert "refused the credentials" in result.stderr
    assert "not-the-password" not in result.output


def test_push_takes_its_credentials_from_netrc(virtuoso, project, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {VIRTUOSO_USER} password {VIRTUOSO_PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    graph = "https://example.org/vrgraph/netrc"
    result = CliRunner().invoke(push_command, ["--endpoint", virtuoso.store, "--graph", graph,
                                               "--no-reasoned"], obj=project)
    assert result.exit_code == 0, result.output
    asserted = sum(1 for _ in Graph().parse(project.graph, format="turtle"))
    assert remote_store(virtuoso.query, graph).count() == asserted


def test_the_password_is_asked_for_without_echo(virtuoso, project, monkeypatch, tmp_path):
    monkeypatch.delenv("VRGRAPH_PASSWORD", raising=False)
    graph = "https://example.org/vrgraph/prompt"
    result = CliRunner().invoke(push_command, ["--endpoint", virtuoso.store, "--graph", graph,
                                               "--user", VIRTUOSO_USER, "--no-reasoned"],
                                obj=project, input=f"{VIRTUOSO_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password for dba at 127.0.0.1:" in result.stderr
    assert result.stderr.endswith(": \n")  # nothing typed is shown


def test_the_report_page_is_the_same_byte_for_byte_from_the_store(pushed, project, tmp_path,
                                                                   store):
    """Figures (the triple count included), findings, tables, validation: all of it."""
    local = pipeline.report(project, tmp_path / "local.html")[0]
    said: list[str] = []  # validated in the store: nothing to say
    remote = pipeline.report(project, tmp_path / "remote.html", endpoint=pushed.query,
                             graph=DEFAULT_GRAPH, say=said.append)[0]
    assert said == [] and remote.read_bytes() == local.read_bytes()
    assert (f"<b>{union_size(store)}</b>triples, with the ontology and inferences"
            in local.read_text())
