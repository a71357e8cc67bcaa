"""Progress of long work (building a kept store, publishing a release), told to whoever
listens: the library never prints.

The library marks its long stages with :func:`task` (a context manager giving a
:class:`Task` to :meth:`~Task.advance`) or :func:`track` (an iterable counted as it is
consumed), and says where a task is with :func:`note`. Nothing is shown unless a caller has set a listener with :func:`reporting`: the
command line sets :func:`terminal` when its standard error is a terminal (``vrgraph
--progress`` / ``--no-progress`` decide otherwise), so that pipes, logs and CI stay quiet. A
listener makes a :class:`Bar` per task; tqdm's bars are one (https://tqdm.github.io/). The
listener is kept in a :class:`contextvars.ContextVar`: set for one call, in one thread, and
nothing changes at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Protocol, TypeVar

T = TypeVar("T")


class Bar(Protocol):
    """What a listener gives for one task (tqdm's bars have these methods)."""

    def update(self, n: float | None = 1) -> bool | None: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None: ...

    def close(self) -> None: ...


Listener = Callable[[str, "int | None", str], Bar]
"""Makes the bar of a task from what it does, its total (None: unknown) and its unit."""

_LISTENER: ContextVar[Listener | None] = ContextVar("vrgraph_progress", default=None)
_CURRENT: ContextVar[Task | None] = ContextVar("vrgraph_progress_task", default=None)


class Task:
    """One long stage: count its steps with :meth:`advance`, say where it is with
    :meth:`note`. Without a listener both do nothing."""

    def __init__(self, bar: Bar | None) -> None:
        self._bar = bar

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text)


@contextmanager
def task(what: str, total: int | None = None, unit: str = "step") -> Iterator[Task]:
    """A stage that does ``what`` (``"publishing"``), of ``total`` steps of ``unit`` if
    known; its bar, if anyone listens, is closed when the stage ends, however it ends."""
    listener = _LISTENER.get()
    bar = listener(what, total, unit) if listener is not None else None
    current = Task(bar)
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)
        if bar is not None:
            bar.close()


def note(text: str) -> None:
    """Say where the innermost task running is (``"reasoning"``), if there is one: for a
    stage that has no steps to count."""
    current = _CURRENT.get()
    if current is not None:
        current.note(text)


def track(items: Iterable[T], what: str, total: int | None = None,
          unit: str = "step") -> Iterator[T]:
    """``items``, one step of the task ``what`` counted as each is taken."""
    with task(what, total, unit) as t:
        for item in items:
            yield item
            t.advance()


def listening() -> Listener | None:
    """The listener set for this call (None: no one listens)."""
    return _LISTENER.get()


@contextmanager
def reporting(listener: Listener | None) -> Iterator[None]:
    """Tell the progress of the work done inside to ``listener`` (None: to no one)."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def wanted(stream: IO[str], choice: bool | None = None) -> bool:
    """Whether to show progress on ``stream``: ``choice`` if given (``--progress`` /
    ``--no-progress``), else ``VRGRAPH_PROGRESS`` (``1``/``0``), else only on a terminal
    that is not ``TERM=dumb``."""
    if choice is not None:
        return choice
    env = os.environ.get("VRGRAPH_PROGRESS", "").strip().lower()
    if env in ("1", "true", "yes", "on"):
        return True
    if env in ("0", "false", "no", "off"):
        return False
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):   # a closed or fake stream
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


def terminal(stream: IO[str]) -> Listener:
    """A listener drawing tqdm bars on ``stream``, each erased when its task ends (so that
    what stays on the terminal is the command's own output); plain ASCII without colour
    under ``NO_COLOR`` (https://no-color.org/)."""
    def bar(what: str, total: int | None, unit: str) -> Bar:
        from tqdm import tqdm  # only when a bar is drawn: not on the start-up path

        plain = bool(os.environ.get("NO_COLOR"))
        return tqdm(desc=what, total=total, unit=f" {unit}" if unit else "it", file=stream,
                    leave=False, dynamic_ncols=True, ascii=plain or None, colour=None,
                    mininterval=0.2)
    return bar
