"""Whole or nothing: a write killed at any instant leaves the old output or the new, whole,
and the next run removes what the killed one left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from vrgraph import atomic, publish
from vrgraph.cli import main
from vrgraph.namespaces import DEFAULT_BASE
from vrgraph.project import write_atomic
from vrgraph.publish import release as publish_release
from vrgraph.publish.write import MARKER, write_release

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(target: Path) -> list[str]:
    return sorted(n for n in os.listdir(target.parent) if n.startswith(f".{target.name}."))


def killed_at(delay: float, work) -> bool:
    """Run ``work`` in a forked child and SIGKILL it after ``delay`` seconds; True if it
    was killed before it finished."""
    pid = os.fork()
    if pid == 0:                                 # the child: no pytest, no cleanup
        try:
            work()
        finally:
            os._exit(0)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


def timed(work) -> float:
    """Seconds ``work`` takes in a forked child, as the killed children run it."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            work()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def releases(project):
    """The real release's files, and a second release that differs in every file."""
    old = publish.release_files(project, DEFAULT_BASE, publish_release.load())
    new = {rel: data + b"\n" for rel, data in old.items() if rel != "SHA256SUMS"}
    new["added.txt"] = b"only in the new release\n"
    return old, new


@pytest.mark.slow
def test_a_release_is_whole_after_a_kill_at_any_instant_of_its_write(tmp_path, releases):
    """SIGKILL the writer at 32 instants spread evenly over its whole run: the files, the
    swap, the removal of the old release. Each time OUTDIR holds one release or the other,
    whole; the next run removes what the killed one left."""
    old, new = releases
    target = tmp_path / "release"
    write_release(target, old)
    whole_run = max(timed(lambda: write_release(target, new)),       # old -> new -> old
                    timed(lambda: write_release(target, old)))
    counts = {"kept": 0, "swapped": 0, "killed": 0, "left": 0}
    instants = [whole_run * 1.1 * i / 32 for i in range(32)]
    later = iter(whole_run * 1.5 * 2 ** k for k in range(8))  # for a machine (or a disk's
    current = old                                              # fsync) busier than when timed
    for delay in instants:
        other = new if current is old else old
        counts["killed"] += killed_at(delay, lambda o=other: write_release(target, o))
        found = snapshot(target)
        assert found in (old, new), f"OUTDIR is neither release after a kill at {delay:.3f} s"
        counts["swapped" if found == other else "kept"] += 1
        current = other if found == other else current
        counts["left"] += bool(leftovers(target))
        if delay == instants[-1] and not counts["swapped"]:
            instants += [d for d in [next(later, None)] if d is not None]
    write_release(target, old)
    assert leftovers(target) == []
    assert snapshot(target) == old
    print(f"\nkill test, writer: {len(instants)} kills over {whole_run:.2f} s: {counts}")
    assert counts["kept"] and counts["swapped"] and counts["left"]   # kills before, after


@pytest.mark.slow
def test_publish_killed_anywhere_in_its_run_leaves_a_whole_release(tmp_path, releases):
    """The real command, in its own process, killed late in its run (while it writes; the
    kills spread over the writer's whole run are the test above)."""
    old, new = releases
    target = tmp_path / "release"
    write_release(target, new)
    command = [sys.executable, "-m", "vrgraph.cli", "publish", str(target)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    whole_run = time.perf_counter() - started
    assert snapshot(target) == old
    for fraction in (0.9,):
        write_release(target, new)
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(whole_run * fraction)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert snapshot(target) in (old, new), f"not whole after a kill at {fraction:.0%}"
    subprocess.run(command, check=True, capture_output=True)
    assert snapshot(target) == old and leftovers(target) == []


@pytest.mark.slow
def test_the_build_output_is_whole_after_kills_and_leftovers_are_swept(tmp_path):
    target = tmp_path / "graph.ttl"
    old, new = b"old\n" * 2_000_000, b"new\n" * 2_000_000
    write_atomic(target, old)
    for i in range(12):
        killed_at(0.004 * i, lambda i=i: write_atomic(target, new if i % 2 else old))
        assert target.read_bytes() in (old, new)
    write_atomic(target, new)
    assert target.read_bytes() == new and leftovers(target) == []


def test_a_running_writers_temporary_file_is_not_swept(tmp_path):
    import fcntl

    target = tmp_path / "graph.ttl"
    busy = tmp_path / ".graph.ttl.busy.tmp"
    stale = tmp_path / ".graph.ttl.stale.tmp"
    busy.write_bytes(b"x")
    stale.write_bytes(b"x")
    with busy.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        write_atomic(target, b"new")
        assert busy.exists() and not stale.exists()


def test_without_an_atomic_exchange_a_cut_swap_is_put_back(tmp_path, monkeypatch):
    """Where the system has no exchange, the old release parked by a killed run between its
    two renames is put back by the next run."""
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    target = tmp_path / "release"
    write_release(target, {MARKER: b"", "a": b"old"})
    target.rename(tmp_path / ".release.old-dead")          # as a kill mid-swap leaves it
    (tmp_path / ".release.new-dead").mkdir()
    with atomic.new_folder(target):
        assert snapshot(target) == {MARKER: b"", "a": b"old"}
    write_release(target, {MARKER: b"", "a": b"new"})
    assert snapshot(target) == {MARKER: b"", "a": b"new"} and leftovers(target) == []


def test_the_exchange_is_atomic_on_this_system(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    if not atomic.exchange(a, b):
        pytest.skip("no atomic exchange on this system or file system")
    assert (b / "x").read_text() == "a" and not (a / "x").exists()


def test_a_symlinked_parent_of_outdir_is_refused(tmp_path, project):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    result = CliRunner().invoke(main, ["publish", str(tmp_path / "link" / "release")])
    assert result.exit_code == 2, result.output
    assert "link is a symbolic link" in result.output and str(real / "release") in result.output
    assert not (real / "release").exists()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_written_files_get_the_users_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        atomic.write_file(tmp_path / "report.html", b"x")
        with atomic.new_folder(tmp_path / "release") as folder:
            folder_mode = folder.stat().st_mode & 0o777
    finally:
        os.umask(old)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == mode
    assert folder_mode == mode | 0o111 & ~mask
