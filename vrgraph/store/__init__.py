"""Load RDF files into an in-memory Oxigraph store, strictly: stage 4 of the pipeline.

Oxigraph's parsers reject what rdflib's lets through (spaces in IRIs, a literal as subject)
and report the line and column, so every file a user gives is parsed here first, inside
Oxigraph and straight into its named graph (no Python object per triple: at a million
triples that halves the time and takes a third of the memory). Each file is first held to
the budgets of :mod:`vrgraph.bounds` (size, nesting depth, XML entities: see
:mod:`vrgraph.store.syntax`). Asserted triples live in the
``ASSERTED`` named graph, the ontology in ``ONTOLOGY``, what reasoning adds in
``INFERRED`` and what is computed once for the queries in ``DERIVED``; queries see their
union as the default graph. ``disk`` keeps the whole on disk between commands.
See ``docs/engines.md`` for why Oxigraph is the embedded engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, overload

import pyoxigraph as ox

from .. import bounds
from ..errors import InputError, located
from ..namespaces import VOID_URI_SPACE, Base
from ..project import Project
from . import syntax

if TYPE_CHECKING:  # rdflib is imported where a conversion needs it, not by every query
    from rdflib import Graph, Literal
    from rdflib.term import Node

ASSERTED = ox.NamedNode("https://w3id.org/vrgraph/graph/asserted")
ONTOLOGY = ox.NamedNode("https://w3id.org/vrgraph/graph/ontology")
INFERRED = ox.NamedNode("https://w3id.org/vrgraph/graph/inferred")
# what is computed once from the reasoned graph for the queries (vrgraph.evidence)
DERIVED = ox.NamedNode("https://w3id.org/vrgraph/graph/derived")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple      # a term pyoxigraph gives
Bindings = dict[ox.Variable, Term]                                # a query's substitutions
Answer = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]


class Queryable(Protocol):
    """What a query runs on: a pyoxigraph ``Store``, or a ``remote.endpoint.RemoteStore``
    (which gives a graph as a list of triples)."""

    def query(self, query: str, /, *, substitutions: Bindings | None = ...,
              use_default_graph_as_union: bool = ...) -> Answer: ...


def lexical(term: Term | None) -> str | None:
    """A term's lexical value (an IRI, a literal's text, a blank node's label; a triple
    term as N-Triples writes it); None for an unbound one."""
    if term is None:
        return None
    return str(term) if isinstance(term, ox.Triple) else term.value


def count(store: ox.Store, query: str, union: bool = True) -> int:
    """The number a query ``SELECT (COUNT(...) AS ?n) ...`` gives (on the union of the
    store's graphs, unless ``union`` is false)."""
    n = next(iter(solutions(store.query(query, use_default_graph_as_union=union))))["n"]
    if not isinstance(n, ox.Literal):
        raise TypeError(f"not a count: {query}")
    return int(n.value)


def triples(result: Answer) -> list[ox.Triple]:
    """The triples of a CONSTRUCT's or DESCRIBE's ``result`` (a query of this package's
    own; any other form is a bug, not bad input)."""
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        raise TypeError(f"expected the triples of a CONSTRUCT, not {type(result).__name__}")
    return list(result)


def serialize(triples: Iterable[ox.Triple], fmt: ox.RdfFormat,
              prefixes: dict[str, str] | None = None) -> bytes:
    """``triples`` written in ``fmt`` (given no output file, pyoxigraph returns the bytes)."""
    data = ox.serialize(triples, format=fmt, prefixes=prefixes)
    assert data is not None
    return data


def solutions(result: Answer) -> ox.QuerySolutions:
    """The rows of a SELECT's ``result`` (a query of this package's own; any other form is
    a bug, not bad input)."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected the solutions of a SELECT, not {type(result).__name__}")
    return result

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML, ".n3": ox.RdfFormat.N3,
}


def format_of(path: Path, display: str) -> ox.RdfFormat:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{display}: unknown RDF file type {path.suffix!r}; use one of "
                         f"{', '.join(sorted(_FORMATS))}")
    return fmt


def malformed(err: SyntaxError, display: str, fmt: ox.RdfFormat, data: bytes,
              before: int = 0) -> InputError:
    """The parser's ``err`` on ``data`` (which follows ``before`` lines of its file) as an
    :class:`InputError` naming the file, line and column."""
    message = re.sub(r"^Parser error at line \d+ (?:between )?columns? \d+(?: and \d+)?: ",
                     "", err.msg or str(err))
    line, column = err.lineno, err.offset
    if line is None:
        line, column = syntax.locate(data, message)
    if line is not None:
        line += before
    return InputError(located(display, line, f"malformed {fmt.name}: {message}", column))


def too_long(err: MemoryError, display: str, data: bytes, before: int = 0) -> InputError:
    """Oxigraph's ``MemoryError`` at a token beyond its buffer, as an error with the file,
    line and column where the token starts; any other is re-raised."""
    if "buffer maximal size" not in str(err):
        raise err
    line, column = syntax.long_token(data)
    if line is not None:
        line += before
    return InputError(located(display, line, f"a literal, IRI or other token longer than "
                                             f"{bounds.size(bounds.TOKEN_BYTES)}; refused "
                                             f"(split it, or link to it)", column))


def read(path: Path, display: str, fmt: ox.RdfFormat) -> bytes:
    """The bytes of one RDF file, checked against the budgets (:mod:`vrgraph.bounds`):
    size, nesting depth and, for RDF/XML, XML entities; a UTF-8 byte-order mark is
    dropped, any other refused."""
    data = bounds.strip_bom(bounds.read_rdf(path, display), display)
    if fmt == ox.RdfFormat.RDF_XML:
        syntax.check_rdfxml(data, display)
    elif fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3):
        syntax.check_nesting(data, display)
    return data


def parse_file(path: Path, display: str | None = None) -> list[ox.Quad]:
    """Parse one RDF file strictly; raise :class:`InputError` with file:line:column."""
    display = display or str(path)
    fmt = format_of(path, display)
    data = read(path, display, fmt)
    try:
        return list(ox.parse(data, format=fmt, base_iri=path.resolve().as_uri()))
    except SyntaxError as err:
        raise malformed(err, display, fmt, data) from None
    except MemoryError as err:
        raise too_long(err, display, data) from None


def add_file(store: ox.Store, path: Path, graph: ox.NamedNode, display: str | None = None,
             exact: bool = False) -> None:
    """Parse one RDF file strictly into ``graph`` of ``store``: all of it, or nothing and an
    :class:`InputError` with file:line:column. Triple formats are parsed inside Oxigraph
    (``Store.load``, one transaction), without a Python object per triple; the quads of a
    dataset format (TriG, N-Quads) and the formulas of N3 are put into ``graph`` as well.
    With ``exact``, every literal keeps its lexical form and datatype (see :func:`lossy`)."""
    display = display or str(path)
    fmt = format_of(path, display)
    if exact or fmt.supports_datasets or fmt == ox.RdfFormat.N3:
        quads = parse_file(path, display)
        stand_ins = lossy({q.object for q in quads if isinstance(q.object, ox.Literal)}) \
            if exact else {}
        if stand_ins:
            store.add_graph(EXACT)
        store.extend(ox.Quad(q.subject, q.predicate, stand_ins.get(q.object, q.object)
                             if isinstance(q.object, ox.Literal) else q.object, graph)
                     for q in quads)
        return
    data = read(path, display, fmt)
    try:
        store.load(data, format=fmt, base_iri=path.resolve().as_uri(), to_graph=graph)
    except SyntaxError as err:
        raise malformed(err, display, fmt, data) from None
    except MemoryError as err:
        raise too_long(err, display, data) from None


def load(files: list[Path], ontology: list[Path], root: Path | None = None,
         exact: Sequence[Path] = ()) -> ox.Store:
    """A store holding ``files`` in ASSERTED and ``ontology`` in ONTOLOGY; the literals of
    the ``exact`` files among them keep their lexical forms (see :func:`lossy`)."""
    store = ox.Store()
    for graph, paths in ((ASSERTED, files), (ONTOLOGY, ontology)):
        for path in paths:
            add_file(store, path, graph, display(path, root), exact=path in exact)
    return store


# Oxigraph's store keeps the value of a literal of a datatype it knows, not its lexical
# form: "4.0"^^xsd:decimal comes back as "4", "3"^^xsd:byte as "3"^^xsd:integer. A SHACL
# result must give the data's own term, and sh:datatype, sh:in or sh:minLength depend on
# it. Such literals are stored with a stand-in datatype that keeps them whole: KEPT
# followed by the real datatype's IRI. The graph EXACT (empty) marks a store holding any.
KEPT = "urn:vrgraph:kept:"
EXACT = ox.NamedNode("urn:vrgraph:graph:exact")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_lossy_cache: dict[ox.Literal, ox.Literal | None] = {}


def lossy(literals: set[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """Each of ``literals`` that Oxigraph's store would change, mapped to its stand-in."""
    typed = [lit for lit in literals if lit not in _lossy_cache
             and lit.datatype.value.startswith(_XSD) and lit.datatype.value != _XSD_STRING]
    if typed:
        scratch, p = ox.Store(), ox.NamedNode("urn:p")
        scratch.extend(ox.Quad(ox.NamedNode(f"urn:{i}"), p, lit) for i, lit in enumerate(typed))
        for q in scratch:
            lit = typed[int(q.subject.value[4:])]
            _lossy_cache[lit] = None if q.object == lit else ox.Literal(
                lit.value, datatype=ox.NamedNode(KEPT + lit.datatype.value))
    out = {}
    for lit in literals:
        stand_in = _lossy_cache.get(lit)
        if stand_in is not None:
            out[lit] = stand_in
    return out


def by_value(store: ox.Store) -> ox.Store:
    """A copy of ``store`` with each stand-in literal back in its real datatype (so held by
    value, "3"^^xsd:byte as 3): for SPARQL queries written against the data as it is."""
    copy = ox.Store()
    copy.extend(ox.Quad(q.subject, q.predicate, original(q.object), q.graph_name) for q in store)
    return copy


@overload
def original(term: Term) -> Term: ...
@overload
def original(term: None) -> None: ...
def original(term: Term | None) -> Term | None:
    """The data's own term for a stand-in literal (see :data:`KEPT`); any other as it is."""
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(KEPT):
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value[len(KEPT):]))
    return term


def display(path: Path, root: Path | None) -> str:
    """``path`` as messages give it: relative to ``root`` where it lies inside."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def base_of(st: Queryable) -> Base:
    """The base IRI the graph in ``st`` was built under (its ``void:uriSpace``), or the
    default where it records none (a user's own files)."""
    rows = list(solutions(st.query(f"SELECT ?space WHERE {{ ?d <{VOID_URI_SPACE}> ?space }} "
                                   f"ORDER BY ?space LIMIT 1", use_default_graph_as_union=True)))
    return Base.from_uri_space(rows[0][0].value) if rows else Base()


def to_rdflib(term: Term) -> Node:
    """Convert an Oxigraph term to rdflib (a stand-in literal to the data's own); a triple
    term (RDF 1.2), which rdflib cannot hold, is an :class:`InputError`."""
    from rdflib import BNode, Literal, URIRef

    term = original(term)
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise InputError(f"a triple term ({term}) cannot be read here: RDF 1.2 triple terms "
                         f"are not supported")
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)  # RDF 1.1: a simple literal is an xsd:string
    # as written: rdflib would turn "1"^^xsd:boolean into "true", "01"^^xsd:integer into "1"
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def read_graph(files: list[Path]) -> Graph:
    """``files`` parsed strictly (file:line:column on an error) into one rdflib graph,
    each literal as written."""
    from rdflib import Graph

    g = Graph()
    for path in files:
        for q in parse_file(path):
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


@overload
def to_ox(term: Literal) -> ox.Literal: ...
@overload
def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal: ...
def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to Oxigraph."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def graph(store: ox.Store, *graphs: ox.NamedNode) -> Graph:
    """The named ``graphs`` of ``store`` (all of them if none) as one rdflib graph."""
    from rdflib import Graph

    g = Graph()
    names = graphs or (ASSERTED, ONTOLOGY, INFERRED, DERIVED)
    cache: dict[Term, Node] = {}

    def term(t: Term) -> Node:
        node = cache.get(t)
        if node is None:
            node = cache[t] = to_rdflib(t)
        return node

    add = g.add
    for name in names:
        for q in store.quads_for_pattern(None, None, None, name):
            add((term(q.subject), term(q.predicate), term(q.object)))
    return g


def from_rdflib(g: Graph, into: ox.Store | None = None, graph_name: ox.NamedNode = ASSERTED
                ) -> ox.Store:
    """Copy an rdflib graph into a store's named graph."""
    store = into if into is not None else ox.Store()
    store.extend(to_quad(s, p, o, graph_name) for s, p, o in g)
    return store


def to_quad(s: Node, p: Node, o: Node, graph_name: ox.NamedNode) -> ox.Quad:
    """An rdflib triple as an Oxigraph quad; a generalised triple (a literal subject, a
    predicate that is not an IRI) is an :class:`InputError`."""
    subject, predicate = to_ox(s), to_ox(p)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise InputError(f"not an RDF triple: {s.n3()} {p.n3()} {o.n3()}")
    return ox.Quad(subject, predicate, to_ox(o), graph_name)


def recorded_base(project: Project) -> Base:
    """The base IRI recorded in the built graph (the default if there is none yet)."""
    if not project.graph.is_file():
        return Base()
    return base_of(load([project.graph], [], project.root))

