"""A SPARQL 1.1 query endpoint that answers like ``pyoxigraph.Store``: the query operation
of the SPARQL 1.1 Protocol, section 2.1 (https://www.w3.org/TR/sparql11-protocol/#query-operation:
POST, URL-encoded ``query`` and ``default-graph-uri``), its answers read from SPARQL 1.1 Query
Results JSON (https://www.w3.org/TR/sparql11-results-json/) or N-Triples / Turtle, and never
read cut (:class:`~vrgraph.remote.client.IncompleteAnswer`).
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..sparql_guard import guard
from ..store import Bindings
from .bind import bind_remote
from .client import (
    _ACCEPT,
    _GRAPH_FORMATS,
    _USER_AGENT,
    RESULTS_JSON,
    Credentials,
    EndpointError,
    IncompleteAnswer,
    _check_url,
    _exchange,
    _named,
    _opener,
    credentials,
)

if TYPE_CHECKING:
    from ..query import Table
    from ..query.canned import CannedQuery


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
        from ..query import run
        return run(self, text, bindings, where)

    def run_canned(self, query: CannedQuery, values: dict[str, str] | None = None) -> Table:
        """A canned query with its parameters, as :func:`vrgraph.query.run_canned`; gives
        a :class:`vrgraph.query.Table`. Parameter values are looked up on the endpoint."""
        from ..query import run_canned
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
