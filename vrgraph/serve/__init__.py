"""Serve the reasoned graph over HTTP: a read-only SPARQL 1.1 endpoint, the canned queries
as a small web API with an OpenAPI description, a query page, linked-data dereferencing of
the graph's IRIs and, optionally, the published site: the last stage, beside ``report``
and ``publish``.

``make_server(store, queries, config)`` binds the socket, starts the query workers (each
holding ``store``; see ``serve.pool``) and returns a :class:`VrgraphServer`;
``vrgraph serve`` (in ``vrgraph.cli.serve``) calls :func:`serve`. HTTP is spoken by waitress
(``serve.app`` is the WSGI application). The limits:

- every query is checked first (``sparql_guard``: ``SERVICE``, ``FROM``, ``LOAD`` and
  updates get 403) and the workers run only the checked, canonical text, in processes that
  cannot open a socket or a file (``sandbox``);
- a query runs in the fast lane for ``fast_slice`` seconds, then, if still running, in the
  slow lane (``serve.pool.Lanes``); past ``timeout`` seconds it is killed (504); past
  ``max_memory`` MB it is stopped (507); a client with ``per_client`` long queries running
  gets 429; when every worker stays busy for ``timeout`` seconds the answer is 503;
- SELECT results stop after ``max_rows`` rows (graphs after ``max_rows`` triples): the header
  ``X-Vrgraph-Truncated`` says ``true`` and SPARQL JSON gets a top-level member
  ``"vrgraph": {"truncated": true, "maxRows": N, "message": ...}``;
- request bodies over ``max_body`` bytes get 413 (waitress reads none over twice that),
  URLs longer than that 414, request heads over ``max_body`` + 8 KiB 431 (414 if the
  request line alone is); a client idle for 30 s is disconnected, one that has not sent a
  whole request within ``request_deadline`` seconds gets 408; one client address holds at
  most ``client_connections`` connections (429 beyond; ``serve.protocol``); at most 1,000
  connections, a listen backlog of 1,024;
- the service description names ``public_url`` (default: the listen address), never the
  ``Host`` header.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
from waitress.adjustments import Adjustments

from .. import sandbox
from ..errors import VrgraphError
from ..namespaces import DEFAULT_BASE
from ..query import known_prefixes
from ..query.canned import CannedQuery
from ..sparql_guard import prepare
from .app import App, stderr_log
from .describe import graph_sizes, openapi, query_list, valid_values
from .pool import Lanes
from .protocol import Server
from .run import WorkerState


class ServeError(VrgraphError):
    """The server cannot start (the port is taken, the host is unknown)."""


def public_address(url: str) -> str:
    """``url`` (``--public-url``) checked and ending in ``/``: an absolute ``http(s)`` address
    with a host and no query, fragment, credentials or spaces; else :class:`ServeError`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or \
            parts.fragment or "@" in parts.netloc or any(c in url for c in ' <>"{}|\\^`'):
        raise ServeError(f"--public-url {url!r} is not an absolute http(s) address without a "
                         f"query or fragment; give e.g. https://example.org/vrgraph/")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise ServeError(f"--public-url {url!r} has a bad port") from None
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10000
    max_body: int = 100000
    workers: int = 2
    site: Path | None = None
    cors: tuple[str, ...] = ()
    slow_workers: int = 2
    fast_slice: float = 0.5
    per_client: int = 2
    max_memory: int = 1024  # MB per query, beyond the loaded graph
    threads: int = 16
    base: str = DEFAULT_BASE
    channel_timeout: int = 30
    connections: int = 1000
    client_connections: int = 100  # open at once per client address (0: no cap)
    request_deadline: float = 10.0  # seconds for a whole request, head and body
    public_url: str | None = None  # the address clients know the server by


class VrgraphServer:
    """A running waitress server with vrgraph's application and worker lanes."""

    app: App        # made once the server's address is known

    def __init__(self, config: ServeConfig, lanes: Lanes, app_for: Callable[[str], App],
                 log: Callable[[str], None] = stderr_log) -> None:
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth"
        self.lanes = lanes
        self.pool = lanes.fast
        try:
            adjustments = Adjustments(
                host=config.host, port=config.port, threads=config.threads, backlog=1024,
                connection_limit=config.connections, channel_timeout=config.channel_timeout,
                cleanup_interval=1, max_request_body_size=2 * config.max_body + 1024,
                max_request_header_size=max(config.max_body + 8192, 16384),
                expose_tracebacks=False, ident="vrgraph", clear_untrusted_proxy_headers=True,
                asyncore_use_poll=True)
            self._server = Server(lambda environ, start: self.app(environ, start), adjustments,
                                  config.client_connections, config.request_deadline, log)
        except (OSError, ValueError) as err:
            lanes.close()
            raise ServeError(f"cannot listen on {config.host}:{config.port}: "
                             f"{getattr(err, 'strerror', None) or err}; choose another --port "
                             f"or --host") from None
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{host}:{port}/"
        try:
            self.app = app_for(self.url)
        except BaseException:
            self._server.close()
            self._server.task_dispatcher.shutdown(timeout=1)
            lanes.close()
            raise

    @property
    def server_address(self) -> tuple[Any, ...]:
        return (self._server.effective_host, self._server.effective_port)

    def serve_forever(self) -> None:
        self._server.run()

    def shutdown(self) -> None:
        """Stop accepting and end the serving loop (from another thread)."""
        done = threading.Event()

        def close_all() -> None:
            for channel in list(self._server._map.values()):
                channel.close()
            done.set()

        self._server.trigger.pull_trigger(close_all)
        done.wait(5)

    def close(self) -> None:
        """End the request threads and the worker processes (call after ``shutdown()``)."""
        self._server.task_dispatcher.shutdown(timeout=5)
        self.lanes.close()


def query_page() -> bytes:
    """The query page (package data ``static/query.html``)."""
    return resources.files("vrgraph").joinpath("static/query.html").read_bytes()


def make_server(store: ox.Store, queries: dict[str, CannedQuery],
                config: ServeConfig = ServeConfig(),
                log: Callable[[str], None] = stderr_log) -> VrgraphServer:
    """Bind ``config.host:config.port`` (0: any free port, see ``server.url``) and start the
    workers over ``store``; run it with ``serve_forever()``, stop it with ``shutdown()``
    then ``close()``."""
    # the worker processes are forked first, while this process has no thread of its own
    prefixes = known_prefixes(store)
    prepare()   # the guard's lexer, compiled once for every worker
    lanes = Lanes(WorkerState(store, queries, prefixes), config.workers, config.slow_workers,
                  config.fast_slice, config.per_client, config.max_memory * 2**20)
    site = Path(config.site).resolve() if config.site is not None else None

    public = public_address(config.public_url) if config.public_url else None

    def app_for(url: str) -> App:
        values = valid_values(store)
        return App(replace(config, site=site), lanes, queries, query_list(queries, values),
                   openapi(queries, values, config.timeout, config.max_rows),
                   graph_sizes(store), query_page(), config.base, public or url, log, prefixes)

    return VrgraphServer(config, lanes, app_for, log)


def serve(store: ox.Store, queries: dict[str, CannedQuery], config: ServeConfig,
          echo: Callable[[str], None] = stderr_log) -> None:
    """Serve until interrupted (Ctrl-C), then stop the workers."""
    held = sandbox.probe(config.max_memory * 2**20).describe()
    server = make_server(store, queries, config, echo)
    echo(f"vrgraph serve: {server.url} (SPARQL at {server.url}sparql, the query page at "
         f"{server.url}query, linked data at {server.url}id/...; {config.workers} + "
         f"{config.slow_workers} workers, {config.timeout:g} s per query, {config.max_rows} "
         f"rows at most; workers: {held}"
         + (f"; site {config.site}" if config.site else "")
         + (f"; CORS for {', '.join(config.cors)}" if config.cors else "") + "). Ctrl-C stops.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        echo("vrgraph serve: stopped")
        server.close()
