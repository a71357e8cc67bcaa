"""SHACL-SPARQL on Oxigraph: SPARQL-based constraints (``sh:sparql``,
https://www.w3.org/TR/shacl/#sparql-constraints) and SPARQL-based constraint components
(``sh:validator``, ``sh:nodeValidator``, ``sh:propertyValidator``,
https://www.w3.org/TR/shacl/#sparql-constraint-components): part of stage 6.

Each constraint runs on the focus nodes of its shape: the shape's own targets, or for a
property shape those of the node shapes that have it as ``sh:property``. Variables are
pre-bound as Appendix A defines it, by values insertion (:func:`prebind`: ``$this``,
``$currentShape``, ``$shapesGraph``, ``$value``, a component's parameters), and ``$PATH`` is
replaced by the property shape's path. A query that breaks the pre-binding rules (MINUS,
VALUES, SERVICE, ``AS $this``, a sub-query that does not return ``$this``) is refused, as
is a validator of the wrong kind (6.2.3). Where evaluating the query once with ``$this``
free and keeping the solutions at focus nodes provably gives the same solutions (every
expression that reads ``$this`` sees it bound by a pattern: :func:`_once_is_enough`), it
runs once over the whole store rather than once per focus node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Identifier, Node, Variable

from .. import sandbox, sparql_guard
from .. import store as st
from ..namespaces import SH
from ..sparql_guard import GuardError, guard
from .compiled import ShapeError, members, sparql_path, true_in

SHAPES_GRAPH = ox.NamedNode("urn:vrgraph:graph:shapes")
Graphs = list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]   # a query's default graph
_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


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
        expressions of this module check the pre-binding rules, not safety."""
        try:
            self.query = sandbox.gate(self.query,
                                      f"the SPARQL query of shape {_name(self.shape)}").text
        except GuardError as err:
            raise ShapeError(str(err)) from None
        # decided here, once: it parses with rdflib, whose parser is not safe in threads
        self.once = not self.ask and _once_is_enough(self.query)

    def run(self, store: ox.Store, shapes: Graph, add: Callable[..., None]) -> None:
        """Run on ``store``; ``add(shape, component, path, focus, value, severity=, message=,
        constraint=)`` each result. A query Oxigraph cannot evaluate is a ShapeError."""
        try:
            self._run(store, shapes, add)
        except (RuntimeError, OSError, ValueError, TypeError, SyntaxError) as err:
            raise ShapeError(f"the SPARQL query of shape {_name(self.shape)} "
                             f"({_name(self.component)}) cannot run: {err}") from None

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
        if values.get("failure") == _TRUE:
            raise ShapeError(f"the SPARQL constraint of shape {_name(self.shape)} reported a "
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
            message=message or f"{_name(self.component)} not met", constraint=self.constraint)


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


def _name(node: Node | st.Term) -> str:
    if isinstance(node, (BNode, ox.BlankNode)):
        return "[a blank node]"
    return node.n3() if isinstance(node, Identifier) else str(node)


def _fill(message: str, values: Mapping[str, st.Term]) -> str:
    """Substitute ``{?var}`` and ``{$var}`` with the solution's (or parameter's) values."""
    def value(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return m.group(0) if v is None else st.lexical(v) or ""
    return re.sub(r"\{[?$](\w+)\}", value, message)


def collect(shapes: Graph, core: Graph, targets: Callable[[Node], str | None]
            ) -> list[SparqlCheck]:
    """The SPARQL-based constraints of ``shapes`` that run on a shape's focus nodes (taken
    out of ``core``, the shapes left to the core engines). ``targets(shape)`` gives the
    pattern of a targeted shape's focus nodes, None for a shape without targets."""
    vet_all(shapes)
    out: list[SparqlCheck] = []
    components = _components(shapes)
    nested = _nested(shapes)
    for shape in sorted(_shapes_with_sparql(shapes, components), key=str):
        if true_in(shapes, shape, SH.deactivated) or shape in nested:
            continue  # a shape other shapes test their values against: left to pySHACL
        focus = _focus(shapes, shape, targets)
        if focus is None:
            continue  # reached only through sh:node, sh:or ...: the core engines refuse it
        path = shapes.value(shape, SH.path)
        severity = shapes.value(shape, SH.severity)
        for c in sorted(shapes.objects(shape, SH.sparql), key=str):
            core.remove((shape, SH.sparql, c))
            if true_in(shapes, c, SH.deactivated):
                continue
            text = shapes.value(c, SH.select)
            if text is None:
                raise ShapeError(f"SPARQL constraint {_name(c)} of shape {_name(shape)} has no "
                                 "sh:select (https://www.w3.org/TR/shacl/#sparql-constraints-syntax)")
            messages = sorted(map(str, shapes.objects(c, SH.message))) or sorted(
                map(str, shapes.objects(shape, SH.message)))
            query = _prepare(shapes, c, str(text), path, shape, ask=False)
            out.append(SparqlCheck(shape, SH.SPARQLConstraintComponent, c, path, query, False,
                                   focus, messages, shapes.value(c, SH.severity) or severity,
                                   _bindings(query, shape)))
        for component, params in components.items():
            found = {p: list(shapes.objects(shape, p)) for p, _ in params}
            if any(not found[p] for p, optional in params if not optional):
                continue
            for p in found:
                for o in found[p]:
                    core.remove((shape, p, o))
            out.append(_instance(shapes, shape, component, params, found, path, focus,
                                 severity))
    return out


def _nested(shapes: Graph) -> set[Node]:
    """The shapes whose conformance other shapes test (sh:node, sh:not, sh:and, sh:or,
    sh:xone, sh:qualifiedValueShape), with their property shapes: the compiled engine
    cannot test a SPARQL constraint there, so such shapes go whole to pySHACL."""
    found = {o for key in (SH.node, SH["not"], SH.qualifiedValueShape)
             for o in shapes.objects(None, key)}
    for key in (SH["and"], SH["or"], SH.xone):
        for head in shapes.objects(None, key):
            found |= set(members(shapes, head, key.n3(shapes.namespace_manager)))
    todo = list(found)
    while todo:
        for prop in shapes.objects(todo.pop(), SH.property):
            if prop not in found:
                found.add(prop)
                todo.append(prop)
    return found


def _shapes_with_sparql(shapes: Graph, components: dict[Node, list[tuple[Node, bool]]]
                        ) -> set[Node]:
    """The shapes with sh:sparql or a parameter of a SPARQL-based component."""
    found = set(shapes.subjects(SH.sparql, None))
    for params in components.values():
        for p, _ in params:
            found |= set(shapes.subjects(p, None))
    return found


def foreign_parameters(shapes: Graph) -> set[Node]:
    """The parameters of the shapes' SPARQL-based constraint components."""
    return {p for params in _components(shapes).values() for p, _ in params}


def _components(shapes: Graph) -> dict[Node, list[tuple[Node, bool]]]:
    """Each sh:ConstraintComponent and its parameters (path, optional)."""
    out: dict[Node, list[tuple[Node, bool]]] = {}
    for cc in sorted(instances(shapes, SH.ConstraintComponent), key=str):
        params: list[tuple[Node, bool]] = []
        for param in shapes.objects(cc, SH.parameter):
            p = shapes.value(param, SH.path)
            if not isinstance(p, URIRef):
                raise ShapeError(f"a parameter of constraint component {_name(cc)} has no IRI "
                                 "as sh:path (https://www.w3.org/TR/shacl/#constraint-components-parameters)")
            params.append((p, true_in(shapes, param, SH.optional)))
        if params:
            out[cc] = sorted(params, key=lambda x: str(x[0]))
    return out


def _instance(shapes: Graph, shape: Node, component: Node, params: list[tuple[Node, bool]],
              found: dict[Node, list[Node]],
              path: Node | None, focus: str, severity: Node | None) -> SparqlCheck:
    """A SPARQL-based constraint component used by ``shape``: its validator for this kind
    of shape (https://www.w3.org/TR/shacl/#constraint-components-validators)."""
    kind = SH.propertyValidator if path is not None else SH.nodeValidator
    specific = shapes.value(component, kind)
    validator = specific if specific is not None else shapes.value(component, SH.validator)
    if validator is None:
        raise ShapeError(f"constraint component {_name(component)} has no validator for "
                         f"{'property' if path is not None else 'node'} shapes such as "
                         f"{_name(shape)}: add sh:validator or sh:{kind.rsplit('#')[-1]}")
    ask = shapes.value(validator, SH.ask)
    select = shapes.value(validator, SH.select)
    if specific is not None and (select is None or ask is not None):
        raise ShapeError(f"validator {_name(validator)} of {_name(component)} is a value of "
                         f"sh:{kind.rsplit('#')[-1]}, so it must be a SELECT-based validator "
                         "(one sh:select, no sh:ask; https://www.w3.org/TR/shacl/#SPARQLSelectValidator)")
    if specific is None and (ask is None or select is not None):
        raise ShapeError(f"validator {_name(validator)} of {_name(component)} is a value of "
                         "sh:validator, so it must be an ASK-based validator (one sh:ask, no "
                         "sh:select; https://www.w3.org/TR/shacl/#SPARQLAskValidator)")
    names = {p: _parameter_name(p) for p, _ in params}
    query = _prepare(shapes, validator, str(ask if ask is not None else select), path, shape,
                     ask=ask is not None, parameters=sorted(names.values()))
    bindings = _bindings(query, shape)
    for p, _ in params:
        if len(found[p]) > 1:
            raise ShapeError(f"shape {_name(shape)} has {len(found[p])} values of parameter "
                             f"{_name(p)} of {_name(component)}: a constraint has one "
                             "(https://www.w3.org/TR/shacl/#syntax-rule-multiple-parameters)")
        if found[p]:
            bindings[names[p]] = st.to_ox(found[p][0])
    messages = sorted(map(str, shapes.objects(validator, SH.message))) or sorted(
        map(str, shapes.objects(component, SH.message))) or sorted(
        map(str, shapes.objects(shape, SH.message)))
    return SparqlCheck(shape, component, None, path, query, ask is not None, focus, messages,
                       severity, bindings)


def _focus(shapes: Graph, shape: Node, targets: Callable[[Node], str | None]) -> str | None:
    """A pattern binding ?this to the focus nodes of ``shape``: its targets', or those of
    the targeted node shapes that have it as sh:property."""
    own = targets(shape)
    if own is not None:
        return own
    parents = [targets(p) for p in sorted(shapes.subjects(SH.property, shape), key=str)]
    parents = [p for p in parents if p is not None]
    if not parents:
        return None
    return " UNION ".join(f"{{ {p} }}" for p in parents) if len(parents) > 1 else parents[0]


def _prepare(shapes: Graph, node: Node, text: str, path: Node | None, shape: Node,
             ask: bool, parameters: Sequence[str] = ()) -> str:
    """The query with its sh:prefixes declared and ``$PATH`` replaced, checked against the
    pre-binding rules (https://www.w3.org/TR/shacl/#pre-binding) for the potentially
    pre-bound variables of its kind (``parameters``: a component's parameter names)."""
    where = f"the SPARQL query of {_name(node)} (shape {_name(shape)})"
    bare = _vet(text, where, ask, parameters)
    if re.search(r"[?$]PATH\b", bare):
        if path is None:
            raise ShapeError(f"{where} uses $PATH, but the shape is not a property shape")
        text = re.sub(r"\$PATH\b", sparql_path(shapes, path), text)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _prefixes(shapes, node, shape))
    try:  # the whole text is guarded before anything runs, even its plan
        query = sandbox.gate(prefixes + text, where).text
    except GuardError as err:
        raise ShapeError(str(err)) from None
    try:
        ox.Store().query(query)
    except SyntaxError as err:
        first = (str(err).splitlines() or [""])[0]
        raise ShapeError(f"{where} is not valid SPARQL: {first[:200]}") from None
    returned = _projection(_bare(query))
    if not ask and "*" not in returned and not re.search(r"[?$]this\b", returned):
        raise ShapeError(f"{where} does not return $this in its SELECT clause, as SHACL "
                         "asks (https://www.w3.org/TR/shacl/#sparql-constraints-syntax)")
    return query


def vet_all(shapes: Graph) -> None:
    """Check every SPARQL query of the shapes graph against the pre-binding rules, the
    ones no engine here runs as well (pySHACL would send a SERVICE query to the network)."""
    for key in (SH.select, SH.ask):
        for node, text in shapes.subject_objects(key):
            _vet(str(text), f"the SPARQL query of {_name(node)}", key == SH.ask)


def _vet(text: str, where: str, ask: bool, parameters: Sequence[str] = ()) -> str:
    """``text`` without its strings and IRIs, once it is known to keep SHACL's pre-binding
    rules (https://www.w3.org/TR/shacl/#pre-binding) for its potentially pre-bound
    variables ($this, $shapesGraph, $currentShape, $value in an ASK query, ``parameters``)
    and to stay off the network (decided by ``sparql_guard`` on the tokens Oxigraph reads,
    for either engine)."""
    try:
        guard(text, where)
    except GuardError as err:
        raise ShapeError(str(err)) from None
    bare = _bare(text)
    for keyword, why in (("MINUS", "MINUS"), ("VALUES", "VALUES"),
                         ("SERVICE", "SERVICE (queries never reach the network)")):
        if keyword == "SERVICE" and sparql_guard._TEST_ONLY_OFF:
            continue
        if re.search(rf"\b{keyword}\b", bare, re.I):
            raise ShapeError(f"{where} uses {why}, which SHACL's pre-binding forbids "
                             "(https://www.w3.org/TR/shacl/#pre-binding)")
    prebound = ["this", "shapesGraph", "currentShape", *(["value"] if ask else []), *parameters]
    bound = re.search(r"(?i:\bAS)\s+[?$](" + "|".join(prebound) + r")\b", bare)
    if bound:  # AS is a keyword in any case, variable names are case-sensitive
        raise ShapeError(f"{where} binds ${bound.group(1)} with AS, which SHACL's pre-binding "
                         "forbids (https://www.w3.org/TR/shacl/#pre-binding)")
    returned = [n for n in prebound if n not in ("shapesGraph", "currentShape")
                and (n == "this" or re.search(rf"[?$]{n}\b", bare))]
    for sub in list(re.finditer(r"\bSELECT\b", bare, re.I))[1:]:
        projection = _projection(bare[sub.start():])
        missing = [n for n in returned if not re.search(rf"[?$]{n}\b", projection)]
        if missing:
            raise ShapeError(f"{where} has a sub-query that does not return "
                             f"{', '.join('$' + n for n in missing)} by name (SELECT * "
                             "returns only what its own patterns bind), which SHACL's "
                             "pre-binding forbids (https://www.w3.org/TR/shacl/#pre-binding)")
    return bare


def _projection(bare: str) -> str:
    """What the first SELECT of ``bare`` returns: the text up to its WHERE or ``{``."""
    head = re.search(r"\bSELECT\b(\s+(?:DISTINCT|REDUCED)\b)?", bare, re.I)
    if head is None:
        return ""
    end = re.search(r"\bWHERE\b|\{", bare[head.end():], re.I)
    return bare[head.end():head.end() + (end.start() if end else 0)]


def _bare(text: str) -> str:
    """The query with its comments, strings and IRIs blanked out (keywords and variables
    cannot be there), each character in its place."""
    return re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'
                  r"'(?:[^'\\\n]|\\.)*'|<[^<>\s]*>|#[^\n]*",
                  lambda m: " " * len(m.group(0)), text)


def prebind(query: str, bindings: Mapping[str, st.Term]) -> tuple[str, st.Bindings]:
    """``query`` with ``bindings`` pre-bound as SHACL defines it, by values insertion
    (https://www.w3.org/TR/shacl/#pre-binding): a ``VALUES`` row of the IRIs and literals
    joined at the start of every group pattern (so BIND, FILTER and sub-queries see them
    bound); and Oxigraph's substitutions for blank nodes, which no query text can name.
    Returns (query text, substitutions)."""
    bare = _bare(query)
    named = {n: t for n, t in bindings.items() if not isinstance(t, ox.BlankNode)
             and re.search(rf"[?$]{n}\b", bare)}
    blank = sorted(n for n, t in bindings.items() if isinstance(t, ox.BlankNode))
    if named:
        row = (f" VALUES ({' '.join('?' + n for n in named)}) "
               f"{{ ({' '.join(str(t) for t in named.values())}) }} ")
        starts = [m.end() for m in re.finditer(r"\{", bare)
                  if not re.match(r"\s*SELECT\b", bare[m.end():], re.I)]
        for at in reversed(starts):
            query = query[:at] + row + query[at:]
    if blank:
        query = _returning(_bound(query, blank), blank)
    return query, {ox.Variable(n): bindings[n] for n in blank}


def _bound(query: str, names: list[str]) -> str:
    """``BOUND($x)`` as ``true`` for each pre-bound ``x``: a pre-bound variable is bound,
    but Oxigraph reads BOUND of a variable no pattern binds as false before it substitutes."""
    bare = _bare(query)
    spans = [m.span() for n in names
             for m in re.finditer(rf"\bBOUND\s*\(\s*[?$]{n}\s*\)", bare, re.I)]
    for start, end in sorted(spans, reverse=True):
        query = query[:start] + "true" + query[end:]
    return query


def _returning(query: str, names: list[str]) -> str:
    """``query`` with the pre-bound variables ``names`` added to what its SELECT returns:
    Oxigraph substitutes only returned variables, and a variable bound to one term adds
    no solutions. A query that groups must return them itself."""
    bare = _bare(query)
    head = re.search(r"\bSELECT\b(\s+(?:DISTINCT|REDUCED)\b)?", bare, re.I)
    if head is None:
        return query  # ASK: Oxigraph substitutes any variable
    end = re.search(r"\bWHERE\b|\{", bare[head.end():], re.I)
    projection = bare[head.end():head.end() + (end.start() if end else 0)]
    if projection.strip() == "*":
        return query
    missing = [n for n in names if not re.search(rf"[?$]{n}\b", projection)]
    if missing and re.search(r"\bGROUP\s+BY\b|\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(",
                             bare, re.I):
        raise ShapeError(f"vrgraph cannot pre-bind {', '.join('$' + n for n in missing)} in a "
                         "query that groups or aggregates unless its SELECT returns them")
    return query[:head.end()] + "".join(f" ?{n}" for n in missing) + query[head.end():]


_PN_PREFIX = re.compile(sparql_guard.PN_PREFIX)
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20]*')


def _declared(shapes: Graph, d: Node, source: Node, shape: Node) -> tuple[str, str]:
    """The (prefix, namespace) of the declaration ``d``, each checked before it goes into
    a ``PREFIX`` line the project writes: a SPARQL prefix name, and an absolute IRI
    (https://www.w3.org/TR/shacl/#sparql-prefixes)."""
    prefix, ns = shapes.value(d, SH.prefix), shapes.value(d, SH.namespace)
    where = f"shape {_name(shape)}: a prefix declaration of {_name(source)}"
    if prefix is None or ns is None:
        raise ShapeError(f"{where} lacks sh:prefix or sh:namespace")
    if not isinstance(prefix, Literal) or (str(prefix) and not _PN_PREFIX.fullmatch(str(prefix))):
        raise ShapeError(f"{where} has sh:prefix {str(prefix)[:60]!r}, which is not a SPARQL "
                         "prefix name (letters, digits, '_', '-', '.'; "
                         "https://www.w3.org/TR/sparql11-query/#rPN_PREFIX)")
    if not isinstance(ns, Literal) or ns.datatype not in (None, XSD.anyURI, XSD.string) \
            or ns.language is not None or not _ABSOLUTE_IRI.fullmatch(str(ns)):
        raise ShapeError(f"{where} has sh:namespace {str(ns)[:60]!r}, which is not an "
                         "absolute IRI as a literal (xsd:anyURI or a string, with none of "
                         "<>\"{}|^`\\ or spaces; https://www.w3.org/TR/shacl/#sparql-prefixes)")
    return str(prefix), str(ns)


def _prefixes(shapes: Graph, node: Node, shape: Node | None = None) -> list[tuple[str, str]]:
    """The (prefix, namespace) pairs of ``node``'s ``sh:prefixes/owl:imports*/sh:declare``
    (https://www.w3.org/TR/shacl/#sparql-prefixes)."""
    out: dict[str, str] = {}
    sources, todo = set(), list(shapes.objects(node, SH.prefixes))
    while todo:
        source = todo.pop()
        if source not in sources:
            sources.add(source)
            todo += shapes.objects(source, OWL.imports)
    for source in sorted(sources, key=str):
        for d in shapes.objects(source, SH.declare):
            prefix, ns = _declared(shapes, d, source, node if shape is None else shape)
            if out.get(str(prefix), str(ns)) != str(ns):
                raise ShapeError(f"prefix {prefix}: is declared twice in {_name(source)}, "
                                 f"as <{out[str(prefix)]}> and <{ns}>")
            out[str(prefix)] = str(ns)
    return sorted(out.items())


def _parameter_name(path: Node) -> str:
    """A parameter's name: the local name of its sh:path
    (https://www.w3.org/TR/shacl/#constraint-components-parameters)."""
    name = re.search(r"[A-Za-z_][\w.-]*$", str(path))
    if name is None or name.group(0) in ("this", "shapesGraph", "currentShape", "path",
                                         "PATH", "value") or not re.fullmatch(r"\w+", name.group(0)):
        raise ShapeError(f"parameter {_name(path)} has no name SHACL allows as a SPARQL "
                         "variable (https://www.w3.org/TR/shacl/#constraint-components-parameters)")
    return name.group(0)


def instances(g: Graph, cls: Node) -> set[Node]:
    """The SHACL instances of ``cls`` in ``g``: typed with it or a subclass of it."""
    classes = set(g.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in classes for s in g.subjects(RDF.type, c)}


def _bindings(query: str, shape: Node) -> dict[str, st.Term]:
    out: dict[str, st.Term] = {}
    bare = _bare(query)
    if re.search(r"[?$]currentShape\b", bare):
        out["currentShape"] = st.to_ox(shape)
    if re.search(r"[?$]shapesGraph\b", bare):
        out["shapesGraph"] = SHAPES_GRAPH
    return out


def _once_is_enough(query: str) -> bool:
    """Whether running ``query`` once with ``$this`` free, keeping the solutions whose
    ``?this`` is a focus node, gives what pre-binding ``$this`` to each gives: ``?this``
    is returned, bound by a pattern, and every FILTER, BIND or OPTIONAL condition that
    reads it stands over a pattern that binds it; no sub-query, aggregate, UNION branch
    or EXISTS reads it otherwise. When unsure (rdflib cannot parse it), no."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # rdflib's parser is stricter than Oxigraph's in places
        return False
    this = Variable("this")
    if this not in (algebra.get("PV") or []):
        return False
    pattern = algebra.p
    while getattr(pattern, "name", None) in ("Project", "Distinct", "Reduced", "OrderBy",
                                             "Slice"):
        pattern = pattern.p
    return _binds(pattern, this) and _safe(pattern, this)


def _mentions(node: object, var: Variable) -> bool:
    if node == var:
        return True
    if isinstance(node, dict):
        return any(_mentions(v, var) for v in node.values())
    if isinstance(node, (list, tuple, set)):
        return any(_mentions(v, var) for v in node)
    return False


def _binds(p: object, var: Variable) -> bool:
    """Whether a pattern of rdflib's SPARQL algebra binds ``var``."""
    if not isinstance(p, CompValue):
        return False
    name = p.name
    if name == "BGP":
        return any(var in t for t in p.triples)
    if name == "Join":
        return _binds(p.p1, var) or _binds(p.p2, var)
    if name == "LeftJoin":
        return _binds(p.p1, var)
    if name in ("Filter", "Extend", "Graph"):
        return _binds(p.p, var)
    if name == "Union":
        return _binds(p.p1, var) and _binds(p.p2, var)
    return False


def _safe(p: object, var: Variable) -> bool:
    if not isinstance(p, CompValue):
        return not _mentions(p, var)
    name = p.name
    if name == "BGP":
        return True
    if name in ("Join", "Union"):
        return _safe(p.p1, var) and _safe(p.p2, var)
    if name == "LeftJoin":
        return (_safe(p.p1, var) and _safe(p.p2, var)
                and (not _mentions(p.expr, var) or _binds(p.p1, var)))
    if name == "Filter":
        return _safe(p.p, var) and (not _mentions(p.expr, var) or _binds(p.p, var))
    if name == "Extend":
        return _safe(p.p, var) and (not _mentions(p.expr, var) or _binds(p.p, var))
    if name == "Graph":
        return _safe(p.p, var)
    return not _mentions(p, var)
