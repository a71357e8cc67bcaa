"""``vrgraph publish`` (a static release) and ``vrgraph push`` (the graph into a SPARQL
store over the Graph Store HTTP Protocol)."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project
from .common import ask_password, data_option, handle_errors, user_option


@click.command("publish")
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
    from ..publish import collection
    from ..publish import publish as write
    from ..publish import release as publish_release

    release = publish_release.load(settings) if settings else None
    coverage = collection.load_settings(settings) if settings else None
    paths = write(project, outdir, base_iri, release=release, site_url=site_url,
                  data=list(data) or None, coverage=coverage)
    size = sum(p.stat().st_size for p in paths)
    click.echo(f"published {len(paths)} files, {size} bytes, to {outdir}")


@click.command("push")
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
    from .. import store
    from ..pipeline import load
    from ..remote.client import credentials
    from ..remote.push import graph_url
    from ..remote.push import push as put

    auth = credentials(graph_url(endpoint, graph), user, ask_password)
    paths = list(files) or [project.graph]
    st = load(project, paths) if reasoned else store.load(paths, [], project.root)
    n, written = put(st, endpoint, graph, timeout, auth)
    what = "asserted, ontology and inferred" if reasoned else "as in the files"
    target = f"graph <{written}>" if written else "the default graph"
    click.echo(f"pushed {n} triples ({what}) to {endpoint}, {target}")
    if written and not graph:
        click.echo(f"the store has no default graph: query it with --graph {written}")
