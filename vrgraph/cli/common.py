"""What the commands share: their common options, the error handler that turns a domain
error into one line and its exit code, and the notes and password prompt on the terminal."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import VrgraphError

endpoint_option = click.option(
    "--endpoint", metavar="URL", envvar="VRGRAPH_ENDPOINT", default=None,
    help="Use this SPARQL 1.1 endpoint instead of the local graph (it should hold the "
         "reasoned graph: see `vrgraph push`).")
format_option = click.option(
    "--format", "fmt", type=click.Choice(("table", "csv", "json", "markdown")),
    default="table", show_default=True,
    help="table for reading; csv; json (SPARQL 1.1 Query Results JSON); markdown.")
timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True,
    help="Seconds the query may run before it is stopped (exit 2).")
memory_option = click.option(
    "--max-memory", type=click.IntRange(min=64), default=2048, show_default=True,
    metavar="MB", help="Memory the query may use beyond the loaded graph, in MB (exit 2 "
                       "beyond it).")
graph_option = click.option(
    "--graph", "graph_iri", metavar="IRI", default=None,
    help="With --endpoint: use this named graph of the endpoint as the default graph.")
data_option = click.option(
    "--data", "data", multiple=True, metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use these graph files instead of data/graph.ttl (repeatable): e.g. the built graph "
         "and a second strategy's (vrgraph build --sheet), side by side.")
user_option = click.option(
    "--user", metavar="NAME", envvar="VRGRAPH_USER", default=None,
    help="With --endpoint: authenticate as NAME (Basic or Digest), the password from "
         "$VRGRAPH_PASSWORD or a prompt; without it, ~/.netrc if it names the host.")


def endpoint_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--endpoint``, ``--graph`` and ``--user``: a SPARQL endpoint read instead of the
    local graph."""
    return endpoint_option(graph_option(user_option(fn)))


def store_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--data`` and the :func:`endpoint_options`: which graph a command reads."""
    return data_option(endpoint_options(fn))


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


def say(message: str) -> None:
    """A note to the user on stderr (stdout is the command's output)."""
    click.echo(f"vrgraph: {message}", err=True)


def ask_password(question: str) -> str | None:
    """A password from the terminal, not echoed (None at end of input)."""
    try:
        return click.prompt(question, hide_input=True, err=True)
    except click.Abort:
        return None
