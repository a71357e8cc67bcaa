"""The static site of `vrgraph publish` as a researcher explores it (issue 22, point 6):
search, each page's own descriptions, no unpublished file names, principles without
actions, useful index columns, source lines with their text, the document's metadata."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from tests.helpers import dom, needs_chromium, screenshot
from vrgraph.cli.publish import publish as publish_command
from vrgraph.errors import InputError
from vrgraph.project import Project
from vrgraph.publish import search, site_settings

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/vrgraph/"
DOCUMENT = URIRef(BASE + "id/document/hackney-violence-reduction-landscape")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    out = tmp_path_factory.mktemp("site") / "release"
    result = CliRunner().invoke(publish_command, [str(out)], obj=project)
    assert result.exit_code == 0, result.output
    return out


def read(release: Path, path: str) -> str:
    return (release / path).read_text(encoding="utf-8")


def rows(html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", html, re.S)


# --- 1. search ------------------------------------------------------------------------------

def test_the_search_index_holds_every_resource_page(release):
    index = json.loads(read(release, search.INDEX_JSON))
    items = {i["id"]: i for i in index["items"]}
    # the pages of the release's versions are found from version/index.html instead
    pages = {p.relative_to(release).as_posix() for p in (release / "doc").rglob("*.html")
             if p.name not in ("index.html", "ontology.html")
             and not p.relative_to(release).as_posix().startswith("doc/dataset/graph/version/")}
    assert set(items) == pages
    action = items["doc/action/5.1.1.html"]
    assert (action["iri"], action["label"], action["kind"], action["key"]) == \
        (BASE + "id/action/5.1.1", "Action 5.1.1", "Action", "5.1.1")
    assert "hotspots" in action["text"]
    assert items["doc/principle/strategic/3.html"]["alt"] == "SP3"
    script = read(release, search.INDEX_JS)
    assert script.startswith("window.VRGRAPH_SEARCH = ")
    assert json.loads(script.removeprefix("window.VRGRAPH_SEARCH = ").rstrip().rstrip(";")) \
        == index


def test_landing_and_index_pages_have_a_search_box(release):
    for path in ("index.html", "doc/index.html", "doc/action/index.html", "search.html"):
        html = read(release, path)
        action = re.search(r'<form class="search" role="search" action="([^"]+)"', html)
        assert action, path
        assert (release / path).parent.joinpath(action.group(1)).resolve() == \
            (release / "search.html").resolve(), path
    page = read(release, "search.html")
    for script in ("assets/minisearch.js", "search/index.js", "assets/search.js"):
        assert f'<script src="{script}"></script>' in page
        assert (release / script).is_file()


def test_the_vendored_search_library_is_the_one_its_notice_names():
    folder = ROOT / "vrgraph" / "static" / "minisearch"
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((folder / "minisearch.js").read_bytes()).hexdigest()
    assert f"sha256 `{digest}` minisearch.js" in notice
    assert "7.2.0" in notice and "MIT" in notice


def results(page: str) -> list[str]:
    listing = page.split('id="search-results"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li><a href="([^"]+)"', listing)


@needs_chromium
@pytest.mark.parametrize("query, first, among", [
    ("5.1.1", "doc/action/5.1.1.html", []),
    ("hotspot", None, ["doc/action/5.1.1.html", "doc/action/5.2.1.html",
                       "doc/intervention/partnership-tasking.html"]),
    ("SP6", "doc/principle/strategic/6.html", []),
    ("Metropolitan Police", None, ["doc/agency/mps.html"]),
])
def test_the_search_page_finds_resources_from_disk(release, tmp_path, query, first, among):
    """Opened from file:// (no server): ?q= is searched on load."""
    page = dom(tmp_path, (release / "search.html").as_uri() + "?q=" + quote(query),
               "--virtual-time-budget=10000")
    found = results(page)
    assert found, page[-3000:]
    if first:
        assert found[0] == first, found[:5]
    assert set(among) <= set(found), found
    assert all((release / f).is_file() for f in found)


@needs_chromium
def test_a_query_that_matches_nothing_says_so(release, tmp_path):
    page = dom(tmp_path, (release / "search.html").as_uri() + "?q=zzxqvw",
               "--virtual-time-budget=10000")
    assert results(page) == [] and "0 resources found" in page


# --- 2. each page links its own descriptions -------------------------------------------------

def test_a_resource_page_links_its_own_descriptions(release):
    html = read(release, "doc/action/5.1.1.html")
    head, body = html.split("</head>", 1)
    for suffix, media in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"),
                          (".nt", "application/n-triples"), (".rdf", "application/rdf+xml")):
        assert f'<link rel="alternate" type="{media}" href="5.1.1{suffix}"' in head
        assert f'<a href="5.1.1{suffix}" type="{media}">' in body
        assert (release / f"doc/action/5.1.1{suffix}").is_file()
    own = Graph().parse(release / "doc/action/5.1.1.ttl", format="turtle")
    assert (URIRef(BASE + "id/action/5.1.1"), None, None) in own


def test_every_page_with_a_description_links_it(release):
    for ttl in sorted((release / "doc").rglob("*.ttl")):
        html = ttl.with_suffix(".html").read_text(encoding="utf-8")
        assert f'<link rel="alternate" type="text/turtle" href="{ttl.name}"' in html, ttl


# --- 3. no unpublished file names ------------------------------------------------------------

def test_no_page_names_a_curation_or_source_file(release):
    """The ontology page is left out: it documents the shapes, whose messages tell a data
    steward which curation file to edit."""
    for page in sorted(release.rglob("*.html")):
        if page.name == "ontology.html":
            continue
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"data/(curation|source)|\.yaml:\d", text), page


def test_curated_resources_say_who_curated_them(release):
    html = read(release, "doc/action/5.1.1.html")
    assert "<td>the data steward (the lead resolutions, the record at line 10)</td>" in html


# --- 4. a principle with no actions ----------------------------------------------------------

def test_a_principle_without_actions_says_so(release):
    sp6 = read(release, "doc/principle/strategic/6.html")
    assert "No action of the strategy is aligned to this principle." in sp6
    sp3 = read(release, "doc/principle/strategic/3.html")
    assert "Actions aligned to it (47)" in sp3
    assert "No action of the strategy" not in sp3


# --- 5. index columns ------------------------------------------------------------------------

def test_the_actions_index_has_number_text_plan_leads_and_principles(release):
    table = rows(read(release, "doc/action/index.html"))
    assert table[0] == "<th>Number</th><th>Text</th><th>Plan</th><th>Leads</th>" \
                       "<th>Principles</th>"
    row = next(r for r in table if '<a href="5.1.1.html">5.1.1</a>' in r)
    assert "partnership tasking" in row
    assert '<a href="../plan/5.1.html">' in row
    assert '<a href="../agency/community-safety.html">' in row
    for principle, notation in (("enabling/1", "EP1"), ("enabling/3", "EP3"),
                                ("strategic/4", "SP4")):
        assert f'<a href="../principle/{principle}.html">{notation}</a>' in row


def test_the_principles_index_counts_their_actions(release):
    table = rows(read(release, "doc/principle/index.html"))
    assert table[0] == "<th>Notation</th><th>Principle</th><th>Text</th><th>Actions</th>"
    counts = {m.group(1): m.group(2) for r in table[1:] if (m := re.search(
        r'>(SP\d+|EP\d+)</a>.*<td class="num">([\d,]+)</td>', r))}
    assert counts["SP3"] == "47" and counts["SP6"] == "0"


@pytest.mark.parametrize("text, message", [
    ("types: {}\nfirst: []\nterms: {}\nindexes: {action: {name: [N, key]}}\n",
     "indexes: action: needs 'name: [heading, path]'"),
    ("types: {}\nfirst: []\nterms: {}\nindexes: {action: {name: [N, key], columns: "
     "[[Plan, 'nope:inPlan']]}}\n", "'nope:inPlan' is not a path of CURIEs"),
    ("types: {}\nfirst: []\nterms: {}\ncuration: [leads]\n", "'curation' must map"),
])
def test_a_bad_index_setting_names_the_field(tmp_path, text, message):
    path = tmp_path / "publish_site.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        site_settings.settings(path)


# --- 6. source lines and the document ---------------------------------------------------------

def test_a_source_line_shows_its_text_and_links_the_document(release):
    html = read(release, "doc/source/L110-L110.html")
    assert "5.1.1 | Through both weekly and monthly partnership tasking" in html
    assert '<a href="../document/hackney-violence-reduction-landscape.html">' in html


def test_the_document_names_its_publisher_and_where_to_read_more(release, project):
    g = Graph().parse(project.graph, format="turtle")
    assert g.value(DOCUMENT, DCTERMS.publisher) == URIRef(BASE + "id/agency/lbh")
    see = g.value(DOCUMENT, RDFS.seeAlso)
    assert str(see).startswith("https://hackney.gov.uk/")
    html = read(release, "doc/document/hackney-violence-reduction-landscape.html")
    assert '<a href="../agency/lbh.html">' in html
    assert f'href="{see}"' in html


# --- looked at in a browser ------------------------------------------------------------------

@needs_chromium
def test_the_search_page_and_an_index_render(release, tmp_path):
    screenshot(tmp_path, (release / "search.html").as_uri() + "?q=hotspot", "1280,900")
    screenshot(tmp_path, (release / "doc/action/index.html").as_uri(), "1280,900")
