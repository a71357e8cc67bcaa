"""``vrgraph serve``: the reasoned graph as a read-only SPARQL endpoint, with the canned
queries, a query page, linked data and optionally a static site."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project
from .common import data_option, handle_errors


@click.command("serve")
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
    from ..pipeline import open_graph
    from ..query.canned import load_queries
    from ..serve import ServeConfig, public_address
    from ..serve import serve as run
    from ..store import base_of

    if public_url is not None:
        public_url = public_address(public_url)  # before the graph is loaded
    store = open_graph(project, list(data) or None)
    config = ServeConfig(host, port, timeout, max_rows, max_body, workers, site, cors,
                         slow_workers, fast_slice, per_client, max_memory,
                         base=base_of(store).iri, client_connections=max_client_connections,
                         request_deadline=request_deadline, public_url=public_url)
    run(store, load_queries(project.queries), config, lambda line: click.echo(line, err=True))
