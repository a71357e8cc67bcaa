"""Read the source document into plain records: stage 1 of the pipeline.

The reader knows the document's layout (see ``data/source/README.md``): numbered markdown
headings, the principles table of section 2 and the lists of the communications plan
(appendix 6.1) in :mod:`.prose`; the tab-separated action table of section 5 in :mod:`.table`
and its alignment cells in :mod:`.alignments`. It records what it reads (:mod:`.records`),
with the lines it read it from, and every flaw of the layout it meets as a :class:`Flaw`
(the rest in :mod:`.checks`). It fixes nothing: corrections are curation
(``vrgraph.curation``).
"""

from __future__ import annotations

from pathlib import Path

from .. import bounds
from ..errors import SourceError
from .alignments import group_cells, read_citations
from .checks import check_headings, check_numbers, check_prose
from .prose import read_footnotes, read_principles, read_sections
from .reader import Reader
from .records import (
    FLAW_KINDS,
    KINDS,
    Action,
    Citation,
    Document,
    Flaw,
    Footnote,
    Group,
    GroupCell,
    Lines,
    Plan,
    Principle,
    Section,
    natural,
)
from .table import read_table

__all__ = ["FLAW_KINDS", "KINDS", "Action", "Citation", "Document", "Flaw", "Footnote", "Group",
           "GroupCell", "Lines", "Plan", "Principle", "Section", "natural", "read"]


def read(path: Path) -> Document:
    """Read the source document at ``path``; raise :class:`SourceError` if it is unreadable."""
    text = bounds.read_text(path, str(path), bounds.TEXT_BYTES, SourceError,
                            "the source document")
    reader = Reader(path, text.split("\n"))
    table_start = reader.find(r"^## 5\. STRATEGIES")
    appendix = reader.find(r"^## 6\. APPENDIX", table_start)
    principles_line = reader.find(r"Strategic Principles")
    last = len(reader.lines)
    sections = read_sections(reader, 1, table_start) + read_sections(reader, appendix, last)
    principles, notes = read_principles(reader, principles_line)
    reader.table_last = appendix - 1
    plans = read_table(reader, table_start, appendix - 1)
    doc = Document(path, reader.lines, sections, principles, notes, plans, [], reader.flaws)
    read_citations(reader, doc)
    doc.cells = group_cells(reader, doc)
    check_numbers(reader, doc)
    check_headings(reader, doc)
    check_prose(reader, doc)
    doc.footnotes = read_footnotes(reader, doc)
    reader.flaws.sort(key=lambda f: (f.lines.first, f.kind, f.key))
    return doc
