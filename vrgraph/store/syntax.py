"""What an RDF file must pass before a parser sees it: nesting depth and XML entities.

Oxigraph's RDF/XML parser expands XML entities without limit (a "billion laughs" file takes
gigabytes), reports no position, and takes quadratic time in the nesting depth. So an
RDF/XML file is first read by expat (the standard library's XML parser) with entity
expansion in text turned off: it gives the line and column of any XML error, refuses
external and parameter entities, entities that would expand beyond
:data:`bounds.ENTITY_BYTES` in all, and elements nested deeper than :data:`bounds.DEPTH`.
Turtle, TriG and N3 are scanned for ``[ ( {`` nesting the same way. Attribute values are
expanded by expat itself, whose amplification guard (expat 2.4 and newer) bounds that.
"""

from __future__ import annotations

import re
from typing import NoReturn
from xml.parsers import expat

from .. import bounds
from ..errors import InputError, located

_REFERENCE = re.compile(r"&([^;#\s&]+);")
_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}
# Turtle tokens that may hold brackets without opening anything: strings, IRIs, comments.
_TURTLE = re.compile(rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                     rb'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*'
                     rb'|[\[({]|[\])}]', re.S)
_OPEN, _CLOSE = frozenset(b"[({"), frozenset(b"])}")


class _Refused(Exception):
    """Raised inside expat's handlers; carries the message."""


def check_nesting(data: bytes, display: str) -> None:
    """Refuse Turtle, TriG or N3 nested deeper than :data:`bounds.DEPTH`."""
    if sum(data.count(c) for c in (b"[", b"(", b"{")) <= bounds.DEPTH:
        return
    depth = 0
    for match in _TURTLE.finditer(data):
        token = match.group()
        if len(token) != 1:
            continue
        if token[0] in _OPEN:
            depth += 1
            if depth > bounds.DEPTH:
                line, column = bounds.line_column(data, match.start())
                raise InputError(located(display, line, _too_deep(), column))
        elif token[0] in _CLOSE:
            depth = max(depth - 1, 0)


def _too_deep() -> str:
    return f"nested deeper than the budget of {bounds.DEPTH} levels; refused"


def check_rdfxml(data: bytes, display: str) -> None:
    """Read ``data`` with expat; raise :class:`InputError` with line and column for
    malformed XML, refused entities or too deep nesting."""
    parser = expat.ParserCreate()
    declared: dict[str, str] = {}
    sizes: dict[str, int] = {}
    state = {"depth": 0, "expanded": 0}

    def refuse(message: str) -> NoReturn:
        raise _Refused(message)

    def entity(name: str, is_parameter: int, value: str | None, *_: object) -> None:
        if is_parameter:
            refuse(f"entity expansion refused: parameter entity %{name}; is not read")
        if value is None:
            refuse(f"entity expansion refused: external entity &{name}; is not read")
        declared[name] = value

    def size(name: str, seen: tuple[str, ...] = ()) -> int:
        if name in _PREDEFINED or name not in declared:
            return 1
        if name in seen:
            refuse(f"entity expansion refused: entity &{name}; refers to itself")
        if name not in sizes:
            value = declared[name]
            total = len(value.encode("utf-8"))
            for ref in _REFERENCE.findall(value):
                total += size(ref, (*seen, name))
                if total > bounds.ENTITY_BYTES:
                    break
            sizes[name] = total
        return sizes[name]

    def end_doctype() -> None:
        for name in declared:
            if size(name) > bounds.ENTITY_BYTES:
                refuse(f"entity expansion refused: &{name}; expands to more than the "
                       f"budget of {bounds.size(bounds.ENTITY_BYTES)}")

    def expand(count: int) -> None:
        state["expanded"] += count
        if state["expanded"] > bounds.ENTITY_BYTES:
            refuse(f"entity expansion refused: the entities expand to more than the budget "
                   f"of {bounds.size(bounds.ENTITY_BYTES)}")

    def start(_name: str, attributes: dict[str, str]) -> None:
        state["depth"] += 1
        if state["depth"] > bounds.DEPTH:
            refuse(_too_deep())
        if declared:
            expand(sum(len(v) for v in attributes.values()))

    def end(_name: str) -> None:
        state["depth"] -= 1

    def default(text: str) -> None:          # gets entity references in text unexpanded
        match = _REFERENCE.fullmatch(text)
        if match and match.group(1) in declared:
            expand(size(match.group(1)))

    parser.EntityDeclHandler = entity
    parser.EndDoctypeDeclHandler = end_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.DefaultHandler = default
    try:
        parser.Parse(data, True)
    except _Refused as err:
        raise InputError(located(display, parser.CurrentLineNumber, str(err),
                                 parser.CurrentColumnNumber + 1)) from None
    except expat.ExpatError as err:
        message = expat.ErrorString(err.code)
        message = (f"entity expansion refused: {message}" if "amplification" in message
                   else f"malformed RDF/XML: {message}")
        raise InputError(located(display, err.lineno, message, err.offset + 1)) from None


def long_token(data: bytes, limit: int = bounds.TOKEN_BYTES) -> tuple[int | None, int | None]:
    """Where a token longer than ``limit`` bytes is (Oxigraph stops at one with a bare
    ``MemoryError``): the first line longer than ``limit`` (its number; no column), else
    the line and column of the first triple-quoted string longer than it; ``(None, None)``
    if neither is found. Long lines are sought in jumps of ``limit`` bytes."""
    pos = 0
    while pos < len(data):
        last = data.rfind(b"\n", pos, pos + limit + 1)
        if last < 0:
            if len(data) - pos > limit:
                return bounds.line_column(data, pos)[0], None
            break
        pos = last + 1
    for quote in (b'"""', b"'''"):
        start = data.find(quote)
        while start >= 0:
            end = data.find(quote, start + 3)
            if (len(data) if end < 0 else end) - start > limit:
                return bounds.line_column(data, start)
            start = -1 if end < 0 else data.find(quote, end + 3)
    return None, None


def locate(data: bytes, message: str) -> tuple[int | None, int | None]:
    """Where the first quoted term of a parser's ``message`` first occurs in ``data``,
    for parsers that give no position (Oxigraph's RDF/XML)."""
    for quoted in re.findall(r"'([^']{2,})'|`([^`]{2,})`", message):
        term = (quoted[0] or quoted[1]).encode("utf-8")
        offset = data.find(term)
        if offset >= 0:
            return bounds.line_column(data, offset)
    return None, None
