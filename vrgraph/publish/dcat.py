"""The release's metadata: a DCAT-AP 3 catalogue and a VoID description.

DCAT-AP 3.0.1: https://semiceu.github.io/DCAT-AP/releases/3.0.1/ ; VoID:
https://www.w3.org/TR/void/. The catalogue describes three datasets (the graph, the ontology,
the shapes), their distributions with byte size and SHA-256 checksum, and the SPARQL
service. A catalogue cannot hold its own checksum, so the catalogue files are no
distributions here: ``SHA256SUMS`` covers them. The controlled-vocabulary terms used (themes,
file types, languages, licence type) are typed and labelled in the catalogue itself, as the
official shapes need to see ``rdf:type`` and ``skos:inScheme`` in the data. Every node is an
IRI: no blank nodes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, FOAF, OWL, VOID
from rdflib.term import Node

from ..namespaces import DCTERMS, PREFIXES, RDF, RDFS, SKOS, VR, XSD
from .release import Release

SPDX = Namespace("http://spdx.org/rdf/terms#")
# The algorithm IRI in the https form the DCAT-AP 3.0.1 code-list shape requires
# (ChecksumAlgorithmRestriction: "^https://spdx.org/rdf/terms"), said to be the same as
# SPDX 2's http IRI.
SHA256 = URIRef("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
ADMS = "http://www.w3.org/ns/adms#"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
FORMATS = "http://www.w3.org/ns/formats/"
PREFIXES_META = {"adms": ADMS, "dcat": str(DCAT), "dcatap": str(DCATAP), "dcterms": str(DCTERMS),
                 "foaf": str(FOAF), "rdfs": str(RDFS), "skos": str(SKOS), "spdx": str(SPDX),
                 "vcard": str(VCARD), "void": str(VOID), "xsd": str(XSD), "vr": str(VR)}

FILE_TYPE_LABELS = {"RDF_TURTLE": "Turtle", "RDF_N_TRIPLES": "N-Triples",
                    "JSON_LD": "JSON-LD", "RDF_XML": "RDF/XML", "RDF_N_QUADS": "N-Quads",
                    "CSV": "CSV", "HTML": "HTML"}
W3C_FORMATS = {"RDF_TURTLE": "Turtle", "RDF_N_TRIPLES": "N-Triples", "JSON_LD": "JSON-LD",
               "RDF_XML": "RDF_XML", "RDF_N_QUADS": "N-Quads"}


@dataclass(frozen=True)
class Dist:
    """One distribution: a file of the release (or the site, with ``path`` its entry page)."""

    slug: str
    dataset: str          # "graph", "ontology" or "shapes"
    path: str
    title: str
    description: str
    media_type: str       # e.g. "text/turtle"
    file_type: str        # EU file-type code, e.g. "RDF_TURTLE"
    size: int | None = None
    sha256: str | None = None
    rdf: bool = False     # a dump of the data (VoID dataDump)


@dataclass(frozen=True)
class Part:
    """A dataset of a collection release beside the union: one strategy, with who publishes
    it and what it covers (empty: not known, not said)."""

    name: str             # the dataset's name: id/dataset/{name}
    title: str
    description: str
    landing: str          # release path of its page
    publisher: str        # IRI of the agent
    publisher_name: str
    publisher_type: str = ""
    publisher_type_label: str = ""
    spatial: str = ""
    spatial_label: str = ""
    temporal_start: str = ""
    temporal_end: str = ""
    keyword: str = ""     # its short name


def _date(value: str) -> Literal:
    return Literal(value, datatype=XSD.date)


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


class Catalogue:
    def __init__(self, base: str, release: Release) -> None:
        self.base, self.r = base, release
        self.g = Graph()
        self.catalog = self.id("catalog")
        self.publisher = self.id("agency/" + release.publisher)
        self.contact = self.id("contact/publisher")
        self.licence = URIRef(release.licence)
        self.period = self.id(f"period/{release.temporal_start}-{release.temporal_end}")
        self.spatial = URIRef(release.spatial)
        self.english = URIRef(AUTHORITY + "language/ENG")
        self.stable = URIRef(AUTHORITY + "planned-availability/STABLE")
        self.sparql = URIRef(base + "sparql")
        self.service = self.id("service/sparql")

    def id(self, rest: str) -> URIRef:
        return URIRef(self.base + "id/" + rest)

    def url(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def dataset(self, name: str) -> URIRef:
        return self.id("dataset/" + name)

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.g.add((s, p, o))

    def concept(self, iri: URIRef, label: str, scheme: str, *types: URIRef) -> URIRef:
        for t in (SKOS.Concept, *types):
            self.add(iri, RDF.type, t)
        self.add(iri, SKOS.prefLabel, _en(label))
        self.add(iri, SKOS.inScheme, URIRef(scheme))
        return iri

    def titled(self, node: URIRef, kind: URIRef, title: str) -> URIRef:
        self.add(node, RDF.type, kind)
        self.add(node, DCTERMS.title, _en(title))
        return node

    def scheme(self, iri: str, title: str) -> URIRef:
        return self.titled(URIRef(iri), SKOS.ConceptScheme, title)

    def dated(self, s: URIRef) -> None:
        self.add(s, DCTERMS.issued, _date(self.r.release))
        self.add(s, DCTERMS.modified, _date(self.r.release))

    def document(self, path: str, title: str) -> URIRef:
        return self.titled(self.url(path), FOAF.Document, title)

    def standard(self, iri: str, title: str) -> URIRef:
        return self.titled(URIRef(iri), DCTERMS.Standard, title)

    def shared(self, publisher_label: str) -> None:
        """Publisher, contact, licence, coverage and the vocabulary terms used."""
        r, add = self.r, self.add
        add(self.publisher, RDF.type, FOAF.Agent)
        add(self.publisher, FOAF.name, _en(r.publisher_name))
        add(self.publisher, RDFS.label, _en(publisher_label))
        self.scheme(ADMS_PUBLISHER_TYPE + "1.0", "Publisher type")
        add(self.publisher, DCTERMS.type, self.concept(
            URIRef(ADMS_PUBLISHER_TYPE + r.publisher_type), r.publisher_type_label,
            ADMS_PUBLISHER_TYPE + "1.0"))
        add(self.contact, RDF.type, VCARD.Kind)
        add(self.contact, RDF.type, VCARD.Organization)
        add(self.contact, VCARD.fn, Literal(r.contact_name))
        add(self.contact, VCARD.hasURL, URIRef(r.contact_url))
        if r.contact_email:
            add(self.contact, VCARD.hasEmail, URIRef("mailto:" + r.contact_email))
        add(self.licence, RDF.type, DCTERMS.LicenseDocument)
        add(self.licence, DCTERMS.title, _en(r.licence_title))
        self.scheme(ADMS_LICENCE_TYPE + "1.0", "Licence type")
        add(self.licence, DCTERMS.type, self.concept(
            URIRef(ADMS_LICENCE_TYPE + r.licence_type), r.licence_type_label,
            ADMS_LICENCE_TYPE + "1.0"))
        add(self.spatial, RDF.type, DCTERMS.Location)
        add(self.spatial, SKOS.prefLabel, _en(r.spatial_label))
        add(self.period, RDF.type, DCTERMS.PeriodOfTime)
        add(self.period, DCAT.startDate, Literal(r.temporal_start, datatype=XSD.gYear))
        add(self.period, DCAT.endDate, Literal(r.temporal_end, datatype=XSD.gYear))
        self.concept(self.english, "English", AUTHORITY + "language", DCTERMS.LinguisticSystem)
        self.concept(self.stable, "stable", AUTHORITY + "planned-availability")
        self.scheme(AUTHORITY + "data-theme", "Data theme")
        for code, label in r.themes:
            self.concept(URIRef(AUTHORITY + "data-theme/" + code), label,
                         AUTHORITY + "data-theme")

    def describe(self, s: URIRef, title: str, description: str,
                 publisher: URIRef | None = None) -> None:
        """What every dataset and the service share."""
        add = self.add
        add(s, DCTERMS.title, _en(title))
        add(s, DCTERMS.description, _en(description))
        add(s, DCTERMS.publisher, publisher or self.publisher)
        add(s, DCAT.contactPoint, self.contact)
        for word in self.r.keywords:
            add(s, DCAT.keyword, _en(word))
        for code, _ in self.r.themes:
            add(s, DCAT.theme, URIRef(AUTHORITY + "data-theme/" + code))

    def build(self, dists: list[Dist], publisher_label: str, ontology_title: str,
              shapes_title: str, parts: tuple[Part, ...] = ()) -> Graph:
        r, add = self.r, self.add
        self.shared(publisher_label)
        home = self.document("index.html", r.title)
        add(self.catalog, RDF.type, DCAT.Catalog)
        add(self.catalog, DCTERMS.title, _en(f"{r.title}: catalogue"))
        add(self.catalog, DCTERMS.description, _en(
            "The datasets of this release (the graph, its ontology and its SHACL shapes), "
            "their downloads and the SPARQL service. " + r.description))
        add(self.catalog, DCTERMS.publisher, self.publisher)
        add(self.catalog, FOAF.homepage, home)
        add(self.catalog, DCTERMS.language, self.english)
        add(self.catalog, DCTERMS.license, self.licence)
        add(self.catalog, DCTERMS.spatial, self.spatial)
        add(self.catalog, DCAT.themeTaxonomy, URIRef(AUTHORITY + "data-theme"))
        add(self.catalog, DCAT.service, self.service)
        self.dated(self.catalog)
        vocabulary = self.standard(str(VR), ontology_title)
        shapes = self.standard(str(VR) + "shapes/", shapes_title)
        about = {
            "graph": (r.title, r.description, home, (vocabulary, shapes)),
            "ontology": (ontology_title, "The OWL 2 ontology of the graph: its classes, "
                         "properties and concepts (namespace " + str(VR) + ").",
                         self.document("doc/ontology.html", ontology_title),
                         (self.standard("http://www.w3.org/TR/owl2-overview/", "OWL 2"),)),
            "shapes": (shapes_title, "The SHACL shapes a well-formed graph conforms to: "
                       "broken structure is a violation, the document's own gaps are "
                       "warnings.", self.document("doc/ontology.html#shapes", shapes_title),
                       (self.standard("https://www.w3.org/TR/shacl/", "SHACL"),)),
        }
        for name, (title, description, landing, conforms) in about.items():
            ds = self.dataset(name)
            add(self.catalog, DCAT.dataset, ds)
            add(ds, RDF.type, DCAT.Dataset)
            self.describe(ds, title, description)
            add(ds, DCTERMS.identifier, Literal(str(ds)))
            add(ds, URIRef(str(DCAT) + "version"), Literal(r.version))
            add(ds, DCAT.landingPage, landing)
            add(ds, DCTERMS.language, self.english)
            add(ds, DCTERMS.spatial, self.spatial)
            add(ds, DCTERMS.temporal, self.period)
            add(ds, DCTERMS.license, self.licence)
            for standard in conforms:
                add(ds, DCTERMS.conformsTo, standard)
            self.dated(ds)
        add(self.dataset("graph"), RDFS.seeAlso, self.url(".well-known/void"))
        for part in parts:
            self.part(part, vocabulary, shapes)
        for d in dists:
            self.distribution(d, vocabulary)
        self.service_description()
        return self.g

    def part(self, p: Part, vocabulary: URIRef, shapes: URIRef) -> None:
        """A strategy's dataset, related to the union's both ways (DCAT-AP "related
        resource"), with its own publisher and coverage."""
        add, union, ds = self.add, self.dataset("graph"), self.dataset(p.name)
        publisher = URIRef(p.publisher)
        if publisher != self.publisher:
            add(publisher, RDF.type, FOAF.Agent)
            add(publisher, FOAF.name, _en(p.publisher_name))
            if p.publisher_type:
                add(publisher, DCTERMS.type, self.concept(
                    URIRef(ADMS_PUBLISHER_TYPE + p.publisher_type),
                    p.publisher_type_label or p.publisher_type, ADMS_PUBLISHER_TYPE + "1.0"))
        add(self.catalog, DCAT.dataset, ds)
        add(ds, RDF.type, DCAT.Dataset)
        self.describe(ds, p.title, p.description, publisher)
        if p.keyword:
            add(ds, DCAT.keyword, Literal(p.keyword))
        add(ds, DCTERMS.identifier, Literal(str(ds)))
        add(ds, URIRef(str(DCAT) + "version"), Literal(self.r.version))
        add(ds, DCAT.landingPage, self.document(p.landing, p.title))
        add(ds, DCTERMS.language, self.english)
        if p.spatial:
            add(ds, DCTERMS.spatial, URIRef(p.spatial))
            add(URIRef(p.spatial), RDF.type, DCTERMS.Location)
            add(URIRef(p.spatial), SKOS.prefLabel, _en(p.spatial_label or p.spatial))
        if p.temporal_start and p.temporal_end:
            period = self.id(f"period/{p.temporal_start}-{p.temporal_end}")
            add(ds, DCTERMS.temporal, period)
            add(period, RDF.type, DCTERMS.PeriodOfTime)
            add(period, DCAT.startDate, Literal(p.temporal_start, datatype=XSD.gYear))
            add(period, DCAT.endDate, Literal(p.temporal_end, datatype=XSD.gYear))
        for standard in (vocabulary, shapes):
            add(ds, DCTERMS.conformsTo, standard)
        add(ds, DCTERMS.relation, union)
        add(union, DCTERMS.relation, ds)
        self.dated(ds)

    def distribution(self, d: Dist, vocabulary: URIRef) -> None:
        add = self.add
        s = self.id("distribution/" + d.slug)
        add(self.dataset(d.dataset), DCAT.distribution, s)
        add(s, RDF.type, DCAT.Distribution)
        add(s, DCTERMS.title, _en(d.title))
        add(s, DCTERMS.description, _en(d.description))
        add(s, DCAT.accessURL, self.url(d.path))
        media = URIRef(IANA + d.media_type)
        add(media, RDF.type, DCTERMS.MediaType)
        add(s, DCAT.mediaType, media)
        fmt = URIRef(AUTHORITY + "file-type/" + d.file_type)
        self.concept(fmt, FILE_TYPE_LABELS.get(d.file_type, d.file_type),
                     AUTHORITY + "file-type", DCTERMS.MediaTypeOrExtent)
        add(s, DCTERMS.format, fmt)
        add(s, DCTERMS.license, self.licence)
        add(s, DCATAP.availability, self.stable)
        add(s, DCTERMS.language, self.english)
        self.dated(s)
        if d.rdf:
            add(s, DCTERMS.conformsTo, vocabulary)
        if d.size is not None and d.sha256 is not None:
            add(s, DCAT.downloadURL, self.url(d.path))
            add(s, DCAT.byteSize, Literal(d.size, datatype=XSD.nonNegativeInteger))
            checksum = URIRef(str(s) + "/checksum")
            add(s, SPDX.checksum, checksum)
            add(checksum, RDF.type, SPDX.Checksum)
            add(checksum, SPDX.algorithm, SHA256)
            add(checksum, SPDX.checksumValue, Literal(d.sha256, datatype=XSD.hexBinary))
        add(SHA256, RDF.type, SPDX.ChecksumAlgorithm)
        add(SHA256, OWL.sameAs, SPDX.checksumAlgorithm_sha256)

    def service_description(self) -> None:
        add, s = self.add, self.service
        add(s, RDF.type, DCAT.DataService)
        self.describe(s, f"{self.r.title}: SPARQL endpoint",
                      "A SPARQL 1.1 endpoint over the graph with its ontology and the "
                      "entailments reasoning adds, where the release is deployed with "
                      "`vrgraph serve`. The static release works without it.")
        add(s, DCAT.endpointURL, self.sparql)
        add(s, DCAT.endpointDescription, self.sparql)
        add(s, DCAT.servesDataset, self.dataset("graph"))
        add(s, DCTERMS.conformsTo, self.standard("https://www.w3.org/TR/sparql11-protocol/",
                                                 "SPARQL 1.1 Protocol"))
        add(s, DCTERMS.license, self.licence)
        add(s, DCTERMS.accessRights, self.concept(
            URIRef(AUTHORITY + "access-right/PUBLIC"), "public", AUTHORITY + "access-right",
            DCTERMS.RightsStatement))


def catalogue(base: str, release: Release, dists: list[Dist], publisher_label: str,
              ontology_title: str, shapes_title: str, previous: str | None = None,
              notes: str | None = None, parts: tuple[Part, ...] = ()) -> Graph:
    """The DCAT-AP 3 catalogue of a release; the graph dataset says which version it follows
    (``dcat:previousVersion``, the versioned IRI ``id/dataset/graph/version/V``) and what
    changed (``adms:versionNotes``), DCAT 3 section 11. A collection release has a dataset
    per strategy (``parts``) beside the union's (the graph dataset)."""
    g = Catalogue(base, release).build(dists, publisher_label, ontology_title, shapes_title,
                                       parts)
    graph = URIRef(base + "id/dataset/graph")
    if notes:
        g.add((graph, URIRef(ADMS + "versionNotes"), _en(notes)))
    if previous:
        g.add((graph, URIRef(str(DCAT) + "previousVersion"),
               URIRef(f"{graph}/version/{previous}")))
    return g


def _slug(iri: str) -> str:
    """A readable, unique path segment for a class or property IRI (``vr-Action``)."""
    text = iri
    for prefix, ns in sorted(PREFIXES.items()):
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            text = prefix + "-" + iri[len(str(ns)):]
            break
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    if text != iri and re.fullmatch(r"[A-Za-z0-9-]+", text):
        return slug
    return f"{slug[:40]}-{hashlib.sha256(iri.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Subset:
    """A strategy of a collection as a VoID subset of the union."""

    name: str             # dataset name, as Part's
    title: str
    triples: int          # how many triples are its own
    subjects: set[Node]   # the subjects of its own triples
    space: str            # its things' URI space, {base}id/
    root: URIRef          # its strategy document


def void(base: str, release: Release, data: Graph, dists: list[Dist],
         examples: list[URIRef], inferred: int = 0, subsets: tuple[Subset, ...] = ()
         ) -> Graph:
    """The VoID description served at ``.well-known/void`` (RFC 5785; VoID section 7).

    ``void:triples`` counts the document's own (asserted) triples, and every dump of the
    dataset holds exactly those; the N-Quads dump, which adds the ``inferred`` triples of
    the ontology in a graph of their own, is the dump of a second dataset that has the first
    as a ``void:subset``, with its own count."""
    g = Graph()
    ds = URIRef(base + "id/dataset/graph")
    doc = URIRef(base + ".well-known/void")
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, DCTERMS.title, _en(f"VoID description of {release.title}")))
    g.add((doc, FOAF.primaryTopic, ds))
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, _en(release.title)))
    g.add((ds, DCTERMS.description, _en(release.description)))
    g.add((ds, DCTERMS.license, URIRef(release.licence)))
    g.add((ds, DCTERMS.publisher, URIRef(base + "id/agency/" + release.publisher)))
    g.add((ds, DCTERMS.issued, _date(release.release)))
    g.add((ds, DCTERMS.modified, _date(release.release)))
    g.add((ds, FOAF.homepage, URIRef(base + "index.html")))
    g.add((ds, VOID.triples, Literal(len(data), datatype=XSD.integer)))
    subjects = {s for s in data.subjects() if isinstance(s, URIRef)}
    g.add((ds, VOID.distinctSubjects, Literal(len(subjects), datatype=XSD.integer)))
    spaces = [sub.space for sub in subsets] or [base + "id/"]
    g.add((ds, VOID.entities, Literal(len({s for s in subjects
                                           if str(s).startswith(tuple(spaces))}),
                                      datatype=XSD.integer)))
    if not subsets:
        g.add((ds, VOID.uriSpace, Literal(base + "id/")))
    for sub in subsets:
        _subset(g, ds, URIRef(base + "id/dataset/" + sub.name), sub,
                [d for d in dists if d.rdf and d.dataset == sub.name], base)
    g.add((ds, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    for root in sorted(s for s in data.subjects(RDF.type, VR.StrategyDocument)
                       if isinstance(s, URIRef)):
        g.add((ds, VOID.rootResource, root))
    for example in examples:
        g.add((ds, VOID.exampleResource, example))
    entailed = URIRef(f"{ds}/with-inferences")
    for d in dists:
        if d.rdf and d.dataset == "graph":
            holder = entailed if d.path.endswith(".nq") else ds
            g.add((holder, VOID.dataDump, URIRef(base + d.path)))
            if d.file_type in W3C_FORMATS:
                g.add((holder, VOID.feature, URIRef(FORMATS + W3C_FORMATS[d.file_type])))
    if (entailed, VOID.dataDump, None) in g:
        g.add((entailed, RDF.type, VOID.Dataset))
        g.add((entailed, DCTERMS.title, _en(f"{release.title}, with what the ontology entails")))
        g.add((entailed, VOID.subset, ds))
        g.add((entailed, VOID.triples, Literal(len(data) + inferred, datatype=XSD.integer)))
    used = {str(p) for p in data.predicates()} | {str(o) for o in data.objects(None, RDF.type)}
    for _, ns in sorted(PREFIXES.items()):
        if any(term.startswith(str(ns)) for term in used):
            g.add((ds, VOID.vocabulary, URIRef(str(ns))))
    classes = Counter(o for o in data.objects(None, RDF.type))
    g.add((ds, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for cls, n in sorted(classes.items()):
        part = URIRef(f"{ds}/class/{_slug(str(cls))}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    properties = Counter(p for _, p, _ in data)
    g.add((ds, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for prop, n in sorted(properties.items()):
        part = URIRef(f"{ds}/property/{_slug(str(prop))}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))
    return g


def _subset(g: Graph, union: URIRef, ds: URIRef, sub: Subset, dumps: list[Dist],
            base: str) -> None:
    """A strategy as a ``void:subset`` of the union: its size, URI space, root and dumps."""
    g.add((union, VOID.subset, ds))
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, _en(sub.title)))
    g.add((ds, VOID.triples, Literal(sub.triples, datatype=XSD.integer)))
    g.add((ds, VOID.entities, Literal(len({s for s in sub.subjects
                                           if str(s).startswith(sub.space)}),
                                      datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, Literal(sub.space)))
    g.add((ds, VOID.rootResource, sub.root))
    for d in dumps:
        g.add((ds, VOID.dataDump, URIRef(base + d.path)))
        if d.file_type in W3C_FORMATS:
            g.add((ds, VOID.feature, URIRef(FORMATS + W3C_FORMATS[d.file_type])))
