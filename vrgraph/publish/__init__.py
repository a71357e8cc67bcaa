"""Publish one complete, static, deployable release of the graph: the last stage.

``publish(project, outdir)`` writes the dumps (Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads),
the ontology and the shapes, the DCAT-AP catalogue and the VoID description, CSV tables with
CSVW metadata, and a static site with one page per resource. The release is made in memory,
checked for personal names, written to a temporary folder beside ``outdir`` and swapped in
only when complete, so a failed run leaves the previous release as it was. Two publishes of
the same graph are byte-identical: dates come from ``release.yaml``, never the clock.

Nothing is written outside ``outdir``, and a hostile ``outdir`` is refused
(``publish.write``). The parts: ``publish.dumps`` (serialisations), ``publish.dcat`` (catalogue,
VoID), ``publish.tables`` (tables), ``publish.site`` / ``publish.ontodoc`` (pages, from the
templates of ``vrgraph/templates/``), ``publish.release`` (the release settings).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Identifier

from .. import curation, pages, reason, store
from ..errors import CurationError, InputError, VrgraphError
from ..namespaces import DCAT, DCTERMS, SKOS, VR, VRSH, Base
from ..project import Project
from . import dumps as publish_rdf
from . import linked_data, search, versions
from . import release as settings
from . import tables as publish_csv
from .dcat import FILE_TYPE_LABELS, PREFIXES_META, SPDX, Dist, catalogue, void
from .ontodoc import page as ontology_page
from .site import ONTOLOGY_PAGE, STYLE, Alternate, Download, Site, page_path
from .write import MARKER, check_outdir, write_release

SUMS = "SHA256SUMS"


class PrivacyError(VrgraphError):
    """A personal name would be published."""

    exit_code = 1


@dataclass(frozen=True)
class Dump:
    path: str
    slug: str
    title: str
    media_type: str
    file_type: str
    description: str


DUMPS = (
    Dump("vrgraph.ttl", "graph-turtle", "Turtle", "text/turtle", "RDF_TURTLE",
         "The whole graph in Turtle."),
    Dump("vrgraph.nt", "graph-ntriples", "N-Triples", "application/n-triples", "RDF_N_TRIPLES",
         "The whole graph in N-Triples, one triple a line, sorted."),
    Dump("vrgraph.jsonld", "graph-jsonld", "JSON-LD", "application/ld+json", "JSON_LD",
         "The whole graph in JSON-LD, compacted with an inline context (also shipped as "
         "context.jsonld); nothing is fetched."),
    Dump("vrgraph.rdf", "graph-rdfxml", "RDF/XML", "application/rdf+xml", "RDF_XML",
         "The whole graph in RDF/XML, typed nodes as class-named elements."),
    Dump("vrgraph.nq", "graph-nquads", "N-Quads", "application/n-quads", "RDF_N_QUADS",
         "The graph as N-Quads in two named graphs: {base}graph/asserted holds the triples "
         "of the document, {base}graph/inferred the entailments of the ontology (inverses, "
         "super-classes and -properties, inherited alignments)."),
)
VOCABULARY = (("ontology/vrgraph.ttl", "ontology", "Ontology (OWL 2, Turtle)"),
              ("ontology/shapes.ttl", "shapes", "SHACL shapes (Turtle)"))


def publish(project: Project, outdir: Path, base_iri: str | None = None,
            release: settings.Release | None = None, site_url: str | None = None
            ) -> list[Path]:
    """Write a complete release to ``outdir``; return its files, sorted.

    Raises :class:`InputError` for a refused ``outdir`` or a bad ``base_iri``,
    :class:`PrivacyError` if a personal name would be published and :class:`OutputError`
    if the files cannot be written. On any failure ``outdir`` is left as it was.
    """
    base = (Base.parse(base_iri) if base_iri is not None else store.recorded_base(project)).iri
    hosted = Base.parse(site_url, "--site-url").iri if site_url is not None else base
    target = check_outdir(project, outdir)
    files = release_files(project, base, release or settings.load(), hosted, target)
    check_privacy(project, files)
    return write_release(target, files)


# --- making the release in memory ---------------------------------------------------------

def load_graph(project: Project, base: str) -> Graph:
    """The built graph: ``data/graph.ttl``, or a rebuild when it was built under another
    base IRI."""
    if Base(base) != store.recorded_base(project):
        from .. import build  # the curation schemas and their validator: only for a build

        project.need_sources("vrgraph publish --base-iri")
        return build.build_graph(build.Sources.at(project.root), Base(base))
    path = project.graph
    return _as_graph(store.parse_file(path, project.display(path)))   # strict: line, column


def _as_graph(quads: list[Any]) -> Graph:
    g = Graph()
    for q in quads:
        g.add((store.to_rdflib(q.subject), store.to_rdflib(q.predicate),
               store.to_rdflib(q.object)))
    return g


def reasoned(project: Project, g: Graph) -> ox.Store:
    """A store of ``g`` (ASSERTED), the ontology and what reasoning adds (INFERRED): what
    ``vrgraph serve`` answers from."""
    st = store.from_rdflib(g)
    store.from_rdflib(_as_graph(store.parse_file(project.ontology,
                                                 project.display(project.ontology))),
                      st, store.ONTOLOGY)
    reason.materialise(st)
    return st


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def release_files(project: Project, base: str, release: settings.Release,
                  site_url: str | None = None, previous: Path | None = None
                  ) -> dict[str, bytes]:
    """Every file of the release, by its path in the release; ``site_url`` is where it will
    be hosted (for the redirects of ``.htaccess``; ``base`` by default); ``previous`` the
    folder of the release it replaces, if any (for its version history)."""
    tables = publish_csv.load_tables(project.tables, project.display)   # bad headers: first
    g = load_graph(project, base)
    past = versions.history(previous, release.version, g) if previous is not None else \
        versions.History(None, "First release.", f"## Version {release.version}\n\n"
                                                  f"First release.\n")
    ctx = publish_rdf.context(base)
    st = reasoned(project, g)
    entailed = store.graph(st, store.INFERRED)
    files = dumps(g, entailed, base, ctx)
    files["ontology/vrgraph.ttl"] = _read(project.ontology, project)
    files["ontology/shapes.ttl"] = _read(project.shapes, project)
    files.update(publish_csv.build(g, release, tables))
    onto = Graph().parse(data=files["ontology/vrgraph.ttl"], format="turtle")
    shapes = Graph().parse(data=files["ontology/shapes.ttl"], format="turtle")
    titles = (str(onto.value(URIRef(str(VR)), DCTERMS.title) or "vrgraph ontology"),
              str(shapes.value(URIRef(str(VRSH)), DCTERMS.title) or "vrgraph SHACL shapes"))
    dists = distributions(files, tables, base, release)

    publisher = URIRef(base + "id/agency/" + release.publisher)
    publisher_label = str(g.value(publisher, SKOS.prefLabel) or release.publisher_name)
    cat = publish_rdf.stable_graph(catalogue(base, release, dists, publisher_label, *titles,
                                             past.previous, past.notes), PREFIXES_META)
    files["catalog.ttl"] = publish_rdf.turtle(cat)
    files["catalog.rdf"] = publish_rdf.rdfxml(cat)
    examples = [URIRef(base + "id/" + k) for k in ("action/5.1.1", "principle/strategic/1",
                                                    "agency/mps", "plan/5.1")
                if (URIRef(base + "id/" + k), None, None) in g]
    files[".well-known/void"] = publish_rdf.turtle(publish_rdf.stable_graph(
        void(base, release, g, dists, examples, len(entailed)), PREFIXES_META))

    files.update(site_pages(g, onto, shapes, base, release, ctx, files, tables, dists, cat,
                            versions.markdown_blocks(past.changes)))
    files[versions.CHANGES_MD] = past.changes.encode("utf-8")
    described = {str(s): path for s in g.subjects() if isinstance(s, URIRef)
                 and (path := page_path(str(s), base)) is not None}
    files.update(linked_data.descriptions(st, described))
    files[linked_data.HTACCESS] = linked_data.htaccess(base, site_url or base)
    files[STYLE] = pages.raw("site.css").encode("utf-8")
    files[".nojekyll"] = b""   # GitHub Pages: serve .well-known as is
    files[MARKER] = versions.marker(release.release, release.version, base, past.previous)
    files[SUMS] = "".join(f"{sha256(files[p])}  {p}\n" for p in sorted(files)).encode("utf-8")
    return files


def dumps(g: Graph, inferred: Graph, base: str, ctx: dict[str, str]) -> dict[str, bytes]:
    """The graph in every serialisation, and the JSON-LD context on its own."""
    data = publish_rdf.stable_graph(g, ctx)
    entailed = publish_rdf.stable_graph(inferred, ctx)
    return {
        "vrgraph.ttl": publish_rdf.turtle(data),
        "vrgraph.nt": publish_rdf.ntriples(data),
        "vrgraph.jsonld": publish_rdf.jsonld(data, ctx),
        "vrgraph.rdf": publish_rdf.rdfxml(data),
        "vrgraph.nq": publish_rdf.nquads([(base + "graph/asserted", data),
                                          (base + "graph/inferred", entailed)]),
        "context.jsonld": publish_rdf.json_bytes({"@context": ctx}),
    }


def distributions(files: dict[str, bytes], tables: list[publish_csv.Table], base: str,
                  release: settings.Release) -> list[Dist]:
    """What the catalogue says about each file: size and checksum of the bytes written."""
    def dist(slug: str, dataset: str, path: str, title: str, description: str,
             media_type: str, file_type: str, rdf: bool = False) -> Dist:
        return Dist(slug, dataset, path, title, description, media_type, file_type,
                    len(files[path]), sha256(files[path]), rdf)

    out = [dist(d.slug, "graph", d.path, f"{release.title} ({d.title})",
                d.description.replace("{base}", base), d.media_type, d.file_type, rdf=True)
           for d in DUMPS]
    out += [dist(f"table-{t.name}", "graph", t.path, f"{t.title} (CSV)",
                 t.description + " Described by CSVW metadata in tables/csv-metadata.json.",
                 "text/csv", "CSV") for t in tables]
    out += [dist(name, name, path, title, title + ".", "text/turtle", "RDF_TURTLE")
            for path, name, title in VOCABULARY]
    out.append(Dist("site", "graph", "index.html", f"{release.title} (web pages)",
                    "A static site with one page per resource, with embedded JSON-LD.",
                    "text/html", "HTML"))
    return out


def site_pages(g: Graph, onto: Graph, shapes: Graph, base: str, release: settings.Release,
               ctx: dict[str, str], files: dict[str, bytes], tables: list[publish_csv.Table],
               dists: list[Dist], cat: Graph, changes: list[tuple[str, str | list[str]]]
               ) -> dict[str, bytes]:
    """The static site: resource pages, index pages, the landing page, the ontology page and
    the change log (``changes``: its Markdown blocks)."""
    alternates = [Alternate(d.path, d.media_type, d.title) for d in DUMPS]
    site = Site(g, onto, base, release, json.loads(files["vrgraph.jsonld"]), alternates)
    what = {d.path: "The whole graph" for d in DUMPS} | {t.path: t.title for t in tables}
    downloads = [Download(d.path, what.get(d.path, d.title),
                          FILE_TYPE_LABELS.get(d.file_type, d.file_type), d.media_type,
                          d.size or 0, d.sha256 or "") for d in dists if d.sha256]
    about = about_dataset(cat, base)
    out = site.build(downloads, len(g), about)
    out.update(search.files(site, about))
    header = publish_rdf.stable_graph(onto.triples((URIRef(str(VR)), None, None)), ctx)
    out[ONTOLOGY_PAGE] = ontology_page(site, onto, shapes, g, publish_rdf.jsonld(header, ctx),
                                       [(p, t) for p, _, t in VOCABULARY])
    out[versions.CHANGES_PAGE] = site.render("changes.html", versions.CHANGES_PAGE, "Changes",
                                             [("index.html", "Home")], about, blocks=changes)
    return out


def about_dataset(cat: Graph, base: str) -> bytes:
    """JSON-LD of the graph dataset and its distributions, from the catalogue."""
    dataset = URIRef(base + "id/dataset/graph")
    keep: set[Identifier] = {dataset}       # every node of a graph is one, ordered by rdflib
    keep |= {d for d in cat.objects(dataset, DCAT.distribution) if isinstance(d, Identifier)}
    keep |= {c for d in list(keep) for c in cat.objects(d, SPDX.checksum)
             if isinstance(c, Identifier)}
    sub = [t for s in sorted(keep) for t in cat.triples((s, None, None))]
    ctx = dict(sorted(PREFIXES_META.items()))
    return publish_rdf.jsonld(publish_rdf.stable_graph(sub, ctx), ctx)


def _read(path: Path, project: Project) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"{project.display(path)}: cannot read: {err.strerror or err}") from None


def personal_names(project: Project) -> list[str]:
    """The names of private individuals (``personal:`` entries of leads.yaml)."""
    project.need_sources("vrgraph publish (its check for personal names)")
    folder = project.root / "data" / "curation"
    try:
        cur = curation.load(folder, project.root)
    except CurationError as err:
        raise InputError(f"cannot check the release for personal names: {err}") from None
    names = {str(n).strip() for e in cur.leads.values() for n in (e.get("personal") or [])}
    return sorted(n for n in names if n)


def check_privacy(project: Project, files: dict[str, bytes]) -> None:
    names = [(n, n.casefold()) for n in personal_names(project)]
    for path, data in sorted(files.items()):
        text = data.decode("utf-8", errors="replace").casefold()
        for _name, folded in names:
            if folded in text:
                raise PrivacyError(f"{path}: would publish the personal name of a private "
                                   f"individual listed in data/curation/leads.yaml; nothing "
                                   f"was written")
