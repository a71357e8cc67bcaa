"""SHACL-SPARQL constraints run on Oxigraph: SPARQL-based constraints
(https://www.w3.org/TR/shacl/#sparql-constraints-validation) and SPARQL-based constraint
components (https://www.w3.org/TR/shacl/#constraint-components-validation): part of stage 6.

Each constraint (:class:`SparqlCheck`, as ``vrgraph.validate.sparql_shapes`` reads it from
the shapes graph) runs on the focus nodes of its shape: the shape's own targets, or for a
property shape those of the node shapes that have it as ``sh:property``. Variables are
pre-bound as Appendix A defines it, by values insertion (``prebinding.prebind``: ``$this``,
``$currentShape``, ``$shapesGraph``, ``$value``, a component's parameters). Where evaluating
the query once with ``$this`` free and keeping the solutions at focus nodes provably gives
the same solutions (every expression that reads ``$this`` sees it bound by a pattern:
``prebinding.once_is_enough``), it runs once over the whole store rather than once per focus
node. Each solution is a validation result, its message filled in from its variables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from .. import sandbox
from .. import store as st
from ..sparql_guard import GuardError
from .prebinding import once_is_enough, prebind
from .shapes import TRUE, ShapeError, name_of, sparql_path

SHAPES_GRAPH = ox.NamedNode("urn:vrgraph:graph:shapes")
Graphs = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]   # a query's default graph


@dataclass
class SparqlCheck:
    """One SPARQL-based constraint of one shape, ready to run."""

    shape: Node
    component: Node  # sh:SPARQLConstraintComponent or the custom component
    constraint: Node | None  # the sh:sparql node (sh:sourceConstraint), if any
    path: Node | None  # the property shape's path
    query: str
    ask: bool
    focus: str  # a SPARQL pattern binding ?this to each focus node
    messages: list[str]
    severity: Node | None
    bindings: dict[str, st.Term] = field(default_factory=dict)
    once: bool = field(init=False, default=False)  # one query for every focus node will do

    def __post_init__(self) -> None:
        """Run only the query as the guard read it (``sparql_guard``): the regular
        expressions of ``prebinding`` check the pre-binding rules, not safety."""
        try:
            self.query = sandbox.gate(self.query,
                                      f"the SPARQL query of shape {name_of(self.shape)}").text
        except GuardError as err:
            raise ShapeError(str(err)) from None
        # decided here, once: it parses with rdflib, whose parser is not safe in threads
        self.once = not self.ask and once_is_enough(self.query)

    def run(self, store: ox.Store, shapes: Graph, add: Callable[..., None]) -> None:
        """Run on ``store``; ``add(shape, component, path, focus, value, severity=, message=,
        constraint=)`` each result. A query Oxigraph cannot evaluate is a ShapeError."""
        try:
            self._run(store, shapes, add)
        except (RuntimeError, OSError, ValueError, TypeError, SyntaxError) as err:
            raise ShapeError(f"the SPARQL query of shape {name_of(self.shape)} "
                             f"({name_of(self.component)}) cannot run: {err}") from None

    def _run(self, store: ox.Store, shapes: Graph, add: Callable[..., None]) -> None:
        graphs = _graphs(store, shapes) if "shapesGraph" in self.bindings else None
        if self.once:
            keep: set[st.Term] | None = None  # read only if a solution needs it: most have none
            text, subs = prebind(self.query, self.bindings)
            rows = _select(store, text, graphs, subs, prebound=True)
            names = [v.value for v in rows.variables]
            for row in rows:
                this = row["this"]
                if keep is None:
                    keep = set(self._focus(store, graphs))
                if this is not None and this in keep:
                    self._row(add, this, row, names)
            return
        focus = self._focus(store, graphs)
        if self.ask:
            step = sparql_path(shapes, self.path) if self.path is not None else None
            for f in focus:
                values = [f] if step is None else [
                    v for r in _select(store, f"SELECT DISTINCT ?this ?v WHERE "
                                       f"{{ ?this {step} ?v }}", graphs,
                                       {ox.Variable("this"): f}) if (v := r["v"]) is not None]
                for v in values:
                    text, subs = prebind(self.query, {**self.bindings, "this": f, "value": v})
                    if not _ask(store, text, graphs, subs, prebound=True):
                        self._result(add, f, {"value": v, "this": f})
            return
        for f in focus:
            text, subs = prebind(self.query, {**self.bindings, "this": f})
            rows = _select(store, text, graphs, subs, prebound=True)
            names = [v.value for v in rows.variables]
            for row in rows:
                self._row(add, f, row, names)

    def _focus(self, store: ox.Store, graphs: Graphs | None
               ) -> list[st.Term]:
        """The shape's focus nodes, in the data graph (never the shapes graph)."""
        return [this for r in _select(store, f"SELECT DISTINCT ?this WHERE {{ {self.focus} }}",
                                      graphs) if (this := r["this"]) is not None]

    def _row(self, add: Callable[..., None], focus: st.Term, row: ox.QuerySolution,
             names: list[str]) -> None:
        values: dict[str, st.Term] = {"this": focus}
        values.update({n: row[n] for n in names if row[n] is not None and n != "this"})
        if values.get("failure") == TRUE:
            raise ShapeError(f"the SPARQL constraint of shape {name_of(self.shape)} reported a "
                             f"failure (?failure true) at focus node {focus}")
        self._result(add, focus, values)

    def _result(self, add: Callable[..., None], focus: st.Term, values: dict[str, st.Term]
                ) -> None:
        given_path = values.get("path")
        path = st.to_rdflib(given_path) if isinstance(given_path, ox.NamedNode) else self.path
        value = values.get("value", focus if self.path is None else None)
        given = values.get("message")
        message = st.lexical(given) if given is not None else _fill(
            self.messages[0] if self.messages else "", {**self.bindings, **values})
        add(self.shape, self.component, path, focus, value, severity=self.severity,
            message=message or f"{name_of(self.component)} not met", constraint=self.constraint)


def _graphs(store: ox.Store, shapes: Graph) -> Graphs:
    """The default graph of a query that lets ``GRAPH $shapesGraph`` read the shapes graph,
    which joins the store as a named graph (and stays out of the default graph)."""
    if not store.contains_named_graph(SHAPES_GRAPH):
        store.extend(st.to_quad(s, p, o, SHAPES_GRAPH) for s, p, o in shapes)
    data: Graphs = [
        g for g in store.named_graphs() if g not in (SHAPES_GRAPH, st.EXACT)]
    return data or [ox.DefaultGraph()]


def _query(store: ox.Store, query: str, graphs: Graphs | None,
           substitutions: st.Bindings | None = None, prebound: bool = False) -> st.Answer:
    """The answer to ``query`` on ``graphs`` as the default graph (None: the union of the
    store's graphs), through :func:`vrgraph.sandbox.gate` (guarded, confined); a
    ``prebound`` query (a checked one with the VALUES rows of :func:`prebind`, terms
    Oxigraph has validated) only in a confined process."""
    if prebound:
        sandbox.require_confined("a SHACL-SPARQL query")
    else:
        query = sandbox.gate(query, "a SHACL-SPARQL query").text
    return store.query(query, substitutions=substitutions or None,
                       use_default_graph_as_union=graphs is None, default_graph=graphs)


def _select(store: ox.Store, query: str, graphs: Graphs | None,
            substitutions: st.Bindings | None = None, prebound: bool = False
            ) -> ox.QuerySolutions:
    return st.solutions(_query(store, query, graphs, substitutions, prebound))


def _ask(store: ox.Store, query: str, graphs: Graphs | None,
         substitutions: st.Bindings | None = None, prebound: bool = False) -> bool:
    answer = _query(store, query, graphs, substitutions, prebound)
    if not isinstance(answer, ox.QueryBoolean):
        raise TypeError(f"expected the answer of an ASK, not {type(answer).__name__}")
    return bool(answer)


def forget_shapes(store: ox.Store) -> None:
    """Take the shapes graph that :func:`_graphs` added out of ``store`` again."""
    if store.contains_named_graph(SHAPES_GRAPH):
        store.remove_graph(SHAPES_GRAPH)


def _fill(message: str, values: Mapping[str, st.Term]) -> str:
    """Substitute ``{?var}`` and ``{$var}`` with the solution's (or parameter's) values."""
    def value(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return m.group(0) if v is None else st.lexical(v) or ""
    return re.sub(r"\{[?$](\w+)\}", value, message)
