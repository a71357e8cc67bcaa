"""Query results as text: aligned table, CSV, SPARQL 1.1 Query Results JSON, markdown.

JSON follows https://www.w3.org/TR/sparql11-results-json/.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

import pyoxigraph as ox

from .query import Table
from .store import Term, lexical
from .text import neutralise

FORMATS = ("table", "csv", "json", "markdown")


def _cell(term: Term | None, short: Callable[[str], str] = str) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return short(term.value)
    return lexical(term) or ""


def json_term(term: Term) -> dict[str, Any]:
    """One RDF term as SPARQL 1.1 Query Results JSON (triple terms as in SPARQL 1.2)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": json_term(term.subject),
                                            "predicate": json_term(term.predicate),
                                            "object": json_term(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def json_document(variables: list[str], rows: Sequence[Sequence[Term | None]],
                  **extra: object) -> dict[str, Any]:
    """The SPARQL 1.1 Query Results JSON document of ``rows``; ``extra`` top-level members."""
    return {"head": {"vars": variables}, "results": {"bindings": [
        {v: json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]},
        **extra}


def to_json(table: Table) -> str:
    return json.dumps(json_document(table.variables, table.rows), indent=2, ensure_ascii=False)


def to_csv(table: Table) -> str:
    """RFC 4180 CSV; a cell that a spreadsheet would run as a formula is neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow([neutralise(_cell(t)) for t in row])
    return out.getvalue().removesuffix("\n")           # the caller ends the last line


def to_markdown(table: Table, short: Callable[[str], str] = str) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", "<br>")
    lines = ["| " + " | ".join(table.variables) + " |",
             "|" + "---|" * len(table.variables)]
    lines += ["| " + " | ".join(esc(_cell(t, short)) for t in row) + " |" for row in table.rows]
    return "\n".join(lines)


def to_table(table: Table, short: Callable[[str], str] = str, width: int = 60) -> str:
    """Aligned columns; long cells cut to ``width`` characters, line breaks shown as spaces."""
    def fit(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"
    cells = [[fit(_cell(t, short)) for t in row] for row in table.rows]
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(table.variables)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [line(table.variables), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    out.append(f"({len(table.rows)} row{'s' if len(table.rows) != 1 else ''})")
    return "\n".join(out)


def render(table: Table, fmt: str, short: Callable[[str], str] = str) -> str:
    if fmt == "json":
        return to_json(table)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "markdown":
        return to_markdown(table, short)
    return to_table(table, short)


# the formats of a CONSTRUCT's or DESCRIBE's graph; json there means JSON-LD
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
                 "json": ox.RdfFormat.JSON_LD, "table": ox.RdfFormat.TURTLE}
ANSWER_FORMATS = FORMATS + ("turtle", "ntriples", "jsonld", "rdfxml")


def render_answer(answer: Table | bool | Sequence[ox.Triple], fmt: str,
                  short: Callable[[str], str] = str,
                  prefixes: dict[str, str] | None = None) -> str:
    """Any query's answer in ``fmt``: a SELECT's table as :func:`render`; an ASK's boolean as
    ``true``/``false`` (table) or SPARQL Results JSON (json); a CONSTRUCT's or DESCRIBE's
    graph as Turtle (table, turtle), N-Triples, JSON-LD (json, jsonld) or RDF/XML. A format
    the answer cannot take is a :class:`~vrgraph.errors.QueryError` that names those it can."""
    from .errors import QueryError

    if isinstance(answer, Table):
        if fmt not in FORMATS:
            raise QueryError(f"--format {fmt}: a SELECT gives a table; use "
                             f"{', '.join(FORMATS)}")
        return render(answer, fmt, short)
    if isinstance(answer, bool):
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": answer})
        if fmt != "table":
            raise QueryError(f"--format {fmt}: an ASK gives true or false; use table or json")
        return "true" if answer else "false"
    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"--format {fmt}: a CONSTRUCT or DESCRIBE gives a graph; use turtle, "
                         f"ntriples, jsonld (or json) or rdfxml")
    data = ox.serialize(answer, format=GRAPH_FORMATS[fmt], prefixes=prefixes)
    return (data or b"").decode("utf-8").removesuffix("\n")
