"""The second lock on every query: the process that runs it cannot reach the network or open
a file, and its memory is bounded. The first lock is ``vrgraph.sparql_guard``.

:func:`confine` is called in a freshly forked child (a ``vrgraph serve`` worker, or the
child that runs a ``vrgraph sparql`` / ``query run`` query) before it reads any query:

- **no new file descriptors** (everywhere with ``setrlimit``): the child keeps standard
  input, output and error (on ``/dev/null``) and one channel to its parent as descriptor 3
  (and the files of an on-disk store opened read-only before the fork: :func:`keep_open`),
  then lowers ``RLIMIT_NOFILE`` to 4. ``socket()``, ``open()`` and ``pipe()`` then fail
  with ``EMFILE``: no connection, no file, whatever the engine is asked to do;
- **no network** (Linux, where the kernel lets it): the child moves into a new, empty
  network namespace (``unshare(CLONE_NEWNET)``, as root; otherwise inside a new user
  namespace), in which not even loopback is up;
- **bounded memory** (where ``RLIMIT_AS`` is enforced: Linux, not macOS): the address
  space may grow by ``memory`` bytes beyond what the child holds when confined; an
  allocation past it fails and Oxigraph aborts the child (``SIGABRT``), which the parent
  reports as a query over the memory limit;
- **an attempt is reported, not swallowed** (Linux x86-64 and arm64, with seccomp): a
  ``socket()`` call ends the child at once (``SIGSYS``), so that ``SERVICE SILENT`` cannot
  turn a refused connection into an empty answer; the parent reports :data:`REFUSED`
  (exit 2 on the command line, 403 from the server). Elsewhere the file lock refuses the
  socket and the engine's error says so.

:func:`run_confined` runs one function that way with a time limit, for the command line;
the progress the child marks (:mod:`vrgraph.progress`) comes back on the same channel and
is drawn by the parent.
:func:`gate` is the one door of query text from outside the project: the guard's check,
in a process that is confined.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from . import progress
from .channel import CHANNEL_FD as CHANNEL_FD
from .channel import RESULT, Forwarded, Frames, draw, send
from .errors import QueryError
from .sparql_guard import Guarded, guard

T = TypeVar("T")

REFUSED = "the query tried to reach the network or the file system: refused"

_held: Confinement | None = None  # what confine() achieved in this process
_kept: set[int] = set()  # descriptors a confined child keeps: see keep_open()
_readable: set[str] = set()  # folders a confined child may read beneath: see keep_open()
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class Confinement:
    """Which locks hold in this process (for the server's start-up line and the docs)."""

    no_files: bool
    no_network: bool
    memory_limit: int | None
    reported: bool = False  # a socket() ends the process (seccomp), reported as REFUSED
    store_files: bool = False  # the kept store's files may be read, no other (Landlock)

    def describe(self) -> str:
        held = ["no new files or sockets" if self.no_files else "files NOT locked"]
        if self.store_files:
            held[0] = "no files but the kept store's, read-only (Landlock), no sockets"
        held.append("no network (empty network namespace)" if self.no_network
                    else "no network namespace (the file lock still refuses sockets)")
        if self.reported:
            held.append("a socket attempt ends the query (seccomp)")
        if self.memory_limit:
            held.append(f"{self.memory_limit // 2**20} MB memory per query")
        return "; ".join(held)


def confine(channel: int, memory: int | None) -> Confinement:
    """Lock this (freshly forked, single-threaded) process down; ``channel`` becomes
    descriptor 3 and is the only one kept open besides standard input, output and error."""
    network = isolate_network()
    os.dup2(channel, CHANNEL_FD)
    if channel != CHANNEL_FD:
        os.close(channel)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    # the kept store's files not opened yet (RocksDB opens them at first read) may be
    # opened, read-only, where Landlock confines every other file; elsewhere none may
    store_files = bool(_readable) and _read_only_beneath(sorted(_readable))
    close_from(CHANNEL_FD + 1)
    limited = bool(memory) and _limit_memory(memory or 0)
    files = CHANNEL_FD + 1
    if store_files:
        files = max([files, *(fd + 1 for fd in _kept)]) + _files_in(_readable) + 16
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))
    reported = _trap_sockets()
    global _held
    _held = Confinement(True, network, memory if limited else None, reported, store_files)
    return _held


def _files_in(folders: set[str]) -> int:
    count = 0
    for folder in folders:
        try:
            count += len(os.listdir(folder))
        except OSError:
            continue
    return count


# Landlock: https://docs.kernel.org/userspace-api/landlock.html (Linux 5.13+; the same
# system call numbers on x86-64 and arm64)
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446
_RULE_PATH_BENEATH = 1
_READ_FILE, _READ_DIR = 1 << 2, 1 << 3
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _read_only_beneath(folders: list[str]) -> bool:
    """Allow this process to read files beneath ``folders`` and to touch no other file
    (Landlock); False (nothing changed) where the kernel has no Landlock."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux" \
            or os.uname().machine not in _ARCHES:
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        abi = int(libc.syscall(_LANDLOCK_CREATE, None, ctypes.c_size_t(0), 1))
        if abi < 1:
            return False
        handled = ctypes.c_uint64(_FS_RIGHTS.get(abi, (1 << 16) - 1))
        ruleset = int(libc.syscall(_LANDLOCK_CREATE, ctypes.byref(handled),
                                   ctypes.c_size_t(8), 0))
        if ruleset < 0:
            return False
        try:
            for folder in folders:
                try:
                    parent = os.open(folder, os.O_PATH | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue                    # a store since removed: nothing to read
                try:
                    rule = _PathBeneath(_READ_FILE | _READ_DIR, parent)
                    if int(libc.syscall(_LANDLOCK_ADD_RULE, ruleset, _RULE_PATH_BENEATH,
                                        ctypes.byref(rule), 0)) != 0:
                        return False
                finally:
                    os.close(parent)
            if int(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) != 0:
                return False
            return int(libc.syscall(_LANDLOCK_RESTRICT, ruleset, 0)) == 0
        finally:
            os.close(ruleset)
    except (OSError, AttributeError):
        return False


def held() -> Confinement | None:
    """What confines this process, None where it is not confined."""
    return _held


class Refused(QueryError):
    """A query that tried to reach the network or the file system (HTTP 403)."""

    status = 403

    def __init__(self, message: str = REFUSED) -> None:
        super().__init__(message)


def gate(text: str, where: str = "query", kept: str | None = None) -> Guarded:
    """The one door of query text from outside the project to the engine: the guard's
    canonical text (``vrgraph.sparql_guard``), given only in a confined process; outside
    one, :class:`QueryError` (the second lock is missing: fail closed). ``kept`` is the
    guard's canonical text of ``text`` made earlier (a canned query's:
    ``vrgraph.query.canned.canonical``), used as is rather than guarding the text again."""
    if kept is not None:
        checked = Guarded(kept, (0,), ())
    else:
        checked = _guarded(text, where) if len(text) <= 4096 else guard(text, where)
    require_confined(where)
    return checked


def require_confined(where: str = "query") -> None:
    """:class:`QueryError` unless this process is confined: for a text assembled from one
    that passed :func:`gate` and terms the engine has validated (SHACL's pre-binding)."""
    if _held is None:
        raise QueryError(f"{where}: refused: a query from outside the project runs only in "
                         f"a confined process (vrgraph.sandbox)")


@functools.lru_cache(maxsize=256)
def _guarded(text: str, where: str) -> Guarded:
    """The guard's reading, kept for short texts run again and again (a shape's focus
    query): 256 of at most 4,096 characters."""
    return guard(text, where)


def refused(err: BaseException) -> bool:
    """Whether ``err`` is the file lock refusing a file or socket (``EMFILE``; ``EACCES``
    from Landlock) in a confined process: the query tried to reach outside."""
    if _held is None or not isinstance(err, OSError):
        return False
    text = str(err)
    if err.errno == errno.EACCES or "os error 13" in text:
        return True        # Landlock: a file beside the kept store's, or written to
    if any(folder in text for folder in _readable):
        return False       # the kept store itself, said as it is (no Landlock here)
    return err.errno == errno.EMFILE or "os error 24" in text or "Too many open files" in text


# seccomp: SIGSYS on socket(), https://www.kernel.org/doc/html/latest/userspace-api/seccomp_filter.html
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_KILL_PROCESS, _RET_ALLOW = 0x80000000, 0x7FFF0000


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _trap_sockets() -> bool:
    """End this process (``SIGSYS``) at its first ``socket()`` call; False where seccomp
    is not available (not Linux, another architecture, or refused)."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return False
    arch = _ARCHES.get(os.uname().machine)
    if arch is None:
        return False
    audit, nr = arch
    ld, jeq, ret = 0x20, 0x15, 0x06   # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_RET|K
    code = [(ld, 0, 0, 4), (jeq, 0, 4, audit), (ld, 0, 0, 0), (jeq, 1, 0, nr),
            (jeq, 0, 1, nr | 0x40000000), (ret, 0, 0, _RET_KILL_PROCESS),
            (ret, 0, 0, _RET_ALLOW)]
    program = (_Filter * len(code))(*(_Filter(*c) for c in code))
    fprog = _Program(len(code), program)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if int(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) != 0:
            return False
        return int(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER,
                              ctypes.byref(fprog), 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def keep_open(fds: set[int], folder: str | None = None) -> None:
    """Let confined children keep the descriptors ``fds`` open: the files of an on-disk
    store opened read-only before the fork (``vrgraph.store.disk``), which the child reads
    but could not open again. Nothing else reaches them: a query names no descriptor.
    The store's other files (RocksDB opens a table at its first read) are read from
    ``folder``, the store's, where Landlock lets a child read there and nowhere else."""
    _kept.update(fds)
    if folder is not None:
        _readable.add(folder)


def close_from(first: int, keep: frozenset[int] = frozenset()) -> None:
    """Close every descriptor from ``first`` on but ``keep`` and those of :func:`keep_open`
    (an open store's files stay open)."""
    start = first
    for fd in sorted(f for f in _kept | keep if f >= first):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, _max_fd())


def _limit_memory(memory: int) -> bool:
    """Let the address space grow by ``memory`` bytes from now; False where it cannot be set."""
    size = _address_space()
    if size is None:
        return False
    try:
        resource.setrlimit(resource.RLIMIT_AS, (size + memory, size + memory))
    except (ValueError, OSError):
        return False
    return True


def isolate_network() -> bool:
    """Move into a new, empty network namespace; False where the OS does not allow it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError):
        return False
    if int(unshare(_CLONE_NEWNET)) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if int(unshare(_CLONE_NEWUSER | _CLONE_NEWNET)) != 0:
        return False
    # keep this process's own user and group inside the new user namespace, so that it
    # reads the files it could read before (a kept store under a 0700 home folder)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
                handle.write(text)
        except OSError:
            pass
    return True


def probe(memory: int | None = None) -> Confinement:
    """What :func:`confine` achieves on this machine, found in a throw-away child."""
    try:
        return run_confined(lambda: _held or Confinement(False, False, None), 30, memory)
    except QueryError:
        return Confinement(False, False, None)


def describe_exit(status: int, memory: int | None) -> str:
    """Why a confined child ended without an answer, from its wait status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGSYS:
            return REFUSED
        if sig == signal.SIGABRT or sig == signal.SIGKILL:
            limit = f" of {memory // 2**20} MB" if memory else ""
            return (f"the query needed more memory than the limit{limit} allows; narrow it "
                    f"(fewer unbound patterns, a LIMIT)")
        if sig == signal.SIGSEGV:
            return ("the query crashed the query engine (too deeply nested or too long a "
                    "chain for its stack); split or flatten it")
        return f"the query's process was stopped by signal {signal.Signals(sig).name}"
    return f"the query's process ended with code {os.WEXITSTATUS(status)} without an answer"


def run_confined(fn: Callable[[], T], timeout: float, memory: int | None) -> T:
    """Run ``fn()`` in a confined child (see the module) and return its result, pickled back;
    :class:`QueryError` if it takes longer than ``timeout`` seconds (the child is killed),
    runs out of memory or crashes. An exception ``fn`` raises is raised here (it must be
    picklable, as :class:`QueryError` is). The progress ``fn`` marks is told to this
    process's listener, if it has one."""
    read, write = os.pipe()
    listener = progress.listening()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            os.close(read)
            confine(write, memory)
            try:
                with progress.reporting(Forwarded if listener else None):
                    payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as err:  # noqa: BLE001 - sent to the parent, raised there
                payload = pickle.dumps((False, Refused() if refused(err) else _portable(err)))
            send(RESULT, payload)
        except BaseException:  # noqa: BLE001 - a forked child must never unwind
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    frames = Frames()
    bars: dict[int, progress.Bar] = {}
    result: bytes | None = None
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise QueryError(f"query stopped: it ran longer than the time limit of "
                                 f"{timeout:g} s; narrow it or give a longer --timeout")
            chunk = os.read(read, 1 << 20)
            if not chunk:
                break
            for kind, body in frames.feed(chunk):
                if kind == RESULT:
                    result = body
                elif listener is not None:
                    draw(pickle.loads(body), listener, bars)
    finally:
        os.close(read)
        for bar in bars.values():
            bar.close()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS:
        raise Refused()
    if result is None:
        raise QueryError(describe_exit(status, memory))
    ok, value = pickle.loads(result)
    if not ok:
        raise value
    return cast(T, value)   # what fn() returned in the child, pickled


def _portable(err: Exception) -> Exception:
    """``err`` if it survives pickling, else a :class:`QueryError` with its message."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001
        return QueryError(f"{type(err).__name__}: {err}")


def _max_fd() -> int:
    try:
        return max(os.sysconf("SC_OPEN_MAX"), CHANNEL_FD + 2)
    except (ValueError, OSError):
        return 65536


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None
