"""``vrgraph query`` (the canned queries), ``vrgraph sparql`` (any query) and ``vrgraph
prefixes``, on the local graph (in a confined child) or on a SPARQL endpoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..project import Project
from .common import (
    ask_password,
    format_option,
    handle_errors,
    memory_option,
    store_options,
    timeout_option,
)

if TYPE_CHECKING:   # imported where used, so that `vrgraph --version` starts fast
    import pyoxigraph as ox

    from ..pipeline import Shortener
    from ..query import Table
    from ..query.canned import CannedQuery
    from ..remote.endpoint import RemoteStore
    from ..store import Bindings

# results.ANSWER_FORMATS, written out so that the help needs no import of the engine
ANSWER_FORMATS = ("table", "csv", "json", "markdown", "turtle", "ntriples", "jsonld", "rdfxml")


def _store(project: Project, endpoint: str | None = None, graph: str | None = None,
           user: str | None = None, data: tuple[Path, ...] = ()) -> ox.Store | RemoteStore:
    """The reasoned local graph (or graph files ``data``), or a remote endpoint that answers
    like it."""
    if endpoint:
        from ..errors import InputError
        from ..remote.endpoint import remote_store

        if data:
            raise InputError("give --data or --endpoint, not both")
        return remote_store(endpoint, graph, user=user, prompt=ask_password)
    from ..pipeline import open_graph

    return open_graph(project, list(data) or None)


@click.group()
def query() -> None:
    """Canned gap and alignment queries (queries/*.rq)."""


@query.command("list")
@click.pass_obj
@handle_errors
def query_list(project: Project) -> None:
    """List the canned queries with their titles and parameters."""
    from ..query.canned import load_queries

    for name, q in load_queries(project.queries).items():
        params = " ".join(f"[-p {p.name} {p.type.upper()}]" for p in q.params)
        click.echo(f"{name:34} {q.title}" + (f"  {params}" if params else ""))


@query.command("show")
@click.argument("name")
@click.pass_obj
@handle_errors
def query_show(project: Project, name: str) -> None:
    """Show a canned query: its description, parameters and SPARQL."""
    q = _canned(project, name)
    click.echo(q.text)


@query.command("run")
@click.argument("name")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A parameter value; repeat for several.")
@format_option
@store_options
@timeout_option
@memory_option
@click.pass_obj
@handle_errors
def query_run(project: Project, name: str, params: tuple[tuple[str, str], ...], fmt: str,
              data: tuple[Path, ...], endpoint: str | None, graph_iri: str | None,
              user: str | None, timeout: float, max_memory: int) -> None:
    """Run a canned query on the reasoned graph."""
    from ..bounds import argument
    from ..errors import QueryError
    from ..kept import keep
    from ..pipeline import kept_output, read_output, shortener_of
    from ..query import table
    from ..query.binding import bind
    from ..results import render

    q = _canned(project, name)
    values = {argument(k, "-p NAME", error=QueryError): argument(v, f"-p {k}", error=QueryError)
              for k, v in params}
    # the same query with the same values on unchanged inputs: its answer as last printed
    asked = [name, q.text, fmt, *sorted(map(repr, values.items()))]
    kept = None if endpoint else kept_output(project, list(data) or None, asked)
    done = read_output(kept)
    if done is None:
        store = _store(project, endpoint, graph_iri, user, data)
        result = _run(store, q.text, bind(store, q, values), q.path.name, timeout, max_memory)
        done = _shown(render, table(result, q.path.name), fmt, shortener_of(store))
        keep(kept, done)
    click.echo(done)


def _shown(render: Callable[..., str], result: Table, fmt: str, short: Shortener) -> str:
    """A table of answers, and below it the prefixes of the strategies it shortened IRIs
    with (several strategies: one prefix each)."""
    shown = render(result, fmt, short)
    if fmt in ("table", "markdown") and short.declarations():
        shown += "\n" + short.declarations()
    return shown


def _run(store: ox.Store | RemoteStore, text: str, bindings: Bindings | None, where: str,
         timeout: float, max_memory: int, prefixes: dict[str, str] | None = None
         ) -> Table | bool | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
    """A query on the local graph runs in a confined child process (no network, no files,
    bounded in time and memory: ``vrgraph.sandbox``); on an endpoint, here."""
    import pyoxigraph as ox

    from ..query import run, run_confined

    if isinstance(store, ox.Store):
        return run_confined(store, text, bindings, where, timeout, max_memory * 2**20,
                            prefixes)
    return run(store, text, bindings, where, prefixes=prefixes)


def _canned(project: Project, name: str) -> CannedQuery:
    from ..errors import QueryError
    from ..pipeline import queries as canned

    queries = canned(project, name)
    if name not in queries:
        raise QueryError(f"no canned query {name!r}; `vrgraph query list` shows them: "
                         f"{', '.join(queries)}")
    return queries[name]


@click.command()
@click.argument("text", required=False)
@click.option("-f", "--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(ANSWER_FORMATS), default="table",
              show_default=True, help="SELECT: table, csv, json (SPARQL 1.1 Query Results "
              "JSON), markdown; ASK: table or json; CONSTRUCT and DESCRIBE: turtle (or table), "
              "ntriples, jsonld (or json), rdfxml.")
@store_options
@timeout_option
@memory_option
@click.pass_obj
@handle_errors
def sparql(project: Project, text: str | None, path: Path | None, fmt: str,
           data: tuple[Path, ...], endpoint: str | None, graph_iri: str | None,
           user: str | None, timeout: float, max_memory: int) -> None:
    """Run an ad-hoc SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE on the reasoned graph
    (read-only; SERVICE, FROM and LOAD are refused). A SELECT prints as --format table, csv,
    json or markdown; an ASK as table (true or false) or json; a graph as turtle (also
    table), ntriples, jsonld (also json) or rdfxml."""
    import pyoxigraph as ox

    from .. import bounds
    from ..errors import QueryError
    from ..namespaces import PREFIX_IRIS
    from ..pipeline import shortener_of
    from ..query import Table, known_prefixes
    from ..results import render_answer

    if path is not None and text is None:
        text = bounds.read_text(path, str(path), error=QueryError)
    elif text is not None and path is None:
        text = bounds.argument(text, "the query argument", error=QueryError)
    else:
        raise QueryError("give the query as an argument or with -f FILE, not both")
    store = _store(project, endpoint, graph_iri, user, data)
    result = _run(store, text, None, str(path or "query"), timeout, max_memory,
                  known_prefixes(store))
    answer = bool(result) if isinstance(result, ox.QueryBoolean) else result
    # a graph is written with the vocabularies' prefixes (not vrid:, whose local names hold
    # slashes that Turtle would escape)
    prefixes = dict(PREFIX_IRIS)
    short = shortener_of(store)
    click.echo(render_answer(answer if isinstance(answer, (bool, Table)) else list(answer),
                             fmt, short, prefixes))
    if isinstance(answer, Table) and fmt in ("table", "markdown") and short.declarations():
        click.echo(short.declarations())


@click.command()
@store_options
@click.pass_obj
@handle_errors
def prefixes(project: Project, data: tuple[Path, ...], endpoint: str | None,
             graph_iri: str | None, user: str | None) -> None:
    """List the prefixes that `sparql`, `serve` and the query page declare for you (the
    vocabularies', vrid: for the graph's things, one per strategy), as SPARQL PREFIX lines."""
    from ..query import known_prefixes

    for name, namespace in known_prefixes(_store(project, endpoint, graph_iri, user,
                                                 data)).items():
        click.echo(f"PREFIX {name}: <{namespace}>")
