"""Mixed load on ``vrgraph serve``: cheap queries keep flowing while runaway queries run,
or while slow clients trickle their requests.

Starts ``vrgraph serve`` on a free loopback port (a separate process, as a user runs it),
keeps ``--runaways`` runaway queries (a cross join sorted: they run until the time limit)
going from their own clients (address 127.0.0.1), and meanwhile fires ``--rounds`` bursts of
``--burst`` concurrent cheap queries (each from its own connection, all released at once,
spread over the 8 addresses 127.0.1.1-8: many users, not one). Prints the status codes,
throughput, p50/p90/p99/max latency of the cheap queries, what became of the runaways, and
the server process's memory (RSS, workers not included) before and after.

With ``--slow-clients N``, N connections from one address (127.0.0.2) each send a request
line and then one header line every ``--trickle`` seconds, never ending their request, for
``--attack-seconds`` (a slowloris; one that is cut or refused reconnects a second later,
at most ``--reconnect-rate`` a second, 50 by default: a slowloris keeping its count up;
a flood of new connections is a firewall's matter, see docs/serving.md);
the bursts of cheap queries run for the whole attack, and the server's memory is sampled
every half second (its largest value is printed). Loopback only; the run is bounded by
``--attack-seconds``.

    python benchmarks/serve_load.py                 # 4 runaways, 5 bursts of 200
    python benchmarks/serve_load.py --runaways 0    # the same bursts on a quiet server
    python benchmarks/serve_load.py --runaways 0 --slow-clients 1000   # 45 s of slowloris

The target (issues "Serve safely on real parts" and "Confined everywhere"): every cheap query
answered 200, p99 under 2 s, server memory growth under 50 MB. Figures are in
docs/engines.md and docs/serving.md.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

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


def get(port: int, path: str, timeout: float = 60, source: str | None = None
        ) -> tuple[int, float]:
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status, time.monotonic() - start
    except OSError as err:
        return -1 if not isinstance(err, ConnectionResetError) else -2, time.monotonic() - start


class Trickler:
    """``count`` connections from ``source`` that each send a request line, then a header
    line every ``every`` seconds, and never finish; a connection the server answers or
    closes is counted by outcome and opened again a second later at the earliest, at most
    ``rate`` a second."""

    def __init__(self, port: int, count: int, every: float, rate: float,
                 source: str = "127.0.0.2") -> None:
        self.port, self.count, self.every, self.source = port, count, every, source
        self.rate = rate  # connections opened again per second, at most
        self.opened = 0
        self.outcomes: Counter[str] = Counter()
        self.open_at_end = 0
        self.most_open = 0

    def run(self, until: float) -> None:
        selector = selectors.DefaultSelector()
        conns: dict[socket.socket, list] = {}  # socket -> [next send, lines sent, answer]
        again: list[float] = []

        def open_one(offset: float) -> None:
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind((self.source, 0))
                s.connect_ex(("127.0.0.1", self.port))
            except OSError:
                s.close()
                self.outcomes["connect failed"] += 1
                again.append(time.monotonic() + 1)
                return
            conns[s] = [time.monotonic() + offset, 0, b""]
            selector.register(s, selectors.EVENT_READ)
            self.opened += 1

        for i in range(self.count):
            open_one(self.every * i / self.count)
        while time.monotonic() < until:
            now = time.monotonic()
            for key, _ in selector.select(timeout=0.1):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                    conns[s][2] = conns[s][2] or b"reset"
                if data:
                    conns[s][2] += data
                    continue
                answer = conns.pop(s)[2]
                outcome = (answer[9:12].decode() if answer.startswith(b"HTTP/") else
                           "reset" if answer == b"reset" else "closed, no answer")
                self.outcomes[outcome] += 1
                selector.unregister(s)
                s.close()
                again.append(max(now + 1, (again[-1] if again else now) + 1 / self.rate))
            for s, state in conns.items():
                if state[0] <= now and not state[2]:
                    line = (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" if not state[1]
                            else b"X-Trickle-%d: x\r\n" % state[1])
                    try:
                        s.send(line)
                        state[1] += 1
                    except OSError:
                        pass  # not connected yet: next time
                    state[0] = now + self.every
            self.most_open = max(self.most_open, len(conns))
            while again and again[0] <= now:
                again.pop(0)
                open_one(0)
        self.open_at_end = len(conns)
        for s in conns:
            s.close()
        selector.close()


def attack_from(trickler: Trickler, seconds: float, results: Any) -> None:
    """Run ``trickler`` for ``seconds`` (in a process of its own, at the lowest priority:
    an attacker's processor is not the server's) and send it back."""
    os.nice(19)
    trickler.run(time.monotonic() + seconds)
    results.put(trickler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runaways", type=int, default=4)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--slow-clients", type=int, default=0,
                        help="connections from one address that trickle their headers")
    parser.add_argument("--trickle", type=float, default=3.0,
                        help="seconds between a slow client's header lines")
    parser.add_argument("--attack-seconds", type=float, default=45.0)
    parser.add_argument("--reconnect-rate", type=float, default=50.0,
                        help="connections a second the slow clients open again, at most")
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
            status, seconds = get(port, CHEAP[i % len(CHEAP)], source=f"127.0.1.{1 + i % 8}")
            with lock:
                statuses[status] += 1
                latencies.append(seconds)

        trickler = None
        largest = [before]
        if args.slow_clients:
            # the attacker in a process of its own, so that it does not slow the cheap
            # clients down by holding this process's interpreter lock
            trickler = Trickler(port, args.slow_clients, args.trickle, args.reconnect_rate)
            attack_ends = time.monotonic() + args.attack_seconds
            results = multiprocessing.get_context("spawn").Queue()
            attack = multiprocessing.get_context("spawn").Process(
                target=attack_from, args=(trickler, args.attack_seconds, results), daemon=True)
            attack.start()

            def sample() -> None:
                while attack.is_alive():
                    largest[0] = max(largest[0], rss_mb(server.pid))
                    time.sleep(0.5)

            threading.Thread(target=sample, daemon=True).start()
            time.sleep(min(5.0, args.attack_seconds / 4))  # let the connections pile up

        started = time.monotonic()
        rounds = 0
        while rounds < args.rounds or (trickler and time.monotonic() < attack_ends - 1):
            gate = threading.Barrier(args.burst)
            clients = [threading.Thread(target=cheap, args=(i, gate)) for i in range(args.burst)]
            for t in clients:
                t.start()
            for t in clients:
                t.join()
            rounds += 1
        elapsed = time.monotonic() - started
        after = rss_mb(server.pid)
        largest[0] = max(largest[0], after)
        stop.set()
        if trickler:
            trickler = results.get(timeout=args.attack_seconds + 30)
            attack.join(timeout=10)
        for t in runners:
            t.join(timeout=args.timeout + 35)

        latencies.sort()
        q = statistics.quantiles(latencies, n=100)
        total = len(latencies)
        print(f"cheap queries: {total} in {rounds} bursts of {args.burst} concurrent, "
              f"with {args.runaways} runaway queries running"
              + (f" and {args.slow_clients} slow clients from one address trickling a header "
                 f"line every {args.trickle:g} s for {args.attack_seconds:g} s (opening again "
                 f"at most {args.reconnect_rate:g} a second)"
                 if trickler else ""))
        print(f"  statuses: {dict(sorted(statuses.items()))}  (-1: connection failed, "
              f"-2: connection reset)")
        print(f"  throughput: {total / elapsed:.0f} queries/s over {elapsed:.1f} s")
        print(f"  latency: p50 {q[49] * 1000:.0f} ms, p90 {q[89] * 1000:.0f} ms, "
              f"p99 {q[98] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
        print(f"runaway queries: {dict(sorted(runaway_results.items()))}")
        if trickler:
            print(f"slow clients: {trickler.opened} connections opened, at most "
                  f"{trickler.most_open} open at once, {trickler.open_at_end} open at the end; "
                  f"ended by: {dict(sorted(trickler.outcomes.items()))}")
        print(f"server memory (RSS, without workers): {before:.0f} MB before, {after:.0f} MB "
              f"after ({after - before:+.0f} MB), {largest[0]:.0f} MB at most")
        ok = (statuses.get(200, 0) == total and q[98] < 2.0 and largest[0] - before < 50)
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
