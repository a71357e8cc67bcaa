"""Benchmark: how vrgraph's stages scale with the number of documents, per RDF engine.

    python benchmarks/scale.py            # N = 1, 10, 100, and 1000 for pyoxigraph
    python benchmarks/scale.py --quick    # N = 1, 10, pyoxigraph, each query once: ~2 min
    python benchmarks/scale.py --sizes 1,10 --engines pyoxigraph,server --json out.json

N synthetic boroughs (``vrgraph.synthetic``: the real graph, re-based per borough, a few links
varied) are measured with each engine: the rdflib memory store, pyoxigraph (the embedded
default), oxrdflib (rdflib ``Graph(store="Oxigraph")``) and an Oxigraph server (the
``oxigraph`` package; ``pip install -e '.[bench]'``). Every stage runs in a fresh process
(this script with ``--stage``), which reports its wall times and its own peak memory
(``ru_maxrss``; the server's comes from ``os.wait4``). Stages: load (parse), reasoning
(vrgraph.reason on pyoxigraph; owlrl on rdflib, N <= 10 only), validation (with where its time
goes), every canned query with its default parameters (median of ``--repeat`` runs, on the
reasoned graph), publish (if ``vrgraph/publish/`` exists) and the endpoint (push, then
every canned query over HTTP). Heavy engines are skipped where they would not finish in a
sensible time; a stage past ``--timeout`` seconds is reported as such.

The targets of issue 21 are printed as the issue lists them (``ISSUE_ROWS``), with this
run's figure for each. Figures and the engine choice: ``docs/engines.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENGINES = ("rdflib", "pyoxigraph", "oxrdflib", "server")
# (stage, engine) -> the largest N it is run at (heavier engines would not finish).
LIMITS = {
    ("build", "pyoxigraph"): 1,
    ("load", "rdflib"): 100, ("load", "pyoxigraph"): 1000, ("load", "oxrdflib"): 100,
    ("reason", "rdflib"): 10, ("reason", "pyoxigraph"): 1000,
    ("validate", "pyoxigraph"): 1000,
    ("queries", "rdflib"): 10, ("queries", "pyoxigraph"): 1000, ("queries", "oxrdflib"): 100,
    ("publish", "pyoxigraph"): 10,
    ("endpoint", "server"): 100,
    ("store", "pyoxigraph"): 1000, ("stored", "pyoxigraph"): 1000,
    ("commands", "pyoxigraph"): 1000,
}
# --quick: what takes minutes even at N=1 on a loaded machine (building the real document,
# owlrl, rdflib's and oxrdflib's SPARQL over every query, publishing, the endpoint, the
# reasoning and validation breakdowns and pySHACL) is left out, the kept store, validation
# and the commands run at N=1 only (N=10 is below the size a command keeps a store for),
# and every query runs once
QUICK_LIMITS = {("build", "pyoxigraph"): 0, ("reason", "rdflib"): 0, ("queries", "rdflib"): 0,
                ("queries", "oxrdflib"): 0, ("publish", "pyoxigraph"): 0,
                ("endpoint", "server"): 0, ("load", "rdflib"): 1, ("load", "oxrdflib"): 1,
                ("validate", "pyoxigraph"): 1, ("stored", "pyoxigraph"): 1,
                ("commands", "pyoxigraph"): 1}
STAGES = ("build", "load", "reason", "validate", "queries", "store", "stored", "commands",
          "publish", "endpoint")
COMMAND_QUERY = "principle-coverage"  # the command timed run again, as the issue's targets
BREAKDOWN_UP_TO_N = 100  # the reasoning and validation breakdowns run them a second time
PYSHACL_UP_TO_N = 10  # the pySHACL engine took 56 s at N=100
QUERY_ALARM_S = 30  # a single rdflib query past this is cut short (pure Python: SIGALRM works)


# ================================ child: one stage, one engine ===============================
def _progress(result: dict) -> None:
    """Print the results so far as one JSON line: if the stage is stopped at the parent's
    timeout, the measurements already made are kept."""
    print(json.dumps({**result, "peak_mb": _peak_mb(), "partial": True}), flush=True)


def _peak_mb() -> float:
    """This process's peak memory, or a (forked) child's if higher."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _project():
    from vrgraph.project import Project
    return Project(ROOT)


def _ox_store(data: Path, reasoned: bool = True):
    """The graph of ``data`` parsed; ``reasoned``, as ``pipeline.load`` gives it to every
    command (reasoned, and the evidence matches found)."""
    from vrgraph import evidence, reason, store
    p = _project()
    st = store.load([data], [p.ontology], p.root)
    if reasoned:
        reason.materialise(st)
        evidence.derive(st)
    return st


class Options:
    """What the parent tells a stage process besides engine and data."""
    n = 1
    skip: tuple[str, ...] = ()
    quick = False

    @classmethod
    def breakdowns(cls) -> int:
        """The largest N at which reasoning and validation are run again to show where their
        time goes (and validation with pySHACL): none with --quick."""
        return 0 if cls.quick else BREAKDOWN_UP_TO_N


def stage_build(engine: str, data: Path, repeat: int) -> dict:
    from vrgraph import pipeline
    t, (turtle, graph) = _timed(lambda: pipeline.build_turtle(_project()))
    return {"times": {"build (the real document)": t}, "triples": len(graph)}


def stage_load(engine: str, data: Path, repeat: int) -> dict:
    p = _project()
    if engine == "pyoxigraph":
        from vrgraph import store
        t, st = _timed(lambda: store.load([data], [p.ontology], p.root))
        return {"times": {"load (parse)": t}, "triples": len(st)}
    from rdflib import Graph
    if engine == "rdflib":
        def load() -> Graph:
            g = Graph()
            g.parse(data, format="nt")
            g.parse(p.ontology, format="turtle")
            return g
    else:  # oxrdflib
        def load() -> Graph:
            g = Graph(store="Oxigraph")
            g.parse(data, format="ox-nt")
            g.parse(p.ontology, format="ox-turtle")
            return g
    t, g = _timed(load)
    return {"times": {"load (parse)": t}, "triples": len(g)}


def stage_reason(engine: str, data: Path, repeat: int) -> dict:
    p = _project()
    if engine == "pyoxigraph":
        from vrgraph import reason
        st = _ox_store(data, reasoned=False)
        before = len(st)
        t, inferred = _timed(lambda: reason.materialise(st))
        times = {"reasoning": t}
        result = {"times": times, "triples": before, "inferred": inferred}
        if Options.n <= Options.breakdowns():
            # where the time goes: the same run again on a fresh store, through a timing proxy
            spy = _StoreSpy(_ox_store(data, reasoned=False))
            t_spy, _ = _timed(lambda: reason.materialise(spy))  # type: ignore[arg-type]
            times.update({f"reasoning: {k}": v for k, v in spy.spent.items()})
            times["reasoning: reading and closing the axioms, the rest"] = max(
                0.0, t_spy - sum(spy.spent.values()))
        return result
    import owlrl
    from rdflib import Graph
    g = Graph()
    g.parse(data, format="nt")
    g.parse(p.ontology, format="turtle")
    before = len(g)
    t, _ = _timed(lambda: owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g))
    return {"times": {"reasoning (owlrl OWL-RL closure)": t}, "triples": before,
            "inferred": len(g) - before}


class _StoreSpy:
    """Stands in for the store given to ``reason.materialise`` and times its SPARQL updates
    by the rule kind their template shows, its queries and its size checks."""

    KINDS = (("{ ?s ?q ?o }", "sub- and equivalent properties (update)"),
             ("{ ?o ?q ?s }", "inverse properties (update)"),
             ("{ ?x ?q ?z }", "property chains (update)"),
             ("{ ?s a ?q }", "classes (update)"))

    def __init__(self, store: Any) -> None:
        self.store, self.spent = store, {}

    def _add(self, label: str, start: float) -> None:
        self.spent[label] = self.spent.get(label, 0.0) + time.perf_counter() - start

    def update(self, text: str, **kwargs: Any) -> None:
        label = next((name for key, name in self.KINDS if key in text), "other updates")
        start = time.perf_counter()
        self.store.update(text, **kwargs)
        self._add(label, start)

    def __len__(self) -> int:
        start = time.perf_counter()
        n = len(self.store)
        self._add("len(store) checks", start)
        return n

    def query(self, text: str, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = self.store.query(text, **kwargs)   # the engine's own answer: callers check it
        self._add("queries (the count of what was inferred)", start)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def stage_validate(engine: str, data: Path, repeat: int) -> dict:
    """vrgraph.validate.validate as vrgraph runs it (the shapes compiled to SPARQL on
    Oxigraph, ``val.WORKERS`` threads); up to N=100 once more in one thread with its
    parts wrapped in timers (in this process only; validate.py is unchanged); and up to
    N=10 with the pySHACL engine, for comparison."""
    from vrgraph import pipeline
    from vrgraph import validate as val
    p = _project()
    st = _ox_store(data)
    shapes = pipeline.shapes(p)
    t, report = _timed(lambda: val.validate(st, shapes, val.WORKERS))
    times = {f"validation ({val.WORKERS} threads, as vrgraph runs it)": t}
    result = {"times": times, "violations": report.count("Violation"),
              "warnings": report.count("Warning")}
    if Options.n > Options.breakdowns():
        return result
    spent: dict[str, float] = {}

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
        setattr(owner, name, timed)

    wrap(val, "compile_shapes", "compile the shapes to SPARQL")
    from vrgraph.validate import sparql as vsc
    wrap(vsc.SparqlCheck, "run", "SHACL-SPARQL constraints")
    wrap(val, "source_lines", "source lines of the results")
    t1, _ = _timed(lambda: val.validate(st, shapes, 1))
    times["validation (1 thread)"] = t1
    times.update({f"validation: {k}": v for k, v in spent.items()})
    times["validation: the compiled core constraints and their results"] = t1 - sum(spent.values())
    if Options.n <= min(PYSHACL_UP_TO_N, Options.breakdowns()):
        times[f"validation, pySHACL engine ({val.WORKERS} processes)"] = _timed(
            lambda: val.validate(st, shapes, val.WORKERS, "pyshacl"))[0]
    return result


def _queries(skipped: dict[str, str] | None = None) -> dict:
    """The canned queries to time; those in ``Options.skip`` go to ``skipped``."""
    from vrgraph.query.canned import load_queries
    out = {}
    for name, q in load_queries(_project().queries).items():
        if name in Options.skip:
            if skipped is not None:
                skipped[f"query {name}"] = "skipped (--skip-queries)"
        else:
            out[name] = q
    return out


def _params(st: Any, q: Any) -> dict[str, str]:
    """The parameters a canned query is timed with: its defaults, in the first borough (N
    boroughs are N strategies, and a look-up needs to be told which)."""
    from vrgraph.query.strategies import strategies
    return {p.name: strategies(st)[0].key for p in q.params if p.type == "strategy"}


def _median_run(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    runs, value = [], None
    for _ in range(repeat):
        t, value = _timed(fn)
        runs.append(t)
    return statistics.median(runs), value


class _Alarm(Exception):
    pass


def _with_alarm(fn: Callable[[], Any], seconds: int) -> Callable[[], Any]:
    def handler(signum: int, frame: Any) -> None:
        raise _Alarm()

    def run() -> Any:
        old = signal.signal(signal.SIGALRM, handler)
        signal.alarm(seconds)
        try:
            return fn()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    return run


def stage_queries(engine: str, data: Path, repeat: int) -> dict:
    """Every canned query on the graph as ``pipeline.load`` makes it (parsed, reasoned, the
    evidence matches found: without them the alignment queries answer otherwise), on each
    engine."""
    from vrgraph import evidence, reason
    from vrgraph import store as vst
    from vrgraph.query import run_canned
    from vrgraph.query.binding import bind
    p = _project()
    times: dict[str, float | str] = {}
    t_load, st = _timed(lambda: vst.load([data], [p.ontology], p.root))
    t_reason, _ = _timed(lambda: reason.materialise(st))
    t_match, _ = _timed(lambda: evidence.derive(st))
    times["queries: load first (pyoxigraph)"] = t_load
    times["queries: reason first (pyoxigraph)"] = t_reason
    times["queries: evidence matches first (pyoxigraph)"] = t_match
    queries = _queries(times)
    rows: dict[str, int] = {}
    if engine == "pyoxigraph":
        for name, q in queries.items():
            values = _params(st, q)
            t, table = _median_run(lambda q=q, v=values: run_canned(st, q, v), repeat)
            times[f"query {name}"], rows[name] = t, len(table.rows)
            _progress({"times": times, "rows": rows})
        return {"times": times, "rows": rows}
    from rdflib import Graph
    if engine == "rdflib":
        g = vst.graph(st)
    else:
        import pyoxigraph as ox
        g = Graph(store="Oxigraph")
        g.parse(data=ox.serialize((quad.triple for quad in st), format=ox.RdfFormat.N_TRIPLES),
                format="ox-nt")
    for name, q in queries.items():
        bindings = {v.value: vst.to_rdflib(term) for v, term in bind(st, q, _params(st, q)).items()}
        try:
            t, result = _median_run(_with_alarm(
                lambda q=q, b=bindings: list(g.query(q.text, initBindings=b)), QUERY_ALARM_S),
                repeat)
            times[f"query {name}"], rows[name] = t, len(result)
        except _Alarm:
            times[f"query {name}"] = f"> {QUERY_ALARM_S} s"
        _progress({"times": times, "rows": rows})
    return {"times": times, "rows": rows}


def stage_publish(engine: str, data: Path, repeat: int) -> dict:
    try:
        from vrgraph.publish import publish
    except ImportError:
        return {"times": {}, "skipped": "no vrgraph/publish/"}
    from vrgraph.project import Project
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "project"
        for part in ("data", "ontology", "queries"):
            shutil.copytree(ROOT / part, scratch / part)
        shutil.copyfile(data, scratch / "data/graph.ttl")  # N-Triples is valid Turtle
        t, files = _timed(lambda: publish(Project(scratch), scratch / "out/release"))
        return {"times": {"publish": t}, "files": len(files)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph_binary() -> str | None:
    return shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))


def stage_endpoint(engine: str, data: Path, repeat: int) -> dict:
    """An Oxigraph server (in memory, 127.0.0.1): push the reasoned graph, then time every
    canned query over HTTP (parameter look-ups included, as the CLI would do them)."""
    from vrgraph.remote.endpoint import remote_store
    from vrgraph.remote.push import put_triples
    binary = _oxigraph_binary()
    if binary is None:
        return {"times": {}, "skipped": "no oxigraph binary (pip install -e '.[bench]')"}
    st = _ox_store(data)
    triples = [quad.triple for quad in st]
    port = _free_port()
    server = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times: dict[str, float] = {}
    rows: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 20
        while True:  # bounded: 20 s
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D",
                                            timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    return {"times": {}, "skipped": "the oxigraph server did not start"}
                time.sleep(0.1)
        times["endpoint push (reasoned graph, HTTP PUT)"], _ = _timed(
            lambda: put_triples(f"http://127.0.0.1:{port}/store", triples))
        triples.clear()  # free it before the queries
        remote = remote_store(f"http://127.0.0.1:{port}/query", timeout=600)
        skipped: dict[str, str] = {}
        for name, q in _queries(skipped).items():
            values = _params(remote, q)
            t, table = _median_run(lambda q=q, v=values: remote.run_canned(q, v), repeat)
            times[f"endpoint query {name}"], rows[name] = t, len(table.rows)
            _progress({"times": times, "rows": rows})
        times.update({f"endpoint {k}": v for k, v in skipped.items()})
    finally:
        server.terminate()
        try:
            _, _, usage = os.wait4(server.pid, 0)
            server_mb = usage.ru_maxrss / 1024
        except ChildProcessError:
            server_mb = None
    return {"times": times, "rows": rows, "server_peak_mb": server_mb}


def stage_store(engine: str, data: Path, repeat: int) -> dict:
    """The kept store (vrgraph.store.disk) built, as ``vrgraph build`` or the first command
    that needs it builds it (vrgraph.bulk: parse, reason and write chunk by chunk, then the
    chains and the evidence matches), with the seconds of each phase."""
    from vrgraph import bulk, pipeline
    os.environ["VRGRAPH_STORE_MIN_MB"] = "0"   # kept at every N here (vrgraph keeps >= 32 MB)
    p = _project()
    times: dict[str, float] = {}
    build = bulk.build

    def timed_build(*args: Any, **kwargs: Any) -> None:  # the phases, told at the end
        build(*args, **kwargs, progress=lambda phase, s: times.__setitem__(
            f"store build: {phase}", s))
    bulk.build = timed_build  # type: ignore[assignment]  # in this process only
    t, st = _timed(lambda: pipeline.open_graph(p, [data]))
    times["store build (parse, reason, match, write), as a command"] = t
    return {"times": times, "triples": len(st)}


def stage_stored(engine: str, data: Path, repeat: int) -> dict:
    """What every later command does: open the kept store (checking its key), then every
    canned query and the validation on it."""
    from vrgraph import pipeline
    from vrgraph import validate as val
    from vrgraph.query import run_canned
    os.environ["VRGRAPH_STORE_MIN_MB"] = "0"
    p = _project()
    t, st = _timed(lambda: pipeline.open_graph(p, [data]))
    times: dict[str, float] = {"stored: open the graph": t}
    rows: dict[str, int] = {}
    for name, q in _queries(times).items():
        values = _params(st, q)
        t, table = _median_run(lambda q=q, v=values: run_canned(st, q, v), repeat)
        times[f"stored query {name}"], rows[name] = t, len(table.rows)
        _progress({"times": times, "rows": rows})
    shapes = pipeline.shapes(p)
    times[f"stored: validation ({val.WORKERS} threads)"], report = _timed(
        lambda: val.validate(st, shapes, val.WORKERS))
    return {"times": times, "rows": rows, "violations": report.count("Violation"),
            "warnings": report.count("Warning")}


def _command(args: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds of ``vrgraph ARGS`` in a new process, and its peak memory (MB)."""
    runs, peak = [], 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "vrgraph.cli", *args], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        runs.append(time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss / 1024)
        if status != 0:
            raise RuntimeError(f"vrgraph {' '.join(args)} failed: "
                               f"{child.stderr.read().decode()[-300:] if child.stderr else ''}")
    return statistics.median(runs), peak


def stage_commands(engine: str, data: Path, repeat: int) -> dict:
    """The commands as a user runs them, each a new process, the store kept from the first
    run (untimed): ``query run`` on the N strategies (--data) run again, and at N=1 ``vrgraph
    report`` and ``query run`` on the project's own graph."""
    times: dict[str, float] = {}
    peaks: dict[str, float] = {}
    again = ["query", "run", COMMAND_QUERY, "--data", str(data), "--format", "csv"]
    _command(again, 1)
    key = f"command: query run {COMMAND_QUERY} --data, run again"
    times[key], peaks[key] = _command(again, repeat)
    # run again, the command prints its kept answer (vrgraph.kept); asked in another
    # format, the same query runs on the kept store: once, as a user would see it
    key = f"command: query run {COMMAND_QUERY} --data, first on the kept store"
    times[key], peaks[key] = _command([*again[:-1], "json"], 1)
    if Options.n == 1:
        with tempfile.TemporaryDirectory() as tmp:
            for label, args in (("command: vrgraph report", ["report", "-o", f"{tmp}/r.html"]),
                                (f"command: vrgraph query run {COMMAND_QUERY}",
                                 ["query", "run", COMMAND_QUERY])):
                _command(args, 1)
                times[label], peaks[label] = _command(args, repeat)
    return {"times": times, "command_peak_mb": peaks}


CHILD = {"build": stage_build, "load": stage_load, "reason": stage_reason,
         "validate": stage_validate, "queries": stage_queries, "publish": stage_publish,
         "endpoint": stage_endpoint, "store": stage_store, "stored": stage_stored,
         "commands": stage_commands}


def child(stage: str, engine: str, data: Path, repeat: int, n: int, skip: str,
          quick: bool = False) -> None:
    Options.n, Options.skip, Options.quick = n, tuple(s for s in skip.split(",") if s), quick
    result = CHILD[stage](engine, data, repeat)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


# ==================================== parent: the run =======================================
def _applies(stage: str, engine: str, n: int, quick: bool = False) -> bool:
    limit = (QUICK_LIMITS if quick else {}).get((stage, engine), LIMITS.get((stage, engine)))
    return limit is not None and n <= limit


def run_stage(stage: str, engine: str, n: int, data: Path, repeat: int, timeout: float,
              skip: tuple[str, ...] = (), quick: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--engine", engine,
           "--data", str(data), "--repeat", str(repeat), "--n", str(n),
           "--skip", ",".join(skip)] + (["--quick"] if quick else [])
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if not lines:
            return {"error": f"> {timeout:g} s (stopped)"}
        result = json.loads(lines[-1])
        result["stopped"] = f"stopped at {timeout:g} s"
        return result
    wall = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"failed: {last[:120]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value >= 10:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.1f} s"
    return f"{value * 1000:.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def _render(head: list[str], body: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in [head, *body])


def table(results: dict, sizes: list[int], markdown: bool) -> str:
    """The stages: one row per (measure, engine), one column per N; the canned queries
    are summed here (every one of them, and the slowest) and listed in :func:`query_table`."""
    rows: dict[tuple[str, str], dict[int, str]] = {}
    order: list[tuple[str, str]] = []

    def put(label: str, engine: str, n: int, text: str) -> None:
        key = (label, engine)
        if key not in rows:
            rows[key] = {}
            order.append(key)
        rows[key][n] = text

    for (stage, engine, n), r in sorted(results.items(), key=lambda kv: (
            STAGES.index(kv[0][0]), ENGINES.index(kv[0][1]), kv[0][2])):
        if "error" in r or r.get("skipped"):
            put(stage, engine, n, r.get("error") or f"skipped: {r['skipped']}")
            continue
        queries = {k: v for k, v in r["times"].items() if _is_query(k)}
        for label, t in r["times"].items():
            if label not in queries:
                put(label, engine, n, _cell(t))
        if queries:
            prefix = f"{stage}: " if stage in ("endpoint", "stored") else ""
            done = [v for v in queries.values() if not isinstance(v, str)]
            cut = sum(1 for v in queries.values() if isinstance(v, str) and v.startswith(">"))
            skipped = sum(1 for v in queries.values() if isinstance(v, str) and "skipped" in v)
            put(f"{prefix}canned queries run, summed", engine, n,
                f"{_cell(sum(done))} ({len(done)} of {len(queries)}"
                + (f"; {cut} cut at {QUERY_ALARM_S} s" if cut else "")
                + (f"; {skipped} skipped" if skipped else "") + ")")
            name, worst = max(((k, v) for k, v in queries.items() if not isinstance(v, str)),
                              key=lambda kv: kv[1], default=("", 0.0))
            put(f"{prefix}slowest canned query", engine, n,
                f"{_cell(worst)} ({name.split('query ', 1)[1]})" if name else "-")
        put(f"{stage}: peak memory (process)", engine, n, f"{r['peak_mb']:.0f} MB")
        if r.get("stopped"):
            put(f"{stage}: stopped", engine, n, f"{r['stopped']}, the rest not measured")
        for label, mb in (r.get("command_peak_mb") or {}).items():
            put(f"{label}: peak memory", engine, n, f"{mb:.0f} MB")
        if r.get("server_peak_mb"):
            put("endpoint: peak memory (server)", engine, n, f"{r['server_peak_mb']:.0f} MB")
        if "triples" in r and stage in ("load", "build"):
            put(f"triples ({stage})", engine, n, f"{r['triples']:,}")
        if "inferred" in r:
            put(f"{stage}: triples inferred", engine, n, f"{r['inferred']:,}"
                + (f" in {r['rounds']} rounds" if r.get("rounds") else ""))
        if "violations" in r:
            put("validation: violations / warnings", engine, n,
                f"{r['violations']:,} / {r['warnings']:,}")
    head = ["measure", "engine"] + [f"N={n}" for n in sizes]
    body = [[label, engine] + [rows[(label, engine)].get(n, "-") for n in sizes]
            for label, engine in order]
    return _render(head, body, markdown)


def query_table(results: dict, markdown: bool) -> str:
    """Every canned query: one row each, one column per (engine, N) that ran queries."""
    columns = sorted(((s, e, n) for (s, e, n), r in results.items()
                      if s in ("queries", "endpoint", "stored") and r.get("times")),
                     key=lambda c: (STAGES.index(c[0]), ENGINES.index(c[1]), c[2]))
    names: list[str] = []
    for column in columns:
        for name in _query_times(results[column]):
            if name not in names:
                names.append(name)
    head = ["canned query"] + [f"{e}{' (kept store)' if s == 'stored' else ''} N={n}"
                               for s, e, n in columns]
    body = []
    for name in sorted(names):
        row = [name]
        for column in columns:
            t = _query_times(results[column]).get(name)
            row.append("-" if t is None else _cell(t))
        body.append(row)
    return _render(head, body, markdown)


def _is_query(label: str) -> bool:
    return label.startswith(("query ", "endpoint query ", "stored query "))


def _query_times(r: dict) -> dict[str, float | str]:
    return {k.split("query ", 1)[1]: v for k, v in r.get("times", {}).items() if _is_query(k)}


def _time(results: dict, stage: str, n: int, label: str) -> float | None:
    t = results.get((stage, "pyoxigraph", n), {}).get("times", {}).get(label)
    return t if isinstance(t, (int, float)) else None


# The rows of issue 21's table of targets, as it lists them: (measure, N, what the issue
# measured before the work, the target). Each is found in the results by ``_issue_figure``.
ISSUE_ROWS = (
    ("N=1 vrgraph report", 1, "1.77 s", "<= 0.5 s"),
    ("N=1 vrgraph query run NAME", 1, "0.94 s", "<= 0.3 s"),
    ("N=100 a command run again on the same data", 100, "11.0 s", "<= 2x the same at N=1"),
    ("N=100 every canned query", 100, "<= 1.2 s", "<= 0.3 s each"),
    ("N=1000 open the graph for any command", 1000, "65 s", "<= 1 s"),
    ("N=1000 every canned query", 1000, "<= 29 s", "<= 1 s each"),
    ("N=1000 reasoning (when the store is built)", 1000, "26 s", "<= 10 s"),
    ("N=1000 validation", 1000, "32 s", "<= 10 s"),
    ("N=1000 peak memory of any command", 1000, "5.0 GB", "<= 2 GB"),
)
# how to measure a row this run did not measure
_ISSUE_HOW = {
    "report": "--sizes 1 --stages commands", "query run": "--sizes 1 --stages commands",
    "again": "--sizes 1,N --stages commands", "canned": "--sizes N --stages store,stored",
    "open": "--sizes N --stages stored", "reasoning": "--sizes N --stages store",
    "validation": "--sizes N --stages stored", "memory": "--sizes N --stages stored,commands",
}


def _again(results: dict, n: int) -> float | None:
    return _time(results, "commands", n, f"command: query run {COMMAND_QUERY} --data, run again")


def _slowest_query(results: dict, n: int) -> tuple[str, float] | None:
    q = {k: v for k, v in _query_times(results.get(("stored", "pyoxigraph", n), {})).items()
         if not isinstance(v, str)}
    return max(q.items(), key=lambda kv: kv[1]) if q else None


def _peak(results: dict, n: int) -> float | None:
    peaks = [r["peak_mb"] for (s, e, m), r in results.items()
             if m == n and s in ("stored", "commands") and "peak_mb" in r]
    peaks += [mb for (s, e, m), r in results.items() if m == n
              for mb in (r.get("command_peak_mb") or {}).values()]
    return max(peaks, default=None)


def _validation(results: dict, n: int) -> float | None:
    v = results.get(("stored", "pyoxigraph", n), {}).get("times", {})
    return next((t for k, t in v.items() if k.startswith("stored: validation")), None)


def _issue_figure(results: dict, measure: str, n: int) -> tuple[str, bool] | str:
    """The figure this run measured for one of issue 21's rows at ``n``, and whether it
    meets the target; a string saying how to measure it where this run did not."""
    def met(figure: float, limit: float, note: str = "") -> tuple[str, bool]:
        return _cell(figure) + note, figure <= limit

    if "report" in measure:
        kind, t = "report", _time(results, "commands", n, "command: vrgraph report")
        return met(t, 0.5) if t is not None else kind
    if "query run NAME" in measure:
        kind, t = "query run", _time(results, "commands", n,
                                     f"command: vrgraph query run {COMMAND_QUERY}")
        return met(t, 0.3) if t is not None else kind
    if "run again" in measure:
        t, one = _again(results, n), _again(results, 1)
        if t is None or one is None:
            return "again"
        return met(t, 2 * one, f" (N=1: {_cell(one)})")
    if "canned query" in measure:
        worst = _slowest_query(results, n)
        return met(worst[1], 1.0 if n >= 1000 else 0.3, f" (slowest: {worst[0]})") \
            if worst else "canned"
    if "open the graph" in measure:
        t = _time(results, "stored", n, "stored: open the graph")
        return met(t, 1.0) if t is not None else "open"
    if "reasoning" in measure:
        t = _time(results, "store", n, "store build: reasoning")
        return met(t, 10.0) if t is not None else "reasoning"
    if "validation" in measure:
        t = _validation(results, n)
        return met(t, 10.0) if t is not None else "validation"
    mb = _peak(results, n)
    return (f"{mb / 1024:.1f} GB", mb <= 2048) if mb is not None else "memory"


def issue_targets(results: dict) -> list[list[str]]:
    """Issue 21's table of targets as it lists it: measure, what the issue measured before,
    the target, the figure of this run and whether it is met (or how to measure it); then
    the same measures at the other sizes this run measured."""
    rows: list[list[str]] = []
    measured = sorted({n for (_, _, n) in results})
    for measure, n, before, target in ISSUE_ROWS:
        found = _issue_figure(results, measure, n)
        if isinstance(found, str):
            how = _ISSUE_HOW[found].replace("N", str(n)) if n > 1 else _ISSUE_HOW[found]
            rows.append([measure, before, target, f"not measured ({how})", "-"])
        else:
            rows.append([measure, before, target, found[0], "yes" if found[1] else "NO"])
    for measure, n, _, target in ISSUE_ROWS:
        for other in measured:
            if other == n or (other == 1 and "run again" in measure):
                continue
            found = _issue_figure(results, measure, other)
            if not isinstance(found, str):
                label = measure.replace(f"N={n} ", f"N={other} ", 1)
                if all(row[0] != label for row in rows):   # the issue's own row first
                    rows.append([label, "-", target, found[0], "yes" if found[1] else "NO"])
    return rows


def targets(results: dict) -> list[str]:
    """The N=100 targets and the N=1000 one, checked."""
    out = []
    q = _query_times(results.get(("queries", "pyoxigraph", 100), {}))
    ran = {k: v for k, v in q.items() if not isinstance(v, str)}
    if ran:
        worst = max(ran.items(), key=lambda kv: kv[1])
        slow = sorted(k for k, v in ran.items() if v > 1)
        skipped = sorted(k for k, v in q.items() if isinstance(v, str))
        out.append(f"N=100 every canned query <= 1 s (pyoxigraph): "
                   f"{'yes' if not slow else 'NO: ' + ', '.join(slow)} "
                   f"(slowest {worst[0]} {_cell(worst[1])}"
                   + (f"; not run: {', '.join(skipped)}" if skipped else "") + ")")
    r = results.get(("reason", "pyoxigraph", 100), {}).get("times", {}).get("reasoning")
    if r is not None:
        out.append(f"N=100 reasoning <= 2 s: {'yes' if r <= 2 else 'NO'} ({_cell(r)})")
    for n, limit in ((100, 5), (1000, 30)):  # issue 10: the spec on any shapes, at speed
        v = results.get(("validate", "pyoxigraph", n), {})
        if "times" in v:
            t = next(t for k, t in v["times"].items() if k.startswith("validation ("))
            out.append(f"N={n} validation <= {limit} s: {'yes' if t <= limit else 'NO'} "
                       f"({_cell(t)})")
        elif "error" in v:
            out.append(f"N={n} validation <= {limit} s: NO ({v['error']})")
    big = results.get(("queries", "pyoxigraph", 1000))
    if big is not None:
        answered = _query_times(big)
        ok = bool(answered) and all(not isinstance(t, str) or "skipped" in t
                                    for t in answered.values())
        out.append(f"N=1000 loads and answers (pyoxigraph): {'yes' if ok else 'NO'}"
                   + (f" ({big['error']})" if "error" in big else ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="N = 1 and 10, each query once, no slow engine or breakdown")
    parser.add_argument("--sizes", default=None, help="comma-separated N (default 1,10,100,1000)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per query (median; 3, or 1 with --quick)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per stage process")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", type=Path, default=None, help="also write raw results here")
    parser.add_argument("--skip-queries", default="", metavar="NAMES",
                        help="comma-separated canned queries not to time")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # the synthetic N=1000 graph (about 700 MB of N-Triples) is past the readers' default
    # budget of 256 MB for one file: a deployment that size raises it the same way
    os.environ.setdefault("VRGRAPH_MAX_INPUT_MB", "4096")
    if args.stage:
        child(args.stage, args.engine, args.data, args.repeat or 1, args.n, args.skip,
              args.quick)
        return
    repeat = args.repeat or (1 if args.quick else 3)

    from vrgraph import synthetic
    sizes = [1, 10] if args.quick else [int(s) for s in (args.sizes or "1,10,100,1000").split(",")]
    engines = [e for e in args.engines.split(",") if e]
    stages = [s for s in args.stages.split(",") if s]
    results: dict[tuple[str, str, int], dict] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vrgraph-scale-") as tmp:
        # the kept stores (vrgraph.store.disk) of every stage process, removed after each N
        os.environ["VRGRAPH_STORE"] = str(Path(tmp) / "stores")
        for n in sizes:
            data = Path(tmp) / f"boroughs-{n}.nt"
            t, count = _timed(lambda data=data, n=n: synthetic.write(ROOT / "data/graph.ttl", data, n,
                                                                 args.seed))
            print(f"N={n}: {count:,} triples generated in {_cell(t)}", file=sys.stderr)
            for stage in stages:
                for engine in engines:
                    if not _applies(stage, engine, n, args.quick):
                        continue
                    skip = tuple(q for q in args.skip_queries.split(",") if q)
                    r = run_stage(stage, engine, n, data, repeat, args.timeout, skip,
                                  args.quick)
                    results[(stage, engine, n)] = r
                    print(f"  {stage:9} {engine:10} "
                          f"{r.get('error') or r.get('skipped') or _cell(r['process_s'])}",
                          file=sys.stderr)
            data.unlink()
            shutil.rmtree(Path(tmp) / "stores", ignore_errors=True)
    print(table(results, sizes, args.markdown))
    print()
    print(query_table(results, args.markdown))
    print()
    goals = issue_targets(results)
    if goals:
        print(_render(["issue 21 target", "issue (before)", "target", "now", "met"], goals,
                      args.markdown))
        print()
    for line in targets(results):
        print(line)
    print(f"\n(total {_cell(time.perf_counter() - started)}; machine: {os.cpu_count()} cores; "
          f"figures are single runs per process, queries the median of {repeat})")
    if args.json:
        args.json.write_text(json.dumps({f"{s}|{e}|{n}": r for (s, e, n), r in results.items()},
                                        indent=1))


if __name__ == "__main__":
    main()
