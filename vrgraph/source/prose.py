"""Read the prose of the document: its headed sections (sections 1 to 4 and the appendix,
section 6), the principles table of section 2 (``## 2. VIOLENCE REDUCTION PRINCIPLES``) and
the footnotes at the foot of its pages."""

from __future__ import annotations

import re

from ..text import clean, link, slug
from .reader import HEADING, Reader, gaps
from .records import KINDS, Document, Footnote, Lines, Principle, Section

_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")
_LI = re.compile(r"<li>\s*(\d+)\.\s*(.*?)\s*</li>", re.S)
_FOOTNOTE = re.compile(r"^\s*<sup>(\d+)</sup>\s*(.*)$")


def read_sections(reader: Reader, first: int, last: int) -> list[Section]:
    """Every markdown heading of lines ``first`` to ``last`` starts a section; numbered
    headings keep their number."""
    sections: list[Section] = []
    parent = ""
    for n in range(first, last + 1):
        raw = reader.lines[n - 1]
        m = HEADING.match(raw)
        if m:
            title = clean(m.group(2))
            numbered = _NUMBERED.match(title)
            top = int(numbered.group(1).split(".")[0]) if numbered else 0
            if numbered and (not parent or top >= int(parent.split(".")[0])):
                key, title = numbered.group(1), numbered.group(2)
                if key.count(".") <= 1:
                    parent = key
            elif numbered:
                reader.flaw("HeadingLevelSlip", f"L{n}", [f"section:{sections[-1].key}"],
                            f"The list item '{title}' of section {sections[-1].key} is "
                            f"printed as a heading.", Lines(n, n),
                            "Read as a list item of the section it stands in.")
                sections[-1].body.append((n, title))
                continue
            else:
                key = f"{parent}/{slug(title)}"
            sections.append(Section(key, title.rstrip(":"), len(m.group(1)), n))
        elif sections and raw.strip():
            sections[-1].body.append((n, raw))
    return sections


def read_footnotes(reader: Reader, doc: Document) -> list[Footnote]:
    """Lines ``<sup>N</sup> text``: each footnote once, belonging where its mark is."""
    footnotes: list[Footnote] = []
    for n, raw in enumerate(reader.lines, start=1):
        m = _FOOTNOTE.match(raw)
        if not m:
            continue
        number, rest = m.groups()
        if any(f.number == number for f in footnotes):
            raise reader.fail(n, f"footnote {number} is printed twice")
        # a URL as link text has its underscores escaped twice ("\\_"): unescape them
        text, target = link(re.sub(r"\\+(?=[_()])", "", rest))
        mark = next((i for i, other in enumerate(reader.lines, start=1)
                     if i != n and f"<sup>{number}</sup>" in other), n)
        footnotes.append(Footnote(number, n, clean(text), target, reader.owner(doc, mark)))
    return footnotes


def read_principles(reader: Reader,
                    header: int) -> tuple[list[Principle], dict[str, tuple[int, str]]]:
    """Section 2: two columns (strategic, enabling) of numbered list items under the
    ``header`` line, and the note each column's header carries."""
    cells = reader.lines[header - 1].split("\t")
    notes = {kind: (header, clean(cell)) for kind, cell in zip(KINDS, cells)}
    principles: list[Principle] = []
    for n in range(header + 1, header + 5):
        for kind, cell in zip(KINDS, reader.lines[n - 1].split("\t")):
            for m in _LI.finditer(cell):
                principles.append(Principle(kind, int(m.group(1)), clean(m.group(2)), n))
    if not principles:
        raise reader.fail(header, "no principles found after the 'Strategic Principles' header")
    for kind in KINDS:
        numbers = [p.number for p in principles if p.kind == kind]
        for gap in gaps(numbers):
            line = next(p.line for p in principles if p.kind == kind and p.number > gap)
            reader.flaw(
                "PrincipleNumberingGap", f"{kind}-{gap}", [f"scheme:{kind}"],
                f"The {kind} principles are numbered {', '.join(map(str, numbers))}: "
                f"there is no {kind} principle {gap}.",
                Lines(line, line),
                "Recorded; principles keep the numbers the document gives them.",
            )
    return principles, notes
