"""The stages strung together, as the CLI and the benchmarks call them."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import Graph

from . import build, reason, store
from .namespaces import PREFIXES
from .project import Project
from .validate import Report, validate


def build_turtle(project: Project, base_iri: str | None = None) -> tuple[bytes, Graph]:
    """Build the document graph and its Turtle bytes."""
    graph = build.build_graph(build.Sources.at(project.root),
                              base_iri or build.DEFAULT_BASE)
    return build.serialise(graph), graph


def load(project: Project, files: list[Path] | None = None, validation: bool = False
         ) -> ox.Store:
    """Load ``files`` (default: the built graph) and the ontology, and reason over them
    (``validation``: without the rules validation may not assume, see ``reason.Rule``)."""
    st = store.load(files or [project.graph], [project.ontology], project.root)
    reason.materialise(st, reason.rules(project.rules, validation))
    return st


def shapes(project: Project) -> Graph:
    return Graph().parse(project.shapes, format="turtle")


def validate_files(project: Project, files: list[Path]) -> tuple[Report, Callable[[str], str]]:
    """Load, reason and validate ``files``; also return a function that shortens IRIs."""
    report = validate(load(project, files, validation=True), shapes(project))
    return report, shortener(build.DEFAULT_BASE)


def shortener(base: str) -> Callable[[str], str]:
    """Write IRIs with the project's prefixes (``vrid:action/5.1.1``, ``vr:Action``)."""
    pairs = sorted([(str(ns), p) for p, ns in PREFIXES.items()] + [(base + "id/", "vrid")],
                   key=lambda pair: -len(pair[0]))

    def short(iri: str) -> str:
        for ns, prefix in pairs:
            if iri.startswith(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri
    return short
