"""SHACL Core constraints checked as SPARQL queries on Oxigraph: part of stage 6.

pySHACL validates focus node by focus node in Python: about 0.9 s per 10,000 triples here,
66 s at 100 documents. This module compiles each constraint of each shape into one SELECT
that returns every focus node (and value node) violating it, following the SPARQL-based
definitions of the SHACL Core components (https://www.w3.org/TR/shacl/#core-components),
and runs it inside Oxigraph. ``tests/test_validate.py`` checks the results equal pySHACL's,
result for result, on the real graph and on hostile edits.

Covered: targets (``targetClass``, with SHACL instances through ``rdfs:subClassOf*``;
implicit class targets; ``targetNode``, ``targetSubjectsOf``, ``targetObjectsOf``); paths
(predicate, inverse, alternative, sequence, ``*``, ``+``, ``?``); ``class``, ``datatype``
(ill-typed literals fail, as in pySHACL), ``nodeKind``; ``minCount`` and ``maxCount`` up to
3; value ranges; ``minLength``, ``maxLength``, ``pattern``, ``languageIn``, ``uniqueLang``;
``disjoint``, ``lessThan``, ``lessThanOrEquals``; ``not``, ``and``, ``or``, ``xone``,
``node`` and nested ``property``; ``in``, ``hasValue``; ``deactivated``. A shape using
anything else (``closed``, ``equals``, ``qualifiedValueShape``, a pattern Oxigraph's regular
expressions cannot run, custom components) is returned as not compiled, for pySHACL.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from .. import store as st
from ..errors import InputError
from ..namespaces import SH

_NODE_KINDS: dict[Node, str] = {  # sh:nodeKind -> the SPARQL test a value node {v} fails
    SH.IRI: "!isIRI({v})", SH.BlankNode: "!isBlank({v})", SH.Literal: "!isLiteral({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})", SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}
_COMPARE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
            SH.maxExclusive: "<", SH.minLength: ">=", SH.maxLength: "<="}
_PAIRS = {SH.lessThan: "<", SH.lessThanOrEquals: "<="}
# lexical forms rdflib surely accepts; only other values are tested in Python
_WELL_TYPED: dict[Node, str] = {
    XSD.integer: "^[+-]?[0-9]+$", XSD.decimal: "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
    XSD.boolean: "^(true|false|1|0)$",
}
_MAX_COUNT = 3  # counts are checked as "n pairwise different values exist"
_SIEVED = 1000  # up to this many focus nodes found by a sieve are named in the query
_TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))
_ANNOTATIONS = {SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
                SH.defaultValue, SH.deactivated, SH.targetClass, SH.targetNode,
                SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.flags,
                SH.declare, SH.prefixes}
_COMPILED = {SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern,
             SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue, SH["not"], SH["and"],
             SH["or"], SH.xone, SH.node, SH.property, SH.disjoint, *_COMPARE, *_PAIRS}


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
CLASSES = (RDFS.Class, OWL.Class)  # a shape typed so targets its own instances


class Unsupported(Exception):
    """A shape uses a feature this compiler does not translate."""


@dataclass
class Part:
    """One constraint as a SPARQL ``pattern`` that matches its violations at a focus node.
    Where it is a ``test`` of each value node (bound by ``values`` to ``value``), the tests
    of one shape can share a query; ``absent`` marks the test of a focus with no value."""

    shape: Node  # the shape the constraint belongs to (a property shape for its own)
    component: str  # e.g. "ClassConstraintComponent"
    pattern: str = ""
    value: str | None = None  # the variable holding the value node, if results report one
    path: Node | None = None
    values: str = ""
    test: str | None = None
    absent: bool = False
    keep: Callable[[st.Term], bool] | None = None  # a further test of the value, in Python
    key: str | None = None  # a variable that tells results apart (the uniqueLang tag)
    # a pattern whose ?this are a superset of the focus nodes violating the constraint,
    # cheaper than ``pattern`` beside the target (which it may need: ``sieve_on_target``)
    sieve: str | None = None
    sieve_on_target: bool = False


@dataclass
class Check:
    """Constraints of one shape, as one query over all its focus nodes. With more than one
    component, the query flags (``?f0``, ``?f1`` ...) which of them each row violates.

    Where each constraint has a sieve, and the values it reads are fewer than the focus
    nodes, a first query finds the focus nodes that may violate one (most often none); the
    query itself then runs on those alone. Joining each focus node to its values costs
    microseconds a row; a sieve reads the values without the target, or the target without
    the values (measured at 300,000 focus nodes: 0.3 s against 1.4 s for a property half
    of them have, 1.0 s against 1.8 s for sh:maxCount 1 on one all of them have). Where the
    property is shared with other classes (labels, provenance), the sieve reads more than
    the join and is not used."""

    shape: Node
    path: Node | None
    select: str  # the query: f"{select} WHERE {{ {target}\n{body} }}"
    target: str
    body: str
    components: list[str]
    keeps: list[Callable[[st.Term], bool] | None]
    sieve: str | None = None  # a query of ?this: a superset of the violating focus nodes
    reads: str = ""  # the pattern of the values the sieve reads
    sizes: Sizes | None = None
    # the same constraints, one query each, without BINDs of EXISTS: for an engine that
    # cannot evaluate the query above (Virtuoso 7.2, ``vrgraph.remote_validate``)
    apart: list[Check] = field(default_factory=list)

    @property
    def query(self) -> str:
        return f"{self.select} WHERE {{ {self.target}\n{self.body} }}"

    def _query(self, store: ox.Store) -> str | None:
        """The query to run: on the sieve's focus nodes where it is cheaper; None when the
        sieve finds none."""
        if self.sieve is None or self.sizes is None:
            return self.query
        focus = self.sizes.count(self.target)
        if self.sizes.count(self.reads, cap=focus + 1) > focus:
            return self.query
        found = [row["this"] for row in
                 st.solutions(store.query(self.sieve, use_default_graph_as_union=True))]
        if not found:
            return None
        if len(found) > _SIEVED or not all(isinstance(t, ox.NamedNode) for t in found):
            return self.query
        values = " ".join(str(t) for t in found)
        return f"{self.select} WHERE {{ VALUES ?this {{ {values} }} {self.target}\n{self.body} }}"

    def violations(self, store: ox.Store) -> Iterator[tuple[str, st.Term, st.Term | None]]:
        """(component, focus node, value node or None) for each violation."""
        single = len(self.components) == 1
        query = self._query(store)
        if query is None:
            return
        for row in st.solutions(store.query(query, use_default_graph_as_union=True)):
            value = st.original(row["value"])
            for i, (component, keep) in enumerate(zip(self.components, self.keeps)):
                if (single or row[f"f{i}"] == _TRUE) and (keep is None or keep(value)):
                    yield component, row["this"], value


class Sizes:
    """Row counts of patterns in one store, each counted once (threads may share it: at
    worst two count the same pattern)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.known: dict[tuple[str, int | None], int] = {}

    def count(self, pattern: str, cap: int | None = None) -> int:
        """How many solutions ``pattern`` has, counting no further than ``cap``."""
        key = (pattern, cap)
        if key not in self.known:
            limit = f"LIMIT {cap}" if cap is not None else ""
            self.known[key] = st.count(self.store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT * "
                                                   f"WHERE {{ {pattern} }} {limit} }}")
        return self.known[key]


@dataclass
class Compiled:
    checks: list[Check] = field(default_factory=list)
    skipped: list[Node] = field(default_factory=list)  # targeted shapes left to pySHACL


def compile_shapes(shapes: Graph, store: ox.Store, foreign: AbstractSet[Node] = frozenset(),
                   portable: bool = False) -> Compiled:
    """Compile every targeted shape of ``shapes``. Subclasses are read from ``store`` (the
    data graph), as SHACL instance checks require. A shape with a parameter in ``foreign``
    (of a SPARQL-based component) or with sh:sparql is not compiled. ``portable``: queries
    for another store, avoiding what Virtuoso 7.2 evaluates wrongly (``DATATYPE`` of a
    string, a ``VALUES`` block of several rows joined with a pattern)."""
    out = Compiled()
    subclasses: dict[Node, list[str]] = {}  # each class's closure, read once
    sizes = Sizes(store)
    exact = store.contains_named_graph(st.EXACT) or bool(st.lossy(
        {st.to_ox(o) for o in shapes.objects() if isinstance(o, Literal)}))
    for shape in targeted(shapes):
        try:
            checks = _Compiler(shapes, store, subclasses, exact, foreign, portable
                               ).checks(shape)
            for check in checks:  # parsed, not run: an IRI SPARQL cannot write fails here
                check.sizes = sizes
                for query in filter(None, (check.query, check.sieve)):
                    store.query(query)
        except (Unsupported, SyntaxError):
            out.skipped.append(shape)
        else:
            out.checks += checks
    return out


_REFERENCES = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_LISTS = (SH["and"], SH["or"], SH.xone)


def check_shapes(shapes: Graph) -> None:
    """Refuse what no engine can validate safely, before either runs: a shape that refers
    to itself through sh:node, sh:property, sh:not, sh:and, sh:or, sh:xone or
    sh:qualifiedValueShape (SHACL leaves recursion undefined,
    https://www.w3.org/TR/shacl/#shapes-recursion) and an ill-formed sh:path or list."""
    for p in set(shapes.objects(None, SH.path)):
        parse_path(shapes, p)

    def refers(shape: Node) -> list[Node]:
        out = [o for key in _REFERENCES for o in shapes.objects(shape, key)]
        for key in _LISTS:
            for head in shapes.objects(shape, key):
                out += members(shapes, head, key.n3(shapes.namespace_manager))
        return out

    done: set[Node] = set()
    for start in sorted(set(shapes.subjects()), key=lambda s: (isinstance(s, BNode), str(s))):
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


def target_patterns(shapes: Graph, store: ox.Store, portable: bool = False
                    ) -> Callable[[Node], str | None]:
    """A function giving the pattern that binds ?this to a shape's focus nodes (None for a
    shape without targets)."""
    return _Compiler(shapes, store, {}, portable=portable).targets


def targeted(shapes: Graph) -> list[Node]:
    """The shapes with targets (https://www.w3.org/TR/shacl/#targets), in a stable order."""
    found = {s for p in TARGETS for s in shapes.subjects(p, None)}
    found |= {s for kind in (SH.NodeShape, SH.PropertyShape)
              for s in shapes.subjects(RDF.type, kind) if _is_class(shapes, s)}
    return sorted(found, key=lambda s: (isinstance(s, BNode), str(s)))


def _is_class(shapes: Graph, s: Node) -> bool:
    return any((s, RDF.type, c) in shapes for c in CLASSES)


def _exact(term: Node) -> str:
    """A constant as the store holds it where sameness matters (sh:in, sh:hasValue,
    sh:targetNode): a literal the store would change, as its stand-in (``store.KEPT``)."""
    if isinstance(term, Literal):
        stand_in = st.lossy({st.to_ox(term)}).get(st.to_ox(term))
        if stand_in is not None:
            return f"{Literal(str(term)).n3()}^^<{stand_in.datatype.value}>"
    return _sparql(term)


def true_in(g: Graph, shape: Node, parameter: URIRef) -> bool:
    """The parameter's value is "true"^^xsd:boolean, exactly as the spec says
    ("1"^^xsd:boolean is not ``true``: W3C test core/property/uniqueLang-002)."""
    return any(isinstance(v, Literal) and v.datatype == XSD.boolean and str(v) == "true"
               for v in g.objects(shape, parameter))


def _sparql(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise Unsupported(f"blank node {term} as a constraint value")


def _sieve(target: str, group: list[Part]) -> str | None:
    """One query of the focus nodes that may violate a constraint of ``group``, if each
    has a sieve."""
    if any(p.sieve is None for p in group):
        return None
    ways = " UNION ".join(f"{{ {target if p.sieve_on_target else ''} {p.sieve} }}"
                          for p in group)
    return f"SELECT DISTINCT ?this WHERE {{ {ways} }}"


def _alone(target: str, part: Part) -> Check:
    value = f"({part.value} AS ?value)" if part.value else "?value"
    key = f"({part.key} AS ?key)" if part.key else ""
    sieve = None if part.sieve_on_target else _sieve(target, [part])  # else: the query itself
    return Check(part.shape, part.path, f"SELECT DISTINCT ?this {value} {key}", target,
                 part.pattern, [part.component], [part.keep], sieve, part.values)


def _together(target: str, group: list[Part]) -> Check:
    """The tests of one shape's value nodes in one query, flagging which each row fails.
    With a minCount of 1 among them, an OPTIONAL finds the focus nodes without values too."""
    v, values = next(p.value for p in group if p.value), group[0].values
    optional = any(p.absent for p in group)
    tests = [p.test if p.absent or not optional else f"BOUND({v}) && ({p.test})" for p in group]
    binds = " ".join(f"BIND({t} AS ?f{i})" for i, t in enumerate(tests))
    flags = " ".join(f"?f{i}" for i in range(len(group)))
    test = " || ".join(f"COALESCE(?f{i}, false)" for i in range(len(group)))
    return Check(group[0].shape, group[0].path, f"SELECT DISTINCT ?this ({v} AS ?value) {flags}",
                 target, f"{f'OPTIONAL {{ {values} }}' if optional else values} {binds} "
                 f"FILTER({test})", [p.component for p in group], [p.keep for p in group],
                 _sieve(target, group), values, apart=[_alone(target, p) for p in group])


class _Compiler:
    def __init__(self, shapes: Graph, store: ox.Store, subclasses: dict[Node, list[str]],
                 exact: bool = False, foreign: AbstractSet[Node] = frozenset(),
                 portable: bool = False) -> None:
        self.g, self.store, self.subclasses, self.exact = shapes, store, subclasses, exact
        self.foreign, self.portable = foreign, portable
        self.names = itertools.count(1)
        self.stack: list[Node] = []

    def val(self, v: str) -> str:
        """The value of ``v`` for a comparison: a stand-in literal as its real datatype."""
        if not self.exact:
            return v
        kept = f'"{st.KEPT}"'
        return (f"IF(isLiteral({v}) && STRSTARTS(STR(DATATYPE({v})), {kept}), "
                f"STRDT(STR({v}), IRI(STRAFTER(STR(DATATYPE({v})), {kept}))), {v})")

    def var(self, stem: str) -> str:
        return f"?{stem}{next(self.names)}"

    def checks(self, shape: Node) -> list[Check]:
        """The queries for a targeted shape and its property shapes: one for all the tests
        on each shape's value nodes (so they are found once), one per other constraint."""
        target = self.targets(shape)
        if target is None:
            raise Unsupported("a shape without a target")
        parts = list(self.parts(shape, "?this", top=True))
        groups: dict[tuple[Node, str], list[Part]] = {}
        for part in parts:
            if part.test is not None:
                groups.setdefault((part.shape, part.values), []).append(part)
        out = [_alone(target, p) for p in parts if p.test is None]
        for group in groups.values():
            if all(p.absent for p in group):
                out += [_alone(target, p) for p in group]
            else:
                out.append(_together(target, group))
        return out

    def targets(self, shape: Node) -> str | None:
        """A pattern binding ?this to the focus nodes of ``shape``'s targets, or None."""
        g, parts = self.g, []
        parts += [self.instances("?this", c) for c in g.objects(shape, SH.targetClass)]
        if _is_class(g, shape):
            parts.append(self.instances("?this", shape))
        parts += [f"VALUES ?this {{ {_exact(n)} }}" for n in g.objects(shape, SH.targetNode)]
        parts += [f"?this {_sparql(p)} {self.var('o')} ."
                  for p in g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{self.var('s')} {_sparql(p)} ?this ."
                  for p in g.objects(shape, SH.targetObjectsOf)]
        if not parts:
            return None
        # no DISTINCT: a focus node found twice only repeats rows the result's DISTINCT drops
        return " UNION ".join(f"{{ {p} }}" for p in parts) if len(parts) > 1 else parts[0]

    def instances(self, node: str, cls: Node) -> str:
        """``node`` is a SHACL instance of ``cls``: typed with it or with a subclass."""
        if cls not in self.subclasses:
            self.subclasses[cls] = sorted({_sparql(cls)[1:-1]} | {
                c.value for r in st.solutions(self.store.query(
                    f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>+ {_sparql(cls)} }}",
                    use_default_graph_as_union=True)) if isinstance(c := r["c"], ox.NamedNode)})
        subs = self.subclasses[cls]
        if len(subs) == 1:
            return f"{node} a <{subs[0]}> ."
        if self.portable:
            return " UNION ".join(f"{{ {node} a <{s}> . }}" for s in subs)
        t = self.var("t")
        return f"VALUES {t} {{ {' '.join(f'<{s}>' for s in subs)} }} {node} a {t} ."

    def conforms(self, shape: Node, node: str) -> str:
        """A SPARQL expression: ``node`` conforms to ``shape``."""
        if shape in self.stack:
            raise Unsupported("recursive shape")
        self.stack.append(shape)
        tests = [self._met(p) for p in self.parts(shape, node, top=False)]
        self.stack.pop()
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def _met(self, part: Part) -> str:
        """A SPARQL expression: the constraint ``part`` is met. Portable: without a group
        that only filters, whose outer variables Virtuoso 7.2 loses in a nested EXISTS."""
        pattern = part.pattern.strip()
        if self.portable and part.test is not None and pattern == f"FILTER({part.test})":
            return f"(!COALESCE({part.test}, false))"
        if self.portable and pattern.startswith("FILTER NOT EXISTS {") and _closes_at_end(
                pattern, len("FILTER NOT EXISTS ")):
            return f"(EXISTS {pattern[len('FILTER NOT EXISTS '):]})"
        return f"NOT EXISTS {{ {part.pattern} }}"

    def parts(self, shape: Node, focus: str, top: bool) -> Iterator[Part]:
        """The constraints of ``shape`` (and of its property shapes) as patterns matching
        a violation at ``focus``; ``top`` when ``focus`` is a target, not a value nested in
        another shape's test."""
        g = self.g
        if true_in(g, shape, SH.deactivated):
            return
        unknown = {p for p in g.predicates(shape, None) if p in self.foreign or (
            str(p).startswith(str(SH)) and p not in _COMPILED and p not in _ANNOTATIONS)}
        if unknown:
            raise Unsupported(", ".join(sorted(str(p) for p in unknown)))
        path = g.value(shape, SH.path)
        step = sparql_path(g, path) if path is not None else None
        v = self.var("v") if step else focus
        values = f"{focus} {step} {v} ." if step else ""
        # the values along a predicate (or its inverse) can be read without the focus nodes
        sieved = top and path is not None and _one_step(parse_path(g, path))

        def part(component: str, pattern: str = "", value: str | None = v, **kw: Any) -> Part:
            if sieved:
                kw.setdefault("sieve", pattern)
            return Part(shape, component + "ConstraintComponent", pattern, value, path,
                        values=values, **kw)

        def fails(component: str, test: str, **kw: Any) -> Part:
            """A constraint each value node ``{v}`` fails where ``test`` holds."""
            test = test.replace("{v}", v)
            return part(component, f"{values} FILTER({test})", test=test, **kw)

        for cls in g.objects(shape, SH["class"]):  # the sieve: MINUS, 2x faster here
            yield fails("Class", f"NOT EXISTS {{ {self.instances(v, cls)} }}",
                        sieve=f"{values} MINUS {{ {self.instances(v, cls)} }}")
        for dt in g.objects(shape, SH.datatype):
            if dt == RDFS.Literal:
                yield fails("Datatype", "!isLiteral({v})")
                continue
            kept = f" && DATATYPE({v}) != <{st.KEPT}{dt}>" if self.exact else ""
            if self.portable and dt in (XSD.string, RDF.langString):  # by the language tag
                tagged = f'LANG({v}) {"=" if dt == RDF.langString else "!="} ""'
                other = "" if dt == RDF.langString else f" || DATATYPE({v}) != <{dt}>"
                yield fails("Datatype", f"!isLiteral({v}) || {tagged}{other}")
            else:
                yield fails("Datatype", f"!isLiteral({v}) || (DATATYPE({v}) != <{dt}>{kept})")
            if dt not in (XSD.string, RDF.langString):
                if not top:
                    raise Unsupported("an ill-typed literal test in a nested shape")
                surely = (f" && !REGEX(STR({v}), {Literal(_WELL_TYPED[dt]).n3()})"
                          if dt in _WELL_TYPED else "")
                kept = f" || DATATYPE({v}) = <{st.KEPT}{dt}>" if self.exact else ""
                yield fails("Datatype", f"isLiteral({v}) && (DATATYPE({v}) = <{dt}>{kept}){surely}",
                            keep=_ill_typed)
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise Unsupported(f"node kind {kind}")
            yield fails("NodeKind", _NODE_KINDS[kind])
        for param, op in _COMPARE.items():
            name = str(param)[len(SH):]
            for bound in g.objects(shape, param):
                yield fails(name[0].upper() + name[1:],
                            f"isBlank({v}) || !(STRLEN(STR({v})) {op} {int(str(bound))})"
                            if name.endswith("Length") else
                            f"!COALESCE({self.val(v)} {op} {_sparql(bound)}, false)")
        for pattern in g.objects(shape, SH.pattern):
            flags = Literal(str(g.value(shape, SH.flags) or "")).n3()
            regex = f"{Literal(str(pattern)).n3()}, {flags})"
            self._runnable(f'REGEX("", {regex}', pattern)
            yield fails("Pattern", f"isBlank({v}) || !REGEX(STR({v}), {regex}")
        for head in g.objects(shape, SH.languageIn):
            ok = " || ".join(f"langMatches(LANG({v}), {Literal(str(t)).n3()})"
                             for t in Collection(g, head))
            yield fails("LanguageIn", f"!isLiteral({v}) || !({ok or 'false'})")
        for head in g.objects(shape, SH["in"]):
            ok = " || ".join(f"sameTerm({v}, {_exact(m)})" for m in members(g, head, "sh:in"))
            yield fails("In", f"!({ok or 'false'})")
        for inner in g.objects(shape, SH["not"]):
            yield fails("Not", self.conforms(inner, v))
        for inner in g.objects(shape, SH.node):
            yield fails("Node", "!" + self.conforms(inner, v))
        for key, name, join, empty in ((SH["and"], "And", " && ", "true"),
                                       (SH["or"], "Or", " || ", "false")):
            for head in g.objects(shape, key):
                tests = join.join(self.conforms(s, v) for s in Collection(g, head))
                yield fails(name, f"!({tests or empty})")
        for head in g.objects(shape, SH.xone):
            count = " + ".join(f"IF({self.conforms(s, v)}, 1, 0)" for s in Collection(g, head))
            yield fails("Xone", f"({count or '0'}) != 1")
        for x in g.objects(shape, SH.hasValue):
            yield part("HasValue", f"FILTER NOT EXISTS {{ {focus} {step} {_exact(x)} }}"
                       if step else f"FILTER(!sameTerm({focus}, {_exact(x)}))", None,
                       sieve=None)
        for p in g.objects(shape, SH.disjoint):
            yield part("Disjoint", f"{values} {focus} {_sparql(p)} {v} .")
        for param, op in _PAIRS.items():
            for p in g.objects(shape, param):
                o = self.var("o")
                yield part(str(param)[len(SH):][0].upper() + str(param)[len(SH) + 1:],
                           f"{values} {focus} {_sparql(p)} {o} . "
                           f"FILTER(!COALESCE({self.val(v)} {op} {self.val(o)}, false))",
                           key=o)  # a result for each pair (SHACL 4.5.3)
        if step:
            for n in (int(str(c)) for c in g.objects(shape, SH.minCount)):
                if n > _MAX_COUNT:
                    raise Unsupported("sh:minCount above 3")
                if n > 0:  # FILTER NOT EXISTS: measured 3x faster here than MINUS
                    absent = f"FILTER NOT EXISTS {{ {self._distinct(focus, step, n)} }}"
                    yield part("MinCount", absent, None, sieve_on_target=True,
                               **({"test": f"!BOUND({v})", "absent": True} if n == 1 else {}))
            for n in (int(str(c)) for c in g.objects(shape, SH.maxCount)):
                if n >= _MAX_COUNT:
                    raise Unsupported("sh:maxCount of 3 or more")
                yield part("MaxCount", self._distinct(focus, step, n + 1), None,
                           sieve=f"{{ SELECT {focus} WHERE {{ {values} }} GROUP BY {focus} "
                                 f"HAVING (COUNT(DISTINCT {v}) > {n}) }}")
            if true_in(g, shape, SH.uniqueLang):
                a, b, tag = self.var("a"), self.var("b"), self.var("lang")
                yield part("UniqueLang", f"{focus} {step} {a} . {focus} {step} {b} . "
                           f"FILTER(isLiteral({a}) && isLiteral({b}) && LANG({a}) != \"\" && "
                           f"!sameTerm({a}, {b}) && LCASE(LANG({a})) = LCASE(LANG({b}))) "
                           f"BIND(LCASE(LANG({a})) AS {tag})", None, key=tag)
        for prop in sorted(g.objects(shape, SH.property), key=str):
            if top and step:
                raise Unsupported("a property shape inside a targeted property shape")
            yield from self.parts(prop, v, top)

    def _distinct(self, focus: str, step: str, n: int) -> str:
        """A pattern: ``n`` pairwise different values of ``focus`` along ``step``."""
        names = [self.var("n") for _ in range(n)]
        links = " ".join(f"{focus} {step} {x} ." for x in names)
        different = " && ".join(f"!sameTerm({a}, {b})" for a, b in itertools.combinations(names, 2))
        return links + (f" FILTER({different})" if different else "")

    def _runnable(self, regex: str, pattern: Node) -> None:
        """Oxigraph's regular expressions lack some of Python's (look-around, back
        references); on such a pattern REGEX is an error, which a FILTER would read as
        "no violation", so the shape is left to pySHACL."""
        try:
            rows = list(st.solutions(self.store.query(f"SELECT ({regex} AS ?ok) WHERE {{}}")))
        except SyntaxError:
            rows = []
        if not rows or rows[0]["ok"] is None:
            raise Unsupported(f"pattern {pattern!r}")


def _closes_at_end(text: str, start: int) -> bool:
    """The brace at ``start`` closes at the end of ``text`` (no string holds a brace here:
    the patterns are of this module's own, their constants IRIs or escaped literals)."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i == len(text) - 1
    return False


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


def _one_step(path: PathTree) -> bool:
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


def _ill_typed(value: st.Term) -> bool:
    """rdflib's (and so pySHACL's) test of a typed literal's lexical form."""
    if not isinstance(value, ox.Literal):
        return False
    return bool(Literal(value.value, datatype=URIRef(value.datatype.value)).ill_typed)
