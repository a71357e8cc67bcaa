"""The release's page about the vocabulary: ontology classes, properties, individuals and the
SHACL shapes, with an anchor per ``vr:`` term (``doc/ontology.html#Action``) so that every
resource page can link its types and properties here. This module gathers what the page
shows; ``templates/ontology.html`` writes it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.term import Node

from ..namespaces import DCTERMS, RDF, RDFS, SH, SKOS, VR, VRSH
from ..pages import PageTerm
from .site import ONTOLOGY_PAGE as PATH
from .site import Site

SECTIONS = (("classes", "Classes", (OWL.Class,)),
            ("properties", "Properties", (OWL.ObjectProperty, OWL.DatatypeProperty,
                                          OWL.AnnotationProperty)),
            ("individuals", "Individuals and concepts", (OWL.NamedIndividual, SKOS.Concept,
                                                         SKOS.ConceptScheme)))
FACETS = ((RDFS.subClassOf, "subclass of"), (OWL.equivalentClass, "equivalent to"),
          (OWL.disjointWith, "disjoint with"), (RDFS.subPropertyOf, "subproperty of"),
          (OWL.inverseOf, "inverse of"), (RDFS.domain, "domain"), (RDFS.range, "range"),
          (OWL.propertyChainAxiom, "property chain"), (RDF.type, "type"),
          (SKOS.inScheme, "in scheme"), (SKOS.notation, "notation"),
          (SKOS.example, "example"), (SKOS.scopeNote, "note"), (RDFS.comment, "comment"))
SHAPE_KEYS = ("path", "targetClass", "severity", "minCount", "maxCount", "datatype", "class",
              "nodeKind", "pattern", "languageIn", "uniqueLang", "in", "hasValue", "or", "xone",
              "not", "minInclusive", "lessThanOrEquals", "disjoint", "sparql")


def local(iri: Node) -> str:
    return str(iri)[len(str(VR)):]


def is_vr(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(VR)) and node != VR


@dataclass(frozen=True)
class Entry:
    """One term of the vocabulary: its anchor, label, definitions, facets and how many
    resources of the data are of it (a class)."""

    local: str
    label: str
    definitions: list[str]
    facets: list[tuple[str, list[PageTerm]]]
    count: int


@dataclass(frozen=True)
class Constraints:
    """What a shape says: (parameter, value) pairs (a PageTerm, or text for ``severity`` and
    ``sparql``) and its messages."""

    bits: list[tuple[str, PageTerm | str]]
    messages: list[str]


@dataclass(frozen=True)
class Shape(Constraints):
    anchor: str
    name: str
    qname: str
    properties: list[tuple[str, Constraints]]


class OntologyPage:
    def __init__(self, ontology: Graph, shapes: Graph, data: Graph,
                 qname: Callable[[str], str]) -> None:
        self.o, self.sh, self.site_qname = ontology, shapes, qname
        self.counts = Counter(o for o in data.objects(None, RDF.type))
        self.defined = {s for s in ontology.subjects(RDFS.label) if is_vr(s)}

    def qname(self, iri: str) -> str:
        """``vrsh:`` for the shapes, else as the site writes it."""
        if iri.startswith(str(VRSH)) and iri != str(VRSH):
            return "vrsh:" + iri[len(str(VRSH)):]
        return self.site_qname(iri)

    def term(self, node: Node, g: Graph) -> PageTerm:
        """One RDF term of ``g`` (blank nodes spelled out: lists, paths)."""
        if isinstance(node, Literal):
            return PageTerm("code", str(node))
        if isinstance(node, URIRef):
            if node in self.defined:
                return PageTerm.link(f"{PATH}#{local(node)}", PATH, self.qname(str(node)))
            return PageTerm.external(str(node), self.qname(str(node)))
        if (node, RDF.first, None) in g:
            return PageTerm.group([self.term(i, g) for i in Collection(g, node)], "( ", " ", " )")
        inverse = g.value(node, SH.inversePath)
        if inverse is not None:
            return PageTerm.group([self.term(inverse, g)], "^")
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return PageTerm.group([self.term(i, g) for i in Collection(g, alternatives)],
                              sep=" | ")
        inner = sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1])))
        return PageTerm.group([PageTerm.group([self.term(p, g), self.term(o, g)]) for p, o in inner
                           if p != RDF.type or o != OWL.Class], "[ ", "; ", " ]")

    def terms_of(self, types: tuple[URIRef, ...], done: set[Node]) -> list[Node]:
        found = {s for t in types for s in self.o.subjects(RDF.type, t)
                 if s in self.defined and s not in done}
        return sorted(found, key=str)

    def entry(self, s: Node) -> Entry:
        facets = []
        for prop, name in FACETS:
            values = sorted(self.o.objects(s, prop), key=str)
            if prop == RDF.type:
                values = [v for v in values if v not in (OWL.Class, OWL.NamedIndividual,
                                                         OWL.ObjectProperty,
                                                         OWL.DatatypeProperty)]
            if values:
                facets.append((name, [self.term(v, self.o) for v in values]))
        return Entry(local(s), str(self.o.value(s, RDFS.label)),
                     [str(t) for t in sorted(self.o.objects(s, SKOS.definition), key=str)],
                     facets, self.counts.get(s, 0))

    def shapes(self) -> list[Shape]:
        g = self.sh
        out = []
        for shape in sorted((s for s in g.subjects(RDF.type, SH.NodeShape)
                             if isinstance(s, URIRef)), key=str):
            qname = self.qname(str(shape))
            own = self.constraints(shape)
            out.append(Shape(own.bits, own.messages, qname.split(":")[-1],
                             str(g.value(shape, RDFS.label) or qname), qname,
                             [(str(g.value(prop, SH.name) or self.qname(str(prop))),
                               self.constraints(prop))
                              for prop in sorted(g.objects(shape, SH.property), key=str)]))
        return out

    def constraints(self, shape: Node) -> Constraints:
        g = self.sh
        bits: list[tuple[str, PageTerm | str]] = []
        for key in SHAPE_KEYS:
            for value in sorted(g.objects(shape, SH[key]), key=str):
                if key == "severity":
                    bits.append((key, self.qname(str(value)).split(":")[-1]))
                elif key == "sparql":
                    bits.append((key, " ".join(str(g.value(value, SH.select) or "").split())))
                else:
                    bits.append((key, self.term(value, g)))
        return Constraints(bits, [str(m) for m in sorted(g.objects(shape, SH.message), key=str)])

    def values(self, downloads: list[tuple[str, str]]) -> dict[str, Any]:
        """What ``ontology.html`` shows; ``downloads`` are (release path, title) pairs."""
        o, onto = self.o, URIRef(str(VR))
        done: set[Node] = set()
        sections = []
        for key, heading, types in SECTIONS:
            members = self.terms_of(types, done)
            done.update(members)
            sections.append((key, heading, [self.entry(s) for s in members]))
        rest = sorted((s for s in self.defined if s not in done), key=str)
        if rest:
            sections.append(("other-terms", "Other terms", [self.entry(s) for s in rest]))
        return {"iri": str(VR), "version": str(o.value(onto, OWL.versionInfo) or ""),
                "description": str(o.value(onto, DCTERMS.description) or ""),
                "downloads": downloads, "contents": [(k, t) for k, t, _ in SECTIONS],
                "sections": sections, "shapes": self.shapes()}


def page(site: Site, ontology: Graph, shapes: Graph, data: Graph, jsonld: bytes,
         downloads: list[tuple[str, str]]) -> bytes:
    """``doc/ontology.html`` in the frame of ``site``; ``jsonld`` describes the ontology."""
    title = str(ontology.value(URIRef(str(VR)), DCTERMS.title) or "vrgraph ontology")
    return site.render("ontology.html", PATH, title,
                       [("index.html", "Home"), ("doc/index.html", "Resources")], jsonld,
                       **OntologyPage(ontology, shapes, data, site.qname).values(downloads))
