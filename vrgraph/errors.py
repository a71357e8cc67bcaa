"""Domain errors. Only the CLI turns these into messages and exit codes.

Exit codes (documented in README.md): 0 success / conforms, 1 the data does not conform,
2 unusable input (bad file, bad parameter, bad query), 3 an output could not be written.
"""

from __future__ import annotations


class VrgraphError(Exception):
    """Base class: a problem the user can act on. ``str(err)`` is the whole message."""

    exit_code = 2


class SourceError(VrgraphError):
    """The source document cannot be read as the expected structure."""


class CurationError(VrgraphError):
    """A curation file is malformed or names something that does not exist."""


class InputError(VrgraphError):
    """An RDF file given by the user cannot be parsed."""


class QueryError(VrgraphError):
    """A query or its parameters are unusable."""


class OutputError(VrgraphError):
    """An output cannot be written."""

    exit_code = 3


def located(path: str, line: int | None, message: str, column: int | None = None) -> str:
    """Format ``path:line:column: message`` the way compilers and editors expect."""
    where = str(path)
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return f"{where}: {message}"
