"""The query workers of ``vrgraph serve``: forked processes that each hold the reasoned
store, so a query that runs past the time limit can be stopped by killing its process.

Right after the store is loaded the server forks one small *zygote* process (before it has
started any thread of its own). The zygote only forks workers on request and hands the
server's end of each worker's socket pair back to it (``SCM_RIGHTS``); every worker starts
from the same single-threaded copy of the loaded store, however many server threads are
running when a worker is replaced. A job is pickled to a free worker; the server waits up
to the time limit for the reply, and on timeout kills the worker (``SIGKILL``: Oxigraph
cannot be interrupted from Python) and asks the zygote for a fresh one; the zygote reaps
the dead and keeps their exit status, which the server asks for when a worker vanishes
(out of memory, a crash). When the server closes (or dies) the zygote kills and reaps its
workers and exits, so none outlive the server.

The zygote moves into an empty network namespace where the OS allows it, and every worker
confines itself before it reads a job (``vrgraph.sandbox``: no new files or sockets, bounded
memory), then lowers its priority by ``nice``.

:class:`Lanes` puts two pools behind one door: every query starts in the *fast* lane with a
short time slice; one still running at the end of its slice is stopped there and run again in
the *slow* lane (a pool of its own, at a lower CPU priority, at most ``per_client`` long
queries per client at a time; a client at that limit gets a fifth of the slice for its next
queries), so a few long queries can never hold up the many short ones.
"""

from __future__ import annotations

import gc
import os
import queue
import select
import signal
import socket
import struct
import sys
import threading
import time
from multiprocessing.connection import Connection

from .. import sandbox
from ..errors import VrgraphError
from .run import Job, Reply, WorkerState, execute


class PoolError(VrgraphError):
    """The worker processes cannot be started."""


class _Worker:
    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn

    def kill(self) -> None:
        """Stop the worker now. Its pid cannot have been reused: the zygote reaps a worker
        only after it has died, and a worker that died on its own is never killed (its
        socket shows end of file first, see :meth:`WorkerPool.run`)."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.conn.close()


class WorkerPool:
    """``size`` worker processes holding ``state``; :meth:`run` runs a job on one of them."""

    def __init__(self, state: WorkerState, size: int = 2, nice: int = 0,
                 memory: int | None = None) -> None:
        if "fork" not in dir(os):
            raise PoolError("vrgraph serve needs os.fork (Linux, macOS or another Unix)")
        self.size = size
        self.memory = memory
        self._lock = threading.Lock()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: dict[int, _Worker] = {}
        self._closed = False
        self._channel, self._zygote = _start_zygote(state, nice, memory)
        try:
            for _ in range(size):
                self._idle.put(self._spawn())
        except PoolError:
            self.close()
            raise

    def _spawn(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise PoolError("the worker pool is closed")
            try:
                self._channel.sendall(b"w")
                msg, fds, _, _ = socket.recv_fds(self._channel, 32, 1)
            except OSError as err:
                raise PoolError(f"cannot start a query worker: {err}") from None
            if not msg or not fds:
                raise PoolError("cannot start a query worker: the worker factory has stopped")
            worker = _Worker(int(msg), Connection(fds[0]))
            self._live[worker.pid] = worker
            return worker

    def _exit_status(self, pid: int) -> int | None:
        """The wait status of the dead worker ``pid``, from the zygote (None if unknown)."""
        with self._lock:
            if self._closed:
                return None
            try:
                self._channel.sendall(b"s" + struct.pack("!i", pid))
                answer = self._channel.recv(4, socket.MSG_WAITALL)
            except OSError:
                return None
        if len(answer) != 4:
            return None
        status = struct.unpack("!i", answer)[0]
        return None if status < 0 else status

    def _discard(self, worker: _Worker, kill: bool = True) -> _Worker | None:
        """Kill ``worker`` (or, if it has gone, forget it) and return its replacement (None
        if none can be started)."""
        if kill:
            worker.kill()
        else:
            worker.conn.close()
        with self._lock:
            self._live.pop(worker.pid, None)
        try:
            return self._spawn()
        except PoolError as err:
            print(f"vrgraph serve: {err}", file=sys.stderr, flush=True)
            return None

    def run(self, job: Job, limit: float, wait: float) -> Reply | None:
        """Run ``job`` on a worker, waiting at most ``wait`` seconds for a free one (503
        after that); None if it ran past ``limit`` seconds (its worker is killed and
        replaced)."""
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            return Reply.error(503, f"all {self.size} query workers are busy; try again shortly",
                               Retry_After="2")
        if worker.conn.poll(0):  # an idle worker never speaks: it has died (end of file)
            replacement = self._discard(worker, kill=False)
            if replacement is None:
                return Reply.error(503, "no query worker could be started; see the server log")
            worker = replacement
        back: _Worker | None = worker    # the worker to return to the pool at the end
        try:
            worker.conn.send(job)
            if not worker.conn.poll(limit):
                back = self._discard(worker)
                return None
            reply: Reply = worker.conn.recv()     # what _worker_loop sends
            return reply
        except (EOFError, OSError):  # the worker has gone: its socket is closed
            pid = worker.pid
            back = self._discard(worker, kill=False)
            status = self._exit_status(pid)
            if status is not None and os.WIFSIGNALED(status) and \
                    os.WTERMSIG(status) == signal.SIGSYS:   # seccomp: a socket() call
                return Reply.error(403, sandbox.REFUSED)
            if status is not None and os.WIFSIGNALED(status) and \
                    os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL):
                return Reply.error(507, "query stopped: " + sandbox.describe_exit(
                    status, self.memory) + " (the server's --max-memory)")
            why = sandbox.describe_exit(status, self.memory) if status is not None else \
                "its worker stopped unexpectedly"
            return Reply.error(500, f"query stopped: {why}")
        finally:
            if back is not None:
                if self._closed:
                    back.kill()
                else:
                    self._idle.put(back)

    def close(self, wait: float = 5.0) -> None:
        """End every worker and the zygote; idempotent.

        Closing the channel tells the zygote to kill and reap its workers and exit; it is
        killed only if it has not done so within ``wait`` seconds.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._live.values())
            self._live.clear()
        for worker in workers:
            worker.conn.close()
        self._channel.close()
        deadline = time.monotonic() + wait
        try:
            while os.waitpid(self._zygote, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(self._zygote, signal.SIGKILL)
                    os.waitpid(self._zygote, 0)
                    break
                time.sleep(0.01)
        except ChildProcessError:
            pass


class Lanes:
    """The fast and the slow lane (see the module): :meth:`run` answers every job."""

    def __init__(self, state: WorkerState, fast: int = 2, slow: int = 2, slice_: float = 0.5,
                 per_client: int = 2, memory: int | None = None) -> None:
        self.slice = slice_
        self.per_client = per_client
        self.memory = memory
        self._lock = threading.Lock()
        self._long: dict[str, int] = {}
        self.fast = WorkerPool(state, fast, 0, memory)
        try:
            self.slow = WorkerPool(state, slow, 10, memory)
        except PoolError:
            self.fast.close()
            raise

    def run(self, job: Job, timeout: float, client: str = "") -> Reply:
        """Answer ``job`` within ``timeout`` seconds: its result, or 504 (too long), 503 (every
        worker busy for too long), 429 (this client already runs ``per_client`` long queries),
        507 (out of memory) or 500 (the engine crashed)."""
        start = time.monotonic()
        with self._lock:  # a client at its limit of long queries gets a fifth of the slice
            at_limit = self._long.get(client, 0) >= self.per_client
        slice_ = self.slice / 5 if at_limit else self.slice
        reply = self.fast.run(job, min(slice_, timeout), timeout)
        if reply is not None:
            return reply
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            return _too_long(timeout)
        with self._lock:
            running = self._long.get(client, 0)
            if running >= self.per_client:
                return Reply.error(429, f"you already run {running} long queries (over "
                                        f"{self.slice:g} s); wait for them to finish",
                                   Retry_After=str(max(1, round(left))))
            self._long[client] = running + 1
        try:
            reply = self.slow.run(job, left, left)
        finally:
            with self._lock:
                self._long[client] -= 1
                if not self._long[client]:
                    del self._long[client]
        return _too_long(timeout) if reply is None else reply

    def close(self) -> None:
        self.fast.close()
        self.slow.close()


def _too_long(timeout: float) -> Reply:
    return Reply.error(504, f"query stopped: it ran longer than the time limit of {timeout:g} s; "
                            f"narrow it (fewer unbound patterns, a LIMIT) or ask for a longer "
                            f"--timeout")


def _start_zygote(state: WorkerState, nice: int, memory: int | None
                  ) -> tuple[socket.socket, int]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid:
        theirs.close()
        return ours, pid
    # The zygote: never returns to the caller.
    code = 0
    try:
        ours.close()
        keep = theirs.fileno()
        _become_quiet_child(keep)
        sandbox.isolate_network()  # once, here: every worker is forked into it
        _zygote_loop(theirs, state, nice, memory)
    except BaseException:  # noqa: BLE001 - a forked child must never unwind into the server
        code = 1
    finally:
        os._exit(code)


def _become_quiet_child(keep: int) -> None:
    """In a freshly forked child: ignore Ctrl-C (the server stops its children itself),
    close every file descriptor but stdio and ``keep`` (the server's listening socket and
    other workers' sockets must not stay open here), and stop the cyclic garbage collector
    from finalising inherited objects whose descriptors are now closed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    sandbox.close_from(3, frozenset({keep}))  # the files of an open kept store stay open


def _zygote_loop(channel: socket.socket, state: WorkerState, nice: int,
                 memory: int | None) -> None:
    """Fork a worker for each ``w`` the server sends, tell the exit status of a dead one for
    each ``s`` + pid; reap dead workers every second; when the server closes the channel (or
    goes), kill and reap the workers still running."""
    live: set[int] = set()
    dead: dict[int, int] = {}
    try:
        while True:
            ready, _, _ = select.select([channel], [], [], 1.0)
            _reap(live, dead)
            if not ready:
                continue
            command = channel.recv(1)
            if not command:  # the server has closed the channel or gone
                return
            if command == b"s":
                pid = struct.unpack("!i", channel.recv(4, socket.MSG_WAITALL))[0]
                if pid in live:  # it is dying (its socket is closed): wait for it
                    try:
                        dead[pid] = os.waitpid(pid, 0)[1]
                    except ChildProcessError:
                        pass
                    live.discard(pid)
                channel.sendall(struct.pack("!i", dead.pop(pid, -1)))
                continue
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    channel.close()
                    ours.close()
                    sandbox.confine(theirs.detach(), memory)
                    if nice:
                        os.nice(nice)
                    _worker_loop(Connection(sandbox.CHANNEL_FD), state)
                except BaseException:  # noqa: BLE001 - see above
                    code = 1
                finally:
                    os._exit(code)
            live.add(pid)
            theirs.close()
            socket.send_fds(channel, [str(pid).encode("ascii")], [ours.fileno()])
            ours.close()
    finally:
        for pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in live:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _reap(live: set[int], dead: dict[int, int]) -> None:
    """Collect the exit status of every worker that has ended (killed on timeout, out of
    memory, crashed); keep the last few hundred for the server to ask about."""
    while live:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            live.clear()
            return
        if pid == 0:
            return
        live.discard(pid)
        dead[pid] = status
        if len(dead) > 256:
            del dead[next(iter(dead))]


def _worker_loop(conn: Connection, state: WorkerState) -> None:
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        reply = execute(state, job)
        try:
            conn.send(reply)
        except OSError:
            return
