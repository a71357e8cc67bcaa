"""Answers kept between commands: the report's query answers, read again instead of running
the queries when nothing they depend on has changed (issue 21).

An answer is kept beside the stores (:func:`vrgraph.store.disk.folder`), in a file named by
a hash of everything it depends on: the content of the graph files and the ontology (as
:func:`vrgraph.store.disk.key` hashes them, with the reasoning code), the code of every
module of ``vrgraph/`` and ``vrgraph/store/`` (loading, guarding, binding, querying), and
what the caller says it asked (the query texts, their parameters, the options). A change to
any of them is another name, so a stale answer is never read: it is simply not the one asked
for. A file that cannot be read is ignored and the answer made again; where nothing can be
written (``VRGRAPH_STORE=off``, a read-only folder) nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from . import atomic, bounds
from .project import Project
from .store import disk

KEEP = 64
"""The most answers of one kind kept (the least recently used go first)."""


def _code() -> list[Path]:
    here = Path(__file__).resolve().parent
    return sorted(here.glob("*.py")) + [f for sub in ("query", "store")
                                        for f in sorted((here / sub).glob("*.py"))]


def plain(paths: Sequence[Path]) -> bool:
    """Whether every one of ``paths`` is a regular file within the RDF readers' budget
    (:mod:`vrgraph.bounds`), judged from ``stat``: only such files are hashed for a key (a
    FIFO would block, a huge file would be read for nothing); the reader refuses others."""
    limit = bounds.rdf_bytes()
    try:
        return all(stat.S_ISREG((info := os.stat(p)).st_mode) and info.st_size <= limit
                   for p in paths)
    except OSError:
        return False


def place(project: Project, files: Sequence[Path] | None, kind: str,
          asked: Sequence[str]) -> Path | None:
    """Where the answer of ``kind`` to ``asked`` on ``files`` (default: the built graph)
    is kept; None where nothing is kept (or an input is not :func:`plain`: the command that
    reads it then says why)."""
    where = disk.folder(project.root, project.bundled)
    paths = list(files or [project.graph])
    if where is None or not plain(paths):
        return None
    try:
        inputs = disk.key(paths, [project.ontology, *_code()], where)
    except OSError:
        return None
    digest = hashlib.blake2b(json.dumps([inputs, *asked]).encode("utf-8"), digest_size=20)
    return where / f"{kind}-{digest.hexdigest()}.json"


def read(path: Path | None) -> object | None:
    """The answer kept at ``path`` (None: there is none, or it is unreadable)."""
    if path is None:
        return None
    try:
        value: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        os.utime(path)                      # recently used: kept by the sweep
    except OSError:
        pass
    return value


def keep(path: Path | None, value: object) -> None:
    """Keep ``value`` (plain JSON data) at ``path`` for the next run: whole or not at all,
    best effort; the least recently used answers beyond :data:`KEEP` of its kind go."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_file(path, json.dumps(value).encode("utf-8"))   # in its own order
    except OSError:
        return
    kind = path.name.rsplit("-", 1)[0]
    try:
        others = sorted(path.parent.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime)
        for old in others[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
