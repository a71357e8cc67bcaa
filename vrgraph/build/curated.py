"""What curation adds to the document (``data/curation/*.yaml``, ``docs/model.md``
"Curation files"): the agencies and posts (W3C Organization Ontology,
https://www.w3.org/TR/vocab-org/), the interventions, target groups, places (ONS codes)
and timeframes (OWL-Time, https://www.w3.org/TR/owl-time/) the actions concern, and the
principles a passage of prose aligns with.

Each curated statement points at its curation file and line (``vr:curatedIn``).
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef

from .. import curation as cur
from ..namespaces import DCTERMS, ONS, RDF, RDFS, SKOS, TIME, VR, XSD
from .builder import Builder


def agencies(b: Builder) -> None:
    for ident, e in b.cur.agencies.items():
        parent = e.get("parent")
        node = b.agency_node(ident, e["kind"], e["label"], e.get("acronym"),
                             b.agency(parent) if parent else None)
        for label in e.get("alt_labels") or []:
            hidden = str(label) in b.misspelt
            b.add(node, SKOS.hiddenLabel if hidden else SKOS.altLabel, str(label))
        expanded = e.get("expanded_at")
        if e.get("acronym"):
            b.g.add((node, VR.nameSource,
                     VR.ExpandedInDocument if expanded else VR.CuratedExpansion))
        if expanded:
            b.check_line(e, "expanded_at", expanded)
            if str(e.get("acronym")) not in b.doc.lines[expanded - 1]:
                raise e.error(f"line {expanded} of the source does not contain the "
                              f"acronym {e.get('acronym')!r}", "expanded_at")
            b.derived(node, [expanded])
        _check_agency_lines(b, ident, e)
        b.add(node, SKOS.scopeNote, e.get("reason"))
        b.curated(node, e)


def _check_agency_lines(b: Builder, ident: str, e: cur.Entry) -> None:
    """An agency's source lines exist and hold the row of every action it leads."""
    b.check_lines(e)
    for number, lead in b.cur.leads.items():
        if ident in lead["leads"]:
            b.check_lines(e, b.rows(lead, [number], number))


def curated_things(b: Builder) -> None:
    specs = [(b.cur.interventions, "intervention", VR.Intervention, VR.delivers),
             (b.cur.target_groups, "target-group", VR.TargetGroup, VR.targets),
             (b.cur.places, "place", VR.Place, VR.concernsPlace),
             (b.cur.timeframes, "timeframe", VR.Timeframe, VR.timeframe)]
    for entries, kind, cls, link in specs:
        for e in entries:
            node = b.id(kind, e["id"])
            b.g.add((node, RDF.type, cls))
            b.add(node, SKOS.prefLabel, e["label"])
            b.add(node, RDFS.label, e["label"])
            b.add(node, DCTERMS.description, e.get("description"))
            for number in e["actions"]:
                b.g.add((b.action(e, number), link, node))
            for number in e.get("plans") or []:
                if not any(p.number == number for p in b.doc.plans):
                    raise e.error(f"plan {number!r} does not exist in the document", "plans")
                b.g.add((b.id("plan", number), link, node))
            lines = b.check_lines(e)
            for number in e["actions"]:
                b.check_lines(e, b.rows(e, [number]))
            if lines:
                b.derived(node, lines)
            if e.get("ons"):
                b.g.add((node, RDF.type, DCTERMS.Location))
                b.g.add((node, DCTERMS.identifier, Literal(str(e["ons"]))))
                b.g.add((node, SKOS.exactMatch, ONS[str(e["ons"])]))
            if kind == "timeframe":
                _interval(b, node, e)
            b.curated(node, e)


def _interval(b: Builder, node: URIRef, e: cur.Entry) -> None:
    """A timeframe's beginning and end, each an instant at a year, a month or a day."""
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
        b.g.add((instant, RDF.type, TIME.Instant))
        b.g.add((instant, prop, literal))
        b.g.add((node, link, instant))


def prose_alignments(b: Builder) -> None:
    """The principles a programme or approach aligns with, as its prose says
    (``corrections.yaml``, ``prose_alignments``)."""
    for e in b.cur.corrections.get("prose_alignments", []):
        b.check_text(e)
        subject = b.target(str(e.get("concerns")))
        for ref in e.get("principles") or []:
            b.g.add((subject, VR.alignsWithPrinciple, b.principle(e, ref)))
