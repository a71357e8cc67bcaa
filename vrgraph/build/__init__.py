"""Turn the source records and the curation into the RDF graph: stage 3 of the pipeline.

The model (IRIs, classes, properties) is documented in ``docs/model.md`` and defined in
``ontology/vrgraph.ttl``. The graph holds only what the document states, what curation adds
(each curated statement points at its curation file and line) and the document's flaws as
data-quality notes, then the steward's edits (``vrgraph.edits``). Inferences (inherited alignments, inverses) are left to
``vrgraph.reason``. No blank nodes and no timestamps: a rebuild is byte-identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .. import curation as cur
from .. import edits
from .. import source as src
from ..errors import CurationError, located
from ..namespaces import (
    DCTERMS,
    DQV,
    OA,
    ONS,
    ORG,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    TIME,
    VOID_URI_SPACE,
    VR,
    XSD,
    Base,
)
from ..text import clean, slug

DOCUMENT_SLUG = "hackney-violence-reduction-landscape"
#: The strategy's short name (``dcterms:identifier``): the canned queries' strategy column.
DOCUMENT_KEY = "hackney"
DOCUMENT_TITLE = "A whole systems approach to violence reduction: the strategic landscape"
WITHHELD = "[name withheld]"
#: The document's publisher (an agency key of agencies.yaml): the council whose strategy it
#: is ("the Council passed a motion", "Hackney's public health approach").
DOCUMENT_PUBLISHER = "lbh"
#: The council's page on its public health approach to serious violence, which the document
#: itself points readers to (line 483); the original file of the document has no known address.
DOCUMENT_SEE_ALSO = "https://hackney.gov.uk/serious-violence-support"
#: A source excerpt of at most this many lines carries its text (vr:text) in the graph.
EXCERPT_TEXT_LINES = 5
_AGENCY_CLASS = {"organisation": VR.Agency, "unit": VR.OrganisationalUnit, "board": VR.Board,
                 "partnership": VR.Partnership, "post": VR.Post}
_COLUMN = {"strategic": VR.StrategicColumn, "enabling": VR.EnablingColumn}
_SCHEME_TITLE = {"strategic": "Strategic principles", "enabling": "Enabling principles"}


@dataclass
class Sources:
    """Where the build reads from: the source copy and the curation folder."""

    document: Path
    curation: Path
    root: Path

    @classmethod
    def at(cls, root: Path) -> Sources:
        return cls(root / "data/source/violence-reduction-landscape.md",
                   root / "data/curation", root)


class Writer:
    """A graph of one strategy under ``base`` (recorded as its ``void:uriSpace``), and the
    triples every strategy's things are made of, whatever they are read from: the document
    (:class:`Builder`) or a workbook (:mod:`vrgraph.sheet.strategy`)."""

    def __init__(self, base: Base) -> None:
        self.base = base.iri
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.g.bind("vrid", base.ids)
        self.g.add((URIRef(base.dataset), URIRef(VOID_URI_SPACE), Literal(base.ids)))

    def id(self, kind: str, *keys: str) -> URIRef:
        return URIRef(self.base + "id/" + "/".join([kind, *keys]))

    def add(self, s: Node, p: Node, o: Node | str | int | None, lang: bool = True) -> None:
        """Add a triple; a ``str`` object becomes an English literal (:meth:`redact`-ed),
        an ``int`` an ``xsd:integer`` (a ``bool`` an ``xsd:boolean``); ``None``
        and empty strings add nothing."""
        if o is None or o == "":
            return
        if isinstance(o, str):
            o = Literal(self.redact(o), lang="en") if lang else Literal(self.redact(o))
        elif isinstance(o, bool):
            o = Literal(o)
        elif isinstance(o, int):
            o = Literal(str(o), datatype=XSD.integer)
        self.g.add((s, p, o))

    def redact(self, text: str) -> str:
        return text

    def scheme(self, kind: str) -> URIRef:
        """The scheme of the ``strategic`` or ``enabling`` principles."""
        node = self.id("scheme", f"{kind}-principles")
        self.g.add((node, RDF.type, VR.PrincipleScheme))
        self.g.add((node, RDF.type, SKOS.ConceptScheme))
        self.add(node, SKOS.prefLabel, _SCHEME_TITLE[kind])
        return node

    def principle_node(self, kind: str, number: int, text: str) -> URIRef:
        """Principle ``number`` of ``kind`` (``SP3``, ``EP9``) with its full text."""
        node = self.id("principle", kind, str(number))
        scheme = self.id("scheme", f"{kind}-principles")
        self.g.add((node, RDF.type,
                    VR.StrategicPrinciple if kind == "strategic" else VR.EnablingPrinciple))
        self.add(node, SKOS.notation, f"{kind[0].upper()}P{number}", lang=False)
        self.add(node, VR.principleNumber, number)
        self.add(node, SKOS.prefLabel, f"{kind.capitalize()} Principle {number}")
        self.add(node, SKOS.definition, text)
        self.g.add((node, SKOS.inScheme, scheme))
        self.g.add((node, SKOS.topConceptOf, scheme))
        return node

    def agency_node(self, ident: str, kind: str, label: str, acronym: str | None,
                    parent: URIRef | None) -> URIRef:
        """An agency or post (``kind``: organisation, unit, board, partnership, post) and
        the organisation it belongs to."""
        node = self.id("post" if kind == "post" else "agency", ident)
        self.g.add((node, RDF.type, _AGENCY_CLASS[kind]))
        self.add(node, SKOS.prefLabel, label)
        self.add(node, RDFS.label, label)
        self.add(node, VR.acronym, acronym, lang=False)
        self.add(node, SKOS.altLabel, acronym)
        if parent is not None:
            link = {"post": ORG.postIn, "unit": ORG.unitOf}.get(kind, ORG.subOrganizationOf)
            self.g.add((node, link, parent))
        return node

    def alignment(self, node: URIRef, action: URIRef, principle: URIRef, column: str,
                  mode: URIRef) -> None:
        self.g.add((node, RDF.type, VR.Alignment))
        self.g.add((node, VR.alignmentOf, action))
        self.g.add((node, VR.alignmentTo, principle))
        self.g.add((node, VR.alignmentMode, mode))
        self.g.add((node, VR.column, _COLUMN[column]))

    def note(self, kind: str, key: str, targets: list[URIRef], message: str,
             handling: str) -> URIRef:
        """A data-quality note of flaw ``kind`` (``EmptyLead``) about ``targets``."""
        node = self.id("note", slug(re.sub(r"(?<!^)(?=[A-Z])", "-", kind)),
                       re.sub(r"[^a-z0-9.]+", "-", key.lower()).strip("-"))
        if (node, RDF.type, VR.DataQualityNote) in self.g:
            raise CurationError(f"two data-quality notes share the IRI {node}")
        self.g.add((node, RDF.type, VR.DataQualityNote))
        self.g.add((node, VR.flawKind, VR[kind]))
        self.g.add((node, OA.motivatedBy, DQV.qualityAssessment))
        for t in targets:
            self.g.add((node, OA.hasTarget, t))
        self.add(node, RDFS.comment, message)
        self.add(node, VR.handling, handling)
        return node


class Builder(Writer):
    """Collects triples for one document. Use :func:`build_graph`."""

    def __init__(self, doc: src.Document, curation: cur.Curation, base: Base) -> None:
        super().__init__(base)
        self.doc = doc
        self.cur = curation
        self.personal = sorted({name for e in curation.leads.values()
                                for name in e.get("personal") or []}, key=len, reverse=True)
        self.actions = {a.number: a for a in doc.actions}
        self.misspelt = {str(e.get("text")) for e in curation.corrections.get("text_flaws", [])
                         if e.get("kind") in ("MisspeltName", "TruncatedName")}
        self.document = self.id("document", DOCUMENT_SLUG)

    # -- helpers ------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """Personal names withheld."""
        for name in self.personal:
            text = text.replace(name, WITHHELD)
        return text

    def excerpt(self, first: int, last: int | None = None) -> URIRef:
        last = first if last is None else last
        node = self.id("source", f"L{first}-L{last}")
        if (node, RDF.type, VR.SourceExcerpt) not in self.g:
            self.g.add((node, RDF.type, VR.SourceExcerpt))
            self.add(node, VR.firstLine, first)
            self.add(node, VR.lastLine, last)
            self.g.add((node, DCTERMS.isPartOf, self.document))
            label = f"lines {first}-{last}" if last != first else f"line {first}"
            self.add(node, RDFS.label, f"Source document, {label}")
            if last - first < EXCERPT_TEXT_LINES and last <= len(self.doc.lines):
                text = "\n".join(filter(None, (" | ".join(filter(None, map(
                    clean, line.split("\t")))) for line in self.doc.lines[first - 1:last])))
                self.add(node, VR.text, text)
        return node

    def derived(self, node: URIRef, lines: src.Lines | list[int]) -> None:
        span = lines if isinstance(lines, src.Lines) else src.Lines.of(lines)
        self.g.add((node, PROV.wasDerivedFrom, self.excerpt(span.first, span.last)))

    def curated(self, node: URIRef, entry: cur.Entry) -> None:
        self.add(node, VR.curatedIn, entry.where, lang=False)

    def check_line(self, entry: cur.Entry, name: str, line: int) -> int:
        """``line`` (of field ``name``) must be a line of the source document."""
        if not 1 <= line <= len(self.doc.lines):
            raise entry.error(f"line {line} is outside the source document "
                              f"(lines 1-{len(self.doc.lines)})", name)
        return line

    def check_lines(self, entry: cur.Entry, rows: list[int] | None = None) -> list[int]:
        """The source lines of an entry, each checked to exist; with ``rows``, the lines
        of the table rows it speaks of, one of which it must name."""
        lines = entry.get("source")
        if lines in (None, "curated"):
            return []
        lines = [self.check_line(entry, "source", n) for n in lines]
        if rows and not set(rows) & set(lines):
            raise entry.error(f"{lines} names none of the lines {rows} of the action rows "
                              f"this entry speaks of; add them", "source")
        return lines

    def check_text(self, entry: cur.Entry) -> int:
        """An entry's ``line`` must hold its ``text``: curation stays tied to the source."""
        line = self.check_line(entry, "line", entry["line"])
        if entry["text"] not in self.doc.lines[line - 1]:
            raise entry.error(f"line {line} of the source does not contain "
                              f"{entry['text']!r}", "text")
        return line

    def rows(self, entry: cur.Entry, numbers: list[str], name: str = "actions") -> list[int]:
        """The source lines of the action rows ``numbers``, each checked to exist."""
        for number in numbers:
            if number not in self.actions:
                raise entry.error(f"action {number!r} does not exist in the document", name)
        return sorted({n for number in numbers for n in self.actions[number].lines})

    def action(self, entry: cur.Entry, number: str, name: str = "actions") -> URIRef:
        self.rows(entry, [number], name)
        return self.id("action", number)

    def principle(self, entry: cur.Entry | None, ref: str) -> URIRef:
        m = re.fullmatch(r"(SP|EP)(\d+)", str(ref))
        kind = {"SP": "strategic", "EP": "enabling"}.get(m.group(1)) if m else None
        if not m or kind is None or self.doc.principle(kind, int(m.group(2))) is None:
            message = f"{ref!r} is not a principle of section 2 (write SP1-SP6, EP1-EP9)"
            raise entry.error(message) if entry else CurationError(message)
        return self.id("principle", kind, m.group(2))

    def target(self, key: str) -> URIRef:
        kind, _, rest = key.partition(":")
        if kind == "principle":
            p_kind, number = rest.split(":")
            return self.id("principle", p_kind, number)
        if kind == "scheme":
            return self.id("scheme", f"{rest}-principles")
        if kind == "document":
            return self.document
        return self.id(kind, rest)

    # -- the document -------------------------------------------------------------------------
    def run(self) -> Graph:
        self.document_node()
        self.sections()
        self.vision_and_factors()
        self.footnotes()
        self.principles()
        self.agencies()
        self.plans()
        self.curated_things()
        self.comms_plan()
        self.notes()
        edits.apply(self.g, self.cur.edits, self.id, self.cur.agencies, self.cur.roles)
        self.withheld()
        return self.g

    def withheld(self) -> None:
        """The gate the built graph passes: no literal holds a personal name of leads.yaml
        (the rule ``publish`` applies to a release, so nothing personal reaches
        ``data/graph.ttl``)."""
        names = self.cur.personal
        for s, p, o in self.g:
            if isinstance(o, Literal) and cur.personal_in(str(o), names):
                where = next((str(v) for v in self.g.objects(s, VR.curatedIn)), "")
                raise CurationError(f"{where + ': ' if where else ''}the graph would hold "
                                    f"the personal name of a private individual listed in "
                                    f"data/curation/leads.yaml ({s} {p}); nothing was written")

    def document_node(self) -> None:
        d = self.document
        self.g.add((d, RDF.type, VR.StrategyDocument))
        self.add(d, DCTERMS.title, DOCUMENT_TITLE)
        self.add(d, RDFS.label, DOCUMENT_TITLE)
        self.add(d, DCTERMS.identifier, DOCUMENT_KEY, lang=False)
        self.add(d, DCTERMS.description,
                 "A London borough's whole systems approach to violence reduction: its "
                 "principles, programmes, community engagement, twelve strategies and action "
                 "plans with numbered actions, lead partners and principle alignment, and a "
                 "communications plan.")
        self.g.add((d, DCTERMS.publisher, self.id("agency", DOCUMENT_PUBLISHER)))
        self.g.add((d, RDFS.seeAlso, URIRef(DOCUMENT_SEE_ALSO)))
        self.derived(d, src.Lines(1, len(self.doc.lines)))

    def sections(self) -> None:
        keys = {s.key for s in self.doc.sections}
        for s in self.doc.sections:
            node = self.id("section", s.key)
            self.g.add((node, RDF.type, VR.DocumentSection))
            if "/" not in s.key:
                self.add(node, VR.number, s.key, lang=False)
            self.add(node, DCTERMS.title, s.title)
            self.add(node, VR.text, "\n\n".join(s.paragraphs))
            parent = s.key.rsplit("/", 1)[0] if "/" in s.key else s.key.rpartition(".")[0]
            self.g.add((node, DCTERMS.isPartOf,
                        self.id("section", parent) if parent in keys else self.document))
            self.derived(node, s.lines)

    def items(self, key: str, what: str) -> list[tuple[int, str]]:
        """The list items of section ``key`` (emphasis stripped); an error if it has none."""
        section = next((s for s in self.doc.sections if s.key == key), None)
        if section is None or not section.items:
            raise CurationError(f"the source has no list under section {key} ({what})")
        return [(line, text.strip("*").strip()) for line, text in section.items]

    def vision_and_factors(self) -> None:
        """Section 1.1: the vision the Community Strategy sets out for the borough; section
        3.1: the factors the Young Black Men programme considers. One resource per list
        item, in the order printed."""
        vision = self.items("1.1", "the Community Strategy's vision")
        for i, (line, text) in enumerate(vision, 1):
            self.list_item(self.id("vision", "community-strategy", str(i)), VR.VisionStatement,
                           "1.1", line, text)
        factors = self.items("3.1", "the factors its programme considers")
        title = slug(self.doc.section("3.1").title)
        for i, (line, text) in enumerate(factors, 1):
            node = self.id("factor", title, str(i))
            self.list_item(node, VR.ProgrammeFactor, "3.1", line, text)
            self.g.add((self.id("programme", title), VR.considersFactor, node))

    def list_item(self, node: URIRef, cls: URIRef, section: str, line: int, text: str) -> None:
        self.g.add((node, RDF.type, cls))
        self.add(node, RDFS.label, text if len(text) <= 80 else text[:77] + "...")
        self.add(node, VR.text, text)
        self.g.add((node, DCTERMS.isPartOf, self.id("section", section)))
        self.derived(node, [line])

    def footnotes(self) -> None:
        for f in self.doc.footnotes:
            node = self.id("footnote", f.number)
            self.g.add((node, RDF.type, VR.Footnote))
            self.add(node, RDFS.label, f"Footnote {f.number}")
            self.add(node, VR.number, f.number, lang=False)
            self.add(node, VR.text, f.text)
            if f.target and re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", f.target):
                self.g.add((node, DCTERMS.references, URIRef(f.target)))
            self.g.add((node, DCTERMS.isPartOf, self.target(f.owner)))
            self.derived(node, [f.line])

    def principles(self) -> None:
        for kind in src.KINDS:
            scheme = self.scheme(kind)
            line, note = self.doc.scheme_notes[kind]
            self.add(scheme, SKOS.definition, note)
            self.derived(scheme, [line])
        for p in self.doc.principles:
            node = self.principle_node(p.kind, p.number, p.text)
            self.derived(node, [p.line])
            entry = self.cur.principles.get(f"{p.kind[0].upper()}P{p.number}")
            if entry:
                for term in entry.get("terms") or []:
                    self.add(node, VR.evidenceTerm, str(term))
                self.curated(node, entry)
        for key, entry in self.cur.principles.items():
            self.principle(entry, key)

    def agencies(self) -> None:
        for ident, e in self.cur.agencies.items():
            parent = e.get("parent")
            node = self.agency_node(ident, e["kind"], e["label"], e.get("acronym"),
                                    self.agency(parent) if parent else None)
            for label in e.get("alt_labels") or []:
                hidden = str(label) in self.misspelt
                self.add(node, SKOS.hiddenLabel if hidden else SKOS.altLabel, str(label))
            expanded = e.get("expanded_at")
            if e.get("acronym"):
                self.g.add((node, VR.nameSource,
                            VR.ExpandedInDocument if expanded else VR.CuratedExpansion))
            if expanded:
                self.check_line(e, "expanded_at", expanded)
                if str(e.get("acronym")) not in self.doc.lines[expanded - 1]:
                    raise e.error(f"line {expanded} of the source does not contain the "
                                  f"acronym {e.get('acronym')!r}", "expanded_at")
                self.derived(node, [expanded])
            self.check_agency_lines(ident, e)
            self.add(node, SKOS.scopeNote, e.get("reason"))
            self.curated(node, e)

    def check_agency_lines(self, ident: str, e: cur.Entry) -> None:
        """An agency's source lines exist and hold the row of every action it leads."""
        self.check_lines(e)
        for number, lead in self.cur.leads.items():
            if ident in lead["leads"]:
                self.check_lines(e, self.rows(lead, [number], number))

    def agency(self, ident: str) -> URIRef:
        kind = self.cur.agencies[ident]["kind"]
        return self.id("post" if kind == "post" else "agency", ident)

    # -- section 5 ----------------------------------------------------------------------------
    def plans(self) -> None:
        numbers = self.corrected_numbers()
        for plan in self.doc.plans:
            node = self.id("plan", plan.number)
            self.g.add((node, RDF.type, VR.ActionPlan))
            self.add(node, VR.number, plan.number, lang=False)
            self.add(node, DCTERMS.title, plan.title)
            self.add(node, VR.introduction, self.paragraphs(plan.intro))
            self.g.add((node, DCTERMS.isPartOf, self.id("section", "5")))
            self.derived(node, [plan.line, plan.actions[-1].span.last])
            for group in plan.groups:
                self.group(plan, group)
            for action in plan.actions:
                self.action_node(plan, action, numbers)
        for cell in self.doc.cells:
            self.group_cell(cell)
        for number, entry in self.cur.tiers.items():
            for tier in entry["tiers"]:
                self.g.add((self.action(entry, number, number), VR.preventionTier,
                            VR[f"{tier.capitalize()}Prevention"]))
        for number, entry in self.cur.leads.items():
            self.action(entry, number, number)
        missing = sorted(set(self.actions) - set(self.cur.tiers), key=src.natural)
        if self.cur.tiers and missing:
            raise CurationError(f"data/curation/prevention-tiers.yaml: no tier for action(s) "
                                f"{', '.join(missing)}; classify every action")

    def paragraphs(self, lines: list[tuple[int, str]]) -> str:
        section = src.Section("", "", 0, 0, lines)
        parts = section.paragraphs + [f"- {text}" for _, text in section.items]
        return "\n".join(parts)

    def group(self, plan: src.Plan, group: src.Group) -> None:
        node = self.id("group", plan.number, group.slug)
        self.g.add((node, RDF.type, VR.ActionGroup))
        self.add(node, DCTERMS.title, group.title)
        self.add(node, VR.introduction, self.paragraphs(group.intro))
        self.g.add((node, VR.groupOf, self.id("plan", plan.number)))
        self.derived(node, [group.line] + [n for n, _ in group.intro])

    def corrected_numbers(self) -> dict[str, cur.Entry]:
        """Each misprinted action number must be confirmed in corrections.yaml."""
        entries = {str(e["stated"]): e for e in self.cur.corrections.get("numbers", [])}
        for action in self.doc.actions:
            if action.number == action.stated_number:
                continue
            entry = entries.get(action.stated_number)
            if entry is None:
                raise CurationError(located(
                    "data/curation/corrections.yaml", None,
                    f"action number {action.stated_number!r} (source line "
                    f"{action.lines[0]}) reads as {action.number}; confirm it with an entry "
                    f"under 'numbers:' (stated, number, reason)"))
            if str(entry["number"]) != action.number:
                raise entry.error(f"{action.stated_number!r} reads as {action.number}, "
                                  f"not {entry['number']!r}")
        return entries

    def action_node(self, plan: src.Plan, a: src.Action, numbers: dict[str, cur.Entry]) -> None:
        node = self.id("action", a.number)
        self.g.add((node, RDF.type, VR.Action))
        self.add(node, RDFS.label, f"Action {a.number}")
        self.add(node, VR.number, a.number, lang=False)
        if a.stated_number != a.number:
            self.add(node, VR.statedNumber, a.stated_number, lang=False)
            self.curated(node, numbers[a.stated_number])
        self.add(node, VR.text, a.text)
        self.g.add((node, VR.inPlan, self.id("plan", plan.number)))
        if a.group:
            self.g.add((node, VR.inGroup, self.id("group", plan.number, a.group)))
        self.derived(node, a.lines)
        self.leads(node, a)
        for c in a.citations:
            if c.row != a.number:
                continue
            principle = self.id("principle", c.kind, str(c.number))
            self.g.add((node, VR.statedAlignment, principle))
            qualified = self.id("alignment", a.number, f"{c.kind}-{c.number}")
            self.alignment(qualified, node, principle, c.column, VR.StatedOnRow)
            self.add(qualified, VR.citedText, c.quote)
            self.derived(qualified, c.lines)

    def leads(self, node: URIRef, a: src.Action) -> None:
        entry = self.cur.leads.get(a.number)
        if entry is None:
            raise CurationError(located(
                "data/curation/leads.yaml", None,
                f"action {a.number} (source line {a.lines[0]}) has no entry; add "
                f"\"{a.number}\": {{cell: {a.lead!r}, leads: [...], reason: ...}}"))
        if " ".join(str(entry.get("cell") or "").split()) != a.lead:
            raise entry.error(f"the lead cell of action {a.number} reads {a.lead!r} in the "
                              f"source (line {a.lines[0]}), not {entry.get('cell')!r}; "
                              f"update the entry", "cell")
        if entry["source"] != a.lines:
            raise entry.error(f"{entry['source']} are not the lines of action {a.number} in "
                              f"the source, {a.lines}", "source")
        self.add(node, VR.leadCellText, a.lead, lang=False)
        for lead in entry.get("leads") or []:
            self.g.add((node, VR.ledBy, self.agency(lead)))
        for name in entry.get("personal") or []:
            if name not in a.lead:
                raise entry.error(f"{name!r} is not in the lead cell of action {a.number}",
                                  "personal")
        if entry.get("leads") or entry.get("personal"):
            self.curated(node, entry)

    def group_cell(self, cell: src.GroupCell) -> None:
        node = self.id("cell", cell.row, cell.column)
        self.g.add((node, RDF.type, VR.GroupAlignmentCell))
        self.add(node, RDFS.label, f"{cell.column.capitalize()} alignment cell of action "
                                   f"{cell.row}, printed once for {len(cell.covers) + 1} rows")
        self.g.add((node, VR.statedOnRowOf, self.id("action", cell.row)))
        self.g.add((node, VR.column, _COLUMN[cell.column]))
        self.add(node, RDFS.comment, "Evidence: " + "; ".join(cell.evidence) + ".")
        self.derived(node, [line for c in cell.citations for line in c.lines])
        for c in cell.citations:
            principle = self.id("principle", c.kind, str(c.number))
            self.g.add((node, VR.cellAlignedTo, principle))
            for number in cell.covers:
                action = self.id("action", number)
                qualified = self.id("alignment", number, f"{c.kind}-{c.number}")
                self.alignment(qualified, action, principle, cell.column,
                               VR.InheritedFromGroupCell)
                self.g.add((qualified, VR.viaCell, node))
                self.derived(qualified, c.lines)
        for number in cell.covers:
            self.g.add((self.id("action", number), VR.coveredByCell, node))

    # -- curated things -----------------------------------------------------------------------
    def curated_things(self) -> None:
        specs = [(self.cur.interventions, "intervention", VR.Intervention, VR.delivers),
                 (self.cur.target_groups, "target-group", VR.TargetGroup, VR.targets),
                 (self.cur.places, "place", VR.Place, VR.concernsPlace),
                 (self.cur.timeframes, "timeframe", VR.Timeframe, VR.timeframe)]
        for entries, kind, cls, link in specs:
            for e in entries:
                node = self.id(kind, e["id"])
                self.g.add((node, RDF.type, cls))
                self.add(node, SKOS.prefLabel, e["label"])
                self.add(node, RDFS.label, e["label"])
                self.add(node, DCTERMS.description, e.get("description"))
                for number in e["actions"]:
                    self.g.add((self.action(e, number), link, node))
                for number in e.get("plans") or []:
                    if not any(p.number == number for p in self.doc.plans):
                        raise e.error(f"plan {number!r} does not exist in the document",
                                      "plans")
                    self.g.add((self.id("plan", number), link, node))
                lines = self.check_lines(e)
                for number in e["actions"]:
                    self.check_lines(e, self.rows(e, [number]))
                if lines:
                    self.derived(node, lines)
                if e.get("ons"):
                    self.g.add((node, RDF.type, DCTERMS.Location))
                    self.g.add((node, DCTERMS.identifier, Literal(str(e["ons"]))))
                    self.g.add((node, SKOS.exactMatch, ONS[str(e["ons"])]))
                if kind == "timeframe":
                    self.interval(node, e)
                self.curated(node, e)

    def interval(self, node: URIRef, e: cur.Entry) -> None:
        for key, link in (("begins", TIME.hasBeginning), ("ends", TIME.hasEnd)):
            value = e.get(key)
            if value is None:
                continue
            value = str(value)
            if re.fullmatch(r"\d{4}", value):
                literal, prop = Literal(value, datatype=XSD.gYear), TIME.inXSDgYear
            elif re.fullmatch(r"\d{4}-\d{2}", value):
                literal, prop = Literal(value, datatype=XSD.gYearMonth), TIME.inXSDgYearMonth
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                literal, prop = Literal(value, datatype=XSD.date), TIME.inXSDDate
            else:
                raise e.error(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD", key)
            instant = URIRef(f"{node}/{'beginning' if key == 'begins' else 'end'}")
            self.g.add((instant, RDF.type, TIME.Instant))
            self.g.add((instant, prop, literal))
            self.g.add((node, link, instant))

    # -- appendix 6.1 -------------------------------------------------------------------------
    def comms_plan(self) -> None:
        plan = self.id("plan", "6.1")
        section = self.doc.section("6.1")
        self.g.add((plan, RDF.type, VR.CommunicationsPlan))
        self.add(plan, VR.number, "6.1", lang=False)
        self.add(plan, DCTERMS.title, section.title)
        self.add(plan, VR.introduction, "\n\n".join(section.paragraphs))
        self.g.add((plan, DCTERMS.isPartOf, self.id("section", "6")))
        self.g.add((plan, VR.section, self.id("section", "6.1")))
        last = max(s.lines.last for s in self.doc.sections if s.key.startswith("6.1"))
        self.derived(plan, [section.line, last])
        parts = [
            ("summary", "key-area", VR.KeyArea, VR.hasKeyArea, None),
            ("public-health-approach", "phm-step", VR.PublicHealthModelStep, VR.hasModelStep, None),
            ("objectives", "objective", VR.CommunicationObjective, VR.hasObjective, None),
            ("general", "message", VR.KeyMessage, VR.hasKeyMessage, "General"),
            ("tackling-state-violence-and-discrimination", "message", VR.KeyMessage,
             VR.hasKeyMessage, "Tackling state violence and discrimination"),
            ("call-to-actions", "message", VR.KeyMessage, VR.hasKeyMessage, "Call to action"),
            ("overarching-communications", "activity", VR.CommunicationActivity, VR.hasActivity,
             "Overarching communications"),
            ("building-trust-with-young-people", "activity", VR.CommunicationActivity,
             VR.hasActivity, "Building trust with young people"),
            ("crisis-communications", "activity", VR.CommunicationActivity, VR.hasActivity,
             "Crisis communications"),
            ("seasonal-campaign-bursts", "campaign", VR.Campaign, VR.hasCampaign, None),
            ("days-of-the-year", "awareness-day", VR.AwarenessDay, VR.hasAwarenessDay, None),
            ("success-measures", "success-measure", VR.SuccessMeasure, VR.hasSuccessMeasure, None),
        ]
        counters: dict[str, int] = {}
        for key, kind, cls, link, theme in parts:
            items = self.doc.section(f"6.1/{key}").items
            if not items:
                raise CurationError(f"the source has no list under 6.1 '{key}'")
            items = self.joined(items)
            for line, text in items:
                counters[kind] = counters.get(kind, 0) + 1
                node = self.id("comms", kind, str(counters[kind]))
                self.g.add((node, RDF.type, cls))
                self.g.add((plan, link, node))
                self.add(node, VR.text, text)
                self.derived(node, [line])
                label = text if len(text) <= 80 else text[:77] + "..."
                if cls == VR.KeyMessage:
                    self.add(node, VR.messageTheme, theme, lang=False)
                if cls == VR.CommunicationActivity:
                    self.add(node, VR.activityTheme, theme, lang=False)
                if cls == VR.PublicHealthModelStep:
                    self.add(node, VR.stepNumber, counters[kind])
                if cls == VR.AwarenessDay:
                    name, _, date = text.rpartition(",")
                    label = name.strip() or text
                    self.add(node, VR.dayDate, date.strip(), lang=False)
                if cls == VR.CommunicationObjective:
                    aim, targets = smart_targets(text)
                    label = aim if len(aim) <= 80 else aim[:77] + "..."
                    for target in targets:
                        self.add(node, VR.smartTarget, target)
                self.add(node, RDFS.label, label)
        for e in self.cur.corrections.get("stakeholders", []):
            self.check_text(e)
            if e["agency"] not in self.cur.agencies:
                raise e.error(f"{e['agency']!r} is not an id in agencies.yaml", "agency")
            role = {"internal": VR.internalStakeholder, "external": VR.externalStakeholder}
            self.g.add((plan, role[e["role"]], self.agency(e["agency"])))
        for e in self.cur.corrections.get("prose_alignments", []):
            self.check_text(e)
            subject = self.target(str(e.get("concerns")))
            for ref in e.get("principles") or []:
                self.g.add((subject, VR.alignsWithPrinciple, self.principle(e, ref)))
        for key, cls in (("3.", VR.Programme), ("4.", VR.EngagementApproach)):
            for s in self.doc.sections:
                if s.key.startswith(key) and "/" not in s.key:
                    node = self.id("programme" if cls == VR.Programme else "approach",
                                   slug(s.title))
                    self.g.add((node, RDF.type, cls))
                    self.add(node, DCTERMS.title, s.title)
                    self.add(node, RDFS.label, s.title)
                    self.add(node, DCTERMS.description, "\n\n".join(s.paragraphs))
                    self.g.add((node, VR.section, self.id("section", s.key)))
                    self.derived(node, s.lines)

    def joined(self, items: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """List items cut by a page break: an item whose next line starts in lower case."""
        out = list(items)
        for i, (line, text) in enumerate(out):
            follow = self.doc.lines[line] if line < len(self.doc.lines) else ""
            after = self.doc.lines[line + 1] if line + 1 < len(self.doc.lines) else ""
            if not follow.strip() and after[:1].islower():
                out[i] = (line, text + " " + clean(after))
        return out

    # -- data-quality notes -------------------------------------------------------------------
    def notes(self) -> None:
        for f in self.doc.flaws:
            self.note(f.kind, f.key, [self.target(t) for t in f.targets], f.message,
                      f.handling, f.lines)
        for e in self.cur.corrections.get("text_flaws", []):
            line = self.check_text(e)
            kind = str(e.get("kind"))
            if kind not in src.FLAW_KINDS:
                raise e.error(f"{kind!r} is not a flaw kind: {', '.join(src.FLAW_KINDS)}",
                              "kind")
            node = self.note(kind, f"L{line}-{slug(e['text'])[:40]}",
                             [self.target(str(e.get("concerns", "document")))],
                             str(e.get("message") or e["reason"]),
                             str(e.get("handling") or "Recorded; the text is kept as printed."),
                             src.Lines(line, line))
            self.curated(node, e)
        for number, e in self.cur.leads.items():
            if e.get("personal"):
                a = self.actions[number]
                node = self.note("PersonalName", number, [self.id("action", number)],
                                 f"The lead cell of action {number} names a private "
                                 f"individual.",
                                 "The name is withheld from the graph; the lead is modelled "
                                 "as the role the person acts in.", a.span)
                self.curated(node, e)
        aligned = {str(s).rsplit("/", 1)[1] for s in self.g.subjects(VR.statedAlignment, None)}
        aligned |= {str(s).rsplit("/", 1)[1] for s in self.g.subjects(VR.coveredByCell, None)}
        for a in self.doc.actions:
            if a.number not in aligned:
                self.note("NoAlignment", a.number, [self.id("action", a.number)],
                          f"Action {a.number} is aligned to no principle, neither on its row "
                          f"nor by a cell above it.", "Recorded; no alignment is invented.",
                          a.span)

    def note(self, kind: str, key: str, targets: list[URIRef], message: str,  # type: ignore[override]
             handling: str, lines: src.Lines) -> URIRef:
        node = super().note(kind, key, targets, message, handling)
        self.derived(node, lines)
        return node


def smart_targets(text: str) -> tuple[str, list[str]]:
    """Split a communications objective into its aim and its SMART targets
    ("... : SMART[1] XX% impressions ..., SMART [2] ..."); "[SMART objective required]"
    is a placeholder, not a target."""
    parts = re.split(r"\s*\[?SMART\b", text)
    targets = []
    for part in parts[1:]:
        part = re.sub(r"^\s*(?:\[\d+\])?[\s:,]*", "", part).rstrip(" ].;")
        if part and not part.lower().startswith("objective required"):
            targets.append(part)
    return parts[0].rstrip(" :[.,"), targets


def build_graph(sources: Sources, base: Base = Base()) -> Graph:
    """Read the source and the curation under ``sources`` and return the document graph."""
    doc = src.read(sources.document)
    curation = cur.load(sources.curation, sources.root)
    return Builder(doc, curation, base).run()


def serialise(graph: Graph) -> bytes:
    """Turtle, deterministically: rdflib sorts subjects and predicates; no blank nodes."""
    return graph.serialize(format="turtle", encoding="utf-8")
