"""The ``vrgraph`` command: a thin layer over the library.

Exit codes: 0 success / conforms; 1 the data does not conform (validate) or a check
failed; 2 unusable input (file, parameter, query); 3 an output could not be written.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import InputError, VrgraphError
from .project import Project

if TYPE_CHECKING:   # imported where used, so that `vrgraph --version` starts fast
    import pyoxigraph as ox

    from .pipeline import Shortener
    from .query import Table
    from .query.canned import CannedQuery
    from .remote import RemoteStore
    from .store import Bindings

FORMATS_VALIDATE = ("text", "json", "turtle")
# results.ANSWER_FORMATS, written out so that the help needs no import of the engine
ANSWER_FORMATS = ("table", "csv", "json", "markdown", "turtle", "ntriples", "jsonld", "rdfxml")

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
data_option = click.option(
    "--data", "data", multiple=True, metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use these graph files instead of data/graph.ttl (repeatable): e.g. the built graph "
         "and a second strategy's (vrgraph build --sheet), side by side.")
user_option = click.option(
    "--user", metavar="NAME", envvar="VRGRAPH_USER", default=None,
    help="With --endpoint: authenticate as NAME (Basic or Digest), the password from "
         "$VRGRAPH_PASSWORD or a prompt; without it, ~/.netrc if it names the host.")


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vrgraph")
@click.option("--root", "--project", "root", type=click.Path(file_okay=False, path_type=Path),
              default=None,
              help="Project folder holding data/, ontology/ and queries/ (default: the "
                   "working directory if it is one, else the checkout or the installed copy).")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="Show the progress of long stages on stderr (default: only when stderr "
                   "is a terminal; VRGRAPH_PROGRESS=0 or 1 says otherwise).")
@click.pass_context
def main(ctx: click.Context, root: Path | None, show_progress: bool | None) -> None:
    """Turn a violence-reduction strategy into a knowledge graph: build, validate, reason,
    query, report, publish and serve it."""
    from . import progress

    ctx.with_resource(progress.reporting(
        progress.terminal(sys.stderr) if progress.wanted(sys.stderr, show_progress) else None))
    # rdflib logs a traceback for every ill-typed literal it meets; validation reports them
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    ctx.obj = Project(root.resolve()) if root else Project.default()


@main.command()
@click.option("--base-iri", default=None, help="Base for instance IRIs (default: the one "
              "recorded in data/graph.ttl, else https://w3id.org/vrgraph/).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the Turtle (default data/graph.ttl; with --sheet "
                   "out/SHORT-NAME.ttl).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the output differs "
              "from what the build produces.")
@click.option("--sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Build another strategy from its workbook (`vrgraph sheet "
              "new`, filled in) instead of the source document; needs --base-iri, a base of "
              "its own.")
@click.option("--data", "data", multiple=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --sheet: the graphs of the other strategies (and reference schemes) "
                   "the column Matches of sheet Principles names (default data/graph.ttl).")
@click.pass_obj
@handle_errors
def build(project: Project, base_iri: str | None, output: Path | None, check: bool,
          sheet: Path | None, data: tuple[Path, ...]) -> None:
    """Build data/graph.ttl from the source copy and the curation files, or another
    strategy's graph from its workbook (--sheet). Exit 2 names every bad cell or file line;
    nothing is written."""
    from .namespaces import Base
    from .pipeline import build_turtle
    from .sheet.strategy import build_checked
    from .store import recorded_base

    if sheet is not None:
        if base_iri is None:
            raise InputError("--sheet needs --base-iri: the base the strategy's IRIs are "
                             "minted under, its own, e.g. https://example.org/lambeth/")
        base = Base.parse(base_iri)
        if base == recorded_base(project):
            raise InputError(f"--base-iri {base.iri} is the base of the project's own "
                             f"strategy ({project.display(project.graph)}): give the second "
                             f"strategy a base of its own, so that their IRIs never meet")
        turtle, graph, key = build_checked(project, sheet, base, list(data) or None)
        target = output or project.root / "out" / f"{key}.ttl"
    else:
        if data:
            raise InputError("--data goes with --sheet: the graphs its column Matches names")
        base = Base.parse(base_iri) if base_iri is not None else recorded_base(project)
        turtle, graph = build_turtle(project, base)
        target = output or project.graph
    if check:
        same = target.exists() and target.read_bytes() == turtle
        click.echo(f"{project.display(target)}: {'up to date' if same else 'differs from the build'}")
        sys.exit(0 if same else 1)
    from .project import write_atomic

    write_atomic(target, turtle)
    click.echo(f"wrote {project.display(target)}: {len(graph)} triples, {len(turtle)} bytes")
    if sheet is None and target == project.graph:
        from .pipeline import open_graph
        from .store import disk

        if disk.worth_keeping([target]):
            open_graph(project)  # the reasoned store the next commands open (store/disk.py)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--shapes", "shapes_files", multiple=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Validate against the shapes in FILE (repeatable) instead of the "
                   "project's ontology/shapes.ttl. The data graph is then exactly FILES, "
                   "nothing added (with --merge: FILES, the built graph and the ontology). "
                   "Its owl:imports of local files (relative to it) are followed; any other "
                   "import is refused.")
@click.option("--format", "fmt", type=click.Choice(FORMATS_VALIDATE), default="text",
              show_default=True, help="Report format (turtle: a SHACL validation report).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--engine", type=click.Choice(("sparql", "pyshacl")), default="sparql",
              show_default=True, help="sparql: the shapes compiled to SPARQL and run on "
              "Oxigraph; pyshacl: pySHACL for every core constraint. Same results (pyshacl "
              "refuses the sh:flags 'x').")
@click.option("--merge", is_flag=True, help="Validate FILES together with the built graph "
              "(for edits that refer to existing resources).")
@click.option("--skip-remote-imports", is_flag=True, help="Leave out a shapes file's "
              "owl:imports of anything but a local file (without it they are refused: "
              "vrgraph never reaches the network).")
@endpoint_option
@graph_option
@user_option
@click.pass_obj
@handle_errors
def validate(project: Project, files: tuple[Path, ...], shapes_files: tuple[Path, ...],
             fmt: str, strict: bool, engine: str, merge: bool, skip_remote_imports: bool,
             endpoint: str | None, graph_iri: str | None, user: str | None) -> None:
    """Validate the built graph, or FILES, against the SHACL shapes.

    Exit 0 conforms (warnings allowed unless --strict), 1 violations, 2 unusable input
    (including shapes that are ill-formed or that the engine cannot run).
    """
    from .errors import InputError
    from .namespaces import Base
    from .pipeline import shortener, validate_endpoint, validate_files
    from .validate import as_json, as_text, as_turtle, validate_with_shapes

    paths = list(files) or [project.graph]
    if merge and project.graph not in paths:
        paths.append(project.graph)
    if endpoint and files:
        raise InputError("give FILES or --endpoint, not both")
    rdf = fmt == "turtle"
    shorten = shortener(Base())
    if endpoint:
        report, shorten = validate_endpoint(project, endpoint, graph_iri, engine, rdf,
                                            list(shapes_files), user, ask_password, _say)
    elif shapes_files:
        own = [p for p in paths if p != project.graph]
        alone = bool(files) and not merge
        report = validate_with_shapes(own if not alone else paths, list(shapes_files), engine,
                                      rdf, None if alone else project, skip_remote_imports)
    else:
        report, shorten = validate_files(project, paths, engine, rdf, keep=True)
    if fmt == "json":
        click.echo(as_json(report))
    elif fmt == "turtle":
        click.echo(as_turtle(report))
    else:
        label = endpoint or ", ".join(project.display(p) for p in paths)
        click.echo(as_text(report, label, shorten))
        if shorten.declarations():
            click.echo(shorten.declarations())
    sys.exit(0 if report.ok(strict) else 1)


def _store(project: Project, endpoint: str | None = None, graph: str | None = None,
           user: str | None = None, data: tuple[Path, ...] = ()) -> ox.Store | RemoteStore:
    """The reasoned local graph (or graph files ``data``), or a remote endpoint that answers
    like it."""
    if endpoint:
        from .errors import InputError
        from .remote import remote_store

        if data:
            raise InputError("give --data or --endpoint, not both")
        return remote_store(endpoint, graph, user=user, prompt=ask_password)
    from .pipeline import open_graph

    return open_graph(project, list(data) or None)


@main.group()
def query() -> None:
    """Canned gap and alignment queries (queries/*.rq)."""


@query.command("list")
@click.pass_obj
@handle_errors
def query_list(project: Project) -> None:
    """List the canned queries with their titles and parameters."""
    from .query.canned import load_queries

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
@data_option
@endpoint_option
@graph_option
@user_option
@timeout_option
@memory_option
@click.pass_obj
@handle_errors
def query_run(project: Project, name: str, params: tuple[tuple[str, str], ...], fmt: str,
              data: tuple[Path, ...], endpoint: str | None, graph_iri: str | None,
              user: str | None, timeout: float, max_memory: int) -> None:
    """Run a canned query on the reasoned graph."""
    from .bounds import argument
    from .errors import QueryError
    from .kept import keep
    from .pipeline import kept_output, read_output, shortener_of
    from .query import table
    from .query.binding import bind
    from .results import render

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

    from .query import run, run_confined

    if isinstance(store, ox.Store):
        return run_confined(store, text, bindings, where, timeout, max_memory * 2**20,
                            prefixes)
    return run(store, text, bindings, where, prefixes=prefixes)


def _canned(project: Project, name: str) -> CannedQuery:
    from .errors import QueryError
    from .pipeline import queries as canned

    queries = canned(project, name)
    if name not in queries:
        raise QueryError(f"no canned query {name!r}; `vrgraph query list` shows them: "
                         f"{', '.join(queries)}")
    return queries[name]


@main.command()
@click.argument("text", required=False)
@click.option("-f", "--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(ANSWER_FORMATS), default="table",
              show_default=True, help="SELECT: table, csv, json (SPARQL 1.1 Query Results "
              "JSON), markdown; ASK: table or json; CONSTRUCT and DESCRIBE: turtle (or table), "
              "ntriples, jsonld (or json), rdfxml.")
@data_option
@endpoint_option
@graph_option
@user_option
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

    from . import bounds
    from .errors import QueryError
    from .namespaces import PREFIX_IRIS
    from .pipeline import shortener_of
    from .query import Table, known_prefixes
    from .results import render_answer

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


@main.command()
@data_option
@endpoint_option
@graph_option
@user_option
@click.pass_obj
@handle_errors
def prefixes(project: Project, data: tuple[Path, ...], endpoint: str | None,
             graph_iri: str | None, user: str | None) -> None:
    """List the prefixes that `sparql`, `serve` and the query page declare for you (the
    vocabularies', vrid: for the graph's things, one per strategy), as SPARQL PREFIX lines."""
    from .query import known_prefixes

    for name, namespace in known_prefixes(_store(project, endpoint, graph_iri, user,
                                                 data)).items():
        click.echo(f"PREFIX {name}: <{namespace}>")


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
    of data/graph.ttl (e.g. HEAD~1), strategy by strategy: actions, texts, leads, tiers,
    alignments (stated and inherited apart), gaps opened or closed, quality notes, edits, and
    every other statement added or removed; strategies added or removed. Exit 0 when the
    graphs are isomorphic, 1 different."""
    from . import diff as differ
    from .store import recorded_base

    change = differ.compare(differ.snapshot(old, project), differ.snapshot(new, project))
    writers: dict[str, Callable[[differ.Change], str]] = {
        "text": differ.as_text, "markdown": differ.as_markdown, "json": differ.as_json,
        "turtle": lambda c: differ.as_turtle(c, recorded_base(project).iri)}
    click.echo(writers[fmt](change), nl=False)
    sys.exit(0 if change.equal else 1)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("out/report.html"), show_default=True,
              help="Where to write the HTML report.")
@click.option("--build", "rebuild", is_flag=True,
              help="Rebuild data/graph.ttl from the source and curation first.")
@click.option("--site-url", "site", metavar="URL",
              help="The published site's address (what `publish` wrote, served there): "
                   "action numbers and principles link to their pages, "
                   "URL/doc/action/5.1.1.html. Default: no links.")
@data_option
@endpoint_option
@graph_option
@user_option
@click.pass_obj
@handle_errors
def report(project: Project, output: Path, rebuild: bool, site: str | None,
           data: tuple[Path, ...], endpoint: str | None, graph_iri: str | None,
           user: str | None) -> None:
    """The main job: validate, reason, run the gap and alignment queries and write one
    self-contained HTML report (works offline; its tables sort, filter and download as
    CSV, its charts as SVG or PNG), with a summary here. Several strategies (--data FILE,
    repeated) are shown side by side."""
    from .errors import InputError
    from .pipeline import report as run_report
    from .report import summary

    if endpoint and data:
        raise InputError("give --data or --endpoint, not both")
    if site is not None and not re.match(r"https?://[^\s/]+", site):
        raise InputError(f"--site-url: expected an http(s) address, not {site!r}")
    path, results, validation = run_report(project, output, rebuild, endpoint, graph_iri, user,
                                           ask_password, list(data) or None, site, _say)
    click.echo(summary(results, validation))
    click.echo(f"\nReport: {path}")


def _say(message: str) -> None:
    """A note to the user on stderr (stdout is the command's output)."""
    click.echo(f"vrgraph: {message}", err=True)


def ask_password(question: str) -> str | None:
    """A password from the terminal, not echoed (None at end of input)."""
    try:
        return click.prompt(question, hide_input=True, err=True)
    except click.Abort:
        return None


@main.command("map")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the mappings' Turtle (default out/mappings.ttl).")
@data_option
@click.pass_obj
@handle_errors
def map_principles(project: Project, file: Path | None, output: Path | None,
                   data: tuple[Path, ...]) -> None:
    """Turn a mapping file (default data/curation/mappings.yaml) into a graph of SKOS
    mappings between the principles of different strategies, or to a reference scheme.

    Each entry maps a principle (SHORT-NAME:ID, e.g. northbridge:SP1, or an IRI) exact,
    close, broad or narrow to another strategy's principle (hackney:SP3) or a concept of a
    reference scheme, resolved in the graphs given with --data (default data/graph.ttl).
    The mappings must pass the shapes with them. Give the output with --data to `report`
    and `query run reference-coverage`. Exit 0 written, 1 the mappings break the shapes,
    2 bad input (FILE:LINE: field: what is wrong), 3 cannot write.
    """
    from .mappings import build_checked
    from .project import write_atomic

    source = file or project.root / "data" / "curation" / "mappings.yaml"
    turtle, count = build_checked(project, source, list(data))
    target = output or project.root / "out" / "mappings.ttl"
    write_atomic(target, turtle)
    click.echo(f"wrote {project.display(target)}: {count} mapping{'s' if count != 1 else ''}")


@main.command("publish")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--base-iri", default=None, help="Base for instance IRIs; the data is rebuilt "
              "with it (default: the one recorded in data/graph.ttl).")
@click.option("--site-url", default=None, help="Where the release will be hosted, for the "
              "linked-data redirects in .htaccess (default: the base IRI, served in place).")
@click.option("--settings", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Release settings (version, release date, title, publisher ...) in the "
                   "format of vrgraph/publish/release.yaml, the default.")
@data_option
@click.pass_obj
@handle_errors
def publish(project: Project, outdir: Path, base_iri: str | None, site_url: str | None,
            settings: Path | None, data: tuple[Path, ...]) -> None:
    """Write one complete, static, deployable release to OUTDIR.

    Dumps, ontology, shapes, DCAT-AP catalogue, VoID, CSV tables and a static site. OUTDIR is
    replaced only when the new release is complete; over a release of an earlier version, it
    records that version, keeps every earlier one under version/V/ and adds to the change log
    (changes.html). Raise `release` with `version`. With --data FILE (repeated), a collection
    release: each strategy the files hold is a dataset of its own with its dumps, tables and
    pages, beside the dataset of their union. Exit 0 written, 1 a check failed (a personal
    name would be published), 2 refused OUTDIR or bad input, 3 cannot write.
    """
    from .publish import collection
    from .publish import publish as write
    from .publish import release as publish_release

    release = publish_release.load(settings) if settings else None
    coverage = collection.load_settings(settings) if settings else None
    paths = write(project, outdir, base_iri, release=release, site_url=site_url,
                  data=list(data) or None, coverage=coverage)
    size = sum(p.stat().st_size for p in paths)
    click.echo(f"published {len(paths)} files, {size} bytes, to {outdir}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a query may run before it is stopped (answer 504).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10000, show_default=True,
              help="Rows (or triples) at most per result; more are cut and the header "
                   "X-Vrgraph-Truncated says so.")
@click.option("--max-body", type=click.IntRange(min=256), default=100000, show_default=True,
              help="Largest request body in bytes (413 beyond); also the longest URL (414).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Query worker processes (queries that run at the same time).")
@click.option("--slow-workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes for queries that outlast --fast-slice.")
@click.option("--fast-slice", type=click.FloatRange(min=0.05), default=0.5, show_default=True,
              help="Seconds a query may run in the fast lane before it moves to the slow one.")
@click.option("--per-client", type=click.IntRange(min=1), default=2, show_default=True,
              help="Long (slow-lane) queries one client address may run at once (429 beyond).")
@click.option("--max-memory", type=click.IntRange(min=64), default=1024, show_default=True,
              metavar="MB", help="Memory a query may use beyond the loaded graph (507 beyond).")
@click.option("--cors", multiple=True, metavar="ORIGIN",
              help="Allow this web origin (e.g. https://example.org) to read the answers; "
                   "repeat for several; '*' for any. Off by default.")
@click.option("--site", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A folder of static files (e.g. a `vrgraph publish` "
                                 "release) to serve at /; the query page is then at /query.")
@click.option("--max-client-connections", type=click.IntRange(min=0), default=100,
              show_default=True, help="Connections one client address may hold open at once "
                                      "(429 beyond; 0: no cap; raise it behind a proxy).")
@click.option("--request-deadline", type=click.FloatRange(min=0.5), default=10.0,
              show_default=True, metavar="SECONDS",
              help="Time a client has to send a whole request, head and body (408 beyond).")
@click.option("--public-url", default=None, metavar="URL",
              help="The address clients know the server by, named in the service "
                   "description (default: the listen address; never the Host header).")
@data_option
@click.pass_obj
@handle_errors
def serve(project: Project, host: str, port: int, timeout: float, max_rows: int,
          max_body: int, workers: int, slow_workers: int, fast_slice: float,
          per_client: int, max_memory: int, cors: tuple[str, ...], site: Path | None,
          max_client_connections: int, request_deadline: float, public_url: str | None,
          data: tuple[Path, ...]) -> None:
    """Serve the reasoned graph: a read-only SPARQL endpoint at /sparql, the canned queries
    at /queries (OpenAPI at /openapi.json), a query page, linked data, and optionally a
    static site."""
    from .pipeline import open_graph
    from .query.canned import load_queries
    from .serve import ServeConfig, public_address
    from .serve import serve as run
    from .store import base_of

    if public_url is not None:
        public_url = public_address(public_url)  # before the graph is loaded
    store = open_graph(project, list(data) or None)
    config = ServeConfig(host, port, timeout, max_rows, max_body, workers, site, cors,
                         slow_workers, fast_slice, per_client, max_memory,
                         base=base_of(store).iri, client_connections=max_client_connections,
                         request_deadline=request_deadline, public_url=public_url)
    run(store, load_queries(project.queries), config, lambda line: click.echo(line, err=True))


@main.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="The Graph Store Protocol endpoint (Oxigraph: http://HOST:PORT/store; "
                   "Virtuoso: http://HOST:8890/sparql-graph-crud-auth).")
@click.option("--graph", "graph", metavar="IRI", default=None,
              help="Replace this named graph (default: the default graph, or "
                   "<https://w3id.org/vrgraph/graph> where the store has none).")
@user_option
@click.option("-f", "--file", "files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="RDF file to push; repeat for several (default data/graph.ttl).")
@click.option("--reasoned/--no-reasoned", default=True, show_default=True,
              help="Push the files with the ontology and the inferred triples, so that "
                   "remote queries answer as local ones; or the files alone.")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the endpoint.")
@click.pass_obj
@handle_errors
def push(project: Project, endpoint: str, graph: str | None, user: str | None,
         files: tuple[Path, ...], reasoned: bool, timeout: float) -> None:
    """Load the graph into a SPARQL store (Graph Store HTTP Protocol PUT: it replaces the
    target graph). Exit 0 stored, 2 unusable input or the store refused."""
    from . import remote, store
    from .pipeline import load

    auth = remote.credentials(remote.graph_url(endpoint, graph), user, ask_password)
    paths = list(files) or [project.graph]
    st = load(project, paths) if reasoned else store.load(paths, [], project.root)
    n, written = remote.push(st, endpoint, graph, timeout, auth)
    what = "asserted, ontology and inferred" if reasoned else "as in the files"
    target = f"graph <{written}>" if written else "the default graph"
    click.echo(f"pushed {n} triples ({what}) to {endpoint}, {target}")
    if written and not graph:
        click.echo(f"the store has no default graph: query it with --graph {written}")


@main.group("sheet")
def sheet() -> None:
    """The steward's workbook: export the actions to edit in a spreadsheet, import the
    edits back as data/curation/edits.yaml; or a blank workbook for another strategy."""


@sheet.command("new")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default out/strategy.xlsx).")
@click.pass_obj
@handle_errors
def sheet_new(project: Project, output: Path | None) -> None:
    """Write a blank workbook for another strategy: its principles, plans, actions with
    their leads and principles, and agencies, with drop-down lists and a sheet that
    explains every column. Fill it in, then `vrgraph build --sheet FILE --base-iri IRI`."""
    from .project import write_atomic
    from .sheet.blank import blank

    target = output or project.root / "out/strategy.xlsx"
    write_atomic(target, blank())
    click.echo(f"wrote {project.display(target)}: fill it in, then run `vrgraph build --sheet "
               f"{project.display(target)} --base-iri https://example.org/your-strategy/`")


@sheet.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write (default out/actions.xlsx, or out/actions/ with --format "
                   "csv: a folder, one CSV per sheet).")
@click.option("--format", "fmt", type=click.Choice(("xlsx", "csv")), default="xlsx",
              show_default=True, help="xlsx: one workbook; csv: a folder of CSV files.")
@click.pass_obj
@handle_errors
def sheet_export(project: Project, output: Path | None, fmt: str) -> None:
    """Write the actions as a workbook to edit in Excel or LibreOffice: the leads, stated
    principles and tiers are editable, with drop-down lists; the rest is locked."""
    from .project import write_atomic
    from .publish.write import write_release
    from .sheet import to_csv, to_xlsx
    from .sheet.record import export
    from .store import recorded_base

    book, _graph = export(project, recorded_base(project))
    if fmt == "csv":
        target = output or project.root / "out/actions"
        write_release(target, to_csv(book))
    else:
        target = output or project.root / "out/actions.xlsx"
        write_atomic(target, to_xlsx(book))
    click.echo(f"wrote {project.display(target)}: {len(book.actions.rows)} actions")


@sheet.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the change (as `vrgraph diff` prints "
              "it); write nothing.")
@click.pass_obj
@handle_errors
def sheet_import(project: Project, file: Path, dry_run: bool) -> None:
    """Turn the changed cells of an edited workbook (or CSV folder) into edits in
    data/curation/edits.yaml, each with who, when, why and its cell; then `vrgraph build`
    applies them. Every bad cell is listed, exit 2, and nothing is written."""
    from .sheet.imports import EDITS, import_sheet
    from .store import recorded_base

    done = import_sheet(project, file, recorded_base(project), write=not dry_run)
    if not done.edits:
        click.echo(f"{file}: no change to import; nothing written")
        return
    click.echo(done.diff, nl=False)
    cells = len(done.edits)
    if dry_run:
        click.echo(f"\ndry run: {cells} edit{'s' if cells != 1 else ''}; nothing written")
        return
    click.echo(f"\nappended to {EDITS}: {cells} new edit{'s' if cells != 1 else ''}; run "
               f"`vrgraph build` to apply them")


@sheet.command("withdraw")
@click.argument("edit_id", metavar="EDIT-ID")
@click.option("--who", required=True, help="Your role (its label or id in "
              "data/curation/roles.yaml).")
@click.option("--why", required=True, help="Why the edit is withdrawn, for the reviewer.")
@click.option("--when", default=None, help="When (a date or date and time; default now).")
@click.pass_obj
@handle_errors
def sheet_withdraw(project: Project, edit_id: str, who: str, why: str,
                   when: str | None) -> None:
    """Withdraw the edit EDIT-ID (e.g. 5.1.2/leads-1, as `vrgraph history` lists it): a
    withdrawal is appended to data/curation/edits.yaml, the edit kept; `vrgraph build` then
    puts back what it replaced. Exit 2 if it cannot be withdrawn (a later edit changed the
    field: withdraw that first)."""
    from .sheet.history import withdraw
    from .sheet.imports import EDITS
    from .store import recorded_base

    entry = withdraw(project, recorded_base(project), edit_id, who, why, now=when)
    click.echo(f"appended to {EDITS}: the withdrawal of {edit_id}, in role {entry['who']}; "
               f"run `vrgraph build` to apply it")


@main.command("history")
@click.argument("action", required=False)
@click.option("--who", default=None, help="Only the edits made in this role (label or id).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@click.pass_obj
@handle_errors
def history(project: Project, action: str | None, who: str | None, fmt: str) -> None:
    """List every edit of ACTION (e.g. 5.1.2), and/or every edit made in role --who, from
    data/curation/edits.yaml: its id, the field's values before and after, who, when, the
    cell and why, and whether it was withdrawn."""
    from .sheet.history import as_json, as_text, tokens
    from .sheet.history import history as changes

    if action is None and who is None:
        raise InputError("give ACTION (e.g. 5.1.2), --who ROLE, or both")
    found = changes(project, action, who)
    if fmt == "json":
        click.echo(as_json(found), nl=False)
    elif found:
        click.echo(as_text(found, tokens(project)), nl=False)
    else:
        click.echo(f"no edit{' of action ' + action if action else ''}"
                   f"{' made as ' + who if who else ''}")


if __name__ == "__main__":
    main()
