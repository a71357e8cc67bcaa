"""The HTTP side of ``vrgraph serve``: routes, request limits, static files, the log.

Routes (GET and HEAD unless said): ``/sparql`` (also POST; SPARQL 1.1 Protocol,
https://www.w3.org/TR/sparql11-protocol/), ``/queries``, ``/queries/NAME``,
``/queries/NAME.rq``, ``/openapi.json``, ``/query`` (the query page), ``/`` (the site's
index.html, else the query page) and, with a site folder, every file under it. OPTIONS
answers 204 anywhere; every other method 405. Errors are a one-line ``text/plain`` message,
never a traceback; one line per request goes to stderr.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import __version__
from . import serve_formats as fmt
from . import serve_site
from .errors import QueryError
from .query import check_safe
from .serve_describe import SD_PREFIXES, service_description
from .serve_run import MAX_ROWS, TRUNCATED, Job

if TYPE_CHECKING:
    from .serve import VrgraphServer

ALLOW = "GET, HEAD, POST, OPTIONS"
PLAIN = "text/plain; charset=utf-8"
PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'")
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class HttpError(Exception):
    """An answer other than 200, with a message the client can act on."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Handler(BaseHTTPRequestHandler):
    server: VrgraphServer
    protocol_version = "HTTP/1.1"
    server_version = f"vrgraph/{__version__}"
    timeout = 30  # seconds a client may take to send its request: slow senders are cut off

    # -- the request cycle and the log ------------------------------------------------------
    def handle_one_request(self) -> None:
        self._status: int | None = None
        self._size = 0
        self._start = time.monotonic()
        self._body_read = False
        try:
            super().handle_one_request()
        finally:
            if self._status is not None:
                self._log_line()

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self._status = int(code) if isinstance(code, int) else None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """The standard library's own messages are folded into the one line per request."""

    def _log_line(self) -> None:
        line = self.requestline if len(self.requestline) <= 300 else self.requestline[:297] + "..."
        line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line)
        ms = (time.monotonic() - self._start) * 1000
        self.server.log(f'{self.client_address[0]} - [{self.log_date_time_string()}] '
                        f'"{line}" {self._status} {self._size} {ms:.0f}ms')

    def __getattr__(self, name: str) -> Any:
        # Any method without a do_ handler of its own (PUT, DELETE, PATCH, anything): 405.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def do_POST(self) -> None:
        self._handle(send_body=True)

    def do_OPTIONS(self) -> None:
        self._send(204, b"", PLAIN, {
            "Allow": ALLOW, "Access-Control-Allow-Methods": ALLOW,
            "Access-Control-Allow-Headers": "Accept, Content-Type",
            "Access-Control-Max-Age": "86400"}, True)

    def _not_allowed(self) -> None:
        self._error(405, f"method {self.command} is not allowed; this server is read-only "
                         f"and answers {ALLOW}", {"Allow": ALLOW})

    def version_string(self) -> str:
        return self.server_version

    def handle_expect_100(self) -> bool:
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.server.config.max_body:
            self.close_connection = True
            self._error(413, self._too_large(int(length)))
            return False
        return super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None
                   ) -> None:
        """The standard library's errors (bad request line, 414, 431...) as plain text."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # an unreadable request line: still a status line
            self.request_version = "HTTP/1.0"
        text = message or HTTPStatus(code).phrase
        if code == 414:
            text = "the request line is too long; send a long query by POST"
        self._error(code, text)

    def _handle(self, send_body: bool) -> None:
        try:
            self._route(send_body)
        except HttpError as err:
            self._error(err.status, err.message, err.headers, send_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bug: 500 to the client, traceback to the log
            self.server.log(traceback.format_exc().rstrip())
            self.close_connection = True
            self._error(500, "internal error; see the server log", send_body=send_body)

    def _finish_body(self) -> None:
        """A request body left unread would be taken for the next request: close the
        connection after this answer instead (called before the headers are sent)."""
        headers = getattr(self, "headers", None)
        if headers is None:
            return
        if not self._body_read and headers.get("Content-Length", "0").strip() not in ("", "0"):
            self.close_connection = True
        if headers.get("Transfer-Encoding"):
            self.close_connection = True

    # -- sending ----------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str],
              send_body: bool) -> None:
        self._finish_body()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", f"{TRUNCATED}, {MAX_ROWS}")
        for key, value in headers.items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if send_body and status != 204:
            self.wfile.write(body)
            self._size = len(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None,
               send_body: bool | None = None) -> None:
        if send_body is None:
            send_body = self.command != "HEAD"
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), PLAIN, headers or {},
                   send_body)

    def _json(self, doc: Any, send_body: bool) -> None:
        self._send(200, json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8", {}, send_body)

    # -- routing ----------------------------------------------------------------------------
    def _route(self, send_body: bool) -> None:
        config = self.server.config
        if len(self.path) > config.max_body:
            raise HttpError(414, f"the URL is longer than {config.max_body} bytes; send a long "
                                 f"query by POST")
        url = urlsplit(self.path)
        path = url.path
        if self.command == "POST" and path != "/sparql":
            raise HttpError(405, f"POST is only for /sparql; {path} answers GET, HEAD, OPTIONS",
                            {"Allow": "GET, HEAD, OPTIONS"})
        if path == "/sparql":
            if self.command == "POST":
                return self._sparql_post(url.query, send_body)
            params = _params(url.query)
            return self._sparql(params, send_body)
        if path in ("/queries", "/queries/"):
            return self._json(self.server.query_list, send_body)
        if path.startswith("/queries/"):
            return self._canned(unquote(path[len("/queries/"):]), url.query, send_body)
        if path == "/openapi.json":
            return self._json(self.server.openapi, send_body)
        if path == "/query" or (path == "/" and not self._site_index()):
            return self._send(200, self.server.page, "text/html; charset=utf-8",
                              {"Content-Security-Policy": PAGE_POLICY}, send_body)
        if self.server.site is None:
            raise HttpError(404, f"nothing at {path}; try /query, /sparql, /queries or "
                                 f"/openapi.json")
        return self._static(path, url.query, send_body)

    # -- SPARQL protocol ----------------------------------------------------------------------
    def _sparql(self, params: dict[str, list[str]], send_body: bool) -> None:
        if "update" in params:
            raise HttpError(403, "updates are refused: this endpoint is read-only")
        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                raise HttpError(400, f"{name} is not supported: the dataset is fixed (the "
                                     f"default graph is the union of the store's graphs)")
        queries = params.get("query", [])
        if not queries:
            if self.command == "POST":
                raise HttpError(400, "give the query as the form field 'query'")
            return self._service_description(send_body)
        if len(queries) > 1:
            raise HttpError(400, "give exactly one 'query' parameter")
        self._query(queries[0], send_body)

    def _sparql_post(self, url_query: str, send_body: bool) -> None:
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(411, "send the body with a Content-Length (chunked bodies are "
                                 "not accepted)")
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            raise HttpError(411, "send the body with a Content-Length")
        if not raw_length.strip().isdigit():
            raise HttpError(400, f"bad Content-Length {raw_length!r}")
        length = int(raw_length)
        if length > self.server.config.max_body:
            raise HttpError(413, self._too_large(length))
        body = self.rfile.read(length)
        self._body_read = True
        if len(body) != length:
            self.close_connection = True
            raise HttpError(400, "the body ended before its Content-Length")
        if "Content-Type" not in self.headers:
            raise HttpError(415, "say what the body is: Content-Type "
                                 "application/x-www-form-urlencoded or application/sparql-query")
        media = self.headers.get_content_type()
        charset = (self.headers.get_content_charset() or "utf-8").lower()
        if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise HttpError(415, f"charset {charset} is not supported; send UTF-8")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the body is not UTF-8") from None
        if media == "application/sparql-update":
            raise HttpError(403, "updates are refused: this endpoint is read-only")
        if media == "application/x-www-form-urlencoded":
            return self._sparql(_params(text), send_body)
        if media == "application/sparql-query":
            params = _params(url_query)
            params.pop("query", None)
            params["query"] = [text]
            return self._sparql(params, send_body)
        raise HttpError(415, f"cannot read a {media} body; send application/x-www-form-"
                             f"urlencoded (query=...) or application/sparql-query")

    def _too_large(self, length: int) -> str:
        return (f"the request body ({length} bytes) is larger than the server's limit of "
                f"{self.server.config.max_body} bytes (--max-body)")

    def _query(self, text: str, send_body: bool) -> None:
        try:
            check_safe(text)
        except QueryError as err:
            raise HttpError(403, str(err)) from None
        self._run(Job(self.headers.get("Accept"), self.server.config.max_rows, text=text),
                  send_body)

    def _run(self, job: Job, send_body: bool) -> None:
        reply = self.server.pool.run(job, self.server.config.timeout)
        if reply.log:
            self.server.log(reply.log.rstrip())
        headers = dict(reply.headers)
        headers["Vary"] = "Accept"
        self._send(reply.status, reply.body, reply.content_type, headers, send_body)

    def _service_description(self, send_body: bool) -> None:
        chosen = fmt.negotiate(self.headers.get("Accept"), fmt.GRAPH_FORMATS)
        if chosen is None:
            raise HttpError(406, f"the service description is given as "
                                 f"{fmt.offered(fmt.GRAPH_FORMATS)}", {"Vary": "Accept"})
        config = self.server.config
        triples = service_description(self._base() + "sparql", self.server.sizes,
                                      config.timeout, config.max_rows)
        self._send(200, fmt.graph(chosen, triples, prefixes=SD_PREFIXES), chosen.content_type, {"Vary": "Accept"},
                   send_body)

    def _base(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST.match(host):
            name, port = self.server.server_address[:2]
            host = f"[{name}]:{port}" if ":" in str(name) else f"{name}:{port}"
        return f"http://{host}/"

    # -- canned queries -----------------------------------------------------------------------
    def _canned(self, name: str, url_query: str, send_body: bool) -> None:
        queries = self.server.queries
        if name.endswith(".rq") and name[:-3] in queries:
            return self._send(200, queries[name[:-3]].text.encode("utf-8"),
                              "application/sparql-query; charset=utf-8", {}, send_body)
        if name not in queries:
            shown = name if len(name) <= 60 else name[:57] + "..."
            raise HttpError(404, f"no canned query {shown!r}; GET /queries lists them: "
                                 f"{', '.join(queries)}")
        values: dict[str, str] = {}
        for key, given in _params(url_query).items():
            if len(given) > 1:
                raise HttpError(400, f"give parameter '{key}' once")
            values[key] = given[0]
        self._run(Job(self.headers.get("Accept"), self.server.config.max_rows, name=name,
                      params=values), send_body)

    # -- the site -----------------------------------------------------------------------------
    def _site_index(self) -> bool:
        site = self.server.site
        return site is not None and (site / "index.html").is_file()

    def _static(self, path: str, url_query: str, send_body: bool) -> None:
        found = serve_site.resolve(self.server.site, path)
        if found is None:
            raise HttpError(404, f"no such file: {path[:200]}")
        if found.redirect is not None:
            location = found.redirect + (f"?{url_query}" if url_query else "")
            return self._send(301, b"", PLAIN, {"Location": location}, send_body)
        with found.file.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            self._finish_body()
            self.send_response(200)
            self.send_header("Content-Type", serve_site.content_type(found.file))
            self.send_header("Content-Length", str(stat.st_size))
            self.send_header("Last-Modified", formatdate(stat.st_mtime, usegmt=True))
            self.send_header("X-Content-Type-Options", "nosniff")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if send_body:
                shutil.copyfileobj(handle, self.wfile)
                self._size = stat.st_size


def _params(query: str) -> dict[str, list[str]]:
    try:
        return parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=100)
    except ValueError as err:  # also UnicodeDecodeError
        raise HttpError(400, f"malformed parameters: {err}") from None


def stderr_log(line: str) -> None:
    """One line to stderr (the stream of the moment, so a test's capture sees it)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
