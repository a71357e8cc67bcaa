"""The plain records the reader makes of the source document, each with the lines it came
from: sections, principles (section 2), plans and their actions (section 5), alignment
citations, footnotes and the flaws of the layout (``data/source/README.md``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..text import clean

KINDS = ("strategic", "enabling")
FLAW_KINDS = (
    "RowSplit", "SpanningCell", "ColumnShift", "NumberingSlip", "NumberingGap", "EmptyLead",
    "MisspeltName", "TruncatedName", "MisattributedQuote", "QuoteVariant",
    "PrincipleNumberingGap", "WrongPrincipleReference", "Placeholder", "EmptyLink",
    "PageBreakSplit", "HeadingLevelSlip", "Typo", "PersonalName", "InconsistentName",
    "EmptyListItem", "NoAlignment", "NoEnablingColumn",
)
#: The columns of the action table of section 5, in order.
COLUMNS = ("number", "text", "lead", "strategic", "enabling")
_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")
_DEBRIS = re.compile(r"^\s*(?:-{3,}|<sup>\d+</sup>)")


def natural(number: str) -> list[int]:
    """Sort key for dotted numbers: 5.1.2 before 5.1.10."""
    return [int(p) for p in number.split(".") if p.isdigit()]


@dataclass(frozen=True)
class Lines:
    """Inclusive 1-based line range of the source."""

    first: int
    last: int

    @classmethod
    def of(cls, numbers: list[int] | set[int]) -> Lines:
        return cls(min(numbers), max(numbers))


@dataclass
class Flaw:
    """A flaw of the source, recorded as a data-quality note. ``targets`` are record keys
    such as ``action:5.1.9``, ``plan:5.1``, ``principle:enabling:6``, ``section:4.3``."""

    kind: str
    key: str
    targets: list[str]
    message: str
    lines: Lines
    handling: str = "Recorded; the graph keeps the document's content as printed."


@dataclass
class Principle:
    kind: str
    number: int
    text: str
    line: int


@dataclass
class Citation:
    """``[Strategic Principle N] quoted text`` in an alignment cell."""

    kind: str
    number: int
    label: str
    column: str
    row: str
    lines: list[int]
    quote_parts: list[str] = field(default_factory=list)

    @property
    def quote(self) -> str:
        return " ".join(p for p in self.quote_parts if p).strip()


@dataclass
class Action:
    number: str
    stated_number: str
    plan: str
    group: str | None
    lines: list[int]
    cells: dict[str, list[tuple[int, str]]]
    citations: list[Citation] = field(default_factory=list)
    fields_on_first_line: int = 5
    separators: list[int] = field(default_factory=list)  # table separator lines met in the row

    @property
    def text(self) -> str:
        return clean(" ".join(raw for _, raw in self.cells["text"]), keep_breaks=True)

    @property
    def lead(self) -> str:
        return " ".join(c for c in (clean(raw) for _, raw in self.cells["lead"]) if c)

    @property
    def span(self) -> Lines:
        return Lines.of(self.lines)

    def cited(self, column: str) -> list[Citation]:
        return [c for c in self.citations if c.column == column]


@dataclass
class GroupCell:
    """An alignment cell printed once on ``row`` that covers the empty cells below it."""

    row: str
    column: str
    citations: list[Citation]
    covers: list[str]
    evidence: list[str]


@dataclass
class Group:
    plan: str
    slug: str
    title: str
    line: int
    intro: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Plan:
    number: str
    title: str
    line: int
    level: int = 0  # markdown heading level; 0 for a heading printed as a table row
    intro: list[tuple[int, str]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass
class Section:
    """A headed part of the prose: number (or ``parent/slug``), title, paragraphs, items."""

    key: str
    title: str
    level: int
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)

    @property
    def lines(self) -> Lines:
        return Lines.of([self.line] + [n for n, _ in self.body])

    @property
    def paragraphs(self) -> list[str]:
        """Body paragraphs, without list items, tables, page-break debris or footnotes; a
        paragraph cut by a page break is joined again."""
        paragraphs: list[str] = []
        for _, raw in self.body:
            text = clean(raw)
            if _is_item(raw) or "\t" in raw or not text or _DEBRIS.match(raw):
                continue
            if paragraphs and not paragraphs[-1].endswith((".", ":", "!", "?")) and text[0].islower():
                paragraphs[-1] += " " + text
            else:
                paragraphs.append(text)
        return paragraphs

    @property
    def items(self) -> list[tuple[int, str]]:
        """Bulleted or numbered list items, with their lines."""
        items = [(n, clean(_ITEM.sub("", raw))) for n, raw in self.body if _is_item(raw)]
        return [(n, text) for n, text in items if text]


def _is_item(raw: str) -> bool:
    return bool(_ITEM.match(raw)) or raw.strip() == "-"


@dataclass
class Footnote:
    """``<sup>N</sup> text`` at the foot of a page; ``owner`` is the record key of the part of
    the document whose text carries its mark (``section:3.2``)."""

    number: str
    line: int
    text: str
    target: str | None  # where its link points, if anywhere
    owner: str


@dataclass
class Document:
    path: Path
    lines: list[str]
    sections: list[Section]
    principles: list[Principle]
    scheme_notes: dict[str, tuple[int, str]]
    plans: list[Plan]
    cells: list[GroupCell]
    flaws: list[Flaw]
    footnotes: list[Footnote] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return [a for p in self.plans for a in p.actions]

    def principle(self, kind: str, number: int) -> Principle | None:
        return next((p for p in self.principles if (p.kind, p.number) == (kind, number)), None)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)
