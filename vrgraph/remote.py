"""A remote SPARQL store: query it over the SPARQL 1.1 Protocol and fill it over the Graph
Store HTTP Protocol. A late stage, beside ``serve``: it uses ``store``, ``reason`` and
``query`` and nothing after them. Standard library HTTP (``urllib``) only.

Specs: https://www.w3.org/TR/sparql11-protocol/ (queries: POST, URL-encoded ``query`` and
``default-graph-uri``), https://www.w3.org/TR/sparql11-http-rdf-update/ (push: ``PUT`` to
``?default`` or ``?graph=IRI``), https://www.w3.org/TR/sparql11-results-json/ (answers).

The endpoint is expected to hold the *reasoned* graph, as ``vrgraph push`` writes it by
default (asserted triples, the ontology and what ``vrgraph.reason`` infers, in one graph), so
that a canned query gives the same rows remotely as embedded (``tests/test_remote.py``
checks every canned query against an Oxigraph server).

How ``cli.py`` uses it (wired by the maintainer; this module imports nothing from ``cli``,
so either may import the other):

* ``vrgraph push`` is :data:`push_command`, registered by ``cli.py``.
* ``query run``, ``sparql`` and ``report`` take ``--endpoint URL`` (``VRGRAPH_ENDPOINT``) and
  ``--graph IRI`` and use ``remote_store(endpoint, graph)`` instead of the local store. A
  :class:`RemoteStore` answers ``query()`` like ``pyoxigraph.Store`` does (solutions, a
  boolean or triples), so ``vrgraph.query.run`` / ``run_canned`` (parameter look-ups
  included), ``report.collect``, ``formats.render`` and the ``sparql`` command's CONSTRUCT
  printing work on it unchanged; the report's triple count is :meth:`RemoteStore.count`.
  Its errors are ``VrgraphError`` subclasses (exit 2, one line, no traceback).
* ``validate --endpoint URL`` validates :meth:`RemoteStore.validation_store`: the
  endpoint's triples fetched with one CONSTRUCT, the local ontology added and reasoning run
  (a no-op on a graph pushed ``--reasoned``, which already holds its conclusions). Since
  reasoning leaves domains and ranges out, the reasoned union is exactly what local
  validation sees, so the report is the same (``tests/test_remote.py`` checks it).
"""

from __future__ import annotations

import http.client
import re
import socket
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any, Iterable

import click
import pyoxigraph as ox

from .errors import QueryError, VrgraphError
from .project import Project

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
TURTLE = "text/turtle"
_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9, {TURTLE};q=0.8"
_GRAPH_FORMATS = {N_TRIPLES: ox.RdfFormat.N_TRIPLES, TURTLE: ox.RdfFormat.TURTLE}
_USER_AGENT = "vrgraph (SPARQL 1.1 Protocol client)"


class EndpointError(VrgraphError):
    """The endpoint cannot be reached, refuses a request or answers something unreadable."""


# -- binding parameters without splicing -------------------------------------------------------
# Blank comments, strings and IRIs (same length, so positions stay) before looking for braces.
_LEXEMES = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'
                      r"'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")
_FORM = re.compile(r"(?<![?$:\w])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:])", re.I)
_WORD = re.compile(r"\s*([A-Za-z]+)")


def values_clause(bindings: dict[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """One-row ``VALUES (?a ?b) { (<iri> "text"@en) }`` from typed terms.

    Each term is written by pyoxigraph in N-Triples syntax (``str(term)``), which is valid
    SPARQL: an IRI was checked when its ``NamedNode`` was made (no ``>``, space or brace can
    be in it), a literal's quotes, backslashes and line breaks are escaped, a language tag
    and a datatype IRI are checked too. So a user's text can only ever be a value, never
    query syntax. Blank nodes and triple terms cannot be sent (SPARQL has no syntax for a
    given blank node) and are refused.
    """
    names, terms = [], []
    for variable, term in bindings.items():
        if not isinstance(variable, ox.Variable):
            raise QueryError(f"cannot bind {variable!r}: not a pyoxigraph Variable")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"parameter '{variable.value}': only IRIs and literals can be "
                             f"sent to a remote endpoint, not {type(term).__name__}")
        names.append(str(variable))
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind_remote(text: str, bindings: dict[ox.Variable, ox.NamedNode | ox.Literal] | None
                ) -> str:
    """The query ``text`` with ``bindings`` applied as a ``VALUES`` block.

    A remote endpoint has nothing like pyoxigraph's ``substitutions``, so the values travel
    in the query as data (:func:`values_clause`), never as spliced user text. The block is
    put first inside the query's top-level group (``WHERE { VALUES ... <the rest> }``), so
    the top-level ``FILTER``s and ``BIND``s see the parameter, as they do with
    ``substitutions``. A *trailing* ``VALUES`` after the query would be joined only after
    those filters ran: ``queries/notes.rq`` filters on ``?kind`` and returned no rows at all
    that way. Where there is no top-level group to open (``CONSTRUCT WHERE`` short form,
    ``DESCRIBE <iri>``) the block is appended at the end, as SPARQL allows.
    """
    if not bindings:
        return text
    block = values_clause(bindings)
    code = _LEXEMES.sub(lambda m: " " * len(m.group()), text)
    form = _FORM.search(code)
    start = None
    if form:
        pos = form.end()
        if form.group(1).upper() == "CONSTRUCT":
            word = _WORD.match(code, pos)
            if word and word.group(1).upper() == "WHERE":
                pos = -1  # short form: its braces are a template, no VALUES inside
            else:
                template = code.find("{", pos)
                close = _matching(code, template) if template >= 0 else -1
                pos = close + 1 if close >= 0 else -1
        if pos >= 0:
            start = _first_group(code, pos)
    if start is None:
        return f"{text}\n{block}\n"
    end = _matching(code, start)
    inner = _WORD.match(code, start + 1)
    if inner and inner.group(1).upper() == "SELECT" and end > start:
        # `WHERE { SELECT ... }`: a group holding a sub-select takes nothing beside it,
        # so nest it: `WHERE { VALUES ... { SELECT ... } }`.
        return f"{text[:start + 1]} {block} {{{text[start + 1:end]}}} {text[end:]}"
    return f"{text[:start + 1]} {block}\n{text[start + 1:]}"


def _first_group(code: str, pos: int) -> int | None:
    """The first ``{`` outside parentheses from ``pos`` (a SELECT clause may hold
    ``(EXISTS { ... } AS ?x)``, whose brace is inside parentheses)."""
    depth = 0
    for i in range(pos, len(code)):
        c = code[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "{" and depth <= 0:
            return i
    return None


def _matching(code: str, start: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``start`` (-1 when unbalanced)."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


# -- HTTP ----------------------------------------------------------------------------------------
def _check_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"{what} {url!r} is not an http(s) URL "
                            f"(for Oxigraph: http://127.0.0.1:7878/query, .../store)")
    return url


def _exchange(request: urllib.request.Request, what: str, timeout: float
              ) -> tuple[str, bytes, int]:
    """Send ``request`` and read the whole answer: (content type, body, status). Every
    failure becomes one :class:`EndpointError` (or :class:`QueryError`) line."""
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.headers.get_content_type(), response.read(), response.status
    except urllib.error.HTTPError as err:
        raise _http_error(err, what, url) from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise EndpointError(f"{url}: no answer within {timeout:g} s ({what})") from None
        why = getattr(reason, "strerror", None) or str(reason)
        raise EndpointError(f"{url}: cannot reach the endpoint: {why}; is the server "
                            f"running and the URL right?") from None
    except (TimeoutError, socket.timeout):
        raise EndpointError(f"{url}: no answer within {timeout:g} s ({what})") from None
    except (http.client.HTTPException, OSError) as err:
        why = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise EndpointError(f"{url}: the connection failed during the {what}: {why}") from None


def _http_error(err: urllib.error.HTTPError, what: str, url: str) -> VrgraphError:
    try:
        body = err.read(2000).decode("utf-8", "replace")
    except OSError:
        body = ""
    detail = " ".join(body.split())[:300] or err.reason
    status = f"HTTP {err.code} {err.reason}"
    if err.code == 400 and what == "query":
        return QueryError(f"{url} rejected the query: {detail}")
    if err.code in (401, 403, 405) and what == "push":
        return EndpointError(f"{url} refused to store the graph ({status}: {detail}); is the "
                             f"store read-only, or does it need credentials?")
    if err.code == 404:
        hint = ("the Graph Store endpoint, e.g. http://127.0.0.1:7878/store for Oxigraph"
                if what == "push" else
                "the SPARQL query endpoint, e.g. http://127.0.0.1:7878/query for Oxigraph")
        return EndpointError(f"{url}: not found ({status}: {detail}); give {hint}")
    return EndpointError(f"{url}: {what} failed ({status}: {detail})")


class RemoteStore:
    """A SPARQL 1.1 query endpoint that answers like an in-memory ``pyoxigraph.Store``.

    ``graph``: query this named graph as the default graph (``default-graph-uri``), for a
    graph pushed with ``--graph``; otherwise the endpoint's default graph.
    """

    def __init__(self, endpoint: str, graph: str | None = None, timeout: float = 60.0) -> None:
        self.endpoint = _check_url(endpoint, "endpoint")
        if graph is not None:
            _named(graph)
        self.graph = graph
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r}, graph={self.graph!r})"

    def _post(self, text: str, accept: str = _ACCEPT) -> tuple[str, bytes]:
        form = [("query", text)] + ([("default-graph-uri", self.graph)] if self.graph else [])
        request = urllib.request.Request(
            self.endpoint, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                     "Accept": accept, "User-Agent": _USER_AGENT})
        kind, body, _ = _exchange(request, "query", self.timeout)
        return kind, body

    def query(self, query: str, substitutions: dict | None = None,
              use_default_graph_as_union: bool = True, **_: Any
              ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Run ``query`` remotely, binding ``substitutions`` with :func:`bind_remote`.

        Same answer types as ``pyoxigraph.Store.query``: solutions (SELECT), a boolean (ASK)
        or triples (CONSTRUCT / DESCRIBE, as a list). ``use_default_graph_as_union`` is
        accepted for that likeness only: the endpoint's dataset is what it serves.
        """
        text = bind_remote(query, substitutions)
        kind, body = self._post(text)
        try:
            if kind in (RESULTS_JSON, "application/json"):
                return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if kind in _GRAPH_FORMATS:
                return [q.triple for q in ox.parse(body, format=_GRAPH_FORMATS[kind])]
        except SyntaxError as err:
            raise EndpointError(f"{self.endpoint}: unreadable {kind} answer: "
                                f"{err.msg or err}") from None
        raise EndpointError(f"{self.endpoint} answered {kind or 'nothing'}, not SPARQL "
                            f"results; is it a SPARQL query endpoint?")

    def run(self, text: str, bindings: dict | None = None, where: str = "query") -> Any:
        """An ad-hoc query, as :func:`vrgraph.query.run` (SELECT gives a ``Table``)."""
        from .query import run
        return run(self, text, bindings, where)  # type: ignore[arg-type]

    def run_canned(self, query: Any, values: dict[str, str] | None = None) -> Any:
        """A canned query with its parameters, as :func:`vrgraph.query.run_canned`; gives
        a :class:`vrgraph.query.Table`. Parameter values are looked up on the endpoint."""
        from .query import run_canned
        return run_canned(self, query, values)  # type: ignore[arg-type]

    def count(self) -> int:
        """How many triples the endpoint's (default) graph holds."""
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        return int(rows[0]["n"].value) if rows else 0

    def fetch(self, into: ox.Store | None = None, graph_name: ox.NamedNode | None = None
              ) -> ox.Store:
        """Copy every triple of the endpoint's graph into ``into`` (a new store if None),
        into ``graph_name`` (default ``store.ASSERTED``): one CONSTRUCT, N-Triples (or
        Turtle, for an endpoint without N-Triples)."""
        from .store import ASSERTED
        target = into if into is not None else ox.Store()
        kind, body = self._post("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                f"{N_TRIPLES}, {TURTLE};q=0.8")
        if kind not in _GRAPH_FORMATS:
            raise EndpointError(f"{self.endpoint} answered {kind or 'nothing'} to a "
                                f"CONSTRUCT, not N-Triples or Turtle")
        try:
            target.load(body, format=_GRAPH_FORMATS[kind], to_graph=graph_name or ASSERTED)
        except SyntaxError as err:
            raise EndpointError(f"{self.endpoint}: unreadable {kind}: "
                                f"{err.msg or err}") from None
        return target

    def validation_store(self, project: Project) -> ox.Store:
        """The endpoint's graph with the ontology, reasoned for validation (see the module
        docstring for what that means when the endpoint holds the reasoned union)."""
        from . import reason, store
        st = self.fetch()
        store.add_file(st, project.ontology, store.ONTOLOGY, project.display(project.ontology))
        reason.materialise(st)
        return st


def remote_store(endpoint: str, graph: str | None = None, timeout: float = 60.0
                 ) -> RemoteStore:
    """A :class:`RemoteStore` for the SPARQL query endpoint ``endpoint``."""
    return RemoteStore(endpoint, graph, timeout)


def _named(graph: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(graph)
    except ValueError as err:
        raise EndpointError(f"graph {graph!r} is not an IRI: {err}") from None


# -- Graph Store Protocol push -----------------------------------------------------------------
def graph_url(endpoint: str, graph: str | None = None) -> str:
    """``endpoint?default`` or ``endpoint?graph=IRI`` (GSP section 4, indirect identification)."""
    _check_url(endpoint, "endpoint")
    sep = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    if graph is None:
        return f"{endpoint}{sep}default"
    _named(graph)
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph, safe='')}"


def put_triples(endpoint: str, triples: Iterable[ox.Triple], graph: str | None = None,
                timeout: float = 600.0) -> int:
    """Replace the graph (default or ``graph``) at Graph Store endpoint ``endpoint`` with
    ``triples`` (HTTP PUT, N-Triples, spooled through a temporary file so a big graph is
    not held twice in memory). Returns the HTTP status (200, 201 or 204)."""
    url = graph_url(endpoint, graph)
    with tempfile.TemporaryFile() as spool:
        ox.serialize(triples, spool, format=ox.RdfFormat.N_TRIPLES)
        size = spool.tell()
        spool.seek(0)
        return put_bytes(url, spool, size, timeout)


def put_bytes(url: str, body: IO[bytes] | bytes, size: int, timeout: float = 600.0) -> int:
    request = urllib.request.Request(
        url, data=body, method="PUT",
        headers={"Content-Type": N_TRIPLES, "Content-Length": str(size),
                 "User-Agent": _USER_AGENT})
    return _exchange(request, "push", timeout)[2]


def push(project: Project, endpoint: str, files: list[Path] | None = None,
         graph: str | None = None, reasoned: bool = True, timeout: float = 600.0) -> int:
    """Push ``files`` (default the built graph) to ``endpoint``; returns the triple count.

    ``reasoned``: the files, the ontology and what reasoning infers (what local queries
    see), so remote queries answer the same; otherwise the files' triples alone. Either way
    the files are parsed here first, so a malformed file fails with file:line:column.
    """
    from . import pipeline, store
    paths = files or [project.graph]
    graph_url(endpoint, graph)  # refuse a bad URL or graph IRI before any work
    st = pipeline.load(project, paths) if reasoned else store.load(paths, [], project.root)
    triples = {q.triple for q in st}
    put_triples(endpoint, triples, graph, timeout)
    return len(triples)


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="The Graph Store Protocol endpoint (Oxigraph: http://HOST:PORT/store).")
@click.option("--graph", "graph", metavar="IRI", default=None,
              help="Replace this named graph (default: the default graph).")
@click.option("-f", "--file", "files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="RDF file to push; repeat for several (default data/graph.ttl).")
@click.option("--reasoned/--no-reasoned", default=True, show_default=True,
              help="Push the files with the ontology and the inferred triples, so that "
                   "remote queries answer as local ones; or the files alone.")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the endpoint.")
@click.pass_context
def push_command(ctx: click.Context, endpoint: str, graph: str | None, files: tuple[Path, ...],
                 reasoned: bool, timeout: float) -> None:
    """Load the graph into a SPARQL store (Graph Store HTTP Protocol PUT: it replaces the
    target graph). Exit 0 stored, 2 unusable input or the store refused."""
    project = ctx.obj if isinstance(ctx.obj, Project) else Project.default()
    try:
        n = push(project, endpoint, list(files) or None, graph, reasoned, timeout)
    except VrgraphError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    what = "asserted, ontology and inferred" if reasoned else "as in the files"
    target = f"graph <{graph}>" if graph else "the default graph"
    click.echo(f"pushed {n} triples ({what}) to {endpoint}, {target}")
