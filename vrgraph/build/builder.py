"""The document's builder: its source lines, its curation, and the checks that tie each
curated statement to the source.

What every part of the build shares: a thing derived from the document points at its
source excerpt (PROV-O ``prov:wasDerivedFrom``, https://www.w3.org/TR/prov-o/), a curated
statement at its curation file and line (``vr:curatedIn``; ``docs/model.md``, "Curation
files"), and personal names are withheld.
"""

from __future__ import annotations

import re

from rdflib import URIRef

from .. import curation as cur
from .. import source as src
from ..errors import CurationError
from ..namespaces import DCTERMS, PROV, RDF, RDFS, VR, Base
from ..text import clean
from .writer import Writer

DOCUMENT_SLUG = "hackney-violence-reduction-landscape"
#: The strategy's short name (``dcterms:identifier``): the canned queries' strategy column.
DOCUMENT_KEY = "hackney"
DOCUMENT_TITLE = "A whole systems approach to violence reduction: the strategic landscape"
WITHHELD = "[name withheld]"
#: The document's publisher (an agency key of agencies.yaml): the council whose strategy it
#: is ("the Council passed a motion", "Hackney's public health approach").
DOCUMENT_PUBLISHER = "lbh"
#: The council's page on its public health approach to serious violence, which the document
#: itself points readers to (line 483); the original file of the document has no known address.
DOCUMENT_SEE_ALSO = "https://hackney.gov.uk/serious-violence-support"
#: A source excerpt of at most this many lines carries its text (vr:text) in the graph.
EXCERPT_TEXT_LINES = 5


class Builder(Writer):
    """Collects triples for one document. Use :func:`vrgraph.build.build_graph`."""

    def __init__(self, doc: src.Document, curation: cur.Curation, base: Base) -> None:
        super().__init__(base)
        self.doc = doc
        self.cur = curation
        self.personal = sorted({name for e in curation.leads.values()
                                for name in e.get("personal") or []}, key=len, reverse=True)
        self.actions = {a.number: a for a in doc.actions}
        self.misspelt = {str(e.get("text")) for e in curation.corrections.get("text_flaws", [])
                         if e.get("kind") in ("MisspeltName", "TruncatedName")}
        self.document = self.id("document", DOCUMENT_SLUG)

    def redact(self, text: str) -> str:
        """Personal names withheld."""
        for name in self.personal:
            text = text.replace(name, WITHHELD)
        return text

    def excerpt(self, first: int, last: int | None = None) -> URIRef:
        last = first if last is None else last
        node = self.id("source", f"L{first}-L{last}")
        if (node, RDF.type, VR.SourceExcerpt) not in self.g:
            self.g.add((node, RDF.type, VR.SourceExcerpt))
            self.add(node, VR.firstLine, first)
            self.add(node, VR.lastLine, last)
            self.g.add((node, DCTERMS.isPartOf, self.document))
            label = f"lines {first}-{last}" if last != first else f"line {first}"
            self.add(node, RDFS.label, f"Source document, {label}")
            if last - first < EXCERPT_TEXT_LINES and last <= len(self.doc.lines):
                text = "\n".join(filter(None, (" | ".join(filter(None, map(
                    clean, line.split("\t")))) for line in self.doc.lines[first - 1:last])))
                self.add(node, VR.text, text)
        return node

    def derived(self, node: URIRef, lines: src.Lines | list[int]) -> None:
        span = lines if isinstance(lines, src.Lines) else src.Lines.of(lines)
        self.g.add((node, PROV.wasDerivedFrom, self.excerpt(span.first, span.last)))

    def curated(self, node: URIRef, entry: cur.Entry) -> None:
        self.add(node, VR.curatedIn, entry.where, lang=False)

    def check_line(self, entry: cur.Entry, name: str, line: int) -> int:
        """``line`` (of field ``name``) must be a line of the source document."""
        if not 1 <= line <= len(self.doc.lines):
            raise entry.error(f"line {line} is outside the source document "
                              f"(lines 1-{len(self.doc.lines)})", name)
        return line

    def check_lines(self, entry: cur.Entry, rows: list[int] | None = None) -> list[int]:
        """The source lines of an entry, each checked to exist; with ``rows``, the lines
        of the table rows it speaks of, one of which it must name."""
        lines = entry.get("source")
        if lines in (None, "curated"):
            return []
        lines = [self.check_line(entry, "source", n) for n in lines]
        if rows and not set(rows) & set(lines):
            raise entry.error(f"{lines} names none of the lines {rows} of the action rows "
                              f"this entry speaks of; add them", "source")
        return lines

    def check_text(self, entry: cur.Entry) -> int:
        """An entry's ``line`` must hold its ``text``: curation stays tied to the source."""
        line = self.check_line(entry, "line", entry["line"])
        if entry["text"] not in self.doc.lines[line - 1]:
            raise entry.error(f"line {line} of the source does not contain "
                              f"{entry['text']!r}", "text")
        return line

    def rows(self, entry: cur.Entry, numbers: list[str], name: str = "actions") -> list[int]:
        """The source lines of the action rows ``numbers``, each checked to exist."""
        for number in numbers:
            if number not in self.actions:
                raise entry.error(f"action {number!r} does not exist in the document", name)
        return sorted({n for number in numbers for n in self.actions[number].lines})

    def action(self, entry: cur.Entry, number: str, name: str = "actions") -> URIRef:
        self.rows(entry, [number], name)
        return self.id("action", number)

    def principle(self, entry: cur.Entry | None, ref: str) -> URIRef:
        m = re.fullmatch(r"(SP|EP)(\d+)", str(ref))
        kind = {"SP": "strategic", "EP": "enabling"}.get(m.group(1)) if m else None
        if not m or kind is None or self.doc.principle(kind, int(m.group(2))) is None:
            message = f"{ref!r} is not a principle of section 2 (write SP1-SP6, EP1-EP9)"
            raise entry.error(message) if entry else CurationError(message)
        return self.principle_id(kind, m.group(2))

    def target(self, key: str) -> URIRef:
        kind, _, rest = key.partition(":")
        if kind == "principle":
            p_kind, number = rest.split(":")
            return self.principle_id(p_kind, number)
        if kind == "scheme":
            return self.scheme_id(rest)
        if kind == "document":
            return self.document
        return self.id(kind, rest)

    def agency(self, ident: str) -> URIRef:
        return self.agency_id(ident, self.cur.agencies[ident]["kind"])

    def note(self, kind: str, key: str, targets: list[URIRef], message: str,  # type: ignore[override]
             handling: str, lines: src.Lines) -> URIRef:
        node = super().note(kind, key, targets, message, handling)
        self.derived(node, lines)
        return node
