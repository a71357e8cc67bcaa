"""Linked data without a server: what makes a published IRI dereference from a static host.

For every resource page ``doc/{type}/{key}.html`` the release gets the same description
``vrgraph serve`` gives at ``/doc/{type}/{key}`` (``serve.run.DESCRIBE``: what the resource
says, the labels of what it links to, its blank nodes) as Turtle, JSON-LD, N-Triples and
RDF/XML beside the page. ``.htaccess`` (Apache ``mod_rewrite``, the format w3id.org takes)
sends ``{base}id/...`` with 303 to the document in the syntax the ``Accept`` header asks for
(the HTML page otherwise) and ``{base}def/TERM`` to the ontology, as the UK URI pattern and
https://www.w3.org/TR/cooluris/ describe.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pyoxigraph as ox

from .. import store as st
from ..serve.formats import GRAPH_FORMATS, SUFFIXES, TURTLE, graph
from ..serve.run import DESCRIBE

HTACCESS = ".htaccess"


def descriptions(store: ox.Store, pages: dict[str, str]) -> Iterator[tuple[str, bytes]]:
    """``doc/{type}/{key}.ttl`` (and ``.jsonld``, ``.nt``, ``.rdf``) for each IRI of
    ``pages`` (IRI -> its page's path) that ``store`` describes (the union of its graphs,
    as the server queries it), as (path, bytes) pairs made one by one."""
    resource = ox.Variable("resource")
    for iri, page in sorted(pages.items()):
        subject = ox.NamedNode(iri)
        triples = sorted(st.triples(store.query(DESCRIBE, substitutions={resource: subject},
                                                use_default_graph_as_union=True)), key=str)
        if not any(t.subject == subject for t in triples):
            continue
        stem = page.removesuffix(".html")
        for fmt in GRAPH_FORMATS:
            yield stem + SUFFIXES[fmt], graph(fmt, triples)


def htaccess(base: str, site_url: str) -> bytes:
    """Apache rewrite rules for the path of ``base``: ``id/`` and ``def/`` IRIs answered
    with 303 to the release hosted at ``site_url`` (``base`` itself when it is served in
    place)."""
    path = urlsplit(base).path or "/"
    lines = [
        f"# Linked-data redirects for {base}* (Apache mod_rewrite; for w3id.org, the",
        f"# .htaccess of its folder). The release is hosted at {site_url}.",
        "Options -MultiViews",
        *(f"AddType {fmt.media_type} {SUFFIXES[fmt]}" for fmt in GRAPH_FORMATS),
        "RewriteEngine on",
        f"RewriteBase {path}",
        "",
        f"# {base}id/THING: its description, in the syntax asked for, else its page",
    ]
    for fmt in GRAPH_FORMATS:
        media = fmt.media_type.replace("+", "\\+").replace(".", "\\.")
        lines += [f"RewriteCond %{{HTTP_ACCEPT}} {media}",
                  f"RewriteRule ^id/(.+)$ {site_url}doc/$1{SUFFIXES[fmt]} [R=303,L]"]
    lines += [f"RewriteRule ^id/(.+)$ {site_url}doc/$1.html [R=303,L]",
              "",
              f"# {base}def/TERM: the ontology, as Turtle or as its page",
              f"RewriteCond %{{HTTP_ACCEPT}} {TURTLE.media_type}",
              f"RewriteRule ^def/?(.*)$ {site_url}ontology/vrgraph.ttl [R=303,L]",
              f"RewriteRule ^def/?(.*)$ {site_url}doc/ontology.html#$1 [R=303,NE,L]", ""]
    return "\n".join(lines).encode("utf-8")
