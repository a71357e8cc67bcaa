"""The stages strung together, as the CLI and the benchmarks call them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph

from . import reason, sandbox, store
from .namespaces import DCTERMS, PREFIXES, VR, Base, strategy_prefixes
from .project import Project, in_background
from .store import Queryable, recorded_base
from .validate import WORKERS, Report, validate
from .validate.imports import read_shapes

REPORT_TIMEOUT = 600.0
"""The longest the report's queries may run together, in seconds (in a confined child)."""
REPORT_MEMORY = 4 * 2**30
"""The most memory they may add, in bytes."""

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
                   rdf: bool = False) -> tuple[Report, Shortener]:
    """Load, reason and validate ``files``; also return a function that shortens IRIs."""
    st = load(project, files)
    report = validate(st, shapes(project), WORKERS, engine, rdf)
    return report, shortener_of(st)


def validate_in_background(st: ox.Store, project: Project) -> Callable[[], Report]:
    """Start validating the reasoned ``st`` in a forked process; return a function that
    waits for the report. Validation needs nothing the queries produce, so it runs while
    they run."""
    return in_background(lambda: validate(st, shapes(project), WORKERS))


_SPACES = f"""SELECT ?document ?key WHERE {{
  ?document a <{VR.StrategyDocument}> OPTIONAL {{ ?document <{DCTERMS.identifier}> ?key }}
}} ORDER BY ?document ?key"""


def strategy_spaces(st: Queryable) -> list[tuple[str, str]]:
    """``(short name, {base}id/)`` of each strategy of ``st`` minted ``{base}id/document/``."""
    out: dict[str, str] = {}
    for row in store.solutions(st.query(_SPACES, use_default_graph_as_union=True)):
        doc = str(row[0].value)
        base, sep, name = doc.rpartition("id/document/")
        if sep:
            out.setdefault(base + "id/", row[1].value if row[1] is not None else name)
    return sorted((key, ids) for ids, key in out.items())


class Shortener:
    """Writes IRIs with the project's prefixes (``vr:Action``) and a prefix for the things
    of each strategy: ``vrid:action/5.1.1`` with one, each strategy's short name with
    several (``hackney:action/5.1.1``, ``northbridge:action/1.2``; see
    :func:`vrgraph.namespaces.strategy_prefixes`), so that no short IRI is ambiguous.
    ``declarations()`` lists the strategy prefixes it has written, to print beside them."""

    def __init__(self, base: Base, spaces: list[tuple[str, str]] | None = None) -> None:
        self.things = strategy_prefixes(spaces) if spaces else {"vrid": base.ids}
        self.pairs = sorted([(str(ns), p) for p, ns in PREFIXES.items()] +
                            [(ns, p) for p, ns in self.things.items()],
                            key=lambda pair: (-len(pair[0]), pair[1]))
        self.used: set[str] = set()

    def __call__(self, iri: str) -> str:
        for ns, prefix in self.pairs:
            if iri.startswith(ns):
                if prefix in self.things:
                    self.used.add(prefix)
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def declarations(self) -> str:
        """``PREFIX name: <IRI>`` lines for the strategy prefixes written, where there are
        several strategies (one strategy's ``vrid:`` goes without saying); else ``""``."""
        if len(self.things) < 2:
            return ""
        return "\n".join(f"PREFIX {p}: <{self.things[p]}>" for p in sorted(self.used))


def shortener(base: Base, spaces: list[tuple[str, str]] | None = None) -> Shortener:
    """A :class:`Shortener` for things minted under ``base``, or for each strategy of
    ``spaces`` (:func:`strategy_spaces`)."""
    return Shortener(base, spaces)


def shortener_of(st: Queryable) -> Shortener:
    """A :class:`Shortener` for the strategies of ``st``."""
    return Shortener(store.base_of(st), strategy_spaces(st))


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
        # the queries read data given from outside (--data): in a confined child
        results = sandbox.run_confined(lambda: collect(st, queries), REPORT_TIMEOUT,
                                       REPORT_MEMORY)
        validation = pending()
    page = render(results, validation, stats(results, triples), page_title(results))
    write_atomic(output, page.encode("utf-8"))
    return output, results, validation


def validate_endpoint(project: Project, endpoint: str, graph: str | None = None,
                      engine: str = "sparql", rdf: bool = False,
                      shapes_files: Sequence[Path] = (), user: str | None = None,
                      prompt: Callable[[str], str | None] | None = None
                      ) -> tuple[Report, Shortener]:
    """Validate a copy of an endpoint's graph (see ``RemoteStore.validation_store``)
    against the project's shapes or those in ``shapes_files``; also return a function that
    shortens IRIs under the base the copy records."""
    from .remote import remote_store

    given = read_shapes(list(shapes_files)) if shapes_files else shapes(project)
    remote = remote_store(endpoint, graph, user=user, prompt=prompt)
    copy = remote.validation_store(project)
    return validate(copy, given, WORKERS, engine, rdf), shortener_of(copy)
