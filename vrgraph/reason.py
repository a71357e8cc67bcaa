"""Materialise what the ontology implies: stage 5 of the pipeline.

The OWL 2 RL rules the graph needs, driven by the ontology's own axioms, so that a steward
who adds an axiom gets its entailments without code:

- ``prp-spo1``, ``prp-eqp1/2``, ``prp-inv1/2``: property hierarchy, equivalence, inverses;
- ``prp-spo2``: two-link property chains (the rule "an alignment stated once for a group of
  table rows applies to every action in that group", ``vr:inheritedAlignment``);
- ``cax-sco``, ``cax-eqc1/2``, ``cls-uni``: class hierarchy, equivalence and unions.

Rather than re-running every rule until nothing changes, the ontology's axioms (a few
hundred triples) are first closed here in Python: each property gets the set of properties
(and directions) it implies, each class the set of named classes it implies. The data is
then scanned once per rule kind by SPARQL updates that run inside Oxigraph, in an order
that reaches the fixpoint in one pass: properties, from the asserted triples alone (one
step along a closed set reaches everything); chains, and what their conclusions imply
(repeated only if a chain's conclusion can feed a chain); classes.

Conclusions go to the ``INFERRED`` graph, apart from asserted triples, and never repeat
one: queries see the union of the graphs, where Oxigraph keeps a triple once per graph and
would count it twice. Rather than deleting such triples afterwards (a lookup for every
inferred triple, 1.5 s of 5 s at 100 documents), a rule whose conclusion (a property, or a
class) occurs in no asserted graph inserts without a check, and the few others
(``rdfs:label`` from ``skos:prefLabel``, say) check each triple with ``FILTER NOT EXISTS``.

Domains and ranges (``prp-dom``, ``prp-rng``) are not materialised: no query needs the
classes they would give, they made every ``sh:class`` check pass vacuously (a range makes
any value a member), and at 100 documents they cost more than everything else together
(measured: 5.8 s of 11 s). The ontology keeps them as documentation and for other reasoners.
``tests/test_reason.py`` proves the result equals owlrl's full closure for every ``vr:``
property and class on the real graph. Spec:
https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeGuard, TypeVar

import pyoxigraph as ox

from . import store as st
from .store import ASSERTED, INFERRED, ONTOLOGY, Term

K = TypeVar("K")

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_INF = f"<{INFERRED.value}>"
_TYPE = ox.NamedNode(_RDF + "type")
_GIVEN = (ASSERTED, ONTOLOGY)  # the graphs of asserted triples


@dataclass
class Axioms:
    """The ontology's axioms, closed: what each property and class implies."""

    properties: dict[str, set[tuple[str, bool]]] = field(default_factory=dict)
    chains: list[tuple[str, str, str]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)


def _pairs(store: ox.Store, predicate: str) -> list[tuple[Term, Term]]:
    return [(q.subject, q.object) for q in
            store.quads_for_pattern(None, ox.NamedNode(predicate), None, ONTOLOGY)]


def _named(term: Term) -> TypeGuard[ox.NamedNode]:
    return isinstance(term, ox.NamedNode)


def _reach(start: K, edges: Mapping[K, Iterable[K]]) -> set[K]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _list(store: ox.Store, head: Term) -> list[Term]:
    items = []
    while isinstance(head, (ox.NamedNode, ox.BlankNode)) and head.value != _RDF + "nil":
        first = next(store.quads_for_pattern(head, ox.NamedNode(_RDF + "first"), None, ONTOLOGY), None)
        rest = next(store.quads_for_pattern(head, ox.NamedNode(_RDF + "rest"), None, ONTOLOGY), None)
        if first is None or rest is None:
            break
        items.append(first.object)
        head = rest.object
    return items


def axioms(store: ox.Store) -> Axioms:
    """Read and close the axioms of the store's ``ONTOLOGY`` graph."""
    # properties: (p, flipped) -> (q, flipped') along sub-property, equivalence and inverse
    edges: dict[tuple[str, bool], set[tuple[str, bool]]] = defaultdict(set)
    props: set[str] = set()
    for rel in ("subPropertyOf", "equivalentProperty", "inverseOf"):
        ns = _RDFS if rel == "subPropertyOf" else _OWL
        for a, b in _pairs(store, ns + rel):
            if not (_named(a) and _named(b)):
                continue
            props |= {a.value, b.value}
            for flip in (False, True):
                if rel == "inverseOf":
                    edges[(a.value, flip)].add((b.value, not flip))
                    edges[(b.value, flip)].add((a.value, not flip))
                else:
                    edges[(a.value, flip)].add((b.value, flip))
                    if rel == "equivalentProperty":
                        edges[(b.value, flip)].add((a.value, flip))
    out = Axioms()
    for p in sorted(props):
        implied = _reach((p, False), edges) - {(p, False)}
        if implied:
            out.properties[p] = implied
    for q, head in _pairs(store, _OWL + "propertyChainAxiom"):
        links = _list(store, head)
        if len(links) == 2 and _named(q) and _named(links[0]) and _named(links[1]):
            out.chains.append((q.value, links[0].value, links[1].value))
    # classes: C -> D along sub-class and equivalence; a union's members -> the union
    class_edges: dict[Term, set[Term]] = defaultdict(set)
    blank_edges: dict[Term, set[Term]] = defaultdict(set)
    for a, b in _pairs(store, _RDFS + "subClassOf"):
        blank_edges[a].add(b)
    for a, b in _pairs(store, _OWL + "equivalentClass"):
        blank_edges[a].add(b)
        blank_edges[b].add(a)
    for union, head in _pairs(store, _OWL + "unionOf"):
        for member in _list(store, head):
            blank_edges[member].add(union)
    for a, targets in blank_edges.items():
        class_edges[a].update(targets)
    for c in [t for t in class_edges if _named(t)]:
        supers = {t.value for t in _reach(c, class_edges) if _named(t)} - {c.value, _OWL + "Thing"}
        if supers:
            out.classes[c.value] = supers
    return out


def _values(rows: Iterable[tuple[str, ...]]) -> str:
    return " ".join("(" + " ".join(f"<{v}>" for v in row) + ")" for row in sorted(rows))


def _in_asserted(pattern: str) -> str:
    """``pattern`` in the graphs of asserted triples, ASSERTED and ONTOLOGY. A UNION, not
    ``VALUES ?g``: Oxigraph joins such a ``VALUES`` with a pattern by scanning every quad."""
    return " UNION ".join(f"{{ GRAPH <{g.value}> {{ {pattern} }} }}" for g in _GIVEN)


def _in_any(pattern: str) -> str:
    return f"GRAPH ?g {{ {pattern} }}"


def _is_asserted(store: ox.Store, predicate: ox.NamedNode, obj: ox.NamedNode | None = None
                 ) -> bool:
    return any(next(store.quads_for_pattern(None, predicate, obj, g), None) is not None
               for g in _GIVEN)


def _insert(store: ox.Store, template: str, where: str, rows: Sequence[tuple[str, ...]],
            variables: str, asserted: Callable[[str], bool]) -> None:
    """Add ``template`` to INFERRED for each solution of ``where`` joined with ``rows`` (bound
    to ``variables``, the first of which, ``?q``, is the property or class concluded), less
    what is asserted. Rows whose conclusion never occurs in an asserted graph need no check;
    the rest get ``FILTER NOT EXISTS``, one index lookup per solution."""
    checked = {row for row in rows if asserted(row[0])}
    not_asserted = " ".join(f"FILTER NOT EXISTS {{ GRAPH <{g.value}> {{ {template} }} }}"
                            for g in _GIVEN)
    for part, check in ((set(rows) - checked, ""), (checked, not_asserted)):
        if part:
            store.update(f"INSERT {{ GRAPH {_INF} {{ {template} }} }} WHERE {{ "
                         f"VALUES ({variables}) {{ {_values(part)} }} {where} {check} }}")


def materialise(store: ox.Store, ax: Axioms | None = None, chains: bool = True,
                local: bool = True) -> int:
    """Add to ``INFERRED`` what the store's ontology (or the closed axioms ``ax``) implies
    about its data; return the size of ``INFERRED``. Triples already asserted are not
    repeated there. Without ``chains`` only the rules that conclude from one triple run
    (for a part of the data: :mod:`vrgraph.bulk`); without ``local`` only the chains and
    what their conclusions imply (on the chains' links, gathered from every part)."""
    ax = ax if ax is not None else axioms(store)
    forward, backward = _directions(ax)
    asserted_property = lambda q: _is_asserted(store, ox.NamedNode(q))  # noqa: E731
    asserted_class = lambda d: _is_asserted(store, _TYPE, ox.NamedNode(d))  # noqa: E731

    def close_properties(premise: Callable[[str], str], only: set[str] | None = None) -> None:
        pick = (lambda rows: [r for r in rows if r[1] in only]) if only else (lambda rows: rows)
        where = premise("?s ?p ?o")
        _insert(store, "?s ?q ?o", where, pick(forward), "?q ?p", asserted_property)
        # a literal ?o would be a literal subject: SPARQL Update leaves such a triple out
        _insert(store, "?o ?q ?s", where, pick(backward), "?q ?p", asserted_property)

    if local:
        close_properties(_in_asserted)
    chained = {q for q, _, _ in ax.chains}
    links = {p for _, p1, p2 in ax.chains for p in (p1, p2)}
    concluded = chained | {r for q in chained for r, _ in ax.properties.get(q, ())}
    again = bool(concluded & links)  # a chain can feed a chain: repeat to the fixpoint
    while chains and ax.chains:
        size = len(store) if again else 0
        _insert(store, "?x ?q ?z", "GRAPH ?g1 { ?x ?p1 ?y } GRAPH ?g2 { ?y ?p2 ?z }",
                ax.chains, "?q ?p1 ?p2", asserted_property)
        close_properties(_in_any, chained)
        if not again or len(store) == size:
            break
    # on the links alone, the classes of what the chains concluded (rdf:type in a chain)
    classes = _in_any("?s a ?c") if local else f"GRAPH {_INF} {{ ?s a ?c }}"
    _insert(store, "?s a ?q", classes,
            [(d, c) for c, ds in ax.classes.items() for d in ds], "?q ?c", asserted_class)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_INF} {{ ?s ?p ?o }} }}"
    return st.count(store, count, union=False)


def _directions(ax: Axioms) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The ``(q, p)`` of the property rules: ``?s p ?o`` gives ``?s q ?o`` (forward) or
    ``?o q ?s`` (backward)."""
    forward = [(q, p) for p, implied in ax.properties.items() for q, flip in implied if not flip]
    backward = [(q, p) for p, implied in ax.properties.items() for q, flip in implied if flip]
    return forward, backward


def forget_asserted(store: ox.Store, ax: Axioms) -> None:
    """Remove from ``INFERRED`` what is asserted after all: for a store whose parts were
    reasoned over apart (:mod:`vrgraph.bulk`), each checking its own asserted triples only.
    Only the conclusions (properties, classes) asserted somewhere are looked at."""
    forward, backward = _directions(ax)
    properties = {q for q, _ in forward + backward} | {q for q, _, _ in ax.chains}
    for q in sorted(properties):
        if _is_asserted(store, ox.NamedNode(q)):
            _forget(store, f"?s <{q}> ?o")
    for d in sorted({d for ds in ax.classes.values() for d in ds}):
        if _is_asserted(store, _TYPE, ox.NamedNode(d)):
            _forget(store, f"?s a <{d}>")


def _forget(store: ox.Store, pattern: str) -> None:
    store.update(f"DELETE {{ GRAPH {_INF} {{ {pattern} }} }} WHERE {{ GRAPH {_INF} "
                 f"{{ {pattern} }} {_in_asserted(pattern)} }}")
