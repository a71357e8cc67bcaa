"""Parameters for a remote endpoint, bound without splicing: the typed terms travel in the
query as ``BIND`` (SPARQL 1.1 Query section 10.1,
https://www.w3.org/TR/sparql11-query/#bind) or ``VALUES`` (section 10.2,
https://www.w3.org/TR/sparql11-query/#inline-data) written by pyoxigraph, never as user text.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..errors import QueryError
from ..sparql_guard import guard
from ..store import Bindings


def values_clause(bindings: Bindings) -> str:
    """One-row ``VALUES (?a ?b) { (<iri> "text"@en) }`` from typed terms.

    Each term is written by pyoxigraph in N-Triples syntax (``str(term)``), which is valid
    SPARQL: an IRI was checked when its ``NamedNode`` was made (no ``>``, space or brace can
    be in it), a literal's quotes, backslashes and line breaks are escaped, a language tag
    and a datatype IRI are checked too. So a user's text can only ever be a value, never
    query syntax. Blank nodes and triple terms cannot be sent (SPARQL has no syntax for a
    given blank node) and are refused.
    """
    names, terms = [], []
    for variable, term in bindings.items():
        if not isinstance(variable, ox.Variable):
            raise QueryError(f"cannot bind {variable!r}: not a pyoxigraph Variable")
        if not isinstance(term, (ox.NamedNode, ox.Literal)):
            raise QueryError(f"parameter '{variable.value}': only IRIs and literals can be "
                             f"sent to a remote endpoint, not {type(term).__name__}")
        names.append(str(variable))
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind_clause(bindings: Bindings) -> str:
    """``BIND(<iri> AS ?a) BIND("text"@en AS ?b)``: the terms written as in
    :func:`values_clause` (checked the same way)."""
    values_clause(bindings)  # refuses what cannot be sent
    return " ".join(f"BIND({term} AS {variable})" for variable, term in bindings.items())


def bind_remote(text: str, bindings: Bindings | None) -> str:
    """The query ``text`` with ``bindings`` applied as ``BIND``s opening its top-level group.

    A remote endpoint has nothing like pyoxigraph's ``substitutions``, so the values travel
    in the query as data (:func:`bind_clause`), never as spliced user text. They are put
    first inside the query's top-level group (``WHERE { BIND(... AS ?kind) <the rest> }``),
    so the top-level ``FILTER``s and ``BIND``s see the parameter, as they do with
    ``substitutions``. A *trailing* ``VALUES`` after the query would be joined only after
    those filters ran: ``queries/notes.rq`` filters on ``?kind`` and returned no rows at all
    that way. Not a ``VALUES`` block in that place either, though it means the same: with
    one there, Virtuoso 7.2 drops 27 of the 164 rows of ``queries/notes.rq`` (those whose
    OPTIONAL source lines matched). Where there is no top-level group to open (``CONSTRUCT
    WHERE`` short form, ``DESCRIBE <iri>``) a ``VALUES`` block is appended at the end, as
    SPARQL allows.

    The query is read as :mod:`vrgraph.sparql_guard` reads it (no second lexer here), and
    the canonical text is what is sent.
    """
    checked = guard(text)
    if not bindings:
        return checked.text
    code, tokens, starts = checked.text, checked.tokens, checked.starts
    words = [t.text.upper() if t.kind == "word" else t.text for t in tokens]
    start = _group_to_open(words)
    if start is None:
        return f"{code}\n{values_clause(bindings)}\n"
    block = bind_clause(bindings)
    inside = starts[start] + 1
    if start + 1 < len(words) and words[start + 1] == "SELECT":
        # `WHERE { SELECT ... }`: a group holding a sub-select takes nothing beside it,
        # so nest it: `WHERE { BIND(...) { SELECT ... } }`.
        end = starts[_closing(words, start)]
        return f"{code[:inside]} {block} {{{code[inside:end]}}} {code[end:]}"
    return f"{code[:inside]} {block} {code[inside:]}"


def _group_to_open(words: list[str]) -> int | None:
    """The token index of the ``{`` that opens the query's top-level group, or None (the
    short ``CONSTRUCT WHERE`` form, ``DESCRIBE <iri>``)."""
    form = next((i for i, w in enumerate(words) if w in ("SELECT", "CONSTRUCT", "DESCRIBE",
                                                         "ASK")), None)
    if form is None:
        return None
    pos = form + 1
    if words[form] == "CONSTRUCT":
        if pos < len(words) and words[pos] == "WHERE":
            return None  # short form: its braces are a template, nothing goes inside
        template = words.index("{", pos) if "{" in words[pos:] else None
        if template is None:
            return None
        pos = _closing(words, template) + 1
    depth = 0  # a SELECT clause may hold `(EXISTS { ... } AS ?x)`: not the group
    for i in range(pos, len(words)):
        if words[i] == "(":
            depth += 1
        elif words[i] == ")":
            depth -= 1
        elif words[i] == "{" and depth <= 0:
            return i
    return None


def _closing(words: list[str], start: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``start`` (the guard checked that
    every bracket closes)."""
    depth = 0
    for i in range(start, len(words)):
        depth += {"{": 1, "}": -1}.get(words[i], 0)
        if depth == 0:
            return i
    return len(words) - 1
