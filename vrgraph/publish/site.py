"""The static site of a release: one page per resource at its /doc/ path, index pages and the
landing page, rendered from the templates ``vrgraph/templates/`` (``site.html`` and the pages
that extend it), which escape every value.

A thing ``{base}id/{type}/{key}`` gets the page ``doc/{type}/{key}.html``: its facts, links to
the resources it names and to those that name it, its own JSON-LD (the node of the JSON-LD
dump, with the context inline) and ``<link rel="alternate">`` to every serialisation. Every
link is relative. How the pages name types and borrowed terms is data:
``publish/site.yaml`` (:mod:`vrgraph.publish.site_settings`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .. import pages
from ..namespaces import DCTERMS, PREFIXES, RDF, RDFS, SKOS, VR
from ..pages import PageTerm
from ..serve.formats import GRAPH_FORMATS, SUFFIXES
from ..serve.formats import name as format_name
from ..text import natural
from .dumps import json_bytes
from .release import Release
from .site_settings import Column, Settings, settings

ONTOLOGY_PAGE = "doc/ontology.html"
DOC_INDEX = "doc/index.html"
SEARCH_PAGE = "search.html"     # publish.search
STYLE = "style.css"
#: A path segment of a page: at most 120 characters, so that no file name (with ``.jsonld``)
#: passes a file system's 255 bytes, whatever a key is made of.
SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
TEXT_PROPERTIES = (VR.text, SKOS.definition, DCTERMS.description, VR.introduction,
                   RDFS.comment, VR.handling, VR.citedText, SKOS.scopeNote)
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SKOS.notation, VR.number)
Cell = list[PageTerm]       # the terms of one table cell


def plural(n: int, word: str) -> str:
    """``1 agency``, ``2 agencies``, ``3 boxes``, ``4 plans``."""
    if n != 1:
        if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
            word = word[:-1] + "ie"
        elif word.endswith(("s", "x", "ch", "sh")):
            word += "e"
        word += "s"
    return f"{n:,} {word}"


def page_path(iri: str, base: str, root: str = "") -> str | None:
    """``{root}doc/{type}/{key}.html`` for a thing ``{base}id/{type}/{key}``, else None
    (``root``: the folder of a strategy's section in a collection release)."""
    prefix = base + "id/"
    if not iri.startswith(prefix):
        return None
    parts = iri[len(prefix):].split("/")
    if len(parts) < 2 or not all(SEGMENT.match(p) for p in parts) or parts[-1] == "index":
        return None
    return root + "doc/" + "/".join(parts) + ".html"


def beside(page: str) -> list[Alternate]:
    """The descriptions ``publish.linked_data`` writes beside the page at ``page``."""
    stem = page.removesuffix(".html")
    return [Alternate(stem + SUFFIXES[f], f.media_type, format_name(f)) for f in GRAPH_FORMATS]


@dataclass(frozen=True)
class Download:
    path: str
    title: str
    format: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Alternate:
    path: str        # release path of the serialisation
    media_type: str
    title: str       # the format's name, e.g. "Turtle"


@dataclass(frozen=True)
class Kind:
    """A type of resource as a card of the landing page shows it."""

    index: str       # release path of its index page
    title: str
    counted: str     # what the index counts


class Site:
    """Indexes of one graph, and the pages made from them; in a collection release, a
    strategy's section has its pages under ``root`` (``strategies/{key}/``) and its own
    landing page there (``home``: its title)."""

    def __init__(self, g: Graph, ontology: Graph, base: str, release: Release,
                 jsonld: dict[str, Any], alternates: list[Alternate],
                 names: Settings | None = None, root: str = "", home: str = "") -> None:
        self.g, self.base, self.release, self.alternates = g, base, release, alternates
        self.root, self.home = root, home
        self.doc_index_path = root + DOC_INDEX
        self.names = names or settings()
        self.out: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self.inb: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in g:
            self.out[s][p].append(o)
            if isinstance(o, URIRef):
                self.inb[o][p].append(s)
        self.pages: dict[Node, str] = {}
        for s in [*self.out, *self.inb]:     # things described, and things only named
            path = page_path(str(s), base, root) if isinstance(s, URIRef) else None
            if path is not None:
                self.pages[s] = path
        self.terms: dict[Node, str] = {
            s: str(o) for s, o in ontology.subject_objects(RDFS.label)
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
        if node in self.names.terms:
            return self.names.terms[node]
        if node in self.terms:
            return self.terms[node]
        if node in self.pages:
            return f"{self.names.title(self.kind(iri)).rstrip('s')} {self.key(iri)}"
        return self.qname(iri)

    def term_target(self, iri: str) -> str | None:
        if iri.startswith(str(VR)) and URIRef(iri) in self.terms:
            return f"{ONTOLOGY_PAGE}#{iri[len(str(VR)):]}"
        return None

    def value(self, node: Node, here: str) -> PageTerm:
        """A node as the page ``here`` shows it: a literal as text, a thing with a page, or
        a term of the vocabulary, as a link to it, anything else as a link out."""
        if isinstance(node, Literal):
            return PageTerm("text", str(node))
        if node in self.pages:
            return PageTerm.link(self.pages[node], here, self.label(node))
        target = self.term_target(str(node))
        if target:
            return PageTerm.link(target, here, self.label(node))
        return PageTerm.external(str(node), self.label(node))

    def curated(self, where: str) -> str:
        """``data/curation/leads.yaml:10`` as a reader can take it: the curation files are
        never published, so the page names what the record is, not where it is kept."""
        stem = where.rsplit("/", 1)[-1].split(".", 1)[0]
        line = where.rpartition(":")[2]
        what = self.names.curation.get(stem, "curation records")
        record = f", the record at line {line}" if line.isdigit() else ""
        return f"the data steward ({what}{record})"

    def values(self, nodes: Iterable[Node], here: str) -> list[PageTerm]:
        items = sorted(set(nodes), key=lambda n: (isinstance(n, Literal),
                                                  natural(self.label(n)), str(n)))
        return [self.value(n, here) for n in items]

    # --- pages ----------------------------------------------------------------------------

    def render(self, template: str, path: str, title: str, crumbs: list[tuple[str, str]],
               jsonld: bytes | None = None, **values: Any) -> bytes:
        """The page at release path ``path`` from ``template`` (which extends ``site.html``);
        ``crumbs`` are (path, label) pairs; ``own`` the page's own descriptions."""
        values.setdefault("own", [])
        values.setdefault("search", SEARCH_PAGE)
        return pages.render(template, path=path, title=title, crumbs=crumbs, jsonld=jsonld,
                            release=self.release, alternates=self.alternates, style=STYLE,
                            **values).encode("utf-8")

    def own(self, s: Node) -> list[Alternate]:
        """The descriptions of ``s`` written beside its page (``publish.linked_data``)."""
        return beside(self.pages[s]) if self.out.get(s) else []

    def resource_page(self, s: Node) -> bytes:
        here = self.pages[s]
        iri, kind = str(s), self.kind(str(s))
        props = self.out[s]
        title = self.label(s)
        texts = [(self.label(prop).capitalize(), str(text)) for prop in TEXT_PROPERTIES
                 for text in sorted(props.get(prop, []), key=str)]
        alignments, aligned, shown_inbound = self.special(s, here)
        shown = set(TEXT_PROPERTIES) | {RDF.type}
        facts = [(self.value(prop, here),
                  [PageTerm("text", self.curated(str(v))) for v in sorted(props[prop], key=str)]
                  if prop == VR.curatedIn else self.values(props[prop], here))
                 for prop in sorted(props, key=lambda p: (self.label(p), str(p)))
                 if prop not in shown and not (prop in (RDFS.label, SKOS.prefLabel)
                                               and all(str(v) == title for v in props[prop]))]
        inbound = [(self.value(p, here), self.values(subs, here))
                   for p, subs in sorted(self.inb.get(s, {}).items(),
                                         key=lambda i: (self.label(i[0]), str(i[0])))
                   if p not in shown_inbound]
        node = {k: v for k, v in (self.nodes.get(iri) or self.reverse(s)).items()
                if self._expand(k) != str(VR.curatedIn)}      # names an unpublished file
        crumbs = [*self.crumbs(), (self.doc_index_path, "Resources"),
                  (f"{self.root}doc/{kind}/index.html", self.names.title(kind))]
        return self.render(
            "resource.html", here, title, crumbs, json_bytes({"@context": self.ctx, **node}),
            iri=iri, described=bool(props),
            types=[self.value(t, here) for t in sorted(props.get(RDF.type, []), key=str)],
            texts=texts, alignments=alignments, aligned=aligned, facts=facts, inbound=inbound,
            principle=kind == "principle" and bool(props), own=self.own(s))

    def reverse(self, s: Node) -> dict[str, Any]:
        """JSON-LD of a thing the graph only names: the links to it, as ``@reverse``."""
        rev = {self.qname(str(p)): [{"@id": str(x)} for x in sorted(set(subs), key=str)]
               for p, subs in sorted(self.inb.get(s, {}).items(), key=lambda i: str(i[0]))}
        return {"@id": str(s), "@reverse": rev}

    def special(self, s: Node, here: str
                ) -> tuple[list[list[Cell]], list[tuple[Cell, str, Cell]], set[Node]]:
        """The alignment table of an action (rows of cells: principle, column, how, cited
        text, record) or of a principle (action, its text cut at 160 characters, how); and
        the inbound property these tables show."""
        kind = self.kind(str(s))
        if kind == "action":
            rows = []
            for a in self.inb.get(s, {}).get(VR.alignmentOf, []):
                principle = self.first(a, VR.alignmentTo)
                cells = [[self.value(principle, here)] if principle else [],
                         self.cell(a, VR.column, here), self.cell(a, VR.alignmentMode, here),
                         self.cell(a, VR.citedText, here), [self.value(a, here)]]
                rows.append((natural(self.label(principle) if principle else ""),
                             str(principle), str(a), cells))
            return [r[-1] for r in sorted(rows, key=lambda r: r[:3])], [], \
                ({VR.alignmentOf} if rows else set())
        if kind == "principle":
            lines = []
            for a in self.inb.get(s, {}).get(VR.alignmentTo, []):
                action = self.first(a, VR.alignmentOf)
                text = str(self.first(action, VR.text) or "") if action else ""
                line = ([self.value(action, here)] if action else [],
                        text[:160] + ("…" if len(text) > 160 else ""),
                        self.cell(a, VR.alignmentMode, here))
                lines.append((natural(self.label(action) if action else ""), str(action),
                              str(a), line))
            return [], [r[-1] for r in sorted(lines, key=lambda r: r[:3])], \
                ({VR.alignmentTo} if lines else set())
        return [], [], set()

    def first(self, s: Node, p: Node) -> Node | None:
        values = sorted(self.out.get(s, {}).get(p, []), key=str)
        return values[0] if values else None

    def cell(self, s: Node, p: Node, here: str) -> list[PageTerm]:
        return self.values(self.out.get(s, {}).get(p, []), here)

    def kinds(self) -> dict[str, list[Node]]:
        groups: dict[str, list[Node]] = defaultdict(list)
        for s in self.pages:
            groups[self.kind(str(s))].append(s)
        return {k: sorted(v, key=lambda s: natural(self.key(str(s))))
                for k, v in sorted(groups.items())}

    def counted(self, members: list[Node]) -> str:
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

    def cards(self) -> list[Kind]:
        """The types of resource, those of ``first`` first, with their counts."""
        kinds = self.kinds()
        order = [k for k in self.names.first if k in kinds] + \
            [k for k in kinds if k not in self.names.first]
        return [Kind(f"{self.root}doc/{k}/index.html", self.names.title(k),
                     self.counted(kinds[k])) for k in order]

    def crumbs(self) -> list[tuple[str, str]]:
        """The way back to the release's home (and the strategy's, in its section)."""
        home = [("index.html", "Home")]
        return home + [(self.root + "index.html", self.home)] if self.root else home

    def summary(self, s: Node) -> str:
        for prop in TEXT_PROPERTIES:
            values = sorted(self.out.get(s, {}).get(prop, []), key=str)
            if values:
                text = " ".join(str(values[0]).split())
                return text[:140] + ("…" if len(text) > 140 else "")
        return ""

    def walk(self, s: Node, steps: tuple[tuple[bool, URIRef], ...]) -> list[Node]:
        """The nodes at the end of a path of ``steps`` from ``s``, each once."""
        nodes = [s]
        for inverse, prop in steps:
            step = self.inb if inverse else self.out
            nodes = list(dict.fromkeys(n for m in nodes for n in step.get(m, {}).get(prop, [])))
        return nodes

    def column(self, s: Node, col: Column, here: str) -> tuple[str, Cell]:
        """A cell of an index: a count, texts cut at 160 characters, or links."""
        nodes = self.walk(s, col.path)
        if col.count:
            return "num", [PageTerm("text", f"{len(nodes):,}")]
        if nodes and all(isinstance(n, Literal) for n in nodes):
            text = " · ".join(sorted(" ".join(str(n).split()) for n in nodes))
            return "", [PageTerm("text", text[:160] + ("…" if len(text) > 160 else ""))]
        if col.text:
            named = sorted((" ".join(sorted(str(t) for t in self.walk(n, col.text)))
                            or self.label(n), str(n), n) for n in nodes)
            return "", [PageTerm.link(self.pages[n], here, text) if n in self.pages
                        else self.value(n, here) for text, _, n in named]
        return "", self.values(nodes, here)

    def type_index(self, kind: str, members: list[Node]) -> bytes:
        path = f"{self.root}doc/{kind}/index.html"
        spec = self.names.indexes.get(kind)
        if spec is None:
            headings = ["Name", "Key", "Summary"]
            rows = [[("name", [PageTerm.link(self.pages[s], path, self.label(s))]),
                     ("key", [PageTerm("code", self.key(str(s)))]),
                     ("", [PageTerm("text", self.summary(s))])] for s in members]
        else:
            headings = [spec.name, *(c.heading for c in spec.columns)]
            rows = [[("name", [PageTerm.link(self.pages[s], path, " ".join(
                        sorted(str(n) for n in self.walk(s, spec.link))) or self.label(s)
                        if spec.link else self.key(str(s)))])]
                    + [self.column(s, c, path) for c in spec.columns] for s in members]
        listing = [{"@id": str(s), "@type": self.nodes.get(str(s), {}).get("@type", [])}
                   for s in members]
        return self.render("type_index.html", path, self.names.title(kind),
                           [*self.crumbs(), (self.doc_index_path, "Resources")],
                           json_bytes({"@context": self.ctx, "@graph": listing}),
                           counted=self.counted(members), headings=headings, rows=rows)

    def doc_index(self, about: bytes) -> bytes:
        return self.render("resources.html", self.doc_index_path, "Resources", self.crumbs(),
                           about, kinds=self.cards(), ontology=ONTOLOGY_PAGE)

    def landing(self, downloads: list[Download], triples: int, about: bytes,
                schema_org: bytes | None = None, strategies: list[Any] | None = None,
                index: str = "") -> bytes:
        """The release's home page, with ``schema_org``, its schema.org Dataset (for dataset
        search); in a collection, with its strategies (``index``: the page comparing them)."""
        return self.render("landing.html", "index.html", self.release.title, [], about,
                           kinds=self.cards(), downloads=downloads, triples=triples,
                           resources=DOC_INDEX, ontology=ONTOLOGY_PAGE, schema_org=schema_org,
                           strategies=strategies or [], index=index)

    def build(self, downloads: list[Download], triples: int, about: bytes,
              landing: bool = True, schema_org: bytes | None = None,
              into: MutableMapping[str, bytes] | None = None) -> MutableMapping[str, bytes]:
        """Every page, put ``into`` the files of a release as it is made (by default a new
        dict); ``about`` is the JSON-LD of the dataset (for the index pages),
        ``schema_org`` its schema.org Dataset (for the landing page: dataset search); a
        strategy's section has no landing page of this kind (``landing`` false)."""
        files: MutableMapping[str, bytes] = {} if into is None else into
        made = {self.doc_index_path}
        files[self.doc_index_path] = self.doc_index(about)
        if landing:
            made.add("index.html")
            files["index.html"] = self.landing(downloads, triples, about, schema_org)
        paths = [f"{self.root}doc/{kind}/index.html" for kind in self.kinds()] + \
            [self.pages[s] for s in sorted(self.pages, key=str)]
        for path in paths:
            if path in made:
                raise ValueError(f"two pages at {path}")
            made.add(path)
        for kind, members in self.kinds().items():
            files[f"{self.root}doc/{kind}/index.html"] = self.type_index(kind, members)
        for s in sorted(self.pages, key=str):
            files[self.pages[s]] = self.resource_page(s)
        return files
