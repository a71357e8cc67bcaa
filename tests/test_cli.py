"""The command line as a user meets it: help, formats, errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rdflib import Graph

from vrgraph.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def commands(group: click.Group = main, path: tuple[str, ...] = ()
             ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand of the click registry, groups included, with its path."""
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def readme_commands() -> list[tuple[str, str]]:
    """The code spans of the first column of the README's commands table, each with its
    cell; the leading ``vrgraph`` is dropped (``query show NAME`` follows ``vrgraph query
    list`` in one cell)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("\n## Commands\n", 1)[1].strip().split("\n\n", 1)[0]
    cells = [row.split(" | ", 1)[0] for row in table.splitlines()[2:]]
    return [(span.removeprefix("vrgraph "), cell)
            for cell in cells for span in re.findall(r"`([^`]+)`", cell)]


def test_every_command_has_help_and_a_row_in_the_readme():
    """Built from the click registry: a command added to the CLI without help, or without
    its line in the README's table, fails here; so does a line naming a command or an
    option the CLI does not have."""
    listed = readme_commands()
    found = list(commands())
    assert len(found) > 10
    for path, command in found:
        name = " ".join(path)
        result = run(*path, "--help")
        assert result.exit_code == 0 and result.output.startswith(f"Usage: main {name} ")
        assert (command.help or "").strip(), f"vrgraph {name} has no help text"
        if isinstance(command, click.Group):
            continue
        cells = {cell for span, cell in listed if f"{span} ".startswith(f"{name} ")}
        assert cells, f"vrgraph {name} is not in the README's commands table"
        options = {o for p in command.params for o in [*p.opts, *p.secondary_opts]}
        for cell in cells:   # the options the row names are the command's own
            named = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", cell))
            assert named <= options, f"vrgraph {name}: {named - options} not options"
    names = {" ".join(path) for path, _ in found}
    for span, cell in listed:   # and every command the table names exists
        if cell.startswith("| `vrgraph "):
            assert span.split(" ")[0] in names, f"the README names no command {span!r}"


def test_query_list_shows_every_query_with_its_parameters(project):
    result = run("query", "list")
    assert result.exit_code == 0
    names = {p.stem for p in project.queries.glob("*.rq")}
    listed = {line.split()[0] for line in result.output.splitlines()}
    assert names == listed
    assert "[-p principle PRINCIPLE]" in result.output


def test_query_show_prints_the_file(project):
    result = run("query", "show", "principle-coverage")
    assert result.output.strip() == (project.queries / "principle-coverage.rq").read_text().strip()


def test_query_run_json_is_sparql_results_json():
    result = run("query", "run", "actions-for-principle", "-p", "principle", "EP8",
                 "--format", "json")
    data = json.loads(result.output)
    assert "principle" in data["head"]["vars"]
    numbers = {b["number"]["value"] for b in data["results"]["bindings"]}
    assert numbers == {"5.9.8", "5.9.10", "5.9.11"}
    assert all(b["principle"]["type"] == "uri" for b in data["results"]["bindings"])


def test_query_run_csv_and_markdown():
    out = run("query", "run", "principles-without-actions", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["notation"] for r in rows} == {"SP6", "EP7"}
    md = run("query", "run", "principles-without-actions", "--format", "markdown").output
    assert md.splitlines()[1].startswith("|---")


@pytest.mark.parametrize("args,message", [
    (["query", "run", "no-such-query"], "no canned query 'no-such-query'"),
    (["query", "run", "actions-for-principle", "-p", "principle", "SP7"], "valid values: EP1"),
    (["query", "run", "actions-for-principle", "-p", "colour", "red"], "has no parameter 'colour'"),
    (["query", "run", "actions-by-agency", "-p", "agency", "' } ; DROP ALL ; #"],
     "names no agency"),
    (["sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"],
     "SERVICE is refused"),
    (["sparql", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"], "FROM is refused"),
    (["sparql", "LOAD <file:///etc/passwd>"], "LOAD is refused"),
    (["sparql", "DELETE WHERE { ?s ?p ?o }"], "DELETE is refused"),
    (["sparql", "SELECT * WHERE { ?s ?p }"], "malformed query: query:1:24: expected"),
    (["sparql", "ASK " + "{" * 3000 + "}" * 3000], "nests deeper than 64 levels"),
    (["sparql", "ASK { FILTER(" + "!" * 10000 + "true) }"], "chains more than 300 steps"),
    (["sparql", "ASK { ?s ?p ?o } \x0b"], "query:1:18: cannot read '\\x0b': not a SPARQL token"),
    (["sparql", "--timeout", "1", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i"],
     "ran longer than the time limit of 1 s"),
    (["sparql", "--max-memory", "100",
      "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"], "more memory than the limit"),
    (["query", "run", "principle-coverage", "--timeout", "0"], "--timeout"),
    (["sparql"], "give the query as an argument or with -f FILE"),
])
def test_bad_input_is_exit_2_with_a_message(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_keyword_inside_a_string_or_iri_is_not_refused():
    result = run("sparql", 'SELECT ?x WHERE { BIND("SERVICE FROM LOAD" AS ?x) '
                           'FILTER(?x != <http://example.org/FROM>) }')
    assert result.exit_code == 0 and "SERVICE FROM LOAD" in result.output


def test_sparql_from_a_file_ask_and_construct(tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("PREFIX vr: <https://w3id.org/vrgraph/def/>\n"
                 "ASK { ?a vr:number \"5.9.7\" ; vr:statedNumber \"5.97\" }")
    assert run("sparql", "-f", str(f)).output.strip() == "true"
    out = run("sparql", "CONSTRUCT { ?a a ?c } WHERE { ?a a ?c } LIMIT 3").output
    assert len(Graph().parse(data=out, format="turtle")) == 3
