"""``sh:flags`` for pySHACL as the default engine reads them (SHACL 4.4.1: the flags of
SPARQL's ``REGEX``, https://www.w3.org/TR/xpath-functions/#flags).

The default engine runs ``sh:pattern`` as SPARQL ``REGEX`` on Oxigraph, which follows every
flag; pySHACL follows ``i`` and ``m`` and ignores the rest. Before a shape goes to pySHACL
its pattern is rewritten so that both give the same answer: ``s`` (``.`` matches a line
break too) becomes ``(?s)`` at the start of the pattern, ``q`` (the pattern is a plain
string) escapes the pattern. ``x`` (whitespace in the pattern ignored) is refused there:
Oxigraph's reading of it (Rust's verbose mode, where ``#`` starts a comment) has no exact
equivalent in Python's ``re``.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal

from ..namespaces import SH
from .shapes import ShapeError


def for_pyshacl(core: Graph) -> Graph:
    """``core`` with every ``sh:pattern`` under the flags ``s`` or ``q`` rewritten (a copy;
    ``core`` itself when no shape has them); a :class:`ShapeError` for the flag ``x``."""
    flagged = [(shape, str(flags)) for shape, flags in core.subject_objects(SH.flags)
               if set(str(flags)) & {"s", "q", "x"}]
    if not flagged:
        return core
    out = Graph()
    for triple in core:
        out.add(triple)
    for shape, flags in flagged:
        if "x" in flags:
            raise ShapeError(f"shape {shape.n3()}: sh:flags {flags!r}: the flag 'x' is not "
                             f"supported by --engine pyshacl (pySHACL ignores it, and would "
                             f"give other results); use the default engine, which follows it")
        for pattern in list(out.objects(shape, SH.pattern)):
            text = str(pattern)
            if "q" in flags:
                text = re.escape(text)
            if "s" in flags:
                text = "(?s)" + text
            out.remove((shape, SH.pattern, pattern))
            out.add((shape, SH.pattern, Literal(text)))
        out.remove((shape, SH.flags, None))
        kept = "".join(f for f in flags if f in "im")
        if kept:
            out.add((shape, SH.flags, Literal(kept)))
    return out
