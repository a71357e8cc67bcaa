"""Canned and ad-hoc SPARQL over the reasoned store: stage 6 of the pipeline.

The canned queries are ``queries/*.rq`` files with a ``#+`` header
(:mod:`vrgraph.query.canned`); their parameters name what the look-ups find
(:mod:`vrgraph.query.lookups`), within a strategy where the graph holds several
(:mod:`vrgraph.query.strategies`), and are bound as typed RDF terms
(:mod:`vrgraph.query.binding`). This module runs them, and any query: every query, canned
or not, goes through :func:`vrgraph.sparql_guard.guard` first: one that could reach outside
the store (``SERVICE``, ``LOAD``, ``FROM``) is refused, and the engine runs the guard's
canonical text, never the text as given.
Spec: https://www.w3.org/TR/sparql11-query/
"""

from __future__ import annotations

import gc
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from .. import sandbox
from ..errors import QueryError, located
from ..namespaces import PREFIX_IRIS, strategy_prefixes
from ..sparql_guard import Guarded, guard
from ..store import Answer, Bindings, Queryable, Term, lexical
from .binding import bind
from .canned import CannedQuery, canonical, kept_text
from .strategies import strategy_spaces

_AT = re.compile(r"^error at (\d+):(\d+): ")
_CHAR_CLASS = re.compile(r"\[[^\]]*\.\.=[^\]]*\](?:, \[[^\]]*\.\.=[^\]]*\])*")


@dataclass
class Table:
    """A SELECT result: variable names and rows of terms (None where unbound)."""

    variables: list[str]
    rows: list[list[Term | None]]

    def values(self) -> list[dict[str, str | None]]:
        """The rows as plain text (a triple term as N-Triples writes it)."""
        return [{v: lexical(t) for v, t in zip(self.variables, row)} for row in self.rows]


def known_prefixes(store: Queryable) -> dict[str, str]:
    """The prefixes a query may use without declaring them: the vocabularies' (``vr:``,
    ``skos:``, ``dcterms:``, ``prov:``, ``org:``, ``dcat:`` ...), ``vrid:`` for the things of
    the graph's base and, for each strategy, its short name for the things minted under its
    base (``hackney-b1:action/1.2``, :func:`vrgraph.namespaces.strategy_prefixes`), as every
    output that shortens IRIs writes them."""
    from ..store import base_of

    known = dict(PREFIX_IRIS) | {"vrid": base_of(store).ids}
    # as the shortener writes them (vrgraph.pipeline.shortener_of)
    for name, namespace in strategy_prefixes(strategy_spaces(store)).items():
        known.setdefault(name, namespace)
    return dict(sorted(known.items()))


def _undeclared(checked: Guarded, known: Mapping[str, str], where: str) -> None:
    """Refuse a prefixed name whose prefix the query does not declare and no known prefix
    gives, naming it and the known ones (the engine's own message lists grammar rules)."""
    declared = set(known)
    after_prefix = False
    for token in checked.tokens:
        if token.kind == "pname":
            name = token.text.split(":", 1)[0]
            if after_prefix:
                declared.add(name)
            elif name not in declared:
                shown = ", ".join(f"{p}:" for p in known) or "none"
                raise QueryError(located(where, token.line, f"prefix '{name}:' is not declared; "
                                         f"declare it (PREFIX {name}: <IRI>) or use one the "
                                         f"graph knows: {shown}", token.column))
        after_prefix = token.kind == "word" and token.text.upper() == "PREFIX"


def execute(store: Queryable, text: str, bindings: Bindings | None = None,
            where: str = "query", outside: bool = False,
            prefixes: Mapping[str, str] | None = None) -> Answer:
    """Guard a query and run its canonical text on the union of the store's graphs;
    Oxigraph's own result (which ``serve`` streams and caps). ``prefixes`` may be used
    undeclared (:func:`known_prefixes`). An error of the engine's points at the line and
    column of the query as given, on one line. A query from ``outside`` the project
    (ad hoc, or on data given by the user), and every query of a confined process, goes
    through :func:`vrgraph.sandbox.gate`: it runs only in a confined process; the project's
    own run as their kept canonical text (:func:`canonical`)."""
    kept = kept_text(text) if prefixes is None else None   # a canned query's
    checked = (sandbox.gate(text, where, kept) if outside or sandbox.held() is not None
               else None)
    if prefixes is not None:
        _undeclared(checked or guard(text, where), prefixes, where)
    text_run = checked.text if checked is not None else canonical(text, where)
    try:
        if isinstance(store, ox.Store):
            return store.query(text_run, substitutions=bindings or None,
                               use_default_graph_as_union=True, prefixes=dict(prefixes or {}))
        declarations = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        return store.query(declarations + text_run, substitutions=bindings or None,
                           use_default_graph_as_union=True)
    except SyntaxError as err:
        # one line; the engine's character classes (['A' ..= 'Z' | ...]) said in words
        message = _CHAR_CLASS.sub("a name character", " ".join((err.msg or str(err)).split()))
        if len(message) > 300:
            message = message[:300] + "…"
        at = _AT.match(message)
        if at:
            line, column = guard(text, where).origin(int(at.group(2)) - 1)
            message = f"{where}:{line}:{column}: {message[at.end():]}"
            raise QueryError(f"malformed query: {message}") from None
        raise QueryError(f"malformed {where}: {message}") from None
    except OSError as err:
        if sandbox.refused(err):
            raise sandbox.Refused(f"{where}: {sandbox.REFUSED}") from None
        raise QueryError(f"{where}: {err}") from None


def run(store: Queryable, text: str, bindings: Bindings | None = None, where: str = "query",
        outside: bool = False, prefixes: Mapping[str, str] | None = None
        ) -> Table | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
    """Run a query on the union of the store's graphs; SELECT gives a :class:`Table`."""
    result = execute(store, text, bindings, where, outside, prefixes)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        # tens of thousands of new row lists set off Python's cyclic garbage collector over and
        # over, for nothing (none of them is part of a cycle): 5 to 8 % of a large result
        collecting = gc.isenabled()
        gc.disable()
        try:
            rows = [list(row) for row in result]  # a row lists its values in order
        except (OSError, RuntimeError, ValueError) as err:
            if sandbox.refused(err):
                raise sandbox.Refused(f"{where}: {sandbox.REFUSED}") from None
            raise QueryError(f"{where}: the query failed while its results were read: "
                             f"{' '.join(str(err).split())}") from None
        finally:
            if collecting:
                gc.enable()
        return Table(names, rows)
    return result


def run_canned(store: Queryable, query: CannedQuery, values: dict[str, str] | None = None
               ) -> Table:
    """``query`` run with its parameters bound from ``values`` (:func:`bind`): its table."""
    return table(run(store, query.text, bind(store, query, values or {}), query.path.name),
                 query.path.name)


def table(result: Table | bool | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple],
          where: str) -> Table:
    """A SELECT's ``result``; a :class:`QueryError` for an ASK's or a CONSTRUCT's (which
    give no table: ``vrgraph sparql`` runs those)."""
    if not isinstance(result, Table):
        raise QueryError(f"{where}: not a SELECT query, so it gives no table; run it with "
                         f"`vrgraph sparql -f FILE`")
    return result


def run_confined(store: ox.Store, text: str, bindings: Bindings | None = None,
                 where: str = "query", timeout: float = 120.0,
                 memory: int | None = 2 * 2**30, prefixes: Mapping[str, str] | None = None
                 ) -> Table | bool | list[ox.Triple]:
    """:func:`run` in a child process that cannot reach the network or a file, stopped after
    ``timeout`` seconds or ``memory`` bytes (``vrgraph.sandbox``); a crash of the engine is a
    :class:`QueryError`, not the end of this process. A graph comes back as a list."""
    canonical(text, where)  # refused here, before a process is started

    def answer() -> Table | bool | list[ox.Triple]:
        result = run(store, text, bindings, where, outside=True, prefixes=prefixes)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, Table):
            return result
        try:
            return list(result)
        except (OSError, RuntimeError, ValueError) as err:
            if sandbox.refused(err):
                raise sandbox.Refused(f"{where}: {sandbox.REFUSED}") from None
            raise QueryError(f"{where}: the query failed while its results were read: "
                             f"{' '.join(str(err).split())}") from None

    return sandbox.run_confined(answer, timeout, memory)
