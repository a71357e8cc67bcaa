"""Validate a graph against the SHACL shapes: stage 6 of the pipeline.

The data graph is the asserted triples plus what reasoning materialised (so shapes can
check ``vr:alignedTo`` and class membership without inference at validation time). Two
engines give the same results (``tests/test_validate.py`` checks it):

- ``sparql`` (the default): each core constraint compiled into one SPARQL query run on
  Oxigraph (``validate.compiled``); a shape the compiler does not cover goes to pySHACL;
- ``pyshacl``: pySHACL for every core constraint, on an rdflib copy of the store, with the
  shapes' targets shared between forked processes.

Either way, SHACL-SPARQL constraints whose query projects ``$this`` run once over the whole
store on Oxigraph instead of once per focus node. The report is grouped by severity, shape
and focus node, and gives the source lines of each focus node where the graph knows them.
Spec: https://www.w3.org/TR/shacl/#validation-report
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Identifier, Node

from .. import progress, reason, sandbox
from .. import store as st
from ..errors import InputError
from ..findings import SEVERITIES as SEVERITIES
from ..findings import Report as Report
from ..findings import Result as Result
from ..findings import _order
from ..namespaces import PROV, SH, VR
from ..project import Project, in_background
from .compiled import Compiled, compile_shapes, target_patterns
from .flags import for_pyshacl
from .imports import read_shapes
from .shapes import (
    CLASSES,
    TARGETS,
    ShapeError,
    check_shapes,
    sparql_path,
    targeted,
    true_in,
    write_path,
)
from .sparql import SparqlCheck, forget_shapes
from .sparql_shapes import collect, foreign_parameters
from .turtle import as_turtle as as_turtle
from .turtle import content, named

ENGINES = ("sparql", "pyshacl")
WORKERS = min(2, os.cpu_count() or 1)  # validation threads; the machines here have 2 cores
CONFINED_TIMEOUT = 1800.0
"""The longest a validation with SPARQL-carrying shapes may run, in seconds."""
CONFINED_MEMORY = 8 * 2**30
"""The most memory it may add, in bytes."""
_SPARQL_KEYS = (SH.select, SH.ask, SH.construct, SH.update)


def validate(store: ox.Store, shapes: Graph, workers: int = 1, engine: str = "sparql",
             rdf: bool = False, timeout: float = CONFINED_TIMEOUT,
             memory: int | None = CONFINED_MEMORY) -> Report:
    """Validate the (already reasoned) ``store`` against ``shapes`` with ``engine`` (see
    the module docstring), in ``workers`` threads or processes; with ``rdf`` the report
    carries its SHACL validation report graph. Shapes that carry SPARQL (constraints,
    components, targets: either engine runs it) are validated whole in a confined child
    (``vrgraph.sandbox``: no network, no files, at most ``timeout`` seconds and ``memory``
    bytes), their checks and plans included."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; use one of {ENGINES}")
    if sandbox.held() is None and carries_sparql(shapes):
        _preload()
        return sandbox.run_confined(
            lambda: validate(store, shapes, workers, engine, rdf), timeout, memory)
    check_shapes(shapes)
    core = core_shapes(shapes)
    sparql = collect(shapes, core, target_patterns(shapes, store))
    found = _Found(shapes)
    data = store  # SPARQL compares values ("3"^^xsd:byte > 2), not stand-ins
    if sparql and store.contains_named_graph(st.EXACT):
        data = st.by_value(store)
    # a constraint that reads $shapesGraph adds the shapes to the store as a named graph,
    # which the union-graph queries of the others would see: those run alone, at the end
    beside = [check for check in sparql if "shapesGraph" not in check.bindings]
    alone = [check for check in sparql if "shapesGraph" in check.bindings]

    def answers(check: SparqlCheck) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []  # found.add's arguments
        check.run(data, shapes, lambda *args, **kwargs: calls.append((args, kwargs)))
        return calls

    if engine == "pyshacl":
        compiled, left = Compiled(), targeted(core)
    else:
        compiled = compile_shapes(core, store, foreign_parameters(shapes))
        left = compiled.skipped
    # Oxigraph lets go of the GIL while it evaluates, so threads share the cores; the
    # SHACL-SPARQL constraints run beside the compiled core ones, not after them
    with progress.task("validating", len(beside) + len(compiled.checks), "check") as stage, \
            ThreadPoolExecutor(max(1, workers)) as pool:
        pending = [pool.submit(answers, check) for check in beside]
        done = [pool.submit(lambda c: list(c.violations(store)), check)
                for check in compiled.checks]
        for job in pending + done:
            job.add_done_callback(lambda _: stage.advance())
        for check, job in zip(compiled.checks, done):
            for component, focus, value in job.result():
                found.add(check.shape, SH[component], check.path, focus, value)
        for job in pending:
            for args, kwargs in job.result():
                found.add(*args, **kwargs)
    try:
        for constraint in alone:
            constraint.run(data, shapes, found.add)
    finally:
        forget_shapes(data)
    if left:  # pySHACL forks its workers: only once no thread of ours is running
        _pyshacl(store, _keeping(core, left), shapes, workers, found)
    return found.report(store, rdf)


class _Found:
    """The results as they are found: :class:`Result` records and, on request, a SHACL
    validation report graph."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.results: list[Result] = []
        # what the report graph says of each result
        self.terms: list[tuple[Node | None, Node, Node, Node, Node | None, Node | None,
                               Graph, str, Node | None]] = []
        self.about: dict[Node, tuple[Node, str, str]] = {}  # shape -> severity, message, name

    def add(self, shape: Node, component: Node, path: Node | None,
            focus_term: st.Term | Node | None, value_term: st.Term | Node | None,
            paths: Graph | None = None, severity: Node | None = None,
            message: str | None = None, constraint: Node | None = None) -> None:
        """Record one result; ``focus_term`` and ``value_term`` are Oxigraph or rdflib terms,
        ``path`` a term of ``paths`` (default: the shapes graph)."""
        focus, value = _rdflib(focus_term), _rdflib(value_term)
        paths = paths if paths is not None else self.shapes
        if shape not in self.about:
            messages = sorted(str(m) for m in self.shapes.objects(shape, SH.message))
            self.about[shape] = (self.shapes.value(shape, SH.severity) or SH.Violation,
                                 messages[0] if messages else "",
                                 _shape_name(self.shapes, shape))
        default_severity, default_message, default_name = self.about[shape]
        severity = severity or default_severity
        message = message if message is not None else (
            default_message or f"{str(component).rsplit('#', 1)[-1]} not met")
        self.results.append(Result(
            severity=str(severity).removeprefix(str(SH)),
            shape=str(constraint) if isinstance(constraint, URIRef) else default_name,
            focus=str(focus), path=_path_text(paths, path), value=_term(value),
            message=message, lines=None, component=str(component)))
        self.terms.append((focus, severity, shape, component, value, path, paths, message,
                           constraint))

    def add_pyshacl(self, results: Graph) -> None:
        """Record the results of a pySHACL report graph (not the sh:detail of a result)."""
        for node in sorted(results.objects(None, SH.result), key=str):
            messages = sorted(str(m) for m in results.objects(node, SH.resultMessage))
            shape = results.value(node, SH.sourceShape)
            component = results.value(node, SH.sourceConstraintComponent)
            if shape is None or not isinstance(component, URIRef):
                raise ValueError(f"pySHACL gave a result without its shape or component: "
                                 f"{node}")
            self.add(shape, component,
                     results.value(node, SH.resultPath), results.value(node, SH.focusNode),
                     results.value(node, SH.value), paths=results,
                     severity=results.value(node, SH.resultSeverity),
                     message=messages[0] if messages else "")

    def report(self, store: ox.Store, rdf: bool = False) -> Report:
        """The report, with each focus node's source lines read from ``store``, and with
        ``rdf`` its graph (https://www.w3.org/TR/shacl/#validation-report)."""
        lines = source_lines(store, {str(t[0]) for t in self.terms if isinstance(t[0], URIRef)})
        for r in self.results:
            r.lines = lines.get(r.focus)
        conforms = not any(r.severity == "Violation" for r in self.results)
        return Report(conforms, sorted(self.results, key=_order),
                      self.graph(store) if rdf else None)

    def graph(self, store: ox.Store) -> Graph:
        """The SHACL validation report (https://www.w3.org/TR/shacl/#validation-report):
        ``sh:conforms`` false if there is any result, whatever its severity. A blank focus
        node, value, shape or path is given with what the data or shapes graph says of it,
        copied for each result so that every blank node is nested (no labels). The results
        come in the order of the text report, their blank nodes named in that order, so that
        the Turtle written is the same at every run."""
        g, report = Graph(), BNode()
        g.bind("sh", SH)
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(not self.terms)))
        data = _StoreGraph(store)
        results: list[tuple[Any, BNode]] = []
        for n, (focus, severity, shape, component, value, path, paths, message, constraint) \
                in enumerate(self.terms):
            r = BNode()
            # in the text report's order; a blank node's random label left out of it
            known = replace(self.results[n], value=None) if isinstance(value, BNode) \
                else self.results[n]
            results.append((_order(replace(known, focus="") if isinstance(focus, BNode)
                                   else known), r))
            g.add((report, SH.result, r))
            for p, o, source in ((RDF.type, SH.ValidationResult, None),
                                 (SH.focusNode, focus, data), (SH.resultSeverity, severity, None),
                                 (SH.sourceShape, shape, self.shapes),
                                 (SH.sourceConstraintComponent, component, None),
                                 (SH.value, value, data),
                                 (SH.sourceConstraint, constraint, self.shapes),
                                 (SH.resultMessage, Literal(message), None)):
                if o is not None:
                    g.add((r, p, _copy(source, o, g, set()) if source is not None else o))
            if path is not None:
                g.add((r, SH.resultPath, write_path(paths, path, g)))
        results.sort(key=lambda kr: (kr[0], content(g, kr[1], set())))
        return named(g, [report, *(r for _, r in results)])


def _rdflib(term: st.Term | Node | None) -> Node | None:
    return st.to_rdflib(term) if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal,
                                                   ox.Triple)) else term


class _StoreGraph:
    """What an Oxigraph store says of a node, as an rdflib graph would say it."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def predicate_objects(self, node: BNode) -> Iterator[tuple[Node, Node]]:
        for q in self.store.quads_for_pattern(ox.BlankNode(str(node)), None, None):
            yield st.to_rdflib(q.predicate), st.to_rdflib(q.object)


def _copy(source: Graph | _StoreGraph, node: Node, into: Graph, above: set[Node]) -> Node:
    """``node``, or for a blank node a fresh copy of what ``source`` says of it and of the
    blank nodes below it (an anonymous shape, a blank focus node); a blank node that refers
    back to one ``above`` it is given as it is, so that a cycle ends."""
    if not isinstance(node, BNode) or node in above:
        return node
    copy = BNode()
    for p, o in sorted(source.predicate_objects(node)):
        into.add((copy, p, _copy(source, o, into, above | {node})))
    return copy


def _path_text(g: Graph, path: Node | None) -> str | None:
    """A result's path: the IRI of a predicate path, SPARQL syntax for any other."""
    if path is None or isinstance(path, URIRef):
        return None if path is None else str(path)
    try:
        return sparql_path(g, path)
    except ShapeError:
        return "(an ill-formed path)"


def _keeping(core: Graph, mine: list[Node]) -> Graph:
    """``core`` with every shape but targets only on the shapes in ``mine``, so that shapes
    referred to by others still resolve."""
    keep = set(mine)
    part = Graph()
    for s, p, o in core:
        targets = p in TARGETS or (p == RDF.type and o in CLASSES)
        if not targets or s in keep:
            part.add((s, p, o))
    return part


def carries_sparql(shapes: Graph) -> bool:
    """Whether ``shapes`` hold SPARQL text that an engine would run."""
    return any(True for key in _SPARQL_KEYS for _ in shapes.subject_objects(key))


def _preload() -> None:
    """Import what a confined validation may need: the child can open no file to import."""
    import pyshacl  # noqa: F401
    from rdflib.plugins.sparql import prepareQuery

    prepareQuery("ASK { ?s ?p ?o }")


def _pyshacl(store: ox.Store, core: Graph, shapes: Graph, workers: int, found: _Found) -> None:
    """pySHACL on an rdflib copy of ``store``; with ``workers`` > 1 the shapes' targets are
    shared out between forked processes, each validating the same data against its part
    (in one process where confined: a confined process cannot open the pipes)."""
    data = st.graph(store)
    parts = _share(for_pyshacl(core), data, 1 if sandbox.held() else workers)

    def run(part: Graph) -> Graph:
        try:
            import pyshacl  # 0.1 s to import: only where a shape needs it

            _, report, text = pyshacl.validate(data, shacl_graph=part, inference="none",
                                               allow_warnings=True, abort_on_first=False)
        except Exception as err:  # e.g. TypeError comparing an ill-typed literal
            if sandbox.refused(err):
                raise sandbox.Refused() from None
            raise InputError(f"pySHACL could not validate this data ({type(err).__name__}: "
                             f"{err}); the SPARQL engine can: use --engine sparql") from None
        if not isinstance(report, Graph):   # pySHACL's ValidationFailure: the shapes' fault
            raise InputError(f"pySHACL refused the shapes: {' '.join(str(text).split())[:300]}")
        return report
    # skolemised, blank nodes keep their labels through the pipe, so blank shapes resolve
    def skolemised(part: Graph) -> str:
        return run(part).skolemize().serialize(format="nt")

    pending = [in_background(functools.partial(skolemised, part)) for part in parts[1:]]
    found.add_pyshacl(run(parts[0]))
    for wait in pending:
        found.add_pyshacl(Graph().parse(data=wait(), format="nt").de_skolemize())


def _share(core: Graph, data: Graph, workers: int) -> list[Graph]:
    """Split the targeted shapes of ``core`` into ``workers`` shapes graphs of about equal
    work (focus nodes times constraints)."""
    shapes = targeted(core)
    if workers <= 1 or len(shapes) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [core]

    def cost(shape: Node) -> int:
        nodes = sum(1 for c in core.objects(shape, SH.targetClass)
                    for _ in data.subjects(RDF.type, c))
        return nodes * (1 + sum(1 for _ in core.objects(shape, SH.property)))

    loads: list[tuple[int, list[Node]]] = [(0, []) for _ in range(workers)]
    for shape in sorted(shapes, key=lambda s: (-cost(s), str(s))):
        i = min(range(workers), key=lambda k: loads[k][0])
        loads[i] = (loads[i][0] + cost(shape), loads[i][1] + [shape])
    return [_keeping(core, mine) for _, mine in loads if mine]


def core_shapes(shapes: Graph) -> Graph:
    """A copy of ``shapes`` for the core engines, without what no spec reading allows."""
    core = Graph()
    for t in shapes:
        if t[1] != SH.uniqueLang or true_in(shapes, t[0], SH.uniqueLang):
            core.add(t)  # pySHACL reads "1"^^xsd:boolean as true; the spec does not
    for prefix, ns in shapes.namespaces():
        core.bind(prefix, ns)
    return core


def _term(term: Node | None) -> str | None:
    if term is None:
        return None
    return term.n3() if isinstance(term, Identifier) and not isinstance(term, URIRef) \
        else str(term)


def _shape_name(shapes: Graph, shape: Node) -> str:
    """A property shape is reported by its node shape and path, blank nodes never."""
    if isinstance(shape, URIRef):
        return str(shape)
    parent = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    if parent is not None:
        text = (path.n3(shapes.namespace_manager) if isinstance(path, URIRef)
                else _path_text(shapes, path) or "")
        return f"{parent} {text}".strip()
    return "(anonymous shape)"


def source_lines(store: ox.Store, iris: set[str]) -> dict[str, str]:
    """``{iri: "110-112"}`` from each node's first source excerpt, where known; for a
    strategy built from a workbook, its cells (``{iri: "Actions!A5:H5"}``)."""
    if not iris:
        return {}
    return lines_of(st.solutions(store.query(lines_query(iris),
                                             use_default_graph_as_union=True)))


def lines_query(iris: set[str]) -> str:
    """The query :func:`source_lines` asks (also of a remote store)."""
    return (f"SELECT ?f ?first ?last ?cells WHERE {{ VALUES ?f {{ "
            f"{' '.join(f'<{f}>' for f in sorted(iris))} }} "
            f"?f <{PROV.wasDerivedFrom}> ?e . ?e <{VR.firstLine}> ?first . "
            f"OPTIONAL {{ ?e <{VR.lastLine}> ?last }} OPTIONAL {{ ?e <{VR.sheetCell}> ?cells }} }} "
            f"ORDER BY ?f ?first ?last ?cells")


def lines_of(rows: Iterable[ox.QuerySolution]) -> dict[str, str]:
    """:func:`source_lines` from the rows of :func:`lines_query`, in its order."""
    out: dict[str, str] = {}
    for row in rows:
        f, first, last, cells = (st.lexical(row[v]) for v in ("f", "first", "last", "cells"))
        if f is not None and first is not None and f not in out:   # both bound
            out[f] = cells if cells is not None else \
                first if last is None or last == first else f"{first}-{last}"
    return out


def _component(iri: str | None) -> str:
    """`` (max count)`` for sh:MaxCountConstraintComponent: which constraint failed."""
    if not iri:
        return ""
    name = re.split(r"[#/]", iri)[-1].removesuffix("ConstraintComponent")
    return " (" + re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower() + ")"


def as_json(report: Report) -> str:
    return json.dumps({
        "conforms": report.conforms,
        "counts": {s: report.count(s) for s in SEVERITIES},
        "results": [asdict(r) for r in sorted(report.results, key=_order)],
    }, indent=2, ensure_ascii=False)


def as_text(report: Report, label: str, short: Callable[[str], str] = str) -> str:
    verdict = "conforms" if report.conforms else "does not conform"
    counts = ", ".join(f"{report.count(s)} {s.lower()}{'s' if report.count(s) != 1 else ''}"
                       for s in SEVERITIES if report.count(s))
    lines = [f"{label}: {verdict}" + (f" ({counts})" if counts else "")]
    for severity, shapes in report.grouped().items():
        lines.append("")
        lines.append(f"{severity} ({report.count(severity)})")
        for shape, results in shapes.items():
            lines.append(f"  {short(shape)}: {results[0].message}")
            for r in results:
                where = "" if not r.lines else f" [{r.lines}]" if "!" in r.lines else \
                    f" [source line {r.lines}]"
                extra = f" {short(r.path)}" if r.path else ""
                value = f" = {r.value}" if r.value else ""
                what = _component(r.component)
                lines.append(f"    {short(r.focus)}{extra}{value}{what}{where}")
    return "\n".join(lines)


def validate_with_shapes(files: list[Path], shapes_files: list[Path], engine: str = "sparql",
                         rdf: bool = False, project: Project | None = None,
                         skip_remote_imports: bool = False) -> Report:
    """Validate ``files`` against the shapes in ``shapes_files``. The data graph is exactly
    ``files``, each literal as written; with ``project``, ``files`` are merged with the
    project's built graph and ontology and reasoned over, as
    ``vrgraph validate --merge`` does."""
    shapes_graph = read_shapes(shapes_files, skip_remote_imports)
    if project is None:
        data = st.load(files, [], exact=files)
    else:
        data = st.load([*files, project.graph], [project.ontology], project.root, exact=files)
        reason.materialise(data)
    return validate(data, shapes_graph, WORKERS, engine, rdf)
