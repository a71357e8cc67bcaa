"""The stages strung together, as the CLI and the benchmarks call them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from . import reason, store
from .namespaces import PREFIXES, Base
from .project import Project, in_background
from .store import recorded_base
from .validate import WORKERS, Report, validate
from .validate.imports import read_shapes

if TYPE_CHECKING:
    from .report import Results


def build_turtle(project: Project, base: Base = Base()) -> tuple[bytes, Graph]:
    """Build the document graph and its Turtle bytes."""
    from . import build  # the curation schemas and their validator: only for a build

    project.need_sources("vrgraph build")
    graph = build.build_graph(build.Sources.at(project.root), base)
    return build.serialise(graph), graph


def load(project: Project, files: list[Path] | None = None) -> ox.Store:
    """Load ``files`` (default: the built graph) and the ontology, and reason over them."""
    st = store.load(files or [project.graph], [project.ontology], project.root)
    reason.materialise(st)
    return st


def shapes(project: Project) -> Graph:
    return Graph().parse(project.shapes, format="turtle")


def validate_files(project: Project, files: list[Path], engine: str = "sparql",
                   rdf: bool = False) -> tuple[Report, Callable[[str], str]]:
    """Load, reason and validate ``files``; also return a function that shortens IRIs."""
    st = load(project, files)
    report = validate(st, shapes(project), WORKERS, engine, rdf)
    return report, shortener(store.base_of(st))


def validate_in_background(st: ox.Store, project: Project) -> Callable[[], Report]:
    """Start validating the reasoned ``st`` in a forked process; return a function that
    waits for the report. Validation needs nothing the queries produce, so it runs while
    they run."""
    return in_background(lambda: validate(st, shapes(project), WORKERS))


def shortener(base: Base) -> Callable[[str], str]:
    """Write IRIs with the project's prefixes (``vrid:action/5.1.1``, ``vr:Action``)."""
    pairs = sorted([(str(ns), p) for p, ns in PREFIXES.items()] + [(base.ids, "vrid")],
                   key=lambda pair: -len(pair[0]))

    def short(iri: str) -> str:
        for ns, prefix in pairs:
            if iri.startswith(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri
    return short


def report(project: Project, output: Path, rebuild: bool = False,
           endpoint: str | None = None, graph: str | None = None, user: str | None = None,
           prompt: Callable[[str], str | None] | None = None, files: list[Path] | None = None
           ) -> tuple[Path, Results, Report]:
    """The main job: (re)build or load the graph (or ``files``: several strategies, say),
    validate it, reason, run the gap and alignment queries and write the HTML report to
    ``output``. With ``endpoint`` the queries run on that SPARQL endpoint and validation on
    a copy of its graph."""
    from .project import write_atomic
    from .query import load_queries
    from .report import collect, page_title, render, stats

    queries = load_queries(project.queries)
    if endpoint:
        from .remote import remote_store

        remote = remote_store(endpoint, graph, user=user, prompt=prompt)
        validation = validate(remote.validation_store(project), shapes(project), WORKERS)
        results, triples = collect(remote, queries), remote.count()
    else:
        if rebuild:
            data, _ = build_turtle(project, recorded_base(project))
            write_atomic(project.graph, data)
        st = load(project, files)
        # what the queries read, as remote.count() counts it on a store pushed --reasoned
        # (the asserted triples alone cannot be told apart there)
        triples = store.count(st, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        pending = validate_in_background(st, project)
        results = collect(st, queries)
        validation = pending()
    page = render(results, validation, stats(results, triples), page_title(results))
    write_atomic(output, page.encode("utf-8"))
    return output, results, validation


def validate_endpoint(project: Project, endpoint: str, graph: str | None = None,
                      engine: str = "sparql", rdf: bool = False,
                      shapes_files: Sequence[Path] = (), user: str | None = None,
                      prompt: Callable[[str], str | None] | None = None
                      ) -> tuple[Report, Callable[[str], str]]:
    """Validate a copy of an endpoint's graph (see ``RemoteStore.validation_store``)
    against the project's shapes or those in ``shapes_files``; also return a function that
    shortens IRIs under the base the copy records."""
    from .remote import remote_store

    given = read_shapes(list(shapes_files)) if shapes_files else shapes(project)
    remote = remote_store(endpoint, graph, user=user, prompt=prompt)
    copy = remote.validation_store(project)
    return validate(copy, given, WORKERS, engine, rdf), shortener(store.base_of(copy))
