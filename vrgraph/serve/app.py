"""The HTTP side of ``vrgraph serve``: a WSGI application (PEP 3333) that waitress serves.

Waitress, a maintained pure-Python server, owns the protocol: request parsing (a duplicate or
conflicting ``Content-Length``, a malformed request line or header is a 400 there, never a
second request), body and header size limits, idle clients (cut after ``channel_timeout``),
the listen backlog; ``serve.protocol`` adds the per-address cap and the request deadline. This module owns the routes (GET and HEAD unless said):

- ``/sparql`` (also POST): the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/);
  without a query, the service description; asked for ``text/html``, the query page;
- ``/queries``, ``/queries/NAME``, ``/queries/NAME.rq``, ``/openapi.json``, ``/query``;
- linked data, as the UK URI pattern has it: ``/id/...`` answers 303 to ``/doc/...``;
  ``/def/TERM`` answers 303 to ``/doc/def/TERM``; ``/doc/...`` gives the resource's
  description as HTML (the published page where ``--site`` has it), Turtle, JSON-LD,
  N-Triples or RDF/XML, by ``Accept`` or by a ``.ttl``/``.jsonld``/``.nt``/``.rdf`` suffix;
- ``/`` (the site's index.html, else the query page) and, with a site folder, its files.

OPTIONS answers 204 anywhere; every other method 405. CORS headers go only to the origins
given with ``--cors``. Errors are a one-line ``text/plain`` message, never a traceback; one
line per request goes to the log.
"""

from __future__ import annotations

import functools
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from importlib import resources
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyoxigraph as ox

from .. import pages
from ..sparql_guard import GuardError, guard
from . import formats as fmt
from . import site as serve_site
from .describe import SD_PREFIXES, service_description
from .run import MAX_ROWS, TRUNCATED, Job, Reply

if TYPE_CHECKING:
    from . import ServeConfig
    from .pool import Lanes

ALLOW = "GET, HEAD, POST, OPTIONS"
PLAIN = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
PAGE_POLICY = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
               "style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'")
# the query editor, vendored in the package (static/yasgui/NOTICE.md): file -> content type
EDITOR_FILES = {"yasgui.min.js": "text/javascript; charset=utf-8",
                "yasgui.min.css": "text/css; charset=utf-8"}
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SUFFIXES = {suffix: format_ for format_, suffix in fmt.SUFFIXES.items()}
_LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel",
           "http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title")
_STATUS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 303: "See Other",
           400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           406: "Not Acceptable", 411: "Length Required", 413: "Content Too Large",
           414: "URI Too Long", 415: "Unsupported Media Type", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout",
           507: "Insufficient Storage"}


class HttpError(Exception):
    """An answer other than 200, with a message the client can act on."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = PLAIN
    headers: dict[str, str] = field(default_factory=dict)
    stream: BinaryIO | None = None  # a site file, sent as it is read instead of ``body``
    size: int = -1  # the length of ``stream``

    def __post_init__(self) -> None:
        if self.stream is None:
            self.size = len(self.body)

    @classmethod
    def text(cls, status: int, message: str, headers: dict[str, str] | None = None
             ) -> Response:
        return cls(status, (message.rstrip() + "\n").encode("utf-8"), PLAIN, headers or {})

    @classmethod
    def json(cls, doc: Any) -> Response:
        return cls(200, json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8")

    @classmethod
    def redirect(cls, status: int, location: str, vary: bool = False) -> Response:
        """A redirect to a path of this server: never ``//host`` or ``/\\host``, which a
        browser would read as another host."""
        location = "/" + location.lstrip("/\\")
        return cls(status, b"", PLAIN, {"Location": location, **({"Vary": "Accept"}
                                                                   if vary else {})})


@dataclass
class Request:
    """The parts of a WSGI request the routes read."""

    method: str
    path: str  # percent-encoded, as sent
    query: str
    headers: dict[str, str]
    body: bytes
    client: str
    target: str  # the request target, for the log

    @classmethod
    def from_environ(cls, environ: dict[str, Any], max_body: int) -> Request:
        raw = environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"), safe="/%")
        if environ.get("QUERY_STRING") and "?" not in raw:
            raw += "?" + environ["QUERY_STRING"]
        url = urlsplit(raw)
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if 0 < length <= max_body else b""
        return cls(environ.get("REQUEST_METHOD", "GET").upper(), url.path or "/", url.query,
                   headers, body, environ.get("REMOTE_ADDR", "-"),
                   f'{environ.get("REQUEST_METHOD", "-")} {raw} '
                   f'{environ.get("SERVER_PROTOCOL", "HTTP/1.1")}')


@dataclass
class App:
    """The WSGI application; everything it needs is made once, at start."""

    config: ServeConfig
    lanes: Lanes
    queries: dict[str, Any]
    query_list: dict[str, Any]
    openapi: dict[str, Any]
    sizes: dict[str, int]
    page: bytes
    base: str  # the graph's base IRI: /id/x on this server is {base}id/x
    url: str  # the address clients know the server by (--public-url), never the Host header
    log: Callable[[str], None]
    prefixes: dict[str, str] = field(default_factory=dict)  # declared for every query

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        start = time.monotonic()
        request = None
        try:
            request = Request.from_environ(environ, self.config.max_body)
            response = self.route(request)
        except HttpError as err:
            response = Response.text(err.status, err.message, err.headers)
        except Exception as err:  # noqa: BLE001 - a bug: 500 to the client, one line to the log
            self.log(f"vrgraph serve: internal error: {type(err).__name__}: {err}"[:500])
            response = Response.text(500, "internal error; see the server log")
        headers = self._headers(response, environ)
        head = environ.get("REQUEST_METHOD") == "HEAD"
        start_response(f"{response.status} {_STATUS.get(response.status, '')}".rstrip(),
                       headers)
        self._log_line(environ, request, response, start)
        if response.stream is not None:
            if head:
                response.stream.close()
                return [b""]
            wrapper = environ.get("wsgi.file_wrapper")  # waitress reads it a block at a time
            return wrapper(response.stream) if wrapper else _blocks(response.stream)
        return [b"" if head else response.body]

    def _headers(self, response: Response, environ: dict[str, Any]) -> list[tuple[str, str]]:
        headers = {"X-Content-Type-Options": "nosniff", **response.headers}
        if response.status != 204:
            headers["Content-Type"] = response.content_type
            headers["Content-Length"] = str(response.size)
        origin = environ.get("HTTP_ORIGIN")
        allowed = self.config.cors
        if origin and ("*" in allowed or origin in allowed):
            headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
            headers["Access-Control-Expose-Headers"] = f"{TRUNCATED}, {MAX_ROWS}"
            if "*" not in allowed:
                headers["Vary"] = ", ".join(filter(None, (headers.get("Vary"), "Origin")))
            if environ.get("REQUEST_METHOD") == "OPTIONS":
                headers["Access-Control-Allow-Methods"] = ALLOW
                headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
                headers["Access-Control-Max-Age"] = "86400"
        return list(headers.items())

    def _log_line(self, environ: dict[str, Any], request: Request | None, response: Response,
                  start: float) -> None:
        target = request.target if request else environ.get("PATH_INFO", "-")
        target = target if len(target) <= 300 else target[:297] + "..."
        target = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in target)
        ms = (time.monotonic() - start) * 1000
        when = time.strftime("%d/%b/%Y %H:%M:%S", time.localtime())
        reason = ""
        if response.status >= 400 and response.stream is None and response.body:
            first = response.body.decode("utf-8", "replace").splitlines()[0]
            first = first if len(first) <= 200 else first[:197] + "..."
            reason = " (" + "".join(c if c.isprintable() else "?" for c in first) + ")"
        self.log(f'{environ.get("REMOTE_ADDR", "-")} - [{when}] "{target}" '
                 f'{response.status} {response.size} {ms:.0f}ms{reason}')

    # -- routing ----------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(204, headers={"Allow": ALLOW})
        if request.method not in ("GET", "HEAD", "POST"):
            raise HttpError(405, f"method {request.method} is not allowed; this server is "
                                 f"read-only and answers {ALLOW}", {"Allow": ALLOW})
        if len(request.path) + len(request.query) > self.config.max_body:
            raise HttpError(414, f"the URL is longer than {self.config.max_body} bytes; send a "
                                 f"long query by POST")
        path = request.path
        bad = _BAD_ESCAPE.search(path)
        if bad:
            raise HttpError(400, f"bad percent-escape {path[bad.start():bad.start() + 3]!r} at "
                                 f"character {bad.start() + 1} of the path: '%' must be "
                                 f"followed by two hexadecimal digits (write '%25' for '%')")
        if request.method == "POST" and path != "/sparql":
            raise HttpError(405, f"POST is only for /sparql; {path} answers GET, HEAD, OPTIONS",
                            {"Allow": "GET, HEAD, OPTIONS"})
        if path == "/sparql":
            return self.sparql(request)
        if path in ("/queries", "/queries/"):
            return Response.json(self.query_list)
        if path.startswith("/queries/"):
            return self.canned(request, unquote(path[len("/queries/"):]))
        if path == "/openapi.json":
            return Response.json(self.openapi)
        if path == "/prefixes.json":   # what the query page's editor completes
            return Response.json(self.prefixes)
        if path.startswith("/static/yasgui/") and path[len("/static/yasgui/"):] in EDITOR_FILES:
            name = path[len("/static/yasgui/"):]
            return Response(200, editor_file(name), EDITOR_FILES[name],
                            {"Cache-Control": "public, max-age=86400"})
        if path.startswith("/id/"):
            return Response.redirect(303, "/doc/" + path[len("/id/"):], vary=False)
        if path.startswith("/def/") and len(path) > len("/def/"):
            return Response.redirect(303, "/doc/def/" + path[len("/def/"):])
        if path.startswith("/doc/") and not self._site_file(path):
            return self.document(request)
        if path == "/query" or (path == "/" and not self._site_index()):
            return self._page()
        if self.config.site is None:
            raise HttpError(404, f"nothing at {path[:200]}; try /query, /sparql, /queries, "
                                 f"/openapi.json or /id/...")
        return self.static(path, request.query)

    def _page(self) -> Response:
        return Response(200, self.page, HTML, {"Content-Security-Policy": PAGE_POLICY})

    # -- SPARQL protocol ----------------------------------------------------------------------
    def sparql(self, request: Request) -> Response:
        if request.method == "POST":
            params = self._post_params(request)
        else:
            params = _params(request.query)
        if "update" in params:
            raise HttpError(403, "updates are refused: this endpoint is read-only")
        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                raise HttpError(400, f"{name} is not supported: the dataset is fixed (the "
                                     f"default graph is the union of the store's graphs)")
        queries = params.get("query", [])
        if not queries:
            if request.method == "POST":
                raise HttpError(400, "give the query as the form field 'query'")
            accept = request.headers.get("accept")
            if fmt.negotiate(accept, (*fmt.GRAPH_FORMATS, fmt.HTML)) is fmt.HTML:
                return self._page()
            return self._service_description(request, accept)
        if len(queries) > 1:
            raise HttpError(400, "give exactly one 'query' parameter")
        try:
            checked = guard(queries[0])
        except GuardError as err:
            raise HttpError(err.status, str(err)) from None
        return self.run(Job(request.headers.get("accept"), self.config.max_rows,
                            text=checked.text), request.client)

    def _post_params(self, request: Request) -> dict[str, list[str]]:
        length = request.headers.get("content-length")
        if int(length or 0) > self.config.max_body:
            raise HttpError(413, f"the request body ({length} bytes) is larger than the "
                                 f"server's limit of {self.config.max_body} bytes (--max-body)")
        if "content-type" not in request.headers:
            raise HttpError(415, "say what the body is: Content-Type "
                                 "application/x-www-form-urlencoded or application/sparql-query")
        media, _, options = request.headers["content-type"].partition(";")
        media = media.strip().lower()
        charset = "utf-8"
        for option in options.split(";"):
            key, _, value = option.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip('"').lower()
        if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise HttpError(415, f"charset {charset} is not supported; send UTF-8")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise HttpError(400, f"the body is not UTF-8 (byte {err.start})") from None
        if media == "application/sparql-update":
            raise HttpError(403, "updates are refused: this endpoint is read-only")
        if media == "application/x-www-form-urlencoded":
            params = _params(text)
            for name, values in _params(request.query).items():  # as GET reads them
                if name in ("update", "default-graph-uri", "named-graph-uri", "query"):
                    params.setdefault(name, []).extend(values)
            return params
        if media == "application/sparql-query":
            params = _params(request.query)
            params["query"] = [text]
            return params
        raise HttpError(415, f"cannot read a {media} body; send application/x-www-form-"
                             f"urlencoded (query=...) or application/sparql-query")

    def run(self, job: Job, client: str) -> Response:
        reply: Reply = self.lanes.run(job, self.config.timeout, client)
        if reply.log:
            self.log(reply.log.strip().splitlines()[-1][:500])
        headers = dict(reply.headers)
        headers["Vary"] = "Accept"
        return Response(reply.status, reply.body, reply.content_type, headers)

    def _service_description(self, request: Request, accept: str | None) -> Response:
        chosen = fmt.negotiate(accept, fmt.GRAPH_FORMATS)
        if chosen is None:
            raise HttpError(406, f"the service description is given as "
                                 f"{fmt.offered(fmt.GRAPH_FORMATS)}", {"Vary": "Accept"})
        triples = service_description(self.url + "sparql", self.sizes,
                                      self.config.timeout, self.config.max_rows, self.prefixes)
        return Response(200, fmt.graph(chosen, triples, prefixes=SD_PREFIXES),
                        chosen.content_type, {"Vary": "Accept"})

    # -- canned queries -----------------------------------------------------------------------
    def canned(self, request: Request, name: str) -> Response:
        if name.endswith(".rq") and name[:-3] in self.queries:
            return Response(200, self.queries[name[:-3]].text.encode("utf-8"),
                            "application/sparql-query; charset=utf-8")
        if name not in self.queries:
            shown = name if len(name) <= 60 else name[:57] + "..."
            raise HttpError(404, f"no canned query {shown!r}; GET /queries lists them: "
                                 f"{', '.join(self.queries)}")
        values: dict[str, str] = {}
        for key, given in _params(request.query).items():
            if len(given) > 1:
                raise HttpError(400, f"give parameter '{key}' once")
            values[key] = given[0]
        return self.run(Job(request.headers.get("accept"), self.config.max_rows, name=name,
                            params=values), request.client)

    # -- linked data --------------------------------------------------------------------------
    def document(self, request: Request) -> Response:
        """``/doc/...``: the description of ``{base}id/...`` (or ``{base}def/...``)."""
        try:
            rest = unquote(request.path[len("/doc/"):], errors="strict")
        except UnicodeDecodeError:
            raise HttpError(404, f"no resource at {request.path[:200]}") from None
        chosen: fmt.Format | None = None
        for suffix, by_suffix in _SUFFIXES.items():
            if rest.endswith(suffix):
                rest, chosen = rest[:-len(suffix)], by_suffix
                break
        if rest.endswith(".html"):
            rest, chosen = rest[:-len(".html")], fmt.HTML
        if not rest or any(c in rest for c in '<>"{}|\\^` \n\r\t'):
            raise HttpError(404, f"no resource at {request.path[:200]}")
        iri = self.base + (rest if rest.startswith("def/") else "id/" + rest)
        if chosen is None:
            chosen = fmt.negotiate(request.headers.get("accept"),
                                   (fmt.HTML, *fmt.GRAPH_FORMATS))
            if chosen is None:
                raise HttpError(406, f"a description is given as text/html or "
                                     f"{fmt.offered(fmt.GRAPH_FORMATS)}", {"Vary": "Accept"})
        page = f"/doc/{quote(rest)}.html"
        if chosen is fmt.HTML and self._site_file(page):  # the published page, where there is one
            return self.static(page, "")
        reply = self.lanes.run(Job(fmt.N_TRIPLES.media_type, self.config.max_rows,
                                   resource=iri), self.config.timeout, request.client)
        if reply.status != 200:
            return Response(reply.status, reply.body, reply.content_type, reply.headers)
        triples = sorted((q.triple for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)),
                         key=str)
        if not any(t.subject == ox.NamedNode(iri) for t in triples):
            raise HttpError(404, f"nothing is known about <{iri}>; GET /sparql to search")
        if chosen is fmt.HTML:
            return Response(200, describe_html(iri, triples, self.base), HTML, {"Vary": "Accept"})
        return Response(200, fmt.graph(chosen, triples), chosen.content_type, {"Vary": "Accept"})

    # -- the site -----------------------------------------------------------------------------
    def _site_index(self) -> bool:
        site = self.config.site
        return site is not None and (site / "index.html").is_file()

    def _site_file(self, path: str) -> bool:
        """Whether the site has ``path`` itself, or the page ``path``.html (``/doc/...``)."""
        site = self.config.site
        if site is None:
            return False
        found = serve_site.resolve(site, path)
        return found is not None and found.file is not None

    def static(self, path: str, url_query: str) -> Response:
        assert self.config.site is not None
        found = serve_site.resolve(self.config.site, path)
        if found is None:
            raise HttpError(404, f"no such file: {path[:200]}")
        if found.redirect is not None:
            return Response.redirect(301, found.redirect + (f"?{url_query}" if url_query else ""))
        assert found.file is not None
        handle = found.file.open("rb")
        stat = os.fstat(handle.fileno())
        return Response(200, b"", serve_site.content_type(found.file),
                        {"Last-Modified": formatdate(stat.st_mtime, usegmt=True)},
                        stream=handle, size=stat.st_size)


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    """``handle`` in blocks, closed at the end (where the server has no file wrapper)."""
    with handle:
        yield from iter(lambda: handle.read(1 << 16), b"")


@functools.cache
def editor_file(name: str) -> bytes:
    """A file of the vendored query editor (package data ``static/yasgui/``)."""
    return resources.files("vrgraph").joinpath(f"static/yasgui/{name}").read_bytes()


def describe_html(iri: str, triples: list[ox.Triple], base: str) -> bytes:
    """A page describing ``iri`` (``templates/describe.html``): its statements, each linked
    resource named by its label."""
    subject = ox.NamedNode(iri)
    labels: dict[str, str] = {}
    for t in triples:
        if t.predicate.value in _LABELS and isinstance(t.object, ox.Literal) and \
                not isinstance(t.subject, ox.Triple):
            labels.setdefault(t.subject.value, t.object.value)

    def shown(term: Any) -> dict[str, str | None]:
        if isinstance(term, ox.NamedNode):
            local = term.value.startswith(base)
            return {"href": "/" + term.value[len(base):] if local else term.value,
                    "text": labels.get(term.value, term.value)}
        return {"text": term.value if isinstance(term, ox.Literal) else None}

    rows = [(shown(t.predicate), shown(t.object)) for t in
            sorted((t for t in triples if t.subject == subject),
                   key=lambda t: (t.predicate.value, str(t.object)))]
    return pages.render("describe.html", title=labels.get(iri, iri), iri=iri, rows=rows,
                        doc=_doc(iri, base),
                        formats=[(fmt.name(f), suffix) for f, suffix in fmt.SUFFIXES.items()]
                        ).encode("utf-8")


def _doc(iri: str, base: str) -> str:
    rest = iri[len(base):]
    return "/doc/" + (rest[len("id/"):] if rest.startswith("id/") else rest)


def _params(query: str) -> dict[str, list[str]]:
    try:
        return parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=100)
    except ValueError as err:  # also UnicodeDecodeError
        raise HttpError(400, f"malformed parameters: {err}") from None


def stderr_log(line: str) -> None:
    """One line to stderr (the stream of the moment, so a test's capture sees it)."""
    import sys

    sys.stderr.write(line + "\n")
    sys.stderr.flush()
