"""Media types of ``vrgraph serve``: Accept negotiation and the result serialisations.

SELECT results are written here, not by Oxigraph, because the server stops reading after
``max_rows`` rows and Oxigraph serialises only whole result iterators. The formats follow
SPARQL 1.1 Query Results JSON (https://www.w3.org/TR/sparql11-results-json/), XML
(https://www.w3.org/TR/rdf-sparql-XMLres/) and CSV/TSV
(https://www.w3.org/TR/sparql11-results-csv-tsv/); graphs are written by Oxigraph.
Negotiation follows RFC 9110 section 12.5.1 (``Accept`` with q-values and wildcards).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..results import json_document
from ..store import Term, serialize

FORMATS_NS = "http://www.w3.org/ns/formats/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    """A result format: its key, the media type it is sent as, the other media types that
    ask for it, and its W3C format IRI (https://www.w3.org/ns/formats/)."""

    key: str
    media_type: str
    aliases: tuple[str, ...]
    iri: str

    @property
    def content_type(self) -> str:
        return self.media_type + "; charset=utf-8"

    def answers(self) -> tuple[str, ...]:
        return (self.media_type,) + self.aliases


JSON = Format("json", "application/sparql-results+json", ("application/json",),
              FORMATS_NS + "SPARQL_Results_JSON")
XML = Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"),
             FORMATS_NS + "SPARQL_Results_XML")
CSV = Format("csv", "text/csv", (), FORMATS_NS + "SPARQL_Results_CSV")
TSV = Format("tsv", "text/tab-separated-values", (), FORMATS_NS + "SPARQL_Results_TSV")
TURTLE = Format("turtle", "text/turtle", ("application/turtle", "application/x-turtle"),
                FORMATS_NS + "Turtle")
JSON_LD = Format("jsonld", "application/ld+json", ("application/x-json+ld",),
                 FORMATS_NS + "JSON-LD")
N_TRIPLES = Format("ntriples", "application/n-triples", (), FORMATS_NS + "N-Triples")
RDF_XML = Format("rdfxml", "application/rdf+xml", (), FORMATS_NS + "RDF_XML")
HTML = Format("html", "text/html", ("application/xhtml+xml",), "")  # pages, not results

#: The file suffix of each graph syntax, for a resource's description (``/doc/X.ttl`` on the
#: server, ``doc/X.ttl`` in a release).
SUFFIXES = {TURTLE: ".ttl", JSON_LD: ".jsonld", N_TRIPLES: ".nt", RDF_XML: ".rdf"}


def name(format_: Format) -> str:
    """The format's name, from its W3C format IRI: Turtle, JSON-LD, N-Triples, RDF/XML."""
    return format_.iri.rsplit("/", 1)[-1].replace("_", "/")

# In order of preference: the first is the default when the client does not say.
SOLUTION_FORMATS = (JSON, XML, CSV, TSV)
GRAPH_FORMATS = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)
_RDF_FORMATS = {TURTLE.key: ox.RdfFormat.TURTLE, JSON_LD.key: ox.RdfFormat.JSON_LD,
                N_TRIPLES.key: ox.RdfFormat.N_TRIPLES, RDF_XML.key: ox.RdfFormat.RDF_XML}
_BOOLEAN_FORMATS = {JSON.key: ox.QueryResultsFormat.JSON, XML.key: ox.QueryResultsFormat.XML,
                    CSV.key: ox.QueryResultsFormat.CSV, TSV.key: ox.QueryResultsFormat.TSV}


# -- negotiation ------------------------------------------------------------------------------
def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """``(media range, q, position)`` of each range of an Accept header, lower-cased.

    A range whose q is not a number between 0 and 1 is left out, as RFC 9110 allows.
    """
    ranges = []
    for position, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append((media, q, position))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The format of ``offers`` the client prefers, ``offers[0]`` when it states no
    preference, or None when it accepts none of them (answer 406).

    Each offered media type takes the q of the most specific range that matches it (an
    alias such as ``application/json`` only when named exactly); the
    highest q wins, then the more specific match, then the range listed first, then the
    server's order.
    """
    ranges = parse_accept(accept)
    if not (accept or "").strip() or not ranges:
        return offers[0]
    best: tuple[tuple[float, int, int, int], Format] | None = None
    for order, fmt in enumerate(offers):
        for media in fmt.answers():
            kind = media.split("/")[0]
            # wildcards stand for the format's own media type, not its aliases
            wild = (kind + "/*", "*/*") if media == fmt.media_type else ()
            matches = [(3 if rng == media else 2 if rng == kind + "/*" else 1, q, pos)
                       for rng, q, pos in ranges if rng == media or rng in wild]
            if not matches:
                continue
            specificity = max(m[0] for m in matches)
            q = max(m[1] for m in matches if m[0] == specificity)
            pos = min(m[2] for m in matches if m[0] == specificity and m[1] == q)
            if q <= 0:
                continue
            score = (q, specificity, -pos, -order)
            if best is None or score > best[0]:
                best = (score, fmt)
    return best[1] if best else None


def offered(offers: Iterable[Format]) -> str:
    """The media types of ``offers`` as a sentence fragment for a 406 message."""
    return ", ".join(f.media_type for f in offers)


# -- SELECT results ---------------------------------------------------------------------------
def solutions_json(variables: list[str], rows: list[list[Term | None]],
                   note: dict[str, object] | None = None) -> bytes:
    """SPARQL 1.1 JSON; ``note`` goes in a top-level ``vrgraph`` member (truncation)."""
    doc = json_document(variables, rows, **({"vrgraph": note} if note else {}))
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_text(text: str) -> str:
    # XML 1.0 cannot carry most C0 controls even as references: shown as U+FFFD.
    text = "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else "\ufffd" for c in text)
    return escape(text, {"\r": "&#13;"})


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject>"
                f"<predicate>{_xml_term(term.predicate)}</predicate>"
                f"<object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                f"{_xml_text(term.value)}</literal>")
    return f"<literal>{_xml_text(term.value)}</literal>"


def solutions_xml(variables: list[str], rows: list[list[Term | None]],
                  note: dict[str, object] | None = None) -> bytes:
    """SPARQL Query Results XML; ``note`` becomes a comment in the head."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if note:
        out.append(f"<!-- {_xml_text(str(note['message'])).replace('--', '- -')} -->")
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row) if t is not None]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def solutions_csv(variables: list[str], rows: list[list[Term | None]]) -> bytes:
    """SPARQL 1.1 CSV: plain values, CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(t) for t in row] for row in rows)
    return out.getvalue().encode("utf-8")


def solutions_tsv(variables: list[str], rows: list[list[Term | None]]) -> bytes:
    """SPARQL 1.1 TSV: terms in N-Triples syntax (which escapes tabs and line breaks)."""
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def solutions(fmt: Format, variables: list[str], rows: list[list[Term | None]],
              note: dict[str, object] | None = None) -> bytes:
    if fmt is JSON:
        return solutions_json(variables, rows, note)
    if fmt is XML:
        return solutions_xml(variables, rows, note)
    if fmt is CSV:
        return solutions_csv(variables, rows)
    if fmt is TSV:
        return solutions_tsv(variables, rows)
    raise ValueError(f"not a results format: {fmt.key}")


def boolean(fmt: Format, result: ox.QueryBoolean) -> bytes:
    """An ASK answer, written by Oxigraph."""
    data = result.serialize(format=_BOOLEAN_FORMATS[fmt.key])
    assert data is not None   # given no output file, Oxigraph returns the bytes
    return data


# -- graphs -----------------------------------------------------------------------------------
def _used_prefixes(triples: list[ox.Triple], extra: dict[str, str] | None
                   ) -> dict[str, str]:
    """The project's prefixes (and ``extra``) whose namespace some IRI of ``triples`` is in."""
    candidates = {p: str(ns) for p, ns in PREFIXES.items()} | (extra or {})
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
            if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    return {p: ns for p, ns in candidates.items() if any(i.startswith(ns) for i in iris)}


def graph(fmt: Format, triples: Iterable[ox.Triple], note: str | None = None,
          prefixes: dict[str, str] | None = None) -> bytes:
    """CONSTRUCT / DESCRIBE triples with the project's prefixes (and ``prefixes``) that they
    use; ``note`` as a leading comment in Turtle and N-Triples (JSON-LD and RDF/XML carry it
    only in the header)."""
    triples = list(triples)
    rdf = _RDF_FORMATS[fmt.key]
    used = _used_prefixes(triples, prefixes) if rdf != ox.RdfFormat.N_TRIPLES else None
    data = serialize(triples, rdf, used or None)
    if note and fmt in (TURTLE, N_TRIPLES):
        data = f"# {' '.join(note.split())}\n".encode() + data
    return data
