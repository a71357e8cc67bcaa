"""SHACL Core constraint components compiled to SPARQL patterns: part of stage 6.

Each constraint of a shape becomes a :class:`Part`, a pattern matching its violations at a
focus node, after the SPARQL-based definitions of the core components
(https://www.w3.org/TR/shacl/#core-components): value type (``class``, ``datatype``, with
ill-typed literals failing as in pySHACL, ``nodeKind``), cardinality (``minCount`` and
``maxCount`` up to 3), value range, string-based (``minLength``, ``maxLength``, ``pattern``,
``languageIn``, ``uniqueLang``), property pair (``disjoint``, ``lessThan``,
``lessThanOrEquals``), logical (``not``, ``and``, ``or``, ``xone``), shape-based (``node``,
nested ``property``) and other (``in``, ``hasValue``) constraints; ``deactivated``; the
shape's targets (https://www.w3.org/TR/shacl/#targets) as a pattern binding ``?this``. What
it cannot translate (``closed``, ``equals``, ``qualifiedValueShape``, a pattern Oxigraph's
regular expressions cannot run, custom components) raises :class:`Unsupported`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from .. import store as st
from ..namespaces import SH
from .shapes import is_class, members, one_step, parse_path, sparql_path, true_in

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
_ANNOTATIONS = {SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
                SH.defaultValue, SH.deactivated, SH.targetClass, SH.targetNode,
                SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.flags,
                SH.declare, SH.prefixes}
_COMPILED = {SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern,
             SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue, SH["not"], SH["and"],
             SH["or"], SH.xone, SH.node, SH.property, SH.disjoint, *_COMPARE, *_PAIRS}


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


def _exact(term: Node) -> str:
    """A constant as the store holds it where sameness matters (sh:in, sh:hasValue,
    sh:targetNode): a literal the store would change, as its stand-in (``store.KEPT``)."""
    if isinstance(term, Literal):
        stand_in = st.lossy({st.to_ox(term)}).get(st.to_ox(term))
        if stand_in is not None:
            return f"{Literal(str(term)).n3()}^^<{stand_in.datatype.value}>"
    return _sparql(term)


def _sparql(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise Unsupported(f"blank node {term} as a constraint value")


def union(patterns: list[str]) -> str:
    """One pattern matching what any of ``patterns`` matches."""
    return " UNION ".join(f"{{ {p} }}" for p in patterns) if len(patterns) > 1 else patterns[0]


class Compiler:
    """Compiles the shapes of one shapes graph: fresh variable names, each class's
    subclasses read once from the data (``subclasses``, shared between compilers)."""

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

    def targets(self, shape: Node) -> str | None:
        """A pattern binding ?this to the focus nodes of ``shape``'s targets, or None."""
        g, parts = self.g, []
        parts += [self.instances("?this", c) for c in g.objects(shape, SH.targetClass)]
        if is_class(g, shape):
            parts.append(self.instances("?this", shape))
        parts += [f"VALUES ?this {{ {_exact(n)} }}" for n in g.objects(shape, SH.targetNode)]
        parts += [f"?this {_sparql(p)} {self.var('o')} ."
                  for p in g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"{self.var('s')} {_sparql(p)} ?this ."
                  for p in g.objects(shape, SH.targetObjectsOf)]
        if not parts:
            return None
        # no DISTINCT: a focus node found twice only repeats rows the result's DISTINCT drops
        return union(parts)

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
        sieved = top and path is not None and one_step(parse_path(g, path))

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


def _ill_typed(value: st.Term) -> bool:
    """rdflib's (and so pySHACL's) test of a typed literal's lexical form."""
    if not isinstance(value, ox.Literal):
        return False
    return bool(Literal(value.value, datatype=URIRef(value.datatype.value)).ill_typed)
