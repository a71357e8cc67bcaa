"""The ``vrgraph`` command: a thin layer over the library.

Exit codes: 0 success / conforms; 1 the data does not conform (validate) or a check
failed; 2 unusable input (file, parameter, query); 3 an output could not be written.
"""

from __future__ import annotations

import logging
import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .errors import VrgraphError
from .project import Project

FORMATS_VALIDATE = ("text", "json", "turtle")

endpoint_option = click.option(
    "--endpoint", metavar="URL", envvar="VRGRAPH_ENDPOINT", default=None,
    help="Use this SPARQL 1.1 endpoint instead of the local graph (it should hold the "
         "reasoned graph: see `vrgraph push`).")
format_option = click.option(
    "--format", "fmt", type=click.Choice(("table", "csv", "json", "markdown")),
    default="table", show_default=True,
    help="table for reading; csv; json (SPARQL 1.1 Query Results JSON); markdown.")
timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
    help="Seconds the query may run before it is stopped (exit 2).")
memory_option = click.option(
    "--max-memory", type=click.IntRange(min=64), default=2048, show_default=True,
    metavar="MB", help="Memory the query may use beyond the loaded graph, in MB (exit 2 "
                       "beyond it).")
graph_option = click.option(
    "--graph", "graph_iri", metavar="IRI", default=None,
    help="With --endpoint: use this named graph of the endpoint as the default graph.")


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into a one-line message on stderr and the documented exit code."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except VrgraphError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
    return wrapper


class LazyGroup(click.Group):
    """Commands that live beside their stage's module, imported only when used, so that
    every command starts fast (https://click.palletsprojects.com/en/stable/complex/)."""

    lazy = {"publish": "vrgraph.publish:publish_command",
            "serve": "vrgraph.serve:serve_command",
            "push": "vrgraph.remote:push_command",
            "sheet": "vrgraph.sheet_import:sheet_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attribute = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vrgraph")
@click.option("--root", "--project", "root", type=click.Path(file_okay=False, path_type=Path),
              default=None,
              help="Project folder holding data/, ontology/ and queries/ (default: the "
                   "working directory if it is one, else the checkout or the installed copy).")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Turn a violence-reduction strategy into a knowledge graph: build, validate, reason,
    query, report, publish and serve it."""
    # rdflib logs a traceback for every ill-typed literal it meets; validation reports them
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    ctx.obj = Project(root.resolve()) if root else Project.default()


@main.command()
@click.option("--base-iri", default=None, help="Base for instance IRIs (default: the one "
              "recorded in data/graph.ttl, else https://w3id.org/vrgraph/).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the Turtle (default data/graph.ttl).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if data/graph.ttl differs "
              "from what the build produces.")
@click.pass_obj
@handle_errors
def build(project: Project, base_iri: str | None, output: Path | None, check: bool) -> None:
    """Build data/graph.ttl from the source copy and the curation files."""
    from .namespaces import Base
    from .pipeline import build_turtle, recorded_base

    base = Base.parse(base_iri) if base_iri is not None else recorded_base(project)
    data, graph = build_turtle(project, base)
    target = output or project.graph
    if check:
        same = target.exists() and target.read_bytes() == data
        click.echo(f"{project.display(target)}: {'up to date' if same else 'differs from the build'}")
        sys.exit(0 if same else 1)
    from .project import write_atomic

    write_atomic(target, data)
    click.echo(f"wrote {project.display(target)}: {len(graph)} triples, {len(data)} bytes")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--shapes", "shapes_files", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Validate against the shapes in FILE (repeatable) instead of the "
                   "project's ontology/shapes.ttl. The data graph is then exactly FILES, "
                   "nothing added (with --merge: FILES, the built graph and the ontology).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_VALIDATE), default="text",
              show_default=True, help="Report format (turtle: a SHACL validation report).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--engine", type=click.Choice(("sparql", "pyshacl")), default="sparql",
              show_default=True, help="sparql: the shapes compiled to SPARQL and run on "
              "Oxigraph; pyshacl: pySHACL for every core constraint. Same results.")
@click.option("--merge", is_flag=True, help="Validate FILES together with the built graph "
              "(for edits that refer to existing resources).")
@endpoint_option
@graph_option
@click.pass_obj
@handle_errors
def validate(project: Project, files: tuple[Path, ...], shapes_files: tuple[Path, ...],
             fmt: str, strict: bool, engine: str, merge: bool, endpoint: str | None,
             graph_iri: str | None) -> None:
    """Validate the built graph, or FILES, against the SHACL shapes.

    Exit 0 conforms (warnings allowed unless --strict), 1 violations, 2 unusable input
    (including shapes that are ill-formed or that the engine cannot run).
    """
    from .errors import InputError
    from .namespaces import Base
    from .pipeline import shortener, validate_endpoint, validate_files, validate_with_shapes
    from .store import base_of
    from .validate import as_json, as_text, as_turtle

    paths = list(files) or [project.graph]
    if merge and project.graph not in paths:
        paths.append(project.graph)
    if endpoint and files:
        raise InputError("give FILES or --endpoint, not both")
    rdf = fmt == "turtle"
    shorten = shortener(Base())
    if endpoint:
        report = validate_endpoint(project, endpoint, graph_iri, engine, rdf,
                                   list(shapes_files))
        shorten = shortener(base_of(_store(project, endpoint, graph_iri)))
    elif shapes_files:
        own = [p for p in paths if p != project.graph]
        alone = bool(files) and not merge
        report = validate_with_shapes(own if not alone else paths, list(shapes_files), engine,
                                      rdf, None if alone else project)
    else:
        report, shorten = validate_files(project, paths, engine, rdf)
    if fmt == "json":
        click.echo(as_json(report))
    elif fmt == "turtle":
        click.echo(as_turtle(report))
    else:
        label = endpoint or ", ".join(project.display(p) for p in paths)
        click.echo(as_text(report, label, shorten))
    sys.exit(0 if report.ok(strict) else 1)


def _store(project: Project, endpoint: str | None = None, graph: str | None = None):
    """The reasoned local graph, or a remote endpoint that answers like it."""
    if endpoint:
        from .remote import remote_store

        return remote_store(endpoint, graph)
    from .pipeline import load

    return load(project)


@main.group()
def query() -> None:
    """Canned gap and alignment queries (queries/*.rq)."""


@query.command("list")
@click.pass_obj
@handle_errors
def query_list(project: Project) -> None:
    """List the canned queries with their titles and parameters."""
    from .query import load_queries

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
@endpoint_option
@graph_option
@timeout_option
@memory_option
@click.pass_obj
@handle_errors
def query_run(project: Project, name: str, params: tuple[tuple[str, str], ...], fmt: str,
              endpoint: str | None, graph_iri: str | None, timeout: float,
              max_memory: int) -> None:
    """Run a canned query on the reasoned graph."""
    from .bounds import argument
    from .errors import QueryError
    from .formats import render
    from .pipeline import shortener
    from .query import bind
    from .store import base_of

    q = _canned(project, name)
    values = {argument(k, "-p NAME", error=QueryError): argument(v, f"-p {k}", error=QueryError)
              for k, v in params}
    store = _store(project, endpoint, graph_iri)
    table = _run(store, endpoint, q.text, bind(store, q, values), q.path.name, timeout,
                 max_memory)
    click.echo(render(table, fmt, shortener(base_of(store))))


def _run(store: Any, endpoint: str | None, text: str, bindings: dict | None, where: str,
         timeout: float, max_memory: int) -> Any:
    """A query on the local graph runs in a confined child process (no network, no files,
    bounded in time and memory: ``vrgraph.sandbox``); on an endpoint, here."""
    from .query import run, run_confined

    if endpoint:
        return run(store, text, bindings, where)
    return run_confined(store, text, bindings, where, timeout, max_memory * 2**20)


def _canned(project: Project, name: str):
    from .errors import QueryError
    from .query import load_queries

    queries = load_queries(project.queries)
    if name not in queries:
        raise QueryError(f"no canned query {name!r}; `vrgraph query list` shows them: "
                         f"{', '.join(queries)}")
    return queries[name]


@main.command()
@click.argument("text", required=False)
@click.option("-f", "--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the query from a file.")
@format_option
@endpoint_option
@graph_option
@timeout_option
@memory_option
@click.pass_obj
@handle_errors
def sparql(project: Project, text: str | None, path: Path | None, fmt: str,
           endpoint: str | None, graph_iri: str | None, timeout: float,
           max_memory: int) -> None:
    """Run an ad-hoc SPARQL SELECT, ASK or CONSTRUCT on the reasoned graph (read-only;
    SERVICE, FROM and LOAD are refused)."""
    import pyoxigraph as ox

    from . import bounds
    from .errors import QueryError
    from .formats import render
    from .pipeline import shortener
    from .query import Table
    from .store import base_of

    if (text is None) == (path is None):
        raise QueryError("give the query as an argument or with -f FILE, not both")
    text = (bounds.read_text(path, str(path), error=QueryError) if path is not None
            else bounds.argument(text, "the query argument", error=QueryError))
    store = _store(project, endpoint, graph_iri)
    result = _run(store, endpoint, text, None, str(path or "query"), timeout, max_memory)
    if isinstance(result, Table):
        click.echo(render(result, fmt, shortener(base_of(store))))
    elif isinstance(result, (bool, ox.QueryBoolean)):
        click.echo("true" if bool(result) else "false")
    else:
        click.echo(ox.serialize(list(result), format=ox.RdfFormat.TURTLE).decode())


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json", "turtle")),
              default="text", show_default=True,
              help="text; markdown (for a pull request); json; turtle (a change set with "
                   "provenance).")
@click.pass_obj
@handle_errors
def diff(project: Project, old: str, new: str, fmt: str) -> None:
    """What changed from OLD to NEW, each a graph file, a release folder or a git revision
    of data/graph.ttl (e.g. HEAD~1): actions, texts, leads, tiers, alignments (stated and
    inherited apart), gaps opened or closed, quality notes. Exit 0 equal, 1 different."""
    from . import diff as differ
    from .pipeline import recorded_base

    change = differ.compare(differ.snapshot(old, project), differ.snapshot(new, project))
    writers = {"text": differ.as_text, "markdown": differ.as_markdown, "json": differ.as_json,
               "turtle": lambda c: differ.as_turtle(c, recorded_base(project).iri)}
    click.echo(writers[fmt](change), nl=False)
    sys.exit(0 if change.equal else 1)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("out/report.html"), show_default=True,
              help="Where to write the HTML report.")
@click.option("--build", "rebuild", is_flag=True,
              help="Rebuild data/graph.ttl from the source and curation first.")
@endpoint_option
@graph_option
@click.pass_obj
@handle_errors
def report(project: Project, output: Path, rebuild: bool, endpoint: str | None,
           graph_iri: str | None) -> None:
    """The main job: validate, reason, run the gap and alignment queries and write one
    self-contained HTML report (works offline), with a summary here."""
    from .pipeline import report as run_report
    from .report import summary

    path, results, validation = run_report(project, output, rebuild, endpoint, graph_iri)
    click.echo(summary(results, validation))
    click.echo(f"\nReport: {path}")

if __name__ == "__main__":
    main()
