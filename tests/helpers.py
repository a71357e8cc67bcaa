"""Small helpers shared by the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = (shutil.which("chromium") or shutil.which("chromium-browser")
            or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None))
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium (apt-get install chromium); the pages "
                             "are checked by the HTML tests only")


def values_of(node: Any, key: str) -> Iterator[Any]:
    """Every value under ``key`` anywhere in parsed JSON (``@context``, ``$ref``)."""
    if isinstance(node, dict):
        for k, value in node.items():
            if k == key:
                yield value
            else:
                yield from values_of(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from values_of(item, key)


def chromium(tmp_path: Path, url: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """Open ``url`` in a headless Chromium with its own profile in ``tmp_path`` and no
    network of its own (``flags``: ``--dump-dom``, ``--screenshot=FILE``, ...)."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", *flags, url],
        capture_output=True, text=True, timeout=120, check=False)


def dom(tmp_path: Path, url: str, *flags: str) -> str:
    """The page's DOM once loaded (and its scripts run, within ``flags``' time budget)."""
    done = chromium(tmp_path, url, "--dump-dom", *flags)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(tmp_path: Path, url: str, size: str) -> bytes:
    """A PNG of the page at window ``size`` (``"1280,900"``), checked to be a real image of
    a rendered page, not a blank one."""
    shot = tmp_path / "shot.png"
    done = chromium(tmp_path, url, f"--screenshot={shot}", f"--window-size={size}")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    return data
