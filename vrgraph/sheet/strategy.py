"""Another strategy's graph from its workbook (``vrgraph build --sheet FILE --base-iri IRI``;
issue "Stewardship", item 5): stage 3 of the pipeline for a strategy that is not the bundled
document, from the :class:`~vrgraph.sheet.strategy_book.Book` read and checked by
:mod:`vrgraph.sheet.strategy_book`.

The graph is in the bundled document's terms (``docs/model.md``), so
the shapes and every canned query work on it: a ``vr:StrategyDocument`` with its short name
(``dcterms:identifier``), principles, plans, themed groups, actions with their leads, stated
alignments (``vr:StatedOnRow``) and prevention tiers, agencies and posts, and data-quality
notes for the actions with no lead or no principle. Its things are minted under the base IRI
given, and each derives (``prov:wasDerivedFrom``) from the workbook row it was read from, and
an alignment from its cell: a ``vr:SourceExcerpt`` naming the cells (``vr:sheetCell
"Actions!A5:H5"``), whose first and last "lines" are the rows. Deterministic: the same
workbook gives the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from ..build.writer import Writer, serialise
from ..mappings import Targets
from ..namespaces import DCTERMS, PROV, RDF, RDFS, SKOS, VR, Base
from ..project import Project
from ..text import slug
from .blank import STRATEGY
from .strategy_book import DATE, KIND, Book, Row, WorkbookError, read, words


class SheetBuilder(Writer):
    """The graph of a checked :class:`Book`."""

    def __init__(self, book: Book, base: Base) -> None:
        super().__init__(base)
        self.book = book
        self.document = self.id("document", book.strategy["key"])

    def excerpt(self, sheet: str, cells: str) -> URIRef:
        """The cells ``A5:H5`` (or one, ``F5``) of ``sheet``: where a resource was read."""
        first, _, last = cells.partition(":")
        node = self.id("source", sheet.lower(), cells.lower().replace(":", "-"))
        if (node, RDF.type, VR.SourceExcerpt) not in self.g:
            self.g.add((node, RDF.type, VR.SourceExcerpt))
            self.add(node, VR.firstLine, int(re.sub(r"\D", "", first)))
            self.add(node, VR.lastLine, int(re.sub(r"\D", "", last or first)))
            self.add(node, VR.sheetCell, f"{sheet}!{cells}", lang=False)
            self.g.add((node, DCTERMS.isPartOf, self.document))
            self.add(node, RDFS.label, f"Workbook, sheet {sheet}, {cells}")
        return node

    def derived(self, node: URIRef, row: Row, key: str | None = None) -> None:
        where = (row.cell(key) if key else row.cells).split("!", 1)[1]
        self.g.add((node, PROV.wasDerivedFrom, self.excerpt(row.sheet, where)))

    def run(self) -> Graph:
        self.strategy()
        for row in self.book.rows["Agencies"]:
            v = row.values
            node = self.agency_node(v["id"], v["kind"], v["name"], v["acronym"] or None,
                                    self.agency(v["parent"]) if v["parent"] else None)
            self.derived(node, row)
        for row in self.book.rows["Principles"]:
            kind = KIND[row.values["id"][:2]]
            if (self.id("scheme", f"{kind}-principles"), RDF.type, VR.PrincipleScheme) \
                    not in self.g:
                self.scheme(kind)
            node = self.principle_node(kind, int(row.values["id"][2:]), row.values["text"])
            self.add(node, SKOS.altLabel, row.values["title"])
            for term in words(row.values["terms"]):
                self.add(node, VR.evidenceTerm, term)
            for pair in filter(None, row.values.get("matches", "").split(";")):
                prop, target = pair.split(" ", 1)
                self.g.add((node, URIRef(prop), URIRef(target)))
            self.derived(node, row)
        for row in self.book.rows["Plans"]:
            node = self.id("plan", row.values["number"])
            self.g.add((node, RDF.type, VR.ActionPlan))
            self.add(node, VR.number, row.values["number"], lang=False)
            self.add(node, DCTERMS.title, row.values["title"])
            self.add(node, VR.introduction, row.values["introduction"])
            self.g.add((node, DCTERMS.isPartOf, self.document))
            self.derived(node, row)
        for row in self.book.rows["Actions"]:
            self.action(row)
        return self.g

    def agency(self, ident: str) -> URIRef:
        kind = self.book.agencies[ident].values["kind"]
        return self.id("post" if kind == "post" else "agency", ident)

    def strategy(self) -> None:
        s, d = self.book.strategy, self.document
        self.g.add((d, RDF.type, VR.StrategyDocument))
        self.add(d, DCTERMS.title, s["title"])
        self.add(d, RDFS.label, s["title"])
        self.add(d, DCTERMS.identifier, s["key"], lang=False)
        self.add(d, DCTERMS.description, s["description"])
        if s["publisher"]:
            self.g.add((d, DCTERMS.publisher, self.agency(s["publisher"])))
        if s["issued"]:
            datatype = next(t for p, t in DATE if p.fullmatch(s["issued"]))
            self.g.add((d, DCTERMS.issued, Literal(s["issued"], datatype=datatype)))
        self.g.add((d, PROV.wasDerivedFrom,
                    self.excerpt("Strategy", f"A2:B{len(STRATEGY) + 1}")))

    def action(self, row: Row) -> None:
        v = row.values
        node = self.id("action", v["number"])
        self.g.add((node, RDF.type, VR.Action))
        self.add(node, RDFS.label, f"Action {v['number']}")
        self.add(node, VR.number, v["number"], lang=False)
        self.add(node, VR.text, v["text"])
        plan = self.id("plan", v["plan"])
        self.g.add((node, VR.inPlan, plan))
        self.derived(node, row)
        if v["group"]:
            group = self.id("group", v["plan"], slug(v["group"]))
            if (group, RDF.type, VR.ActionGroup) not in self.g:
                self.g.add((group, RDF.type, VR.ActionGroup))
                self.add(group, DCTERMS.title, v["group"])
                self.g.add((group, VR.groupOf, plan))
                self.derived(group, row, "group")
            self.g.add((node, VR.inGroup, group))
        leads = words(v["leads"])
        self.add(node, VR.leadCellText, v["cell"], lang=False)
        for ident in leads:
            self.g.add((node, VR.ledBy, self.agency(ident)))
        aligned = False
        for kind in ("strategic", "enabling"):
            for notation in words(v[kind]):
                principle = self.id("principle", kind, notation[2:])
                self.g.add((node, VR.statedAlignment, principle))
                qualified = self.id("alignment", v["number"], f"{kind}-{notation[2:]}")
                self.alignment(qualified, node, principle, kind, VR.StatedOnRow)
                self.derived(qualified, row, kind)
                aligned = True
        for tier in words(v["tiers"]):
            self.g.add((node, VR.preventionTier, VR[f"{tier.lower().capitalize()}Prevention"]))
        if not leads:
            note = self.note("EmptyLead", v["number"], [node],
                             f"Action {v['number']} names no lead ({row.cell('leads')} is "
                             f"empty).", "Recorded; no lead is invented.")
            self.derived(note, row)
        if not aligned:
            note = self.note("NoAlignment", v["number"], [node],
                             f"Action {v['number']} is aligned to no principle (its principle "
                             f"cells are empty).", "Recorded; no alignment is invented.")
            self.derived(note, row)


def build(path: Path, base: Base, targets: Callable[[], Targets] | None = None
          ) -> tuple[Graph, str]:
    """The graph of the strategy in the workbook at ``path``, its things minted under
    ``base``, and the strategy's short name."""
    book = read(path, targets)
    return SheetBuilder(book, base).run(), book.strategy["key"]


def cell_of(graph: Graph, node: str) -> str | None:
    """The workbook cells a resource of ``graph`` was read from (``Actions!A5:H5``)."""
    excerpt = graph.value(URIRef(node), PROV.wasDerivedFrom)
    value = graph.value(excerpt, VR.sheetCell) if excerpt is not None else None
    return str(value) if value is not None else None


def build_checked(project: Project, path: Path, base: Base, others: list[Path] | None = None
                  ) -> tuple[bytes, Graph, str]:
    """Build another strategy from its workbook, checked: its Turtle bytes, its graph and
    its short name. The principles its column Matches names are looked up in the graphs
    ``others`` (default: the built graph). The graph must pass the project's shapes (beside
    the graphs its mappings lead to): a violation is a ``WorkbookError`` naming the cells
    it was read from."""
    import tempfile
    from functools import cache

    from ..pipeline import load, validate_files  # the sheet stage comes after the pipeline's

    others = others or [project.graph]
    used: list[Path] = []

    @cache
    def targets() -> Targets:
        used.extend(others)
        return Targets(load(project, others))

    graph, key = build(path, base, targets)
    data = serialise(graph)
    with tempfile.TemporaryDirectory(prefix="vrgraph-sheet-") as tmp:
        built = Path(tmp) / f"{key}.ttl"
        built.write_bytes(data)
        report, short = validate_files(project, [built, *used])
    bad = sorted({f"{cell_of(graph, r.focus) or short(r.focus)}: SHACL: "
                  f"{short(r.focus)}: {r.message}"
                  for r in report.results if r.severity == "Violation"
                  and r.focus.startswith(base.ids)})
    if bad:
        raise WorkbookError(f"{path}: the strategy breaks the shapes, nothing written:\n"
                            + "\n".join(bad))
    return data, graph, key
