"""The ``vrgraph`` command: a thin layer over the library.

Exit codes: 0 success / conforms; 1 the data does not conform (validate) or a check
failed; 2 unusable input (file, parameter, query); 3 an output could not be written.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .errors import VrgraphError
from .project import Project

FORMATS_VALIDATE = ("text", "json", "turtle")


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into a one-line message on stderr and the documented exit code."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except VrgraphError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vrgraph")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder holding data/, ontology/ and queries/ "
                   "(default: the installed project).")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Turn a violence-reduction strategy into a knowledge graph: build, validate, reason,
    query, report, publish and serve it."""
    ctx.obj = Project(root.resolve()) if root else Project.default()


@main.command()
@click.option("--base-iri", default=None, help="Base for instance IRIs "
              "(default https://w3id.org/vrgraph/).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the Turtle (default data/graph.ttl).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if data/graph.ttl differs "
              "from what the build produces.")
@click.pass_obj
@handle_errors
def build(project: Project, base_iri: str | None, output: Path | None, check: bool) -> None:
    """Build data/graph.ttl from the source copy and the curation files."""
    from .pipeline import build_turtle

    data, graph = build_turtle(project, base_iri)
    target = output or project.graph
    if check:
        same = target.exists() and target.read_bytes() == data
        click.echo(f"{project.display(target)}: {'up to date' if same else 'differs from the build'}")
        sys.exit(0 if same else 1)
    from .project import write_atomic

    write_atomic(target, data)
    click.echo(f"wrote {project.display(target)}: {len(graph)} triples, {len(data)} bytes")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS_VALIDATE), default="text",
              show_default=True, help="Report format.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--merge", is_flag=True, help="Validate FILES together with the built graph "
              "(for edits that refer to existing resources).")
@click.pass_obj
@handle_errors
def validate(project: Project, files: tuple[Path, ...], fmt: str, strict: bool,
             merge: bool) -> None:
    """Validate the built graph, or FILES, against the SHACL shapes.

    Exit 0 conforms (warnings allowed unless --strict), 1 violations, 2 unusable input.
    """
    from .pipeline import validate_files
    from .validate import as_json, as_text

    paths = list(files) or [project.graph]
    if merge and project.graph not in paths:
        paths.append(project.graph)
    report, shorten = validate_files(project, paths)
    if fmt == "json":
        click.echo(as_json(report))
    elif fmt == "turtle":
        click.echo(report.graph.serialize(format="turtle"))
    else:
        label = ", ".join(project.display(p) for p in paths)
        click.echo(as_text(report, label, shorten))
    sys.exit(0 if report.ok(strict) else 1)
