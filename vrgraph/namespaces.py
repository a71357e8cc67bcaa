"""Every namespace and base IRI of the project, defined once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# The vocabulary's terms (ontology/vrgraph.ttl). ``VR.Typo`` is an AttributeError, ``VR["typo"]``
# a KeyError, at its first use; tests/test_build.py checks each term is in the ontology.
VR_TERMS = (
    "Action", "ActionGroup", "ActionPlan", "Addition", "Agency", "Alignment", "AlignmentMode",
    "AwarenessDay", "Board", "Campaign", "Change", "ChangeSet", "ColumnShift",
    "CommunicationActivity", "CommunicationObjective", "CommunicationsPlan",
    "CuratedExpansion", "DataQualityNote", "DocumentSection", "Edit", "EditedStatement",
    "EmptyLead", "EmptyLink", "EmptyListItem", "EnablingColumn", "EnablingPrinciple",
    "EngagementApproach", "ExpandedInDocument", "FlawKind", "FlawKinds", "Footnote",
    "GroupAlignmentCell", "HeadingLevelSlip", "InconsistentName", "InheritedFromGroupCell",
    "Intervention", "KeyArea", "KeyMessage", "LeadPartner", "MisattributedQuote",
    "MisspeltName", "NameSource", "NoAlignment", "NoEnablingColumn", "NumberingGap",
    "NumberingSlip", "OrganisationalUnit", "PageBreakSplit", "Partnership", "PersonalName",
    "Place", "Placeholder", "Post", "PreventionTier", "PreventionTiers", "PrimaryPrevention",
    "Principle", "PrincipleNumberingGap", "PrincipleScheme", "Programme", "ProgrammeFactor",
    "PublicHealthModelStep", "QuoteVariant", "Removal", "RowSplit", "SecondaryPrevention",
    "SourceExcerpt", "SpanningCell", "StatedOnRow", "StrategicColumn", "StrategicPrinciple",
    "StrategyDocument", "SuccessMeasure", "SupersededStatement", "TableColumn", "TargetGroup",
    "TertiaryPrevention", "Timeframe", "TruncatedName", "Typo", "VisionStatement",
    "WrongPrincipleReference", "acronym", "activityTheme", "alignedTo", "alignmentMode",
    "alignmentOf", "alignmentTo", "alignsWithPrinciple", "cellAlignedTo", "change",
    "citedText", "column", "concerns", "concernsPlace", "considersFactor", "coveredByCell",
    "coversAction", "curatedIn", "dayDate", "delivers", "editOf", "evidenceTerm",
    "externalStakeholder", "firstLine", "flawKind", "groupOf", "handling", "hasAction",
    "hasActivity", "hasAwarenessDay", "hasCampaign", "hasKeyArea", "hasKeyMessage",
    "hasMember", "hasModelStep", "hasObjective", "hasSection", "hasSuccessMeasure", "inGroup",
    "inPlan", "inheritedAlignment", "internalStakeholder", "introduction", "lastLine",
    "leadCellText", "leads", "ledBy", "messageTheme", "nameSource", "number", "preventionTier",
    "principleNumber", "section", "servedBy", "sheetCell", "smartTarget", "statedAlignment",
    "statedNumber", "statedOnRowOf", "stepNumber", "targets", "text", "timeframe", "viaCell",
    "withdraws",
)
DEFAULT_BASE = "https://w3id.org/vrgraph/"
VOID_URI_SPACE = "http://rdfs.org/ns/void#uriSpace"
_BASE = re.compile(r"^https?://[^\s<>\"{}|\\^`#?]+/$")


@dataclass(frozen=True)
class Base:
    """The base IRI things are minted under (UK URI-set style: ``id/`` for things, ``doc/``
    for pages about them), checked once. The build records it in the graph
    (``<{base}id/dataset/graph> void:uriSpace "{base}id/"``), so that every reader takes it
    from the data (:func:`vrgraph.store.base_of`)."""

    iri: str = DEFAULT_BASE

    @classmethod
    def parse(cls, text: str | None, option: str = "--base-iri") -> Base:
        """A checked base; ``text`` may lack its final slash. Raises ``InputError``."""
        from .errors import InputError

        if text is None:
            return cls()
        iri = text.strip().rstrip("/") + "/"
        if not _BASE.match(iri):
            raise InputError(f"{option} {text!r}: give an absolute http(s) IRI without spaces, "
                             f"query or fragment, e.g. https://example.org/vrgraph/")
        return cls(iri)

    @property
    def ids(self) -> str:
        """The URI space of things: ``{base}id/``."""
        return self.iri + "id/"

    def id(self, *parts: str) -> str:
        return self.ids + "/".join(parts)

    @property
    def dataset(self) -> str:
        """The node that records the base in the graph."""
        return self.id("dataset", "graph")

    @classmethod
    def from_uri_space(cls, space: str) -> Base:
        return cls(space.removesuffix("id/")) if space.endswith("/id/") else cls()

# The rdflib namespaces (VR, SH, ... and PREFIXES) are made at their first use: a command
# that only queries the store never imports rdflib (0.2 s of its start).
PREFIX_IRIS = {
    "vr": "https://w3id.org/vrgraph/def/", "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#", "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#", "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#", "dqv": "http://www.w3.org/ns/dqv#",
    "oa": "http://www.w3.org/ns/oa#", "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#", "vann": "http://purl.org/vocab/vann/",
}
"""The prefixes of :data:`PREFIXES` as plain strings (tests/test_build.py checks they agree)."""

if TYPE_CHECKING:
    from rdflib import Namespace
    from rdflib.namespace import (
        DCAT,
        DCTERMS,
        ORG,
        OWL,
        PROV,
        RDF,
        RDFS,
        SDO,
        SKOS,
        TIME,
        XSD,
        ClosedNamespace,
    )

    VR: ClosedNamespace
    VRSH: Namespace
    DQV: Namespace
    OA: Namespace
    VANN: Namespace
    SH: Namespace
    ONS: Namespace
    PREFIXES: dict[str, Any]
else:
    def _rdflib_names() -> dict[str, Any]:
        from rdflib import Namespace
        from rdflib.namespace import (
            DCAT,
            DCTERMS,
            ORG,
            OWL,
            PROV,
            RDF,
            RDFS,
            SDO,
            SKOS,
            TIME,
            XSD,
            ClosedNamespace,
        )

        VR = ClosedNamespace("https://w3id.org/vrgraph/def/", list(VR_TERMS))
        VRSH = Namespace("https://w3id.org/vrgraph/def/shapes/")
        DQV = Namespace("http://www.w3.org/ns/dqv#")
        OA = Namespace("http://www.w3.org/ns/oa#")
        VANN = Namespace("http://purl.org/vocab/vann/")
        SH = Namespace("http://www.w3.org/ns/shacl#")
        ONS = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")

        PREFIXES = {
            "vr": VR, "dcterms": DCTERMS, "org": ORG, "owl": OWL, "prov": PROV, "rdf": RDF,
            "rdfs": RDFS, "schema": SDO, "skos": SKOS, "time": TIME, "xsd": XSD, "dqv": DQV,
            "oa": OA, "dcat": DCAT, "sh": SH, "vann": VANN,
        }

        return {k: v for k, v in locals().items() if k.isupper()}

    def __getattr__(name: str) -> Any:
        if name in _LAZY:
            globals().update(_rdflib_names())
            return globals()[name]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    _LAZY = {"VR", "VRSH", "DQV", "OA", "VANN", "SH", "ONS", "PREFIXES", "DCAT", "DCTERMS",
             "ORG", "OWL", "PROV", "RDF", "RDFS", "SDO", "SKOS", "TIME", "XSD"}


#: Prefix names a strategy's short name must not take (the project's and the catalogue's).
RESERVED = frozenset(PREFIX_IRIS) | {"vrid", "adms", "dcatap", "foaf", "spdx", "vcard", "void"}


def strategy_prefixes(spaces: list[tuple[str, str]]) -> dict[str, str]:
    """A prefix for the things of each strategy, ``(short name, {base}id/)`` pairs: with one,
    ``vrid:``; with several, each its short name (``hackney:action/5.1.1``,
    ``northbridge:action/1.2``), ``-id`` added to one that is taken (``vr-id:``) and ``s``
    put before one that starts with a digit, so that no short IRI is ambiguous."""
    if len({ids for _, ids in spaces}) <= 1:
        return {"vrid": spaces[0][1]} if spaces else {}
    out: dict[str, str] = {}
    for key, ids in sorted(spaces):
        name = key if key[:1].isalpha() else "s" + key
        name = re.sub(r"[^A-Za-z0-9_-]", "-", name).rstrip("-.") or "s"
        while name in RESERVED or name in out:
            name += "-id"
        out[name] = ids
    return out


__all__ = ["RESERVED", "strategy_prefixes", "VR", "VRSH", "DQV", "OA", "VANN", "SH", "ONS", "DEFAULT_BASE", "PREFIXES", "Base",
           "DCAT", "DCTERMS", "ORG", "OWL", "PROV", "RDF", "RDFS", "SDO", "SKOS", "TIME", "XSD"]
