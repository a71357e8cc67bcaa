"""The release's page about the vocabulary: ontology classes, properties, individuals and the
SHACL shapes, with an anchor per ``vr:`` term (``doc/ontology.html#Action``) so that every
resource page can link its types and properties here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL
from rdflib.term import Node

from .namespaces import DCTERMS, RDF, RDFS, SH, SKOS, VR, VRSH
from .publish_html import esc, external, link

PATH = "doc/ontology.html"
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


class OntologyPage:
    def __init__(self, ontology: Graph, shapes: Graph, data: Graph,
                 qname: Callable[[str], str]) -> None:
        self.o, self.sh = ontology, shapes
        self.qname = lambda iri: ("vrsh:" + iri[len(str(VRSH)):]
                                  if iri.startswith(str(VRSH)) and iri != str(VRSH) else qname(iri))
        self.counts = Counter(o for o in data.objects(None, RDF.type))
        self.defined = {s for s in ontology.subjects(RDFS.label) if is_vr(s)}

    def term(self, node: Node, g: Graph) -> str:
        """One RDF term of ``g`` as HTML (blank nodes spelled out: lists, paths)."""
        if isinstance(node, Literal):
            return f"<code>{esc(node)}</code>"
        if isinstance(node, URIRef):
            if node in self.defined:
                return link(f"{PATH}#{local(node)}", PATH, self.qname(str(node)))
            return external(str(node), self.qname(str(node)))
        if (node, RDF.first, None) in g:
            return "( " + " ".join(self.term(i, g) for i in Collection(g, node)) + " )"
        inverse = g.value(node, SH.inversePath)
        if inverse is not None:
            return "^" + self.term(inverse, g)
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return " | ".join(self.term(i, g) for i in Collection(g, alternatives))
        inner = sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1])))
        return "[ " + "; ".join(f"{self.term(p, g)} {self.term(o, g)}" for p, o in inner
                                if p != RDF.type or o != OWL.Class) + " ]"

    def terms_of(self, types: tuple[URIRef, ...], done: set[Node]) -> list[URIRef]:
        found = {s for t in types for s in self.o.subjects(RDF.type, t)
                 if s in self.defined and s not in done}
        return sorted(found, key=str)  # type: ignore[arg-type]

    def entry(self, s: URIRef) -> str:
        label = self.o.value(s, RDFS.label)
        parts = [f'<h3 id="{esc(local(s))}">{esc(label)} <code>vr:{esc(local(s))}</code></h3>']
        for prop in (SKOS.definition,):
            for text in sorted(self.o.objects(s, prop), key=str):
                parts.append(f"<p>{esc(text)}</p>")
        rows = []
        for prop, name in FACETS:
            values = sorted(self.o.objects(s, prop), key=str)
            if prop == RDF.type:
                values = [v for v in values if v not in (OWL.Class, OWL.NamedIndividual,
                                                         OWL.ObjectProperty,
                                                         OWL.DatatypeProperty)]
            if values:
                rows.append(f"<tr><th>{esc(name)}</th><td>"
                            + ", ".join(self.term(v, self.o) for v in values) + "</td></tr>")
        if self.counts.get(s):
            rows.append(f"<tr><th>in the data</th><td>{self.counts[s]} resources</td></tr>")
        if rows:
            parts.append('<table class="facts">' + "".join(rows) + "</table>")
        return "\n".join(parts)

    def shapes(self) -> str:
        g = self.sh
        nodes = sorted((s for s in g.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)),
                       key=str)
        out = ["<h2 id=\"shapes\">Shapes</h2>",
               "<p>What a well-formed graph looks like (SHACL). A <span class=\"sev-Violation\">"
               "Violation</span> is broken structure; a <span class=\"sev-Warning\">Warning"
               "</span> is a gap of the document itself.</p>"]
        for shape in nodes:
            name = g.value(shape, RDFS.label) or self.qname(str(shape))
            out.append(f'<h3 id="shape-{esc(self.qname(str(shape)).split(":")[-1])}">'
                       f"{esc(name)} <code>{esc(self.qname(str(shape)))}</code></h3>")
            out.append(self.constraints(shape))
            props = sorted(g.objects(shape, SH.property), key=str)
            if props:
                out.append("<dl class=\"shape\">")
                for prop in props:
                    title = g.value(prop, SH.name) or self.qname(str(prop))
                    out.append(f"<dt>{esc(title)}</dt><dd>{self.constraints(prop)}</dd>")
                out.append("</dl>")
        return "\n".join(out)

    def constraints(self, shape: Node) -> str:
        g = self.sh
        bits = []
        for key in SHAPE_KEYS:
            values = sorted(g.objects(shape, SH[key]), key=str)
            for value in values:
                if key == "severity":
                    sev = self.qname(str(value)).split(":")[-1]
                    bits.append(f'severity <span class="sev-{esc(sev)}">{esc(sev)}</span>')
                elif key == "sparql":
                    select = " ".join(str(g.value(value, SH.select) or "").split())
                    bits.append("SPARQL constraint"
                                + (f": <code>{esc(select)}</code>" if select else ""))
                else:
                    bits.append(f"{esc(key)} {self.term(value, g)}")
        messages = sorted(g.objects(shape, SH.message), key=str)
        text = "; ".join(bits)
        for message in messages:
            text += f"<br><span class=\"muted\">{esc(message)}</span>"
        return f"<p>{text}</p>" if text else ""

    def body(self, downloads: list[tuple[str, str]]) -> str:
        o, onto = self.o, URIRef(str(VR))
        title = o.value(onto, DCTERMS.title) or "vrgraph ontology"
        parts = [f"<h1>{esc(title)}</h1>",
                 f'<p class="iri">IRI <code>{esc(str(VR))}</code> · version '
                 f"<code>{esc(o.value(onto, OWL.versionInfo) or '')}</code></p>",
                 f"<p class=\"lede\">{esc(o.value(onto, DCTERMS.description) or '')}</p>",
                 "<p>Download: " + " · ".join(link(p, PATH, t) for p, t in downloads) + "</p>",
                 "<p>Contents: " + " · ".join(f'<a href="#{k}">{esc(t)}</a>'
                                              for k, t, _ in SECTIONS)
                 + ' · <a href="#shapes">Shapes</a></p>']
        done: set[Node] = set()
        for key, heading, types in SECTIONS:
            members = self.terms_of(types, done)
            done.update(members)
            parts.append(f'<h2 id="{key}">{esc(heading)}</h2>')
            parts.extend(self.entry(s) for s in members)
        rest = sorted((s for s in self.defined if s not in done), key=str)
        if rest:
            parts.append('<h2 id="other-terms">Other terms</h2>')
            parts.extend(self.entry(s) for s in rest)
        parts.append(self.shapes())
        return "\n".join(parts)
