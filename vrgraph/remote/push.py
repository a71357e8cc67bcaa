"""Fill a store over the SPARQL 1.1 Graph Store HTTP Protocol: ``PUT`` a graph to
``?default`` or ``?graph=IRI`` (indirect graph identification, section 4.2,
https://www.w3.org/TR/sparql11-http-rdf-update/#indirect-graph-identification; HTTP PUT,
section 5.3, https://www.w3.org/TR/sparql11-http-rdf-update/#http-put), in N-Triples.
"""

from __future__ import annotations

import http.client
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import IO

import pyoxigraph as ox

from .client import (
    _USER_AGENT,
    N_TRIPLES,
    Credentials,
    _check_url,
    _exchange,
    _http_error,
    _named,
    _opener,
)

DEFAULT_GRAPH = "https://w3id.org/vrgraph/graph"  # pushed to where a store has no default graph


def _probe(url: str, opener: urllib.request.OpenerDirector, timeout: float) -> int | None:
    """``HEAD url``, before a big request: it meets the store's authentication challenge
    with no body to send (see :class:`vrgraph.remote.client._Digest`), and shows whether the target exists.
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
