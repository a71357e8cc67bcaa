"""The site of a collection release: a section per strategy and the pages comparing them.

Each strategy has its page, ``strategies/{key}/index.html`` (what it is, who publishes it,
what it covers, its size, its principles with their own titles and texts, its resources and
downloads); the things of a strategy minted under another base than the release's get their
pages in its section, ``strategies/{key}/doc/{type}/{key}.html`` (those under the release's
base keep theirs at ``doc/``, where ``.htaccess`` sends their IRIs). Two pages compare the
strategies: ``strategies/index.html`` (their sizes side by side) and
``strategies/principles.html`` (every strategy's principles). The landing page lists them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

from rdflib import Graph

from ..namespaces import RDF, SKOS, VR
from ..text import natural
from .collection import INDEX, PRINCIPLES, Strategy
from .dcat import FILE_TYPE_LABELS, Dist
from .release import Release
from .site import Alternate, Download, Site

#: What the strategies' index counts, by the classes of their own triples.
COUNTED = (("actions", (VR.Action,)), ("plans", (VR.ActionPlan,)),
           ("principles", (VR.StrategicPrinciple, VR.EnablingPrinciple)),
           ("agencies and posts", (VR.Agency, VR.OrganisationalUnit, VR.Board,
                                   VR.Partnership, VR.Post)),
           ("quality notes", (VR.DataQualityNote,)))


@dataclass(frozen=True)
class Principle:
    notation: str
    title: str
    text: str
    page: str            # release path of its page ("" if none)


def counts(g: Graph) -> dict[str, int]:
    return {name: len({s for t in types for s in g.subjects(RDF.type, t)})
            for name, types in COUNTED}


def principles(g: Graph, site: Site) -> list[Principle]:
    """A strategy's principles, strategic first, in their numbering, with their own titles
    (``skos:altLabel``, else the label) and texts (``skos:definition``)."""
    out = []
    for t in (VR.StrategicPrinciple, VR.EnablingPrinciple):
        for p in g.subjects(RDF.type, t):
            notation = str(g.value(p, SKOS.notation) or "")
            title = g.value(p, SKOS.altLabel) or g.value(p, SKOS.prefLabel) or notation
            out.append((t == VR.EnablingPrinciple, natural(notation), Principle(
                notation, str(title), " ".join(str(g.value(p, SKOS.definition) or "").split()),
                site.pages.get(p, ""))))
    return [p for *_, p in sorted(out, key=lambda x: (x[0], x[1], x[2].notation))]


def pages(site: Site, onto: Graph, base: str, release: Release,
          files: MutableMapping[str, bytes], dists: list[Dist], found: list[Strategy],
          own: Mapping[str, Graph], publishers: dict[str, str], abouts: dict[str, bytes],
          landing: tuple[list[Download], int, bytes, bytes]) -> None:
    """Every page a collection adds, and the landing page listing the strategies, put into
    ``files`` (the release's, which hold each strategy's JSON-LD dump) as they are made."""
    out = files
    rows = []
    listed = []
    for s in found:
        g = own[s.key]
        alternates = [Alternate(s.root + name, media, title) for name, media, title in
                      (("vrgraph.ttl", "text/turtle", "Turtle"),
                       ("vrgraph.nt", "application/n-triples", "N-Triples"),
                       ("vrgraph.jsonld", "application/ld+json", "JSON-LD"))]
        if s.base == base:
            section = site
        else:
            section = Site(g, onto, s.base, release,
                           json.loads(files[s.root + "vrgraph.jsonld"]), alternates,
                           root=s.root, home=s.title)
            section.build([], len(g), abouts[s.key], landing=False, into=out)
        mine = counts(g)
        downloads = [Download(d.path, d.title, FILE_TYPE_LABELS.get(d.file_type, d.file_type),
                              d.media_type, d.size or 0, d.sha256 or "")
                     for d in dists if d.dataset == s.dataset and d.sha256]
        listed_principles = principles(g, section)
        cover = s.coverage
        facts = {"publisher": publishers[s.key], "area": cover.spatial_label,
                 "area_iri": cover.spatial,
                 "period": (f"{cover.temporal_start}\u2013{cover.temporal_end}"
                            if cover.temporal_start else "")}
        out[s.root + "index.html"] = section.render(
            "strategy.html", s.root + "index.html", s.title, [("index.html", "Home"),
                                                              (INDEX, "Strategies")],
            abouts[s.key], strategy=s, facts=facts, counts=mine, kinds=section.cards(),
            resources=section.doc_index_path, principles=listed_principles,
            downloads=downloads, triples=len(g))
        rows.append((s, facts, mine))
        listed.append((s, listed_principles))
    crumbs = [("index.html", "Home")]
    out[INDEX] = site.render("strategies.html", INDEX, "Strategies", crumbs, None, rows=rows,
                             counted=[name for name, _ in COUNTED], principles=PRINCIPLES)
    out[PRINCIPLES] = site.render("strategy_principles.html", PRINCIPLES,
                                  "Principles of every strategy",
                                  [*crumbs, (INDEX, "Strategies")], None, listed=listed)
    out["index.html"] = site.landing(*landing, strategies=[(s, facts, mine)
                                                            for s, facts, mine in rows],
                                     index=INDEX)
