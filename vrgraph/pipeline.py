"""The stages strung together, as the CLI and the benchmarks call them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import progress, sandbox, store
from .namespaces import PREFIX_IRIS, Base, strategy_prefixes
from .project import Project, in_background
from .store import Queryable, recorded_base

REPORT_TIMEOUT = 600.0
"""The longest the report's queries may run together, in seconds (in a confined child)."""
REPORT_MEMORY = 4 * 2**30
"""The most memory they may add, in bytes."""

if TYPE_CHECKING:  # the validator (and rdflib's SPARQL parser) is imported where it runs
    from rdflib import Graph

    from .findings import Report
    from .query.canned import CannedQuery
    from .report import Results


def build_turtle(project: Project, base: Base = Base()) -> tuple[bytes, Graph]:
    """Build the document graph and its Turtle bytes."""
    from . import build  # the curation schemas and their validator: only for a build
    from .build.writer import serialise

    project.need_sources("vrgraph build")
    graph = build.build_graph(build.Sources.at(project.root), base)
    return serialise(graph), graph


def load(project: Project, files: list[Path] | None = None) -> ox.Store:
    """Load ``files`` (default: the built graph) and the ontology, reason over them and
    find the text-evidence matches: a store in memory, free to change."""
    from . import evidence, reason  # not for a graph kept reasoned (open_graph)

    with progress.task("loading the graph", total=3) as stage:
        stage.note("parsing")
        st = store.load(files or [project.graph], [project.ontology], project.root)
        stage.advance()
        stage.note("reasoning")
        reason.materialise(st)
        stage.advance()
        stage.note("matching evidence")
        evidence.derive(st)
        stage.advance()
    return st


def open_graph(project: Project, files: list[Path] | None = None) -> ox.Store:
    """What :func:`load` gives, read-only, from the store kept on disk for these inputs
    (built first if there is none: :mod:`vrgraph.store.disk`); in memory where no store
    can be kept, or where the inputs are small enough to load faster than the kept store
    answers (``disk.MIN_MB``): then from the kept N-Quads dump of the reasoned graph
    (``disk.open_dump``). Every file is read and checked when the store is built."""
    from . import sandbox
    from .store import disk

    paths = files or [project.graph]
    where = disk.folder(project.root, project.bundled)
    from . import kept

    if where is None or not kept.plain(paths):
        return load(project, paths)    # a missing file, or one past its budget: load says so
    try:
        name = disk.key(paths, [project.ontology], where)
        if not disk.worth_keeping(paths):
            return disk.open_dump(where, name, lambda: load(project, paths))
        from . import bulk

        st, fds = disk.open_or_build(where, name, lambda into: bulk.build(
            into, paths, [project.ontology], project.root))
    except OSError:
        return load(project, paths)    # nowhere to keep it (read-only, full): in memory
    sandbox.keep_open(fds, str(where / name / "db"))
    return st


def queries(project: Project, name: str | None = None) -> dict[str, CannedQuery]:
    """The canned queries (or only the one called ``name``, if there is one: a command
    that runs one reads one), their guarded texts kept beside the stores."""
    from .query.canned import keep, load_queries, load_query, remember
    from .store import disk

    cache = disk.folder(project.root, project.bundled)
    path = project.queries / f"{name}.rq"
    if name is not None and "/" not in name and path.is_file():
        remember(cache)
        found = {name: load_query(path)}
        keep(cache)
        return found
    return load_queries(project.queries, cache)


def shapes(project: Project) -> Graph:
    from rdflib import Graph

    return Graph().parse(project.shapes, format="turtle")


def validate_files(project: Project, files: list[Path], engine: str = "sparql",
                   rdf: bool = False, keep: bool = False) -> tuple[Report, Shortener]:
    """Load, reason and validate ``files``; also return a function that shortens IRIs. With
    ``keep``, the graph comes from the store kept on disk (:func:`open_graph`) and the
    report from the last run on the same inputs, if there was one (:func:`kept_report`)."""
    from .validate import WORKERS, validate

    st = open_graph(project, files) if keep else load(project, files)
    kept = kept_report(project, files) if keep and engine == "sparql" and not rdf else None
    report = read_report(kept) if kept is not None else None
    if report is None:
        report = validate(st, shapes(project), WORKERS, engine, rdf)
        if kept is not None:
            keep_report(kept, report)
    return report, shortener_of(st)


def kept_report(project: Project, files: list[Path] | None) -> Path | None:
    """Where the validation report of ``files`` (default: the built graph) against the
    project's shapes is kept: beside the stores, named by a hash of the content of the
    graph files, the ontology, the shapes and the code of every stage that makes it (a
    change to any of them is another name, never the old report); None where nothing is
    kept."""
    from .store import disk

    where = disk.folder(project.root, project.bundled)
    if where is None:
        return None
    here = Path(__file__).resolve().parent
    code = sorted((here / "validate").glob("*.py")) + [here / "findings.py"]
    try:
        name = disk.key(files or [project.graph], [project.ontology, project.shapes, *code],
                        where)
    except OSError:
        return None
    return where / f"validation-{name}.json"


def read_report(path: Path) -> Report | None:
    """The validation report kept at ``path`` (None if there is none, or it is unreadable:
    then the graph is validated again)."""
    import json

    from .findings import from_plain

    try:
        return from_plain(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def keep_report(path: Path, report: Report) -> None:
    """Keep ``report`` at ``path`` for the next run (best effort, whole or not at all)."""
    import json

    from . import atomic
    from .findings import to_plain

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_file(path, json.dumps(to_plain(report), sort_keys=True).encode("utf-8"))
    except OSError:
        pass


def kept_answers(project: Project, files: list[Path] | None,
                 canned: dict[str, CannedQuery]) -> Path | None:
    """Where the report's query answers on ``files`` (default: the built graph) are kept
    (:mod:`vrgraph.kept`): named by the content of the graph files, the ontology and the
    code, and by the name and text of every query the report runs (their parameters'
    defaults are in their text)."""
    from . import kept
    from .report import SECTIONS

    asked = [f"{name}\n{canned[name].text}" for name in SECTIONS if name in canned]
    return kept.place(project, files, "report-answers", asked)


def read_answers(path: Path | None) -> tuple[Results | None, int]:
    """The report's query answers and the number of triples they were read from, kept at
    ``path``; (None, 0) if there are none (or they are unreadable)."""
    from . import kept
    from .report import Results

    value = kept.read(path)
    if not isinstance(value, dict) or not isinstance(value.get("tables"), dict) \
            or not isinstance(value.get("triples"), int):
        return None, 0
    return Results(value["tables"]), value["triples"]


def kept_output(project: Project, files: list[Path] | None, asked: Sequence[str]
                ) -> Path | None:
    """Where a command's printed answer to ``asked`` (a canned query's name, text, format
    and values) on ``files`` (default: the built graph) is kept (:mod:`vrgraph.kept`:
    named by the content of every input and of the code, so a changed input is another
    name); None where nothing is kept."""
    from . import kept

    if not kept.plain(files or [project.graph]):
        return None
    return kept.place(project, files, "query-output", asked)


def read_output(path: Path | None) -> str | None:
    """The answer kept at ``path`` (None: there is none; then the query runs)."""
    from . import kept

    value = kept.read(path)
    return value if isinstance(value, str) else None


def validate_in_background(st: ox.Store, project: Project) -> Callable[[], Report]:
    """Start validating the reasoned ``st`` in a forked process; return a function that
    waits for the report. Validation needs nothing the queries produce, so it runs while
    they run."""
    from .validate import WORKERS, validate

    return in_background(lambda: validate(st, shapes(project), WORKERS))


class Shortener:
    """Writes IRIs with the project's prefixes (``vr:Action``) and a prefix for the things
    of each strategy: ``vrid:action/5.1.1`` with one, each strategy's short name with
    several (``hackney:action/5.1.1``, ``northbridge:action/1.2``; see
    :func:`vrgraph.namespaces.strategy_prefixes`), so that no short IRI is ambiguous.
    ``declarations()`` lists the strategy prefixes it has written, to print beside them."""

    def __init__(self, base: Base, spaces: list[tuple[str, str]] | None = None) -> None:
        self.things = strategy_prefixes(spaces) if spaces else {"vrid": base.ids}
        self.pairs = sorted([(ns, p) for p, ns in PREFIX_IRIS.items()] +
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
    ``spaces`` (:func:`vrgraph.query.strategies.strategy_spaces`)."""
    return Shortener(base, spaces)


def shortener_of(st: Queryable) -> Shortener:
    """A :class:`Shortener` for the strategies of ``st``."""
    from .query.strategies import strategy_spaces

    return Shortener(store.base_of(st), strategy_spaces(st))


def report(project: Project, output: Path, rebuild: bool = False,
           endpoint: str | None = None, graph: str | None = None, user: str | None = None,
           prompt: Callable[[str], str | None] | None = None, files: list[Path] | None = None,
           site: str | None = None, say: Callable[[str], None] | None = None
           ) -> tuple[Path, Results, Report]:
    """The main job: (re)build or load the graph (or ``files``: several strategies, say),
    validate it, reason, run the gap and alignment queries and write the HTML report to
    ``output``. With ``endpoint`` the queries and the validation run on that SPARQL
    endpoint (``remote_validate``; where it cannot answer, on a copy of its graph, saying
    why to ``say``). With ``site`` (the published site's address) actions and
    principles link to their pages there."""
    from . import pages
    from .project import write_atomic
    from .report import collect, page_title, render, stats
    from .store import disk

    canned = queries(project)
    if endpoint:
        from .remote.endpoint import remote_store
        from .remote_validate import validate_remote

        remote = remote_store(endpoint, graph, user=user, prompt=prompt)
        validation = validate_remote(remote, project, shapes(project), say=say).report
        results, triples = collect(remote, canned), remote.count()
    else:
        if rebuild:
            data, _ = build_turtle(project, recorded_base(project))
            write_atomic(project.graph, data)
        results, triples, validation = _answer_locally(project, files, canned)
    with pages.compiled_in(disk.folder(project.root, project.bundled)):
        page = render(results, validation, stats(results, triples), page_title(results),
                      site, recorded_base(project).iri if site else None)
    write_atomic(output, page.encode("utf-8"))
    return output, results, validation


def _answer_locally(project: Project, files: list[Path] | None,
                    canned: dict[str, CannedQuery]) -> tuple[Results, int, Report]:
    """The report's query answers on ``files``, the number of triples they read and the
    validation report: kept from an earlier run on the same inputs where there is one
    (:func:`kept_answers`, :func:`kept_report`; then the graph is not even loaded), else
    made, validating in the background while the queries run in a confined child."""
    from . import kept
    from .report import collect

    # an input the readers refuse (a FIFO, a file past its budget) is not hashed for a key
    given = kept.plain(files or [project.graph])
    checked = kept_report(project, files) if given else None
    known = read_report(checked) if checked is not None else None
    answers = kept_answers(project, files, canned) if given else None
    results, triples = read_answers(answers)
    if results is not None and known is not None:
        return results, triples, known
    st = open_graph(project, files)
    pending = validate_in_background(st, project) if known is None else (lambda: known)
    if results is None:
        # what the queries read, as remote.count() counts it on a store pushed --reasoned
        # (the asserted triples alone cannot be told apart there)
        triples = store.count(st, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        # the queries read data given from outside (--data): in a confined child
        results = sandbox.run_confined(lambda: collect(st, canned), REPORT_TIMEOUT,
                                       REPORT_MEMORY)
        kept.keep(answers, {"triples": triples, "tables": results.tables})
    validation = pending()
    if known is None and checked is not None:
        keep_report(checked, validation)
    return results, triples, validation


def validate_endpoint(project: Project, endpoint: str, graph: str | None = None,
                      engine: str = "sparql", rdf: bool = False,
                      shapes_files: Sequence[Path] = (), user: str | None = None,
                      prompt: Callable[[str], str | None] | None = None,
                      say: Callable[[str], None] | None = None
                      ) -> tuple[Report, Shortener]:
    """Validate an endpoint's graph against the project's shapes or those in
    ``shapes_files``, on the store where it can answer, else on a copy of its graph (see
    ``vrgraph.remote_validate``; ``say`` is told why); also return a function that shortens
    IRIs under the base the graph records."""
    from .remote.endpoint import remote_store
    from .remote_validate import validate_remote
    from .validate.imports import read_shapes

    given = read_shapes(list(shapes_files)) if shapes_files else shapes(project)
    remote = remote_store(endpoint, graph, user=user, prompt=prompt)
    report = validate_remote(remote, project, given, engine, rdf, say).report
    return report, shortener_of(remote)
