"""The channel of a confined child (:mod:`vrgraph.sandbox`) to its parent, descriptor
:data:`CHANNEL_FD`: frames of one kind byte and a 4-byte length. The child sends its answer
(:data:`RESULT`, pickled) and, while it works, the progress it marks (:data:`PROGRESS`:
:mod:`vrgraph.progress` events of :class:`Forwarded` bars), which the parent draws with its
own listener (:func:`draw`): the child has no terminal."""

from __future__ import annotations

import os
import pickle
import threading

from . import progress

CHANNEL_FD = 3
RESULT, PROGRESS = b"R", b"P"
_sending = threading.Lock()   # the child's threads mark progress side by side


def send(kind: bytes, body: bytes) -> None:
    """Write one frame on the channel, whole (in the child)."""
    view = memoryview(kind + len(body).to_bytes(4, "big") + body)
    with _sending:
        while view:
            view = view[os.write(CHANNEL_FD, view):]


class Frames:
    """The frames of the channel, as its bytes arrive (in the parent)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[bytes, bytes]]:
        self._buffer += chunk
        out = []
        while len(self._buffer) >= 5:
            size = int.from_bytes(self._buffer[1:5], "big")
            if len(self._buffer) < 5 + size:
                break
            out.append((bytes(self._buffer[:1]), bytes(self._buffer[5:5 + size])))
            del self._buffer[:5 + size]
        return out


class Forwarded:
    """A progress bar of the child: each call is sent to the parent, which draws it (the
    class is the child's :data:`vrgraph.progress.Listener`)."""

    _count = 0

    def __init__(self, what: str, total: int | None, unit: str) -> None:
        Forwarded._count += 1
        self._number = Forwarded._count
        self._tell("open", what, total, unit)

    def _tell(self, kind: str, *rest: object) -> None:
        send(PROGRESS, pickle.dumps((kind, self._number, *rest)))

    def update(self, n: float | None = 1) -> None:
        self._tell("update", n)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self._tell("note", s)

    def close(self) -> None:
        self._tell("close")


def draw(event: tuple[object, ...], listener: progress.Listener,
          bars: dict[int, progress.Bar]) -> None:
    """Show one progress event of the child with the parent's ``listener``."""
    kind, number, *rest = event
    if not isinstance(number, int):
        return
    if kind == "open" and len(rest) == 3:
        what, total, unit = rest
        bars[number] = listener(str(what), total if isinstance(total, int) else None,
                                str(unit))
    elif (bar := bars.get(number)) is None:
        return
    elif kind == "update" and rest and isinstance(rest[0], (int, float)):
        bar.update(rest[0])
    elif kind == "note" and rest:
        bar.set_postfix_str(str(rest[0]))
    elif kind == "close":
        bars.pop(number).close()
