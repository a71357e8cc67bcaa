"""The triples every strategy's things are made of, and their Turtle.

The IRIs, classes and properties follow the model of ``docs/model.md`` ("IRI pattern");
a graph is written as Turtle (https://www.w3.org/TR/turtle/) with no blank nodes and no
timestamps, so that a rebuild is byte-identical.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..errors import CurationError
from ..namespaces import (
    DQV,
    OA,
    ORG,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    VOID_URI_SPACE,
    VR,
    XSD,
    Base,
)
from ..text import slug

_AGENCY_CLASS = {"organisation": VR.Agency, "unit": VR.OrganisationalUnit, "board": VR.Board,
                 "partnership": VR.Partnership, "post": VR.Post}
#: The class of an alignment column (``strategic``, ``enabling``) of the action tables.
COLUMN = {"strategic": VR.StrategicColumn, "enabling": VR.EnablingColumn}
_SCHEME_TITLE = {"strategic": "Strategic principles", "enabling": "Enabling principles"}


def notation(kind: str, number: int | str) -> str:
    """The notation of principle ``number`` of ``kind``: ``SP3``, ``EP9``."""
    return f"{kind[0].upper()}P{number}"


def short(text: str) -> str:
    """A label of at most 80 characters: ``text``, cut with an ellipsis if longer."""
    return text if len(text) <= 80 else text[:77] + "..."


class Writer:
    """A graph of one strategy under ``base`` (recorded as its ``void:uriSpace``), and the
    triples every strategy's things are made of, whatever they are read from: the document
    (:class:`vrgraph.build.builder.Builder`) or a workbook (:mod:`vrgraph.sheet.strategy`)."""

    def __init__(self, base: Base) -> None:
        self.base = base.iri
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.g.bind("vrid", base.ids)
        self.g.add((URIRef(base.dataset), URIRef(VOID_URI_SPACE), Literal(base.ids)))

    def id(self, kind: str, *keys: str) -> URIRef:
        return URIRef(self.base + "id/" + "/".join([kind, *keys]))

    def scheme_id(self, kind: str) -> URIRef:
        return self.id("scheme", f"{kind}-principles")

    def principle_id(self, kind: str, number: int | str) -> URIRef:
        return self.id("principle", kind, str(number))

    def agency_id(self, ident: str, kind: str) -> URIRef:
        """An agency's IRI, or a post's (``kind`` ``post``)."""
        return self.id("post" if kind == "post" else "agency", ident)

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
        node = self.scheme_id(kind)
        self.g.add((node, RDF.type, VR.PrincipleScheme))
        self.g.add((node, RDF.type, SKOS.ConceptScheme))
        self.add(node, SKOS.prefLabel, _SCHEME_TITLE[kind])
        return node

    def principle_node(self, kind: str, number: int, text: str) -> URIRef:
        """Principle ``number`` of ``kind`` (``SP3``, ``EP9``) with its full text."""
        node = self.principle_id(kind, number)
        scheme = self.scheme_id(kind)
        self.g.add((node, RDF.type,
                    VR.StrategicPrinciple if kind == "strategic" else VR.EnablingPrinciple))
        self.add(node, SKOS.notation, notation(kind, number), lang=False)
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
        node = self.agency_id(ident, kind)
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
        self.g.add((node, VR.column, COLUMN[column]))

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


def serialise(graph: Graph) -> bytes:
    """Turtle, deterministically: rdflib sorts subjects and predicates; no blank nodes."""
    return graph.serialize(format="turtle", encoding="utf-8")
