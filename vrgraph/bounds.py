"""Budgets for every reader, and strict decoding of text input.

Every file or text a user hands in is read through here: only a regular file (a FIFO, a
device or a folder is refused from ``stat``, before anything is opened), at most ``limit``
bytes (checked on ``stat`` and again while reading), decoded as UTF-8 strictly (a UTF-8
byte-order mark is accepted; any other is named), and an error names the file or argument
and the byte offset. The budgets are stated in README.md
("Limits"); ``VRGRAPH_MAX_INPUT_MB`` raises the one for RDF files, for big graphs.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import BinaryIO

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
#: One token of an RDF file (a literal, an IRI): Oxigraph's parsers hold at most this much.
TOKEN_BYTES = 16 * MB

_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


RDF_HINT = "VRGRAPH_MAX_INPUT_MB=N raises it for a bigger graph"
"""What to do about an RDF file past its budget: said with the refusal."""


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


#: Open never blocks (on a FIFO swapped in after ``stat``); bytes as they are (Windows).
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str | None:
    """What a file of ``mode`` is, if it is not a regular file."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def open_file(path: Path, display: str, limit: int, error: type[VrgraphError] = InputError,
              what: str = "", hint: str = "") -> BinaryIO:
    """``path`` opened for reading: a regular file of at most ``limit`` bytes, judged from
    ``stat`` before it is opened (so a FIFO never blocks, a big file costs nothing), and
    again from the open file (it may have been swapped in between); a refusal ends with
    ``hint`` (what to do), if given."""
    def cannot(err: OSError) -> VrgraphError:
        return error(f"{display}: cannot read{' ' + what if what else ''}: "
                     f"{err.strerror or err}")

    def check(info: os.stat_result) -> None:
        kind = _kind(info.st_mode)
        if kind is not None:
            raise error(f"{display}: {kind}, not a regular file; give a file")
        if info.st_size > limit:
            raise error(f"{display}: larger than the budget of {size(limit)} for this input; "
                        f"nothing was read{f' ({hint})' if hint else ''}")

    try:
        check(os.stat(path))
        fd = os.open(path, _FLAGS)
    except OSError as err:
        raise cannot(err) from None
    try:
        check(os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read(path: Path, display: str, limit: int, error: type[VrgraphError] = InputError,
         what: str = "", hint: str = "") -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (see
    :func:`open_file`); else raise ``error`` (saying "cannot read ``what``"). A file that
    grows while it is read is cut off at ``limit`` + 1 bytes and refused."""
    with open_file(path, display, limit, error, what, hint) as handle:
        try:
            data = handle.read(os.fstat(handle.fileno()).st_size + 1)
            while len(data) <= limit:          # grown since stat, or a size stat cannot tell
                more = handle.read(min(MB, limit + 1 - len(data)))
                if not more:
                    break
                data += more
        except OSError as err:
            raise error(f"{display}: cannot read{' ' + what if what else ''}: "
                        f"{err.strerror or err}") from None
    if len(data) > limit:
        raise error(f"{display}: larger than the budget of {size(limit)} for this input "
                    f"(it grew while it was read); refused{f' ({hint})' if hint else ''}")
    return data


def read_rdf(path: Path, display: str) -> bytes:
    """The bytes of the RDF file ``path``, within :func:`rdf_bytes` (see :func:`read`); a
    refusal says how to raise the budget."""
    return read(path, display, rdf_bytes(), hint=RDF_HINT)


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
