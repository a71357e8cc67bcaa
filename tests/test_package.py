"""The package as a user installs it: a wheel, away from any checkout.

The wheel is built from this checkout (``setup.py`` bundles the ontology, shapes, queries and
built graph), unpacked into a folder of its own and run from an empty working directory,
with the dependencies of the test environment: no network, no editable install.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w",
                            str(out / "dist"), str(ROOT)], capture_output=True, text=True)
    if built.returncode != 0 and "Could not find a version" in built.stderr:
        pytest.skip("the build backend (setuptools) cannot be fetched: no package index")
    assert built.returncode == 0, built.stderr[-2000:]
    # setuptools' own warnings (a deprecated license table, a data folder left out of
    # `packages`): the build configuration is warning-free
    assert not re.findall(r"\w+Warning: .*", built.stdout + built.stderr)
    wheel = next((out / "dist").glob("vrgraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "vrgraph/bundled/data/graph.ttl" in names
    assert "vrgraph/bundled/queries/principle-coverage.rq" in names
    assert {f"vrgraph/bundled/queries/tables/{name}.rq"
            for name in ("actions", "agencies", "principles", "alignments")} <= set(names)
    assert {"vrgraph/templates/report.html", "vrgraph/static/query.html",
            "vrgraph/static/yasgui/yasgui.min.js", "vrgraph/static/yasgui/yasgui.min.css",
            "vrgraph/static/minisearch/minisearch.js", "vrgraph/static/site-search.js",
            "vrgraph/templates/search.html", "vrgraph/publish/site.yaml",
            "vrgraph/publish/release.yaml", "vrgraph/py.typed"} <= set(names)
    # personal names never ship (vrgraph/source/ is the reader's code, not the document)
    assert not [n for n in names if "data/curation/" in n or n.endswith("leads.yaml")
                or ("/source/" in n and not (n.startswith("vrgraph/source/")
                                             and n.endswith(".py")))]
    assert [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]  # MIT, as declared
    target = out / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    return target


def test_the_sdist_carries_the_licence_and_the_citation(tmp_path):
    backend = tmp_path / "backend"  # the build backend pyproject.toml asks for, as pip uses it
    fetched = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target",
                              str(backend), "setuptools>=77", "wheel"], capture_output=True,
                             text=True)
    if fetched.returncode != 0:
        pytest.skip("the build backend (setuptools) cannot be fetched: no package index")
    built = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            "print(build_meta.build_sdist(sys.argv[1]))", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(backend)})
    assert built.returncode == 0, built.stderr[-2000:]
    sdist = tmp_path / built.stdout.split()[-1]
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"LICENSE", "CITATION.cff", "README.md"} <= names
    assert not [n for n in names if n.startswith(("data/curation", "data/source"))]


def vrgraph(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run([sys.executable, "-m", "vrgraph.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_installed_package_runs_the_report_from_an_empty_folder(installed, tmp_path):
    where = vrgraph(installed, tmp_path, "--version")
    assert where.returncode == 0
    probe = subprocess.run([sys.executable, "-c", "import vrgraph; print(vrgraph.__file__)"],
                           cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)},
                           capture_output=True, text=True)
    assert probe.stdout.startswith(str(installed))  # not the checkout
    result = vrgraph(installed, tmp_path, "report", "-o", "report.html")
    assert result.returncode == 0, result.stderr
    assert "Single points of failure" in result.stdout
    assert (tmp_path / "report.html").stat().st_size > 10_000
    result = vrgraph(installed, tmp_path, "query", "run", "principles-without-actions",
                     "--format", "csv")
    assert result.returncode == 0 and "SP6" in result.stdout


def test_commands_that_need_the_sources_say_so(installed, tmp_path):
    result = vrgraph(installed, tmp_path, "build", "--check")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "does not carry" in result.stderr and "--root DIR" in result.stderr


def test_a_project_folder_in_the_working_directory_is_used(installed, tmp_path):
    """A steward's own folder (here: a copy of the checkout's) wins over the bundled copy."""
    import shutil

    for part in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / part, tmp_path / part)
    result = vrgraph(installed, tmp_path, "build", "--check")
    assert result.returncode == 0, result.stderr
