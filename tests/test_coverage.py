"""Every line of content of the source document ends up in some triple (issue "Stewardship",
item 6: "the rest of the document").

A line is covered when every word of it is in a literal of a resource whose recorded source
lines (``prov:wasDerivedFrom`` a ``vr:SourceExcerpt``) hold the line, or in the label of a
resource that resource points to (``Strategic Principle 4`` of an alignment, an agency's
name). Some resources do not count: the document itself, derived from every line;
data-quality notes, whose messages quote the text they find fault with without encoding it;
and curated resources (interventions, target groups, places, timeframes), described in the
curator's words, often the words of the action that names them.

Words are what remains once markup is stripped: HTML tags, markdown emphasis and link syntax
(``vrgraph.text.clean``), heading marks (``###``) and list marks (``-``, ``2.``: the order of a
list is the order of its items' IRIs). Names of private individuals are withheld from the
graph by design (``data/curation/leads.yaml``, ``personal``), so they are read as the graph
writes them, ``[name withheld]``.
"""

from __future__ import annotations

import re

import pytest
import yaml
from rdflib import Graph, Literal, URIRef

from vrgraph.namespaces import DCTERMS, PROV, RDF, RDFS, SKOS, VR
from vrgraph.text import clean

ID = "https://w3id.org/vrgraph/id/"
LABELS = (RDFS.label, SKOS.prefLabel, SKOS.notation, DCTERMS.title)
NOT_COUNTED = (VR.DataQualityNote, VR.Intervention, VR.TargetGroup, VR.Place, VR.Timeframe)
_MARKS = re.compile(r"^\s*(?:#{1,6}\s+)?(?:(?:[-*]|\d+\.)\s+)?")

#: Lines that print something but are not content, and why.
NOT_CONTENT = {
    29: "table separator under the principles table (tabs and dashes)",
    44: "empty list item '- ' (recorded as a vr:EmptyListItem note)",
    54: "page break '---' (recorded as a vr:PageBreakSplit note)",
    70: "page break '---' (recorded as a vr:PageBreakSplit note)",
    106: "the column headings of the action table: each column is a property of the model "
         "(vr:number, vr:text, vr:leadCellText, vr:statedAlignment with its vr:column), not a "
         "statement of the document",
    156: "table separator inside the row of action 5.1.28 (a vr:RowSplit note)",
    187: "table separator after the row of action 5.2.12",
    288: "table separator inside the row of action 5.8.1 (a vr:RowSplit note)",
    333: "table separator inside the row of action 5.10.1 (a vr:RowSplit note)",
    354: "table separator after the row of action 5.11.1",
    364: "table separator after the row of action 5.11.5",
}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", clean(text).lower()))


def content(raw: str, personal: list[str]) -> set[str]:
    """The words of a source line, markup stripped and personal names withheld."""
    text = _MARKS.sub("", raw)
    for name in personal:
        text = text.replace(name, "[name withheld]")
    return words(text)


def uncovered(g: Graph, lines: list[str], personal: list[str]) -> dict[int, set[str]]:
    """The words of each source line that no resource derived from it carries."""
    carried: dict[int, set[str]] = {}
    for node, excerpt in g.subject_objects(PROV.wasDerivedFrom):
        first, last = int(g.value(excerpt, VR.firstLine)), int(g.value(excerpt, VR.lastLine))
        if (first, last) == (1, len(lines)) or any(
                (node, RDF.type, cls) in g for cls in NOT_COUNTED):
            continue
        found: set[str] = set()
        for o in g.objects(node, None):
            if isinstance(o, Literal):
                found |= words(str(o))
            elif isinstance(o, URIRef):
                for p in LABELS:
                    for label in g.objects(o, p):
                        found |= words(str(label))
        for n in range(first, last + 1):
            carried.setdefault(n, set()).update(found)
    missing = {n: content(raw, personal) - carried.get(n, set())
               for n, raw in enumerate(lines, 1) if n not in NOT_CONTENT}
    return {n: w for n, w in missing.items() if w}


@pytest.fixture(scope="module")
def personal(project) -> list[str]:
    leads = yaml.safe_load((project.root / "data/curation/leads.yaml").read_text())
    names = {n for e in leads.values() for n in e.get("personal") or []}
    return sorted(names, key=len, reverse=True)


def copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


def test_every_line_of_content_is_in_some_triple(built, doc, personal):
    _, g = built
    assert uncovered(g, doc.lines, personal) == {}


def test_the_lines_that_are_not_content_hold_no_words(doc, personal):
    """Each exception is a real line, and the only printed lines without words are listed
    (so a new markup rule cannot swallow content unseen)."""
    wordless = {n for n, raw in enumerate(doc.lines, 1)
                if raw.strip() and not content(raw, personal)}
    assert wordless == set(NOT_CONTENT) - {106}
    assert doc.lines[105].startswith("Action no.\tAction\tLead partner(s)")


@pytest.mark.parametrize("node, predicate, line", [
    ("group/5.1/enforcement-and-criminal-justice-response-to-knife-crime", VR.introduction, 109),
    ("group/5.1/supporting-victims-of-knife-crime", VR.introduction, 143),
    ("vision/community-strategy/2", None, 10),
    ("factor/young-black-mens-programme/3", None, 43),
    ("footnote/2", None, 72),
    ("action/5.1.1", VR.text, 110),
    ("alignment/5.1.1/enabling-3", VR.citedText, 110),
    ("action/5.1.2", VR.leadCellText, 111),
])
def test_a_line_that_loses_its_triple_is_found(built, doc, personal, node, predicate, line):
    g = copy(built[1])
    subject = URIRef(ID + node)
    assert (subject, predicate, None) in g
    g.remove((subject, predicate, None))
    assert line in uncovered(g, doc.lines, personal)
