"""One query of ``vrgraph serve``, as a worker process runs it: check, bind, query, stop at
the row cap, serialise in the negotiated format.

A :class:`Job` goes to a worker and a :class:`Reply` comes back, both plain picklable data;
the worker never raises, so every failure is a reply with a status and a one-line message.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from .. import sandbox
from ..errors import QueryError
from ..query import execute as run_query
from ..query.binding import bind
from ..query.canned import CannedQuery
from . import formats as fmt

T = TypeVar("T")

TRUNCATED = "X-Vrgraph-Truncated"
MAX_ROWS = "X-Vrgraph-Max-Rows"


DESCRIBE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
CONSTRUCT { ?resource ?p ?o . ?o ?label ?name . ?o ?bp ?bo . ?s ?q ?resource }
WHERE {
  { ?resource ?p ?o }
  UNION { ?resource ?p ?o . ?o ?label ?name
          FILTER(isIRI(?o) && ?label IN (rdfs:label, skos:prefLabel, dcterms:title)) }
  UNION { ?resource ?p ?o . FILTER(isBlank(?o)) ?o ?bp ?bo }
  UNION { ?s ?q ?resource . FILTER(isBlank(?s)) }
}"""
"""A resource's description for ``/doc/...``: what it says, the labels of what it links to,
and its blank nodes (qualified alignments, evidence) one level deep."""


@dataclass
class Job:
    """A query to run: ad-hoc ``text``, the canned query ``name`` with ``params``, or the
    description of the ``resource`` IRI."""

    accept: str | None
    max_rows: int
    text: str | None = None
    name: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    resource: str | None = None


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    log: str | None = None  # a traceback for the server log, never sent to the client

    @classmethod
    def error(cls, status: int, message: str, **headers: str) -> Reply:
        return cls(status, (message.rstrip() + "\n").encode("utf-8"),
                   headers={k.replace("_", "-"): v for k, v in headers.items()})


@dataclass
class WorkerState:
    """What each worker holds: the reasoned store and the canned queries."""

    store: ox.Store
    queries: dict[str, CannedQuery]
    prefixes: dict[str, str] = field(default_factory=dict)  # declared for a query's text


def execute(state: WorkerState, job: Job) -> Reply:
    """Run ``job`` on the union of the store's graphs; never raises."""
    try:
        return _execute(state, job)
    except QueryError as err:
        return Reply.error(getattr(err, "status", 400), str(err))
    except Exception as err:  # noqa: BLE001 - reported as a 500, traceback to the server log
        if sandbox.refused(err):   # the file lock refused a socket or file: 403, not 500
            return Reply.error(403, sandbox.REFUSED)
        return Reply(500, f"internal error ({type(err).__name__}); see the server log\n"
                     .encode(), log=traceback.format_exc())


def _execute(state: WorkerState, job: Job) -> Reply:
    if job.name is not None:
        canned = state.queries[job.name]
        text, where = canned.text, f"query '{job.name}'"
        bindings = bind(state.store, canned, job.params)
    elif job.resource is not None:
        text, where = DESCRIBE, "description"
        bindings = {ox.Variable("resource"): ox.NamedNode(job.resource)}
    else:
        text, where, bindings = job.text or "", "query", None
    # the server checked already (403); run_query checks again, as a second lock
    result = run_query(state.store, text, bindings, where, outside=True,
                       prefixes=state.prefixes if job.text is not None else None)
    if isinstance(result, ox.QueryBoolean):
        chosen = fmt.negotiate(job.accept, fmt.SOLUTION_FORMATS)
        if chosen is None:
            return _not_acceptable("an ASK result", fmt.SOLUTION_FORMATS)
        return Reply(200, fmt.boolean(chosen, result), chosen.content_type)
    if isinstance(result, ox.QuerySolutions):
        chosen = fmt.negotiate(job.accept, fmt.SOLUTION_FORMATS)
        if chosen is None:
            return _not_acceptable("SELECT results", fmt.SOLUTION_FORMATS)
        names = [v.value for v in result.variables]
        rows, truncated = _take(([row[n] for n in names] for row in result), job.max_rows)
        note = _note(job.max_rows, "rows") if truncated else None
        body = fmt.solutions(chosen, names, rows, note)
        return Reply(200, body, chosen.content_type, _cap_headers(truncated, job.max_rows))
    chosen = fmt.negotiate(job.accept, fmt.GRAPH_FORMATS)
    if chosen is None:
        return _not_acceptable("a CONSTRUCT or DESCRIBE result", fmt.GRAPH_FORMATS)
    triples, truncated = _take(iter(result), job.max_rows)
    message = _message(job.max_rows, "triples") if truncated else None
    return Reply(200, fmt.graph(chosen, triples, message), chosen.content_type,
                 _cap_headers(truncated, job.max_rows))


def _take(items: Iterable[T], limit: int) -> tuple[list[T], bool]:
    """The first ``limit`` items and whether there were more (reads one past the cap)."""
    out: list[T] = []
    for item in items:
        if len(out) == limit:
            return out, True
        out.append(item)
    return out, False


def _message(limit: int, what: str) -> str:
    return (f"results truncated: only the first {limit} {what} are given (the server's row "
            f"cap, --max-rows); add LIMIT/OFFSET or narrow the query to see the rest")


def _note(limit: int, what: str) -> dict[str, object]:
    return {"truncated": True, "maxRows": limit, "message": _message(limit, what)}


def _cap_headers(truncated: bool, limit: int) -> dict[str, str]:
    return {TRUNCATED: "true" if truncated else "false", MAX_ROWS: str(limit)}


def _not_acceptable(what: str, offers: Iterable[fmt.Format]) -> Reply:
    return Reply.error(406, f"cannot give {what} in any type the Accept header allows; "
                            f"offered: {fmt.offered(offers)}")
