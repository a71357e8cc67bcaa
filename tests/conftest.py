"""Shared fixtures: the real project, its built graph, and a reasoned store, built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vrgraph import pipeline, source
from vrgraph.project import Project

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def doc() -> source.Document:
    return source.read(ROOT / "data/source/violence-reduction-landscape.md")


@pytest.fixture(scope="session")
def built(project):
    """(turtle bytes, rdflib graph) of a fresh build of the real document."""
    return pipeline.build_turtle(project)


@pytest.fixture(scope="session")
def store(project):
    """The committed graph with the ontology, reasoned."""
    return pipeline.load(project)


@pytest.fixture()
def scratch(tmp_path: Path) -> Project:
    """A copy of the project's data files in a temporary folder, free to break."""
    for part in ("data", "ontology", "queries"):
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, tmp_path / part)
    return Project(tmp_path)


def select(store, query: str) -> list[dict[str, str | None]]:
    """Run a SELECT on a store (union of graphs) and return rows of plain strings."""
    results = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names}
            for row in results]
