"""What ``vrgraph serve`` says about itself: the SPARQL Service Description at ``/sparql``,
the list of canned queries at ``/queries`` and the OpenAPI 3 description at
``/openapi.json``, all generated from the store and the queries' ``#+`` headers.

Service Description: https://www.w3.org/TR/sparql11-service-description/;
OpenAPI: https://spec.openapis.org/oas/v3.0.3.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from .. import __version__
from ..query.binding import allowed_values
from ..query.canned import PARAM_TYPES, CannedQuery, Param
from ..store import ASSERTED, INFERRED, ONTOLOGY, count
from . import formats as fmt
from .run import MAX_ROWS, TRUNCATED

SD = "http://www.w3.org/ns/sparql-service-description#"
SD_PREFIXES = {"sd": SD, "void": "http://rdfs.org/ns/void#", "formats": fmt.FORMATS_NS,
               "sh": "http://www.w3.org/ns/shacl#"}
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_XSD_ANYURI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
_SH_DECLARE = ox.NamedNode("http://www.w3.org/ns/shacl#declare")
_SH_PREFIX = ox.NamedNode("http://www.w3.org/ns/shacl#prefix")
_SH_NAMESPACE = ox.NamedNode("http://www.w3.org/ns/shacl#namespace")
LOOKUP_TYPES = ("principle", "agency", "action", "plan", "strategy")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Triples in each named graph of the store, by graph IRI, and (key ``""``) the distinct
    triples of their union, the default graph of every query."""
    sizes = {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))
             for g in (ASSERTED, ONTOLOGY, INFERRED)}
    sizes[""] = count(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                             "WHERE { ?s ?p ?o } }")
    return sizes


def service_description(endpoint: str, sizes: dict[str, int], timeout: float,
                        max_rows: int, prefixes: dict[str, str] | None = None
                        ) -> list[ox.Triple]:
    """The endpoint as an ``sd:Service``: language, result formats, the union default graph
    and its named graphs (with ``void:triples``), the server's limits in a comment, and the
    ``prefixes`` a query may use undeclared, each as SHACL declares one (``sh:declare`` with
    ``sh:prefix`` and ``sh:namespace``, https://www.w3.org/TR/shacl/#sparql-prefixes)."""
    service = ox.NamedNode(endpoint)
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    t = [
        ox.Triple(service, _RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _DCT_TITLE, ox.Literal("vrgraph: violence-reduction strategy graph",
                                                 language="en")),
        ox.Triple(service, _RDFS_COMMENT, ox.Literal(
            "Read-only. The default graph is the union of the named graphs (the asserted "
            "graph, the ontology and what reasoning inferred). SERVICE, FROM, LOAD and "
            f"updates are refused. Each query may run {timeout:g} s; SELECT results and "
            f"constructed graphs stop after {max_rows} rows or triples, which the header "
            f"{TRUNCATED}: true (and, in JSON, the member vrgraph.truncated) says.",
            language="en")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, _RDF_TYPE, _sd("Graph")),
        ox.Triple(default, _VOID_TRIPLES, ox.Literal(str(sizes[""]), datatype=_XSD_INTEGER)),
    ]
    t += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(f.iri))
          for f in fmt.SOLUTION_FORMATS + fmt.GRAPH_FORMATS]
    for i, (prefix, namespace) in enumerate(sorted((prefixes or {}).items())):
        declared = ox.BlankNode(f"prefix{i}")
        t += [ox.Triple(service, _SH_DECLARE, declared),
              ox.Triple(declared, _SH_PREFIX, ox.Literal(prefix)),
              ox.Triple(declared, _SH_NAMESPACE, ox.Literal(namespace, datatype=_XSD_ANYURI))]
    for i, (name, size) in enumerate((n, s) for n, s in sizes.items() if n):
        named, g = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        t += [ox.Triple(dataset, _sd("namedGraph"), named),
              ox.Triple(named, _RDF_TYPE, _sd("NamedGraph")),
              ox.Triple(named, _sd("name"), ox.NamedNode(name)),
              ox.Triple(named, _sd("graph"), g),
              ox.Triple(g, _RDF_TYPE, _sd("Graph")),
              ox.Triple(g, _VOID_TRIPLES, ox.Literal(str(size), datatype=_XSD_INTEGER))]
    return t


# -- canned queries ---------------------------------------------------------------------------
def valid_values(store: ox.Store) -> dict[str, list[str]]:
    """The keys a parameter of each lookup type accepts (``SP3``, ``MPS``, ``5.1.1``...)."""
    return {kind: [key for _, key, _ in allowed_values(store, kind)] for kind in LOOKUP_TYPES}


def _param(p: Param, values: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "type": p.type, "description": p.description,
                           "default": p.default, "required": p.required}
    if p.type in values:
        out["values"] = values[p.type]
    return out


def query_list(queries: dict[str, CannedQuery], values: dict[str, list[str]]
               ) -> dict[str, Any]:
    """The ``/queries`` document: each canned query with its parameters and links."""
    return {
        "queries": [{
            "name": name, "title": q.title, "description": q.description, "tags": q.tags,
            "params": [_param(p, values) for p in q.params],
            "links": {"run": f"/queries/{name}", "sparql": f"/queries/{name}.rq",
                      "openapi": "/openapi.json"},
        } for name, q in queries.items()],
        "links": {"self": "/queries", "openapi": "/openapi.json", "sparql": "/sparql"},
    }


def _schema(p: Param) -> dict[str, Any]:
    if p.type == "integer":
        schema: dict[str, Any] = {"type": "integer"}
        if p.default is not None:
            schema["default"] = int(p.default)
        return schema
    schema = {"type": "string"}
    if p.type == "iri":
        schema["format"] = "uri"
    if p.default is not None:
        schema["default"] = p.default
    return schema


def _describe_param(p: Param, values: dict[str, list[str]]) -> str:
    text = p.description or p.name
    if p.type in values:
        text += (f" A {p.type}: one of {', '.join(values[p.type])}; or its label or IRI "
                 f"(case does not matter).")
    elif p.type == "iri":
        text += " An http(s) IRI."
    return text


_RESULTS = {f.media_type: {"schema": {"type": "string"}} for f in fmt.SOLUTION_FORMATS}
_RESULTS[fmt.JSON.media_type] = {"schema": {"$ref": "#/components/schemas/SparqlResults"}}
_GRAPHS = {f.media_type: {"schema": {"type": "string"}} for f in fmt.GRAPH_FORMATS}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"text/plain": {"schema": {"type": "string"}}}}


def _result_responses(graphs: bool) -> dict[str, Any]:
    content = dict(_RESULTS, **_GRAPHS) if graphs else dict(_RESULTS)
    return {
        "200": {"description": "The results, in the type the Accept header prefers (SELECT "
                               "and ASK: SPARQL JSON by default; CONSTRUCT and DESCRIBE: "
                               "Turtle by default).",
                "headers": {TRUNCATED: {"$ref": "#/components/headers/Truncated"},
                            MAX_ROWS: {"$ref": "#/components/headers/MaxRows"}},
                "content": content},
        "400": _error("A malformed query or a bad parameter; the message says which and, "
                      "for a parameter, its valid values."),
        "406": _error("None of the result types the Accept header allows can be given."),
        "503": _error("All query workers are busy (Retry-After) or one stopped."),
        "504": _error("The query ran past the time limit and was stopped."),
    }


def openapi(queries: dict[str, CannedQuery], values: dict[str, list[str]],
            timeout: float, max_rows: int) -> dict[str, Any]:
    """An OpenAPI 3.0 document: ``/sparql``, ``/queries`` and one path per canned query."""
    paths: dict[str, Any] = {
        "/sparql": {
            "get": {
                "operationId": "sparqlQuery", "tags": ["sparql"],
                "summary": "SPARQL 1.1 Protocol query (read-only); without a query, the "
                           "service description",
                "parameters": [{"name": "query", "in": "query", "required": False,
                                "description": "A SPARQL 1.1 query. Without it the answer "
                                "is the SPARQL Service Description (Turtle by default).",
                                "schema": {"type": "string"}}],
                "responses": dict(_result_responses(True), **{
                    "403": _error("An update, SERVICE, FROM or LOAD: refused.")}),
            },
            "post": {
                "operationId": "sparqlQueryPost", "tags": ["sparql"],
                "summary": "SPARQL 1.1 Protocol query by POST (form or direct)",
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["query"],
                        "properties": {"query": {"type": "string"}}}},
                    "application/sparql-query": {"schema": {"type": "string"}}}},
                "responses": dict(_result_responses(True), **{
                    "403": _error("An update, SERVICE, FROM or LOAD: refused."),
                    "413": _error("The body is larger than the server's --max-body."),
                    "415": _error("The body is neither a form nor a SPARQL query.")}),
            },
        },
        "/queries": {"get": {
            "operationId": "listQueries", "tags": ["queries"],
            "summary": "The canned queries, with their parameters and links",
            "responses": {"200": {"description": "The list", "content": {
                "application/json": {"schema": {"type": "object"}}}}}}},
    }
    for name, q in queries.items():
        paths[f"/queries/{name}"] = {"get": {
            "operationId": name, "summary": q.title, "description": q.description,
            "tags": ["queries"] + [str(t) for t in q.tags],
            "parameters": [{
                "name": p.name, "in": "query", "required": p.required,
                "description": _describe_param(p, values), "schema": _schema(p),
                "x-vrgraph-type": p.type,
            } for p in q.params],
            "responses": dict(_result_responses(False), **{
                "404": _error("No canned query of this name.")}),
        }}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "vrgraph SPARQL endpoint and canned queries", "version": __version__,
            "description": (
                "A read-only SPARQL 1.1 endpoint over the reasoned graph of a borough's "
                "violence-reduction strategy, and its canned gap and alignment queries. "
                "Result types are chosen by the Accept header. Each query may run "
                f"{timeout:g} s; results stop after {max_rows} rows, and then the header "
                f"{TRUNCATED} is 'true' and SPARQL JSON results carry a top-level member "
                "'vrgraph': {truncated, maxRows, message}. Parameter types: "
                f"{', '.join(PARAM_TYPES)}."),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"SparqlResults": {
                "type": "object",
                "description": "SPARQL 1.1 Query Results JSON "
                               "(https://www.w3.org/TR/sparql11-results-json/)",
                "properties": {
                    "head": {"type": "object"}, "results": {"type": "object"},
                    "boolean": {"type": "boolean"},
                    "vrgraph": {"type": "object", "description": "Present when truncated.",
                                "properties": {"truncated": {"type": "boolean"},
                                               "maxRows": {"type": "integer"},
                                               "message": {"type": "string"}}}}}},
            "headers": {
                "Truncated": {"description": "'true' when the results stopped at the row cap.",
                              "schema": {"type": "string", "enum": ["true", "false"]}},
                "MaxRows": {"description": "The server's row cap.",
                            "schema": {"type": "integer"}}},
        },
    }
