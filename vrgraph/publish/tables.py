"""The release's tables: actions, agencies, principles and alignments as CSV, described by
CSV on the Web metadata (``tables/csv-metadata.json``, found by CSVW processors by default).

Spec: https://www.w3.org/TR/tabular-metadata/. Each table is a SPARQL SELECT a steward can
edit, ``queries/tables/NAME.rq``, run on the release's asserted graph. Its ``#+`` header (as the canned queries', read as YAML) carries the table's
``title`` and ``description``, its ``primaryKey`` column (one row per value of it), ``sort``
(columns whose values order the rows naturally, a ``-`` in front for descending; then the
key), ``foreignKeys`` (``{column: table}``, to the other table's key) and ``columns``, one
entry per projected variable, in order: ``name`` (the variable), ``titles`` (the CSV header
cell; the name by default), ``description``, ``datatype`` (``string`` by default),
``propertyUrl`` (a prefix of the file's ``PREFIX`` lines or a full IRI), ``separator`` (a
list: its distinct values in natural order, joined with it), ``lang``, ``required``,
``suppressOutput``, and outside CSVW ``joinedWith`` with ``orderedBy`` (several values in a
text cell, in the natural order of another column's values). Any other column that several
solutions give several values shows the least of them (as text): rows never depend on the
order an engine gives solutions in.

Lines end in CRLF (RFC 4180). A cell that would start with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return) gets an apostrophe in front, so that a spreadsheet shows it as text
instead of running a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from .. import store
from ..errors import InputError, QueryError, located
from ..query.canned import parse_header
from ..sparql_guard import guard
from ..text import natural, neutralise
from .dumps import json_bytes
from .release import Release

FOLDER = "tables"
METADATA = f"{FOLDER}/csv-metadata.json"
#: CSVW's built-in datatypes a column may name (https://www.w3.org/TR/tabular-data-model/#datatypes)
DATATYPES = ("string", "anyURI", "integer", "decimal", "double", "boolean", "date", "dateTime",
             "time", "gYear", "json")
_COLUMN_KEYS = {"name", "titles", "description", "datatype", "propertyUrl", "separator", "lang",
                "required", "suppressOutput", "joinedWith", "orderedBy"}
_TABLE_KEYS = {"title", "description", "primaryKey", "sort", "foreignKeys", "columns"}
_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.I | re.M)


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    titles: str
    datatype: str = "string"
    property: str | None = None      # propertyUrl: the graph property the column holds
    separator: str | None = None     # a list, its items joined with this
    lang: str | None = None
    required: bool = False
    suppress: bool = False
    joined_with: str | None = None   # several values in one text cell (not a CSVW list)
    ordered_by: str | None = None    # ... in the natural order of this column's values

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "titles": self.titles,
                               "dc:description": self.description, "datatype": self.datatype}
        if self.property:
            out["propertyUrl"] = self.property
            if self.datatype == "anyURI" and not self.separator:   # an IRI, not a literal
                out["valueUrl"] = "{+" + self.name + "}"
        if self.separator:
            out["separator"] = self.separator
        if self.lang:
            out["lang"] = self.lang
        if self.required:
            out["required"] = True
        if self.suppress:
            out["suppressOutput"] = True
        return out

    def cell(self, values: set[tuple[str, str]], where: str) -> str:
        """The cell of the values (each with the value of ``ordered_by`` beside it) that the
        solutions of one row give."""
        if self.separator is not None:
            items = sorted({v for _, v in values}, key=natural)
            if any(self.separator in item for item in items):
                raise InputError(f"{where}: a value of the list column '{self.name}' contains "
                                 f"its separator {self.separator!r}: {items}")
            return self.separator.join(items)
        if self.joined_with is not None:
            least: dict[str, str] = {}
            for by, v in values:
                least[by] = min(least.get(by, v), v)
            return self.joined_with.join(least[by] for by in sorted(least, key=natural))
        return min((v for _, v in values), default="")


@dataclass
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]
    key: str = "iri"
    sort: list[str] = field(default_factory=list)                       # "-" for descending
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)   # (column, table)
    query: str = ""
    where: str = ""                      # the query file, for messages
    rows: list[list[str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{FOLDER}/{self.name}.csv"

    def csv(self) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([c.titles for c in self.columns])
        for row in self.rows:
            writer.writerow([neutralise(cell) for cell in row])
        return buf.getvalue().encode("utf-8")

    def run(self, st: ox.Store) -> None:
        """Fill ``rows`` from the query's solutions on ``st``."""
        result = store.solutions(st.query(self.query, use_default_graph_as_union=True))
        self.fill([v.value for v in result.variables],
                  ([store.lexical(s[i]) for i in range(len(result.variables))] for s in result))

    def fill(self, variables: list[str], solutions: Iterable[list[str | None]]) -> None:
        """Fill ``rows`` from the lexical values of the query's solutions (any engine's)."""
        names = [c.name for c in self.columns]
        if variables != names:
            raise QueryError(f"{self.where}: the query's variables ({', '.join(variables)}) must "
                             f"be the header's columns, in order ({', '.join(names)})")
        by = [names.index(c.ordered_by) if c.ordered_by else None for c in self.columns]
        found: dict[str, list[set[tuple[str, str]]]] = defaultdict(
            lambda: [set() for _ in names])
        at = names.index(self.key)
        for values in solutions:
            key = values[at]
            if key is None:
                continue
            for i, v in enumerate(values):
                if v is not None:
                    j = by[i]
                    found[key][i].add(((values[j] or "") if j is not None else "", v))
        rows = [[c.cell(cells[i], f"{self.where}: row {key}") for i, c in enumerate(self.columns)]
                for key, cells in found.items()]
        rows.sort(key=lambda r: natural(r[at]))
        for name in reversed(self.sort):           # stable sorts, the last criterion first
            i = names.index(name.lstrip("-"))
            rows.sort(key=lambda r: natural(r[i]), reverse=name.startswith("-"))
        self.rows = rows


def load_table(path: Path, where: str) -> Table:
    """The table that ``path`` (a ``queries/tables/*.rq`` file) describes, not yet run;
    :class:`QueryError` naming ``where`` and the line for a header it cannot use."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"{where}: cannot read: {getattr(err, 'strerror', None) or err}") \
            from None
    header = parse_header(text, where)
    lines = text.splitlines()

    def fail(message: str, *needles: str, after: str | None = None) -> QueryError:
        """The error, at the first header line holding every needle (below ``after``'s)."""
        start = next((n for n, line in enumerate(lines) if after and after in line), 0)
        line = next((n for n, text in enumerate(lines[start:], start + 1)
                     if text.startswith("#+") and all(needle in text for needle in needles)),
                    None)
        return QueryError(located(where, line, message))

    unknown = sorted(set(header) - _TABLE_KEYS)
    if unknown:
        raise fail(f"unknown header key '{unknown[0]}' (known: {', '.join(sorted(_TABLE_KEYS))})",
                   unknown[0] + ":")
    for key in ("title", "description", "primaryKey", "columns"):
        if not header.get(key):
            raise fail(f"the header lacks '#+ {key}:'")
    if not isinstance(header["columns"], list):
        raise fail("'columns' must be a list of columns ('- name: ...')", "columns:")
    prefixes = dict(_PREFIX.findall(text))
    columns = [_column(raw, prefixes, fail) for raw in header["columns"]]
    names = [c.name for c in columns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise fail(f"the column '{twice[0]}' is given twice", f"name: {twice[0]}")
    sort = header.get("sort") or []
    foreign = header.get("foreignKeys") or {}
    if not isinstance(sort, list) or not isinstance(foreign, dict):
        raise fail("'sort' must be a list of columns and 'foreignKeys' a mapping "
                   "{column: table}", "sort:" if not isinstance(sort, list) else "foreignKeys:")
    for name, key in ([(str(header["primaryKey"]), "primaryKey:")]
                      + [(str(s).lstrip("-"), "sort:") for s in sort]
                      + [(str(f), "foreignKeys:") for f in foreign]
                      + [(c.ordered_by, f"orderedBy: {c.ordered_by}") for c in columns
                         if c.ordered_by]):
        if name not in names:
            raise fail(f"'{name}' names no column (the columns: {', '.join(names)})", key)
    return Table(path.stem, str(header["title"]), str(header["description"]).strip(), columns,
                 str(header["primaryKey"]), [str(s) for s in sort],
                 [(str(c), str(t)) for c, t in foreign.items()], guard(text, where).text, where)


def _column(raw: Any, prefixes: dict[str, str], fail: Callable[..., QueryError]) -> Column:
    if not isinstance(raw, dict) or not raw.get("name") or not raw.get("description"):
        raise fail(f"each column needs a 'name' and a 'description': {raw!r}",
                   *(["name: " + str(raw["name"])] if isinstance(raw, dict) and raw.get("name")
                     else ["columns:"]))
    name = str(raw["name"])
    at = f"name: {name}"
    unknown = sorted(set(raw) - _COLUMN_KEYS)
    if unknown:
        raise fail(f"column '{name}': unknown key '{unknown[0]}' "
                   f"(known: {', '.join(sorted(_COLUMN_KEYS))})", unknown[0] + ":",
                   after=at)
    datatype = str(raw.get("datatype", "string"))
    if datatype not in DATATYPES:
        raise fail(f"column '{name}': datatype '{datatype}' is not one of CSVW's "
                   f"({', '.join(DATATYPES)})", "datatype: " + datatype, after=at)
    prop = raw.get("propertyUrl")
    if prop is not None:
        prop = str(prop)
        prefix, _, local = prop.partition(":")
        if prefix in prefixes:
            prop = prefixes[prefix] + local
        elif "://" not in prop:
            raise fail(f"column '{name}': propertyUrl '{prop}' is neither a full IRI nor uses a "
                       f"prefix of the query's PREFIX lines", "propertyUrl: " + prop,
                       after=at)
    if raw.get("separator") is not None and raw.get("joinedWith") is not None:
        raise fail(f"column '{name}': 'separator' (a list) and 'joinedWith' (a text) exclude "
                   f"each other", "joinedWith:", after=at)
    def text(key: str) -> str | None:
        return None if raw.get(key) is None else str(raw[key])
    return Column(name, str(raw["description"]).strip(), str(raw.get("titles", name)), datatype,
                  prop, text("separator"), text("lang"), raw.get("required") is True,
                  raw.get("suppressOutput") is True, text("joinedWith"), text("orderedBy"))


def load_tables(folder: Path, display: Callable[[Path], str] = str) -> list[Table]:
    """Every table of ``folder`` (``queries/tables``): each after the tables its foreign
    keys refer to, else in file-name order."""
    tables = {p.stem: load_table(p, display(p)) for p in sorted(folder.glob("*.rq"))}
    if not tables:
        raise InputError(f"{display(folder)}: no table queries (*.rq) found")
    for t in tables.values():
        for column, name in t.foreign_keys:
            if name not in tables:
                raise QueryError(f"{display(folder / (t.name + '.rq'))}: the foreign key "
                                 f"'{column}' refers to the table '{name}', which is not one "
                                 f"of {', '.join(tables)}")
    ordered: list[Table] = []
    while len(ordered) < len(tables):
        done = {t.name for t in ordered}
        waiting = [t for t in tables.values() if t.name not in done]
        ready = [t for t in waiting if all(n in done or n == t.name for _, n in t.foreign_keys)]
        ordered.append((ready or waiting)[0])        # a cycle of references: file-name order
    return ordered


def metadata(tables: list[Table], release: Release) -> bytes:
    """CSVW metadata for ``tables`` (a table group), as JSON."""
    doc: dict[str, Any] = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": f"{release.title}: tables",
        "dc:description": "Tables derived from the graph. A cell that would start with =, +, "
                          "- or @ is prefixed with an apostrophe (') so that spreadsheets show "
                          "it as text. List cells are separated by ';'.",
        "dc:license": {"@id": release.licence},
        "dc:issued": {"@value": release.release, "@type": "xsd:date"},
        "dc:publisher": release.publisher_name,
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tables": [],
    }
    for t in tables:
        keys = {other.name: other.key for other in tables}
        schema: dict[str, Any] = {"aboutUrl": "{+" + t.key + "}", "primaryKey": t.key,
                                  "columns": [c.schema() for c in t.columns]}
        if t.foreign_keys:
            schema["foreignKeys"] = [{"columnReference": col,
                                      "reference": {"resource": f"{name}.csv",
                                                    "columnReference": keys[name]}}
                                     for col, name in t.foreign_keys]
        doc["tables"].append({"url": f"{t.name}.csv", "dc:title": t.title,
                              "dc:description": t.description, "tableSchema": schema})
    return json_bytes(doc)


def build(g: Graph, release: Release, tables: list[Table]) -> dict[str, bytes]:
    """Fill ``tables`` (see :func:`load_tables`) from ``g``; their files (``tables/*.csv`` and
    the CSVW metadata)."""
    st = store.from_rdflib(g)
    for t in tables:
        t.run(st)
    files = {t.path: t.csv() for t in tables}
    files[METADATA] = metadata(tables, release)
    return files
