"""What sections 1 to 4 of the document state: the document and its sections, the
Community Strategy's vision (1.1), the principles (section 2, SKOS concept schemes,
https://www.w3.org/TR/skos-reference/), the programmes and the factors they consider
(section 3, 3.1), the engagement approaches (section 4) and the footnotes.

IRIs and terms: ``docs/model.md``.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from .. import source as src
from ..errors import CurationError
from ..namespaces import DCTERMS, RDF, RDFS, SKOS, VR
from ..text import slug
from .builder import (
    DOCUMENT_KEY,
    DOCUMENT_PUBLISHER,
    DOCUMENT_SEE_ALSO,
    DOCUMENT_TITLE,
    Builder,
)
from .writer import notation, short


def document_node(b: Builder) -> None:
    d = b.document
    b.g.add((d, RDF.type, VR.StrategyDocument))
    b.add(d, DCTERMS.title, DOCUMENT_TITLE)
    b.add(d, RDFS.label, DOCUMENT_TITLE)
    b.add(d, DCTERMS.identifier, DOCUMENT_KEY, lang=False)
    b.add(d, DCTERMS.description,
          "A London borough's whole systems approach to violence reduction: its "
          "principles, programmes, community engagement, twelve strategies and action "
          "plans with numbered actions, lead partners and principle alignment, and a "
          "communications plan.")
    b.g.add((d, DCTERMS.publisher, b.id("agency", DOCUMENT_PUBLISHER)))
    b.g.add((d, RDFS.seeAlso, URIRef(DOCUMENT_SEE_ALSO)))
    b.derived(d, src.Lines(1, len(b.doc.lines)))


def sections(b: Builder) -> None:
    keys = {s.key for s in b.doc.sections}
    for s in b.doc.sections:
        node = b.id("section", s.key)
        b.g.add((node, RDF.type, VR.DocumentSection))
        if "/" not in s.key:
            b.add(node, VR.number, s.key, lang=False)
        b.add(node, DCTERMS.title, s.title)
        b.add(node, VR.text, "\n\n".join(s.paragraphs))
        parent = s.key.rsplit("/", 1)[0] if "/" in s.key else s.key.rpartition(".")[0]
        b.g.add((node, DCTERMS.isPartOf,
                 b.id("section", parent) if parent in keys else b.document))
        b.derived(node, s.lines)


def _items(b: Builder, key: str, what: str) -> list[tuple[int, str]]:
    """The list items of section ``key`` (emphasis stripped); an error if it has none."""
    section = next((s for s in b.doc.sections if s.key == key), None)
    if section is None or not section.items:
        raise CurationError(f"the source has no list under section {key} ({what})")
    return [(line, text.strip("*").strip()) for line, text in section.items]


def vision_and_factors(b: Builder) -> None:
    """Section 1.1: the vision the Community Strategy sets out for the borough; section
    3.1: the factors the Young Black Men programme considers. One resource per list
    item, in the order printed."""
    vision = _items(b, "1.1", "the Community Strategy's vision")
    for i, (line, text) in enumerate(vision, 1):
        _list_item(b, b.id("vision", "community-strategy", str(i)), VR.VisionStatement,
                   "1.1", line, text)
    factors = _items(b, "3.1", "the factors its programme considers")
    title = slug(b.doc.section("3.1").title)
    for i, (line, text) in enumerate(factors, 1):
        node = b.id("factor", title, str(i))
        _list_item(b, node, VR.ProgrammeFactor, "3.1", line, text)
        b.g.add((b.id("programme", title), VR.considersFactor, node))


def _list_item(b: Builder, node: URIRef, cls: URIRef, section: str, line: int,
               text: str) -> None:
    b.g.add((node, RDF.type, cls))
    b.add(node, RDFS.label, short(text))
    b.add(node, VR.text, text)
    b.g.add((node, DCTERMS.isPartOf, b.id("section", section)))
    b.derived(node, [line])


def footnotes(b: Builder) -> None:
    for f in b.doc.footnotes:
        node = b.id("footnote", f.number)
        b.g.add((node, RDF.type, VR.Footnote))
        b.add(node, RDFS.label, f"Footnote {f.number}")
        b.add(node, VR.number, f.number, lang=False)
        b.add(node, VR.text, f.text)
        if f.target and re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", f.target):
            b.g.add((node, DCTERMS.references, URIRef(f.target)))
        b.g.add((node, DCTERMS.isPartOf, b.target(f.owner)))
        b.derived(node, [f.line])


def principles(b: Builder) -> None:
    """Section 2: the two schemes, their principles and the evidence terms curated for
    them (``principles.yaml``)."""
    for kind in src.KINDS:
        scheme = b.scheme(kind)
        line, note = b.doc.scheme_notes[kind]
        b.add(scheme, SKOS.definition, note)
        b.derived(scheme, [line])
    for p in b.doc.principles:
        node = b.principle_node(p.kind, p.number, p.text)
        b.derived(node, [p.line])
        entry = b.cur.principles.get(notation(p.kind, p.number))
        if entry:
            for term in entry.get("terms") or []:
                b.add(node, VR.evidenceTerm, str(term))
            b.curated(node, entry)
    for key, entry in b.cur.principles.items():
        b.principle(entry, key)


def programmes(b: Builder) -> None:
    """Sections 3 and 4: a programme or an engagement approach per numbered section."""
    for key, cls in (("3.", VR.Programme), ("4.", VR.EngagementApproach)):
        for s in b.doc.sections:
            if s.key.startswith(key) and "/" not in s.key:
                node = b.id("programme" if cls == VR.Programme else "approach", slug(s.title))
                b.g.add((node, RDF.type, cls))
                b.add(node, DCTERMS.title, s.title)
                b.add(node, RDFS.label, s.title)
                b.add(node, DCTERMS.description, "\n\n".join(s.paragraphs))
                b.g.add((node, VR.section, b.id("section", s.key)))
                b.derived(node, s.lines)
