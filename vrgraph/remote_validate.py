"""Validation where the data lives: ``validate --endpoint`` and ``report --endpoint`` run the
compiled SHACL checks (``vrgraph.validate.compiled``) as SPARQL queries on the endpoint (an
Oxigraph server, Virtuoso), and only their answers come home. A late stage beside
``remote``: it uses ``remote``, ``reason``, ``store`` and ``validate``.

Local validation reads the graph with the ontology and what ``vrgraph.reason`` concludes
from it. The store answers the same only if it holds exactly that (``vrgraph push``, which
is ``--reasoned`` by default), so that is checked first, on the store: every triple of the
ontology without blank nodes is there, and no rule of the reasoner would add a triple (a
property implied by another, a two-link chain, a class implied by another). Then:

- each compiled core check runs as one query on the store (``Check.query``), read in
  pages past a store's row cap (Virtuoso's ``ResultSetMaxRows``) under a total order;
- each SHACL-SPARQL constraint that runs once over the whole graph (``SparqlCheck.once``)
  runs there too, pre-bound as locally, with its focus nodes read on the store;
- each focus node's source lines are read there, in chunks.

What the store cannot answer is said, never skipped: the graph lacks the ontology or is not
reasoned (pushed ``--no-reasoned``), a shape the compiler leaves to pySHACL, a SPARQL
constraint that must run per focus node or read the shapes graph, ``--engine pyshacl``, a
query the store refuses (a Virtuoso limitation), a blank focus node in a ``--format
turtle`` report. Then the graph is copied home and validated there as before
(:func:`copy_for_validation`), and the reason is given to ``say``. The results equal the
local ones, result for result and in the same order (``tests/test_remote.py``,
``tests/test_virtuoso.py``).

Every query sent is ours, read by ``vrgraph.sparql_guard`` before it leaves, with the
endpoint's timeout at least :data:`QUERY_TIMEOUT` seconds and at most :data:`MAX_ROWS` rows
read for one check.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from . import reason, sandbox
from . import store as st
from .errors import VrgraphError
from .findings import _order
from .namespaces import SH
from .project import Project
from .remote.client import (
    _GRAPH_FORMATS,
    N_TRIPLES,
    RESULTS_JSON,
    TURTLE,
    EndpointError,
    IncompleteAnswer,
)
from .remote.endpoint import _RAISE_CAP, RemoteStore, _canonical_triple, _triple
from .sparql_guard import guard
from .validate import (
    CONFINED_MEMORY,
    CONFINED_TIMEOUT,
    WORKERS,
    Report,
    _Found,
    carries_sparql,
    core_shapes,
    lines_of,
    lines_query,
    validate,
)
from .validate.compiled import Check, compile_shapes, target_patterns
from .validate.prebinding import prebind
from .validate.shapes import check_shapes, name_of
from .validate.sparql import SparqlCheck
from .validate.sparql_shapes import collect, foreign_parameters

QUERY_TIMEOUT = 600.0
"""The longest one validation query may take on the endpoint, in seconds."""
PAGE = 10_000
"""Rows asked for at a time: Virtuoso's stock ``ResultSetMaxRows``; a lower cap is met."""
THREADS = 4
"""Queries sent at once."""
MAX_ROWS = 1_000_000
"""The most rows read for one check: more is refused with the reason."""
_CHUNK = 200  # IRIs or triples named in one query
_UNITED = 50  # triples of the ontology looked for in one query (a UNION of them)
_RULES = 10  # reasoning rules tested in one query: 50 took Virtuoso past 60 s at N=100
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
_TRUES = ("true", "1")  # a flag as Oxigraph and Virtuoso write it


class CannotAnswer(Exception):
    """The store cannot answer part of the validation; the message says which and why."""


@dataclass
class Outcome:
    """A validation of an endpoint's graph: the report, and whether it ran on the store
    (``in_store``) or on a copy fetched home (then ``reason`` says why)."""

    report: Report
    in_store: bool
    reason: str = ""


def validate_remote(remote: RemoteStore, project: Project, shapes: Graph,
                    engine: str = "sparql", rdf: bool = False,
                    say: Callable[[str], None] | None = None) -> Outcome:
    """Validate ``remote``'s graph against ``shapes`` on the store where it can answer
    (see the module docstring); otherwise on a copy, saying why to ``say``."""
    check_shapes(shapes)  # an ill-formed shape is refused before any query is sent
    try:
        if engine != "sparql":
            raise CannotAnswer(f"--engine {engine} validates a graph in memory")
        report = _in_store(_patient(remote), project, shapes, rdf)
        return Outcome(report, True)
    except CannotAnswer as why:
        reason = str(why)
    if say is not None:
        say(f"{remote.endpoint}: cannot validate in the store: {reason}; validating a copy "
            f"of its graph here instead")
    report = validate(copy_for_validation(remote, project), shapes, WORKERS, engine, rdf)
    return Outcome(report, False, reason)


def _patient(remote: RemoteStore) -> RemoteStore:
    """``remote`` waiting at least :data:`QUERY_TIMEOUT` for an answer."""
    out = copy.copy(remote)
    out.timeout = max(remote.timeout, QUERY_TIMEOUT)
    return out


# What the compiled checks need of the store's SPARQL, each asked with no data: a
# question, the answer SPARQL 1.1 gives, and what a store answering otherwise gets wrong
_PROBES = (
    ('SELECT (LANG("a"@en) AS ?x) WHERE {}', "en", "a literal's language tag"),
    ('SELECT (DATATYPE("1"^^<http://www.w3.org/2001/XMLSchema#integer>) AS ?x) WHERE {}',
     "http://www.w3.org/2001/XMLSchema#integer", "the datatype of a typed literal"),
    ("SELECT (IF(NOT EXISTS { FILTER(false) }, 1, 0) AS ?x) WHERE {}", "1",
     "EXISTS inside an expression (sh:xone, sh:or, sh:and, sh:not, sh:node)"),
)


def check_sparql(remote: RemoteStore) -> None:
    """Refuse (:class:`CannotAnswer`) a store whose SPARQL gives another answer than
    SPARQL 1.1 to one of :data:`_PROBES`."""
    for question, expected, what in _PROBES:
        rows = select(remote, question)
        if not rows or st.lexical(rows[0]["x"]) != expected:
            raise CannotAnswer(f"its SPARQL does not evaluate {what} as SPARQL 1.1 does")


def _in_store(remote: RemoteStore, project: Project, shapes: Graph, rdf: bool) -> Report:
    check_sparql(remote)
    ontology = ox.Store()
    st.add_file(ontology, project.ontology, st.ONTOLOGY, project.display(project.ontology))
    check_reasoned(remote, ontology)
    # what compiling reads of the data graph (sh:class takes subclasses): its subclass
    # triples, in a local store where the compiler also parses every query it writes
    probe = ox.Store()
    probe.extend(ox.Quad(r["a"], _SUBCLASS, r["b"]) for r in select(
        remote, f"SELECT DISTINCT ?a ?b WHERE {{ ?a <{_SUBCLASS.value}> ?b }}")
        if isinstance(r["a"], (ox.NamedNode, ox.BlankNode)) and r["b"] is not None)
    core, sparql = _sparql_checks(shapes, probe)
    compiled = compile_shapes(core, probe, foreign_parameters(shapes), portable=True)
    if compiled.skipped:
        names = ", ".join(name_of(s) for s in compiled.skipped[:3])
        raise CannotAnswer(f"{len(compiled.skipped)} shape(s) use constraints not compiled to "
                           f"SPARQL, left to pySHACL ({names})")
    for check in sparql:
        if not check.once or "shapesGraph" in check.bindings:
            raise CannotAnswer(f"the SPARQL constraint of shape {name_of(check.shape)} runs per "
                               "focus node or reads the shapes graph")
    found = _Found(shapes)
    # the store answers several queries at once; the results are taken in the checks' order
    with ThreadPoolExecutor(THREADS) as pool:
        answers = pool.map(lambda check: list(violations(remote, check)), compiled.checks)
        for core_check, found_here in zip(compiled.checks, answers):
            for component, focus, value in found_here:
                found.add(core_check.shape, SH[component], core_check.path, focus, value)
    for sparql_check in sparql:
        run_sparql(remote, sparql_check, shapes, found.add)
    return _report(remote, found, rdf)


def _sparql_checks(shapes: Graph, probe: ox.Store) -> tuple[Graph, list[SparqlCheck]]:
    """The core shapes and the SHACL-SPARQL constraints taken out of them. Where the
    shapes carry SPARQL, they are read as local validation reads them: their text through
    ``sandbox.gate`` in a confined child (the queries themselves then run on the store,
    read again by the guard before they leave)."""
    def read() -> tuple[Graph, list[SparqlCheck]]:
        core = core_shapes(shapes)
        return core, collect(shapes, core, target_patterns(shapes, probe, portable=True))
    if sandbox.held() is None and carries_sparql(shapes):
        return sandbox.run_confined(read, CONFINED_TIMEOUT, CONFINED_MEMORY)
    return read()


def check_reasoned(remote: RemoteStore, ontology: ox.Store) -> None:
    """Refuse (:class:`CannotAnswer`) a graph that is not the reasoned union local
    validation reads: the ontology's triples without blank nodes must be there, and none of
    the reasoner's rules (``reason.axioms``) may conclude a triple the graph lacks."""
    ground = sorted(str(q.triple) for q in ontology
                    if not isinstance(q.subject, ox.BlankNode)
                    and not isinstance(q.object, ox.BlankNode))
    # a UNION of the triples, not a VALUES block: Virtuoso 7.2 joins a VALUES block of
    # several rows with a pattern wrongly (347 of the ontology's triples not found so)
    found = 0
    for rows in _chunks(ground, _UNITED):
        united = " UNION ".join(f"{{ {t} }}" for t in rows)
        found += _count(remote, f"SELECT (COUNT(*) AS ?n) WHERE {{ {united} }}")
    if found < len(ground):
        raise CannotAnswer(f"its graph lacks {len(ground) - found} of the {len(ground)} "
                           "triples of the ontology (push it with `vrgraph push`, which adds "
                           "the ontology and what reasoning concludes)")
    for rules in _chunks(_rules(reason.axioms(ontology)), _RULES):
        ask = "SELECT ?rule WHERE { " + " UNION ".join(rules) + " } LIMIT 1"
        missing = select(remote, ask)
        if missing:
            raise CannotAnswer(f"its graph lacks what reasoning concludes ({st.lexical(missing[0]['rule'])}"
                               "; pushed with --no-reasoned?), which local validation reads")


def _rules(ax: reason.Axioms) -> list[str]:
    """One pattern per rule of ``ax``, matching a premise whose conclusion is missing and
    binding ``?rule`` to the rule's text."""
    out = []
    for p, implied in sorted(ax.properties.items()):
        for q, flipped in sorted(implied):
            conclusion, name = ("?o <{q}> ?s", f"inverse {q} of {p}") if flipped else (
                "?s <{q}> ?o", f"{q} from {p}")
            literal = "FILTER(!isLiteral(?o)) " if flipped else ""
            out.append(f"{{ ?s <{p}> ?o {literal}FILTER NOT EXISTS {{ "
                       f"{conclusion.format(q=q)} }} BIND({_string(name)} AS ?rule) }}")
    for q, p1, p2 in sorted(ax.chains):
        out.append(f"{{ ?s <{p1}> ?y . ?y <{p2}> ?o FILTER NOT EXISTS {{ ?s <{q}> ?o }} "
                   f"BIND({_string(f'{q} from the chain {p1} / {p2}')} AS ?rule) }}")
    for c, supers in sorted(ax.classes.items()):
        for d in sorted(supers):
            out.append(f"{{ ?s <{_RDF_TYPE}> <{c}> FILTER NOT EXISTS {{ ?s <{_RDF_TYPE}> <{d}> }} "
                       f"BIND({_string(f'class {d} from {c}')} AS ?rule) }}")
    return out


def _string(text: str) -> str:
    return str(ox.Literal(text))


def violations(remote: RemoteStore, check: Check
               ) -> Iterator[tuple[str, st.Term, st.Term | None]]:
    """(component, focus node, value node or None) for each violation of ``check``, found
    on the store (as ``Check.violations`` finds them locally)."""
    try:
        rows = select(remote, check.query)
    except CannotAnswer:
        if not check.apart:
            raise
        for part in check.apart:  # Virtuoso 7.2 fails to compile BIND(NOT EXISTS ...)
            yield from violations(remote, part)
        return
    single = len(check.components) == 1
    for row in rows:
        value = row["value"]
        for i, (component, keep) in enumerate(zip(check.components, check.keeps)):
            flag = row[f"f{i}"] if not single else None
            if (single or st.lexical(flag) in _TRUES) and (keep is None or keep(value)):
                this = row["this"]
                if this is None:
                    raise EndpointError(f"{remote.endpoint}: a row without its focus node")
                yield component, this, value


def run_sparql(remote: RemoteStore, check: SparqlCheck, shapes: Graph,
               add: Callable[..., None]) -> None:
    """A SHACL-SPARQL constraint that runs once over the whole graph, on the store: its
    solutions at the shape's focus nodes are results (as ``SparqlCheck.run``)."""
    text, blank = prebind(check.query, check.bindings)
    if blank:
        raise CannotAnswer(f"the SPARQL constraint of shape {name_of(check.shape)} is pre-bound "
                           "to a blank node, which no query sent can name")
    rows = select(remote, text)
    if not rows:
        return
    focus = {r["this"] for r in select(remote, f"SELECT DISTINCT ?this WHERE {{ {check.focus} }}")}
    names = [v.value for v in rows.variables]
    for row in rows:
        this = row["this"]
        if this is not None and this in focus:
            check._row(add, this, row, names)


def _report(remote: RemoteStore, found: _Found, rdf: bool) -> Report:
    """The report, as ``_Found.report`` makes it, with the source lines read on the store."""
    if rdf and any(isinstance(t[0], BNode) or isinstance(t[4], BNode) for t in found.terms):
        raise CannotAnswer("a blank focus node or value, which the turtle report describes "
                           "from the graph")
    lines: dict[str, str] = {}
    iris = sorted({str(t[0]) for t in found.terms if isinstance(t[0], URIRef)})
    for chunk in _chunks(iris, _CHUNK):
        lines.update(lines_of(select(remote, lines_query(set(chunk)))))
    for r in found.results:
        r.lines = lines.get(r.focus)
    conforms = not any(r.severity == "Violation" for r in found.results)
    # no blank node to describe: the report graph reads nothing of the data
    return Report(conforms, sorted(found.results, key=_order),
                  found.graph(ox.Store()) if rdf else None)


# -- reading answers ---------------------------------------------------------------------------
class Rows(list[ox.QuerySolution]):
    """The solutions of a SELECT, read whole, and its variables."""

    variables: list[ox.Variable]


def select(remote: RemoteStore, text: str) -> Rows:
    """Every solution of the SELECT ``text`` (our own, checked by the guard), past a row
    cap: asked for :data:`PAGE` rows; where the store gives a whole page or says it cut
    (``X-SPARQL-MaxRows``), read again in pages under a total order. A query the store
    refuses is :class:`CannotAnswer`; more than :data:`MAX_ROWS` rows too."""
    checked = guard(text, "a validation query")
    form = next(i for i, t in enumerate(checked.tokens)
                if t.kind == "word" and t.text.upper() == "SELECT")
    at = checked.starts[form]
    prologue, query = checked.text[:at], checked.text[at:]
    first, capped = _page(remote, f"{prologue}SELECT * WHERE {{ {{ {query} }} }} LIMIT {PAGE}")
    rows = Rows(first)
    rows.variables = list(first.variables)
    if len(rows) < PAGE and not capped:
        return rows
    size = len(rows) if capped else PAGE
    if size == 0:
        raise IncompleteAnswer(f"{remote.endpoint}: the store cut an answer to no rows: "
                               f"{_RAISE_CAP.format(cap=capped)}")
    order = " ".join(f"?{v.value}" for v in first.variables)
    out = Rows()
    out.variables = rows.variables
    while True:
        page, _ = _page(remote, f"{prologue}SELECT * WHERE {{ {{ SELECT * WHERE {{ {{ {query} }} }} "
                                f"ORDER BY {order} }} }} OFFSET {len(out)} LIMIT {size}")
        got = list(page)
        out += got
        if len(out) > MAX_ROWS:
            raise CannotAnswer(f"a check has more than {MAX_ROWS:,} results")
        if len(got) < size:
            return out


def _page(remote: RemoteStore, text: str) -> tuple[ox.QuerySolutions, str | None]:
    """One answer and the cap the store says it cut it at (None: not cut)."""
    try:
        kind, body, headers = remote._post(text, RESULTS_JSON)
    except VrgraphError as err:
        if "rejected the query" in str(err) or "query failed (HTTP 5" in str(err):
            raise CannotAnswer(f"the store refused a validation query ({err})") from None
        raise
    if kind not in (RESULTS_JSON, "application/json"):
        raise EndpointError(f"{remote.endpoint} answered {kind or 'nothing'} to a SELECT")
    answer = remote._read_json(body)
    try:
        rows = ox.parse_query_results(json.dumps(answer).encode("utf-8"),
                                      format=ox.QueryResultsFormat.JSON)
    except SyntaxError as err:
        raise EndpointError(f"{remote.endpoint}: unreadable answer: {err}") from None
    if not isinstance(rows, ox.QuerySolutions):
        raise EndpointError(f"{remote.endpoint}: a boolean answer to a SELECT")
    return rows, headers.get("X-SPARQL-MaxRows")


def _count(remote: RemoteStore, text: str) -> int:
    rows = select(remote, text)
    n = rows[0]["n"] if rows else None
    if not isinstance(n, ox.Literal):
        raise EndpointError(f"{remote.endpoint}: unreadable answer to a count")
    return int(n.value)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    return (items[i:i + size] for i in range(0, len(items), size))


# -- the copy, where the store cannot answer ---------------------------------------------------
def copy_for_validation(remote: RemoteStore, project: Project) -> ox.Store:
    """The endpoint's graph with the ontology, reasoned for validation: the graph fetched
    (:func:`fetch`), the local ontology added and reasoning run (a no-op on a graph pushed
    ``--reasoned``, which already holds its conclusions). Since reasoning leaves domains and
    ranges out, the reasoned union is exactly what local validation sees."""
    copied = fetch(remote)
    st.add_file(copied, project.ontology, st.ONTOLOGY, project.display(project.ontology))
    reason.materialise(copied)
    return copied


def fetch(remote: RemoteStore, into: ox.Store | None = None,
          graph_name: ox.NamedNode | None = None) -> ox.Store:
    """Copy every triple of the endpoint's graph into ``into`` (a new store if None),
    into ``graph_name`` (default ``store.ASSERTED``).

    The triples are counted first and read with one CONSTRUCT (N-Triples, or Turtle);
    a store that sends fewer (a result cap) is read again in pages of that many, in a
    stable order (a sorted sub-select: Virtuoso refuses ``OFFSET`` past its cap on a
    sorted query, not on one sorted inside). All of them, or :class:`IncompleteAnswer`.
    """
    target = into if into is not None else ox.Store()
    expected = remote.count()
    kind, body, _ = remote._post("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                 f"{N_TRIPLES}, {TURTLE};q=0.8")
    if kind not in _GRAPH_FORMATS:
        raise EndpointError(f"{remote.endpoint} answered {kind or 'nothing'} to a "
                            f"CONSTRUCT, not N-Triples or Turtle")
    try:
        triples = {_canonical_triple(q.triple)
                   for q in ox.parse(body, format=_GRAPH_FORMATS[kind])}
    except SyntaxError as err:
        raise EndpointError(f"{remote.endpoint}: unreadable {kind}: "
                            f"{err.msg or err}") from None
    if len(triples) < expected and triples:
        triples = _pages(remote, expected, len(triples))
    if len(triples) != expected:
        raise IncompleteAnswer(
            f"{remote.endpoint}: the store returned {len(triples):,} of {expected:,} "
            f"triples: {_RAISE_CAP.format(cap=len(triples))}")
    graph = graph_name or st.ASSERTED
    target.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    return target


def _pages(remote: RemoteStore, expected: int, size: int) -> set[ox.Triple]:
    """Every triple, at most ``size`` at a time, in a stable order; a page shorter than
    asked shows the store's cap, which the next pages keep to; an empty one ends."""
    out: set[ox.Triple] = set()
    offset = 0
    while offset < expected:
        _, body, _ = remote._post(
            "SELECT ?s ?p ?o WHERE { { SELECT ?s ?p ?o WHERE { ?s ?p ?o } "
            f"ORDER BY ?s ?p ?o }} }} OFFSET {offset} LIMIT {size}", RESULTS_JSON)
        try:
            page = [_triple(r) for r in json.loads(body)["results"]["bindings"]]
        except (LookupError, TypeError, ValueError) as err:
            raise EndpointError(f"{remote.endpoint}: unreadable page of triples: "
                                f"{err}") from None
        if not page:
            break
        out.update(page)
        offset += len(page)
        size = min(size, len(page))
    return out
