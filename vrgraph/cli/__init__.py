"""The ``vrgraph`` command: a thin layer over the library.

Exit codes: 0 success / conforms; 1 the data does not conform (validate) or a check
failed; 2 unusable input (file, parameter, query); 3 an output could not be written.

The group is here; its commands live beside it by theme: :mod:`.build` (build, map),
:mod:`.validate` (validate, report, diff), :mod:`.query` (query, sparql, prefixes),
:mod:`.publish` (publish, push), :mod:`.serve` and :mod:`.sheet` (sheet, history);
:mod:`.common` holds the shared options and the error handler.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import __version__
from ..project import Project
from . import build, publish, query, serve, sheet, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vrgraph")
@click.option("--root", "--project", "root", type=click.Path(file_okay=False, path_type=Path),
              default=None,
              help="Project folder holding data/, ontology/ and queries/ (default: the "
                   "working directory if it is one, else the checkout or the installed copy).")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="Show the progress of long stages on stderr (default: only when stderr "
                   "is a terminal; VRGRAPH_PROGRESS=0 or 1 says otherwise).")
@click.pass_context
def main(ctx: click.Context, root: Path | None, show_progress: bool | None) -> None:
    """Turn a violence-reduction strategy into a knowledge graph: build, validate, reason,
    query, report, publish and serve it."""
    import logging  # here, not at the top: `vrgraph --help` and `--version` start without it

    from .. import progress

    ctx.with_resource(progress.reporting(
        progress.terminal(sys.stderr) if progress.wanted(sys.stderr, show_progress) else None))
    # rdflib logs a traceback for every ill-typed literal it meets; validation reports them
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    ctx.obj = Project(root.resolve()) if root else Project.default()


for command in (build.build, build.map_principles, validate.validate, validate.report,
                validate.diff, query.query, query.sparql, query.prefixes, publish.publish,
                publish.push, serve.serve, sheet.sheet, sheet.history):
    main.add_command(command)
