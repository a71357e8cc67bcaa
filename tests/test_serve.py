"""``vrgraph serve``: the SPARQL endpoint, the canned-query API, the query page and the site,
tested over real HTTP (http.client), with a real SPARQL client (SPARQLWrapper) and a headless
browser (Chromium), against servers started on 127.0.0.1 with port 0 in this process.

Every request has a client timeout; the slow query is a triple cross join stopped by a 1.5 s
limit; the servers are shut down and their worker processes killed at the end of the module.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef

from tests.helpers import dom, needs_chromium, screenshot, values_of
from vrgraph.cli.serve import serve as serve_command
from vrgraph.query import run_canned
from vrgraph.query.canned import load_queries
from vrgraph.serve import ServeConfig, make_server
from vrgraph.serve import formats as fmt
from vrgraph.serve.app import stderr_log

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="vrgraph serve forks workers")

TIMEOUT = 1.5
MAX_ROWS = 100
MAX_BODY = 20_000
CLIENT_TIMEOUT = 15
ID = "https://w3id.org/vrgraph/id/"
VR = "https://w3id.org/vrgraph/def/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PRINCIPLES = f"""PREFIX vr: <{VR}>
SELECT ?p WHERE {{ ?p a vr:Principle }} ORDER BY ?p"""


# -- servers ----------------------------------------------------------------------------------
class Running:
    """A server in a background thread, with a tiny HTTP client for it."""

    def __init__(self, server) -> None:
        self.server = server
        self.host, self.port = server.server_address[:2]
        self.base = server.url
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.close()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=CLIENT_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read())
        finally:
            conn.close()

    def get(self, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, headers={"Accept": accept} if accept else {})

    def sparql(self, query: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.get("/sparql?" + urllib.parse.urlencode({"query": query}), accept)

    def raw(self, data: bytes) -> bytes:
        """Send ``data`` as is on a fresh socket; the whole answer (the server closes)."""
        with socket.create_connection((self.host, self.port), timeout=CLIENT_TIMEOUT) as s:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:  # the server closed before reading all we sent
                    chunk = b""
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    def assert_alive(self) -> None:
        status, _, body = self.sparql("ASK { ?s ?p ?o }")
        assert (status, json.loads(body)["boolean"]) == (200, True)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A site folder, and beside it a secret that no URL may reach (directly, through '..'
    or through symlinks inside the site)."""
    top = tmp_path_factory.mktemp("serve")
    outside = top / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET\n")
    (top / "secret.txt").write_text("TOP SECRET\n")
    root = top / "site"
    (root / "doc").mkdir(parents=True)
    (root / ".well-known").mkdir()
    (root / "index.html").write_text("<!DOCTYPE html><title>site home</title><p>site home\n")
    (root / "doc" / "index.html").write_text("<p>doc index\n")
    (root / "doc" / "page.html").write_text("<p>a page\n")
    (root / "graph.ttl").write_text("<http://ex/a> <http://ex/b> <http://ex/c> .\n")
    (root / ".well-known" / "void").write_text("# void\n")
    (root / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def queries(project):
    return load_queries(project.queries)


@pytest.fixture(scope="module")
def log_lines() -> list[str]:
    return []


@pytest.fixture(scope="module")
def srv(store, queries, site, log_lines):
    config = ServeConfig(port=0, timeout=TIMEOUT, max_rows=MAX_ROWS, max_body=MAX_BODY,
                         workers=2, site=site)
    running = Running(make_server(store, queries, config, log=log_lines.append))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def bare(store, queries):
    """A second server: no site, one worker, default limits."""
    running = Running(make_server(store, queries, ServeConfig(port=0, workers=1),
                                  log=lambda line: None))
    yield running
    running.stop()


def bindings(body: bytes) -> list[dict]:
    return json.loads(body)["results"]["bindings"]


def count_triples(srv: Running, union: bool = False) -> int:
    """Quads in the store, or (``union``) distinct triples of the default graph."""
    status, _, body = srv.sparql(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
        if union else "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert status == 200
    return int(bindings(body)[0]["n"]["value"])


# -- SPARQL protocol: results and negotiation ---------------------------------------------------
def test_select_answers_sparql_json_by_default(srv):
    status, headers, body = srv.sparql(PRINCIPLES)
    assert status == 200
    assert headers["content-type"].startswith("application/sparql-results+json")
    assert headers["x-vrgraph-truncated"] == "false"
    assert "accept" in headers["vary"].lower()
    doc = json.loads(body)
    assert doc["head"]["vars"] == ["p"]
    assert len(doc["results"]["bindings"]) == 14  # SP1-SP6, EP1-EP9 without EP6
    assert "vrgraph" not in doc


@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     "application/sparql-results+xml"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ("text/turtle, text/csv;q=0.5", "text/csv"),
])
def test_accept_header_chooses_the_results_format(srv, accept, expected):
    status, headers, _ = srv.sparql(PRINCIPLES, accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize("accept, expected", [
    (None, fmt.JSON), ("", fmt.JSON), ("not a media type", fmt.JSON),
    ("application/json;q=0.5, text/xml", fmt.XML),
    ("application/*", fmt.JSON),
    ("text/csv;q=0.5, text/tab-separated-values;q=0.5", fmt.CSV),  # a tie: listed first
    ("TEXT/CSV", fmt.CSV),
    ("text/csv;q=2", fmt.JSON),  # an invalid q: that range is ignored
    ("*/*;q=0", None), ("image/png", None),
])
def test_negotiation_rules(accept, expected):
    assert fmt.negotiate(accept, fmt.SOLUTION_FORMATS) is expected


def test_unacceptable_result_type_is_406_naming_the_offers(srv):
    status, _, body = srv.sparql(PRINCIPLES, "image/png")
    assert status == 406
    assert b"application/sparql-results+json" in body and b"text/csv" in body
    status, _, body = srv.sparql("CONSTRUCT WHERE { ?s a <urn:x> }", "text/csv")
    assert status == 406 and b"text/turtle" in body


TERMS = r"""SELECT ?iri ?lang ?typed ?plain ?unbound WHERE {
  VALUES (?iri ?lang ?typed ?plain) {
    (<http://ex/a> "tab\there"@en-GB 42 "comma, \"quotes\"\nand a line break <&>")
    (<http://ex/b> UNDEF "2019"^^<http://www.w3.org/2001/XMLSchema#gYear> "") }
  OPTIONAL { ?iri <http://ex/p> ?unbound } }"""


@pytest.mark.parametrize("accept, results_format", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_results_read_back_as_the_same_terms(srv, store, accept, results_format):
    """Our writers (needed for the row cap) agree with Oxigraph's parsers, term for term."""
    expected = [[row[v] for v in ("iri", "lang", "typed", "plain", "unbound")]
                for row in store.query(TERMS)]
    status, _, body = srv.sparql(TERMS, accept)
    assert status == 200
    parsed = ox.parse_query_results(body, format=results_format)
    assert [v.value for v in parsed.variables] == ["iri", "lang", "typed", "plain", "unbound"]
    assert [[row[v] for v in ("iri", "lang", "typed", "plain", "unbound")]
            for row in parsed] == expected


def test_csv_results_are_rfc4180_with_plain_values(srv):
    status, _, body = srv.sparql(TERMS, "text/csv")
    assert status == 200
    assert body.startswith(b"iri,lang,typed,plain,unbound\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[1] == ["http://ex/a", "tab\there", "42",
                       'comma, "quotes"\nand a line break <&>', ""]
    assert rows[2] == ["http://ex/b", "", "2019", "", ""]


def test_ask_answers_true_or_false(srv):
    status, headers, body = srv.sparql("ASK { ?s a <urn:nothing> }")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": False}
    status, headers, body = srv.sparql(f"ASK {{ ?s a <{VR}Action> }}",
                                       "application/sparql-results+xml")
    assert headers["content-type"].startswith("application/sparql-results+xml")
    assert b"<boolean>true</boolean>" in body


PRINCIPLE_GRAPH = f"CONSTRUCT {{ ?p a <{VR}Principle> }} WHERE {{ ?p a <{VR}Principle> }}"


@pytest.mark.parametrize("accept, media, rdf_format", [
    (None, "text/turtle", ox.RdfFormat.TURTLE),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.2", "application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_construct_gives_a_graph_in_the_negotiated_syntax(srv, accept, media, rdf_format):
    status, headers, body = srv.sparql(PRINCIPLE_GRAPH, accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media
    triples = list(ox.parse(body, format=rdf_format))
    assert len(triples) == 14
    assert {t.predicate.value for t in triples} == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}


def test_describe_gives_the_resource_in_turtle(srv):
    status, headers, body = srv.sparql(f"DESCRIBE <{ID}action/5.1.1>")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body.decode("utf-8"), format="turtle")
    assert (URIRef(f"{ID}action/5.1.1"), URIRef(f"{VR}number"), Literal("5.1.1")) in g


def test_post_form_and_post_direct_give_the_same_answer(srv):
    status_get, _, body_get = srv.sparql(PRINCIPLES)
    status_form, _, body_form = srv.request(
        "POST", "/sparql", urllib.parse.urlencode({"query": PRINCIPLES}).encode("ascii"),
        {"Content-Type": "application/x-www-form-urlencoded"})
    status_direct, _, body_direct = srv.request(
        "POST", "/sparql", PRINCIPLES.encode("utf-8"),
        {"Content-Type": "application/sparql-query; charset=utf-8"})
    assert status_get == status_form == status_direct == 200
    assert body_get == body_form == body_direct


def test_head_gives_the_headers_without_a_body(srv):
    status, headers, body = srv.request(
        "HEAD", "/sparql?" + urllib.parse.urlencode({"query": PRINCIPLES}))
    assert status == 200 and body == b""
    assert int(headers["content-length"]) > 100


def test_connections_are_kept_alive(srv):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=CLIENT_TIMEOUT)
    try:
        for _ in range(3):
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}))
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["boolean"] is True
    finally:
        conn.close()


def test_service_description_without_a_query(srv):
    status, headers, body = srv.get("/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=body.decode("utf-8"), format="turtle")
    service = URIRef(srv.base + "sparql")
    assert (service, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(service, SD.resultFormat))
    for iri in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Triples"):
        assert URIRef("http://www.w3.org/ns/formats/" + iri) in formats
    names = {str(n) for n in g.objects(None, SD.name)}
    assert names == {"https://w3id.org/vrgraph/graph/asserted",
                     "https://w3id.org/vrgraph/graph/ontology",
                     "https://w3id.org/vrgraph/graph/inferred"}
    void_triples = URIRef("http://rdfs.org/ns/void#triples")
    default = g.value(g.value(service, SD.defaultDataset), SD.defaultGraph)
    assert int(g.value(default, void_triples)) == count_triples(srv, union=True)
    status, headers, body = srv.get("/sparql", "application/ld+json")
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    assert len(list(ox.parse(body, format=ox.RdfFormat.JSON_LD))) == len(g)


# -- hardening --------------------------------------------------------------------------------
def test_updates_are_refused_and_the_store_is_unchanged(srv):
    before = count_triples(srv)
    insert = f"INSERT DATA {{ <{ID}x> <{VR}number> \"1\" }}"
    attempts = [
        srv.request("POST", "/sparql", urllib.parse.urlencode({"update": insert}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded"}),
        srv.request("POST", "/sparql", insert.encode(),
                    {"Content-Type": "application/sparql-update"}),
        srv.get("/sparql?" + urllib.parse.urlencode({"update": insert})),
        srv.sparql(insert),
        srv.sparql("DROP ALL"),
        srv.sparql(f"DELETE WHERE {{ ?s <{VR}number> ?n }}"),
        srv.sparql("CLEAR DEFAULT"),
    ]
    for status, _, body in attempts:
        assert status == 403, body
        assert b"refused" in body and b"Traceback" not in body
    assert count_triples(srv) == before
    srv.assert_alive()


def test_service_from_and_load_never_reach_the_network_or_disk(srv):
    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen(1)
    trap.settimeout(0.3)
    port = trap.getsockname()[1]
    try:
        for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                      f"SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
                      "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
                      f"LOAD <http://127.0.0.1:{port}/data.ttl>",
                      "LOAD <file:///etc/passwd>"):
            status, _, body = srv.sparql(query)
            assert status == 403, (query, body)
            assert b"root:" not in body
        with pytest.raises(socket.timeout):
            trap.accept()  # nothing ever connected
    finally:
        trap.close()
    status, _, body = srv.get("/sparql?" + urllib.parse.urlencode(
        {"query": PRINCIPLES, "default-graph-uri": "file:///etc/passwd"}))
    assert status == 400 and b"default-graph-uri" in body
    srv.assert_alive()


def test_malformed_query_gets_400_with_the_parser_message(srv):
    status, headers, body = srv.sparql("SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert headers["content-type"].startswith("text/plain")
    assert body.startswith(b"malformed query: query:1:24: ") and b"Traceback" not in body
    status, _, body = srv.request("POST", "/sparql", b"\xff\xfe", {
        "Content-Type": "application/sparql-query"})
    assert status == 400 and b"UTF-8" in body
    srv.assert_alive()


def test_a_slow_query_is_stopped_at_the_time_limit_and_its_worker_replaced(srv):
    pool = srv.server.pool
    before = set(pool._live)
    status, _, body = srv.sparql(SLOW)
    assert status == 504
    assert b"time limit of 1.5 s" in body
    after = set(pool._live)
    assert len(after) == 2 and len(before - after) == 1
    killed = (before - after).pop()
    assert _gone([killed]), f"worker {killed} is still there after its query timed out"
    for _ in range(4):  # both workers (the new one included) answer
        srv.assert_alive()


def _gone(pids: list[int], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not [p for p in pids if Path(f"/proc/{p}").exists()]:
            return True
        time.sleep(0.05)
    return False


def test_a_worker_that_dies_while_idle_is_replaced_unnoticed(srv):
    pool = srv.server.pool
    victims = list(pool._live)
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    assert _gone(victims)  # killed, and reaped by the zygote
    for _ in range(4):
        srv.assert_alive()
    assert len(pool._live) == 2 and not set(victims) & set(pool._live)


def test_two_slow_queries_at_once_are_both_stopped(srv):
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(srv.sparql(SLOW)[0]))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=CLIENT_TIMEOUT)
    assert results == [504, 504]
    srv.assert_alive()


def test_row_cap_truncates_and_says_so(srv):
    status, headers, body = srv.sparql("SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and headers["x-vrgraph-truncated"] == "true"
    assert headers["x-vrgraph-max-rows"] == str(MAX_ROWS)
    doc = json.loads(body)
    assert len(doc["results"]["bindings"]) == MAX_ROWS
    assert doc["vrgraph"]["truncated"] is True and doc["vrgraph"]["maxRows"] == MAX_ROWS
    assert "truncated" in doc["vrgraph"]["message"]
    status, headers, body = srv.sparql("SELECT * WHERE { ?s ?p ?o }", "text/csv")
    assert headers["x-vrgraph-truncated"] == "true"
    assert body.count(b"\r\n") == MAX_ROWS + 1
    status, headers, body = srv.sparql("SELECT * WHERE { ?s ?p ?o }",
                                       "application/sparql-results+xml")
    assert body.count(b"<result>") == MAX_ROWS and b"truncated" in body
    status, headers, body = srv.sparql("CONSTRUCT WHERE { ?s ?p ?o }")
    assert headers["x-vrgraph-truncated"] == "true" and body.startswith(b"# results truncated")
    assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == MAX_ROWS
    status, headers, body = srv.sparql(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}")
    assert headers["x-vrgraph-truncated"] == "false" and "vrgraph" not in json.loads(body)


def test_request_size_limits(srv):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_BODY
    status, headers, body = srv.request("POST", "/sparql", big.encode(), {
        "Content-Type": "application/sparql-query"})
    assert status == 413 and b"--max-body" in body
    srv.assert_alive()
    status, _, body = srv.get("/sparql?" + urllib.parse.urlencode({"query": big}))
    assert status == 414 and b"POST" in body
    srv.assert_alive()
    answer = srv.raw(b"GET /sparql?query=" + b"x" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.split(b"\r\n")[0].endswith(b"414 URI Too Long")
    answer = srv.raw(b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-Big: " + b"x" * 70_000 + b"\r\n\r\n")
    assert answer.split(b"\r\n")[0].endswith(b"431 Request Header Fields Too Large")
    srv.assert_alive()
    # a client that promised a huge body is cut off once it has sent twice the limit
    answer = srv.raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                     b"sparql-query\r\nContent-Length: 1000000000\r\n\r\n" + b"#" * 3 * MAX_BODY)
    assert answer.startswith(b"HTTP/1.1 413")
    answer = srv.raw(b"NONSENSE\r\n\r\n")
    assert b" 400 Bad Request" in answer.split(b"\r\n")[0] and b"<html" not in answer.lower()
    # a chunked body is read (waitress de-chunks it)
    answer = srv.raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                     b"sparql-query\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                     b"5\r\nASK{}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'"boolean":true}')
    srv.assert_alive()


def test_request_smuggling_is_refused(srv):
    """Two lengths for one body would let a proxy and this server disagree on where the
    next request starts: refused with 400 and the connection closed, so no second answer."""
    for heads in (b"Content-Length: 5\r\nContent-Length: 5\r\n",
                  b"Content-Length: 5\r\nContent-Length: 50\r\n",
                  b"Content-Length: 5, 5\r\n",
                  b"Content-Length: +5\r\n",
                  b"Transfer-Encoding: gzip, chunked\r\n"):
        answer = srv.raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                         b"sparql-query\r\n" + heads + b"\r\nASK{}GET /queries HTTP/1.1\r\n"
                         b"Host: x\r\n\r\n")
        assert answer.count(b"HTTP/1.") == 1, (heads, answer)
        assert answer.split(b" ")[1] in (b"400", b"501"), (heads, answer)
    srv.assert_alive()


def test_slow_clients_cannot_hold_the_server(srv):
    """Many clients that open a connection and send half a request hold no request thread:
    with 60 of them (more than the 16 threads) waiting, everyone else is answered (a held
    thread would keep the answer past the client's timeout, well short of the cut)."""
    idle = [socket.create_connection((srv.host, srv.port), timeout=CLIENT_TIMEOUT)
            for _ in range(60)]
    try:
        for s in idle:
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHo")
        srv.assert_alive()
    finally:
        for s in idle:
            s.close()


def test_wrong_body_types_are_refused(srv):
    status, _, body = srv.request("POST", "/sparql", b"{}", {"Content-Type": "application/json"})
    assert status == 415 and b"application/sparql-query" in body
    status, _, _ = srv.request("POST", "/sparql", b"query=ASK{}", {
        "Content-Type": "application/x-www-form-urlencoded; charset=latin-1"})
    assert status == 415
    status, _, body = srv.request("POST", "/sparql", b"nothing=1", {
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"query" in body
    srv.assert_alive()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "BREW"])
def test_other_methods_get_405(srv, method):
    status, headers, body = srv.request(method, "/sparql", b"x" if method != "TRACE" else None)
    assert status == 405
    assert headers["allow"] == "GET, HEAD, POST, OPTIONS"
    srv.assert_alive()


def test_options_and_post_elsewhere(srv):
    status, headers, body = srv.request("OPTIONS", "/sparql")
    assert status == 204 and "POST" in headers["allow"] and body == b""
    status, headers, _ = srv.request("POST", "/queries", b"", {"Content-Type": "text/plain"})
    assert status == 405 and headers["allow"] == "GET, HEAD, OPTIONS"


def test_every_request_is_logged_on_one_line(srv, log_lines, capsys):
    srv.get("/queries?marker=log-test")
    srv.get("/queries/no-such-query?marker=log-test")
    deadline = time.monotonic() + 5
    mine: list[str] = []
    while time.monotonic() < deadline and len(mine) < 2:
        mine = [line for line in list(log_lines) if "marker=log-test" in line]
        time.sleep(0.02)
    assert len(mine) == 2 and all("\n" not in line for line in mine)
    assert '"GET /queries?marker=log-test HTTP/1.1" 200 ' in mine[0]
    assert '"GET /queries/no-such-query?marker=log-test HTTP/1.1" 404 ' in mine[1]
    stderr_log("one line")
    assert capsys.readouterr().err == "one line\n"


# -- canned queries and OpenAPI ---------------------------------------------------------------
def test_queries_lists_every_canned_query_with_params_and_links(srv, queries):
    status, headers, body = srv.get("/queries")
    assert status == 200 and headers["content-type"].startswith("application/json")
    listed = {q["name"]: q for q in json.loads(body)["queries"]}
    assert set(listed) == set(queries)
    for name, q in queries.items():
        entry = listed[name]
        assert entry["title"] == q.title and entry["description"] == q.description
        assert [p["name"] for p in entry["params"]] == [p.name for p in q.params]
        assert entry["links"]["run"] == f"/queries/{name}"
    principle = listed["actions-for-principle"]["params"][0]
    assert principle["default"] == "SP3" and principle["required"] is False
    assert "SP3" in principle["values"] and "EP6" not in principle["values"]


def test_canned_query_with_a_parameter(srv, store, queries):
    status, headers, body = srv.get("/queries/actions-for-principle?principle=EP9")
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+json")
    rows = bindings(body)
    expected = run_canned(store, queries["actions-for-principle"], {"principle": "EP9"})
    assert len(rows) == len(expected.rows) > 0
    assert {r["principle"]["value"] for r in rows} == {f"{ID}principle/enabling/9"}


def test_canned_query_uses_the_documented_default(srv):
    status, _, body = srv.get("/queries/actions-for-principle")
    assert status == 200
    assert {r["principle"]["value"] for r in bindings(body)} == {f"{ID}principle/strategic/3"}


def test_canned_query_negotiates_like_sparql(srv):
    status, headers, body = srv.get("/queries/agency-load", "text/csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.startswith(b"name,label,type,actions")


def test_bad_parameter_is_400_with_the_valid_values(srv):
    status, _, body = srv.get("/queries/actions-for-principle?principle=EP99")
    assert status == 400
    assert b"'EP99' names no principle" in body and b"valid values: " in body and b"SP3" in body
    status, _, body = srv.get("/queries/actions-for-principle?colour=red")
    assert status == 400 and b"principle" in body
    status, _, body = srv.get("/queries/actions-for-principle?principle=SP1&principle=SP2")
    assert status == 400 and b"once" in body
    srv.assert_alive()


def test_unknown_canned_query_is_404(srv):
    status, _, body = srv.get("/queries/no-such-query")
    assert status == 404 and b"agency-load" in body
    srv.assert_alive()


def test_canned_query_text_is_served(srv, queries):
    status, headers, body = srv.get("/queries/agency-load.rq")
    assert status == 200 and headers["content-type"].startswith("application/sparql-query")
    assert body.decode("utf-8") == queries["agency-load"].text


def test_openapi_describes_every_canned_query_from_its_header(srv, queries):
    status, _, body = srv.get("/openapi.json")
    assert status == 200
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.") and doc["info"]["title"]
    operation_ids = []
    for name, q in queries.items():
        op = doc["paths"][f"/queries/{name}"]["get"]
        operation_ids.append(op["operationId"])
        assert op["summary"] == q.title and op["description"] == q.description
        assert {"200", "400", "404", "504"} <= set(op["responses"])
        params = {p["name"]: p for p in op["parameters"]}
        assert list(params) == [p.name for p in q.params]
        for p in q.params:
            given = params[p.name]
            assert given["in"] == "query" and given["required"] == p.required
            assert given["schema"]["type"] == ("integer" if p.type == "integer" else "string")
            assert given["schema"].get("default") == p.default
            assert (p.description or p.name) in given["description"]
    assert "SP3" in doc["paths"]["/queries/actions-for-principle"]["get"]["parameters"][0][
        "description"]
    assert {"get", "post"} <= set(doc["paths"]["/sparql"])
    operation_ids += [op["operationId"] for path in ("/sparql", "/queries")
                      for op in doc["paths"][path].values()]
    assert len(operation_ids) == len(set(operation_ids))

    for ref in set(values_of(doc, "$ref")):
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]  # every $ref resolves


# -- the site and the query page --------------------------------------------------------------
def test_site_files_are_served(srv):
    status, headers, body = srv.get("/")
    assert status == 200 and b"site home" in body
    status, headers, body = srv.get("/doc/page.html")
    assert status == 200 and body == b"<p>a page\n"
    assert headers["content-type"] == "text/html; charset=utf-8"
    status, headers, _ = srv.get("/doc")
    assert status == 301 and headers["location"] == "/doc/"
    status, _, body = srv.get("/doc/")
    assert status == 200 and body == b"<p>doc index\n"
    status, headers, _ = srv.get("/graph.ttl")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    status, headers, _ = srv.get("/.well-known/void")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    status, _, _ = srv.get("/missing.html")
    assert status == 404


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/doc/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/doc/%2e%2e/%2e%2e/outside/secret.txt", "/..%5csecret.txt", "/leak.txt",
    "/outdir/secret.txt", "/outdir/", "/%00", "/%ff",
])
def test_site_paths_cannot_escape_the_folder(srv, path):
    status, _, body = srv.get(path)
    assert status == 404, path
    assert b"TOP SECRET" not in body
    srv.assert_alive()


def test_query_page_is_served_and_self_contained(srv, bare):
    status, headers, body = srv.get("/query")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in headers["content-security-policy"]
    page = body.decode("utf-8")
    assert 'id="yasgui"' in page and 'id="canned"' in page and "/sparql" in page
    # the editor comes from this server, never a CDN
    sources = re.findall(r'(?:src|href)="([^"#]+)"', page)
    assert "/static/yasgui/yasgui.min.js" in sources and "/static/yasgui/yasgui.min.css" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "script-src 'self'" in headers["content-security-policy"]
    for name, kind in (("yasgui.min.js", "text/javascript"), ("yasgui.min.css", "text/css")):
        status, headers, body = srv.get(f"/static/yasgui/{name}")
        assert status == 200 and headers["content-type"].startswith(kind) and len(body) > 50_000
    assert srv.get("/static/yasgui/../../api.py")[0] == 404  # a real file, out of bounds
    assert srv.get("/static/yasgui/NOTICE.md")[0] == 404
    status, _, body = bare.get("/")  # without a site, / is the query page
    assert status == 200 and body == srv.get("/query")[2]
    status, _, body = bare.get("/index.html")
    assert status == 404 and b"/query" in body


# -- a real SPARQL client ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def wrapper():
    return pytest.importorskip("SPARQLWrapper", reason="pip install -e '.[test]'")


def test_sparqlwrapper_select_by_get_post_and_direct_post(srv, wrapper):
    for method, request_method in (("GET", None), ("POST", None), ("POST", "postdirectly")):
        client = wrapper.SPARQLWrapper(srv.base + "sparql")
        client.setQuery(PRINCIPLES)
        client.setReturnFormat(wrapper.JSON)
        client.setMethod(method)
        if request_method:
            client.setRequestMethod(request_method)
        result = client.query().convert()
        assert len(result["results"]["bindings"]) == 14, (method, request_method)


def test_sparqlwrapper_other_formats(srv, wrapper):
    client = wrapper.SPARQLWrapper(srv.base + "sparql")
    client.setQuery(PRINCIPLES)
    client.setReturnFormat(wrapper.XML)
    dom = client.query().convert()
    assert len(dom.getElementsByTagName("result")) == 14
    for name in ("CSV", "TSV"):
        client.setReturnFormat(getattr(wrapper, name))
        assert len(client.query().convert().decode("utf-8").strip().splitlines()) == 15
    client.setQuery(f"ASK {{ <{ID}action/5.1.1> a <{VR}Action> }}")
    client.setReturnFormat(wrapper.JSON)
    assert client.query().convert()["boolean"] is True


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_sparqlwrapper_construct(srv, wrapper):
    client = wrapper.SPARQLWrapper(srv.base + "sparql")
    client.setQuery(PRINCIPLE_GRAPH)
    client.setReturnFormat(wrapper.TURTLE)
    turtle = client.query().convert()
    assert len(Graph().parse(data=turtle.decode("utf-8"), format="turtle")) == 14
    for name in ("JSONLD", "RDFXML"):
        client.setReturnFormat(getattr(wrapper, name))
        assert len(client.query().convert()) == 14, name


def test_sparqlwrapper_sees_errors(srv, wrapper):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
    client = wrapper.SPARQLWrapper(srv.base + "sparql")
    client.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        client.query()
    client.setQuery(f"INSERT DATA {{ <{ID}x> <{VR}number> \"1\" }}")
    client.setMethod("POST")
    with pytest.raises(Exception) as caught:
        client.query()
    assert "403" in str(caught.value)
    srv.assert_alive()


# -- a headless browser -----------------------------------------------------------------------
RUN_SCRIPTS = "--virtual-time-budget=10000"    # let the page's query finish


@needs_chromium
def test_query_page_runs_a_query_in_a_headless_browser(srv, tmp_path):
    url = srv.base + "query?" + urllib.parse.urlencode({"query": PRINCIPLES, "run": "1"})
    page = dom(tmp_path, url, RUN_SCRIPTS)
    assert 'data-state="done"' in page
    assert '>14 rows<' in page                      # the page's status line
    assert "14 results in" in page                  # YASR's own count
    assert page.count(">https://w3id.org/vrgraph/id/principle/strategic/") == 6  # links
    assert "principle/enabling/9" in page
    assert '<option value="agency-load"' in page    # the canned queries, from /queries
    assert "PREFIX vrid: &lt;https://w3id.org/vrgraph/id/&gt;" in page  # the prefix list
    assert "PREFIX vr: " in page and "error" not in page.split('id="status"')[1][:200]


@needs_chromium
def test_query_page_shows_the_servers_error(srv, tmp_path):
    url = srv.base + "query?" + urllib.parse.urlencode({"query": "SELECT nonsense", "run": "1"})
    page = dom(tmp_path, url, RUN_SCRIPTS)
    assert 'data-state="done"' in page
    assert "query:1:8: 'nonsense' is not a SPARQL keyword" in page


@needs_chromium
def test_query_page_screenshot(srv, tmp_path):
    url = srv.base + "query?" + urllib.parse.urlencode({"query": PRINCIPLES, "run": "1"})
    data = screenshot(tmp_path, url, "1280,1000")
    if os.environ.get("VRGRAPH_SCREENSHOT"):  # keep it to look at
        Path(os.environ["VRGRAPH_SCREENSHOT"]).write_bytes(data)


# -- the command ------------------------------------------------------------------------------
def test_serve_command_documents_its_options():
    result = CliRunner().invoke(serve_command, ["--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--timeout", "--max-rows", "--max-body", "--site",
                   "--workers"):
        assert option in result.output
    assert "127.0.0.1" in result.output and "8000" in result.output


def test_serve_command_says_when_the_port_is_taken(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        # obj: the project, as the vrgraph group passes it to its commands
        result = CliRunner().invoke(serve_command, ["--port", str(port)], obj=project)
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot listen on 127.0.0.1:")
    assert "--port" in result.output and "Traceback" not in result.output


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_serve_command_serves_until_ctrl_c_and_leaves_no_process_behind():
    code = "from vrgraph.cli import main; main()"
    # Ctrl-C as a terminal sends it, even where the tests run in the background (a shell
    # starts background jobs with SIGINT ignored, and Python then keeps ignoring it)
    process = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", "0", "--workers", "1",
                                "--slow-workers", "1"],
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        lines: list[str] = []
        # read stderr all along, so that the server never blocks on a full pipe
        reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")),
                                  daemon=True)
        reader.start()
        deadline = time.monotonic() + 30
        while not lines and time.monotonic() < deadline:
            time.sleep(0.05)
        banner = lines[0] if lines else ""
        assert banner.startswith("vrgraph serve: http://127.0.0.1:"), banner
        base = banner.split()[2]
        host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
        conn = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT)
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": PRINCIPLES}))
        assert len(bindings(conn.getresponse().read())) == 14
        conn.close()
        zygotes = _children(process.pid)
        workers = [w for z in zygotes for w in _children(z)]
        assert len(zygotes) == 2 and len(workers) == 2  # a fast and a slow lane
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        reader.join(timeout=10)
        rest = "".join(lines[1:])
        assert "stopped" in rest and "Traceback" not in rest
        assert _gone(zygotes + workers)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


# -- linked data ----------------------------------------------------------------------------
def test_an_id_iri_redirects_303_to_its_document(bare):
    status, headers, body = bare.get("/id/action/5.1.1", "text/turtle")
    assert status == 303 and headers["location"] == "/doc/action/5.1.1" and body == b""
    status, headers, _ = bare.get("/def/Action")
    assert status == 303 and headers["location"] == "/doc/def/Action"


@pytest.mark.parametrize("accept, media, rdf_format", [
    ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
])
def test_a_document_negotiates_every_rdf_syntax(bare, accept, media, rdf_format):
    status, headers, body = bare.get("/doc/action/5.1.1", accept)
    assert status == 200 and headers["content-type"].startswith(media)
    assert "Accept" in headers["vary"]
    triples = [q.triple for q in ox.parse(body, format=rdf_format)]
    action = ox.NamedNode(f"{ID}action/5.1.1")
    assert ox.Triple(action, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode(f"{VR}Action")) in triples
    # what it links to is named
    assert ox.Triple(ox.NamedNode(f"{ID}principle/strategic/4"),
                     ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("Strategic Principle 4", language="en")) in triples
    suffix = {ox.RdfFormat.TURTLE: ".ttl", ox.RdfFormat.JSON_LD: ".jsonld",
              ox.RdfFormat.N_TRIPLES: ".nt", ox.RdfFormat.RDF_XML: ".rdf"}[rdf_format]
    status, headers, again = bare.get("/doc/action/5.1.1" + suffix, "text/html")
    assert status == 200 and headers["content-type"].startswith(media) and again == body


def test_a_browser_gets_html_pages(bare):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = bare.get("/doc/action/5.1.1", browser)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"Strategic Principle 4" in body and b'href="/id/principle/strategic/4"' in body
    status, headers, body = bare.get("/sparql", browser)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body == bare.get("/query")[2]
    status, headers, _ = bare.get("/sparql", "*/*")  # a tool, not a browser: the description
    assert headers["content-type"].startswith("text/turtle")
    status, headers, body = bare.get("/doc/def/Action", browser)
    assert status == 200 and b"Action" in body


def test_unknown_or_hostile_documents_are_404(bare):
    for path in ("/doc/action/9.9.9", "/doc/%3Cscript%3E", "/doc/a%20b", "/doc/",
                 "/id/action/%0a", "/doc/%ff"):
        status, headers, body = bare.get(path, "text/turtle")
        assert status in (303, 404), (path, status)
        assert b"<script>" not in body
    bare.assert_alive()


def test_rdflib_dereferences_an_iri_through_the_server(bare):
    g = Graph().parse(bare.base + "id/action/5.1.1")
    action = URIRef(f"{ID}action/5.1.1")
    assert (action, URIRef(f"{VR}alignedTo"), URIRef(f"{ID}principle/strategic/4")) in g


# -- CORS -----------------------------------------------------------------------------------
def test_cors_is_off_by_default(bare):
    status, headers, _ = bare.request("GET", "/sparql?query=ASK%7B%7D",
                                      headers={"Origin": "https://evil.example"})
    assert status == 200 and "access-control-allow-origin" not in headers
    status, headers, _ = bare.request("OPTIONS", "/sparql", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 204 and "access-control-allow-origin" not in headers


def test_cors_allows_only_the_given_origins(store, queries):
    running = Running(make_server(store, queries, ServeConfig(
        port=0, workers=1, slow_workers=1, cors=("https://ok.example",)), log=lambda line: None))
    try:
        status, headers, _ = running.request("GET", "/sparql?query=ASK%7B%7D",
                                             headers={"Origin": "https://ok.example"})
        assert headers["access-control-allow-origin"] == "https://ok.example"
        assert "Origin" in headers["vary"]
        status, headers, _ = running.request("OPTIONS", "/sparql", headers={
            "Origin": "https://ok.example", "Access-Control-Request-Method": "POST"})
        assert status == 204 and "POST" in headers["access-control-allow-methods"]
        status, headers, _ = running.request("GET", "/sparql?query=ASK%7B%7D",
                                             headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in headers
    finally:
        running.stop()


# -- bounds and lanes ---------------------------------------------------------------------------
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"


def test_a_query_over_the_memory_limit_is_stopped_with_507(store, queries):
    running = Running(make_server(store, queries, ServeConfig(
        port=0, workers=1, slow_workers=1, timeout=60, max_memory=100),
        log=lambda line: None))
    try:
        status, _, body = running.sparql(CROSS)
        assert status == 507 and b"memory" in body and b"100 MB" in body
        running.assert_alive()
    finally:
        running.stop()


def test_cheap_queries_flow_while_long_ones_run(store, queries):
    """Two long queries move to the slow lane after the fast slice; meanwhile cheap queries
    are answered at once; a third long query from the same client gets 429."""
    running = Running(make_server(store, queries, ServeConfig(
        port=0, workers=1, slow_workers=2, timeout=4, fast_slice=0.3, per_client=2),
        log=lambda line: None))
    try:
        results: list[int] = []
        slow = [threading.Thread(target=lambda: results.append(running.sparql(SLOW)[0]))
                for _ in range(2)]
        for t in slow:
            t.start()
        time.sleep(1.0)  # both are in the slow lane now
        for _ in range(10):
            running.assert_alive()
        # answered while both long queries still run (they hold the slow lane until stopped)
        assert all(t.is_alive() for t in slow)
        status, headers, body = running.sparql(SLOW)
        assert status == 429 and b"long queries" in body and "retry-after" in headers
        for t in slow:
            t.join(timeout=CLIENT_TIMEOUT)
        assert results == [504, 504]
    finally:
        running.stop()


def test_a_client_that_hangs_up_leaves_no_traceback_in_the_log(srv, log_lines):
    for _ in range(3):
        with socket.create_connection((srv.host, srv.port)) as s:
            s.sendall(b"GET /sparql?query=" + urllib.parse.quote(PRINCIPLES).encode()
                      + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    srv.assert_alive()
    time.sleep(0.3)
    assert not [line for line in log_lines if "Traceback" in line or "\n" in line]


def test_a_document_is_the_published_page_where_the_site_has_one(store, queries, tmp_path):
    site = tmp_path / "site"
    (site / "doc" / "action").mkdir(parents=True)
    (site / "doc" / "action" / "5.1.1.html").write_text("<p>the published page\n")
    running = Running(make_server(store, queries, ServeConfig(
        port=0, workers=1, slow_workers=1, site=site), log=lambda line: None))
    try:
        status, _, body = running.get("/doc/action/5.1.1", "text/html")
        assert status == 200 and body == b"<p>the published page\n"
        status, headers, _ = running.get("/doc/action/5.1.1", "text/turtle")
        assert status == 200 and headers["content-type"].startswith("text/turtle")
        status, _, body = running.get("/doc/action/5.1.2", "text/html")  # no page: made here
        assert status == 200 and b"<h1>" in body
    finally:
        running.stop()


def test_an_idle_client_is_disconnected(store, queries):
    running = Running(make_server(store, queries, ServeConfig(
        port=0, workers=1, slow_workers=1, channel_timeout=1, request_deadline=60),
        log=lambda line: None))
    try:
        with socket.create_connection((running.host, running.port), timeout=10) as s:
            s.sendall(b"GET /sparql HTTP/1.1\r\nHo")  # half a request, then nothing
            assert s.recv(100) == b""  # closed by the server, long before the deadline
        running.assert_alive()
    finally:
        running.stop()


def test_a_description_page_escapes_every_value():
    from vrgraph.serve.app import describe_html

    evil = '<script>alert(1)</script>"'
    thing = ox.NamedNode(ID + "action/x")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    page = describe_html(thing.value, [ox.Triple(thing, label, ox.Literal(evil)),
                                       ox.Triple(thing, ox.NamedNode(VR + "text"),
                                                 ox.Literal(evil))],
                         "https://w3id.org/vrgraph/").decode()
    assert "<script>" not in page and page.count("&lt;script&gt;") == 4  # title, h1, 2 cells


def test_the_vendored_editor_is_the_one_its_notice_names():
    """static/yasgui/ holds @zazuko/yasgui's files unchanged: their checksums are in the
    notice, with the version and licence."""
    import hashlib

    folder = Path(__file__).resolve().parent.parent / "vrgraph" / "static" / "yasgui"
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    assert "MIT" in notice and "@zazuko/yasgui" in notice
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"sha256 `{digest}` {name}" in notice
