"""``vrgraph build`` (the graph from the source document and the curation files, or another
strategy's from its workbook) and ``vrgraph map`` (SKOS mappings between strategies)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import InputError
from ..project import Project
from .common import data_option, handle_errors


@click.command()
@click.option("--base-iri", default=None, help="Base for instance IRIs (default: the one "
              "recorded in data/graph.ttl, else https://w3id.org/vrgraph/).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the Turtle (default data/graph.ttl; with --sheet "
                   "out/SHORT-NAME.ttl).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the output differs "
              "from what the build produces.")
@click.option("--sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Build another strategy from its workbook (`vrgraph sheet "
              "new`, filled in) instead of the source document; needs --base-iri, a base of "
              "its own.")
@click.option("--data", "data", multiple=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --sheet: the graphs of the other strategies (and reference schemes) "
                   "the column Matches of sheet Principles names (default data/graph.ttl).")
@click.pass_obj
@handle_errors
def build(project: Project, base_iri: str | None, output: Path | None, check: bool,
          sheet: Path | None, data: tuple[Path, ...]) -> None:
    """Build data/graph.ttl from the source copy and the curation files, or another
    strategy's graph from its workbook (--sheet). Exit 2 names every bad cell or file line;
    nothing is written."""
    from ..namespaces import Base
    from ..pipeline import build_turtle
    from ..sheet.strategy import build_checked
    from ..store import recorded_base

    if sheet is not None:
        if base_iri is None:
            raise InputError("--sheet needs --base-iri: the base the strategy's IRIs are "
                             "minted under, its own, e.g. https://example.org/lambeth/")
        base = Base.parse(base_iri)
        if base == recorded_base(project):
            raise InputError(f"--base-iri {base.iri} is the base of the project's own "
                             f"strategy ({project.display(project.graph)}): give the second "
                             f"strategy a base of its own, so that their IRIs never meet")
        turtle, graph, key = build_checked(project, sheet, base, list(data) or None)
        target = output or project.root / "out" / f"{key}.ttl"
    else:
        if data:
            raise InputError("--data goes with --sheet: the graphs its column Matches names")
        base = Base.parse(base_iri) if base_iri is not None else recorded_base(project)
        turtle, graph = build_turtle(project, base)
        target = output or project.graph
    if check:
        same = target.exists() and target.read_bytes() == turtle
        click.echo(f"{project.display(target)}: {'up to date' if same else 'differs from the build'}")
        sys.exit(0 if same else 1)
    from ..project import write_atomic

    write_atomic(target, turtle)
    click.echo(f"wrote {project.display(target)}: {len(graph)} triples, {len(turtle)} bytes")
    if sheet is None and target == project.graph:
        from ..pipeline import open_graph
        from ..store import disk

        if disk.worth_keeping([target]):
            open_graph(project)  # the reasoned store the next commands open (store/disk.py)


@click.command("map")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the mappings' Turtle (default out/mappings.ttl).")
@data_option
@click.pass_obj
@handle_errors
def map_principles(project: Project, file: Path | None, output: Path | None,
                   data: tuple[Path, ...]) -> None:
    """Turn a mapping file (default data/curation/mappings.yaml) into a graph of SKOS
    mappings between the principles of different strategies, or to a reference scheme.

    Each entry maps a principle (SHORT-NAME:ID, e.g. northbridge:SP1, or an IRI) exact,
    close, broad or narrow to another strategy's principle (hackney:SP3) or a concept of a
    reference scheme, resolved in the graphs given with --data (default data/graph.ttl).
    The mappings must pass the shapes with them. Give the output with --data to `report`
    and `query run reference-coverage`. Exit 0 written, 1 the mappings break the shapes,
    2 bad input (FILE:LINE: field: what is wrong), 3 cannot write.
    """
    from ..mappings import build_checked
    from ..project import write_atomic

    source = file or project.root / "data" / "curation" / "mappings.yaml"
    turtle, count = build_checked(project, source, list(data))
    target = output or project.root / "out" / "mappings.ttl"
    write_atomic(target, turtle)
    click.echo(f"wrote {project.display(target)}: {count} mapping{'s' if count != 1 else ''}")
