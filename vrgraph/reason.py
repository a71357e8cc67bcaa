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
then scanned once per rule kind by a SPARQL update that runs inside Oxigraph, in an order
that reaches the fixpoint in one pass (properties, chains, classes).

Domains and ranges (``prp-dom``, ``prp-rng``) are not materialised: no query needs the
classes they would give, they made every ``sh:class`` check pass vacuously (a range makes
any value a member), and at 100 documents they cost more than everything else together
(measured: 5.8 s of 11 s). The ontology keeps them as documentation and for other reasoners.
Conclusions go to the ``INFERRED`` graph, apart from asserted triples.
``tests/test_reason.py`` proves the result equals owlrl's full closure for every ``vr:``
property and class on the real graph. Spec:
https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store import ASSERTED, INFERRED, ONTOLOGY

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_INF = f"<{INFERRED.value}>"


@dataclass
class Axioms:
    """The ontology's axioms, closed: what each property and class implies."""

    properties: dict[str, set[tuple[str, bool]]] = field(default_factory=dict)
    chains: list[tuple[str, str, str]] = field(default_factory=list)
    classes: dict[str, set[str]] = field(default_factory=dict)


def _pairs(store: ox.Store, predicate: str) -> list[tuple[ox.Term, ox.Term]]:
    return [(q.subject, q.object) for q in
            store.quads_for_pattern(None, ox.NamedNode(predicate), None, ONTOLOGY)]


def _reach(start: object, edges: dict) -> set:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _list(store: ox.Store, head: ox.Term) -> list[ox.Term]:
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
    named = lambda t: isinstance(t, ox.NamedNode)  # noqa: E731
    # properties: (p, flipped) -> (q, flipped') along sub-property, equivalence and inverse
    edges: dict[tuple[str, bool], set[tuple[str, bool]]] = defaultdict(set)
    props: set[str] = set()
    for rel in ("subPropertyOf", "equivalentProperty", "inverseOf"):
        ns = _RDFS if rel == "subPropertyOf" else _OWL
        for a, b in _pairs(store, ns + rel):
            if not (named(a) and named(b)):
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
        if named(q) and len(links) == 2 and all(named(t) for t in links):
            out.chains.append((q.value, links[0].value, links[1].value))
    # classes: C -> D along sub-class and equivalence; a union's members -> the union
    class_edges: dict[str, set[str]] = defaultdict(set)
    blank_edges: dict[ox.Term, set[ox.Term]] = defaultdict(set)
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
    for c in [t for t in class_edges if named(t)]:
        supers = {t.value for t in _reach(c, class_edges) if named(t)} - {c.value, _OWL + "Thing"}
        if supers:
            out.classes[c.value] = supers
    return out


def _values(rows: list[tuple[str, ...]]) -> str:
    return " ".join("(" + " ".join(f"<{v}>" for v in row) + ")" for row in sorted(rows))


def _insert(store: ox.Store, template: str, where: str, rows: list[tuple[str, ...]],
            variables: str) -> None:
    if rows:
        store.update(f"INSERT {{ GRAPH {_INF} {{ {template} }} }} WHERE {{ "
                     f"VALUES ({variables}) {{ {_values(rows)} }} {where} }}")


def materialise(store: ox.Store) -> int:
    """Add to ``INFERRED`` what the store's ontology implies about its data; return the
    size of ``INFERRED``. Triples already asserted are not repeated there."""
    ax = axioms(store)
    forward = [(p, q) for p, implied in ax.properties.items() for q, flip in implied if not flip]
    backward = [(p, q) for p, implied in ax.properties.items() for q, flip in implied if flip]

    def close_properties(only: set[str] | None = None) -> None:
        pick = (lambda rows: [r for r in rows if r[0] in only]) if only else (lambda rows: rows)
        _insert(store, "?s ?q ?o", "GRAPH ?g { ?s ?p ?o }", pick(forward), "?p ?q")
        _insert(store, "?o ?q ?s", "GRAPH ?g { ?s ?p ?o } FILTER(!isLiteral(?o))",
                pick(backward), "?p ?q")

    close_properties()
    for _ in range(10):  # chains of chains; one round for this ontology
        before = len(store)
        _insert(store, "?x ?q ?z", "GRAPH ?g1 { ?x ?p1 ?y } GRAPH ?g2 { ?y ?p2 ?z }",
                ax.chains, "?q ?p1 ?p2")
        close_properties({q for q, _, _ in ax.chains})
        if len(store) == before:
            break
    _insert(store, "?s a ?d", "GRAPH ?g { ?s a ?c }",
            [(c, d) for c, ds in ax.classes.items() for d in ds], "?c ?d")
    store.update(_DROP_ASSERTED)
    return sum(1 for _ in store.quads_for_pattern(None, None, None, INFERRED))


_DROP_ASSERTED = f"""
DELETE {{ GRAPH {_INF} {{ ?s ?p ?o }} }}
WHERE {{ VALUES ?g {{ <{ASSERTED.value}> <{ONTOLOGY.value}> }}
        GRAPH {_INF} {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }} }}"""
