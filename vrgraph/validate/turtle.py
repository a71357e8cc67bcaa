"""The SHACL validation report written as Turtle
(https://www.w3.org/TR/shacl/#validation-report): each literal exactly as in the data, and
the same bytes at every run (rdflib draws blank-node labels at random and sorts by them, so
the report graph's blank nodes are named in the report's order first)."""

from __future__ import annotations

import io
import re

from rdflib import BNode, Graph, Literal
from rdflib.namespace import XSD
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from ..findings import Report


def content(g: Graph, node: Node, above: set[Node]) -> str:
    """``node`` as text that does not depend on blank nodes' labels: what a blank node says
    (sorted), for the order of results that differ only there."""
    if not isinstance(node, BNode):
        return node.n3()
    if node in above:
        return "[...]"
    return "[" + "; ".join(sorted(f"{p.n3()} {content(g, o, above | {node})}"
                                  for p, o in g.predicate_objects(node))) + "]"


def named(g: Graph, first: list[BNode]) -> Graph:
    """``g`` with its blank nodes labelled in the order a walk meets them, from ``first``
    (in order) down to what each says (by predicate and value), so that a serializer that
    sorts blank nodes by label writes the same text at every run (rdflib's labels are
    random)."""
    names: dict[BNode, BNode] = {}

    def visit(node: Node) -> None:
        if not isinstance(node, BNode) or node in names:
            return
        names[node] = BNode(f"b{len(names):07d}")
        for _, o in sorted(g.predicate_objects(node), key=lambda po: (
                str(po[0]), "" if isinstance(po[1], BNode) else po[1].n3())):
            visit(o)

    names.update({node: BNode(f"b{n:07d}") for n, node in enumerate(first)})
    for node in first:
        for _, o in g.predicate_objects(node):
            visit(o)
    out = Graph()
    for prefix, namespace in g.namespaces():
        out.bind(prefix, namespace, override=True)
    for s, p, o in g:
        out.add((names.get(s, s) if isinstance(s, BNode) else s, p,
                 names.get(o, o) if isinstance(o, BNode) else o))
    return out


_SHORTHAND = {XSD.integer: r"[+-]?[0-9]+", XSD.decimal: r"[+-]?[0-9]*\.[0-9]+",
              XSD.double: r"[+-]?([0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+",
              XSD.boolean: r"true|false"}


class _ExactTurtle(TurtleSerializer):
    """rdflib's Turtle, but a literal is written bare only where Turtle's shorthand gives
    back the same term: rdflib writes "1"^^xsd:boolean as 1 (an integer), "none"^^xsd:boolean
    as none (a syntax error), "1.0E0"^^xsd:double as 1e+00."""

    def label(self, node: Node, position: int) -> str:
        if isinstance(node, Literal) and node.datatype in _SHORTHAND and not re.fullmatch(
                _SHORTHAND[node.datatype], str(node)):
            return node._literal_n3(use_plain=False, qname_callback=lambda dt: self.get_pname(
                dt, True))
        if isinstance(node, Literal) and node.datatype in _SHORTHAND:
            return str(node)
        return super().label(node, position)


def as_turtle(report: Report) -> str:
    """The SHACL validation report graph as Turtle, each literal exactly as in the data."""
    out = io.BytesIO()
    _ExactTurtle(report.rdf()).serialize(out, encoding="utf-8")
    return out.getvalue().decode("utf-8")
