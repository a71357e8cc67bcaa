"""``vrgraph validate`` (SHACL), ``vrgraph report`` (the HTML report) and ``vrgraph diff``
(what changed between two graphs)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import InputError
from ..project import Project
from .common import (
    ask_password,
    endpoint_options,
    handle_errors,
    say,
    store_options,
)

FORMATS_VALIDATE = ("text", "json", "turtle")


@click.command()
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
@endpoint_options
@click.pass_obj
@handle_errors
def validate(project: Project, files: tuple[Path, ...], shapes_files: tuple[Path, ...],
             fmt: str, strict: bool, engine: str, merge: bool, skip_remote_imports: bool,
             endpoint: str | None, graph_iri: str | None, user: str | None) -> None:
    """Validate the built graph, or FILES, against the SHACL shapes.

    Exit 0 conforms (warnings allowed unless --strict), 1 violations, 2 unusable input
    (including shapes that are ill-formed or that the engine cannot run).
    """
    from ..namespaces import Base
    from ..pipeline import shortener, validate_endpoint, validate_files
    from ..validate import as_json, as_text, as_turtle, validate_with_shapes

    paths = list(files) or [project.graph]
    if merge and project.graph not in paths:
        paths.append(project.graph)
    if endpoint and files:
        raise InputError("give FILES or --endpoint, not both")
    rdf = fmt == "turtle"
    shorten = shortener(Base())
    if endpoint:
        report, shorten = validate_endpoint(project, endpoint, graph_iri, engine, rdf,
                                            list(shapes_files), user, ask_password, say)
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


@click.command()
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
    from .. import diff as differ
    from ..store import recorded_base

    change = differ.compare(differ.snapshot(old, project), differ.snapshot(new, project))
    writers: dict[str, Callable[[differ.Change], str]] = {
        "text": differ.as_text, "markdown": differ.as_markdown, "json": differ.as_json,
        "turtle": lambda c: differ.as_turtle(c, recorded_base(project).iri)}
    click.echo(writers[fmt](change), nl=False)
    sys.exit(0 if change.equal else 1)


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("out/report.html"), show_default=True,
              help="Where to write the HTML report.")
@click.option("--build", "rebuild", is_flag=True,
              help="Rebuild data/graph.ttl from the source and curation first.")
@click.option("--site-url", "site", metavar="URL",
              help="The published site's address (what `publish` wrote, served there): "
                   "action numbers and principles link to their pages, "
                   "URL/doc/action/5.1.1.html. Default: no links.")
@store_options
@click.pass_obj
@handle_errors
def report(project: Project, output: Path, rebuild: bool, site: str | None,
           data: tuple[Path, ...], endpoint: str | None, graph_iri: str | None,
           user: str | None) -> None:
    """The main job: validate, reason, run the gap and alignment queries and write one
    self-contained HTML report (works offline; its tables sort, filter and download as
    CSV, its charts as SVG or PNG), with a summary here. Several strategies (--data FILE,
    repeated) are shown side by side."""
    from ..pipeline import report as run_report
    from ..report import summary

    if endpoint and data:
        raise InputError("give --data or --endpoint, not both")
    if site is not None and not re.match(r"https?://[^\s/]+", site):
        raise InputError(f"--site-url: expected an http(s) address, not {site!r}")
    path, results, validation = run_report(project, output, rebuild, endpoint, graph_iri, user,
                                           ask_password, list(data) or None, site, say)
    click.echo(summary(results, validation))
    click.echo(f"\nReport: {path}")
