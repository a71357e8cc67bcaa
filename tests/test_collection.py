"""`vrgraph publish OUTDIR --data FILE...`: a collection release of several strategies (the
bundled document, a workbook strategy, two synthetic boroughs), each a DCAT-AP dataset of its
own beside the union's, read back as CKAN's harvester reads it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF

from tests.test_publish import Page, assert_dcat_ap, files_in, personal_names
from tests.test_strategies import BASE as NB_BASE
from tests.test_strategies import fill
from vrgraph import synthetic
from vrgraph.cli import main
from vrgraph.namespaces import strategy_prefixes
from vrgraph.publish.release import SETTINGS

BASE = "https://w3id.org/vrgraph/"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ONS = "http://statistics.data.gov.uk/id/statistical-geography/"
STRATEGIES = ("hackney", "hackney-b1", "hackney-b2", "northbridge")
COVERAGE = {
    "northbridge": {"publisher_type": "LocalAuthority", "publisher_type_label": "Local Authority",
                    "spatial": ONS + "E09000099", "spatial_label": "Northbridge",
                    "temporal": {"start": "2024", "end": "2027"}},
    **{f"hackney-b{k}": {"publisher_name": f"Borough {k} Council",
                         "publisher_type": "LocalAuthority",
                         "publisher_type_label": "Local Authority",
                         "spatial": ONS + f"E0900010{k}", "spatial_label": f"Borough {k}",
                         "temporal": {"start": "2020", "end": "2023"}} for k in (1, 2)},
}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, project) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("collection-inputs")
    book = fill(folder / "northbridge.xlsx")
    northbridge = folder / "northbridge.ttl"
    result = run("build", "--sheet", str(book), "--base-iri", NB_BASE, "-o", str(northbridge))
    assert result.exit_code == 0, result.output
    boroughs = folder / "boroughs.nt"
    synthetic.write(project.graph, boroughs, 2)
    settings = yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))
    settings["strategies"] = COVERAGE
    path = folder / "release.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return {"northbridge": northbridge, "boroughs": boroughs, "settings": path,
            "book": book, "folder": folder}


@pytest.fixture(scope="module")
def release(tmp_path_factory, project, inputs) -> Path:
    out = tmp_path_factory.mktemp("collection") / "release"
    result = run("publish", str(out), "--settings", str(inputs["settings"]),
                 "--data", str(project.graph), "--data", str(inputs["northbridge"]),
                 "--data", str(inputs["boroughs"]))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def catalogue(release) -> Graph:
    return Graph().parse(release / "catalog.ttl", format="turtle")


def dataset(name: str) -> URIRef:
    return URIRef(BASE + "id/dataset/" + name)


def test_each_strategy_is_a_dataset_beside_the_union(release, catalogue):
    catalog = URIRef(BASE + "id/catalog")
    listed = set(catalogue.objects(catalog, DCAT.dataset))
    assert listed == {dataset(n) for n in ("graph", "ontology", "shapes")} | \
        {dataset("strategy/" + k) for k in STRATEGIES}
    union = dataset("graph")
    assert "4 violence reduction strategies" in str(catalogue.value(union, DCTERMS.title))
    for key in STRATEGIES:
        ds = dataset("strategy/" + key)
        assert (ds, DCTERMS.relation, union) in catalogue and \
            (union, DCTERMS.relation, ds) in catalogue
        files = {str(catalogue.value(d, DCAT.accessURL))[len(BASE):]
                 for d in catalogue.objects(ds, DCAT.distribution)}
        root = f"strategies/{key}/"
        assert {root + "vrgraph.ttl", root + "vrgraph.nt", root + "vrgraph.jsonld",
                root + "tables/actions.csv", root + "index.html"} <= files
        for d in catalogue.objects(ds, DCAT.distribution):
            path = release / str(catalogue.value(d, DCAT.accessURL))[len(BASE):]
            assert path.is_file(), path
            checksum = catalogue.value(d, SPDX.checksum)
            if checksum is not None:
                assert str(catalogue.value(checksum, SPDX.checksumValue)) == \
                    hashlib.sha256(path.read_bytes()).hexdigest()
    # Northbridge's publisher is the agency its workbook names; its coverage the settings'
    nb = dataset("strategy/northbridge")
    publisher = catalogue.value(nb, DCTERMS.publisher)
    assert publisher == URIRef(NB_BASE + "id/agency/nbc")
    assert str(catalogue.value(publisher, FOAF.name)) == "Northbridge Borough Council"
    assert catalogue.value(nb, DCTERMS.spatial) == URIRef(ONS + "E09000099")
    period = catalogue.value(nb, DCTERMS.temporal)
    assert (str(catalogue.value(period, DCAT.startDate)),
            str(catalogue.value(period, DCAT.endDate))) == ("2024", "2027")
    # Hackney's, under the release's own base, are the release's
    hk = dataset("strategy/hackney")
    assert catalogue.value(hk, DCTERMS.spatial) == URIRef(ONS + "E09000012")
    assert catalogue.value(hk, DCTERMS.publisher) == URIRef(BASE + "id/agency/lbh")


def test_a_strategys_dump_holds_its_own_triples_only(release, inputs):
    nb = Graph().parse(release / "strategies/northbridge/vrgraph.ttl", format="turtle")
    built = Graph().parse(inputs["northbridge"], format="turtle")
    assert set(nb) == set(built)
    hk = Graph().parse(release / "strategies/hackney/vrgraph.nt", format="nt")
    assert all(str(s).startswith(BASE + "id/") for s in hk.subjects())
    union = Graph().parse(release / "vrgraph.nt", format="nt")
    assert set(nb) <= set(union) and set(hk) <= set(union)


def test_the_collection_catalogue_passes_the_dcat_ap_shapes(catalogue):
    assert_dcat_ap(catalogue)


def test_void_has_a_subset_per_strategy(release):
    void = Graph().parse(release / ".well-known/void", format="turtle")
    union = dataset("graph")
    assert set(void.objects(union, VOID.subset)) >= {dataset("strategy/" + k)
                                                      for k in STRATEGIES}
    for key in STRATEGIES:
        ds = dataset("strategy/" + key)
        dump = Graph().parse(release / f"strategies/{key}/vrgraph.nt", format="nt")
        assert int(void.value(ds, VOID.triples)) == len(dump)
        assert URIRef(BASE + f"strategies/{key}/vrgraph.ttl") in set(void.objects(ds,
                                                                                  VOID.dataDump))
    assert str(void.value(dataset("strategy/northbridge"), VOID.uriSpace)) == NB_BASE + "id/"


CKAN_PARSE = """
import json, sys
from ckanext.dcat.processors import RDFParser
parser = RDFParser(profiles=["euro_dcat_ap_3"])
parser.parse(open(sys.argv[1], encoding="utf-8").read(), _format="turtle")
print(json.dumps([{"title": d["title"], "resources": [{"url": r["url"]} for r in d["resources"]]}
                  for d in parser.datasets()]))
"""


def ckan_datasets(catalogue: Path) -> list[dict]:
    """The datasets CKAN's harvester makes of the catalogue: ckanext-dcat's RDFParser with
    its DCAT-AP 3 profile, run by an interpreter that has CKAN and ckanext-dcat (this one, or
    $VRGRAPH_CKAN_PYTHON: they are too heavy to be a test dependency)."""
    python = os.environ.get("VRGRAPH_CKAN_PYTHON") or sys.executable
    done = subprocess.run([python, "-c", CKAN_PARSE, str(catalogue)], capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0 and "No module named" in done.stderr:
        pytest.skip("CKAN's DCAT harvester is not installed (pip install ckan ckanext-dcat, "
                    "or set VRGRAPH_CKAN_PYTHON to a Python that has them)")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ckans_harvester_sees_a_dataset_per_strategy_and_the_union(release):
    found = {d["title"]: d for d in ckan_datasets(release / "catalog.ttl")}
    cat = Graph().parse(release / "catalog.ttl", format="turtle")
    for key in (*(f"strategy/{k}" for k in STRATEGIES), "graph"):
        title = str(cat.value(dataset(key), DCTERMS.title))
        assert title in found, sorted(found)
        urls = {r["url"] for r in found[title]["resources"]}
        assert urls == {str(cat.value(d, DCAT.accessURL))
                        for d in cat.objects(dataset(key), DCAT.distribution)}


def test_the_site_has_a_page_per_strategy_and_pages_comparing_them(release):
    index = (release / "strategies/index.html").read_text(encoding="utf-8")
    for key in STRATEGIES:
        assert f'href="{key}/index.html"' in index
        assert (release / f"strategies/{key}/index.html").is_file()
    page = (release / "strategies/northbridge/index.html").read_text(encoding="utf-8")
    assert "Public health" in page and "We treat violence as a public health problem." in page
    assert "Northbridge Borough Council" in page and "2024\u20132027" in page
    assert (release / "strategies/northbridge/doc/action/1.1.html").is_file()
    assert (release / "strategies/northbridge/doc/action/index.html").is_file()
    assert (release / "doc/action/5.1.1.html").is_file()       # the release's base: doc/
    principles = (release / "strategies/principles.html").read_text(encoding="utf-8")
    assert "We put young people&#39;s voices first." in principles
    assert "complex set of interacting causes" in principles
    landing = (release / "index.html").read_text(encoding="utf-8")
    assert 'href="strategies/index.html"' in landing and "northbridge" in landing


def test_every_link_of_the_collection_pages_resolves(release):
    root = release.resolve()
    pages = [p for p in release.glob("strategies/**/*.html")] + [release / "index.html"]
    pages = [p for p in pages if "/doc/" not in p.as_posix() or p.name == "index.html"]
    pages += sorted(release.glob("strategies/northbridge/doc/*/*.html"))[:40]
    for path in pages:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                continue
            assert not parts.netloc and not href.startswith("/"), f"{path}: {href}"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file() and root in target.parents, f"{path}: {href} is broken"
        # the home page also carries its schema.org Dataset (for dataset search)
        assert len(page.scripts) <= (2 if path == release / "index.html" else 1), path
        for script in page.scripts:
            json.loads(script)


def test_the_release_declares_a_prefix_per_strategy(release):
    want = {"hackney": BASE + "id/", "hackney-b1": BASE + "b1/id/",
            "hackney-b2": BASE + "b2/id/", "northbridge": NB_BASE + "id/"}
    for path in ("context.jsonld", "vrgraph.jsonld", "strategies/northbridge/vrgraph.jsonld"):
        context = json.loads((release / path).read_bytes())["@context"]
        assert {k: context.get(k) for k in want} == want and "vrid" not in context, path


def test_no_personal_name_in_the_collection(release):
    names = personal_names()
    for name, content in files_in(release).items():
        text = content.decode("utf-8", errors="replace").casefold()
        for person in names:
            assert person not in text, f"{name} contains a personal name"


def test_strategy_prefixes_are_unambiguous():
    assert strategy_prefixes([("hackney", BASE + "id/")]) == {"vrid": BASE + "id/"}
    got = strategy_prefixes([("vr", "https://a/id/"), ("2024", "https://b/id/"),
                             ("lambeth", "https://c/id/")])
    assert got == {"vr-id": "https://a/id/", "s2024": "https://b/id/",
                   "lambeth": "https://c/id/"}


def test_two_strategies_with_one_base_or_an_unknown_settings_entry_are_refused(
        project, inputs, tmp_path):
    twin = tmp_path / "twin.ttl"
    text = inputs["northbridge"].read_text(encoding="utf-8")
    twin.write_text(text.replace('dcterms:identifier "northbridge"', 'dcterms:identifier "twin"')
                    .replace("id/document/northbridge", "id/document/twin"), encoding="utf-8")
    result = run("publish", str(tmp_path / "rel"), "--data", str(inputs["northbridge"]),
                 "--data", str(twin))
    assert result.exit_code == 2, result.output
    assert "both minted under https://example.org/northbridge/" in result.output
    renamed = tmp_path / "renamed.ttl"
    renamed.write_text(text.replace('dcterms:identifier "northbridge"',
                                    'dcterms:identifier "twin"'), encoding="utf-8")
    result = run("publish", str(tmp_path / "rel"), "--data", str(inputs["northbridge"]),
                 "--data", str(renamed))
    assert result.exit_code == 2 and "several short names" in result.output, result.output
    settings = yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))
    settings["strategies"] = {"lambeth": {"spatial_label": "Lambeth"}}
    path = tmp_path / "release.yaml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    result = run("publish", str(tmp_path / "rel"), "--settings", str(path),
                 "--data", str(inputs["northbridge"]))
    assert result.exit_code == 2, result.output
    assert "strategies.lambeth names no strategy" in result.output
    assert not (tmp_path / "rel").exists()


def test_query_answers_shorten_each_strategys_iris_with_its_own_prefix(project, inputs):
    result = run("query", "run", "principle-coverage", "--data", str(project.graph),
                 "--data", str(inputs["northbridge"]))
    assert result.exit_code == 0, result.output
    assert "northbridge:principle/strategic/1" in result.output
    assert "hackney:principle/strategic/1" in result.output and "vrid:" not in result.output
    assert "PREFIX hackney: <https://w3id.org/vrgraph/id/>" in result.output
    assert f"PREFIX northbridge: <{NB_BASE}id/>" in result.output
    alone = run("query", "run", "principles-without-actions", "--data", str(project.graph))
    assert "vrid:principle/" in alone.output and "PREFIX" not in alone.output


@pytest.mark.slow
def test_two_collection_publishes_are_byte_identical(project, inputs, release, tmp_path):
    again = tmp_path / "again"
    result = run("publish", str(again), "--settings", str(inputs["settings"]),
                 "--data", str(project.graph), "--data", str(inputs["northbridge"]),
                 "--data", str(inputs["boroughs"]))
    assert result.exit_code == 0, result.output
    first, second = files_in(release), files_in(again)
    assert sorted(first) == sorted(second)
    assert [p for p in first if first[p] != second[p]] == []
