"""``vrgraph serve`` at the HTTP layer: the edges of the protocol and the bounds on slow or
greedy clients (``vrgraph/serve/protocol.py``), over real sockets against the real server.

The slow clients come from a second loopback address (127.0.0.2; Linux answers the whole of
127.0.0.0/8) so that the cap on one address can be seen from another. Nothing here asserts
how long anything took: a wait is bounded only so that a failing test ends.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

import pytest
from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef

from tests.test_serve import CLIENT_TIMEOUT, Running
from vrgraph.cli.serve import serve as serve_command
from vrgraph.query.canned import load_queries
from vrgraph.serve import ServeConfig, ServeError, make_server, public_address

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"),
                                reason="forks workers; binds 127.0.0.2 (Linux loopback)")

CAP = 4
DEADLINE = 1.0
PUBLIC = "https://data.example.org/vrgraph/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ASK = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
BOUND = 30  # seconds a failing test may wait for what a passing one sees at once


@pytest.fixture(scope="module")
def log_lines() -> list[str]:
    return []


@pytest.fixture(scope="module")
def plain(store, project):
    """A server with the default limits and no --public-url (started before ``srv``)."""
    running = Running(make_server(store, load_queries(project.queries),
                                  ServeConfig(port=0, workers=1, slow_workers=1),
                                  log=lambda line: None))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def srv(plain, store, project, tmp_path_factory, log_lines):
    site = tmp_path_factory.mktemp("site")
    (site / "sub").mkdir()
    (site / "sub" / "index.html").write_text("<p>sub\n")
    config = ServeConfig(port=0, workers=1, slow_workers=1, site=site, client_connections=CAP,
                         request_deadline=DEADLINE, public_url=PUBLIC)
    running = Running(make_server(store, load_queries(project.queries), config,
                                  log=log_lines.append))
    yield running
    running.stop()


def connect(srv: Running, source: str = "127.0.0.2") -> socket.socket:
    s = socket.socket()
    s.settimeout(CLIENT_TIMEOUT)
    s.bind((source, 0))
    s.connect((srv.host, int(srv.port)))
    return s


def settle(srv: Running, source: str = "127.0.0.2") -> None:
    """Wait (boundedly) until the server has seen every connection from ``source`` closed,
    so that an earlier test's connections do not count against this one's."""
    end = time.monotonic() + BOUND
    while srv.server._server.by_address.get(source) and time.monotonic() < end:
        time.sleep(0.02)


def read_all(s: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset ends it too)."""
    chunks = []
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            chunks.append(b"<reset>")
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def read_answer(s: socket.socket) -> bytes:
    """One whole answer (head and Content-Length bytes of body) off a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def logged(log_lines: list[str], marker: str) -> list[str]:
    """The log lines holding ``marker``, waiting (boundedly) for the request thread."""
    end = time.monotonic() + BOUND
    while time.monotonic() < end:
        found = [line for line in list(log_lines) if marker in line]
        if found:
            return found
        time.sleep(0.02)
    return []


# -- the edges of HTTP ------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/doc/%ZZ", "/doc/a%2", "/queries/%G0", "/%zz/x"])
def test_a_bad_percent_escape_is_400_with_the_reason_in_the_log(srv, log_lines, path):
    status, _, body = srv.get(path)
    assert status == 400 and b"percent-escape" in body, (path, body)
    lines = logged(log_lines, f'"GET {path} HTTP/1.1" 400')
    assert len(lines) == 1 and "bad percent-escape" in lines[0], lines
    srv.assert_alive()


@pytest.mark.parametrize("path", ["/%2Fsub", "/%2F%2Fsub", "/%5Csub", "/%2Fsub%2F..%2Fsub"])
def test_no_redirect_starts_with_two_slashes(srv, path):
    status, headers, _ = srv.get(path)
    location = headers.get("location", "")
    assert not location.startswith("//") and not location.startswith("/\\"), (path, location)
    if status == 301:
        assert location == "/sub/"


def test_the_service_description_names_the_public_url_never_the_host_header(srv):
    status, _, body = srv.request("GET", "/sparql", headers={
        "Accept": "text/turtle", "Host": "attacker.example:666"})
    assert status == 200 and b"attacker" not in body
    graph = Graph().parse(data=body, format="turtle")
    assert set(graph.objects(None, SD.endpoint)) == {URIRef(PUBLIC + "sparql")}


def test_the_service_description_defaults_to_the_listen_address(plain):
    status, _, body = plain.request("GET", "/sparql", headers={
        "Accept": "text/turtle", "Host": "attacker.example"})
    graph = Graph().parse(data=body, format="turtle")
    assert set(graph.objects(None, SD.endpoint)) == {URIRef(plain.base + "sparql")}


@pytest.mark.parametrize("url", ["ftp://x.org/", "example.org", "https://x.org/?q=1",
                                 "https://u:p@x.org/", "https://x.org/a b", "https://x.org:99999/"])
def test_a_bad_public_url_is_refused(url):
    with pytest.raises(ServeError, match="--public-url"):
        public_address(url)


def test_a_bad_public_url_is_exit_2_before_the_graph_is_read(tmp_path):
    result = CliRunner().invoke(serve_command, ["--public-url", "javascript:alert(1)"],
                                obj=None)
    assert result.exit_code == 2 and "--public-url" in result.output
    assert public_address("https://x.org/v") == "https://x.org/v/"


@pytest.mark.parametrize("framing", [
    b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
])
def test_content_length_with_transfer_encoding_is_400(srv, log_lines, framing):
    s = connect(srv, "127.0.0.1")
    with s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                  b"\r\n" + framing + b"\r\n5\r\nASK{}\r\n0\r\n\r\nGET /queries HTTP/1.1\r\n"
                  b"Host: x\r\n\r\n")
        answer = read_all(s)
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert answer.count(b"HTTP/1.") == 1  # no second answer: the connection is closed
    assert logged(log_lines, "Content-Length and Transfer-Encoding together")
    srv.assert_alive()


def test_an_over_long_request_target_is_414_not_a_reset(srv, log_lines):
    target = b"/sparql?query=" + b"x" * 150_000
    s = connect(srv, "127.0.0.1")
    with s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_all(s)
    assert answer.split(b" ", 2)[1] == b"414" and b"by POST" in answer, answer[:300]
    assert b"<reset>" not in answer
    assert logged(log_lines, '"GET /sparql?query=xxxx')
    # with http.client, as a user's script would send it
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=CLIENT_TIMEOUT)
    try:
        conn.request("GET", target.decode())
        assert conn.getresponse().status == 414
    finally:
        conn.close()
    srv.assert_alive()


def test_a_form_post_refuses_dataset_parameters_in_its_url_as_get_does(srv):
    form = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
    for name in ("default-graph-uri", "named-graph-uri"):
        url = "/sparql?" + urllib.parse.urlencode({name: "http://example.org/g"})
        status, _, body = srv.get(url + "&query=ASK%7B%7D")
        assert status == 400 and name.encode() in body
        status, _, body = srv.request("POST", url, form, {
            "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 400 and name.encode() in body, (name, status, body)
    status, _, _ = srv.request("POST", "/sparql?update=x", form, {
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    status, _, body = srv.request("POST", "/sparql", form, {
        "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and json.loads(body)["boolean"] is True


# -- slow and greedy clients ------------------------------------------------------------------
def test_one_address_holds_at_most_its_connection_cap(srv, log_lines):
    settle(srv)
    held = [connect(srv) for _ in range(CAP)]
    try:
        for s in held:
            s.sendall(ASK)  # half a request each: none is idle
        extra = connect(srv)
        with extra:
            answer = read_all(extra)
        assert answer.startswith(b"HTTP/1.1 429 "), answer
        assert b"--max-client-connections" in answer
        assert logged(log_lines, "127.0.0.2 holds 4 connections")
        srv.assert_alive()  # another address is served
    finally:
        for s in held:
            s.close()


def test_an_idle_keep_alive_connection_makes_room_for_a_new_one(srv):
    settle(srv)
    held = [connect(srv) for _ in range(CAP)]
    try:
        for s in held:  # one whole request each, answered; the connections stay open
            s.sendall(ASK + b"\r\n")
            assert read_answer(s).startswith(b"HTTP/1.1 200 ")
        extra = connect(srv)
        with extra:
            extra.sendall(ASK + b"Connection: close\r\n\r\n")
            assert read_all(extra).startswith(b"HTTP/1.1 200 ")
        closed = 0
        for s in held:  # the oldest idle one was closed; the others still answer
            try:
                s.sendall(ASK + b"Connection: close\r\n\r\n")
            except OSError:
                pass
            answer = read_all(s)
            assert answer in (b"", b"<reset>") or answer.startswith(b"HTTP/1.1 200 "), answer
            closed += not answer.startswith(b"HTTP/")
        assert closed == 1
    finally:
        for s in held:
            s.close()


def test_a_trickling_request_is_cut_at_the_deadline(srv, log_lines):
    """A client that sends a header line every 0.2 s is never idle; it is still answered
    408 and closed, however long it would go on."""
    settle(srv)
    s = connect(srv)
    with s:
        s.settimeout(0.2)
        s.sendall(ASK)
        answer = b""
        end = time.monotonic() + BOUND
        lines = 0
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                lines += 1
                s.sendall(b"X-Trickle-%d: x\r\n" % lines)
                continue
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), (lines, answer)
        assert b"--request-deadline" in answer
    srv.assert_alive()
    assert logged(log_lines, "408 - (the request was not whole within 1 s)")


def test_a_silent_connection_is_closed_at_the_deadline(srv):
    settle(srv)
    s = connect(srv)
    with s:
        s.settimeout(BOUND)
        assert s.recv(100) == b""  # closed, without an answer to a request never begun


def test_a_slow_body_is_cut_at_the_deadline(srv):
    settle(srv)
    s = connect(srv)
    with s:
        s.settimeout(0.2)
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                  b"sparql-query\r\nContent-Length: 1000\r\n\r\n")
        answer = b""
        end = time.monotonic() + BOUND
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                s.sendall(b" ")
                continue
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_a_keep_alive_connection_may_wait_between_requests(srv):
    """The deadline is for a request, not the connection: between requests only the idle
    cut (30 s) applies."""
    s = connect(srv, "127.0.0.1")
    with s:
        for _ in range(2):
            s.sendall(ASK + b"\r\n")
            assert read_answer(s).startswith(b"HTTP/1.1 200 ")
            time.sleep(DEADLINE * 2.5)  # idle, longer than the deadline
        s.sendall(ASK + b"Connection: close\r\n\r\n")
        assert read_all(s).startswith(b"HTTP/1.1 200 ")


def test_the_serve_command_documents_the_new_options():
    result = CliRunner().invoke(serve_command, ["--help"])
    for option in ("--max-client-connections", "--request-deadline", "--public-url"):
        assert option in result.output

