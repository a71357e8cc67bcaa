"""Mixed load on ``vrgraph serve``: cheap queries keep flowing while runaway queries run.

Starts ``vrgraph serve`` on a free loopback port (a separate process, as a user runs it),
keeps ``--runaways`` runaway queries (a cross join sorted: they run until the time limit)
going from their own clients, and meanwhile fires ``--rounds`` bursts of ``--burst``
concurrent cheap queries (each from its own connection, all released at once). Prints the
status codes, throughput, p50/p90/p99/max latency of the cheap queries, what became of the
runaways, and the server process's memory (RSS, workers not included) before and after.

    python benchmarks/serve_load.py                 # 4 runaways, 5 bursts of 200
    python benchmarks/serve_load.py --runaways 0    # the same bursts on a quiet server

The target (issue "Serve safely on real parts"): every cheap query answered 200, p99 under
2 s, server memory growth under 50 MB. Figures are in docs/engines.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNAWAY = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i")
CHEAP = [
    "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}),
    "/sparql?" + urllib.parse.urlencode({"query": (
        "PREFIX vr: <https://w3id.org/vrgraph/def/> "
        "SELECT ?p WHERE { ?p a vr:Principle } ORDER BY ?p")}),
    "/queries/principles-without-actions",
    "/queries/actions-for-principle?principle=SP3",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def get(port: int, path: str, timeout: float = 60) -> tuple[int, float]:
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, time.monotonic() - start
    except OSError as err:
        return -1 if not isinstance(err, ConnectionResetError) else -2, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runaways", type=int, default=4)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vrgraph.cli", "serve", "--port", str(port),
         "--timeout", str(args.timeout)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        banner = server.stderr.readline()
        if "vrgraph serve: http" not in banner:
            sys.exit(f"the server did not start: {banner}")
        drain = threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True)
        drain.start()
        for path in CHEAP:  # warm up, and check every cheap query works
            status, _ = get(port, path)
            assert status == 200, (path, status)
        before = rss_mb(server.pid)

        stop = threading.Event()
        runaway_results: Counter[int] = Counter()

        def runaway() -> None:
            path = "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY})
            while not stop.is_set():
                status, _ = get(port, path, timeout=args.timeout + 30)
                runaway_results[status] += 1

        runners = [threading.Thread(target=runaway, daemon=True) for _ in range(args.runaways)]
        for t in runners:
            t.start()
        time.sleep(1.0 if args.runaways else 0)  # let them reach the slow lane

        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        lock = threading.Lock()

        def cheap(i: int, gate: threading.Barrier) -> None:
            gate.wait()
            status, seconds = get(port, CHEAP[i % len(CHEAP)])
            with lock:
                statuses[status] += 1
                latencies.append(seconds)

        started = time.monotonic()
        for _ in range(args.rounds):
            gate = threading.Barrier(args.burst)
            clients = [threading.Thread(target=cheap, args=(i, gate)) for i in range(args.burst)]
            for t in clients:
                t.start()
            for t in clients:
                t.join()
        elapsed = time.monotonic() - started
        after = rss_mb(server.pid)
        stop.set()
        for t in runners:
            t.join(timeout=args.timeout + 35)

        latencies.sort()
        q = statistics.quantiles(latencies, n=100)
        total = len(latencies)
        print(f"cheap queries: {total} in {args.rounds} bursts of {args.burst} concurrent, "
              f"with {args.runaways} runaway queries running")
        print(f"  statuses: {dict(sorted(statuses.items()))}  (-1: connection failed, "
              f"-2: connection reset)")
        print(f"  throughput: {total / elapsed:.0f} queries/s over {elapsed:.1f} s")
        print(f"  latency: p50 {q[49] * 1000:.0f} ms, p90 {q[89] * 1000:.0f} ms, "
              f"p99 {q[98] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
        print(f"runaway queries: {dict(sorted(runaway_results.items()))}")
        print(f"server memory (RSS, without workers): {before:.0f} MB before, {after:.0f} MB "
              f"after ({after - before:+.0f} MB)")
        ok = (statuses.get(200, 0) == total and q[98] < 2.0 and after - before < 50)
        print("target (all 200, p99 < 2 s, growth < 50 MB):", "met" if ok else "NOT met")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
