"""Serve the reasoned graph over HTTP: a read-only SPARQL 1.1 endpoint, the canned queries as
a small web API with an OpenAPI description, a query page and, optionally, the published
site: the last stage, beside ``report`` and ``publish``.

``make_server(store, queries, config)`` binds the socket, forks the query workers (each
holding ``store``; see ``serve_pool``) and returns a standard-library
``ThreadingHTTPServer``; ``serve_command`` is the ``vrgraph serve`` command. The limits:

- every query runs in a worker process; past ``timeout`` seconds it is killed (504) and
  replaced; when every worker stays busy for ``timeout`` seconds the answer is 503;
- SELECT results stop after ``max_rows`` rows (graphs after ``max_rows`` triples): the header
  ``X-Vrgraph-Truncated`` says ``true`` and SPARQL JSON gets a top-level member
  ``"vrgraph": {"truncated": true, "maxRows": N, "message": ...}``;
- request bodies over ``max_body`` bytes get 413, URLs longer than that 414;
- updates, ``SERVICE``, ``FROM`` and ``LOAD`` get 403 before reaching a worker
  (``query.check_safe``), and Oxigraph's query API cannot run an update anyway.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import click
import pyoxigraph as ox

from .errors import VrgraphError
from .query import CannedQuery
from .serve_describe import graph_sizes, openapi, query_list, valid_values
from .serve_http import Handler, stderr_log
from .serve_pool import WorkerPool
from .serve_run import WorkerState


class ServeError(VrgraphError):
    """The server cannot start (the port is taken, the host is unknown)."""


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10000
    max_body: int = 100000
    workers: int = 2
    site: Path | None = None


class VrgraphServer(ThreadingHTTPServer):
    """The HTTP server with what its handlers need: the config, the worker pool, the canned
    queries and the documents generated once at start."""

    daemon_threads = True
    request_queue_size = 64

    config: ServeConfig
    pool: WorkerPool
    queries: dict[str, CannedQuery]
    query_list: dict[str, Any]
    openapi: dict[str, Any]
    sizes: dict[str, int]
    page: bytes
    site: Path | None
    log: Callable[[str], None]

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"

    def close(self) -> None:
        """Stop listening and end the worker processes (call after ``shutdown()``)."""
        self.server_close()
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.close()


class _VrgraphServer6(VrgraphServer):
    address_family = socket.AF_INET6


def query_page() -> bytes:
    """The query page (package data ``static/query.html``)."""
    return resources.files("vrgraph").joinpath("static/query.html").read_bytes()


def make_server(store: ox.Store, queries: dict[str, CannedQuery],
                config: ServeConfig = ServeConfig(),
                log: Callable[[str], None] = stderr_log) -> VrgraphServer:
    """Bind ``config.host:config.port`` (0: any free port, see ``server.url``) and start the
    workers over ``store``; run it with ``serve_forever()``, stop it with ``shutdown()``
    then ``close()``."""
    cls = _VrgraphServer6 if ":" in config.host else VrgraphServer
    try:
        server = cls((config.host, config.port), Handler)
    except OSError as err:
        raise ServeError(f"cannot listen on {config.host}:{config.port}: "
                         f"{err.strerror or err}; choose another --port or --host") from None
    try:
        server.config = config
        server.log = log
        server.queries = queries
        server.site = Path(config.site).resolve() if config.site is not None else None
        values = valid_values(store)
        server.query_list = query_list(queries, values)
        server.openapi = openapi(queries, values, config.timeout, config.max_rows)
        server.sizes = graph_sizes(store)
        server.page = query_page()
        server.pool = WorkerPool(WorkerState(store, queries), config.workers)
    except BaseException:
        server.server_close()
        raise
    return server


def serve(store: ox.Store, queries: dict[str, CannedQuery], config: ServeConfig,
          echo: Callable[[str], None] = stderr_log) -> None:
    """Serve until interrupted (Ctrl-C), then stop the workers."""
    server = make_server(store, queries, config)
    echo(f"vrgraph serve: {server.url} (SPARQL at {server.url}sparql, the query page at "
         f"{server.url}query; {config.workers} workers, {config.timeout:g} s per query, "
         f"{config.max_rows} rows at most"
         + (f"; site {config.site}" if config.site else "") + "). Ctrl-C stops.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo("vrgraph serve: stopped")
    finally:
        server.close()


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
@click.option("--site", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A folder of static files (e.g. a `vrgraph publish` "
                                 "release) to serve at /; the query page is then at /query.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, timeout: float, max_rows: int,
                  max_body: int, workers: int, site: Path | None) -> None:
    """Serve the reasoned graph: a read-only SPARQL endpoint at /sparql, the canned queries
    at /queries (OpenAPI at /openapi.json), a query page, and optionally a static site."""
    from .pipeline import load
    from .project import Project
    from .query import load_queries

    project = ctx.obj if isinstance(ctx.obj, Project) else Project.default()
    try:
        store = load(project)
        config = ServeConfig(host, port, timeout, max_rows, max_body, workers, site)
        serve(store, load_queries(project.queries), config,
              lambda line: click.echo(line, err=True))
    except VrgraphError as err:  # the CLI's way: one line, the documented exit code
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
