"""Budgets for every reader, and strict decoding of text input.

Every file or text a user hands in is read through here: at most ``limit`` bytes, decoded
as UTF-8 strictly (a UTF-8 byte-order mark is accepted; any other is named), and an error
names the file or argument and the byte offset. The budgets are stated in README.md
("Limits"); ``VRGRAPH_MAX_INPUT_MB`` raises the one for RDF files, for big graphs.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from .errors import InputError, VrgraphError

MB = 1024 * 1024
#: An RDF file (Turtle, RDF/XML, ...): bytes read; ``VRGRAPH_MAX_INPUT_MB`` overrides it.
RDF_BYTES = 256 * MB
#: A curation file, the source document, a query file or argument, a parameter value.
TEXT_BYTES = 4 * MB
#: Nesting of XML elements, or of ``[ ( {`` in Turtle, TriG and N3.
DEPTH = 1000
#: What the entities of one RDF/XML file may expand to, in all.
ENTITY_BYTES = 16 * MB
#: YAML anchors a curation file may refer to, in all (``*alias``).
YAML_ALIASES = 100

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def rdf_bytes() -> int:
    """The budget for one RDF file: ``VRGRAPH_MAX_INPUT_MB`` megabytes, else 256."""
    raw = os.environ.get("VRGRAPH_MAX_INPUT_MB")
    if raw is None:
        return RDF_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(f"VRGRAPH_MAX_INPUT_MB={raw!r}: give a whole number of megabytes")
    return value * MB


def size(limit: int) -> str:
    return f"{limit // MB} MB" if limit % MB == 0 else f"{limit} bytes"


def read(path: Path, display: str, limit: int, error: type[VrgraphError] = InputError,
         what: str = "") -> bytes:
    """The bytes of ``path``, at most ``limit`` of them; else raise ``error`` (saying
    "cannot read ``what``")."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise error(f"{display}: cannot read{' ' + what if what else ''}: "
                    f"{err.strerror or err}") from None
    if len(data) > limit:
        raise error(f"{display}: larger than the budget of {size(limit)} for this input; "
                    f"nothing was read")
    return data


def strip_bom(data: bytes, display: str, error: type[VrgraphError] = InputError) -> bytes:
    """``data`` without a UTF-8 byte-order mark; a UTF-16 or UTF-32 one is refused."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise error(f"{display}: starts with a {name} byte-order mark: the file is "
                        f"{name}, not UTF-8; save it as UTF-8")
    return data


def decode(data: bytes, display: str, error: type[VrgraphError] = InputError,
           fix: str = "save it as UTF-8") -> str:
    """``data`` decoded as UTF-8, strictly; an error names the byte offset, line, column."""
    data = strip_bom(data, display, error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{display}: not UTF-8 at byte {err.start} ({where(data, err.start)}): "
                    f"{data[err.start:err.start + 1]!r} {err.reason}; {fix}"
                    ) from None


def read_text(path: Path, display: str, limit: int = TEXT_BYTES,
              error: type[VrgraphError] = InputError, what: str = "") -> str:
    """A text file, at most ``limit`` bytes, decoded strictly."""
    return decode(read(path, display, limit, error, what), display, error)


def argument(text: str, what: str, limit: int = TEXT_BYTES,
             error: type[VrgraphError] = InputError) -> str:
    """A command-line argument as given: the OS hands undecodable bytes over as lone
    surrogates (PEP 383); refuse them, naming ``what`` and the byte offset."""
    raw = text.encode("utf-8", "surrogateescape")
    if len(raw) > limit:
        raise error(f"{what}: larger than the budget of {size(limit)}")
    return decode(raw, what, error, "give it as UTF-8")


def line_column(data: bytes, offset: int) -> tuple[int, int]:
    """The line and column (1-based; the column counts bytes) of byte ``offset``."""
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def where(data: bytes, offset: int) -> str:
    return "line {}, column {}".format(*line_column(data, offset))
