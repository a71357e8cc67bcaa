"""Every namespace and base IRI of the project, defined once."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, TIME, XSD

VR = Namespace("https://w3id.org/vrgraph/def/")
VRSH = Namespace("https://w3id.org/vrgraph/def/shapes/")
DQV = Namespace("http://www.w3.org/ns/dqv#")
OA = Namespace("http://www.w3.org/ns/oa#")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")
ONS = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")

DEFAULT_BASE = "https://w3id.org/vrgraph/"

PREFIXES = {
    "vr": VR, "dcterms": DCTERMS, "org": ORG, "owl": OWL, "prov": PROV, "rdf": RDF,
    "rdfs": RDFS, "schema": SDO, "skos": SKOS, "time": TIME, "xsd": XSD, "dqv": DQV,
    "oa": OA, "dcat": DCAT, "sh": SH, "vann": VANN,
}

__all__ = ["VR", "VRSH", "DQV", "OA", "VANN", "SH", "ONS", "DEFAULT_BASE", "PREFIXES",
           "DCAT", "DCTERMS", "ORG", "OWL", "PROV", "RDF", "RDFS", "SDO", "SKOS", "TIME", "XSD"]
