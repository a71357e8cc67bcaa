"""Answers kept between commands (vrgraph/kept.py): the report reads its query answers from
the last run on the same inputs, never once an input has changed, and gives the same page
byte for byte as a run that keeps nothing; the compiled templates are kept likewise."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2 import DictLoader, Environment

from vrgraph import pipeline
from vrgraph.cli import main
from vrgraph.pages import _Compiled
from vrgraph.project import Project

PLEDGE = "We are committed to the Council's pledge to become an anti-racist organisation"


@pytest.fixture()
def stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "stores"
    monkeypatch.setenv("VRGRAPH_STORE", str(where))
    return where


def report(project: Project, out: Path) -> tuple[str, bytes]:
    result = CliRunner().invoke(main, ["--root", str(project.root), "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.output.replace(str(out), "OUT"), out.read_bytes()


def not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make loading the graph fail: what follows must not need it."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the graph was loaded")
    monkeypatch.setattr(pipeline, "open_graph", refuse)


def test_the_report_reads_its_answers_kept_for_the_same_inputs(scratch, stores, tmp_path,
                                                               monkeypatch):
    first = report(scratch, tmp_path / "a.html")
    assert len(list(stores.glob("report-answers-*.json"))) == 1
    with monkeypatch.context() as patched:
        not_loaded(patched)
        assert report(scratch, tmp_path / "b.html") == first    # nothing loaded, same page
    monkeypatch.setenv("VRGRAPH_STORE", "off")                  # nothing kept: made afresh
    assert report(scratch, tmp_path / "c.html") == first


def test_a_changed_graph_is_never_answered_from_the_kept_answers(scratch, stores, tmp_path):
    summary, page = report(scratch, tmp_path / "a.html")
    assert PLEDGE in summary
    graph = scratch.graph.read_text(encoding="utf-8")
    assert PLEDGE in graph
    scratch.graph.write_text(graph.replace(PLEDGE, "We pledge something else entirely"),
                             encoding="utf-8")
    changed, changed_page = report(scratch, tmp_path / "b.html")
    assert PLEDGE not in changed and "We pledge something else entirely" in changed
    assert changed_page != page
    assert len(list(stores.glob("report-answers-*.json"))) == 2
    scratch.graph.write_text(graph, encoding="utf-8")             # back: the first answers
    assert report(scratch, tmp_path / "c.html") == (summary, page)


def test_a_changed_query_or_ontology_is_never_answered_from_the_kept_answers(
        scratch, stores, tmp_path, monkeypatch):
    summary, _ = report(scratch, tmp_path / "a.html")
    path = scratch.queries / "actions-without-lead.rq"
    text = path.read_text(encoding="utf-8")
    edited = text.rstrip() + "\nLIMIT 1\n"
    path.write_text(edited, encoding="utf-8")
    fewer, _ = report(scratch, tmp_path / "b.html")
    assert fewer != summary and "1 action of 131" in fewer
    path.write_text(text, encoding="utf-8")
    scratch.ontology.write_text(scratch.ontology.read_text(encoding="utf-8") + "\n",
                                encoding="utf-8")
    with monkeypatch.context() as patched:
        not_loaded(patched)
        with pytest.raises(AssertionError, match="the graph was loaded"):
            pipeline.report(scratch, tmp_path / "c.html")


def test_a_spoilt_kept_answer_is_made_again(scratch, stores, tmp_path):
    first = report(scratch, tmp_path / "a.html")
    (kept,) = stores.glob("report-answers-*.json")
    for spoilt in ("{not json", '{"tables": [], "triples": 1}', "[]"):
        kept.write_text(spoilt, encoding="utf-8")
        assert report(scratch, tmp_path / "b.html") == first
        assert kept.read_text(encoding="utf-8") != spoilt


def test_a_folder_that_cannot_be_written_keeps_nothing(scratch, tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("VRGRAPH_STORE", str(blocked / "stores"))
    first = report(scratch, tmp_path / "a.html")
    assert report(scratch, tmp_path / "b.html") == first


def test_a_changed_template_is_compiled_again(tmp_path):
    def render(source: str) -> str:
        env = Environment(loader=DictLoader({"page.html": source}), autoescape=True)
        env.bytecode_cache = _Compiled(tmp_path / "compiled")
        return env.get_template("page.html").render(name="<b>")

    assert render("Hello {{ name }}") == "Hello &lt;b&gt;"
    assert len(list((tmp_path / "compiled").iterdir())) == 1
    assert render("Hello {{ name }}") == "Hello &lt;b&gt;"         # from the kept code
    assert render("Goodbye {{ name }}") == "Goodbye &lt;b&gt;"     # its source changed
    (kept,) = (tmp_path / "compiled").iterdir()
    kept.write_bytes(b"spoilt")
    assert render("Goodbye {{ name }}") == "Goodbye &lt;b&gt;"


def run(project: Project, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(project.root), "query", "run", *args])
    return result.exit_code, result.output


def test_a_canned_query_run_again_prints_its_kept_answer_until_an_input_changes(
        scratch, stores, monkeypatch):
    asked = ("principle-coverage", "--format", "csv")
    code, first = run(scratch, *asked)
    assert code == 0 and PLEDGE in first
    assert len(list(stores.glob("query-output-*.json"))) == 1
    with monkeypatch.context() as patched:
        not_loaded(patched)
        assert run(scratch, *asked) == (0, first)                # nothing loaded, same text
    monkeypatch.setenv("VRGRAPH_STORE", "off")                  # nothing kept: made afresh
    assert run(scratch, *asked) == (0, first)
    monkeypatch.setenv("VRGRAPH_STORE", str(stores))
    graph = scratch.graph.read_text(encoding="utf-8")
    scratch.graph.write_text(graph.replace(PLEDGE, "We pledge something else entirely"),
                             encoding="utf-8")
    code, changed = run(scratch, *asked)
    assert code == 0 and PLEDGE not in changed and "We pledge something else entirely" in changed


def test_a_refused_value_is_not_kept_and_is_refused_again(scratch, stores):
    for _ in range(2):
        code, output = run(scratch, "actions-for-principle", "-p", "principle", "SP9")
        assert code == 2 and "names no principle" in output
    assert list(stores.glob("query-output-*.json")) == []
