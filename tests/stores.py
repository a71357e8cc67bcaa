"""Real SPARQL stores on 127.0.0.1 for the tests and ``benchmarks/stores.py``: an Oxigraph
server (PyPI package ``oxigraph``) and OpenLink Virtuoso (Debian's ``virtuoso-opensource``),
each started in a temporary folder on free ports and stopped by its user."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

READY_WITHIN_S = 60.0
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"  # a new Virtuoso database's administrator


class Unavailable(Exception):
    """The store's program is not installed here (the reason is the message)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    found = (shutil.which("oxigraph")
             or shutil.which("oxigraph", path=str(Path(sys.executable).parent)))
    if not found:
        raise Unavailable("the Oxigraph server binary is not installed: "
                          "pip install -e '.[test]' brings it (PyPI package `oxigraph`)")
    return found


def virtuoso_binary() -> str:
    found = shutil.which("virtuoso-t")
    if not found:
        raise Unavailable("Virtuoso is not installed: apt-get install virtuoso-opensource "
                          "(Debian), as .ci/run does")
    return found


class Process:
    """A server process whose output goes to ``log``; ``ready`` is polled until it answers."""

    def __init__(self, command: list[str], log: Path, ready: str, cwd: Path | None = None) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            cwd=cwd)
        deadline = time.monotonic() + READY_WITHIN_S
        while True:  # bounded: READY_WITHIN_S
            try:
                with urllib.request.urlopen(ready, timeout=2):
                    return
            except (OSError, urllib.error.HTTPError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{command[0]} did not start: "
                                       f"{log.read_text(errors='replace')[-800:]}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Oxigraph(Process):
    """``oxigraph serve`` (or ``serve-read-only``) on a database folder ``location``."""

    def __init__(self, location: Path, mode: str = "serve") -> None:
        location.parent.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query, self.store = f"{self.base}/query", f"{self.base}/store"
        super().__init__([oxigraph_binary(), mode, "--location", str(location), "--bind",
                          f"127.0.0.1:{self.port}"],
                         location.parent / f"{mode}-{self.port}.log",
                         f"{self.query}?query=ASK%7B%7D")


class Virtuoso(Process):
    """``virtuoso-t`` on a new database in ``folder``, with Debian's stock SPARQL limits
    (``ResultSetMaxRows`` 10,000 unless ``max_rows`` is given) and default security: the
    anonymous ``/sparql`` endpoint reads, ``/sparql-graph-crud-auth`` writes after HTTP
    Digest authentication as ``dba``."""

    def __init__(self, folder: Path, max_rows: int = 10000) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port, sql_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query = f"{self.base}/sparql"
        self.store = f"{self.base}/sparql-graph-crud-auth"
        (folder / "virtuoso.ini").write_text(f"""\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{self.port}
ServerRoot = .
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
""")
        super().__init__([virtuoso_binary(), "+foreground", "+configfile", "virtuoso.ini"],
                         folder / "run.log", f"{self.query}?query=ASK%7B%7D", cwd=folder)


def differences(embedded, remote, queries, values: dict[str, str] | None = None
                ) -> dict[str, str]:
    """Every canned query with its default parameters (or those of ``values`` it has) on
    the embedded store and on ``remote``, compared row by row: same variables, same rows in
    the same order, each cell the same RDF term (value, datatype, language). Name -> what
    differs, for those that do."""
    from vrgraph.query import run_canned

    out = {}
    for name, q in queries.items():
        given = {k: v for k, v in (values or {}).items() if k in {p.name for p in q.params}}
        here, there = run_canned(embedded, q, given), remote.run_canned(q, given)
        if here.variables != there.variables:
            out[name] = f"variables {there.variables} != {here.variables}"
        elif here.rows != there.rows:
            if sorted(map(repr, here.rows)) == sorted(map(repr, there.rows)):
                out[name] = "same rows in another order"
                continue
            first = next(i for i, (a, b) in enumerate(zip(here.rows + [None] * len(there.rows),
                                                          there.rows + [None] * len(here.rows)))
                         if a != b)
            a = here.rows[first] if first < len(here.rows) else [None] * len(here.variables)
            b = there.rows[first] if first < len(there.rows) else [None] * len(here.variables)
            cells = [f"{v}: {y} vs {x}" for v, x, y in zip(here.variables, a, b) if x != y]
            out[name] = (f"{len(there.rows)} rows vs {len(here.rows)}; row {first}: "
                         f"{'; '.join(cells)[:400]}")
    return out


class BasicAuthProxy:
    """A web server in front of a store that asks for HTTP Basic credentials, as an
    organisation's reverse proxy does, and passes authenticated requests on to ``target``
    (scheme://host:port). Like Virtuoso, it answers 401 without reading a request's body."""

    def __init__(self, target: str, user: str, password: str) -> None:
        import base64
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        refused = self.refused = []  # the methods of the requests answered 401

        class Handler(BaseHTTPRequestHandler):
            def forward(self) -> None:
                if self.headers.get("Authorization") != expected:
                    refused.append(self.command)
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                request = urllib.request.Request(
                    target + self.path, data=self.rfile.read(length) if length else None,
                    method=self.command,
                    headers={k: v for k, v in self.headers.items()
                             if k.lower() in ("content-type", "accept")})
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, body = answer.status, answer.read()
                        kind = answer.headers.get("Content-Type")
                except urllib.error.HTTPError as err:
                    status, kind, body = err.code, err.headers.get("Content-Type"), err.read()
                self.send_response(status)
                if kind:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_HEAD = forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
