"""The lint and type gates, configured in pyproject.toml: ruff (pyflakes, bugbear,
pyupgrade, isort) finds nothing in the package, the tests or the benchmarks, and mypy
(strict) finds nothing in the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    """The tool installed beside this Python (the test extra), else on PATH; skip without."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_finds_nothing():
    result = subprocess.run([tool("ruff"), "check", "--no-cache", "vrgraph", "tests",
                             "benchmarks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_finds_nothing(tmp_path):
    result = subprocess.run([tool("mypy"), "--cache-dir", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Success: no issues found" in result.stdout
