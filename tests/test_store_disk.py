"""The reasoned graph kept on disk between commands (vrgraph/store/disk.py): opened instead of
parsed while the inputs are unchanged, never read once they change, whole after a build
killed at any instant, and readable from the confined child that runs a query."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from vrgraph import pipeline, sandbox
from vrgraph.cli import main
from vrgraph.errors import QueryError
from vrgraph.project import Project
from vrgraph.store import DERIVED, disk

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture()
def stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "stores"
    monkeypatch.setenv("VRGRAPH_STORE", str(where))
    monkeypatch.setenv("VRGRAPH_STORE_MIN_MB", "0")   # the real graph is small: keep it too
    return where


def kept(where: Path) -> list[str]:
    return sorted(p.name for p in where.iterdir() if p.is_dir() and not p.name.startswith("."))


def quads(st: ox.Store) -> int:
    return int(next(iter(st.query(COUNT)))["n"].value)  # type: ignore[index, union-attr]


def run(project: Project, *args: str) -> str:
    result = CliRunner().invoke(main, ["--root", str(project.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_command_builds_the_store_once_and_the_next_opens_it(scratch, stores):
    first = run(scratch, "query", "run", "principle-coverage")
    (name,) = kept(stores)
    built = (stores / name).stat().st_mtime_ns
    assert run(scratch, "query", "run", "principle-coverage") == first
    assert kept(stores) == [name] and (stores / name).stat().st_mtime_ns >= built
    st = pipeline.open_graph(scratch)
    assert quads(st) == len(pipeline.load(scratch))   # the reasoned graph, matches included
    with pytest.raises((OSError, RuntimeError)):
        st.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")   # read-only


def test_a_changed_graph_is_never_answered_from_the_old_store(scratch, stores):
    before = run(scratch, "query", "run", "principle-coverage", "--format", "csv")
    assert "Strategic Principle 1," in before
    graph = scratch.graph.read_text(encoding="utf-8")
    assert graph.count('"Strategic Principle 1"@en') == 1
    scratch.graph.write_text(graph.replace('"Strategic Principle 1"@en',
                                           '"Principle the first"@en'), encoding="utf-8")
    after = run(scratch, "query", "run", "principle-coverage", "--format", "csv")
    assert "Principle the first," in after and "Strategic Principle 1," not in after
    assert len(kept(stores)) == 2        # the old one stays for a while, never answering
    scratch.graph.write_text(graph, encoding="utf-8")
    assert run(scratch, "query", "run", "principle-coverage", "--format", "csv") == before


def test_report_and_validate_answer_from_the_store_as_from_memory(scratch, stores,
                                                                  monkeypatch, tmp_path):
    """The report validates in a forked process, which reads the open store too."""
    kept_report = run(scratch, "report", "-o", str(tmp_path / "kept.html"))
    kept_validation = run(scratch, "validate", "--format", "json")
    assert kept(stores)
    monkeypatch.setenv("VRGRAPH_STORE", "off")
    assert run(scratch, "validate", "--format", "json") == kept_validation
    memory_report = run(scratch, "report", "-o", str(tmp_path / "memory.html"))
    assert kept_report.replace("kept.html", "") == memory_report.replace("memory.html", "")


def test_a_kept_validation_report_is_read_only_for_the_same_inputs(scratch, stores):
    first = run(scratch, "validate", "--format", "json")
    (kept_file,) = stores.glob("validation-*.json")
    assert run(scratch, "validate", "--format", "json") == first     # read from the file
    shapes = scratch.shapes.read_text(encoding="utf-8")
    scratch.shapes.write_text(shapes.replace("sh:severity sh:Warning", "sh:severity sh:Info"),
                              encoding="utf-8")
    changed = run(scratch, "validate", "--format", "json")
    assert changed != first and '"Info"' in changed
    assert len(list(stores.glob("validation-*.json"))) == 2
    kept_file.write_text("{not json", encoding="utf-8")             # spoilt: validated again
    scratch.shapes.write_text(shapes, encoding="utf-8")
    assert run(scratch, "validate", "--format", "json") == first


def test_a_changed_ontology_or_data_file_makes_another_store(scratch, stores):
    one = disk.key([scratch.graph], [scratch.ontology], stores)
    assert disk.key([scratch.graph], [scratch.ontology], stores) == one
    scratch.ontology.write_text(scratch.ontology.read_text(encoding="utf-8") + "\n",
                                encoding="utf-8")
    two = disk.key([scratch.graph], [scratch.ontology], stores)
    extra = scratch.root / "extra.ttl"
    extra.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    three = disk.key([scratch.graph, extra], [scratch.ontology], stores)
    assert len({one, two, three}) == 3


def test_the_content_hashes_are_remembered_from_the_first_command(scratch, stores,
                                                                    monkeypatch):
    """The stores' folder does not exist yet when the first command computes its key: the
    hashes are remembered all the same, so that the second command reads no input again
    (a 1.8 GB graph takes 20 s or more to hash)."""
    assert not stores.exists()
    one = disk.key([scratch.graph], [scratch.ontology], stores)
    assert (stores / "hashes.json").is_file()

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("an input was read again")
    with monkeypatch.context() as patched:
        patched.setattr(disk.hashlib, "blake2b", no_reading)
        assert disk.content_hash([scratch.graph, scratch.ontology], stores)
    assert disk.key([scratch.graph], [scratch.ontology], stores) == one


def test_the_evidence_matches_are_in_the_store_with_their_provenance(scratch, stores):
    st = pipeline.open_graph(scratch)
    rows = list(st.query(
        "PREFIX vr: <https://w3id.org/vrgraph/def/> PREFIX prov: <http://www.w3.org/ns/prov#> "
        f"SELECT ?m WHERE {{ GRAPH <{DERIVED.value}> {{ ?m a vr:EvidenceMatch ; "
        "vr:matchedAction ?a ; vr:matchedPrinciple ?p ; vr:matchedTerm ?t ; "
        "prov:wasGeneratedBy vr:evidenceMatching } }"))
    assert len(rows) > 100


def test_store_off_keeps_the_graph_in_memory(scratch, monkeypatch, tmp_path):
    monkeypatch.setenv("VRGRAPH_STORE", "off")
    monkeypatch.setenv("VRGRAPH_STORE_MIN_MB", "0")
    run(scratch, "query", "run", "strategies")
    assert not (scratch.root / "out" / "store").exists()


def test_a_small_graph_is_kept_as_a_dump_not_a_store(scratch, monkeypatch):
    """Below VRGRAPH_STORE_MIN_MB the reasoned graph is kept as N-Quads under the store's
    key and loaded into memory: no parsing or reasoning while the inputs are unchanged,
    the same graph (up to blank node labels) and the same answers."""
    monkeypatch.delenv("VRGRAPH_STORE", raising=False)
    monkeypatch.setenv("VRGRAPH_STORE_MIN_MB", "32")
    first = run(scratch, "query", "run", "principle-coverage", "--format", "csv")
    where = scratch.root / "out" / "store"
    assert not [p for p in where.glob("*") if p.is_dir()]
    (dump,) = where.glob("*.nq")
    assert dump.stem == disk.key([scratch.graph], [scratch.ontology], where)
    memory = pipeline.load(scratch)
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "load", lambda *args: pytest.fail("parsed again"))
        assert run(scratch, "query", "run", "principle-coverage", "--format", "csv") == first
        kept = pipeline.open_graph(scratch)
    assert len(kept) == len(memory)
    ground = {q for q in memory if not any(isinstance(t, ox.BlankNode) for t in
                                           (q.subject, q.object))}
    assert ground <= set(kept)
    dump.write_bytes(b"<urn:a> <urn:b> spoilt")                      # built again
    assert run(scratch, "query", "run", "principle-coverage", "--format", "csv") == first
    assert len(pipeline.open_graph(scratch)) == len(memory)
    graph = scratch.graph.read_text(encoding="utf-8")
    scratch.graph.write_text(graph.replace('"Strategic Principle 1"@en',
                                           '"Principle the first"@en'), encoding="utf-8")
    after = run(scratch, "query", "run", "principle-coverage", "--format", "csv")
    assert "Principle the first," in after and "Strategic Principle 1," not in after
    assert len(list(where.glob("*.nq"))) == 2


def test_a_confined_query_reads_the_store_and_still_opens_no_file(scratch, stores):
    st = pipeline.open_graph(scratch)

    def count() -> int:
        return quads(st)

    assert sandbox.run_confined(count, 60, None) == quads(st)

    def opens() -> int:
        return os.open(os.devnull, os.O_RDONLY)

    with pytest.raises((OSError, QueryError)):
        sandbox.run_confined(opens, 60, None)


def test_the_server_answers_from_the_kept_store(scratch, stores):
    """Its zygote and workers keep the open store's files through their own closing of
    every other descriptor (vrgraph/serve/pool.py, sandbox.close_from)."""
    pipeline.open_graph(scratch)
    server = subprocess.Popen(
        [sys.executable, "-m", "vrgraph.cli", "--root", str(scratch.root), "serve", "--port",
         "0", "--timeout", "60"], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        url = line.split("vrgraph serve: ", 1)[1].split()[0]
        query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        with urllib.request.urlopen(f"{url}sparql?query={query}", timeout=90) as answer:
            body = json.loads(answer.read())
        n = int(body["results"]["bindings"][0]["n"]["value"])
        assert n == quads(pipeline.open_graph(scratch))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_readers_open_the_same_store_side_by_side(scratch, stores):
    st = pipeline.open_graph(scratch)
    code = ("import sys, pyoxigraph as ox; s = ox.Store.read_only(sys.argv[1]); "
            "print(len(s))")
    (name,) = kept(stores)
    other = subprocess.run([sys.executable, "-c", code, str(stores / name / "db")],
                           capture_output=True, text=True, check=True)
    assert int(other.stdout) == len(st)


def _build_command(project: Project, files: list[Path] | None = None) -> list[str]:
    """The build in a process of its own (a fork of this one, which holds open stores, could
    inherit a lock of RocksDB held by one of its threads)."""
    code = ("import sys; from pathlib import Path; from vrgraph import pipeline; "
            "from vrgraph.project import Project; "
            "pipeline.open_graph(Project(Path(sys.argv[1])), "
            "[Path(f) for f in sys.argv[2:]] or None)")
    return [sys.executable, "-c", code, str(project.root), *map(str, files or [])]


def _as_ntriples(project: Project) -> Path:
    """The built graph as N-Triples: the syntax the build reads in chunks."""
    from vrgraph import store

    nt = project.root / "graph.nt"
    nt.write_bytes(store.serialize((q.triple for q in store.load([project.graph], [])),
                                   ox.RdfFormat.N_TRIPLES))
    return nt


@pytest.mark.slow
@pytest.mark.parametrize("chunked", [False, True], ids=["turtle", "ntriples-in-chunks"])
def test_a_build_killed_at_any_instant_leaves_no_store_or_a_whole_one(scratch, stores,
                                                                      monkeypatch, chunked):
    """SIGKILL the build at 12 instants over its run: after each, the store under the key is
    missing (the next command builds it) or opens whole; the next build sweeps the rest.
    In chunks (about ten of them, each handed to the bulk loader), a kill lands between or
    inside the loader's writes."""
    files = [_as_ntriples(scratch)] if chunked else None
    if chunked:
        monkeypatch.setenv("VRGRAPH_CHUNK_MB", "0.25")
    expected = len(pipeline.load(scratch, files))
    name = disk.key(files or [scratch.graph], [scratch.ontology], stores)
    command = _build_command(scratch, files)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    whole_run = time.perf_counter() - started
    counts = {"none": 0, "whole": 0}
    for i in range(12):
        shutil.rmtree(stores / name, ignore_errors=True)
        child = subprocess.Popen(command)
        time.sleep(whole_run * 1.2 * i / 12)
        child.send_signal(signal.SIGKILL)
        child.wait()
        if (stores / name).exists():
            assert len(ox.Store.read_only(str(stores / name / "db"))) == expected
            counts["whole"] += 1
        else:
            counts["none"] += 1
    assert counts["none"], counts
    assert len(pipeline.open_graph(scratch, files)) == expected
    assert len(pipeline.open_graph(scratch, files)) == expected
    assert [n for n in os.listdir(stores) if n.startswith(".")] == [], counts
