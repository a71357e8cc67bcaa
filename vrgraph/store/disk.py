"""The reasoned graph kept on disk between commands: an Oxigraph (RocksDB) store, built once
and opened read-only by every later command, so that no command parses and reasons again
while its inputs have not changed (issue 21).

A store lives in a folder named after its **key**, a hash of the content of every input:
the graph files, the ontology, the code of the derivation stages (``reason.py``,
``evidence.py``) and this format's version. A changed input gives another key, so a stale
store is never opened: it is simply not the one asked for. The content hash of a file is
remembered by its ``stat`` (size, modification and change times in nanoseconds, inode), as
git's index does, so that a 700 MB graph is not read again to be recognised.

Written whole or not at all: a store is built in a locked temporary folder beside its
place and renamed into place once complete (:mod:`vrgraph.atomic`), so a build killed at
any instant leaves no store under that key (the next command builds it) or the whole one;
the next run sweeps what a killed build left. Readers open it read-only
(``Store.read_only``), side by side, each holding a shared ``flock`` on the folder; old
stores (beyond the :data:`KEEP` most recently used) are removed only when no reader holds
them.

Kept as a store only for inputs of :data:`MIN_MB` or more: below that, an in-memory store
answers faster than the on-disk one, so the reasoned graph is kept as an N-Quads dump under
the same key and loaded into memory (:func:`open_dump`), faster than parsing and reasoning
again. Where: ``out/store/`` of a
project folder that can be written (``/out/`` is git-ignored,
never shipped), else the user's cache folder (``$XDG_CACHE_HOME/vrgraph/stores``, an
installed package); ``VRGRAPH_STORE=DIR`` chooses, ``VRGRAPH_STORE=off`` keeps every graph in
memory. Where nothing can be written, the graph is loaded in memory as before.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from .. import atomic, progress

try:
    import fcntl
except ImportError:                             # Windows: no flock
    fcntl = None  # type: ignore[assignment]

FORMAT = "vrgraph-store-1"       # raise when what a store holds changes
KEEP = 4                         # stores kept besides the one just opened
_CODE = ("reason.py", "evidence.py", "bulk.py")   # the derivation stages, part of every key
_HASHES = "hashes.json"          # content hashes by stat, see module docstring
_held: list[int] = []            # descriptors holding the shared locks of open stores


MIN_MB = 32
"""Inputs smaller than this (``VRGRAPH_STORE_MIN_MB``) are loaded in memory at every command,
not kept: an in-memory store answers a query 3 to 7 times faster than the on-disk one, and
at this size parsing and reasoning take well under a second (the real document, 1.3 MB:
0.3 s); above it, opening the kept store (0.1 s at any size) wins."""


def worth_keeping(paths: Sequence[Path]) -> bool:
    """Whether graph files of this size are kept in a store rather than parsed each time."""
    try:
        limit = float(os.environ.get("VRGRAPH_STORE_MIN_MB", MIN_MB))
    except ValueError:
        limit = MIN_MB
    return sum(p.stat().st_size for p in paths) >= limit * 2**20


def folder(root: Path, bundled: bool) -> Path | None:
    """Where the stores of the project at ``root`` live (None: keep graphs in memory)."""
    chosen = os.environ.get("VRGRAPH_STORE", "")
    if chosen.lower() in ("off", "0", "no", "none"):
        return None
    if chosen:
        return Path(chosen)
    if not bundled and os.access(root, os.W_OK):
        return root / "out" / "store"
    cache = os.environ.get("XDG_CACHE_HOME") or (
        "~/Library/Caches" if sys.platform == "darwin" else "~/.cache")
    return Path(cache).expanduser() / "vrgraph" / "stores"


def _stat_key(path: Path) -> str:
    s = path.stat()
    return f"{path.resolve()}|{s.st_size}|{s.st_mtime_ns}|{s.st_ctime_ns}|{s.st_ino}"


def content_hash(paths: Iterable[Path], where: Path | None = None) -> list[str]:
    """The BLAKE2 hash of each file's bytes, remembered in ``where`` by the file's stat."""
    known: dict[str, str] = {}
    memo = where / _HASHES if where is not None else None
    if memo is not None:
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
    out, fresh = [], {}
    for path in paths:
        stat = _stat_key(path)
        digest = known.get(stat)
        if digest is None:
            h = hashlib.blake2b(digest_size=20)
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 22), b""):
                    h.update(chunk)
            digest = h.hexdigest()
        fresh[stat] = digest
        out.append(digest)
    if memo is not None and any(k not in known for k in fresh):
        try:
            kept = dict(list(known.items())[-200:])
            memo.parent.mkdir(parents=True, exist_ok=True)   # the first command: none yet
            atomic.write_file(memo, json.dumps({**kept, **fresh}, sort_keys=True).encode())
        except OSError:
            pass                                # remembered next time, perhaps
    return out


def key(files: Sequence[Path], ontology: Sequence[Path], where: Path | None = None) -> str:
    """The key of the store of ``files`` with ``ontology``: a hash of every input's content
    (in order: the same files in another order make another store), of the derivation code
    and of this format."""
    code = [Path(__file__).resolve().parent.parent / name for name in _CODE]
    parts = [FORMAT, ox.__version__, str(len(files))]
    parts += content_hash([*files, *ontology, *code], where)
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _lock_shared(path: Path) -> int | None:
    """A descriptor on ``path`` holding a shared lock (so that no sweep removes it)."""
    if fcntl is None:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        os.close(fd)
        return None
    return fd


def _open(path: Path) -> ox.Store:
    fd = _lock_shared(path)
    try:
        st = ox.Store.read_only(str(path))
    except OSError:
        if fd is not None:
            os.close(fd)
        raise
    if fd is not None:
        _held.append(fd)
    try:
        os.utime(path)                          # most recently used: kept by the sweep
    except OSError:
        pass
    return st


def descriptors() -> set[int]:
    """This process's open file descriptors (empty where they cannot be listed)."""
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            return {int(n) for n in os.listdir(listing)}
        except OSError:
            continue
    return set()


def open_or_build(where: Path, name: str, fill: Callable[[ox.Store], None]
                  ) -> tuple[ox.Store, set[int]]:
    """The store ``name`` in ``where``, opened read-only; built first by ``fill`` (given an
    empty on-disk store to write: :func:`vrgraph.bulk.build`) if it is not there. Also
    returns the descriptors the open store holds (its files), which a confined child must
    keep (``vrgraph.sandbox``). Raises :class:`OSError` where the folder cannot be
    written."""
    target = where / name
    before = descriptors()
    if not target.is_dir():
        where.mkdir(parents=True, exist_ok=True)
        with atomic.new_folder(target) as tmp, progress.task("writing the kept store"):
            disk = ox.Store(str(tmp / "db"))
            try:
                fill(disk)
            finally:
                del disk
                gc.collect()                    # closes RocksDB before the rename
            try:
                os.rename(tmp, target)
            except OSError:
                if not target.is_dir():         # else another process built it first
                    raise
        _sweep(where, name)
    else:
        atomic.sweep(where, ".")                # what killed builds left
    st = _open(target / "db")
    return st, descriptors() - before


def _sweep(where: Path, keep: str) -> None:
    """Remove the stores beyond the :data:`KEEP` most recently used, unless a reader holds
    one; and what killed builds left."""
    atomic.sweep(where, ".")
    if fcntl is None:
        return
    try:
        stores = [p for p in where.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and p.name != keep]
        stores.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in stores[KEEP:]:
        try:
            fd = os.open(old / "db", os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue                            # a reader has it
        try:
            # out of the way first, so that no reader opens it half removed
            gone = where / f".{old.name}.gone"
            os.rename(old, gone)
            shutil.rmtree(gone, ignore_errors=True)
        except OSError:
            pass
        finally:
            os.close(fd)


# -- small inputs: the reasoned graph kept as N-Quads, loaded into memory ----------------------
def open_dump(where: Path, name: str, build: Callable[[], ox.Store]) -> ox.Store:
    """The reasoned graph ``name`` (inputs below :data:`MIN_MB`) in an in-memory store,
    loaded from its N-Quads dump in ``where`` (loading the document's takes 0.06 s of CPU,
    parsing, reasoning and matching evidence 0.09 s); built with ``build`` and dumped first
    if there is none. Named by :func:`key` like a store, so a changed input is another dump,
    never the old one; written whole or not at all. A dump that cannot be read is built
    again; where none can be written, none is kept."""
    path = where / f"{name}.nq"
    try:
        st = ox.Store()
        st.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
        os.utime(path)                          # most recently used: kept by the sweep
        return st
    except (OSError, SyntaxError, ValueError):
        pass                                    # none yet, or spoilt: built again
    st = build()
    try:
        where.mkdir(parents=True, exist_ok=True)
        data = st.dump(format=ox.RdfFormat.N_QUADS)
        assert data is not None                 # given no output, pyoxigraph returns bytes
        atomic.write_file(path, data)
        dumps = sorted(where.glob("*.nq"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in dumps[KEEP + 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    return st
