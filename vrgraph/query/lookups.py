"""What a canned query's parameter may name: one SPARQL look-up per kind (a principle, an
agency, an action, a plan, a strategy; for a string parameter's ``one-of``, a kind of flaw
or what a data-quality note is about), each giving ``(node, key, label)``: the values a
parameter is bound to (:mod:`vrgraph.query.binding`).
Spec: https://www.w3.org/TR/sparql11-query/#select
"""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import PREFIX_IRIS
from ..store import Queryable, solutions

_VR = PREFIX_IRIS["vr"]

LOOKUPS = {
    "principle": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}Principle> ; <http://www.w3.org/2004/02/skos/core#notation> ?key ;
              <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }}""",
    "agency": f"""SELECT ?node ?key ?label WHERE {{
        {{ ?node a <http://www.w3.org/ns/org#Organization> }} UNION {{ ?node a <http://www.w3.org/ns/org#Post> }}
        ?node <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
        OPTIONAL {{ ?node <{_VR}acronym> ?acronym }}
        BIND(COALESCE(?acronym, REPLACE(STR(?node), "^.*/", "")) AS ?key) }}""",
    "action": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}Action> ; <{_VR}number> ?key .
        OPTIONAL {{ ?node <{_VR}statedNumber> ?stated }}
        BIND(COALESCE(?stated, ?key) AS ?label) }}""",
    "plan": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}ActionPlan> ; <{_VR}number> ?key ;
              <http://purl.org/dc/terms/title> ?label }}""",
    # the key as the canned queries' strategy column gives it
    "strategy": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}StrategyDocument> .
        OPTIONAL {{ ?node <http://purl.org/dc/terms/identifier> ?shortName }}
        OPTIONAL {{ ?node <http://purl.org/dc/terms/title> ?title }}
        BIND(COALESCE(?shortName, REPLACE(STR(?node), "^.*/", "")) AS ?key)
        BIND(COALESCE(STR(?title), ?key) AS ?label) }}""",
    # the kinds of flaw of the data-quality notes, by notation or label (notes.rq)
    "flaw-kind": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}FlawKind> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?prefLabel .
        OPTIONAL {{ ?node <http://www.w3.org/2004/02/skos/core#notation> ?notation }}
        BIND(STR(?prefLabel) AS ?label)
        BIND(COALESCE(?notation, ?label) AS ?key) }}""",
    # what a data-quality note may be about (any note's target, action, principle, plan or
    # agency), keyed as notes.rq keys them
    "note-about": f"""SELECT DISTINCT ?node ?key ?label WHERE {{
        {{ ?note a <{_VR}DataQualityNote> ; <http://www.w3.org/ns/oa#hasTarget> ?node }}
        UNION {{ VALUES ?class {{ <{_VR}Action> <{_VR}Principle> <{_VR}ActionPlan>
                                 <http://www.w3.org/ns/org#Organization>
                                 <http://www.w3.org/ns/org#Post> }} ?node a ?class }}
        OPTIONAL {{ ?node <http://www.w3.org/2004/02/skos/core#notation> ?notation }}
        OPTIONAL {{ ?node <{_VR}number> ?number }}
        OPTIONAL {{ ?node <{_VR}acronym> ?acronym }}
        OPTIONAL {{ ?node <http://www.w3.org/2000/01/rdf-schema#label> ?rdfsLabel }}
        BIND(COALESCE(?notation, ?number, ?acronym, STR(?rdfsLabel), STR(?node)) AS ?key)
        BIND(COALESCE(STR(?rdfsLabel), ?key) AS ?label) }}""",
}


def lookup(store: Queryable, kind: str, wanted: str | None = None
           ) -> list[tuple[ox.NamedNode, str, str]]:
    """(node, key, label) of the resources a parameter of ``kind`` may name, each once, in
    the store's order; only those ``wanted`` names (lowercased) if given."""
    out: dict[tuple[str, str, str], ox.NamedNode] = {}
    for node, key, label in solutions(store.query(LOOKUPS[kind],
                                                  use_default_graph_as_union=True)):
        if not isinstance(node, ox.NamedNode) or key is None or label is None:
            continue   # the patterns bind all three, to an IRI first
        entry = (node.value, key.value, label.value)
        if wanted is None or wanted in (entry[1].lower(), entry[2].lower(), entry[0].lower(),
                                        entry[0].rsplit("/", 1)[-1].lower()):
            out.setdefault(entry, node)
    return [(node, key, label) for (_, key, label), node in out.items()]
