"""The shapes graph as SHACL's syntax rules read it, for every engine: part of stage 6.

Well-formed lists (https://www.w3.org/TR/shacl/#syntax-rule-SHACL-list), property paths
parsed into a tree and written as SPARQL or afresh as a result's ``sh:resultPath``
(https://www.w3.org/TR/shacl/#property-paths), the shapes with targets
(https://www.w3.org/TR/shacl/#targets), boolean parameters, and the refusal of what no
engine can validate safely: recursive shapes (https://www.w3.org/TR/shacl/#shapes-recursion)
and ill-formed paths or lists, as a :class:`ShapeError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Identifier, Node

from .. import store as st
from ..errors import InputError
from ..namespaces import SH

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
CLASSES = (RDFS.Class, OWL.Class)  # a shape typed so targets its own instances
TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))  # as a query answers it
LISTS = (SH["and"], SH["or"], SH.xone)  # the parameters whose value is a list of shapes
_REFERENCES = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_PATH_KEYS = ((SH.inversePath, "(^{})"), (SH.zeroOrMorePath, "({})*"),
              (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?"))
_MAX_PATH_DEPTH = 32


class ShapeError(InputError):
    """A shape the SHACL spec calls ill-formed, or one no engine can run safely."""


def members(g: Graph, head: Node, what: str = "list") -> list[Node]:
    """The members of the well-formed RDF list at ``head``
    (https://www.w3.org/TR/shacl/#syntax-rule-SHACL-list); a cycle, a missing or repeated
    rdf:first or rdf:rest is a :class:`ShapeError`."""
    out, node, seen = [], head, set()
    while node != RDF.nil:
        firsts, rests = list(g.objects(node, RDF.first)), list(g.objects(node, RDF.rest))
        if node in seen or len(firsts) != 1 or len(rests) != 1 or not isinstance(node, BNode):
            raise ShapeError(f"malformed {what} at {node.n3()}: a SHACL list is blank nodes "
                             "each with one rdf:first and one rdf:rest, ending in rdf:nil, "
                             "without a cycle")
        seen.add(node)
        out.append(firsts[0])
        node = rests[0]
    return out


def listed(g: Graph, subject: Node | None, key: URIRef) -> list[Node]:
    """The members of every list that ``subject`` (None: any) has as its ``key`` (one of
    :data:`LISTS`)."""
    return [m for head in g.objects(subject, key)
            for m in members(g, head, key.n3(g.namespace_manager))]


def true_in(g: Graph, shape: Node, parameter: URIRef) -> bool:
    """The parameter's value is "true"^^xsd:boolean, exactly as the spec says
    ("1"^^xsd:boolean is not ``true``: W3C test core/property/uniqueLang-002)."""
    return any(isinstance(v, Literal) and v.datatype == XSD.boolean and str(v) == "true"
               for v in g.objects(shape, parameter))


def name_of(node: Node | st.Term) -> str:
    """A node of the shapes graph (or a term of the data) as a message names it."""
    if isinstance(node, (BNode, ox.BlankNode)):
        return "[a blank node]"
    return node.n3() if isinstance(node, Identifier) else str(node)


def targeted(shapes: Graph) -> list[Node]:
    """The shapes with targets (https://www.w3.org/TR/shacl/#targets), in a stable order."""
    found = {s for p in TARGETS for s in shapes.subjects(p, None)}
    found |= {s for kind in (SH.NodeShape, SH.PropertyShape)
              for s in shapes.subjects(RDF.type, kind) if is_class(shapes, s)}
    return sorted(found, key=_stable)


def _stable(node: Node) -> tuple[bool, str]:
    """A sort key: IRIs first, each kind by its text."""
    return isinstance(node, BNode), str(node)


def is_class(shapes: Graph, s: Node) -> bool:
    """``s`` is also a class, so targets its own instances
    (https://www.w3.org/TR/shacl/#implicit-targetClass)."""
    return any((s, RDF.type, c) in shapes for c in CLASSES)


def check_shapes(shapes: Graph) -> None:
    """Refuse what no engine can validate safely, before either runs: a shape that refers
    to itself through sh:node, sh:property, sh:not, sh:and, sh:or, sh:xone or
    sh:qualifiedValueShape (SHACL leaves recursion undefined,
    https://www.w3.org/TR/shacl/#shapes-recursion) and an ill-formed sh:path or list."""
    for p in set(shapes.objects(None, SH.path)):
        parse_path(shapes, p)

    def refers(shape: Node) -> list[Node]:
        out = [o for key in _REFERENCES for o in shapes.objects(shape, key)]
        for key in LISTS:
            out += listed(shapes, shape, key)
        return out

    done: set[Node] = set()
    for start in sorted(set(shapes.subjects()), key=_stable):
        if start in done:
            continue
        stack, trail = [(start, iter(refers(start)))], [start]
        while stack:
            node, todo = stack[-1]
            nxt = next(todo, None)
            if nxt is None:
                stack.pop()
                trail.pop()
                done.add(node)
            elif nxt in trail:
                loop = " -> ".join(_label(x) for x in trail[trail.index(nxt):] + [nxt])
                raise ShapeError(f"shape {_label(nxt)} refers to itself ({loop}); SHACL does "
                                 "not define recursive shapes "
                                 "(https://www.w3.org/TR/shacl/#shapes-recursion)")
            elif nxt not in done:
                stack.append((nxt, iter(refers(nxt))))
                trail.append(nxt)


def _label(node: Node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else "[a blank shape]"


@dataclass(frozen=True)
class _Predicate:
    iri: URIRef


@dataclass(frozen=True)
class _Sequence:
    parts: list[PathTree]
    alternative: bool = False     # sh:alternativePath: one of the parts


@dataclass(frozen=True)
class _Under:
    key: URIRef                   # sh:inversePath, sh:zeroOrMorePath, ... (_PATH_KEYS)
    inner: PathTree


PathTree = _Predicate | _Sequence | _Under


def parse_path(g: Graph, p: Node, depth: int = 0) -> PathTree:
    """A SHACL property path (https://www.w3.org/TR/shacl/#property-paths) as a tree: a
    predicate, a sequence or alternatives of paths, or one path under sh:inversePath and the
    others. An ill-formed path is a :class:`ShapeError`."""
    if depth > _MAX_PATH_DEPTH:
        raise ShapeError(f"sh:path nested deeper than {_MAX_PATH_DEPTH} (a cycle?) at {p.n3()}")
    if isinstance(p, URIRef):
        return _Predicate(p)
    if isinstance(p, BNode) and (p, RDF.first, None) in g:
        steps = members(g, p, "sh:path list")
        if len(steps) < 2:
            raise ShapeError(f"sh:path list at {p.n3()} has {len(steps)} member(s); a "
                             "sequence path needs two or more")
        return _Sequence([parse_path(g, x, depth + 1) for x in steps])
    if isinstance(p, BNode):
        for key, _ in _PATH_KEYS:
            inner = list(g.objects(p, key))
            if len(inner) == 1:
                return _Under(key, parse_path(g, inner[0], depth + 1))
        alternatives = list(g.objects(p, SH.alternativePath))
        if len(alternatives) == 1:
            ways = members(g, alternatives[0], "sh:alternativePath list")
            if len(ways) < 2:
                raise ShapeError(f"sh:alternativePath at {p.n3()} needs two or more paths")
            return _Sequence([parse_path(g, x, depth + 1) for x in ways], alternative=True)
    raise ShapeError(f"{p.n3()} is not a SHACL property path "
                     "(https://www.w3.org/TR/shacl/#property-paths)")


def one_step(path: PathTree) -> bool:
    """``path`` is a predicate or its inverse."""
    return isinstance(path, _Predicate) or (isinstance(path, _Under) and path.key == SH.inversePath
                                            and isinstance(path.inner, _Predicate))


def sparql_path(g: Graph, p: Node) -> str:
    """A SHACL property path in ``g`` as a SPARQL one."""
    return _render(parse_path(g, p))


def _render(path: PathTree) -> str:
    if isinstance(path, _Predicate):
        return f"<{path.iri}>"
    if isinstance(path, _Sequence):
        return "(" + ("|" if path.alternative else "/").join(map(_render, path.parts)) + ")"
    return dict(_PATH_KEYS)[path.key].format(_render(path.inner))


def write_path(g: Graph, p: Node, into: Graph) -> Node:
    """The path ``p`` of ``g`` written afresh into ``into`` (its well-formed triples only,
    every blank node new), as a validation result's sh:resultPath."""
    def write(path: PathTree) -> Node:
        if isinstance(path, _Predicate):
            return path.iri
        node = BNode()
        if isinstance(path, _Sequence) and not path.alternative:
            Collection(into, node, [write(x) for x in path.parts])
        elif isinstance(path, _Sequence):
            head = BNode()
            Collection(into, head, [write(x) for x in path.parts])
            into.add((node, SH.alternativePath, head))
        else:
            into.add((node, path.key, write(path.inner)))
        return node
    return write(parse_path(g, p))
