"""RDF serialisations for a release, byte-stable from run to run.

rdflib writes Turtle sorted, but its other writers follow the store's iteration order, which
Python's per-process string hashing shuffles. So every graph here goes into a
:class:`SimpleMemory` store (plain dicts, insertion order) in sorted order, N-Triples and
N-Quads lines are sorted, JSON-LD is re-ordered after rdflib has compacted it, and the
namespace declarations of RDF/XML are sorted. No blank nodes are written (the graph has none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from rdflib import Graph
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from ..namespaces import PREFIXES

Triple = tuple[Node, Node, Node]


def context(base: str, extra: dict[str, str] | None = None,
            ids: dict[str, str] | None = None) -> dict[str, str]:
    """The JSON-LD context of a release: the project's prefixes and ``vrid:`` for things,
    or with several strategies ``ids``, a prefix for each one's things
    (:func:`vrgraph.namespaces.strategy_prefixes`)."""
    ctx = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    ctx.update(ids if ids is not None else {"vrid": base + "id/"})
    ctx.update(extra or {})
    return dict(sorted(ctx.items()))


def stable_graph(triples: Iterable[Triple], prefixes: dict[str, str]) -> Graph:
    """A graph whose writers see ``triples`` in sorted order, with ``prefixes`` bound."""
    g = Graph(store=SimpleMemory(), bind_namespaces="core")
    for prefix, ns in sorted(prefixes.items()):
        g.bind(prefix, ns, override=True, replace=True)
    for triple in sorted(triples):
        g.add(triple)
    return g


def turtle(g: Graph) -> bytes:
    return g.serialize(format="turtle", encoding="utf-8")


def ntriples(g: Graph) -> bytes:
    """N-Triples, one line per triple, lines sorted."""
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return "".join(sorted(f"{line}\n" for line in lines if line.strip())).encode("utf-8")


def nquads(graphs: Iterable[tuple[str, Graph | bytes]]) -> bytes:
    """N-Quads of named graphs ``(name, graph)``, lines sorted; a graph may be given as its
    N-Triples (what :func:`ntriples` gave), so that it need not be written twice."""
    out: list[str] = []
    for name, g in graphs:
        text = (g if isinstance(g, bytes) else ntriples(g)).decode("utf-8")
        for line in text.splitlines():
            if not line.endswith(" ."):
                raise ValueError(f"unexpected N-Triples line: {line!r}")
            out.append(f"{line[:-2]} <{name}> .\n")
    return "".join(sorted(out)).encode("utf-8")


def jsonld(g: Graph, ctx: dict[str, str], indent: int | None = 2) -> bytes:
    """JSON-LD compacted with the inline context ``ctx`` (a dict: never fetched)."""
    raw = g.serialize(format="json-ld", context=ctx, encoding="utf-8")
    doc = _normalise(json.loads(raw))
    return json_bytes(doc, indent)


def json_bytes(doc: Any, indent: int | None = 2) -> bytes:
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=indent,
                      separators=(",", ": ") if indent else (",", ":"))
    return (text + "\n").encode("utf-8")


def _normalise(node: Any, key: str = "") -> Any:
    """Sort the values of every property (sets in RDF), nodes of @graph by @id; keep lists."""
    if isinstance(node, dict):
        return {k: (v if k in ("@list", "@context") else _normalise(v, k))
                for k, v in node.items()}
    if isinstance(node, list):
        items = [_normalise(v, key) for v in node]
        if key == "@graph":
            return sorted(items, key=lambda n: (str(n.get("@id", "")) if isinstance(n, dict)
                                                else "", json.dumps(n, sort_keys=True)))
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return node


_XMLNS = re.compile(r"^(<rdf:RDF\n)((?:  xmlns:[^\n]*\n)+)(>)", re.MULTILINE)


def rdfxml(g: Graph) -> bytes:
    """Pretty RDF/XML: typed nodes as class-named elements (``<dcat:Dataset>``), so that
    harvesters that look for ``//dcat:Dataset`` find them."""
    text = g.serialize(format="pretty-xml", encoding="utf-8").decode("utf-8")
    match = _XMLNS.search(text)
    if match is None:
        raise ValueError("RDF/XML without the expected rdf:RDF root element")
    decls = "".join(sorted(match.group(2).splitlines(keepends=True)))
    return (text[:match.start(2)] + decls + text[match.end(2):]).encode("utf-8")

