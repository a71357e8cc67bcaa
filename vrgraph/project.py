"""Where the project's files are: the source copy, curation, ontology, shapes, queries.

The layout is the repository's (``ontology/ data/ queries/``). Without ``--root``, the
project is the working directory if it is one (a steward's own folder), else the checkout
this package runs from (an editable install), else the copy bundled in the package (a wheel:
the ontology, shapes, queries and built graph only; see ``setup.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import atomic
from .errors import InputError, OutputError


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def default(cls) -> Project:
        here = Path(__file__).resolve().parent
        for root in (Path.cwd(), here.parent, here / "bundled"):
            if cls(root).is_project():
                return cls(root)
        return cls(here.parent)  # the errors that follow name the files that are missing

    def is_project(self) -> bool:
        """Whether ``root`` holds a project: an ontology and canned queries."""
        return self.ontology.is_file() and self.queries.is_dir()

    @property
    def bundled(self) -> bool:
        """Whether this is the copy shipped in the package (no source, no curation)."""
        return self.root == Path(__file__).resolve().parent / "bundled"

    def need_sources(self, what: str) -> None:
        """Refuse ``what`` (a command) on the bundled copy, which has no source or curation."""
        if self.bundled:
            raise InputError(f"{what} reads data/source and data/curation, which the installed "
                             f"package does not carry (leads.yaml holds personal names that "
                             f"are never published); run it in a project folder (a checkout of "
                             f"the repository) or give --root DIR")

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

    @property
    def tables(self) -> Path:
        """The queries of the published CSV tables (not canned queries: see publish.tables)."""
        return self.queries / "tables"

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
    import multiprocessing

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
