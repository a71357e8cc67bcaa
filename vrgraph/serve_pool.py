"""The query workers of ``vrgraph serve``: forked processes that each hold the reasoned
store, so a query that runs past the time limit can be stopped by killing its process.

Right after the store is loaded the server forks one small *zygote* process (before it has
started any thread of its own). The zygote only forks workers on request and hands the
server's end of each worker's socket pair back to it (``SCM_RIGHTS``); every worker starts
from the same single-threaded copy of the loaded store, however many server threads are
running when a worker is replaced. A job is pickled to a free worker; the server waits up
to the time limit for the reply, and on timeout kills the worker (``SIGKILL``: Oxigraph
cannot be interrupted from Python) and asks the zygote for a fresh one; the zygote reaps
the dead. When the server closes (or dies) the zygote kills and reaps its workers and exits,
so none outlive the server.
"""

from __future__ import annotations

import gc
import os
import queue
import select
import signal
import socket
import sys
import threading
import time
from multiprocessing.connection import Connection

from .errors import VrgraphError
from .serve_run import Job, Reply, WorkerState, execute


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

    def __init__(self, state: WorkerState, size: int = 2) -> None:
        if "fork" not in dir(os):
            raise PoolError("vrgraph serve needs os.fork (Linux, macOS or another Unix)")
        self.size = size
        self._lock = threading.Lock()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: dict[int, _Worker] = {}
        self._closed = False
        self._channel, self._zygote = _start_zygote(state)
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

    def run(self, job: Job, timeout: float) -> Reply:
        """Run ``job`` on a free worker within ``timeout`` seconds: 504 when the query takes
        longer (its worker is killed and replaced), 503 when no worker is free in time."""
        try:
            worker: _Worker | None = self._idle.get(timeout=timeout)
        except queue.Empty:
            return Reply.error(503, f"all {self.size} query workers are busy; try again shortly",
                               Retry_After="2")
        if worker.conn.poll(0):  # an idle worker never speaks: it has died (end of file)
            worker = self._discard(worker, kill=False)
            if worker is None:
                return Reply.error(503, "no query worker could be started; see the server log")
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                worker = self._discard(worker)
                return Reply.error(504, f"query stopped: it ran longer than the time limit of "
                                        f"{timeout:g} s; narrow it (fewer unbound patterns, "
                                        f"a LIMIT) or ask for a longer --timeout")
            return worker.conn.recv()
        except (EOFError, OSError):  # the worker has gone: its socket is closed
            worker = self._discard(worker, kill=False)
            return Reply.error(503, "the query worker stopped unexpectedly (out of memory?); "
                                    "try again or narrow the query")
        finally:
            if worker is not None:
                if self._closed:
                    worker.kill()
                else:
                    self._idle.put(worker)

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


def _start_zygote(state: WorkerState) -> tuple[socket.socket, int]:
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
        _zygote_loop(theirs, state)
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
    os.closerange(3, keep)
    os.closerange(keep + 1, max(os.sysconf("SC_OPEN_MAX"), keep + 2))


def _zygote_loop(channel: socket.socket, state: WorkerState) -> None:
    """Fork a worker for each byte the server sends; reap dead workers every second; when
    the server closes the channel (or goes), kill and reap the workers still running."""
    live: set[int] = set()
    try:
        while True:
            ready, _, _ = select.select([channel], [], [], 1.0)
            _reap(live)
            if not ready:
                continue
            if not channel.recv(1):  # the server has closed the channel or gone
                return
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    channel.close()
                    ours.close()
                    _worker_loop(Connection(theirs.detach()), state)
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


def _reap(live: set[int]) -> None:
    """Collect the exit status of every worker that has ended (killed on timeout)."""
    while live:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            live.clear()
            return
        if pid == 0:
            return
        live.discard(pid)


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
