"""SHACL Core constraints checked as SPARQL queries on Oxigraph: part of stage 6.

pySHACL validates focus node by focus node in Python: about 0.9 s per 10,000 triples here,
66 s at 100 documents. This module compiles each targeted shape into SELECT queries that
return every focus node (and value node) violating one of its constraints, the constraints
as ``vrgraph.validate.components`` translates them after the SPARQL-based definitions of the
SHACL Core components (https://www.w3.org/TR/shacl/#core-components), and runs them inside
Oxigraph (or, ``portable``, on another store: ``vrgraph.remote_validate``): the tests of one
shape's value nodes share one query, and a sieve first finds the focus nodes that may
violate a constraint where that is cheaper (:class:`Check`). ``tests/test_validate.py``
checks the results equal pySHACL's, result for result, on the real graph and on hostile
edits. A shape the compiler does not cover is returned as not compiled, for pySHACL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.term import Node

from .. import store as st
from .components import Compiler, Part, Unsupported
from .shapes import TRUE, targeted

_SIEVED = 1000  # up to this many focus nodes found by a sieve are named in the query


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
                if (single or row[f"f{i}"] == TRUE) and (keep is None or keep(value)):
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
            checks = _checks(Compiler(shapes, store, subclasses, exact, foreign, portable),
                             shape)
            for check in checks:  # parsed, not run: an IRI SPARQL cannot write fails here
                check.sizes = sizes
                for query in filter(None, (check.query, check.sieve)):
                    store.query(query)
        except (Unsupported, SyntaxError):
            out.skipped.append(shape)
        else:
            out.checks += checks
    return out


def target_patterns(shapes: Graph, store: ox.Store, portable: bool = False
                    ) -> Callable[[Node], str | None]:
    """A function giving the pattern that binds ?this to a shape's focus nodes (None for a
    shape without targets)."""
    return Compiler(shapes, store, {}, portable=portable).targets


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


def _checks(compiler: Compiler, shape: Node) -> list[Check]:
    """The queries for a targeted shape and its property shapes: one for all the tests on
    each shape's value nodes (so they are found once), one per other constraint."""
    target = compiler.targets(shape)
    if target is None:
        raise Unsupported("a shape without a target")
    parts = list(compiler.parts(shape, "?this", top=True))
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
