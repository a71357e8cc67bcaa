"""SHACL-SPARQL in the shapes graph, read into checks: SPARQL-based constraints
(``sh:sparql``, https://www.w3.org/TR/shacl/#sparql-constraints) and SPARQL-based
constraint components (``sh:validator``, ``sh:nodeValidator``, ``sh:propertyValidator``,
https://www.w3.org/TR/shacl/#sparql-constraint-components): part of stage 6.

Each constraint, and each use of a component by a shape, becomes a
``vrgraph.validate.sparql.SparqlCheck``: its query with its prefixes declared
(https://www.w3.org/TR/shacl/#sparql-prefixes) and ``$PATH`` replaced by the property
shape's path, checked against the pre-binding rules (``vrgraph.validate.prebinding``); the
validator for the kind of shape (https://www.w3.org/TR/shacl/#constraint-components-validators;
one of the wrong kind is refused); a component's parameters
(https://www.w3.org/TR/shacl/#constraint-components-parameters) as pre-bound variables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from .. import sandbox, sparql_guard
from .. import store as st
from ..namespaces import SH
from ..sparql_guard import GuardError
from .components import union
from .prebinding import blank_out, projection, vet, vet_all
from .shapes import LISTS, ShapeError, listed, name_of, sparql_path, true_in
from .sparql import SHAPES_GRAPH, SparqlCheck


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
                raise ShapeError(f"SPARQL constraint {name_of(c)} of shape {name_of(shape)} has no "
                                 "sh:select (https://www.w3.org/TR/shacl/#sparql-constraints-syntax)")
            messages = _messages(shapes, c, shape)
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
    for key in LISTS:
        found |= set(listed(shapes, None, key))
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
                raise ShapeError(f"a parameter of constraint component {name_of(cc)} has no IRI "
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
        raise ShapeError(f"constraint component {name_of(component)} has no validator for "
                         f"{'property' if path is not None else 'node'} shapes such as "
                         f"{name_of(shape)}: add sh:validator or sh:{kind.rsplit('#')[-1]}")
    ask = shapes.value(validator, SH.ask)
    select = shapes.value(validator, SH.select)
    if specific is not None and (select is None or ask is not None):
        raise ShapeError(f"validator {name_of(validator)} of {name_of(component)} is a value of "
                         f"sh:{kind.rsplit('#')[-1]}, so it must be a SELECT-based validator "
                         "(one sh:select, no sh:ask; https://www.w3.org/TR/shacl/#SPARQLSelectValidator)")
    if specific is None and (ask is None or select is not None):
        raise ShapeError(f"validator {name_of(validator)} of {name_of(component)} is a value of "
                         "sh:validator, so it must be an ASK-based validator (one sh:ask, no "
                         "sh:select; https://www.w3.org/TR/shacl/#SPARQLAskValidator)")
    names = {p: _parameter_name(p) for p, _ in params}
    query = _prepare(shapes, validator, str(ask if ask is not None else select), path, shape,
                     ask=ask is not None, parameters=sorted(names.values()))
    bindings = _bindings(query, shape)
    for p, _ in params:
        if len(found[p]) > 1:
            raise ShapeError(f"shape {name_of(shape)} has {len(found[p])} values of parameter "
                             f"{name_of(p)} of {name_of(component)}: a constraint has one "
                             "(https://www.w3.org/TR/shacl/#syntax-rule-multiple-parameters)")
        if found[p]:
            bindings[names[p]] = st.to_ox(found[p][0])
    messages = _messages(shapes, validator, component, shape)
    return SparqlCheck(shape, component, None, path, query, ask is not None, focus, messages,
                       severity, bindings)


def _messages(shapes: Graph, *nodes: Node) -> list[str]:
    """The sh:message values of the first of ``nodes`` that has any, sorted
    (https://www.w3.org/TR/shacl/#sparql-constraints-variables)."""
    for node in nodes:
        found = sorted(map(str, shapes.objects(node, SH.message)))
        if found:
            return found
    return []


def _focus(shapes: Graph, shape: Node, targets: Callable[[Node], str | None]) -> str | None:
    """A pattern binding ?this to the focus nodes of ``shape``: its targets', or those of
    the targeted node shapes that have it as sh:property."""
    own = targets(shape)
    if own is not None:
        return own
    parents = [p for parent in sorted(shapes.subjects(SH.property, shape), key=str)
               if (p := targets(parent)) is not None]
    if not parents:
        return None
    return union(parents)


def _prepare(shapes: Graph, node: Node, text: str, path: Node | None, shape: Node,
             ask: bool, parameters: Sequence[str] = ()) -> str:
    """The query with its sh:prefixes declared and ``$PATH`` replaced, checked against the
    pre-binding rules (https://www.w3.org/TR/shacl/#pre-binding) for the potentially
    pre-bound variables of its kind (``parameters``: a component's parameter names)."""
    where = f"the SPARQL query of {name_of(node)} (shape {name_of(shape)})"
    bare = vet(text, where, ask, parameters)
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
    returned = projection(blank_out(query))
    if not ask and "*" not in returned and not re.search(r"[?$]this\b", returned):
        raise ShapeError(f"{where} does not return $this in its SELECT clause, as SHACL "
                         "asks (https://www.w3.org/TR/shacl/#sparql-constraints-syntax)")
    return query


_PN_PREFIX = re.compile(sparql_guard.PN_PREFIX)
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^<>"{}|^`\\\x00-\x20]*')


def _declared(shapes: Graph, d: Node, source: Node, shape: Node) -> tuple[str, str]:
    """The (prefix, namespace) of the declaration ``d``, each checked before it goes into
    a ``PREFIX`` line the project writes: a SPARQL prefix name, and an absolute IRI
    (https://www.w3.org/TR/shacl/#sparql-prefixes)."""
    prefix, ns = shapes.value(d, SH.prefix), shapes.value(d, SH.namespace)
    where = f"shape {name_of(shape)}: a prefix declaration of {name_of(source)}"
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
                raise ShapeError(f"prefix {prefix}: is declared twice in {name_of(source)}, "
                                 f"as <{out[str(prefix)]}> and <{ns}>")
            out[str(prefix)] = str(ns)
    return sorted(out.items())


def _parameter_name(path: Node) -> str:
    """A parameter's name: the local name of its sh:path
    (https://www.w3.org/TR/shacl/#constraint-components-parameters)."""
    name = re.search(r"[A-Za-z_][\w.-]*$", str(path))
    if name is None or name.group(0) in ("this", "shapesGraph", "currentShape", "path",
                                         "PATH", "value") or not re.fullmatch(r"\w+", name.group(0)):
        raise ShapeError(f"parameter {name_of(path)} has no name SHACL allows as a SPARQL "
                         "variable (https://www.w3.org/TR/shacl/#constraint-components-parameters)")
    return name.group(0)


def instances(g: Graph, cls: Node) -> set[Node]:
    """The SHACL instances of ``cls`` in ``g``: typed with it or a subclass of it."""
    classes = set(g.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in classes for s in g.subjects(RDF.type, c)}


def _bindings(query: str, shape: Node) -> dict[str, st.Term]:
    out: dict[str, st.Term] = {}
    bare = blank_out(query)
    if re.search(r"[?$]currentShape\b", bare):
        out["currentShape"] = st.to_ox(shape)
    if re.search(r"[?$]shapesGraph\b", bare):
        out["shapesGraph"] = SHAPES_GRAPH
    return out
