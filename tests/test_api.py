"""The Python API (vrgraph.api) for notebooks: typed rows, DataFrames, the same guard and
sandbox as the command line; and the researcher's corners of the CLI it shares (answer
formats, checked free-text parameters, natural order of focus nodes)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from vrgraph import api
from vrgraph.cli import main
from vrgraph.cli.query import ANSWER_FORMATS
from vrgraph.errors import QueryError
from vrgraph.results import ANSWER_FORMATS as RESULT_FORMATS

XSD = "http://www.w3.org/2001/XMLSchema#"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def g(project, store):
    return api.Connection(store, project)


def test_python_values_follow_the_datatype():
    lit = ox.Literal
    assert api.python_value(lit("4", datatype=ox.NamedNode(XSD + "integer"))) == 4
    assert api.python_value(lit("2.50", datatype=ox.NamedNode(XSD + "decimal"))) == Decimal("2.50")
    assert api.python_value(lit("1e3", datatype=ox.NamedNode(XSD + "double"))) == 1000.0
    assert api.python_value(lit("true", datatype=ox.NamedNode(XSD + "boolean"))) is True
    assert api.python_value(lit("2025-03-31", datatype=ox.NamedNode(XSD + "date"))) == \
        dt.date(2025, 3, 31)
    stamp = api.python_value(lit("2026-03-31T14:05:00Z", datatype=ox.NamedNode(XSD + "dateTime")))
    assert stamp == dt.datetime(2026, 3, 31, 14, 5, tzinfo=dt.UTC)
    text = api.python_value(lit("Key actions", language="en"))
    assert isinstance(text, api.LangString) and text == "Key actions" and text.lang == "en"
    iri = api.python_value(ox.NamedNode("https://w3id.org/vrgraph/id/action/5.1.1"))
    assert isinstance(iri, api.IRI) and repr(iri).startswith("IRI(")
    # a value that is not valid for its datatype stays text, never a crash
    assert api.python_value(lit("many", datatype=ox.NamedNode(XSD + "integer"))) == "many"
    assert api.python_value(None) is None


def test_a_canned_query_gives_typed_rows(g):
    rows = g.run("principle-coverage")
    assert len(rows) == 14
    first = rows[0]
    assert first["notation"] == "SP1" and isinstance(first["actions"], int)
    assert isinstance(first["principle"], api.IRI)
    assert sum(rows.column("statedActions")) == 85   # README: 85 stated alignments


def test_keyword_parameters_are_bound_and_checked(g):
    rows = g.run("actions-for-principle", principle="EP9")
    assert {r["number"] for r in rows} >= {"5.10.1", "5.10.2"}
    with pytest.raises(QueryError, match="no parameter 'principal'"):
        g.run("actions-for-principle", principal="EP9")
    with pytest.raises(QueryError, match="valid values"):
        g.run("actions-for-principle", principle="EP99")
    with pytest.raises(QueryError, match="no canned query 'coverage'"):
        g.run("coverage")


def test_sparql_gives_rows_booleans_and_graphs(g):
    assert g.sparql("ASK { ?s ?p ?o }") is True
    graph = g.sparql("CONSTRUCT { ?a a <https://w3id.org/vrgraph/def/Action> } WHERE "
                     "{ ?a a <https://w3id.org/vrgraph/def/Action> }")
    assert len(graph) == 131


def test_the_api_refuses_what_the_guard_refuses(g):
    with pytest.raises(QueryError, match="SERVICE"):
        g.sparql("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")


def test_a_dataframe_has_proper_dtypes(g):
    pytest.importorskip("pandas")
    df = g.run("principle-coverage").to_pandas()
    assert str(df["actions"].dtype) == "Int64"
    assert str(df["notation"].dtype) == "string"
    assert list(df.columns) == g.run("principle-coverage").variables
    assert df["actions"].sum() > 0


def test_connect_opens_the_projects_graph(project):
    g = api.connect(project.root)
    assert g.queries()["principle-coverage"]
    assert [r["strategy"] for r in g.strategies()] == ["hackney"]


# -- the CLI's answer formats ------------------------------------------------------------------
def test_the_clis_list_of_formats_is_the_libraries():
    assert ANSWER_FORMATS == RESULT_FORMATS


def test_construct_honours_its_format():
    runner = CliRunner()
    construct = "CONSTRUCT { ?s a ?t } WHERE { ?s a <https://w3id.org/vrgraph/def/Agency> ; a ?t }"
    out = runner.invoke(main, ["sparql", construct, "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert isinstance(doc, list) and doc[0]["@id"].startswith("https://w3id.org/vrgraph/id/")
    nt = runner.invoke(main, ["sparql", construct, "--format", "ntriples"])
    assert nt.exit_code == 0 and nt.output.startswith("<https://")
    xml = runner.invoke(main, ["sparql", construct, "--format", "rdfxml"])
    assert xml.exit_code == 0 and "<rdf:RDF" in xml.output
    turtle = runner.invoke(main, ["sparql", construct])
    assert "@prefix vr: <https://w3id.org/vrgraph/def/>" in turtle.output


def test_describe_answers_as_a_graph():
    out = CliRunner().invoke(main, ["sparql", "DESCRIBE <https://w3id.org/vrgraph/id/action/5.1.1>",
                                    "--format", "ntriples"])
    assert out.exit_code == 0
    assert "<https://w3id.org/vrgraph/id/action/5.1.1>" in out.output


@pytest.mark.parametrize("query, fmt, says", [
    ("ASK { ?s ?p ?o }", "csv", "an ASK gives true or false"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "turtle", "a SELECT gives a table"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1", "csv", "gives a graph"),
])
def test_a_format_the_answer_cannot_take_is_refused(query, fmt, says):
    out = CliRunner().invoke(main, ["sparql", query, "--format", fmt])
    assert out.exit_code == 2 and says in out.output and "Traceback" not in out.output


def test_ask_as_sparql_results_json():
    out = CliRunner().invoke(main, ["sparql", "ASK { ?s ?p ?o }", "--format", "json"])
    assert json.loads(out.output) == {"head": {}, "boolean": True}


# -- free-text parameters checked against the graph --------------------------------------------
def test_a_kind_is_found_by_its_iris_name_too():
    """`notes-by-kind` prints vr:RowSplit; `notes -p kind RowSplit` finds those notes."""
    out = CliRunner().invoke(main, ["query", "run", "notes", "-p", "kind", "RowSplit",
                                    "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = out.output.splitlines()[1:]
    assert rows and all(r.startswith("row-split,") for r in rows)


def test_a_kind_that_names_nothing_is_refused_with_a_suggestion():
    out = CliRunner().invoke(main, ["query", "run", "notes", "-p", "kind", "row-splt"])
    assert out.exit_code == 2
    assert "names no kind of flaw (did you mean row-split?)" in out.output
    assert "valid values:" in out.output and "all for every one" in out.output


def test_about_accepts_anything_of_the_graph_and_refuses_the_rest():
    runner = CliRunner()
    assert runner.invoke(main, ["query", "run", "notes", "-p", "about", "MPS"]).exit_code == 0
    out = runner.invoke(main, ["query", "run", "notes", "-p", "about", "5.99.1"])
    assert out.exit_code == 2 and "names no action, principle, plan" in out.output


# -- validate's order -------------------------------------------------------------------------
def test_focus_nodes_sort_naturally():
    from vrgraph.validate import Result, _order

    def result(focus: str) -> Result:
        return Result(severity="Warning", shape="s", focus=focus, path=None, value=None,
                      message="m", lines=None)
    focuses = ["https://x/action/5.4.10", "https://x/action/5.4.9", "https://x/action/5.4.1"]
    ordered = [r.focus for r in sorted(map(result, focuses), key=_order)]
    assert ordered == ["https://x/action/5.4.1", "https://x/action/5.4.9",
                       "https://x/action/5.4.10"]


def test_validate_lists_focus_nodes_in_natural_order():
    out = CliRunner().invoke(main, ["validate"])
    assert out.exit_code == 0, out.output
    assert out.output.index("vrid:action/5.4.9 ") < out.output.index("vrid:action/5.4.10 ")
    assert out.output.index("vrid:action/5.9.2 ") < out.output.index("vrid:action/5.9.10 ")


def test_the_notebook_runs_and_gives_typed_dataframes():
    """docs/notebook.ipynb, executed cell by cell in a real kernel (nbclient)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(ROOT / "docs" / "notebook.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "docs")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    table = outputs[-1]["data"]["text/html"]
    assert "notation" in table and "SP3" in table


def test_shorten_names_each_strategy_as_the_command_line_does(project, tmp_path):
    from vrgraph import synthetic

    borough = tmp_path / "b1.nt"
    borough.write_text(synthetic.Generator(project.graph).borough_text(1))
    g = api.connect(project.root, data=[project.graph, borough])
    short = g.shorten()
    assert short("https://w3id.org/vrgraph/id/action/5.1.1") == "hackney:action/5.1.1"
    assert short("https://w3id.org/vrgraph/def/Action") == "vr:Action"
