"""The static site of a release: one page per resource at its /doc/ path, index pages and the
landing page.

A thing ``{base}id/{type}/{key}`` gets the page ``doc/{type}/{key}.html``: its facts, links to
the resources it names and to those that name it, its own JSON-LD (the node of the JSON-LD
dump, with the context inline) and ``<link rel="alternate">`` to every serialisation.
Every value is escaped; every link is relative.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .namespaces import DCTERMS, OA, ORG, PREFIXES, PROV, RDF, RDFS, SKOS, TIME, VR
from .publish_html import Alternate, esc, external, link, page
from .publish_rdf import json_bytes
from .publish_release import Release
from .text import natural

ONTOLOGY_PAGE = "doc/ontology.html"
DOC_INDEX = "doc/index.html"
SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

TYPE_TITLES = {
    "action": "Actions", "agency": "Agencies", "alignment": "Alignments",
    "approach": "Engagement approaches", "cell": "Group alignment cells",
    "comms": "Communications plan", "document": "Document", "group": "Action groups",
    "intervention": "Interventions", "note": "Data-quality notes", "place": "Places",
    "plan": "Plans", "post": "Posts", "principle": "Principles", "programme": "Programmes",
    "scheme": "Principle schemes", "section": "Document sections", "source": "Source excerpts",
    "target-group": "Target groups", "timeframe": "Timeframes",
}
# Shown first on the landing page and the resource index.
MAIN_TYPES = ("action", "plan", "principle", "agency", "post", "programme", "approach",
              "intervention")
TEXT_PROPERTIES = (VR.text, SKOS.definition, DCTERMS.description, VR.introduction,
                   RDFS.comment, VR.handling, VR.citedText, SKOS.scopeNote)
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SKOS.notation, VR.number)
# Readable names of the terms the graph borrows (vr: terms are named by the ontology).
TERM_LABELS = {
    VR.text: "text", SKOS.definition: "definition", DCTERMS.description: "description",
    RDFS.comment: "comment", SKOS.scopeNote: "scope note", RDFS.label: "label",
    SKOS.prefLabel: "preferred label", SKOS.altLabel: "also written",
    SKOS.hiddenLabel: "hidden label", SKOS.notation: "notation", SKOS.inScheme: "in scheme",
    SKOS.topConceptOf: "top concept of", SKOS.hasTopConcept: "top concept",
    SKOS.exactMatch: "same as", SKOS.member: "member", DCTERMS.title: "title",
    DCTERMS.isPartOf: "part of", DCTERMS.hasPart: "has part",
    DCTERMS.identifier: "identifier", PROV.wasDerivedFrom: "derived from (source lines)",
    ORG.unitOf: "unit of", ORG.postIn: "post in", ORG.subOrganizationOf: "part of organisation",
    OA.hasTarget: "about", OA.motivatedBy: "motivation", TIME.hasBeginning: "beginning",
    TIME.hasEnd: "end", TIME.inXSDgYear: "year", TIME.inXSDDate: "date",
    RDF.type: "type",
}


def plural(n: int, word: str) -> str:
    """``1 agency``, ``2 agencies``, ``3 boxes``, ``4 plans``."""
    if n != 1:
        if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
            word = word[:-1] + "ie"
        elif word.endswith(("s", "x", "ch", "sh")):
            word += "e"
        word += "s"
    return f"{n:,} {word}"


def page_path(iri: str, base: str) -> str | None:
    """``doc/{type}/{key}.html`` for a thing ``{base}id/{type}/{key}``, else None."""
    prefix = base + "id/"
    if not iri.startswith(prefix):
        return None
    parts = iri[len(prefix):].split("/")
    if len(parts) < 2 or not all(SEGMENT.match(p) for p in parts) or parts[-1] == "index":
        return None
    return "doc/" + "/".join(parts) + ".html"


@dataclass(frozen=True)
class Download:
    path: str
    title: str
    format: str
    media_type: str
    size: int
    sha256: str


class Site:
    """Indexes of one graph, and the pages made from them."""

    def __init__(self, g: Graph, ontology: Graph, base: str, release: Release,
                 jsonld: dict[str, Any], alternates: list[Alternate]) -> None:
        self.g, self.base, self.release, self.alternates = g, base, release, alternates
        self.out: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self.inb: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in g:
            self.out[s][p].append(o)
            if isinstance(o, URIRef):
                self.inb[o][p].append(s)
        self.pages: dict[URIRef, str] = {}
        for s in [*self.out, *self.inb]:     # things described, and things only named
            path = page_path(str(s), base) if isinstance(s, URIRef) else None
            if path is not None:
                self.pages[s] = path  # type: ignore[index]
        self.terms = {s: str(o) for s, o in ontology.subject_objects(RDFS.label)
                      if isinstance(s, URIRef) and str(s).startswith(str(VR))}
        self.ctx = jsonld.get("@context", {})
        nodes = jsonld.get("@graph", [{k: v for k, v in jsonld.items() if k != "@context"}])
        self.nodes = {self._expand(n["@id"]): n for n in nodes
                      if isinstance(n, dict) and "@id" in n}
        self.prefixes = sorted(((str(ns), p) for p, ns in PREFIXES.items()),
                               key=lambda pair: -len(pair[0]))

    # --- naming ---------------------------------------------------------------------------

    def _expand(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        ns = self.ctx.get(prefix)
        return ns + local if isinstance(ns, str) and not local.startswith("//") else curie

    def qname(self, iri: str) -> str:
        for ns, prefix in self.prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def kind(self, iri: str) -> str:
        return iri[len(self.base) + 3:].split("/", 1)[0]

    def key(self, iri: str) -> str:
        return iri[len(self.base) + 3:].split("/", 1)[-1]

    def label(self, node: Node) -> str:
        if isinstance(node, Literal):
            return str(node)
        for prop in LABEL_PROPERTIES:
            values = self.out.get(node, {}).get(prop)
            if values:
                return str(sorted(values, key=lambda v: (getattr(v, "language", "") != "en",
                                                         str(v)))[0])
        iri = str(node)
        if node in TERM_LABELS:
            return TERM_LABELS[node]  # type: ignore[index]
        if node in self.terms:
            return self.terms[node]  # type: ignore[index]
        if node in self.pages:
            title = TYPE_TITLES.get(self.kind(iri), self.kind(iri)).rstrip("s")
            return f"{title} {self.key(iri)}"
        return self.qname(iri)

    def term_target(self, iri: str) -> str | None:
        if iri.startswith(str(VR)) and URIRef(iri) in self.terms:
            return f"{ONTOLOGY_PAGE}#{iri[len(str(VR)):]}"
        return None

    def value(self, node: Node, here: str) -> str:
        if isinstance(node, Literal):
            return esc(node)
        iri = str(node)
        if node in self.pages:
            return link(self.pages[node], here, self.label(node))  # type: ignore[index]
        target = self.term_target(iri)
        if target:
            return link(target, here, self.label(node))
        return external(iri, self.label(node))

    def values(self, nodes: Iterable[Node], here: str) -> str:
        items = sorted(set(nodes), key=lambda n: (isinstance(n, Literal),
                                                  natural(self.label(n)), str(n)))
        if len(items) == 1:
            return self.value(items[0], here)
        return "<ul>" + "".join(f"<li>{self.value(n, here)}</li>" for n in items) + "</ul>"

    # --- pages ----------------------------------------------------------------------------

    def frame(self, path: str, title: str, body: str, crumbs: list[tuple[str, str]],
              jsonld: bytes | None = None) -> bytes:
        return page(path, title, body, site_title=self.release.title, crumbs=crumbs,
                    alternates=self.alternates, jsonld=jsonld, footer=self.footer(path))

    def footer(self, path: str) -> str:
        r = self.release
        downloads = " · ".join(link(a.path, path, a.title) for a in self.alternates)
        return (f"<p>Release {esc(r.release)}, version {esc(r.version)}. Published by "
                f"{esc(r.publisher_name)} under the {external(r.licence, r.licence_title)}. "
                f"Names of private individuals are withheld.</p>"
                f"<p>The whole graph: {downloads}</p>")

    def resource_page(self, s: URIRef) -> bytes:
        here = self.pages[s]
        iri, kind = str(s), self.kind(str(s))
        props = self.out[s]
        title = self.label(s)
        parts = [f"<h1>{esc(title)}</h1>", f'<p class="iri">IRI <code>{esc(iri)}</code></p>']
        types = sorted(props.get(RDF.type, []), key=str)
        if types:
            parts.append('<p class="types">' + "".join(
                f'<span class="tag">{self.value(t, here)}</span>' for t in types) + "</p>")
        for prop in TEXT_PROPERTIES:
            for text in sorted(props.get(prop, []), key=str):
                parts.append(f"<h3>{esc(self.label(prop).capitalize())}</h3>"
                             f'<div class="text">{esc(text)}</div>')
        special = self.special(s, here)
        parts.append(special[0])
        rows = []
        shown = set(TEXT_PROPERTIES) | {RDF.type}
        for prop in sorted(props, key=lambda p: (self.label(p), str(p))):
            if prop in shown:
                continue
            vals = props[prop]
            if prop in (RDFS.label, SKOS.prefLabel) and all(str(v) == title for v in vals):
                continue
            rows.append(f"<tr><th>{self.value(prop, here)}</th>"
                        f"<td>{self.values(vals, here)}</td></tr>")
        if rows:
            parts.append('<h2>Facts</h2><table class="facts">' + "".join(rows) + "</table>")
        inbound = [(p, subs) for p, subs in self.inb.get(s, {}).items() if p not in special[1]]
        if inbound:
            rows = [f"<tr><th>{self.value(p, here)}</th><td>{self.values(subs, here)}</td></tr>"
                    for p, subs in sorted(inbound, key=lambda i: (self.label(i[0]), str(i[0])))]
            parts.append("<h2>Pointing here</h2><p class=\"muted\">Resources that name this one, "
                         "by property.</p><table class=\"facts\">" + "".join(rows) + "</table>")
        if not props:
            parts.insert(2, '<p class="muted">The graph names this resource but says nothing '
                            'more about it.</p>')
        node = self.nodes.get(iri) or self.reverse(s)
        data = json_bytes({"@context": self.ctx, **node})
        crumbs = [("index.html", "Home"), (DOC_INDEX, "Resources"),
                  (f"doc/{kind}/index.html", TYPE_TITLES.get(kind, kind))]
        return self.frame(here, title, "\n".join(parts), crumbs, data)

    def reverse(self, s: URIRef) -> dict[str, Any]:
        """JSON-LD of a thing the graph only names: the links to it, as ``@reverse``."""
        rev = {self.qname(str(p)): [{"@id": str(x)} for x in sorted(set(subs), key=str)]
               for p, subs in sorted(self.inb.get(s, {}).items(), key=lambda i: str(i[0]))}
        return {"@id": str(s), "@reverse": rev}

    def special(self, s: URIRef, here: str) -> tuple[str, set[Node]]:
        """Alignment tables for actions and principles; returns (html, inbound shown)."""
        kind = self.kind(str(s))
        if kind == "action":
            rows = []
            for a in self.inb.get(s, {}).get(VR.alignmentOf, []):
                principle = self.first(a, VR.alignmentTo)
                rows.append((natural(self.label(principle) if principle else ""),
                             f"<tr><td>{self.value(principle, here) if principle else ''}</td>"
                             f"<td>{self.cell(a, VR.column, here)}</td>"
                             f"<td>{self.cell(a, VR.alignmentMode, here)}</td>"
                             f"<td>{self.cell(a, VR.citedText, here)}</td>"
                             f"<td>{self.value(a, here)}</td></tr>"))
            if rows:
                return ("<h2>Alignment to the principles</h2><table><tr><th>Principle</th>"
                        "<th>Column</th><th>How</th><th>Cited text</th><th>Record</th></tr>"
                        + "".join(r for _, r in sorted(rows)) + "</table>", {VR.alignmentOf})
        if kind == "principle":
            rows = []
            for a in self.inb.get(s, {}).get(VR.alignmentTo, []):
                action = self.first(a, VR.alignmentOf)
                text = str(self.first(action, VR.text) or "") if action else ""
                rows.append((natural(self.label(action) if action else ""),
                             f"<tr><td>{self.value(action, here) if action else ''}</td>"
                             f"<td>{esc(text[:160] + ('…' if len(text) > 160 else ''))}</td>"
                             f"<td>{self.cell(a, VR.alignmentMode, here)}</td></tr>"))
            if rows:
                return (f"<h2>Actions aligned to it ({len(rows)})</h2><table><tr><th>Action</th>"
                        "<th>Text</th><th>How</th></tr>"
                        + "".join(r for _, r in sorted(rows)) + "</table>", {VR.alignmentTo})
        return "", set()

    def first(self, s: Node, p: Node) -> Node | None:
        values = sorted(self.out.get(s, {}).get(p, []), key=str)
        return values[0] if values else None

    def cell(self, s: Node, p: Node, here: str) -> str:
        values = self.out.get(s, {}).get(p, [])
        return self.values(values, here) if values else ""

    def kinds(self) -> dict[str, list[URIRef]]:
        groups: dict[str, list[URIRef]] = defaultdict(list)
        for s in self.pages:
            groups[self.kind(str(s))].append(s)
        return {k: sorted(v, key=lambda s: natural(self.key(str(s))))
                for k, v in sorted(groups.items())}

    def counted(self, members: list[URIRef]) -> str:
        """"13 resources: 12 action plans, 1 communications plan": the count, and what it
        counts where the members are of more than one class of the vocabulary."""
        classes = Counter(self.terms.get(t, str(t)) for s in members
                          for t in self.out.get(s, {}).get(RDF.type, [])
                          if str(t).startswith(str(VR)))
        text = plural(len(members), "resource")
        if len(classes) > 1:
            text += ": " + ", ".join(plural(n, label) for label, n in
                                     sorted(classes.items(), key=lambda kv: (-kv[1], kv[0])))
        return text

    def ordered_kinds(self) -> list[str]:
        kinds = self.kinds()
        return [k for k in MAIN_TYPES if k in kinds] + [k for k in kinds if k not in MAIN_TYPES]

    def summary(self, s: Node) -> str:
        for prop in TEXT_PROPERTIES:
            values = sorted(self.out.get(s, {}).get(prop, []), key=str)
            if values:
                text = " ".join(str(values[0]).split())
                return text[:140] + ("…" if len(text) > 140 else "")
        return ""

    def type_index(self, kind: str, members: list[URIRef]) -> bytes:
        path = f"doc/{kind}/index.html"
        title = TYPE_TITLES.get(kind, kind)
        rows = "".join(f"<tr><td class=\"name\">{link(self.pages[s], path, self.label(s))}</td>"
                       f"<td class=\"key\"><code>{esc(self.key(str(s)))}</code></td>"
                       f"<td>{esc(self.summary(s))}</td></tr>" for s in members)
        body = (f"<h1>{esc(title)}</h1><p class=\"muted\">{esc(self.counted(members))}.</p>"
                f"<table><tr><th>Name</th><th>Key</th><th>Summary</th></tr>{rows}</table>")
        listing = [{"@id": str(s), "@type": self.nodes.get(str(s), {}).get("@type", [])}
                   for s in members]
        data = json_bytes({"@context": self.ctx, "@graph": listing})
        return self.frame(path, title, body, [("index.html", "Home"), (DOC_INDEX, "Resources")],
                          data)

    def cards(self, path: str) -> str:
        kinds = self.kinds()
        return '<ul class="cards">' + "".join(
            f"<li>{link(f'doc/{k}/index.html', path, TYPE_TITLES.get(k, k))}"
            f"<span>{esc(self.counted(kinds[k]))}</span></li>"
            for k in self.ordered_kinds()) + "</ul>"

    def doc_index(self, about: bytes) -> bytes:
        body = ("<h1>Resources</h1><p class=\"lede\">Every thing of the graph has a page here, "
                "at the path of its IRI: <code>id/action/5.1.1</code> is described at "
                "<code>doc/action/5.1.1.html</code>.</p>" + self.cards(DOC_INDEX)
                + f"<p>The vocabulary and the validation rules: "
                  f"{link(ONTOLOGY_PAGE, DOC_INDEX, 'ontology and shapes')}.</p>")
        return self.frame(DOC_INDEX, "Resources", body, [("index.html", "Home")], about)

    def landing(self, downloads: list[Download], triples: int, about: bytes) -> bytes:
        path = "index.html"
        r = self.release
        rows = "".join(
            f"<tr><td>{link(d.path, path, d.path)}</td><td>{esc(d.title)}</td>"
            f"<td>{esc(d.format)}</td><td class=\"num\">{d.size:,}</td>"
            f"<td class=\"sum\"><code title=\"{esc(d.sha256)}\">{esc(d.sha256[:12])}…</code>"
            "</td></tr>"
            for d in downloads)
        body = "\n".join([
            f"<h1>{esc(r.title)}</h1>",
            f'<p class="lede">{esc(r.description)}</p>',
            f"<p>{triples:,} triples. Release {esc(r.release)}, version {esc(r.version)}. "
            f"Published by {esc(r.publisher_name)} under the "
            f"{external(r.licence, r.licence_title)}.</p>",
            "<h2>Browse</h2>", self.cards(path),
            f"<p>{link(DOC_INDEX, path, 'All resources')} · "
            f"{link(ONTOLOGY_PAGE, path, 'Ontology and shapes')}</p>",
            "<h2>Download</h2>",
            "<table><tr><th>File</th><th>What</th><th>Format</th><th class=\"num\">Bytes</th>"
            f"<th>SHA-256</th></tr>{rows}</table>",
            "<p>The catalogue (DCAT-AP 3): "
            f"{link('catalog.ttl', path, 'catalog.ttl')} (Turtle), "
            f"{link('catalog.rdf', path, 'catalog.rdf')} (RDF/XML). "
            f"VoID: {link('.well-known/void', path, '.well-known/void')}. "
            f"JSON-LD context: {link('context.jsonld', path, 'context.jsonld')}. "
            f"Checksums of every file: {link('SHA256SUMS', path, 'SHA256SUMS')}.</p>",
        ])
        return self.frame(path, r.title, body, [], about)

    def build(self, downloads: list[Download], triples: int, about: bytes) -> dict[str, bytes]:
        """Every page; ``about`` is the JSON-LD of the dataset (for the index pages)."""
        files = {"index.html": self.landing(downloads, triples, about),
                 DOC_INDEX: self.doc_index(about)}
        for kind, members in self.kinds().items():
            index = f"doc/{kind}/index.html"
            if index in files:
                raise ValueError(f"two pages at {index}")
            files[index] = self.type_index(kind, members)
        for s in sorted(self.pages, key=str):
            path = self.pages[s]
            if path in files:
                raise ValueError(f"two pages at {path}")
            files[path] = self.resource_page(s)
        return files
