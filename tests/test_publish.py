"""`vrgraph publish`: a complete, static, deployable, repeatable and safe release."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from tests.helpers import dom, needs_chromium, screenshot, values_of
from vrgraph import publish as pub
from vrgraph.cli.publish import publish as publish_command
from vrgraph.project import Project
from vrgraph.publish import site as publish_site
from vrgraph.publish import site_settings
from vrgraph.publish import write as publish_write
from vrgraph.text import neutralise

ROOT = Path(__file__).resolve().parent.parent
DCAT_AP = ROOT.parent / "shared" / "dcat-ap-3.0.1"
BASE = "https://w3id.org/vrgraph/"
SPDX = "http://spdx.org/rdf/terms#"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DUMPS = {"vrgraph.ttl": "turtle", "vrgraph.nt": "nt", "vrgraph.jsonld": "json-ld",
         "vrgraph.rdf": "xml"}


def run(args: list[str], project: Project):
    return CliRunner().invoke(publish_command, args, obj=project)


@pytest.fixture(scope="module")
def release(tmp_path_factory, project) -> Path:
    out = tmp_path_factory.mktemp("publish") / "release"
    result = run([str(out)], project)
    assert result.exit_code == 0, result.output
    assert "published" in result.output
    return out


@pytest.fixture(scope="module")
def data(project) -> Graph:
    return Graph().parse(project.graph, format="turtle")


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def html_pages(release: Path) -> list[Path]:
    return sorted(release.rglob("*.html"))


# --- files ----------------------------------------------------------------------------------

def test_every_file_is_listed_with_its_checksum(release, project, tmp_path):
    on_disk = files_in(release)
    for name in ("index.html", "catalog.ttl", "catalog.rdf", ".well-known/void",
                 "context.jsonld", "ontology/vrgraph.ttl", "ontology/shapes.ttl",
                 "tables/csv-metadata.json", "doc/index.html", "doc/ontology.html",
                 "doc/action/5.1.1.html", "doc/agency/mps.html", "doc/plan/5.1.html",
                 "doc/principle/strategic/1.html", "doc/programme/anti-racism.html",
                 "doc/intervention/fix-up.html", "doc/action/index.html", *DUMPS, "vrgraph.nq"):
        assert name in on_disk, name
    sums = dict(reversed(line.split("  ", 1)) for line in
                on_disk["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(on_disk) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(on_disk[name]).hexdigest() == digest, name


def test_source_and_curation_are_not_published(release):
    names = set(files_in(release))
    assert not any(n.startswith(("data/", "source", "curation")) or n.endswith(".yaml")
                   or (n.endswith(".md") and n != "changes.md")  # the release's own log
                   for n in names)


# --- dumps ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(DUMPS))
def test_dump_parses_back_to_the_graph(release, data, name):
    g = Graph().parse(release / name, format=DUMPS[name])
    assert isomorphic(g, data), f"{name} is not the built graph"


def test_nquads_holds_asserted_and_inferred_graphs(release, data):
    ds = Dataset()
    ds.parse(release / "vrgraph.nq", format="nquads")
    asserted = ds.graph(URIRef(BASE + "graph/asserted"))
    inferred = ds.graph(URIRef(BASE + "graph/inferred"))
    assert isomorphic(Graph() + asserted, data)
    assert len(inferred) > 0 and not set(inferred) & set(asserted)
    assert (URIRef(BASE + "id/plan/5.1"), URIRef("https://w3id.org/vrgraph/def/hasAction"),
            URIRef(BASE + "id/action/5.1.1")) in inferred


def test_no_blank_node_labels(release):
    for name in (*DUMPS, "vrgraph.nq", "catalog.ttl", "catalog.rdf", ".well-known/void"):
        text = (release / name).read_text(encoding="utf-8")
        assert "_:" not in text and "nodeID" not in text, name


def contexts(node):
    return values_of(node, "@context")


def test_jsonld_context_is_inline_never_remote(release):
    for name in ("vrgraph.jsonld", "context.jsonld"):
        found = list(contexts(json.loads((release / name).read_bytes())))
        assert found and all(isinstance(c, dict) for c in found), name
        assert all(isinstance(v, str) and v.startswith("http") for c in found
                   for v in c.values())
    dump = json.loads((release / "vrgraph.jsonld").read_bytes())
    assert dump["@context"] == json.loads((release / "context.jsonld").read_bytes())["@context"]


def test_rdfxml_has_class_named_elements(release):
    ns = {"dcat": str(DCAT), "vr": "https://w3id.org/vrgraph/def/"}
    catalogue = ET.parse(release / "catalog.rdf").getroot()
    datasets = catalogue.findall(".//dcat:Dataset", ns)
    assert {d.get(f"{{{RDF}}}about") for d in datasets} == {
        BASE + "id/dataset/graph", BASE + "id/dataset/ontology", BASE + "id/dataset/shapes",
        BASE + "id/dataset/graph/version/0.1.0"}   # the version, kept
    assert catalogue.findall(".//dcat:Distribution", ns)
    dump = ET.parse(release / "vrgraph.rdf").getroot()
    assert len(dump.findall(".//vr:Action", ns)) > 100


# --- catalogue and VoID ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue(release) -> Graph:
    return Graph().parse(release / "catalog.ttl", format="turtle")


def test_catalogue_and_rdfxml_copy_agree(release, catalogue):
    assert isomorphic(catalogue, Graph().parse(release / "catalog.rdf", format="xml"))


def test_distributions_describe_their_files(release, catalogue):
    dists = set(catalogue.subjects(RDF.type, DCAT.Distribution))
    files = files_in(release)
    described = set()
    for d in dists:
        assert (d, URIRef("http://purl.org/dc/terms/license"),
                URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/"
                       "version/3/")) in catalogue
        media = str(catalogue.value(d, DCAT.mediaType))
        assert media.startswith("http://www.iana.org/assignments/media-types/"), media
        fmt = str(catalogue.value(d, URIRef("http://purl.org/dc/terms/format")))
        assert fmt.startswith("http://publications.europa.eu/resource/authority/file-type/")
        url = catalogue.value(d, DCAT.downloadURL)
        if url is None:
            continue
        name = str(url)[len(BASE):]
        described.add(name)
        assert int(catalogue.value(d, DCAT.byteSize)) == len(files[name])
        checksum = catalogue.value(d, URIRef(SPDX + "checksum"))
        assert catalogue.value(checksum, URIRef(SPDX + "algorithm")) == \
            URIRef("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")
        assert str(catalogue.value(checksum, URIRef(SPDX + "checksumValue"))) == \
            hashlib.sha256(files[name]).hexdigest()
    assert {*DUMPS, "vrgraph.nq", "ontology/vrgraph.ttl", "ontology/shapes.ttl",
            "tables/actions.csv"} <= described
    assert not described & {"catalog.ttl", "catalog.rdf"}


def test_catalogue_dates_are_dates(catalogue):
    """pyshacl ignores the official shapes' `sh:shape` date checks, so check them here."""
    dated = {"issued", "modified"}
    for s, p, o in catalogue:
        if str(p).rsplit("/", 1)[-1] in dated or p in (DCAT.startDate, DCAT.endDate):
            assert isinstance(o, Literal) and o.datatype in (
                XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth), (s, p, o)


def test_catalogue_passes_the_official_dcat_ap_shapes(catalogue):
    assert_dcat_ap(catalogue)


def assert_dcat_ap(catalogue: Graph) -> None:
    """``catalogue`` passes the official DCAT-AP 3.0.1 shapes (skip where they are not)."""
    if not DCAT_AP.is_dir():
        pytest.skip(f"the DCAT-AP 3.0.1 shapes are not at {DCAT_AP} (test data shared beside "
                    f"the project); cannot validate the catalogue")
    import pyshacl

    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl",
                 "mdr-vocabularies.shape.ttl", "deprecateduris.ttl"):
        shapes.parse(DCAT_AP / name, format="turtle")
    # The one local override, from the folder's README: a UK council is no EU corporate body.
    shapes.add((URIRef("http://data.europa.eu/r5r#CorporateBodyRestriction"), SH.deactivated,
                Literal(True)))
    _, report, text = pyshacl.validate(catalogue, shacl_graph=shapes, inference="none",
                                       allow_warnings=True)
    results = list(report.objects(None, SH.result))
    violations = [r for r in results if report.value(r, SH.resultSeverity) == SH.Violation]
    assert not violations, text
    # Left, and expected: the ONS geography is no EU place and carries no bbox/centroid.
    for r in results:
        assert report.value(r, SH.resultSeverity) != SH.Violation
        assert "statistical-geography" in str(report.value(r, SH.value) or "") + \
            str(report.value(r, SH.focusNode)), text


def test_void_describes_the_dataset(release, data):
    void = Graph().parse(release / ".well-known/void", format="turtle")
    V = "http://rdfs.org/ns/void#"
    ds = URIRef(BASE + "id/dataset/graph")
    assert int(void.value(ds, URIRef(V + "triples"))) == len(data)
    assert str(void.value(ds, URIRef(V + "uriSpace"))) == BASE + "id/"
    dumps = {str(o)[len(BASE):] for o in void.objects(ds, URIRef(V + "dataDump"))}
    assert set(DUMPS) <= dumps and all((release / d).is_file() for d in dumps)
    assert set(void.objects(ds, URIRef(V + "vocabulary"))) >= {
        URIRef("https://w3id.org/vrgraph/def/"), URIRef("http://www.w3.org/ns/prov#")}
    assert URIRef(BASE + "id/action/5.1.1") in set(void.objects(ds, URIRef(V + "exampleResource")))
    action = URIRef("https://w3id.org/vrgraph/def/Action")
    actions = [p for p in void.objects(ds, URIRef(V + "classPartition"))
               if void.value(p, URIRef(V + "class")) == action]
    assert len(actions) == 1
    assert int(void.value(actions[0], URIRef(V + "entities"))) == \
        len(set(data.subjects(RDF.type, URIRef("https://w3id.org/vrgraph/def/Action"))))


# --- tables --------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=cmd", "+1", "-x", "@a", "\t=1"])
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["5.1.1", "MPS", "", "a=b", "https://w3id.org/x"])
def test_plain_cells_are_kept(cell):
    assert neutralise(cell) == cell


def test_csvw_metadata_names_each_csv(release, data):
    meta = json.loads((release / "tables/csv-metadata.json").read_bytes())
    assert meta["@context"][0] == "http://www.w3.org/ns/csvw"
    csvs = {p.name for p in (release / "tables").glob("*.csv")}
    assert {t["url"] for t in meta["tables"]} == csvs == {
        "actions.csv", "agencies.csv", "principles.csv", "alignments.csv"}
    for table in meta["tables"]:
        text = (release / "tables" / table["url"]).read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == [c["name"] for c in table["tableSchema"]["columns"]]
        assert all(len(r) == len(rows[0]) for r in rows)
        for row in rows[1:]:
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
    text = (release / "tables/actions.csv").read_text(encoding="utf-8")
    actions = list(csv.reader(io.StringIO(text, newline="")))
    assert len(actions) - 1 == len(set(data.subjects(
        RDF.type, URIRef("https://w3id.org/vrgraph/def/Action"))))



def test_table_queries_give_the_same_rows_on_rdflib(project, data):
    """The tables do not depend on the engine: rdflib's solutions make the same rows."""
    from vrgraph.publish import release as settings
    from vrgraph.publish import tables as publish_tables

    by_oxigraph = publish_tables.load_tables(project.tables)
    publish_tables.build(data, settings.load(), by_oxigraph)
    for table in by_oxigraph:
        again = publish_tables.load_table(project.tables / f"{table.name}.rq", table.name)
        result = data.query(again.query)
        names = [str(v) for v in result.vars or []]
        again.fill(names, ([None if row[i] is None else str(row[i]) for i in range(len(names))]
                           for row in result))
        assert table.rows and again.rows == table.rows, table.name


def test_editing_a_table_query_header_changes_the_metadata(scratch, data):
    from vrgraph.publish import release as settings
    from vrgraph.publish import tables as publish_tables

    path = scratch.tables / "actions.rq"
    text = path.read_text(encoding="utf-8")
    old = "#+   - name: plan_title\n#+     description: The plan's title.\n"
    assert old in text
    path.write_text(text.replace(old, "#+   - name: plan_title\n#+     titles: Plan title\n"
                                      "#+     description: The title of the plan.\n"),
                    encoding="utf-8")
    files = publish_tables.build(data, settings.load(), publish_tables.load_tables(scratch.tables))
    meta = json.loads(files["tables/csv-metadata.json"])
    actions = next(t for t in meta["tables"] if t["url"] == "actions.csv")
    column = next(c for c in actions["tableSchema"]["columns"] if c["name"] == "plan_title")
    assert column["titles"] == "Plan title"
    assert column["dc:description"] == "The title of the plan."
    header = next(csv.reader(io.StringIO(files["tables/actions.csv"].decode("utf-8"))))
    assert header[5] == "Plan title" and header[4] == "plan_number"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("#+ primaryKey: iri", "#+ primaryKey: [iri}", "malformed #+ header"),
    ("#+     datatype: anyURI", "#+     datatype: url", "datatype 'url' is not one of CSVW's"),
    ("#+     propertyUrl: vr:number", "#+     propertyUrl: nope:number", "neither a full IRI"),
    ("#+ sort: [number]", "#+ sort: [numero]", "'numero' names no column"),
    ("#+     lang: en", "#+     language: en", "unknown key 'language'"),
    ("#+     datatype: anyURI\n#+     propertyUrl: vr:delivers",
     "#+     datatype: uri\n#+     propertyUrl: vr:delivers", "column 'interventions': datatype"),
])
def test_a_malformed_table_query_header_is_refused_with_its_line(scratch, tmp_path, old, new,
                                                                 message):
    path = scratch.tables / "actions.rq"
    text = path.read_text(encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run([str(tmp_path / "out" / "release")], scratch)
    assert result.exit_code == 2, result.output
    assert f"queries/tables/actions.rq:{line}: " in result.output and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out" / "release").exists()


def test_a_table_query_that_projects_other_columns_is_refused(scratch, tmp_path):
    path = scratch.tables / "agencies.rq"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("?actions_led ?page\n", "?page ?actions_led\n"), encoding="utf-8")
    result = run([str(tmp_path / "out" / "release")], scratch)
    assert result.exit_code == 2, result.output
    assert "queries/tables/agencies.rq: the query's variables" in result.output
    assert not (tmp_path / "out" / "release").exists()


def test_table_queries_are_not_canned_queries(project):
    """``vrgraph query list`` and serve list queries/*.rq only, not queries/tables/."""
    from vrgraph.query.canned import load_queries

    tables = {p.stem for p in project.tables.glob("*.rq")}
    assert tables == {"actions", "agencies", "principles", "alignments"}
    assert not tables & set(load_queries(project.queries))


# --- site ----------------------------------------------------------------------------------

class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []
        self.h1 = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append(a[key])
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in = "script"
            self.scripts.append("")
        elif tag == "h1":
            self._in = "h1"

    def handle_endtag(self, tag):
        if tag in ("script", "h1"):
            self._in = None

    def handle_data(self, text):
        if self._in == "script":
            self.scripts[-1] += text
        elif self._in == "h1":
            self.h1 += text


@pytest.fixture(scope="module")
def pages(release) -> dict[Path, Page]:
    out = {}
    for path in html_pages(release):
        parser = Page()
        parser.feed(path.read_text(encoding="utf-8"))
        out[path] = parser
    return out


def test_a_page_per_resource_at_its_doc_path(release, data):
    for s in set(data.subjects()):
        path = publish_site.page_path(str(s), BASE)
        if str(s).startswith(BASE + "id/"):
            assert path and (release / path).is_file(), s
    for kind in ("action", "agency", "principle", "plan", "programme", "intervention"):
        assert (release / "doc" / kind / "index.html").is_file()


def test_every_internal_link_resolves(release, pages):
    root = release.resolve()
    for path, page in pages.items():
        assert page.links, path
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            assert not parts.scheme and not parts.netloc and not href.startswith("/"), \
                f"{path}: {href} is not a relative link"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file() and root in target.parents, f"{path}: {href} is broken"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in pages[target].ids, f"{path}: {href}: no such anchor"


def test_every_page_has_jsonld_that_parses(release, pages):
    checked = 0
    for path, page in pages.items():
        # the index page also has the schema.org Dataset (tests/test_dataset_search.py)
        assert len(page.scripts) == (2 if path == release / "index.html" else 1), path
        doc = json.loads(page.scripts[0])
        assert all(isinstance(c, dict) for c in contexts(doc)) and "@context" in doc, path
        rel = path.relative_to(release).as_posix()
        if rel.startswith("doc/") and not rel.endswith(("index.html", "ontology.html")):
            assert doc["@id"] == BASE + "id/" + rel[4:-5], path
        if checked < 60 or rel in ("index.html", "doc/ontology.html"):
            g = Graph().parse(data=page.scripts[0], format="json-ld")
            assert len(g) > 0, path
            checked += 1


def test_pages_show_facts_and_link_related_resources(release, pages):
    action = pages[release / "doc/action/5.1.1.html"]
    assert action.h1 == "Action 5.1.1"
    text = (release / "doc/action/5.1.1.html").read_text(encoding="utf-8")
    assert "<title>Action 5.1.1 | " in text and "<span>Action 5.1.1</span></nav>" in text
    assert "../plan/5.1.html" in action.links
    assert "../agency/community-safety.html" in action.links
    assert "../principle/enabling/1.html" in action.links
    for link in ("../../vrgraph.ttl", "../../vrgraph.jsonld", "../../vrgraph.rdf"):
        assert link in action.links
    agency = pages[release / "doc/agency/mps.html"]
    assert "../action/5.1.2.html" in agency.links        # the actions it leads


def test_values_are_escaped(release):
    text = (release / "doc/action/5.1.1.html").read_text(encoding="utf-8")
    body = text.split("</head>", 1)[1]
    assert "<script" not in body
    assert re.search(r"[^\\]</script", text.split("<script", 1)[1].split("</script>", 1)[0]) \
        is None


# --- privacy, repeatability, safety -----------------------------------------------------------

def personal_names() -> list[str]:
    leads = yaml.safe_load((ROOT / "data/curation/leads.yaml").read_text(encoding="utf-8"))
    names = {n for entry in leads.values() for n in (entry.get("personal") or [])}
    assert names, "leads.yaml lists no personal names: the privacy test would prove nothing"
    out = set()
    for name in names:
        out.add(name.casefold())
        surname = name.split()[-1]
        if len(surname) >= 5:
            out.add(surname.casefold())
    return sorted(out)


def test_no_personal_name_in_any_file(release):
    names = personal_names()
    for name, content in files_in(release).items():
        text = content.decode("utf-8", errors="replace").casefold()
        for person in names:
            assert person not in text, f"{name} contains a personal name"


def test_a_leak_is_refused_and_nothing_written(project, tmp_path, monkeypatch):
    def leaky(*args, into, **kwargs):
        into.update({"index.html": b"<p>ok</p>",
                     "doc/leak.html": f"<p>{personal_names()[0].title()}</p>".encode()})
        return into

    monkeypatch.setattr(pub, "release_files", leaky)
    result = run([str(tmp_path / "rel")], project)
    assert result.exit_code == 1 and "personal name" in result.output
    assert not (tmp_path / "rel").exists() and not list(tmp_path.iterdir())


@pytest.mark.slow
def test_two_publishes_are_byte_identical(release, tmp_path):
    """The second publish runs in another process with other string hashing."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "vrgraph.cli", "--root", str(ROOT), "publish",
                    str(out)], check=True, env=env, cwd=tmp_path,
                   capture_output=True)
    first, second = files_in(release), files_in(out)
    assert sorted(first) == sorted(second)
    assert [n for n in first if first[n] != second[n]] == []


@pytest.mark.parametrize("hostile", [
    "/", str(ROOT), str(ROOT / "out" / ".." / "data"), str(ROOT / "tests" / ".." / ".."),
    str(ROOT / "ontology"), str(ROOT / "vrgraph"), str(ROOT.parent),
])
def test_hostile_outdir_is_refused(project, hostile):
    before = sorted(p.name for p in ROOT.iterdir())
    result = run([hostile], project)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: ") and "Traceback" not in result.output
    assert sorted(p.name for p in ROOT.iterdir()) == before


def test_a_folder_that_is_no_release_is_not_replaced(project, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = run([str(tmp_path / "mine")], project)
    assert result.exit_code == 2 and "not a vrgraph release" in result.output
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_bad_base_iri_is_refused(project, tmp_path):
    result = run([str(tmp_path / "rel"), "--base-iri", "not an iri"], project)
    assert result.exit_code == 2 and "--base-iri" in result.output


@pytest.mark.slow
def test_base_iri_rebuilds_the_data(project, tmp_path):
    base = "https://example.org/vr/"
    out = tmp_path / "rel"
    result = run([str(out), "--base-iri", base], project)
    assert result.exit_code == 0, result.output
    g = Graph().parse(out / "vrgraph.nt", format="nt")
    assert (URIRef(base + "id/action/5.1.1"), None, None) in g
    assert not any(str(s).startswith(BASE + "id/") for s in g.subjects())
    page = (out / "doc/action/5.1.1.html").read_text(encoding="utf-8")
    assert f'"@id": "{base}id/action/5.1.1"' in page
    cat = Graph().parse(out / "catalog.ttl", format="turtle")
    assert (URIRef(base + "id/dataset/graph"), RDF.type, DCAT.Dataset) in cat


def snapshot(folder: Path) -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in files_in(folder).items()}


@pytest.fixture()
def previous(release, tmp_path) -> Path:
    out = tmp_path / "site"
    shutil.copytree(release, out)
    return out


@pytest.mark.slow
def test_a_failing_publish_leaves_the_previous_release(project, previous, monkeypatch):
    before = snapshot(previous)

    def boom(self, s):
        raise RuntimeError("simulated failure while making pages")

    monkeypatch.setattr(publish_site.Site, "resource_page", boom)
    with pytest.raises(RuntimeError):
        pub.publish(project, previous)
    assert snapshot(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["site"]


@pytest.mark.slow
def test_a_failing_write_leaves_the_previous_release(project, previous, monkeypatch):
    before = snapshot(previous)
    real, count = publish_write.write_file, {"n": 0}

    def flaky(path, data):
        count["n"] += 1
        if count["n"] == 200:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(publish_write, "write_file", flaky)
    result = run([str(previous)], project)
    assert result.exit_code == 3 and "No space left" in result.output, result.output
    assert snapshot(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["site"]


def test_release_files_kept_in_a_folder_are_read_back_replaced_and_checked(tmp_path):
    seen = []
    files = publish_write.Files(tmp_path, check=lambda path, data: b"secret" in data,
                                written=lambda: seen.append(1))
    files.update({"a/b.txt": b"one", "c.txt": b"a secret"})
    files["a/b.txt"] = b"two, a secret"             # set again: replaces the first
    files["c.txt"] = b"clean now"
    assert (tmp_path / "a/b.txt").read_bytes() == b"two, a secret" == files["a/b.txt"]
    assert sorted(files) == ["a/b.txt", "c.txt"] and len(seen) == 4
    assert files.size("c.txt") == 9 and files.sha256("c.txt") == hashlib.sha256(
        b"clean now").hexdigest()
    assert files.flagged() == ["a/b.txt"]            # as each file was last set
    assert "missing" not in files and files.get("missing") is None
    with pytest.raises(publish_write.OutputError):
        files["../out.txt"] = b"x"
    kept = publish_write.Files()                      # in memory: the same answers
    kept.update({"a/b.txt": b"two, a secret", "c.txt": b"clean now"})
    assert dict(kept) == dict(files) and kept.sha256("c.txt") == files.sha256("c.txt")


@pytest.mark.slow
def test_publish_writes_each_file_as_it_is_made(project, tmp_path, monkeypatch):
    """The release is never held whole in memory: when the first page is made, the dumps
    are already in the folder that becomes the release (and not yet in OUTDIR)."""
    found: list[list[str]] = []
    real = publish_site.Site.resource_page

    def first_page(self, s):
        if not found:
            found.extend(sorted(p.relative_to(folder).as_posix()
                                for folder in tmp_path.glob(".rel.new-*")
                                for p in folder.iterdir() if p.is_file()))
        return real(self, s)

    monkeypatch.setattr(publish_site.Site, "resource_page", first_page)
    paths = pub.publish(project, tmp_path / "rel")
    assert {"vrgraph.ttl", "vrgraph.nt", "vrgraph.jsonld", "catalog.ttl"} <= set(found)
    assert "SHA256SUMS" not in found and len(found) < len(paths) / 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_a_release_replaces_the_previous_one_and_lists_its_files(project, previous):
    (previous / "stale.html").write_text("old")
    paths = pub.publish(project, previous)
    assert not (previous / "stale.html").exists() and (previous / "index.html").is_file()
    assert paths == sorted(paths)
    assert {p.relative_to(previous).as_posix() for p in paths} == set(files_in(previous))
    assert sorted(p.name for p in previous.parent.iterdir()) == ["site"]


# --- in a real browser -------------------------------------------------------------------------

@needs_chromium
def test_pages_render_in_a_headless_browser(release, tmp_path):
    page = dom(tmp_path, (release / "doc/action/5.1.1.html").as_uri())
    assert "<h1>Action 5.1.1</h1>" in page and "Alignment to the principles" in page
    screenshot(tmp_path, (release / "index.html").as_uri(), "1280,900")


def test_hostile_values_are_escaped_and_named_things_get_a_page():
    from vrgraph.publish.dumps import context, jsonld, stable_graph
    from vrgraph.publish.release import load

    vr = Namespace("https://w3id.org/vrgraph/def/")
    action, plan = URIRef(BASE + "id/action/9.9.9"), URIRef(BASE + "id/plan/9.9")
    hostile = '</script><script>alert(1)</script> & "quotes" <b>'
    g = Graph()
    g.add((action, RDF.type, vr.Action))
    g.add((action, vr.text, Literal(hostile, lang="en")))
    g.add((action, vr.inPlan, plan))            # the plan is named, never described
    ctx = context(BASE)
    site = publish_site.Site(g, Graph(), BASE, load(),
                             json.loads(jsonld(stable_graph(g, ctx), ctx)), [])
    files = site.build([], len(g), b"{}")
    html = files["doc/action/9.9.9.html"].decode()
    assert "<script>alert" not in html and "<b>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    page = Page()
    page.feed(html)
    assert len(page.scripts) == 1
    assert json.loads(page.scripts[0])["vr:text"]["@value"] == hostile
    assert "../plan/9.9.html" in page.links
    stub = Page()
    stub.feed(files["doc/plan/9.9.html"].decode())
    doc = json.loads(stub.scripts[0])
    assert doc["@id"] == str(plan) and doc["@reverse"]["vr:inPlan"] == [{"@id": str(action)}]
    assert "../action/9.9.9.html" in stub.links
    assert (action, vr.inPlan, plan) in Graph().parse(data=stub.scripts[0], format="json-ld")


EVIL = "</script><script>alert(1)</script> & \"q\" 'a' <img src=x onerror=alert(2)>"


class Parsed(HTMLParser):
    """The elements, attribute names and text of a page, as a browser would read them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("text, message", [
    ("types: {action: Actions}\nfirst: [action]\nterms: {nope:x: y}\n",
     "publish_site.yaml: terms: 'nope:x' is not a CURIE of a known prefix"),
    ("types: {action: ''}\nfirst: []\nterms: {}\n", "'types' must map names to titles"),
    ("types: {}\nfirst: action\nterms: {}\n", "'first' must be a list of types"),
    ("- a list\n", "expected a mapping of settings"),
    ("types: [\n", "publish_site.yaml: malformed YAML"),
])
def test_a_bad_site_settings_file_names_the_field(tmp_path, text, message):
    from vrgraph.errors import InputError

    path = tmp_path / "publish_site.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        site_settings.settings(path)
    assert site_settings.settings().types["action"] == "Actions"   # the shipped file


def test_hostile_values_in_every_text_field_reach_the_site_and_ontology_pages_as_text():
    """A hostile label, text, release setting, type title, file name, ontology or shape text:
    the templates escape each (no element or attribute is added) and the reader sees it as
    written."""
    import dataclasses

    from vrgraph.pages import PageTerm
    from vrgraph.publish.ontodoc import page as ontology_page
    from vrgraph.publish.release import load
    from vrgraph.publish.versions import markdown_blocks

    vr, vrsh = Namespace("https://w3id.org/vrgraph/def/"), Namespace(BASE + "shapes#")
    action, principle = URIRef(BASE + "id/action/9.9.9"), URIRef(BASE + "id/principle/x/1")
    alignment = URIRef(BASE + "id/alignment/9.9.9-x1")
    g = Graph()
    for s_, p_, o_ in [(action, RDF.type, vr.Action), (action, vr.text, Literal(EVIL)),
                       (action, SKOS.prefLabel, Literal(EVIL)),
                       (action, RDFS.comment, Literal(EVIL, lang="en")),
                       (principle, SKOS.prefLabel, Literal(EVIL)),
                       (principle, SKOS.definition, Literal(EVIL)),
                       (alignment, vr.alignmentOf, action), (alignment, vr.alignmentTo, principle),
                       (alignment, vr.citedText, Literal(EVIL))]:
        g.add((s_, p_, o_))
    onto = Graph()
    onto_iri = URIRef(str(vr))
    for p_ in (DCTERMS.title, DCTERMS.description, OWL.versionInfo):
        onto.add((onto_iri, p_, Literal(EVIL)))
    onto.add((vr.Action, RDF.type, OWL.Class))
    onto.add((vr.Action, RDFS.label, Literal(EVIL)))
    onto.add((vr.Action, SKOS.definition, Literal(EVIL)))
    onto.add((vr.Action, RDFS.comment, Literal(EVIL)))
    shapes = Graph()
    prop, sparql = URIRef(str(vrsh) + "p"), URIRef(str(vrsh) + "q")
    for s_, p_, o_ in [(vrsh.ActionShape, RDF.type, SH.NodeShape),
                       (vrsh.ActionShape, RDFS.label, Literal(EVIL)),
                       (vrsh.ActionShape, SH.message, Literal(EVIL)),
                       (vrsh.ActionShape, SH.sparql, sparql), (sparql, SH.select, Literal(EVIL)),
                       (vrsh.ActionShape, SH.property, prop), (prop, SH.name, Literal(EVIL)),
                       (prop, SH.path, vr.text), (prop, SH.pattern, Literal(EVIL))]:
        shapes.add((s_, p_, o_))
    release = dataclasses.replace(load(), title=EVIL, description=EVIL, version=EVIL,
                                  publisher_name=EVIL, licence_title=EVIL,
                                  licence='https://example.org/"onmouseover="alert(3)')
    names = site_settings.Settings({"action": EVIL + "s", "principle": EVIL}, ("action",),
                                  {RDFS.comment: EVIL})
    site = publish_site.Site(g, onto, BASE, release, {}, [publish_site.Alternate(
        "vrgraph.ttl", 'text/turtle" onload="alert(4)', EVIL)], names)
    about = json.dumps({"name": EVIL}).encode()
    files = site.build([publish_site.Download("tables/x.csv", EVIL, EVIL, "text/csv", 1, EVIL)],
                       len(g), about)
    files["doc/ontology.html"] = ontology_page(site, onto, shapes, g, about,
                                               [("ontology/vrgraph.ttl", EVIL)])
    files["changes.html"] = site.render(
        "changes.html", "changes.html", EVIL, [("index.html", EVIL)], about,
        blocks=markdown_blocks(f"# {EVIL}\n\n- {EVIL}\n- {EVIL}\n\n{EVIL}\n"))
    assert PageTerm.external("javascript:alert(5)", EVIL).kind == "code"   # never a link
    assert len(files) == 10   # 3 resources, 3 type indexes, 4 other pages
    for path, data in files.items():
        html = data.decode()
        page = Parsed(html)
        assert page.tags.count("script") == 1 and "img" not in page.tags, path
        assert not [a for a, _ in page.attributes if a.startswith("on")], path
        script = html.split('<script type="application/ld+json">', 1)[1].split("</script>")[0]
        assert "<" not in script
        if path in ("index.html", "doc/index.html", "doc/ontology.html", "changes.html"):
            assert json.loads(script) == {"name": EVIL}   # given as is, read back as is
        text = "".join(page.text)
        assert text.count(EVIL) >= (1 if "/index.html" in path else 3), path
    action_page = files["doc/action/9.9.9.html"].decode()
    assert Parsed(action_page).text.count(EVIL) >= 5   # h1, text, comment, principle, cited
    ontology = "".join(Parsed(files["doc/ontology.html"].decode()).text)
    assert ontology.count(EVIL) >= 8   # title, description, version, label, definition,
    #                                    comment, shape label, message, name, pattern, select


# -- linked data from a static host --------------------------------------------------------------
def test_each_resource_has_its_description_in_four_syntaxes(release):
    action = URIRef(BASE + "id/action/5.1.1")
    graphs = {suffix: Graph().parse(release / f"doc/action/5.1.1{suffix}", format=fmt)
              for suffix, fmt in ((".ttl", "turtle"), (".jsonld", "json-ld"),
                                  (".nt", "nt"), (".rdf", "xml"))}
    first = graphs[".ttl"]
    assert (action, RDF.type, URIRef(BASE + "def/Action")) in first
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert (URIRef(BASE + "id/principle/strategic/4"), label,
            Literal("Strategic Principle 4", lang="en")) in first
    for suffix, g in graphs.items():
        assert isomorphic(g, first), suffix
    pages = {p.with_suffix("") for p in (release / "doc" / "action").glob("*.html")
             if p.name != "index.html"}
    assert pages == {p.with_suffix("") for p in (release / "doc" / "action").glob("*.ttl")}


def test_htaccess_redirects_ids_and_terms(release):
    rules = (release / ".htaccess").read_text()
    assert "RewriteBase /vrgraph/" in rules
    assert f"RewriteRule ^id/(.+)$ {BASE}doc/$1.ttl [R=303,L]" in rules
    assert f"RewriteRule ^id/(.+)$ {BASE}doc/$1.html [R=303,L]" in rules
    assert f"{BASE}ontology/vrgraph.ttl [R=303,L]" in rules


APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if os.path.exists("/usr/sbin/apache2")
                                     else None)
MODULES = Path("/usr/lib/apache2/modules")


@pytest.mark.skipif(APACHE is None or not MODULES.is_dir(),
                    reason="needs Apache (Debian package apache2) to serve the release")
@pytest.mark.slow
def test_a_published_iri_dereferences_on_apache_with_the_htaccess(project, tmp_path):
    """The release behind a real Apache, its .htaccess as w3id.org would run it: rdflib
    (a linked-data client) follows the 303 from the IRI to the Turtle description."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/vrgraph/"
    www = tmp_path / "www"
    result = run([str(www / "vrgraph"), "--base-iri", base], project)
    assert result.exit_code == 0, result.output
    conf = tmp_path / "httpd.conf"
    modules = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so"
                        for m in ("mpm_event", "authz_core", "rewrite", "mime", "dir"))
    conf.write_text(f"""ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {tmp_path}/httpd.pid
ErrorLog {tmp_path}/error.log
{modules}
TypesConfig /etc/mime.types
DocumentRoot {www}
<Directory {www}>
  AllowOverride All
  Require all granted
</Directory>
""")
    apache = subprocess.Popen([APACHE, "-X", "-f", str(conf)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "Apache did not start"
                time.sleep(0.1)
        g = Graph().parse(base + "id/action/5.1.1")
        # (the vocabulary keeps its own namespace whatever the base)
        assert (URIRef(base + "id/action/5.1.1"), RDF.type, URIRef(BASE + "def/Action")) in g

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        for accept, target in (("text/html", "doc/action/5.1.1.html"),
                               ("application/ld+json", "doc/action/5.1.1.jsonld"),
                               ("application/rdf+xml", "doc/action/5.1.1.rdf")):
            request = urllib.request.Request(base + "id/action/5.1.1", headers={"Accept": accept})
            with pytest.raises(urllib.error.HTTPError) as answer:
                opener.open(request, timeout=10)
            assert answer.value.code == 303 and answer.value.headers["Location"] == base + target
        with urllib.request.urlopen(base + "doc/action/5.1.1.jsonld", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/ld+json")
    finally:
        apache.terminate()
        apache.wait(timeout=10)


def test_counts_say_what_they_count(release, data):
    index = (release / "index.html").read_text()
    assert "13 resources: 12 action plans, 1 communications plan" in index
    void_ = Graph().parse(release / ".well-known/void", format="turtle")
    VOID = Namespace("http://rdfs.org/ns/void#")
    ds = URIRef(BASE + "id/dataset/graph")
    assert int(void_.value(ds, VOID.triples)) == len(data)
    dumps = {str(d) for d in void_.objects(ds, VOID.dataDump)}
    assert dumps and not [d for d in dumps if d.endswith(".nq")]  # each holds just those
    entailed = void_.value(predicate=VOID.subset, object=ds)
    assert str(void_.value(entailed, VOID.dataDump)).endswith("vrgraph.nq")
    nquads = Dataset().parse(release / "vrgraph.nq", format="nquads")
    assert int(void_.value(entailed, VOID.triples)) == len(nquads)


# -- versions ------------------------------------------------------------------------------
def publish_two_versions(scratch: Project, out: Path
                         ) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """0.1.0, then 0.2.0 of a changed graph: the files of each."""
    import dataclasses

    from vrgraph.publish import release as publish_release

    first = publish_release.load()
    pub.publish(scratch, out, release=first)
    assert (out / "changes.md").read_text().endswith("First release.\n")
    first_files = files_in(out)
    g = Graph().parse(scratch.graph, format="turtle")
    g.set((URIRef(BASE + "id/action/5.1.1"), URIRef(BASE + "def/text"),
           Literal("A new text.", lang="en")))
    g.serialize(scratch.graph, format="turtle")
    second = dataclasses.replace(first, version="0.2.0", release="2026-12-31")
    pub.publish(scratch, out, release=second)
    marker = (out / publish_write.MARKER).read_text()
    assert "version 0.2.0" in marker and "previous 0.1.0" in marker
    changes = (out / "changes.md").read_text()
    assert "### Text changed (1)" in changes and "'A new text.'" in changes
    page = (out / "changes.html").read_text()
    assert "A new text." in page and '<a href="doc/action/5.1.1.html">5.1.1</a>: ' in page
    cat = Graph().parse(out / "catalog.ttl", format="turtle")
    dataset = URIRef(BASE + "id/dataset/graph")
    assert (dataset, DCAT.previousVersion, URIRef(f"{dataset}/version/0.1.0")) in cat
    notes = str(cat.value(dataset, URIRef("http://www.w3.org/ns/adms#versionNotes")))
    assert notes.startswith("Changes since version 0.1.0: 1 text changed")
    before = files_in(out)
    pub.publish(scratch, out, release=second)  # the same version again: the same bytes
    assert files_in(out) == before
    g.set((URIRef(BASE + "id/action/5.1.1"), URIRef(BASE + "def/text"),
           Literal("Yet another text.", lang="en")))
    g.serialize(scratch.graph, format="turtle")
    with pytest.raises(pub.InputError, match="raise `version` .* in vrgraph/publish/release.yaml"):
        pub.publish(scratch, out, release=second)
    assert files_in(out) == before  # refused, the release as it was
    return first_files, before


@pytest.mark.slow
def test_every_version_is_kept_with_its_dumps_and_a_cumulative_log(scratch, tmp_path):
    """0.1.0, then 0.2.0 (recording 0.1.0 and what changed; the same version of another
    graph refused), then 0.3.0: each reachable under version/V/ with its dumps, linked
    from the catalogue (dcat:hasVersion, dcat:previousVersion) and an index; the log keeps
    every entry, newest first; a raised version with the old date is refused naming the
    settings file used."""
    out = tmp_path / "out" / "release"
    first_files, second_files = publish_two_versions(scratch, out)
    assert first_files["version/0.1.0/vrgraph.ttl"] == first_files["vrgraph.ttl"]
    assert second_files["version/0.1.0/vrgraph.ttl"] == first_files["vrgraph.ttl"]
    assert second_files["version/0.2.0/vrgraph.nt"] == second_files["vrgraph.nt"]
    settings = tmp_path / "mine.yaml"
    raw = yaml.safe_load(pub.settings.SETTINGS.read_text())
    raw["version"], raw["release"] = "0.3.0", "2026-12-31"        # 0.2.0's date
    settings.write_text(yaml.safe_dump(raw))
    refused = run([str(out), "--settings", str(settings)], scratch)
    assert refused.exit_code == 2, refused.output
    assert (f"error: {settings}: version 0.3.0 follows version 0.2.0 but keeps its release "
            f"date 2026-12-31; set `release`") in refused.stderr
    assert files_in(out) == second_files
    raw["release"] = "2027-01-15"
    settings.write_text(yaml.safe_dump(raw))
    done = run([str(out), "--settings", str(settings)], scratch)
    assert done.exit_code == 0, done.output
    files = files_in(out)
    for version, kept in (("0.1.0", first_files), ("0.2.0", second_files)):
        for name in ("vrgraph.ttl", "vrgraph.nt", "vrgraph.jsonld", "vrgraph.rdf", "vrgraph.nq"):
            assert files[f"version/{version}/{name}"] == kept[name], (version, name)
    log = files["changes.md"].decode()
    heads = [line for line in log.splitlines() if line.startswith("## ")]
    assert heads == ["## Version 0.3.0, released 2027-01-15",
                     "## Version 0.2.0, released 2026-12-31",
                     "## Version 0.1.0, released 2026-11-26"], heads
    assert "Changes since version 0.2.0: 1 text changed" in log
    assert "Changes since version 0.1.0: 1 text changed" in log
    cat = Graph().parse(out / "catalog.ttl", format="turtle")
    dataset = URIRef(BASE + "id/dataset/graph")
    versions = {f"{dataset}/version/{v}": v for v in ("0.1.0", "0.2.0", "0.3.0")}
    assert {str(v) for v in cat.objects(dataset, DCAT.hasVersion)} == set(versions)
    assert (dataset, DCAT.previousVersion, URIRef(f"{dataset}/version/0.2.0")) in cat
    assert (URIRef(f"{dataset}/version/0.2.0"), DCAT.previousVersion,
            URIRef(f"{dataset}/version/0.1.0")) in cat
    for iri, v in versions.items():
        urls = {str(u) for d in cat.objects(URIRef(iri), DCAT.distribution)
                for u in cat.objects(d, DCAT.downloadURL)}
        assert BASE + f"version/{v}/vrgraph.ttl" in urls, (v, urls)
        assert (URIRef(iri), DCAT.version, Literal(v)) in cat
        page = f"doc/dataset/graph/version/{v}"
        assert f"version/{v}/vrgraph.ttl" in files[page + ".html"].decode()
        assert (URIRef(iri), RDF.type, DCAT.Dataset) in Graph().parse(
            data=files[page + ".ttl"].decode(), format="turtle")
        assert f'href="../../../../version/{v}/vrgraph.ttl"' in files[page + ".html"].decode()
        assert f'href="../doc/dataset/graph/version/{v}.html"' in \
            files["version/index.html"].decode()
    sums = files["SHA256SUMS"].decode()
    assert "  version/0.1.0/vrgraph.ttl\n" in sums
    assert_dcat_ap(cat)
    raw["version"], raw["release"] = "0.2.0", "2027-02-01"   # an earlier version, again
    settings.write_text(yaml.safe_dump(raw))
    again = run([str(out), "--settings", str(settings)], scratch)
    assert again.exit_code == 2 and "version 0.2.0 was published before" in again.stderr
    assert files_in(out) == files


def test_only_links_to_release_paths_become_links():
    from vrgraph.publish.versions import markdown_blocks

    blocks = markdown_blocks("- [5.1.1](doc/action/5.1.1.html): 'x' -> "
                             "'[y](javascript:alert(1))' [z](../up.html) [w](/root.html)\n")
    assert blocks == [("ul", [[("5.1.1", "doc/action/5.1.1.html"),
                               (": 'x' -> '[y](javascript:alert(1))' [z](../up.html) "
                                "[w](/root.html)", None)]])]


@pytest.mark.parametrize("content, message", [
    (None, "cannot read the release settings"),
    ("version: [", "malformed YAML"),
    ("release: 2026-13-01\nversion: 0.2.0\n", "malformed YAML: a value cannot be read "
                                               "(month must be in 1..12)"),
    ("release: 26 November\nversion: 0.2.0\n", "'release' must be a date YYYY-MM-DD"),
])
def test_a_bad_settings_file_is_exit_2_naming_it(project, tmp_path, content, message):
    settings = tmp_path / "release.yaml"
    if content is not None:
        settings.write_text(content)
    result = run([str(tmp_path / "site"), "--settings", str(settings)], project)
    assert result.exit_code == 2 and f"error: {settings}: {message}" in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_version_that_is_no_plain_name_is_refused(project, tmp_path):
    settings = tmp_path / "release.yaml"
    raw = yaml.safe_load(pub.settings.SETTINGS.read_text())
    raw["version"] = "../../escape"
    settings.write_text(yaml.safe_dump(raw))
    result = run([str(tmp_path / "site"), "--settings", str(settings)], project)
    assert result.exit_code == 2
    assert f"error: {settings}: 'version' must be letters, digits" in result.stderr
    assert not (tmp_path / "site").exists()
