"""Progress on stderr: shown on a terminal, never in a pipe, and never in what a command
writes (vrgraph.progress, the CLI's --progress / --no-progress)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from vrgraph import progress

ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    """A listener that keeps what it was told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def __call__(self, what: str, total: int | None, unit: str) -> Recorder:
        self.events.append(("start", (what, total, unit)))
        return self

    def update(self, n: float | None = 1) -> None:
        self.events.append(("update", n))

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.events.append(("note", s))

    def close(self) -> None:
        self.events.append(("close", None))


def test_without_a_listener_a_task_tells_no_one():
    with progress.task("quiet", 3) as t:
        t.advance()
        t.note("nothing happens")
        progress.note("nor here")
    assert list(progress.track([1, 2], "quiet")) == [1, 2]


def test_a_listener_hears_each_step_and_the_end_even_on_an_error():
    heard = Recorder()
    with progress.reporting(heard):
        assert list(progress.track("ab", "letters", 2, "letter")) == ["a", "b"]
        with pytest.raises(ValueError), progress.task("failing"):
            progress.note("half way")             # told to the innermost task
            raise ValueError("boom")
        progress.note("no task: told to no one")
    assert heard.events == [("start", ("letters", 2, "letter")), ("update", 1), ("update", 1),
                            ("close", None), ("start", ("failing", None, "step")),
                            ("note", "half way"), ("close", None)]
    with progress.task("after"):      # the listener was for the block only
        pass
    assert heard.events[-1] == ("close", None) and len(heard.events) == 7


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("choice", "env", "term", "stream", "shown"), [
    (None, None, "xterm", Tty(), True),
    (None, None, "dumb", Tty(), False),         # a terminal that cannot redraw a line
    (None, None, "xterm", io.StringIO(), False),  # a pipe, a file, CI's log
    (None, "0", "xterm", Tty(), False),
    (None, "1", "xterm", io.StringIO(), True),
    (False, "1", "xterm", Tty(), False),        # the option wins over the environment
    (True, "0", "xterm", io.StringIO(), True),
])
def test_progress_is_shown_on_a_terminal_unless_told_otherwise(monkeypatch, choice, env, term,
                                                               stream, shown):
    monkeypatch.setenv("TERM", term)
    if env is None:
        monkeypatch.delenv("VRGRAPH_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("VRGRAPH_PROGRESS", env)
    assert progress.wanted(stream, choice) is shown


def test_the_terminal_bar_draws_on_its_stream_and_erases_itself(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    with progress.reporting(progress.terminal(out)), progress.task("counting", 2, "thing") as t:
        t.advance(2)
    drawn = out.getvalue()
    assert drawn.startswith("\rcounting:") and "/2 " in drawn and " thing/s" in drawn
    assert drawn.isascii() and "\x1b" not in drawn            # NO_COLOR: plain
    last = drawn.rstrip("\r").rsplit("\r", 1)[-1]
    assert drawn.endswith("\r") and last.strip() == ""      # erased: only blanks drawn last


def run_with_stderr(args: list[str], env: dict[str, str], tty: bool) -> tuple[bytes, bytes, int]:
    """Run ``vrgraph ARGS`` with stdout a pipe and stderr a pipe or a pseudo-terminal."""
    command = [sys.executable, "-m", "vrgraph.cli", "--root", str(ROOT), *args]
    if not tty:
        done = subprocess.run(command, env=env, capture_output=True, timeout=600)
        return done.stdout, done.stderr, done.returncode
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a size
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=follower,
                             stdin=subprocess.DEVNULL)
    os.close(follower)
    err = b""
    while True:                 # drain the terminal, or the child blocks on a full one
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:     # EIO: the child closed its end
                break
            if not chunk:
                break
            err += chunk
        elif child.poll() is not None:
            break
    os.close(leader)
    out = child.stdout.read() if child.stdout else b""
    return out, err, child.wait(timeout=600)


@pytest.mark.slow
def test_progress_shows_on_a_terminal_only_and_changes_no_output(tmp_path: Path):
    """Building the kept store (forced for the small document): a bar on a pseudo-terminal,
    nothing on a pipe, and the same answer on stdout either way."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VRGRAPH_PROGRESS", "NO_COLOR", "CI")}
    env.update(TERM="xterm", VRGRAPH_STORE_MIN_MB="0")
    args = ["query", "run", "principle-coverage", "--format", "csv"]
    piped = run_with_stderr(args, {**env, "VRGRAPH_STORE": str(tmp_path / "a")}, tty=False)
    shown = run_with_stderr(args, {**env, "VRGRAPH_STORE": str(tmp_path / "b")}, tty=True)
    assert piped[2] == shown[2] == 0, (piped, shown)
    assert piped[1] == b""                          # nothing extra in a pipe
    assert b"writing the kept store" in shown[1] and b"graph.ttl: chunk 1 of about 1" in shown[1]
    assert piped[0] == shown[0] and piped[0].startswith(b"notation,")
    quiet = run_with_stderr(["--no-progress", *args],
                            {**env, "VRGRAPH_STORE": str(tmp_path / "c")}, tty=True)
    assert quiet[1] == b"" and quiet[0] == piped[0]


def test_progress_made_in_a_confined_child_is_told_to_the_parent():
    """A confined child (vrgraph.sandbox) has no terminal: what it marks comes back on its
    channel, to the parent's listener, each step and the end, beside its answer."""
    from vrgraph import sandbox

    def work() -> str:
        with progress.task("counting", 3, "step") as t:
            for i in range(3):
                t.advance()
                t.note(f"at {i}")
        return "done"

    heard = Recorder()
    with progress.reporting(heard):
        assert sandbox.run_confined(work, 60, None) == "done"
    assert heard.events == [("start", ("counting", 3, "step")),
                            ("update", 1), ("note", "at 0"), ("update", 1), ("note", "at 1"),
                            ("update", 1), ("note", "at 2"), ("close", None)]
    assert sandbox.run_confined(work, 60, None) == "done"    # no listener: nothing sent


def test_validation_counts_its_checks_from_the_confined_child():
    """The real document's validation (its shapes carry SPARQL, so it runs confined) tells
    one step per check, all of them, and gives the same report as without a listener."""
    from vrgraph import pipeline
    from vrgraph import validate as val
    from vrgraph.project import Project

    project = Project(ROOT)
    st = pipeline.open_graph(project)
    heard = Recorder()
    with progress.reporting(heard):
        told = val.validate(st, pipeline.shapes(project), val.WORKERS)
    start, *steps, end = heard.events
    assert start[0] == "start" and start[1][0] == "validating"
    total = start[1][1]
    assert isinstance(total, int) and total > 100
    assert steps == [("update", 1)] * total and end == ("close", None)
    assert told == val.validate(st, pipeline.shapes(project), val.WORKERS)
