"""Shared fixtures: the real project, its built graph, a reasoned store, built once; an
Oxigraph server per test module that asks for one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from vrgraph import pipeline, source
from vrgraph.cli.publish import push as push_command
from vrgraph.project import Project

from .stores import Oxigraph, Unavailable, oxigraph_binary

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


def oxigraph_or_skip() -> str:
    """The Oxigraph server's binary; the test is skipped, saying why, where there is none."""
    try:
        return oxigraph_binary()
    except Unavailable as why:
        pytest.skip(str(why))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An Oxigraph server of the test module's own, empty."""
    oxigraph_or_skip()
    srv = Oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def pushed(server, project):
    """``server`` holding the reasoned graph, pushed as a user would (``vrgraph push``)."""
    result = CliRunner().invoke(push_command, ["--endpoint", server.store], obj=project)
    assert result.exit_code == 0, result.output
    assert "pushed" in result.stdout and "the default graph" in result.stdout
    return server


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
