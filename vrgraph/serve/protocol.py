"""The HTTP connection layer of ``vrgraph serve``: waitress's server, channel and parser, with
the limits vrgraph adds to them.

Waitress (https://docs.pylonsproject.org/projects/waitress/) reads requests in one event loop
and cuts a connection idle for ``channel_timeout`` seconds; a client that trickles a byte
every few seconds is never idle, and its connection cap is global. On top of it:

- **a cap per client address** (``per_address`` connections open at once): beyond it, an
  idle keep-alive connection of that address is closed to make room, else the new
  connection gets ``429`` and is closed (one log line per address every 10 s);
- **a deadline for a whole request** (``deadline`` seconds from its first byte, or from the
  connection's start, to its last body byte): past it the client gets ``408`` (nothing if it
  sent nothing) and the connection is closed, however steadily it trickles;
- **lingering close**: after an answer that closes the connection (an error, ``408``), the
  rest of what the client sends is read and dropped (up to 1 MB or 2 s) before closing, so
  that the client reads the answer instead of a reset (RFC 9112, section 9.6);
- the parser refuses ``Content-Length`` together with ``Transfer-Encoding`` (400, RFC 9112
  section 6.3: a request smuggling vector) and answers ``414`` rather than ``431`` when the
  request line alone is over the head limit;
- the errors waitress answers itself (400, 408, 413, 414, 431, 501) get a log line with the
  reason, like the application's answers.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.utilities import BadRequest, RequestHeaderFieldsTooLarge

LINGER_SECONDS = 2.0
LINGER_BYTES = 1 << 20
_LOG_EVERY = 10.0


class UriTooLong(BadRequest):  # type: ignore[misc]
    code = 414
    reason = "URI Too Long"


class Parser(HTTPRequestParser):  # type: ignore[misc]
    """Waitress's request parser, stricter on framing."""

    error: Any  # waitress's error to answer, or None
    shown = b""  # the start of the request line, for the log

    def received(self, data: bytes) -> int:
        before = self.header_plus
        if len(before) < 300:
            self.shown = (before + data[:300]).split(b"\r")[0].split(b"\n")[0][:300]
        consumed: int = super().received(data)
        if isinstance(self.error, RequestHeaderFieldsTooLarge) and \
                b"\n" not in before + data[:consumed]:
            self.error = UriTooLong(f"the request line is longer than "
                                    f"{self.adj.max_request_header_size} bytes; send a long "
                                    f"query by POST")
        return consumed

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if "CONTENT_LENGTH" in self.headers and (
                self.chunked or "TRANSFER_ENCODING" in self.headers):
            raise ParsingError("Content-Length and Transfer-Encoding together: send one")


class Channel(HTTPChannel):  # type: ignore[misc]
    """One client connection: counted against its address, timed from the first byte of a
    request to its last, and closed by lingering."""

    parser_class = Parser
    server: Server
    request: Any  # the request being read (a Parser), or None
    started: float | None = None  # when the request being read began (None: between requests)
    linger_until: float | None = None  # lingering: read and drop input until then
    linger_left = LINGER_BYTES
    counted = False

    def __init__(self, server: Server, sock: socket.socket, addr: Any, adj: Any,
                 map: dict[int, Any] | None = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        self.started = self.creation_time
        self.peer = str(addr[0]) if isinstance(addr, tuple) and addr else str(addr)
        server.count(self, +1)
        self.counted = True

    # -- the request deadline -------------------------------------------------------------
    def received(self, data: bytes) -> bool:
        if self.started is None:
            self.started = time.time()
        result: bool = super().received(data)
        if self.request is None:
            self.started = None  # every byte read so far made whole requests
        return result

    def service(self) -> None:
        request = self.requests[0]
        if request.error is not None:
            self.server.log_error(self, request)
        super().service()
        if self.request is not None:  # a pipelined request waited: its time starts now
            self.started = time.time()

    def idle(self) -> bool:
        """Between requests, nothing to send: free to close when its address is at the cap."""
        return (self.started is None and not self.requests and self.request is None
                and not self.total_outbufs_len and self.linger_until is None
                and not self.will_close and not self.close_when_flushed)

    def expire(self, deadline: float) -> None:
        """The request was not whole within ``deadline`` seconds: 408 (if it began), close."""
        self.started = None
        if self.request is None:
            self.will_close = True
            return
        shown = self.request.shown
        self.request.close()
        self.request = None
        self.server.log_limited(f"{self.peer} 408", f'{self.peer} - [{_now()}] '
                                f'"{_printable(shown)}" 408 - (the request was not whole '
                                f'within {deadline:g} s)')
        body = (f"the request was not complete within {deadline:g} s (--request-deadline); "
                f"send it whole, faster\n").encode()
        answer = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                  b"Content-Type: text/plain; charset=utf-8\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body)) + body
        with self.outbuf_lock:
            self.outbufs[-1].append(answer)
            self.current_outbuf_count += len(answer)
            self.total_outbufs_len += len(answer)
        self.close_when_flushed = True

    # -- lingering close ------------------------------------------------------------------
    def handle_write(self) -> None:
        if self.close_when_flushed and not self.will_close and self.linger_until is None:
            if not self.requests:
                self._flush_exception(self._flush_some)
            if self.will_close:  # the flush failed: the client is gone
                self.handle_close()
                return
            if self.total_outbufs_len:
                return  # more to send first
            self.close_when_flushed = False
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                self.handle_close()
                return
            self.linger_until = time.time() + LINGER_SECONDS
            self.started = None
            return
        super().handle_write()

    def readable(self) -> bool:
        if self.linger_until is not None:
            return not self.will_close
        return bool(super().readable())

    def handle_read(self) -> None:
        if self.linger_until is None:
            super().handle_read()
            return
        try:
            data = self.recv(65536)  # closes at the client's end of stream
        except OSError:
            self.handle_close()
            return
        self.linger_left -= len(data)
        if data and self.linger_left <= 0:
            self.handle_close()

    def del_channel(self, map: dict[int, Any] | None = None) -> None:
        super().del_channel(map)
        if self.counted:
            self.counted = False
            self.server.count(self, -1)


class Server(TcpWSGIServer):  # type: ignore[misc]
    """Waitress's TCP server with a cap per client address and a deadline per request."""

    channel_class = Channel

    def __init__(self, application: Callable[..., Any], adj: Adjustments, per_address: int,
                 deadline: float, log: Callable[[str], None]) -> None:
        self.per_address = per_address
        self.deadline = deadline
        self.log = log
        self.by_address: dict[str, set[Channel]] = {}
        self._logged: dict[str, float] = {}
        super().__init__(application, map={}, adj=adj, sockinfo=adj.listen[0])

    def count(self, channel: Channel, change: int) -> None:
        held = self.by_address.setdefault(channel.peer, set())
        if change > 0:
            held.add(channel)
        else:
            held.discard(channel)
            if not held:
                del self.by_address[channel.peer]

    def handle_accept(self) -> None:
        """Accept what waits in the backlog (up to 64 at a time: one turn of the event loop
        costs as much as the connections it watches, so a flood of refusals is cheaper in
        batches), each as a channel or refused."""
        for _ in range(64):
            if len(self._map) >= self.adj.connection_limit:
                return
            try:
                accepted = self.accept()
            except OSError:  # e.g. out of file descriptors: try again next turn
                return
            if accepted is None:
                return
            conn, addr = accepted
            try:
                self.set_socket_options(conn)
            except OSError:  # the client is gone already
                conn.close()
                continue
            self.admit(conn, self.fix_addr(addr))

    def admit(self, conn: socket.socket, addr: Any) -> None:
        """A channel for ``conn``, or a refusal if its address is at the cap."""
        peer = str(addr[0])
        held = self.by_address.get(peer, set())
        if self.per_address and len(held) >= self.per_address:
            idle = [c for c in held if c.idle()]
            if not idle:
                self.refuse(conn, peer)
                return
            # a keep-alive connection: the client reconnects at need. Closed on this turn of
            # the loop, not now, so that no event of this turn reaches a reused descriptor
            min(idle, key=lambda c: c.last_activity).will_close = True
        self.channel_class(self, conn, addr, self.adj, map=self._map)

    def refuse(self, conn: socket.socket, peer: str) -> None:
        """429 on a new connection of an address at its cap, then close it."""
        body = (f"too many connections from {peer} (at most {self.per_address} at once, "
                f"--max-client-connections); close some, then retry\n").encode()
        try:
            conn.setblocking(False)
            try:
                conn.recv(65536)  # what it sent already, so that closing sends no reset
            except OSError:
                pass
            conn.send(b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1"
                      b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
                      b"\r\n" % len(body) + body)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            conn.close()
        self.log_limited(f"{peer} 429", f"vrgraph serve: {peer} holds {self.per_address} connections "
                               f"(--max-client-connections); refusing more with 429")

    def log_limited(self, key: str, line: str) -> None:
        """``line`` to the log, unless a line of the same ``key`` (an address and what befell
        it) went there in the last 10 s: a client refused or cut again and again fills no
        disk."""
        now = time.time()
        if now - self._logged.get(key, 0.0) >= _LOG_EVERY:
            if len(self._logged) > 10000:
                self._logged.clear()
            self._logged[key] = now
            self.log(line)

    def maintenance(self, now: float) -> None:
        """Waitress's idle cut, then the request deadline and the end of lingering."""
        super().maintenance(now)
        cutoff = now - self.deadline
        for channel in list(self.active_channels.values()):
            if channel.linger_until is not None:
                if channel.linger_until < now:
                    channel.will_close = True
            elif (channel.started is not None and channel.started < cutoff
                  and not channel.requests and not channel.will_close
                  and not channel.close_when_flushed):
                channel.expire(self.deadline)

    def log_error(self, channel: Channel, request: Any) -> None:
        """One log line for an answer waitress gives itself (a malformed request)."""
        error = request.error
        target = _printable(getattr(request, "shown", b"") or b"")
        self.log(f'{channel.peer} - [{_now()}] "{target}" {error.code} - '
                 f'({error.reason}: {error.body})')


def _printable(line: bytes) -> str:
    """The start of a request line for the log: at most 300 characters, none unprintable."""
    text = line.decode("latin-1")
    text = text if len(text) <= 300 else text[:297] + "..."
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _now() -> str:
    return time.strftime("%d/%b/%Y %H:%M:%S", time.localtime())
