"""Whole-or-nothing writes: at every instant a file or a folder holds its old content or its
new content, never a part, and never nothing.

A file is written to a temporary file beside it and renamed over it (``rename(2)`` is
atomic). A folder (a release) is written beside its target and exchanged with it in one
step: ``renameat2(RENAME_EXCHANGE)`` on Linux 3.15+, ``renamex_np(RENAME_SWAP)`` on macOS.
Where neither exists (other systems, some network file systems) the swap is two renames,
and a run killed between them leaves the old folder under a hidden name, which the next run
puts back. A writer holds an ``flock`` on its temporary file or folder; what is left beside
the target by a killed run (no lock held) is removed by the next run. See README.md
("Whole or nothing").
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # ctypes is imported at the first swap, not by every command
    import ctypes

try:
    import fcntl
except ImportError:                             # Windows: no flock, no sweeping
    fcntl = None  # type: ignore[assignment]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2                            # linux/fs.h
_RENAME_SWAP = 2                                # macOS sys/stdio.h


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, found at the first swap (``find_library`` runs ``ldconfig``: 0.1 s,
    not to be paid at every start)."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


def exchange(a: Path, b: Path) -> bool:
    """Swap the paths ``a`` and ``b`` in one atomic step; False where the system or the
    file system cannot (the caller then falls back)."""
    libc = _libc()
    if libc is None:
        return False
    args: tuple[object, ...]
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        call, args = libc.renameat2, (_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                                       _RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        call, args = libc.renamex_np, (os.fsencode(a), os.fsencode(b), _RENAME_SWAP)
    else:
        return False
    if call(*args) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _lock(fd: int) -> bool:
    """Take the exclusive lock of ``fd`` without waiting; False if another process has it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def sweep(parent: Path, prefix: str, restore: Path | None = None) -> None:
    """Remove what killed runs left in ``parent`` (names starting with ``prefix`` that no
    running writer holds locked). With ``restore`` missing, a folder left by a swap cut
    between its two renames (``{prefix}old-*``) is first put back there."""
    if fcntl is None:
        return
    try:
        names = sorted(n for n in os.listdir(parent) if n.startswith(prefix))
    except OSError:
        return
    for name in names:
        path = parent / name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not _lock(fd):
                continue                       # a running writer's
            if restore is not None and name.startswith(prefix + "old-") \
                    and not os.path.lexists(restore):
                os.rename(path, restore)
            elif path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass                               # left for the next run
        finally:
            os.close(fd)


def _with_umask(mode: int) -> int:
    """``mode`` as the user's umask leaves it, as ``open()`` would have made the file (a
    temporary file starts private)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mode & ~mask


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (raises :class:`OSError`)."""
    prefix = f".{path.name}."
    sweep(path.parent, prefix)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        _lock(fd)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _with_umask(0o666))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


@contextmanager
def new_folder(target: Path) -> Iterator[Path]:
    """A new, locked, empty folder beside ``target`` to fill; on leaving the block it is
    swapped in with :func:`swap` by the caller or removed."""
    prefix = f".{target.name}."
    sweep(target.parent, prefix, restore=target)
    tmp = Path(tempfile.mkdtemp(prefix=prefix + "new-", dir=target.parent))
    fd = os.open(tmp, os.O_RDONLY)
    try:
        _lock(fd)
        os.chmod(tmp, _with_umask(0o777))
        yield tmp
    finally:
        os.close(fd)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def swap(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` (which may not exist) in one atomic
    step where the system has one, then remove the old folder."""
    if not os.path.lexists(target):
        os.rename(new, target)
        return
    if exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)             # now the old folder
        return
    old = target.with_name(f".{target.name}.old-{os.urandom(4).hex()}")
    os.rename(target, old)                  # killed here: the next run puts it back
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of the file ``path`` (created if missing, left in place) for
    the block, waiting for a holder in another process; two blocks holding the same path
    never interleave. Without ``flock`` (Windows) the block runs unlocked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, _with_umask(0o666))
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                           # closing releases the lock
