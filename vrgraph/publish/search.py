"""The search of the static site: an index of every resource page and the page that
searches it in the browser, with MiniSearch (https://lucaong.github.io/minisearch/, vendored
in ``vrgraph/static/minisearch/``, see its NOTICE.md; nothing is fetched from elsewhere).

The index is written twice, as ``search/index.json`` (for any client) and as
``search/index.js`` (the same object assigned to ``window.VRGRAPH_SEARCH``), which the page
loads with a plain script tag so that the search also works opened from disk (``file://``,
where a browser refuses ``fetch``). ``search.html?q=5.1.1`` searches on load.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from rdflib import Literal
from rdflib.term import Node

from ..namespaces import SKOS
from .site import DOC_INDEX, SEARCH_PAGE, TEXT_PROPERTIES

if TYPE_CHECKING:
    from .site import Site

PAGE = SEARCH_PAGE
INDEX_JSON = "search/index.json"
INDEX_JS = "search/index.js"
ENGINE = "assets/minisearch.js"
SCRIPT = "assets/search.js"
TEXT_CHARS = 600        # of a resource's texts, indexed
SUMMARY_CHARS = 160     # shown with a result


def entry(site: Site, s: Node) -> dict[str, Any]:
    """What the index holds of one resource."""
    props = site.out.get(s, {})
    iri = str(s)
    kind = site.kind(iri)
    texts = [" ".join(str(v).split()) for p in TEXT_PROPERTIES
             for v in sorted(props.get(p, []), key=str)]
    text = " ".join(texts)
    alt = sorted({str(v) for p in (SKOS.altLabel, SKOS.notation) for v in props.get(p, [])
                  if isinstance(v, Literal)})
    summary = texts[0] if texts else ""
    return {"id": site.pages[s], "iri": iri, "label": site.label(s),
            "kind": site.names.title(kind).rstrip("s"), "key": site.key(iri),
            "alt": " · ".join(alt), "text": text[:TEXT_CHARS],
            "summary": summary[:SUMMARY_CHARS] + ("…" if len(summary) > SUMMARY_CHARS else "")}


def index(site: Site) -> dict[str, Any]:
    """Every resource with a page, in the order of its page's path."""
    items = [entry(site, s) for s in sorted(site.pages, key=lambda n: site.pages[n])]
    return {"version": 1, "page": PAGE, "items": items}


def _asset(name: str) -> bytes:
    return (resources.files("vrgraph") / "static" / name).read_bytes()


def files(site: Site, about: bytes) -> dict[str, bytes]:
    """The search page, its index and its scripts, by their release paths."""
    data = json.dumps(index(site), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    script = data.replace("</", "<\\/")     # inert inside any HTML, should it be inlined
    page = site.render("search.html", PAGE, "Search", [("index.html", "Home")], about,
                       engine=ENGINE, index_js=INDEX_JS, script=SCRIPT, search=PAGE,
                       resources=DOC_INDEX)
    return {PAGE: page, INDEX_JSON: (data + "\n").encode("utf-8"),
            INDEX_JS: f"window.VRGRAPH_SEARCH = {script};\n".encode(),
            ENGINE: _asset("minisearch/minisearch.js"), SCRIPT: _asset("site-search.js")}
