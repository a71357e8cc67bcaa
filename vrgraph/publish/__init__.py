"""Publish one complete, static, deployable release of the graph: the last stage.

``publish(project, outdir)`` writes the dumps (Turtle, N-Triples, JSON-LD, RDF/XML, N-Quads),
the ontology and the shapes, the DCAT-AP catalogue and the VoID description, CSV tables with
CSVW metadata, and a static site with one page per resource. The release is made in memory,
checked for personal names, written to a temporary folder beside ``outdir`` as it is made
(never held whole in memory: :class:`.write.Files`) and swapped in only when complete, so a
failed or killed run leaves the previous release as it was. Two publishes of
the same graph are byte-identical: dates come from ``release.yaml``, never the clock.

Nothing is written outside ``outdir``, and a hostile ``outdir`` is refused
(``publish.write``). The parts: ``publish.dumps`` (serialisations), ``publish.dcat`` (catalogue,
VoID), ``publish.tables`` (tables), ``publish.site`` / ``publish.ontodoc`` (pages, from the
templates of ``vrgraph/templates/``), ``publish.release`` (the release settings).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Identifier

from .. import curation, pages, progress, reason, store
from ..errors import CurationError, InputError, VrgraphError
from ..namespaces import DCAT, DCTERMS, SKOS, VR, VRSH, Base, strategy_prefixes
from ..project import Project
from . import collection, linked_data, schema_org, search, sections, versions
from . import dumps as publish_rdf
from . import release as settings
from . import tables as publish_csv
from .dcat import FILE_TYPE_LABELS, PREFIXES_META, SPDX, Dist, Part, Subset, catalogue, void
from .ontodoc import page as ontology_page
from .site import ONTOLOGY_PAGE, STYLE, Alternate, Download, Site, beside, page_path
from .write import MARKER, Files, check_outdir, streamed

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
            release: settings.Release | None = None, site_url: str | None = None,
            data: list[Path] | None = None,
            coverage: dict[str, collection.Coverage] | None = None) -> list[Path]:
    """Write a complete release to ``outdir``; return its files, sorted. With ``data``
    (graph files), a collection release of the strategies they hold (:mod:`.collection`),
    ``coverage`` saying who publishes each and what it covers.

    Raises :class:`InputError` for a refused ``outdir`` or a bad ``base_iri``,
    :class:`PrivacyError` if a personal name would be published and :class:`OutputError`
    if the files cannot be written. On any failure ``outdir`` is left as it was.
    """
    if data:
        base = (Base.parse(base_iri) if base_iri is not None else
                store.base_of(store.load(data[:1], [], project.root))).iri
    else:
        base = (Base.parse(base_iri) if base_iri is not None
                else store.recorded_base(project)).iri
    hosted = Base.parse(site_url, "--site-url").iri if site_url is not None else base
    target = check_outdir(project, outdir)
    names: list[str] | None = None

    def leaks(path: str, data: bytes) -> bool:
        nonlocal names
        if names is None:
            names = personal_names(project)
        return curation.personal_in(data.decode("utf-8", errors="replace"), names) is not None

    with progress.task("publishing", unit="files") as bar, \
            streamed(target, leaks, bar.advance) as files:
        release_files(project, base, release or settings.load(), hosted, target, data,
                      coverage if coverage is not None else collection.load_settings(),
                      into=files)
        if names is None:                       # no file at all: still, the sources
            personal_names(project)
        flagged = files.flagged()
        if flagged:
            raise PrivacyError(f"{flagged[0]}: would publish the personal name of a private "
                               f"individual listed in data/curation/leads.yaml; nothing "
                               f"was written")
        written = sorted(target / rel for rel in files)
    return written


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


def load_files(project: Project, files: list[Path]) -> Graph:
    """The union of the graph files ``files`` (a collection release), read strictly."""
    g = Graph()
    for path in files:
        for t in _as_graph(store.parse_file(path, project.display(path))):
            g.add(t)
    return g


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
                  site_url: str | None = None, previous: Path | None = None,
                  data: list[Path] | None = None,
                  coverage: dict[str, collection.Coverage] | None = None,
                  into: Files | None = None) -> Files:
    """Every file of the release, by its path in the release; ``site_url`` is where it will
    be hosted (for the redirects of ``.htaccess``; ``base`` by default); ``previous`` the
    folder of the release it replaces, if any (for its version history); ``data`` the graph
    files of a collection release (else the built graph). The files are put ``into`` a
    :class:`.write.Files` as they are made (by default, one in memory)."""
    tables = publish_csv.load_tables(project.tables, project.display)   # bad headers: first
    progress.note("reading the graph")
    g = load_files(project, data) if data else load_graph(project, base)
    found = collection.strategies(g, base, release, coverage or {}) if data else []
    own = collection.split(g, found)
    if found:
        release = collection.union_release(release, found)
    past = versions.history(previous, release, g, lambda iri: page_path(iri, base) if (
        URIRef(iri), None, None) in g else None) if previous is not None else \
        versions.first(release)
    ids = strategy_prefixes([(s.key, s.ids) for s in found]) if found else None
    ctx = publish_rdf.context(base, ids=ids)
    progress.note("reasoning")
    st = reasoned(project, g)
    progress.note("dumps and tables")
    entailed = store.graph(st, store.INFERRED)
    files = into if into is not None else Files()
    files.update(dumps(g, entailed, base, ctx, files))
    inferred = len(entailed)
    del entailed                                # only its size is said from here on
    files["ontology/vrgraph.ttl"] = _read(project.ontology, project)
    files["ontology/shapes.ttl"] = _read(project.shapes, project)
    files.update(publish_csv.build(g, release, tables))
    files.update(versions.version_files(past, files))   # every version kept: version/V/
    onto = Graph().parse(data=files["ontology/vrgraph.ttl"], format="turtle")
    shapes = Graph().parse(data=files["ontology/shapes.ttl"], format="turtle")
    titles = (str(onto.value(URIRef(str(VR)), DCTERMS.title) or "vrgraph ontology"),
              str(shapes.value(URIRef(str(VRSH)), DCTERMS.title) or "vrgraph SHACL shapes"))
    dists = distributions(files, tables, base, release)
    for s in found:
        files.update(strategy_files(project, s, own[s.key], release,
                                    publish_rdf.context(s.base, ids=ids)))
        dists += strategy_distributions(files, s, tables)

    publisher = URIRef(base + "id/agency/" + release.publisher)
    publisher_label = str(g.value(publisher, SKOS.prefLabel) or release.publisher_name)
    parts = tuple(part(g, s, release, base) for s in found)
    whole = catalogue(base, release, dists, publisher_label, *titles, past.previous, past.notes,
                      parts)
    versions.describe(whole, base, past, files)
    cat = publish_rdf.stable_graph(whole, PREFIXES_META)
    files["catalog.ttl"] = publish_rdf.turtle(cat)
    files["catalog.rdf"] = publish_rdf.rdfxml(cat)
    examples = [URIRef(base + "id/" + k) for k in ("action/5.1.1", "principle/strategic/1",
                                                    "agency/mps", "plan/5.1")
                if (URIRef(base + "id/" + k), None, None) in g]
    subsets = tuple(Subset(s.dataset, s.title, own.size(s.key), own.subjects(s.key), s.ids,
                           s.document) for s in found)
    files[".well-known/void"] = publish_rdf.turtle(publish_rdf.stable_graph(
        void(base, release, g, dists, examples, inferred, subsets), PREFIXES_META))

    progress.note("pages")
    site_pages(g, onto, shapes, base, release, ctx, files, tables, dists, cat, past, found,
               own)
    progress.note("descriptions")
    files[versions.CHANGES_MD] = past.changes.encode("utf-8")
    described = {str(s): path for s in g.subjects() if isinstance(s, URIRef)
                 and (path := page_path(str(s), base)) is not None}
    for s in found:
        if s.base != base:
            described.update({str(x): path for x in own.subjects(s.key)
                              if isinstance(x, URIRef)
                              and (path := page_path(str(x), s.base, s.root)) is not None})
    files.update(linked_data.descriptions(st, described))
    files[linked_data.HTACCESS] = linked_data.htaccess(base, site_url or base)
    files[STYLE] = pages.raw("site.css").encode("utf-8")
    files[".nojekyll"] = b""   # GitHub Pages: serve .well-known as is
    files[MARKER] = versions.marker(release.release, release.version, base, past.previous)
    files[SUMS] = "".join(f"{files.sha256(p)}  {p}\n" for p in sorted(files)).encode("utf-8")
    return files


def dumps(g: Graph, inferred: Graph, base: str, ctx: dict[str, str],
          written: Mapping[str, bytes]) -> Iterator[tuple[str, bytes]]:
    """The graph in every serialisation, and the JSON-LD context on its own, one by one
    (so that only one is held at a time), each put into ``written`` before the next is
    made (the N-Quads take the N-Triples back from there)."""
    data = publish_rdf.stable_graph(g, ctx)
    yield "vrgraph.ttl", publish_rdf.turtle(data)
    yield "vrgraph.nt", publish_rdf.ntriples(data)
    yield "vrgraph.jsonld", publish_rdf.jsonld(data, ctx)
    yield "vrgraph.rdf", publish_rdf.rdfxml(data)
    del data
    entailed = publish_rdf.ntriples(publish_rdf.stable_graph(inferred, ctx))
    yield "vrgraph.nq", publish_rdf.nquads([(base + "graph/asserted", written["vrgraph.nt"]),
                                            (base + "graph/inferred", entailed)])
    del entailed
    yield "context.jsonld", publish_rdf.json_bytes({"@context": ctx})


def distributions(files: Files, tables: list[publish_csv.Table], base: str,
                  release: settings.Release) -> list[Dist]:
    """What the catalogue says about each file: size and checksum of the bytes written."""
    def dist(slug: str, dataset: str, path: str, title: str, description: str,
             media_type: str, file_type: str, rdf: bool = False) -> Dist:
        return Dist(slug, dataset, path, title, description, media_type, file_type,
                    files.size(path), files.sha256(path), rdf)

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


def strategy_files(project: Project, s: collection.Strategy, g: Graph,
                   release: settings.Release, ctx: dict[str, str]
                   ) -> Iterator[tuple[str, bytes]]:
    """A strategy's own files in a collection release: its dumps and its tables, one by
    one."""
    data = publish_rdf.stable_graph(g, ctx)
    yield s.root + "vrgraph.ttl", publish_rdf.turtle(data)
    yield s.root + "vrgraph.nt", publish_rdf.ntriples(data)
    yield s.root + "vrgraph.jsonld", publish_rdf.jsonld(data, ctx)
    del data
    tables = publish_csv.load_tables(project.tables, project.display)
    mine = replace(release, title=s.title)
    for path, table in publish_csv.build(g, mine, tables).items():
        yield s.root + path, table


def strategy_distributions(files: Files, s: collection.Strategy,
                           tables: list[publish_csv.Table]) -> list[Dist]:
    """What the catalogue says about a strategy's files (and its section of the site)."""
    def dist(slug: str, path: str, title: str, description: str, media_type: str,
             file_type: str, rdf: bool = False) -> Dist:
        return Dist(f"{s.key}-{slug}", s.dataset, path, title, description, media_type,
                    file_type, files.size(path), files.sha256(path), rdf)

    out = [dist(d.slug, s.root + d.path, f"{s.title} ({d.title})",
                d.description.replace("The whole graph", "The strategy's own triples"),
                d.media_type, d.file_type, rdf=True) for d in DUMPS[:3]]
    out += [dist(f"table-{t.name}", s.root + t.path, f"{s.title}: {t.title} (CSV)",
                 t.description + f" Described by CSVW metadata in {s.root}{publish_csv.METADATA}.",
                 "text/csv", "CSV") for t in tables]
    out.append(Dist(f"{s.key}-site", s.dataset, s.root + "index.html",
                    f"{s.title} (web pages)", "The strategy's pages: what it is, its "
                    "principles, its resources and its downloads.", "text/html", "HTML"))
    return out


def part(g: Graph, s: collection.Strategy, release: settings.Release, base: str) -> Part:
    """A strategy's dataset in the catalogue."""
    c = s.coverage
    if s.publisher is not None:
        publisher = str(s.publisher)
    elif c.publisher_name and c.publisher_name != release.publisher_name:
        publisher = f"{base}id/publisher/{s.key}"
    else:
        publisher = f"{base}id/agency/{release.publisher}"
    return Part(s.dataset, s.title, s.description, s.root + "index.html", publisher,
                collection.publisher_name(g, s, release), c.publisher_type,
                c.publisher_type_label, c.spatial, c.spatial_label, c.temporal_start,
                c.temporal_end, s.key)


def site_pages(g: Graph, onto: Graph, shapes: Graph, base: str, release: settings.Release,
               ctx: dict[str, str], files: MutableMapping[str, bytes],
               tables: list[publish_csv.Table], dists: list[Dist], cat: Graph,
               past: versions.History, found: list[collection.Strategy] | None = None,
               own: collection.Parts | None = None) -> None:
    """The static site, put into ``files`` page by page: resource pages, index pages, the
    landing page, the ontology page, the change log and the pages of the versions
    (``past``); in a collection release (``found``: its strategies, ``own`` their triples), a
    section per strategy and the pages comparing them."""
    alternates = [Alternate(d.path, d.media_type, d.title) for d in DUMPS]
    site = Site(g, onto, base, release, json.loads(files["vrgraph.jsonld"]), alternates)
    what = {d.path: "The whole graph" for d in DUMPS} | {t.path: t.title for t in tables}
    downloads = [Download(d.path, what.get(d.path, d.title),
                          FILE_TYPE_LABELS.get(d.file_type, d.file_type), d.media_type,
                          d.size or 0, d.sha256 or "") for d in dists
                 if d.sha256 and d.dataset == "graph"]
    about = about_dataset(cat, URIRef(base + "id/dataset/graph"))
    schema = schema_org.dataset(cat, base, release)
    out = files
    site.build(downloads, len(g), about, schema_org=schema, into=out)
    out.update(search.files(site, about))
    if found:
        own = own if own is not None else collection.split(g, found)
        release = collection.union_release(release, found)
        publishers = {x.key: collection.publisher_name(g, x, release) for x in found}
        abouts = {x.key: about_dataset(cat, URIRef(base + "id/dataset/" + x.dataset))
                  for x in found}
        sections.pages(site, onto, base, release, files, dists, found, own, publishers,
                       abouts, (downloads, len(g), about, schema))
    header = publish_rdf.stable_graph(onto.triples((URIRef(str(VR)), None, None)), ctx)
    out[ONTOLOGY_PAGE] = ontology_page(site, onto, shapes, g, publish_rdf.jsonld(header, ctx),
                                       [(p, t) for p, _, t in VOCABULARY])
    out[versions.CHANGES_PAGE] = site.render("changes.html", versions.CHANGES_PAGE, "Changes",
                                             [("index.html", "Home")], about,
                                             blocks=versions.markdown_blocks(past.changes))
    out.update(version_pages(site, past, files, cat, base, about))


def version_pages(site: Site, past: versions.History, files: Mapping[str, bytes], cat: Graph,
                  base: str, about: bytes) -> dict[str, bytes]:
    """The index of versions and a page per version (with its description from the
    catalogue beside it, where its IRI dereferences)."""
    home = [("index.html", "Home")]
    out = {versions.INDEX: site.render("changes.html", versions.INDEX, "Versions", home, about,
                                       blocks=versions.markdown_blocks(
                                           versions.index_markdown(past, files)))}
    pages: dict[str, str] = {}
    for i, v in enumerate(past.versions):
        before = past.versions[i + 1].version if i + 1 < len(past.versions) else None
        path = f"doc/dataset/graph/version/{v.version}.html"
        node = versions.node(base, v.version)
        pages[str(node)] = path
        ctx = dict(sorted(PREFIXES_META.items()))
        own = publish_rdf.jsonld(publish_rdf.stable_graph(cat.triples((node, None, None)), ctx),
                                 ctx)   # what the catalogue says of this version
        out[path] = site.render("changes.html", path, f"Version {v.version}",
                                [*home, (versions.INDEX, "Versions")], own, own=beside(path),
                                blocks=versions.markdown_blocks(
                                    versions.version_markdown(v, files, before)))
    out.update(linked_data.descriptions(store.from_rdflib(cat), pages))
    return out


def about_dataset(cat: Graph, dataset: URIRef) -> bytes:
    """JSON-LD of a dataset of the catalogue and its distributions."""
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
    return cur.personal


def check_privacy(project: Project, files: Mapping[str, bytes]) -> None:
    names = personal_names(project)
    for path, data in sorted(files.items()):
        if curation.personal_in(data.decode("utf-8", errors="replace"), names):
            raise PrivacyError(f"{path}: would publish the personal name of a private "
                               f"individual listed in data/curation/leads.yaml; nothing "
                               f"was written")
