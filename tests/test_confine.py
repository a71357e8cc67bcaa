"""Every query text from outside the project runs confined (issue 18, points 1 to 3).

Each path is attacked with the first lock (the guard) switched off by its test-only hook:
a query reaching for a trap listening on 127.0.0.1 must make 0 connections, and the answer
must be a refusal with its reason (exit 2, HTTP 403), never a traceback, a 500 or a silent
empty answer. A second test lists the entry points and checks that each reaches the
engine through ``vrgraph.sandbox.gate`` in a confined process.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_sparql_guard import Trap
from vrgraph import sandbox, sparql_guard
from vrgraph.cli import main
from vrgraph.errors import QueryError
from vrgraph.query import canned

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the sandbox forks")

DATA = """@prefix ex: <http://example.org/> .
ex:a a ex:Thing ; ex:p "x" .
"""


def hidden(port: int, silent: bool = True) -> str:
    """A SERVICE the guard once read as a string, after a less-than it took for an IRI."""
    return (f"?a <'x>\"') SERVICE {'SILENT ' if silent else ''}<http://127.0.0.1:{port}/> "
            f"{{ ?s ?p ?o }} FILTER('\" <x'> ?b")


def shapes(port: int, silent: bool = True) -> str:
    return f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE {{ $this ex:p ?a FILTER({hidden(port, silent)}) }}\"\"\" ;
              sh:prefixes ex:decl ] .
ex:decl sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^<http://www.w3.org/2001/XMLSchema#anyURI> ] .
"""


@pytest.fixture(scope="module")
def trap():
    t = Trap()
    yield t
    t.close()


@pytest.fixture()
def unguarded(monkeypatch):
    monkeypatch.setattr(sparql_guard, "_TEST_ONLY_OFF", True)


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "data.ttl").write_text(DATA)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def refused(result) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert sandbox.REFUSED in result.output
    assert "Traceback" not in result.output


# -- the attack of point 1, on each path -----------------------------------------------------
@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
@pytest.mark.parametrize("silent", [True, False])
def test_a_shapes_file_cannot_reach_the_network_even_unguarded(files, trap, unguarded,
                                                                 engine, silent):
    (files / "shapes.ttl").write_text(shapes(trap.port, silent))
    before = trap.hits
    result = invoke("validate", str(files / "data.ttl"), "--shapes", str(files / "shapes.ttl"),
                    "--engine", engine)
    refused(result)   # never "conforms" for SERVICE SILENT
    assert trap.hits == before


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_the_guard_refuses_the_shapes_file_attack(files, trap, engine):
    (files / "shapes.ttl").write_text(shapes(trap.port))
    before = trap.hits
    result = invoke("validate", str(files / "data.ttl"), "--shapes", str(files / "shapes.ttl"),
                    "--engine", engine)
    assert result.exit_code == 2, result.output
    assert "may be read as less-than or as an IRI" in result.output
    assert trap.hits == before


def test_pyshacls_own_queries_run_confined(files, trap, monkeypatch):
    """pySHACL runs the SPARQL of shapes nested in others: the whole of its validation runs
    in the confined child; a connection it tried would be refused there."""
    import pyshacl

    def reaching(*args, **kwargs):
        socket.create_connection(("127.0.0.1", trap.port), timeout=5).close()
        raise AssertionError("connected")

    monkeypatch.setattr(pyshacl, "validate", reaching)
    (files / "shapes.ttl").write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:Outer a sh:NodeShape ; sh:targetClass ex:Thing ; sh:node ex:Inner .
ex:Inner a sh:NodeShape ; sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o }" ] .
""")
    before = trap.hits
    result = invoke("validate", str(files / "data.ttl"), "--shapes", str(files / "shapes.ttl"),
                    "--engine", "pyshacl")
    refused(result)
    assert trap.hits == before


@pytest.mark.parametrize("silent", [True, False])
def test_sparql_cannot_reach_the_network_even_unguarded(files, trap, unguarded, silent):
    before = trap.hits
    result = invoke("sparql", "--data", str(files / "data.ttl"),
                    f"ASK {{ ?s ?p ?a FILTER({hidden(trap.port, silent)}) }}")
    refused(result)   # not a silent "false"
    assert trap.hits == before


def _canned_with(text: str, monkeypatch) -> None:
    """Every canned query's text replaced by ``text`` (as a hostile project folder would)."""
    real, real_one = canned.load_queries, canned.load_query

    def load(folder: Path, *args):
        queries = real(folder, *args)
        for q in queries.values():
            q.text = text
        return queries

    def load_one(path: Path):   # a command that runs one query reads only that one
        q = real_one(path)
        q.text = text
        return q
    monkeypatch.setattr(canned, "load_queries", load)
    monkeypatch.setattr(canned, "load_query", load_one)


def test_query_run_cannot_reach_the_network_even_unguarded(files, trap, unguarded, monkeypatch):
    _canned_with(f"SELECT * WHERE {{ ?s ?p ?a FILTER({hidden(trap.port)}) }}", monkeypatch)
    before = trap.hits
    result = invoke("query", "run", "strategies", "--data", str(files / "data.ttl"))
    refused(result)
    assert trap.hits == before


def test_report_cannot_reach_the_network_even_unguarded(files, trap, unguarded, monkeypatch,
                                                         tmp_path):
    _canned_with(f"SELECT * WHERE {{ ?s ?p ?a FILTER({hidden(trap.port)}) }}", monkeypatch)
    before = trap.hits
    result = invoke("report", "--data", str(files / "data.ttl"), "-o",
                    str(tmp_path / "report.html"))
    refused(result)
    assert trap.hits == before
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("silent", [True, False])
def test_serve_answers_403_not_500_even_unguarded(store, trap, unguarded, silent):
    from vrgraph.serve.pool import WorkerPool
    from vrgraph.serve.run import Job, WorkerState

    pool = WorkerPool(WorkerState(store, {}), 1, 0, None)
    try:
        before = trap.hits
        reply = pool.run(Job(None, 10, text=f"ASK {{ ?s ?p ?a FILTER({hidden(trap.port, silent)}) }}"),
                         30, 30)
        assert reply is not None
        assert (reply.status, reply.body.decode().strip()) == (403, sandbox.REFUSED)
        assert trap.hits == before
        ok = pool.run(Job(None, 10, text="ASK { ?s ?p ?o }"), 30, 30)   # a new worker serves
        assert ok is not None and ok.status == 200
    finally:
        pool.close()


def test_the_server_answers_403_over_http_even_unguarded(store, trap, unguarded):
    from tests.test_serve import Running
    from vrgraph.serve import ServeConfig, make_server

    lines: list[str] = []
    running = Running(make_server(store, {}, ServeConfig(port=0, workers=1), log=lines.append))
    try:
        before = trap.hits
        status, _, body = running.sparql(f"ASK {{ ?s ?p ?a FILTER({hidden(trap.port)}) }}")
        assert (status, body.decode().strip()) == (403, sandbox.REFUSED)
        assert trap.hits == before
        running.assert_alive()
    finally:
        running.stop()
    assert not any("internal error" in line for line in lines)


def test_the_library_validation_confines_itself_even_unguarded(files, trap, unguarded):
    """``validate`` confines itself wherever it is called from (``--endpoint --shapes``,
    ``--merge``, a library user), not only from the command line."""
    from vrgraph import store as st
    from vrgraph.validate import validate

    (files / "shapes.ttl").write_text(shapes(trap.port))
    data = st.load([files / "data.ttl"], [], exact=[files / "data.ttl"])
    before = trap.hits
    with pytest.raises(sandbox.Refused):
        validate(data, st.read_graph([files / "shapes.ttl"]))
    assert trap.hits == before


# -- one gate for every door ----------------------------------------------------------------
def test_every_entry_point_reaches_the_engine_through_the_gate_confined(files, monkeypatch,
                                                                         tmp_path, store):
    """Each entry point's query text reaches the engine through ``sandbox.gate``, in a
    confined process: a gate that says where it ran stops each of them with that."""
    def gate(text: str, where: str = "query", kept: str | None = None):
        raise QueryError(f"GATE confined={sandbox.held() is not None}")

    monkeypatch.setattr(sandbox, "gate", gate)
    monkeypatch.setenv("VRGRAPH_STORE", str(tmp_path / "store"))   # no answer kept before
    (files / "shapes.ttl").write_text(shapes(1).replace(f"FILTER({hidden(1)})", ""))
    data = str(files / "data.ttl")
    entries = {
        "sparql": ["sparql", "--data", data, "ASK { ?s ?p ?o }"],
        "query run": ["query", "run", "strategies", "--data", data],
        "report": ["report", "--data", data, "-o", str(tmp_path / "report.html")],
        "validate --shapes (sparql)": ["validate", data, "--shapes", str(files / "shapes.ttl")],
        "validate --shapes (pyshacl)": ["validate", data, "--shapes", str(files / "shapes.ttl"),
                                        "--engine", "pyshacl"],
    }
    for name, args in entries.items():
        result = invoke(*args)
        assert result.exit_code == 2 and "GATE confined=True" in result.output, (name,
                                                                                  result.output)
    from vrgraph.serve.pool import WorkerPool
    from vrgraph.serve.run import Job, WorkerState

    pool = WorkerPool(WorkerState(store, {}), 1, 0, None)
    try:
        reply = pool.run(Job(None, 10, text="ASK { ?s ?p ?o }"), 30, 30)
        assert reply is not None and b"GATE confined=True" in reply.body, "serve"
    finally:
        pool.close()


def test_the_gate_refuses_to_run_outside_a_confined_process():
    with pytest.raises(QueryError, match="runs only in a confined process"):
        sandbox.gate("ASK { ?s ?p ?o }")


# -- sh:declare: values assembled, not pasted ----------------------------------------------------
@pytest.mark.parametrize("prefix, namespace, what", [
    ('"ex"', '"http://example.org/> ASK { SERVICE <http://127.0.0.1:9/> {} } #"', "sh:namespace"),
    ('"ex"', '"http://example.org/ x"', "sh:namespace"),
    ('"ex"', '"example.org/"', "sh:namespace"),
    ('"ex"', '<http://example.org/>', "sh:namespace"),
    ('"ex"', '"http://example.org/{x}"^^<http://www.w3.org/2001/XMLSchema#anyURI>',
     "sh:namespace"),
    ('"ex: <http://x/> PREFIX y"', '"http://example.org/"', "sh:prefix"),
    ('"1ex"', '"http://example.org/"', "sh:prefix"),
])
def test_a_bad_prefix_declaration_is_exit_2_naming_the_shape(files, trap, prefix, namespace,
                                                             what):
    (files / "shapes.ttl").write_text(f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:sparql [ sh:select "SELECT $this WHERE {{ $this ex:p ?a }}" ; sh:prefixes ex:decl ] .
ex:decl sh:declare [ sh:prefix {prefix} ; sh:namespace {namespace} ] .
""")
    before = trap.hits
    result = invoke("validate", str(files / "data.ttl"), "--shapes", str(files / "shapes.ttl"))
    assert result.exit_code == 2, result.output
    assert "shape <http://example.org/S>" in result.output and what in result.output
    assert trap.hits == before


def test_a_good_prefix_declaration_still_works(files):
    (files / "shapes.ttl").write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?a FILTER(?a = 'x') }" ;
              sh:prefixes ex:decl ] .
ex:decl sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .
""")
    result = invoke("validate", str(files / "data.ttl"), "--shapes", str(files / "shapes.ttl"))
    assert result.exit_code == 1, result.output
    assert "1 violation" in result.output


@pytest.mark.parametrize("form", ["ASK", "SELECT *", "CONSTRUCT { ?s ?p ?o }"])
def test_without_seccomp_the_file_lock_is_reported_as_refused_too(files, trap, unguarded,
                                                                    monkeypatch, form):
    """Where seccomp is not available (macOS, other architectures) the file lock refuses
    the socket: the engine's EMFILE is reported as the same refusal, not an OSError."""
    monkeypatch.setattr(sandbox, "_trap_sockets", lambda: False)
    before = trap.hits
    result = invoke("sparql", "--data", str(files / "data.ttl"),
                    f"{form} WHERE {{ ?s ?p ?a FILTER({hidden(trap.port, silent=False)}) }}")
    refused(result)
    assert trap.hits == before


def test_without_seccomp_the_server_answers_403_not_500(store, trap, unguarded, monkeypatch):
    from vrgraph.serve.pool import WorkerPool
    from vrgraph.serve.run import Job, WorkerState

    monkeypatch.setattr(sandbox, "_trap_sockets", lambda: False)
    pool = WorkerPool(WorkerState(store, {}), 1, 0, None)
    try:
        before = trap.hits
        text = f"SELECT * WHERE {{ ?s ?p ?a FILTER({hidden(trap.port, silent=False)}) }}"
        reply = pool.run(Job(None, 10, text=text), 30, 30)
        assert reply is not None
        assert (reply.status, reply.body.decode().strip()) == (403, sandbox.REFUSED)
        assert trap.hits == before
    finally:
        pool.close()


def _landlock() -> bool:
    def probe() -> bool:
        return bool(sandbox.held() and sandbox.held().store_files)
    return sandbox.run_confined(probe, 30, None)


def test_a_confined_child_reads_the_kept_stores_files_and_no_other(tmp_path, monkeypatch):
    """RocksDB opens a table of the kept store at its first read, in the confined child:
    Landlock lets the child open files beneath the store's folder, read-only, and no other
    (an N=100 store failed validation before: the child could open no file at all)."""
    kept, elsewhere = tmp_path / "store", tmp_path / "elsewhere"
    kept.mkdir()
    (kept / "000069.sst").write_text("table")
    elsewhere.write_text("secret")
    monkeypatch.setattr(sandbox, "_readable", {str(kept)})
    if not _landlock():
        pytest.skip("this kernel has no Landlock: a confined child opens no file at all")

    def read(path: Path) -> str:
        return path.read_text()

    def write(path: Path) -> None:
        path.write_text("changed")

    assert sandbox.run_confined(lambda: read(kept / "000069.sst"), 30, None) == "table"
    with pytest.raises(sandbox.Refused):
        sandbox.run_confined(lambda: read(elsewhere), 30, None)
    with pytest.raises(sandbox.Refused):
        sandbox.run_confined(lambda: write(kept / "000069.sst"), 30, None)
    with pytest.raises(sandbox.Refused):
        sandbox.run_confined(lambda: read(Path("/etc/passwd")), 30, None)
    assert (kept / "000069.sst").read_text() == "table"


def test_without_a_kept_store_a_confined_child_opens_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "_readable", set())
    inside = tmp_path / "file"
    inside.write_text("x")
    with pytest.raises(sandbox.Refused):
        sandbox.run_confined(lambda: inside.read_text(), 30, None)


def test_a_removed_store_folder_leaves_the_others_readable(tmp_path, monkeypatch):
    kept = tmp_path / "store"
    kept.mkdir()
    (kept / "table.sst").write_text("table")
    monkeypatch.setattr(sandbox, "_readable", {str(tmp_path / "gone"), str(kept)})
    if not _landlock():
        pytest.skip("this kernel has no Landlock: a confined child opens no file at all")
    assert sandbox.run_confined(lambda: (kept / "table.sst").read_text(), 30, None) == "table"
