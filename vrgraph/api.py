"""vrgraph from Python: open a graph, run the canned queries or any SPARQL, get typed rows.

For notebooks and scripts; the same engine, guard, sandbox and bounds as the command line::

    >>> from vrgraph import api
    >>> g = api.connect()                              # the project's graph, reasoned
    >>> rows = g.run("principle-coverage")             # a canned query by name
    >>> rows[0]["actions"]                             # an int, not "4"
    >>> g.run("actions-for-principle", principle="EP9")
    >>> g.sparql("SELECT ?a WHERE { ?a a vr:Action }")  # vr:, vrid:, skos: ... predeclared
    >>> rows.to_pandas()                               # pip install 'vrgraph[pandas]'

``connect(data=[...])`` opens several strategies' graph files side by side (the CLI's
``--data``), ``connect(endpoint=URL)`` a SPARQL 1.1 endpoint (the CLI's ``--endpoint``).
Values come back as Python values by their XSD datatype (:func:`python_value`): integers as
``int``, decimals as ``Decimal``, doubles as ``float``, booleans, dates and date-times, IRIs
as :class:`IRI` and language-tagged text as :class:`LangString` (both ``str``).
Spec of the result model: https://www.w3.org/TR/sparql11-results-json/
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pyoxigraph as ox

from .errors import QueryError
from .project import Project
from .query import Table, known_prefixes, run, run_confined
from .query.binding import bind
from .query.canned import CannedQuery, load_queries
from .store import Queryable, Term

if TYPE_CHECKING:
    import pandas
    from rdflib import Graph

__all__ = ["IRI", "LangString", "Rows", "Connection", "connect", "python_value"]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_INTEGERS = {f"{XSD}{t}" for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte")}
_FLOATS = {f"{XSD}double", f"{XSD}float"}


class IRI(str):
    """An IRI: a ``str`` that prints as ``<...>`` in ``repr`` so it is told from text."""

    def __repr__(self) -> str:
        return f"IRI({str.__repr__(self)})"


class LangString(str):
    """Text with a language tag (``rdf:langString``); ``.lang`` is the tag."""

    lang: str

    def __new__(cls, value: str, lang: str) -> LangString:
        made = super().__new__(cls, value)
        made.lang = lang
        return made

    def __repr__(self) -> str:
        return f"{str.__repr__(self)}@{self.lang}"


def python_value(term: Term | None) -> Any:
    """``term`` as a Python value by its datatype; a literal whose text is not valid for its
    datatype, or of a datatype not listed in the module's docstring, stays its text."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if not isinstance(term, ox.Literal):
        return str(term) if isinstance(term, ox.Triple) else f"_:{term.value}"
    text, datatype = term.value, term.datatype.value
    try:
        if term.language:
            return LangString(text, term.language)
        if datatype in _INTEGERS:
            return int(text)
        if datatype == f"{XSD}decimal":
            return Decimal(text)
        if datatype in _FLOATS:
            return float(text)
        if datatype == f"{XSD}boolean" and text in ("true", "false", "1", "0"):
            return text in ("true", "1")
        if datatype == f"{XSD}date":
            return dt.date.fromisoformat(text)
        if datatype == f"{XSD}dateTime":
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        return text
    return text


_DTYPES = {int: "Int64", float: "Float64", Decimal: "Float64", bool: "boolean"}


@dataclass(frozen=True)
class Rows(Sequence[dict[str, Any]]):
    """A SELECT's answer: ``variables`` in order and one dict per row (``None`` where a
    variable is unbound). ``terms`` keeps the RDF terms as the engine gave them."""

    variables: list[str]
    terms: list[list[Term | None]]

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._row(r) for r in self.terms[index]]
        return self._row(self.terms[index])

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._row(r) for r in self.terms)

    def _row(self, row: list[Term | None]) -> dict[str, Any]:
        return {v: python_value(t) for v, t in zip(self.variables, row)}

    def column(self, name: str) -> list[Any]:
        """One variable's values, in row order."""
        if name not in self.variables:
            raise KeyError(f"no column {name!r}; the columns are {', '.join(self.variables)}")
        i = self.variables.index(name)
        return [python_value(r[i]) for r in self.terms]

    def to_pandas(self) -> pandas.DataFrame:
        """A DataFrame, one nullable dtype per column: ``Int64``, ``Float64``, ``boolean``,
        ``datetime64`` for dates and date-times, ``string`` for text and IRIs, ``object``
        where a column mixes kinds. Needs pandas (``pip install 'vrgraph[pandas]'``)."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_pandas needs pandas: pip install 'vrgraph[pandas]'") from None
        data = {}
        for name in self.variables:
            values = self.column(name)
            kinds = {type(v) for v in values if v is not None}
            if len(kinds) == 1 and (kind := kinds.pop()) in _DTYPES:
                floats = kind is Decimal
                data[name] = pd.array([float(v) if floats and v is not None else v
                                       for v in values], dtype=_DTYPES[kind])
            elif kinds and kinds <= {dt.date, dt.datetime}:
                data[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=None)
            elif kinds <= {str, IRI, LangString}:
                data[name] = pd.array([None if v is None else str(v) for v in values],
                                      dtype="string")
            else:
                data[name] = pd.Series(values, dtype=object)
        return pd.DataFrame(data, columns=self.variables)

    def _repr_html_(self) -> str:
        """A table in a notebook (the first 50 rows)."""
        import html

        head = "".join(f"<th>{html.escape(v)}</th>" for v in self.variables)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>"
                             for c in row.values()) + "</tr>" for row in self[:50])
        more = f"<p>{len(self) - 50} more rows</p>" if len(self) > 50 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


class Connection:
    """A graph to question: the reasoned local graph or a SPARQL endpoint (see
    :func:`connect`). Queries on a local graph run confined, as on the command line."""

    def __init__(self, store: ox.Store | Queryable, project: Project,
                 timeout: float = 120.0, max_memory_mb: int = 2048) -> None:
        self.store = store
        self.project = project
        self.timeout = timeout
        self.max_memory_mb = max_memory_mb
        self._queries: dict[str, CannedQuery] | None = None
        self._prefixes: dict[str, str] | None = None

    @property
    def canned(self) -> dict[str, CannedQuery]:
        """The canned queries by name (``queries/*.rq``), with titles and parameters."""
        if self._queries is None:
            self._queries = load_queries(self.project.queries)
        return self._queries

    def queries(self) -> dict[str, str]:
        """Each canned query's name and title."""
        return {name: q.title for name, q in self.canned.items()}

    def run(self, name: str, /, **params: object) -> Rows:
        """Run the canned query ``name`` with its parameters as keywords (``principle="EP9"``,
        ``strategy="hackney"``); a value that names nothing is refused with the valid ones."""
        if name not in self.canned:
            raise QueryError(f"no canned query {name!r}; the canned queries are: "
                             f"{', '.join(self.canned)}")
        query = self.canned[name]
        known = {p.name for p in query.params}
        for key in params:
            if key not in known:
                raise QueryError(f"{name}: no parameter {key!r}; it takes "
                                 f"{', '.join(sorted(known)) or 'none'}")
        values = {k: str(v) for k, v in params.items() if v is not None}
        result = self._run(query.text, bind(self.store, query, values), query.path.name)
        if not isinstance(result, Table):
            raise QueryError(f"{name}: not a SELECT query")
        return Rows(result.variables, result.rows)

    def sparql(self, text: str) -> Rows | bool | Graph:
        """Run any read-only SPARQL query: a SELECT gives :class:`Rows`, an ASK a ``bool``,
        a CONSTRUCT or DESCRIBE an ``rdflib.Graph``. The graph's prefixes (:attr:`prefixes`)
        need no declaration."""
        from rdflib import Graph

        from .store import to_rdflib

        result = self._run(text, None, "query", self.prefixes)
        if isinstance(result, Table):
            return Rows(result.variables, result.rows)
        if isinstance(result, bool | ox.QueryBoolean):
            return bool(result)
        graph = Graph()
        for t in result:
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph

    def strategies(self) -> Rows:
        """The strategies the graph holds, with their sizes (the canned ``strategies``)."""
        return self.run("strategies")

    def shorten(self) -> Callable[[str], str]:
        """A function writing IRIs with the graph's prefixes (``vrid:action/5.1.1``; with
        several strategies, each its short name), as the command line writes them."""
        from .pipeline import shortener_of

        return shortener_of(self.store)

    @property
    def prefixes(self) -> dict[str, str]:
        """The prefixes :meth:`sparql` declares for you (``vr:``, ``vrid:``, ``skos:`` ...,
        one per strategy): :func:`vrgraph.query.known_prefixes`."""
        if self._prefixes is None:
            self._prefixes = known_prefixes(self.store)
        return self._prefixes

    def _run(self, text: str, bindings: Any, where: str,
             prefixes: dict[str, str] | None = None
             ) -> Table | bool | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
        if isinstance(self.store, ox.Store):
            return run_confined(self.store, text, bindings, where, self.timeout,
                                self.max_memory_mb * 2**20, prefixes)
        return run(self.store, text, bindings, where, prefixes=prefixes)


def connect(project: str | Path | None = None, data: Sequence[str | Path] = (),
            endpoint: str | None = None, graph: str | None = None, user: str | None = None,
            password: str | None = None, timeout: float = 120.0, max_memory_mb: int = 2048
            ) -> Connection:
    """Open a graph to question.

    ``project``: the project folder (default: as the CLI finds it). ``data``: graph files to
    use instead of the built graph (several strategies side by side). ``endpoint``: a SPARQL
    1.1 endpoint instead (with ``graph``, a named graph as its default graph; ``user`` and
    ``password`` for HTTP authentication, else ``~/.netrc``). ``timeout`` (seconds) and
    ``max_memory_mb`` bound each local query, as ``--timeout`` and ``--max-memory`` do."""
    proj = Project(Path(project)) if project is not None else Project.default()
    if endpoint is not None:
        from .remote.endpoint import remote_store

        if data:
            raise QueryError("give data or endpoint, not both")
        st = remote_store(endpoint, graph, user=user,
                          prompt=(lambda _q: password) if password is not None else None)
        return Connection(st, proj, timeout, max_memory_mb)
    from .pipeline import load

    return Connection(load(proj, [Path(p) for p in data] or None), proj, timeout, max_memory_mb)
