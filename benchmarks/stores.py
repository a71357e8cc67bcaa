"""Every canned query embedded and on real SPARQL stores, and the report's time on each.

    python benchmarks/stores.py [--runs 3]

Starts an Oxigraph server (PyPI ``oxigraph``) and, where Debian's ``virtuoso-opensource``
is installed, Virtuoso (stock limits, Digest authentication for writes) on 127.0.0.1 in a
temporary folder; pushes the reasoned graph to each with ``vrgraph push``; compares every
canned query row by row with the embedded store (``tests/stores.py``: same rows, same
order, same terms); times ``vrgraph report`` against each (best of ``--runs``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stores import (  # noqa: E402
    VIRTUOSO_PASSWORD,
    VIRTUOSO_USER,
    Oxigraph,
    Unavailable,
    Virtuoso,
    differences,
)
from vrgraph import pipeline  # noqa: E402
from vrgraph.project import Project  # noqa: E402
from vrgraph.query.canned import load_queries  # noqa: E402
from vrgraph.remote.client import Credentials  # noqa: E402
from vrgraph.remote.endpoint import RemoteStore  # noqa: E402
from vrgraph.remote.push import push  # noqa: E402


def best(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    project = Project(ROOT)
    queries = load_queries(project.queries)
    embedded = pipeline.load(project)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        rows = [("embedded", "-", best(args.runs, lambda: pipeline.report(project, out)))]
        for name, start in (("Oxigraph server", lambda: Oxigraph(Path(tmp) / "ox" / "db")),
                            ("Virtuoso", lambda: Virtuoso(Path(tmp) / "virtuoso"))):
            try:
                server = start()
            except Unavailable as why:
                print(f"{name}: skipped ({why})")
                continue
            try:
                auth = (Credentials(VIRTUOSO_USER, VIRTUOSO_PASSWORD)
                        if isinstance(server, Virtuoso) else None)
                _, graph = push(pipeline.load(project), server.store, auth=auth)
                store = RemoteStore(server.query, graph)
                diff = differences(embedded, store, queries)
                for query, what in diff.items():
                    print(f"  {name}: {query}: {what}")
                agree = f"{len(queries) - len(diff)}/{len(queries)}"
                seconds = best(args.runs, lambda server=server, graph=graph: pipeline.report(
                    project, out, endpoint=server.query, graph=graph))
                rows.append((name, agree, seconds))
            finally:
                server.stop()
    print("| store | canned queries agreeing row by row | report (s) |\n|---|---|---|")
    for name, agree, seconds in rows:
        print(f"| {name} | {agree} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
