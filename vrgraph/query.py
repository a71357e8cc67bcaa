"""Canned and ad-hoc SPARQL over the reasoned store: stage 6 of the pipeline.

Canned queries are ``queries/*.rq`` files, each a valid SPARQL 1.1 query with a header of
``#+ key: value`` lines (grlc style) read as YAML: ``title``, ``description``, ``tags`` and
``params`` (a list of ``{name, type, default, description}``). Parameters are bound as
typed RDF terms through Oxigraph's ``substitutions``, never spliced into the text; a value
that names nothing in the graph is refused with the valid values listed. Every query, canned
or not, goes through :func:`vrgraph.sparql_guard.guard` first: one that could reach outside
the store (``SERVICE``, ``LOAD``, ``FROM``) is refused, and the engine runs the guard's
canonical text, never the text as given.
Spec: https://www.w3.org/TR/sparql11-query/
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from . import sandbox
from .errors import QueryError, located
from .sparql_guard import guard
from .store import Answer, Bindings, Queryable, Term, lexical, solutions
from .text import natural

PARAM_TYPES = ("principle", "agency", "action", "plan", "string", "integer", "iri")
_VR = "https://w3id.org/vrgraph/def/"
_AT = re.compile(r"^error at (\d+):(\d+): ")


@dataclass
class Param:
    name: str
    type: str
    description: str = ""
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass
class CannedQuery:
    name: str
    path: Path
    text: str
    title: str
    description: str
    tags: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)


def parse_header(text: str, where: str) -> dict[str, Any]:
    """The ``#+`` header of a query file as a mapping."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise QueryError(located(where, mark.line + 1 if mark else None,
                                 f"malformed #+ header: {getattr(err, 'problem', err)}")) from None
    if not isinstance(header, dict):
        raise QueryError(f"{where}: the #+ header must be 'key: value' lines")
    return header


def load_query(path: Path) -> CannedQuery:
    where = path.name
    text = path.read_text(encoding="utf-8")
    header = parse_header(text, where)
    for key in ("title", "description"):
        if not header.get(key):
            raise QueryError(f"{where}: the header lacks '#+ {key}:'")
    params = []
    for raw in header.get("params") or []:
        if not isinstance(raw, dict) or not raw.get("name") or raw.get("type") not in PARAM_TYPES:
            raise QueryError(f"{where}: each param needs a name and a type "
                             f"({', '.join(PARAM_TYPES)}): {raw!r}")
        default = raw.get("default")
        params.append(Param(str(raw["name"]), str(raw["type"]), str(raw.get("description", "")),
                            None if default is None else str(default)))
    guard(text, where)
    return CannedQuery(path.stem, path, text, str(header["title"]),
                       str(header["description"]).strip(), list(header.get("tags") or []),
                       params)


def load_queries(folder: Path) -> dict[str, CannedQuery]:
    """Every ``*.rq`` file of ``folder`` by name (file stem)."""
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}


# -- parameters ----------------------------------------------------------------------------
_LOOKUPS = {
    "principle": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}Principle> ; <http://www.w3.org/2004/02/skos/core#notation> ?key ;
              <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }}""",
    "agency": f"""SELECT ?node ?key ?label WHERE {{
        {{ ?node a <http://www.w3.org/ns/org#Organization> }} UNION {{ ?node a <http://www.w3.org/ns/org#Post> }}
        ?node <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
        OPTIONAL {{ ?node <{_VR}acronym> ?acronym }}
        BIND(COALESCE(?acronym, REPLACE(STR(?node), "^.*/", "")) AS ?key) }}""",
    "action": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}Action> ; <{_VR}number> ?key .
        OPTIONAL {{ ?node <{_VR}statedNumber> ?stated }}
        BIND(COALESCE(?stated, ?key) AS ?label) }}""",
    "plan": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}ActionPlan> ; <{_VR}number> ?key ;
              <http://purl.org/dc/terms/title> ?label }}""",
}


def _lookup(store: Queryable, kind: str, wanted: str | None = None
            ) -> list[tuple[ox.NamedNode, str, str]]:
    """(node, key, label) of the resources a parameter of ``kind`` may name, each once, in
    the store's order; only those ``wanted`` names (lowercased) if given."""
    out: dict[tuple[str, str, str], ox.NamedNode] = {}
    for node, key, label in solutions(store.query(_LOOKUPS[kind],
                                                  use_default_graph_as_union=True)):
        if not isinstance(node, ox.NamedNode) or key is None or label is None:
            continue   # the patterns bind all three, to an IRI first
        entry = (node.value, key.value, label.value)
        if wanted is None or wanted in (entry[1].lower(), entry[2].lower(), entry[0].lower(),
                                        entry[0].rsplit("/", 1)[-1].lower()):
            out.setdefault(entry, node)
    return [(node, key, label) for (_, key, label), node in out.items()]


def allowed_values(store: Queryable, kind: str) -> list[tuple[ox.NamedNode, str, str]]:
    """(node, key, label) of every resource a parameter of ``kind`` may name."""
    return sorted(_lookup(store, kind), key=lambda t: natural(t[1]))


def bind_value(store: Queryable, param: Param, raw: str) -> ox.NamedNode | ox.Literal:
    """Turn a user's value into the RDF term the query expects."""
    if param.type == "string":
        return ox.Literal(raw)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise QueryError(f"parameter '{param.name}': {raw!r} is not a whole number")
        return ox.Literal(raw.strip(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if param.type == "iri":
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", raw):
            raise QueryError(f"parameter '{param.name}': {raw!r} is not an http(s) IRI")
        return ox.NamedNode(raw)
    wanted = raw.strip().lower()
    # the first match in natural key order, as in the listing below (matched before sorting:
    # with a hundred documents, sorting every candidate cost more than the query itself)
    matches = _lookup(store, param.type, wanted)
    if matches:
        return min(matches, key=lambda t: natural(t[1]))[0]
    candidates = allowed_values(store, param.type)
    shown = ", ".join(key for _, key, _ in candidates[:60])
    more = f" and {len(candidates) - 60} more" if len(candidates) > 60 else ""
    shown_raw = raw if len(raw) <= 60 else raw[:57] + "..."
    raise QueryError(f"parameter '{param.name}': {shown_raw!r} names no {param.type} in the graph; "
                     f"valid values: {shown}{more}")


def bind(store: Queryable, query: CannedQuery, values: dict[str, str]) -> Bindings:
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        raise QueryError(f"query '{query.name}' has no parameter {unknown[0]!r}; its parameters: "
                         f"{', '.join(sorted(known)) or 'none'}")
    bound: Bindings = {}
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            raise QueryError(f"query '{query.name}' needs parameter '{p.name}' ({p.type}): "
                             f"give it with -p {p.name} VALUE")
        bound[ox.Variable(p.name)] = bind_value(store, p, raw)
    return bound


# -- running ----------------------------------------------------------------------------------
@dataclass
class Table:
    """A SELECT result: variable names and rows of terms (None where unbound)."""

    variables: list[str]
    rows: list[list[Term | None]]

    def values(self) -> list[dict[str, str | None]]:
        """The rows as plain text (a triple term as N-Triples writes it)."""
        return [{v: lexical(t) for v, t in zip(self.variables, row)} for row in self.rows]


def execute(store: Queryable, text: str, bindings: Bindings | None = None,
            where: str = "query") -> Answer:
    """Guard a query and run its canonical text on the union of the store's graphs;
    Oxigraph's own result (which ``serve`` streams and caps). An error of the engine's points
    at the line and column of the query as given."""
    checked = guard(text, where)
    try:
        return store.query(checked.text, substitutions=bindings or None,
                           use_default_graph_as_union=True)
    except SyntaxError as err:
        message = err.msg or str(err)
        at = _AT.match(message)
        if at:
            line, column = checked.origin(int(at.group(2)) - 1)
            message = f"{where}:{line}:{column}: {message[at.end():]}"
            raise QueryError(f"malformed query: {message}") from None
        raise QueryError(f"malformed {where}: {message}") from None
    except OSError as err:
        raise QueryError(f"{where}: {err}") from None


def run(store: Queryable, text: str, bindings: Bindings | None = None, where: str = "query"
        ) -> Table | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
    """Run a query on the union of the store's graphs; SELECT gives a :class:`Table`."""
    result = execute(store, text, bindings, where)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        # tens of thousands of new row lists set off Python's cyclic garbage collector over and
        # over, for nothing (none of them is part of a cycle): 5 to 8 % of a large result
        collecting = gc.isenabled()
        gc.disable()
        try:
            rows = [list(row) for row in result]  # a row lists its values in order
        except (OSError, RuntimeError, ValueError) as err:
            raise QueryError(f"{where}: the query failed while its results were read: "
                             f"{' '.join(str(err).split())}") from None
        finally:
            if collecting:
                gc.enable()
        return Table(names, rows)
    return result


def run_canned(store: Queryable, query: CannedQuery, values: dict[str, str] | None = None
               ) -> Table:
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
                 memory: int | None = 2 * 2**30) -> Table | bool | list[ox.Triple]:
    """:func:`run` in a child process that cannot reach the network or a file, stopped after
    ``timeout`` seconds or ``memory`` bytes (``vrgraph.sandbox``); a crash of the engine is a
    :class:`QueryError`, not the end of this process. A graph comes back as a list."""
    guard(text, where)  # refused here, before a process is started

    def answer() -> Table | bool | list[ox.Triple]:
        result = run(store, text, bindings, where)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, Table):
            return result
        try:
            return list(result)
        except (OSError, RuntimeError, ValueError) as err:
            raise QueryError(f"{where}: the query failed while its results were read: "
                             f"{' '.join(str(err).split())}") from None

    return sandbox.run_confined(answer, timeout, memory)
