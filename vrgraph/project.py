"""Where the project's files are: the source copy, curation, ontology, shapes, queries.

The layout is the repository's (``ontology/ data/ queries/``); ``root`` defaults to the
folder above this package, which is the repository for an editable install.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import atomic
from .errors import OutputError


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def default(cls) -> Project:
        return cls(Path(__file__).resolve().parent.parent)

    @property
    def graph(self) -> Path:
        return self.root / "data" / "graph.ttl"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "vrgraph.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    def display(self, path: Path) -> str:
        """``path`` relative to the project root where it lies inside it."""
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, at every instant (a run killed midway
    leaves the old file, and its temporary file is removed by the next run)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_file(path, data)
    except OSError as err:
        raise OutputError(f"{path}: cannot write: {err.strerror or err}") from None


def in_background(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``fn`` in a forked process (on the other core) and return a function that waits
    for its result, re-raising its exception. Where ``fork`` is not available, ``fn`` runs
    here at once. The result travels by pickle: keep it small and plain."""
    if "fork" not in multiprocessing.get_all_start_methods():
        result = fn()
        return lambda: result
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(fn())
        except BaseException as err:  # noqa: BLE001 - handed to the parent, re-raised there
            send.send(err)

    process = ctx.Process(target=child)
    process.start()

    def wait() -> Any:
        answer = receive.recv()
        process.join()
        if isinstance(answer, BaseException):
            raise answer
        return answer
    return wait
