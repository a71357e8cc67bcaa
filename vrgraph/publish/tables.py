"""The release's tables: actions, agencies, principles and alignments as CSV, described by
CSV on the Web metadata (``tables/csv-metadata.json``, found by CSVW processors by default).

Spec: https://www.w3.org/TR/tabular-metadata/. Rows are sorted; lines end in CRLF (RFC 4180).
A cell that would start with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) gets
an apostrophe in front, so that a spreadsheet shows it as text instead of running a formula.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from ..namespaces import DCTERMS, ORG, RDF, SKOS, VR
from ..text import natural, neutralise
from .dumps import json_bytes
from .release import Release

FOLDER = "tables"
METADATA = f"{FOLDER}/csv-metadata.json"
SEP = ";"
FOAF_PAGE = "http://xmlns.com/foaf/0.1/page"


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    datatype: str = "string"
    property: str | None = None      # propertyUrl: the graph property the column holds
    separator: bool = False          # a list, items joined with SEP
    lang: bool = False               # an English text
    required: bool = False
    suppress: bool = False

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "titles": self.name,
                               "dc:description": self.description, "datatype": self.datatype}
        if self.property:
            out["propertyUrl"] = self.property
            if self.datatype == "anyURI" and not self.separator:   # an IRI, not a literal
                out["valueUrl"] = "{+" + self.name + "}"
        if self.separator:
            out["separator"] = SEP
        if self.lang:
            out["lang"] = "en"
        if self.required:
            out["required"] = True
        if self.suppress:
            out["suppressOutput"] = True
        return out


@dataclass
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)   # (column, table)

    @property
    def path(self) -> str:
        return f"{FOLDER}/{self.name}.csv"

    def csv(self) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([c.name for c in self.columns])
        for row in self.rows:
            writer.writerow([neutralise(_cell(row.get(c.name))) for c in self.columns])
        return buf.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
        if any(SEP in item for item in items):
            raise ValueError(f"a list item contains the separator {SEP!r}: {items}")
        return SEP.join(items)
    return str(value)


V = str(VR)
IRI = Column("iri", "The resource's IRI.", "anyURI", required=True, suppress=True)
PAGE = Column("page", "The resource's web page in this release.", "anyURI", FOAF_PAGE)


class Tables:
    """The four tables of one graph."""

    def __init__(self, g: Graph, base: str) -> None:
        self.g, self.base = g, base
        self.out: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in g:
            self.out[s][p].append(o)

    def one(self, s: Node, p: Node) -> str | None:
        values = sorted(str(v) for v in self.out[s].get(p, []))
        return values[0] if values else None

    def many(self, s: Node, p: Node) -> list[str]:
        return sorted(set(str(v) for v in self.out[s].get(p, [])), key=natural)

    def of_type(self, *classes: URIRef) -> list[Node]:
        found = {s for c in classes for s in self.g.subjects(RDF.type, c)}
        return sorted(found, key=lambda s: natural(str(s)))

    def page(self, s: Node) -> str:
        return self.base + "doc/" + str(s)[len(self.base) + 3:] + ".html"

    def label(self, s: Node) -> str:
        return self.one(s, SKOS.prefLabel) or self.one(s, VR.number) or str(s)

    def notation(self, s: Node) -> str:
        return self.one(s, SKOS.notation) or str(s).rsplit("/", 1)[-1]

    def alignments_of(self) -> tuple[dict[Node, list[Node]], dict[Node, list[Node]]]:
        by_action: dict[Node, list[Node]] = defaultdict(list)
        by_principle: dict[Node, list[Node]] = defaultdict(list)
        for a in self.of_type(VR.Alignment):
            for action in self.out[a].get(VR.alignmentOf, []):
                by_action[action].append(a)
            for principle in self.out[a].get(VR.alignmentTo, []):
                by_principle[principle].append(a)
        return by_action, by_principle

    def actions(self) -> Table:
        t = Table("actions", "Actions", "Every numbered action of the action plans, with its "
                  "plan, group, lead partners, the principles it is aligned to and the "
                  "interventions it delivers.", [
                      IRI,
                      Column("number", "Number as corrected (5.9.7).", property=V + "number"),
                      Column("stated_number", "Number as printed, where it differs.",
                             property=V + "statedNumber"),
                      Column("plan", "The action plan.", "anyURI", V + "inPlan"),
                      Column("plan_number", "The plan's number."),
                      Column("plan_title", "The plan's title."),
                      Column("group", "The themed group of the plan.", "anyURI", V + "inGroup"),
                      Column("group_title", "The group's title."),
                      Column("text", "The action's text.", property=V + "text", lang=True),
                      Column("lead_cell_text", "The lead cell as printed, personal names "
                             "withheld.", property=V + "leadCellText"),
                      Column("leads", "Lead partners (agencies or posts).", "anyURI",
                             V + "ledBy", separator=True),
                      Column("lead_names", "Names of the lead partners, for reading.",
                             suppress=True),
                      Column("aligned_to", "Principles the action is aligned to, stated "
                             "or inherited.", "anyURI", V + "alignedTo", separator=True),
                      Column("principles", "Notations of those principles (SP1, EP3).",
                             separator=True, suppress=True),
                      Column("interventions", "Named interventions it delivers.", "anyURI",
                             V + "delivers", separator=True),
                      PAGE,
                  ])
        by_action, _ = self.alignments_of()
        actions = self.of_type(VR.Action)
        for s in sorted(actions, key=lambda s: natural(self.one(s, VR.number) or "")):
            plan = self.one(s, VR.inPlan)
            group = self.one(s, VR.inGroup)
            principles = sorted({self.one(a, VR.alignmentTo) or "" for a in by_action[s]} - {""},
                                key=natural)
            leads = self.many(s, VR.ledBy)
            t.rows.append({
                "iri": str(s), "number": self.one(s, VR.number),
                "stated_number": self.one(s, VR.statedNumber),
                "plan": plan, "plan_number": self.one(URIRef(plan), VR.number) if plan else None,
                "plan_title": self.one(URIRef(plan), DCTERMS.title) if plan else None,
                "group": group,
                "group_title": self.one(URIRef(group), DCTERMS.title) if group else None,
                "text": self.one(s, VR.text), "lead_cell_text": self.one(s, VR.leadCellText),
                "leads": leads, "lead_names": "; ".join(self.label(URIRef(x)) for x in leads),
                "aligned_to": principles,
                "principles": sorted((self.notation(URIRef(p)) for p in principles), key=natural),
                "interventions": self.many(s, VR.delivers), "page": self.page(s),
            })
        return t

    def agencies(self) -> Table:
        t = Table("agencies", "Agencies and posts", "Every organisation, unit, board, "
                  "partnership and post the document names, with the actions each leads.", [
                      IRI,
                      Column("key", "The last part of the IRI."),
                      Column("kind", "Agency, OrganisationalUnit, Board, Partnership or Post."),
                      Column("label", "Full name.", property=str(SKOS.prefLabel), lang=True),
                      Column("acronym", "Acronym.", property=V + "acronym"),
                      Column("alt_labels", "Other spellings met in the document.",
                             property=str(SKOS.altLabel), separator=True, lang=True),
                      Column("parent", "The organisation it is part of, or the organisation "
                             "of a post.", "anyURI"),
                      Column("actions_led", "How many actions it leads.", "integer"),
                      PAGE,
                  ])
        led: dict[str, int] = defaultdict(int)
        for _, o in self.g.subject_objects(VR.ledBy):
            led[str(o)] += 1
        kinds = [VR.Agency, VR.OrganisationalUnit, VR.Board, VR.Partnership, VR.Post]
        for s in self.of_type(*kinds):
            types = [k for k in kinds if k in self.out[s].get(RDF.type, [])]
            parent = (self.one(s, ORG.unitOf) or self.one(s, ORG.subOrganizationOf)
                      or self.one(s, ORG.postIn))
            t.rows.append({
                "iri": str(s), "key": str(s).rsplit("/", 1)[-1],
                "kind": str(types[-1])[len(V):] if types else "",
                "label": self.label(s), "acronym": self.one(s, VR.acronym),
                "alt_labels": self.many(s, SKOS.altLabel), "parent": parent,
                "actions_led": led.get(str(s), 0), "page": self.page(s),
            })
        return t

    def principles(self) -> Table:
        t = Table("principles", "Principles", "The strategic (what) and enabling (how) "
                  "violence-reduction principles, with how many actions are aligned to each.", [
                      IRI,
                      Column("notation", "SP1 to SP6, EP1 to EP8.", property=str(SKOS.notation)),
                      Column("kind", "strategic or enabling."),
                      Column("number", "Number within its kind.", "integer",
                             V + "principleNumber"),
                      Column("label", "Label.", property=str(SKOS.prefLabel), lang=True),
                      Column("definition", "The principle's text.",
                             property=str(SKOS.definition), lang=True),
                      Column("actions_aligned", "Actions aligned to it, stated or inherited.",
                             "integer"),
                      Column("actions_stated", "Actions whose own row states it.", "integer"),
                      PAGE,
                  ])
        _, by_principle = self.alignments_of()
        for s in self.of_type(VR.StrategicPrinciple, VR.EnablingPrinciple):
            stated = {self.one(a, VR.alignmentOf) for a in by_principle[s]
                      if self.one(a, VR.alignmentMode) == V + "StatedOnRow"}
            t.rows.append({
                "iri": str(s), "notation": self.notation(s),
                "kind": "strategic" if VR.StrategicPrinciple in self.out[s][RDF.type]
                else "enabling",
                "number": self.one(s, VR.principleNumber), "label": self.label(s),
                "definition": self.one(s, SKOS.definition),
                "actions_aligned": len({self.one(a, VR.alignmentOf) for a in by_principle[s]}),
                "actions_stated": len(stated), "page": self.page(s),
            })
        t.rows.sort(key=lambda r: (r["kind"] != "strategic", natural(r["notation"])))
        return t

    def alignments(self) -> Table:
        t = Table("alignments", "Alignments", "Every qualified link of an action to a "
                  "principle: stated on the action's own row, or inherited from an alignment "
                  "cell printed once for several rows, with the text cited.", [
                      IRI,
                      Column("action", "The action.", "anyURI", V + "alignmentOf",
                             required=True),
                      Column("action_number", "The action's number."),
                      Column("principle", "The principle.", "anyURI", V + "alignmentTo",
                             required=True),
                      Column("principle_notation", "The principle's notation."),
                      Column("mode", "stated (on the row) or inherited (from a group cell)."),
                      Column("column", "The table column it was printed in: strategic or "
                             "enabling."),
                      Column("via_cell", "The group alignment cell, for inherited ones.",
                             "anyURI", V + "viaCell"),
                      Column("cited_text", "The text quoted after the principle's number.",
                             property=V + "citedText", lang=True),
                      PAGE,
                  ], foreign_keys=[("action", "actions"), ("principle", "principles")])
        for s in self.of_type(VR.Alignment):
            action, principle = self.one(s, VR.alignmentOf), self.one(s, VR.alignmentTo)
            mode = self.one(s, VR.alignmentMode) or ""
            column = self.one(s, VR.column) or ""
            t.rows.append({
                "iri": str(s), "action": action,
                "action_number": self.one(URIRef(action), VR.number) if action else None,
                "principle": principle,
                "principle_notation": self.notation(URIRef(principle)) if principle else None,
                "mode": "stated" if mode.endswith("StatedOnRow") else "inherited",
                "column": "strategic" if column.endswith("StrategicColumn") else "enabling",
                "via_cell": self.one(s, VR.viaCell), "cited_text": self.one(s, VR.citedText),
                "page": self.page(s),
            })
        t.rows.sort(key=lambda r: (natural(r["action_number"] or ""),
                                   natural(r["principle_notation"] or "")))
        return t

    def all(self) -> list[Table]:
        return [self.actions(), self.agencies(), self.principles(), self.alignments()]


def metadata(tables: list[Table], release: Release) -> bytes:
    """CSVW metadata for ``tables`` (a table group), as JSON."""
    doc: dict[str, Any] = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": f"{release.title}: tables",
        "dc:description": "Tables derived from the graph. A cell that would start with =, +, "
                          "- or @ is prefixed with an apostrophe (') so that spreadsheets show "
                          "it as text. List cells are separated by ';'.",
        "dc:license": {"@id": release.licence},
        "dc:issued": {"@value": release.release, "@type": "xsd:date"},
        "dc:publisher": release.publisher_name,
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tables": [],
    }
    for t in tables:
        schema: dict[str, Any] = {"aboutUrl": "{+iri}", "primaryKey": "iri",
                                  "columns": [c.schema() for c in t.columns]}
        if t.foreign_keys:
            schema["foreignKeys"] = [{"columnReference": col,
                                      "reference": {"resource": f"{name}.csv",
                                                    "columnReference": "iri"}}
                                     for col, name in t.foreign_keys]
        doc["tables"].append({"url": f"{t.name}.csv", "dc:title": t.title,
                              "dc:description": t.description, "tableSchema": schema})
    return json_bytes(doc)


def build(g: Graph, base: str, release: Release) -> tuple[list[Table], dict[str, bytes]]:
    """The tables and their files (``tables/*.csv`` and the CSVW metadata)."""
    tables = Tables(g, base).all()
    files = {t.path: t.csv() for t in tables}
    files[METADATA] = metadata(tables, release)
    return tables, files

