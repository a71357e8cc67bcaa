"""vrgraph.remote_validate: the compiled SHACL checks run on an Oxigraph server, and the
same results as local validation, result for result; what the store cannot answer is said
and validated on a copy. Virtuoso: tests/test_virtuoso.py."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from vrgraph import pipeline
from vrgraph import remote_validate as rv
from vrgraph.cli import main
from vrgraph.cli.publish import push as push_command
from vrgraph.remote.endpoint import RemoteStore, remote_store


@pytest.fixture(scope="module")
def local(project):
    return pipeline.validate_files(project, [project.graph])[0]


def _validate(url, project, graph=None, **kw):
    said: list[str] = []
    outcome = rv.validate_remote(remote_store(url, graph), project, pipeline.shapes(project),
                                 say=said.append, **kw)
    return outcome, said


def test_the_checks_run_in_the_store_and_find_what_local_validation_finds(pushed, project,
                                                                         local):
    outcome, said = _validate(pushed.query, project)
    assert outcome.in_store and said == []
    assert outcome.report.results and outcome.report.results == local.results  # order too
    assert outcome.report.conforms == local.conforms


def test_no_triple_comes_home(pushed, project, monkeypatch):
    """Neither the copy nor any CONSTRUCT: only SELECTs of results are sent."""
    sent: list[str] = []
    real = RemoteStore._post

    def spy(self, text, *args):
        sent.append(text)
        return real(self, text, *args)
    monkeypatch.setattr(RemoteStore, "_post", spy)
    monkeypatch.setattr(rv, "fetch", lambda *a, **k: pytest.fail("the graph was copied"))
    outcome, _ = _validate(pushed.query, project)
    assert outcome.in_store and sent
    assert not any("CONSTRUCT" in q for q in sent)
    assert not any("SELECT ?s ?p ?o WHERE { ?s ?p ?o }" in q for q in sent)


def test_the_command_prints_what_it_prints_locally(pushed, project):
    runner = CliRunner()
    there = runner.invoke(main, ["validate", "--endpoint", pushed.query], obj=project)
    here = runner.invoke(main, ["validate"], obj=project)
    assert there.exit_code == here.exit_code == 0, there.output
    assert there.stderr == ""
    assert there.stdout.split("\n", 1)[1] == here.stdout.split("\n", 1)[1]  # after the label
    there = runner.invoke(main, ["validate", "--endpoint", pushed.query, "--format", "turtle"],
                          obj=project)
    here = runner.invoke(main, ["validate", "--format", "turtle"], obj=project)
    assert isomorphic(Graph().parse(data=there.stdout, format="turtle"),
                      Graph().parse(data=here.stdout, format="turtle"))


def test_the_report_page_is_the_same_byte_for_byte(pushed, project, tmp_path):
    said: list[str] = []
    remote = pipeline.report(project, tmp_path / "remote.html", endpoint=pushed.query,
                             say=said.append)[0]
    local = pipeline.report(project, tmp_path / "local.html")[0]
    assert said == [] and remote.read_bytes() == local.read_bytes()


def test_answers_are_read_in_pages_past_a_row_cap(pushed, project, local, monkeypatch):
    monkeypatch.setattr(rv, "PAGE", 3)  # 25 results of one check: 9 pages
    outcome, said = _validate(pushed.query, project)
    assert outcome.in_store and said == []
    assert outcome.report.results == local.results


def test_too_many_results_are_said_and_validated_on_a_copy(pushed, project, local,
                                                           monkeypatch):
    monkeypatch.setattr(rv, "PAGE", 2)
    monkeypatch.setattr(rv, "MAX_ROWS", 5)
    outcome, said = _validate(pushed.query, project)
    assert not outcome.in_store and "more than 5 results" in outcome.reason
    assert len(said) == 1 and "validating a copy of its graph here instead" in said[0]
    assert outcome.report.results == local.results


def test_a_store_whose_sparql_answers_otherwise_is_not_trusted(pushed, project, local,
                                                                monkeypatch):
    monkeypatch.setattr(rv, "_PROBES", (("SELECT (LANG(\"a\"@en) AS ?x) WHERE {}", "fr",
                                         "a literal's language tag"),))
    outcome, said = _validate(pushed.query, project)
    assert not outcome.in_store
    assert "does not evaluate a literal's language tag as SPARQL 1.1 does" in said[0]
    assert outcome.report.results == local.results


def test_a_graph_pushed_without_reasoning_is_said_and_validated_on_a_copy(server, project,
                                                                         local):
    """--no-reasoned: neither the ontology nor the inferences are in the store."""
    graph = "https://example.org/vrgraph/asserted-only"
    result = CliRunner().invoke(push_command, ["--endpoint", server.store, "--graph", graph,
                                               "--no-reasoned"], obj=project)
    assert result.exit_code == 0, result.output
    outcome, said = _validate(server.query, project, graph)
    assert not outcome.in_store and "triples of the ontology" in outcome.reason
    assert outcome.reason.startswith("its graph lacks 10")  # a thousand and more
    assert outcome.report.results == local.results
    result = CliRunner().invoke(main, ["validate", "--endpoint", server.query, "--graph",
                                       graph], obj=project)
    assert result.exit_code == 0 and "cannot validate in the store" in result.stderr
    assert "validating a copy" in result.stderr and "Traceback" not in result.output


def test_a_graph_with_the_ontology_but_no_inferences_is_found_out(server, project, local):
    graph = "https://example.org/vrgraph/not-reasoned"
    result = CliRunner().invoke(push_command, [
        "--endpoint", server.store, "--graph", graph, "--no-reasoned",
        "-f", str(project.graph), "-f", str(project.ontology)], obj=project)
    assert result.exit_code == 0, result.output
    outcome, said = _validate(server.query, project, graph)
    assert not outcome.in_store
    assert "lacks what reasoning concludes" in outcome.reason and "--no-reasoned" in said[0]
    assert outcome.report.results == local.results


def test_pyshacl_is_said_to_need_the_copy(pushed, project):
    outcome, said = _validate(pushed.query, project, engine="pyshacl")
    assert not outcome.in_store and "--engine pyshacl" in said[0]
