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

* ``vrgraph push`` (in ``cli.py``) loads the graph and calls :func:`push`.
* ``query run``, ``sparql`` and ``report`` take ``--endpoint URL`` (``VRGRAPH_ENDPOINT``) and
  ``--graph IRI`` and use ``remote_store(endpoint, graph)`` instead of the local store. A
  :class:`RemoteStore` answers ``query()`` like ``pyoxigraph.Store`` does (solutions, a
  boolean or triples), so ``vrgraph.query.run`` / ``run_canned`` (parameter look-ups
  included), ``report.collect``, ``results.render`` and the ``sparql`` command's CONSTRUCT
  printing work on it unchanged; the report's triple count is :meth:`RemoteStore.count`.
  Its errors are ``VrgraphError`` subclasses (exit 2, one line, no traceback).
* ``validate --endpoint URL`` and ``report --endpoint URL`` validate on the store
  (``vrgraph.remote_validate``: the compiled SHACL checks run there as SPARQL), or where it
  cannot answer, on a copy of its graph fetched home.
* ``--user NAME`` on each of them: :func:`credentials` (the password from
  ``$VRGRAPH_PASSWORD`` or a prompt; without ``--user``, ``~/.netrc``), sent by HTTP Basic
  or Digest, whichever the store asks for.

Every store the project knows answers every canned query row by row as embedded: an
Oxigraph server and Virtuoso 7.2 (``tests/test_virtuoso.py``; ``docs/virtuoso.md`` lists
what that took). No answer cut by the store (a result cap such as Virtuoso's
``ResultSetMaxRows``) is read as whole: :class:`IncompleteAnswer`, exit 1.
"""

from __future__ import annotations

import http.client
import io
import json
import netrc
import os
import re
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import QueryError, VrgraphError
from .sparql_guard import guard
from .store import Bindings

if TYPE_CHECKING:
    from .query import Table
    from .query.canned import CannedQuery

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
TURTLE = "text/turtle"
_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9, {TURTLE};q=0.8"
_GRAPH_FORMATS = {N_TRIPLES: ox.RdfFormat.N_TRIPLES, TURTLE: ox.RdfFormat.TURTLE}
_USER_AGENT = "vrgraph (SPARQL 1.1 Protocol client)"


PASSWORD_ENV = "VRGRAPH_PASSWORD"
DEFAULT_GRAPH = "https://w3id.org/vrgraph/graph"  # pushed to where a store has no default graph


class EndpointError(VrgraphError):
    """The endpoint cannot be reached, refuses a request or answers something unreadable."""


class IncompleteAnswer(VrgraphError):
    """The store answered part of what it holds (a result cap such as Virtuoso's
    ``ResultSetMaxRows``): a check failed, exit 1, never a cut answer read as whole."""

    exit_code = 1


# -- credentials -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Credentials:
    """A user name and password for HTTP Basic or Digest authentication (whichever the
    store asks for; https://www.rfc-editor.org/rfc/rfc7617, rfc7616). The password is
    never shown: not in ``repr``, not in any message."""

    user: str
    password: str = field(repr=False)


def credentials(url: str, user: str | None = None,
                prompt: Callable[[str], str | None] | None = None) -> Credentials | None:
    """The credentials for ``url``: ``user`` with the password from ``$VRGRAPH_PASSWORD``
    or ``prompt(question)`` (the command line asks without echo); without ``user``, the
    machine's entry in ``~/.netrc`` (or ``$NETRC``), if any. Never from the command line."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None and prompt is not None:
            password = prompt(f"Password for {user} at {host}")
        if password is None:
            raise EndpointError(f"--user {user}: no password; set {PASSWORD_ENV} (or run "
                                f"in a terminal to be asked for it)")
        return Credentials(user, password)
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.exists(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except netrc.NetrcParseError as err:
        raise EndpointError(f"{err.filename}:{err.lineno}: unreadable netrc: {err.msg}") from None
    except OSError as err:
        raise EndpointError(f"{path}: cannot read the netrc file: {err.strerror}") from None
    return Credentials(entry[0], entry[2] or "") if entry and entry[0] else None


class _Rewind(urllib.request.BaseHandler):
    """Send a file body from its start every time: an authentication challenge (401)
    makes urllib send the same request again, after the first sending read the file."""

    handler_order = 100

    def http_request(self, request: urllib.request.Request) -> urllib.request.Request:
        if isinstance(request.data, io.IOBase):    # a file body (put_bytes)
            request.data.seek(0)
        return request

    https_request = http_request


class _Digest(urllib.request.HTTPDigestAuthHandler):
    """HTTP Digest that, once challenged, answers the next requests up front. A store that
    refuses an unauthenticated request before reading its body (Virtuoso does) would cut
    the connection while a big push is still being sent, and the 401 never be read."""

    challenge: dict[str, str] | None = None

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str) -> Any:
        _, challenge = auth.split(" ", 1)
        self.challenge = urllib.request.parse_keqv_list(
            [part for part in urllib.request.parse_http_list(challenge) if part])
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if self.challenge and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req

    https_request = http_request


class _Basic(urllib.request.HTTPBasicAuthHandler):
    """HTTP Basic that, once its answer to a challenge is taken (anything but 401, such as
    404 for a graph not yet there), sends it up front to that server, for the reason
    :class:`_Digest` gives. Never before a challenge: a Digest store would get the password
    in clear."""

    def retry_http_basic_auth(self, host: str, req: urllib.request.Request,
                              realm: str) -> Any:
        try:
            response = super().retry_http_basic_auth(host, req, realm)
        except urllib.error.HTTPError as err:
            if err.code != 401:
                self._taken(req)
            raise
        if response is not None and response.status != 401:
            self._taken(req)
        return response

    def _taken(self, req: urllib.request.Request) -> None:
        parts = urllib.parse.urlsplit(req.full_url)
        if isinstance(self.passwd, urllib.request.HTTPPasswordMgrWithPriorAuth):  # _opener's
            self.passwd.update_authenticated(f"{parts.scheme}://{parts.netloc}/", True)


def _opener(url: str, auth: Credentials | None) -> urllib.request.OpenerDirector:
    """An opener that answers Basic and Digest challenges with ``auth`` for ``url``'s
    server only (scheme, host and port), never for a server it is redirected to; after
    the first challenge, later requests carry their answer from the start."""
    handlers: list[urllib.request.BaseHandler] = [_Rewind()]
    if auth is not None:
        parts = urllib.parse.urlsplit(url)
        manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
        manager.add_password(None, f"{parts.scheme}://{parts.netloc}/", auth.user,
                             auth.password)
        handlers += [_Digest(manager), _Basic(manager)]
    return urllib.request.build_opener(*handlers)


def _probe(url: str, opener: urllib.request.OpenerDirector, timeout: float) -> int | None:
    """``HEAD url``, before a big request: it meets the store's authentication challenge
    with no body to send (see :class:`_Digest`), and shows whether the target exists.
    Returns the status (None: no answer, left to the real request); refused credentials
    fail here."""
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": _USER_AGENT})
    try:
        with opener.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        if err.code == 401:
            raise _http_error(err, "push", url, request) from None
        return err.code
    except (OSError, http.client.HTTPException):
        return None


# -- binding parameters without splicing -------------------------------------------------------


def values_clause(bindings: Bindings) -> str:
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


def bind_clause(bindings: Bindings) -> str:
    """``BIND(<iri> AS ?a) BIND("text"@en AS ?b)``: the terms written as in
    :func:`values_clause` (checked the same way)."""
    values_clause(bindings)  # refuses what cannot be sent
    return " ".join(f"BIND({term} AS {variable})" for variable, term in bindings.items())


def bind_remote(text: str, bindings: Bindings | None) -> str:
    """The query ``text`` with ``bindings`` applied as ``BIND``s opening its top-level group.

    A remote endpoint has nothing like pyoxigraph's ``substitutions``, so the values travel
    in the query as data (:func:`bind_clause`), never as spliced user text. They are put
    first inside the query's top-level group (``WHERE { BIND(... AS ?kind) <the rest> }``),
    so the top-level ``FILTER``s and ``BIND``s see the parameter, as they do with
    ``substitutions``. A *trailing* ``VALUES`` after the query would be joined only after
    those filters ran: ``queries/notes.rq`` filters on ``?kind`` and returned no rows at all
    that way. Not a ``VALUES`` block in that place either, though it means the same: with
    one there, Virtuoso 7.2 drops 27 of the 164 rows of ``queries/notes.rq`` (those whose
    OPTIONAL source lines matched). Where there is no top-level group to open (``CONSTRUCT
    WHERE`` short form, ``DESCRIBE <iri>``) a ``VALUES`` block is appended at the end, as
    SPARQL allows.

    The query is read as :mod:`vrgraph.sparql_guard` reads it (no second lexer here), and
    the canonical text is what is sent.
    """
    checked = guard(text)
    if not bindings:
        return checked.text
    code, tokens, starts = checked.text, checked.tokens, checked.starts
    words = [t.text.upper() if t.kind == "word" else t.text for t in tokens]
    start = _group_to_open(words)
    if start is None:
        return f"{code}\n{values_clause(bindings)}\n"
    block = bind_clause(bindings)
    inside = starts[start] + 1
    if start + 1 < len(words) and words[start + 1] == "SELECT":
        # `WHERE { SELECT ... }`: a group holding a sub-select takes nothing beside it,
        # so nest it: `WHERE { BIND(...) { SELECT ... } }`.
        end = starts[_closing(words, start)]
        return f"{code[:inside]} {block} {{{code[inside:end]}}} {code[end:]}"
    return f"{code[:inside]} {block} {code[inside:]}"


def _group_to_open(words: list[str]) -> int | None:
    """The token index of the ``{`` that opens the query's top-level group, or None (the
    short ``CONSTRUCT WHERE`` form, ``DESCRIBE <iri>``)."""
    form = next((i for i, w in enumerate(words) if w in ("SELECT", "CONSTRUCT", "DESCRIBE",
                                                         "ASK")), None)
    if form is None:
        return None
    pos = form + 1
    if words[form] == "CONSTRUCT":
        if pos < len(words) and words[pos] == "WHERE":
            return None  # short form: its braces are a template, nothing goes inside
        template = words.index("{", pos) if "{" in words[pos:] else None
        if template is None:
            return None
        pos = _closing(words, template) + 1
    depth = 0  # a SELECT clause may hold `(EXISTS { ... } AS ?x)`: not the group
    for i in range(pos, len(words)):
        if words[i] == "(":
            depth += 1
        elif words[i] == ")":
            depth -= 1
        elif words[i] == "{" and depth <= 0:
            return i
    return None


def _closing(words: list[str], start: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``start`` (the guard checked that
    every bracket closes)."""
    depth = 0
    for i in range(start, len(words)):
        depth += {"{": 1, "}": -1}.get(words[i], 0)
        if depth == 0:
            return i
    return len(words) - 1


# -- HTTP ----------------------------------------------------------------------------------------
def _check_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"{what} {url!r} is not an http(s) URL "
                            f"(for Oxigraph: http://127.0.0.1:7878/query, .../store)")
    if "@" in parts.netloc:
        # a password there would be in the shell's history, `ps` and every message
        raise EndpointError(f"{what}: give credentials with --user or ~/.netrc, not in "
                            f"the URL")
    return url


def _exchange(request: urllib.request.Request, what: str, timeout: float,
              opener: urllib.request.OpenerDirector | None = None
              ) -> tuple[str, bytes, int, Any]:
    """Send ``request`` and read the whole answer: (content type, body, status, headers).
    Every failure becomes one :class:`EndpointError` (or :class:`QueryError`) line."""
    url = request.full_url
    try:
        with (opener or _opener(url, None)).open(request, timeout=timeout) as response:
            return (response.headers.get_content_type(), response.read(), response.status,
                    response.headers)
    except urllib.error.HTTPError as err:
        raise _http_error(err, what, url, request) from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise EndpointError(f"{url}: no answer within {timeout:g} s ({what})") from None
        why = getattr(reason, "strerror", None) or str(reason)
        raise EndpointError(f"{url}: cannot reach the endpoint: {why}; is the server "
                            f"running and the URL right?") from None
    except TimeoutError:
        raise EndpointError(f"{url}: no answer within {timeout:g} s ({what})") from None
    except (http.client.HTTPException, OSError) as err:
        why = getattr(err, "strerror", None) or str(err) or type(err).__name__
        raise EndpointError(f"{url}: the connection failed during the {what}: {why}") from None


def _http_error(err: urllib.error.HTTPError, what: str, url: str,
                request: urllib.request.Request) -> VrgraphError:
    try:
        body = err.read(2000).decode("utf-8", "replace")
    except OSError:
        body = ""
    detail = " ".join(re.sub(r"<[^>]*>", " ", body).split())[:300] or err.reason
    status = f"HTTP {err.code} {err.reason}"
    if err.code == 400 and what == "query":
        return QueryError(f"{url} rejected the query: {detail}")
    if err.code == 401:
        host = urllib.parse.urlsplit(url).hostname
        if request.get_header("Authorization"):
            return EndpointError(f"{url}: the store refused the credentials ({status}); "
                                 f"check the user name and {PASSWORD_ENV} or ~/.netrc")
        return EndpointError(f"{url} needs credentials ({status}): give --user NAME (the "
                             f"password from {PASSWORD_ENV} or a prompt) or a ~/.netrc "
                             f"entry for {host}")
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
    graph pushed with ``--graph``; otherwise the endpoint's default graph. ``auth``: sent
    when the endpoint asks (HTTP Basic or Digest).

    No answer is read cut: a SELECT is followed by a count of its solutions, and a store
    that sent fewer rows (a result cap, such as Virtuoso's ``ResultSetMaxRows``) makes it
    fail with :class:`IncompleteAnswer`; ``remote_validate.fetch`` pages past
    such a cap.
    """

    def __init__(self, endpoint: str, graph: str | None = None, timeout: float = 60.0,
                 auth: Credentials | None = None) -> None:
        self.endpoint = _check_url(endpoint, "endpoint")
        if graph is not None:
            _named(graph)
        self.graph = graph
        self.timeout = timeout
        self._opener = _opener(endpoint, auth)

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r}, graph={self.graph!r})"

    def _post(self, text: str, accept: str = _ACCEPT) -> tuple[str, bytes, Any]:
        form = [("query", text)] + ([("default-graph-uri", self.graph)] if self.graph else [])
        request = urllib.request.Request(
            self.endpoint, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                     "Accept": accept, "User-Agent": _USER_AGENT})
        kind, body, _, headers = _exchange(request, "query", self.timeout, self._opener)
        return kind, body, headers

    def query(self, query: str, substitutions: Bindings | None = None,
              use_default_graph_as_union: bool = True, **_: Any
              ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Run ``query`` remotely, binding ``substitutions`` with :func:`bind_remote`.

        Same answer types as ``pyoxigraph.Store.query``: solutions (SELECT), a boolean (ASK)
        or triples (CONSTRUCT / DESCRIBE, as a list). ``use_default_graph_as_union`` is
        accepted for that likeness only: the endpoint's dataset is what it serves.
        """
        text = bind_remote(query, substitutions)
        kind, body, headers = self._post(text)
        try:
            if kind in (RESULTS_JSON, "application/json"):
                answer = self._read_json(body)
                self._check_whole(text, answer, headers)
                return ox.parse_query_results(json.dumps(answer).encode("utf-8"),
                                              format=ox.QueryResultsFormat.JSON)
            if kind in _GRAPH_FORMATS:
                triples = [_canonical_triple(q.triple)
                           for q in ox.parse(body, format=_GRAPH_FORMATS[kind])]
                self._check_capped(headers, len(triples), "triples")
                return triples
        except SyntaxError as err:
            raise EndpointError(f"{self.endpoint}: unreadable {kind} answer: "
                                f"{err.msg or err}") from None
        raise EndpointError(f"{self.endpoint} answered {kind or 'nothing'}, not SPARQL "
                            f"results; is it a SPARQL query endpoint?")

    def _check_capped(self, headers: Any, got: int, what: str) -> None:
        """Virtuoso says it cut a result (``X-SPARQL-MaxRows``): fail, whatever the form."""
        cap = headers.get("X-SPARQL-MaxRows")
        if cap is not None:
            raise IncompleteAnswer(f"{self.endpoint}: the store cut its answer at {got:,} "
                                   f"{what}: {_RAISE_CAP.format(cap=cap)}")

    def _read_json(self, body: bytes) -> Any:
        """SPARQL 1.1 Query Results JSON, each boolean in its canonical form (Virtuoso
        writes ``"1"^^xsd:boolean``, the same value as ``"true"^^xsd:boolean``)."""
        try:
            answer = json.loads(body)
        except ValueError as err:
            raise EndpointError(f"{self.endpoint}: unreadable JSON answer: {err}") from None
        rows = answer.get("results", {}).get("bindings") if isinstance(answer, dict) else None
        for row in rows if isinstance(rows, list) else []:
            for cell in row.values() if isinstance(row, dict) else []:
                if (isinstance(cell, dict) and cell.get("datatype") == _BOOLEAN
                        and cell.get("value") in _BOOLEANS):
                    cell["value"] = _BOOLEANS[cell["value"]]
        return answer

    def _check_whole(self, text: str, answer: Any, headers: Any) -> None:
        """A SELECT's rows against a count of its solutions, asked separately."""
        rows = answer.get("results", {}).get("bindings") if isinstance(answer, dict) else None
        if not isinstance(rows, list):
            return  # an ASK answer (``boolean``); the parser judges anything else
        checked = guard(text)
        form = next((i for i, t in enumerate(checked.tokens) if t.kind == "word" and
                     t.text.upper() in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")), None)
        if form is None or checked.tokens[form].text.upper() != "SELECT":
            self._check_capped(headers, len(rows), "rows")
            return
        code, at = checked.text, checked.starts[form]
        counted = f"{code[:at]}SELECT (COUNT(*) AS ?vrgraphRows) WHERE {{ {code[at:]} }}"
        _, body, _ = self._post(counted, RESULTS_JSON)
        try:
            expected = int(json.loads(body)["results"]["bindings"][0]["vrgraphRows"]["value"])
        except (ValueError, LookupError, TypeError):
            raise EndpointError(f"{self.endpoint}: unreadable answer to a row count") from None
        if len(rows) != expected:
            cap = headers.get("X-SPARQL-MaxRows") or len(rows)
            raise IncompleteAnswer(
                f"{self.endpoint}: the store returned {len(rows):,} of {expected:,} rows: "
                f"{_RAISE_CAP.format(cap=cap)}")
        self._check_capped(headers, len(rows), "rows")

    def run(self, text: str, bindings: Bindings | None = None, where: str = "query"
            ) -> Table | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
        """An ad-hoc query, as :func:`vrgraph.query.run` (SELECT gives a ``Table``)."""
        from .query import run
        return run(self, text, bindings, where)

    def run_canned(self, query: CannedQuery, values: dict[str, str] | None = None) -> Table:
        """A canned query with its parameters, as :func:`vrgraph.query.run_canned`; gives
        a :class:`vrgraph.query.Table`. Parameter values are looked up on the endpoint."""
        from .query import run_canned
        return run_canned(self, query, values)

    def count(self) -> int:
        """How many triples the endpoint's (default) graph holds."""
        _, body, _ = self._post("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", RESULTS_JSON)
        try:
            return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        except (ValueError, LookupError, TypeError):
            raise EndpointError(f"{self.endpoint}: unreadable answer to a count") from None


_RAISE_CAP = ("it caps answers at {cap} (Virtuoso: raise ResultSetMaxRows in the [SPARQL] "
              "section of virtuoso.ini), or ask for less")
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEANS = {"1": "true", "0": "false"}  # https://www.w3.org/TR/xmlschema11-2/#boolean


def _canonical_triple(triple: ox.Triple) -> ox.Triple:
    """``triple`` with a boolean object in canonical form (see ``RemoteStore._read_json``)."""
    o = triple.object
    if isinstance(o, ox.Literal) and o.datatype.value == _BOOLEAN and o.value in _BOOLEANS:
        return ox.Triple(triple.subject, triple.predicate,
                         ox.Literal(_BOOLEANS[o.value], datatype=o.datatype))
    return triple


def _triple(row: dict[str, dict[str, str]]) -> ox.Triple:
    """A triple from a row ``s``, ``p``, ``o`` of SPARQL 1.1 Query Results JSON; a
    :class:`TypeError` if it is none (a literal subject, a predicate not an IRI)."""
    s, p, o = (_term(row[v]) for v in "spo")
    if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
        raise TypeError(f"not a triple: {s} {p} {o}")
    return ox.Triple(s, p, o)


def _term(cell: dict[str, str]) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An RDF term from its SPARQL 1.1 Query Results JSON form. Blank node labels are
    taken as the store gives them (Virtuoso: ``nodeID://b10001``), made N-Triples-safe."""
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", value))
    if "xml:lang" in cell:
        return ox.Literal(value, language=cell["xml:lang"])
    if cell.get("datatype") == _BOOLEAN:
        value = _BOOLEANS.get(value, value)
    return ox.Literal(value, datatype=ox.NamedNode(cell["datatype"]) if "datatype" in cell
                      else None)


def remote_store(endpoint: str, graph: str | None = None, timeout: float = 60.0,
                 user: str | None = None, prompt: Callable[[str], str | None] | None = None
                 ) -> RemoteStore:
    """A :class:`RemoteStore` for the SPARQL query endpoint ``endpoint``, with the
    :func:`credentials` of ``user`` (or from ~/.netrc)."""
    _check_url(endpoint, "endpoint")
    return RemoteStore(endpoint, graph, timeout, credentials(endpoint, user, prompt))


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
                timeout: float = 600.0, auth: Credentials | None = None) -> str | None:
    """Replace the graph (default or ``graph``) at Graph Store endpoint ``endpoint`` with
    ``triples`` (HTTP PUT, N-Triples, spooled through a temporary file so a big graph is
    not held twice in memory). A store without a default graph (Virtuoso answers 500 to
    ``HEAD ?default``) gets :data:`DEFAULT_GRAPH` instead. Returns the graph written (None: the
    default graph)."""
    opener = _opener(endpoint, auth)
    status = _probe(graph_url(endpoint, graph), opener, timeout)
    if graph is None and status is not None and status >= 500:
        graph = DEFAULT_GRAPH  # no default graph here (Virtuoso): our own named graph
        _probe(graph_url(endpoint, graph), opener, timeout)
    with tempfile.TemporaryFile() as spool:
        ox.serialize(triples, spool, format=ox.RdfFormat.N_TRIPLES)
        size = spool.tell()
        put_bytes(graph_url(endpoint, graph), spool, size, timeout, opener)
    return graph


def put_bytes(url: str, body: IO[bytes] | bytes, size: int, timeout: float = 600.0,
              opener: urllib.request.OpenerDirector | None = None) -> int:
    request = urllib.request.Request(
        url, data=body, method="PUT",
        headers={"Content-Type": N_TRIPLES, "Content-Length": str(size),
                 "User-Agent": _USER_AGENT})
    return _exchange(request, "push", timeout, opener)[2]


def push(st: ox.Store, endpoint: str, graph: str | None = None, timeout: float = 600.0,
         auth: Credentials | None = None) -> tuple[int, str | None]:
    """Push every triple of ``st`` (its graphs merged) to ``endpoint``; returns the triple
    count and the graph written (None: the default graph)."""
    graph_url(endpoint, graph)  # refuse a bad URL or graph IRI before any work
    triples = {q.triple for q in st}
    written = put_triples(endpoint, triples, graph, timeout, auth)
    return len(triples), written
