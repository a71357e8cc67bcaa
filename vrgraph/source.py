"""Read the source document into plain records: stage 1 of the pipeline.

The reader knows the document's layout (see ``data/source/README.md``): numbered markdown
headings, the principles table of section 2, the tab-separated action table of section 5 and
the lists of the communications plan (appendix 6.1). It records what it reads, with the
lines it read it from, and every flaw of the layout it meets as a :class:`Flaw`. It fixes
nothing: corrections are curation (``vrgraph.curation``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import bounds
from .errors import SourceError, located
from .text import clean, empty_links, link, normalise, slug

KINDS = ("strategic", "enabling")
FLAW_KINDS = (
    "RowSplit", "SpanningCell", "ColumnShift", "NumberingSlip", "NumberingGap", "EmptyLead",
    "MisspeltName", "TruncatedName", "MisattributedQuote", "QuoteVariant",
    "PrincipleNumberingGap", "WrongPrincipleReference", "Placeholder", "EmptyLink",
    "PageBreakSplit", "HeadingLevelSlip", "Typo", "PersonalName", "InconsistentName",
    "EmptyListItem", "NoAlignment", "NoEnablingColumn",
)
_COLUMNS = ("number", "text", "lead", "strategic", "enabling")
_ACTION_NO = re.compile(r"^5(?:\.\d+)+\.?$")
_PLAN_HEADING = re.compile(r"^5\.(\d+)\.?\s+(.+)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.+)$")
_CITATION = re.compile(r"\[\s*(Strategic|Enabling)\s+principle\s+(\d+)\s*\]", re.I)
_LI = re.compile(r"<li>\s*(\d+)\.\s*(.*?)\s*</li>", re.S)
_PLACEHOLDER = re.compile(r"\bsection\s*(?:\(xx\)|xx\b)|\bXX\b%?|\[SMART objective required\]", re.I)


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


_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")
_DEBRIS = re.compile(r"^\s*(?:-{3,}|<sup>\d+</sup>)")


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


_FOOTNOTE = re.compile(r"^\s*<sup>(\d+)</sup>\s*(.*)$")


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


def read(path: Path) -> Document:
    """Read the source document at ``path``; raise :class:`SourceError` if it is unreadable."""
    text = bounds.read_text(path, str(path), bounds.TEXT_BYTES, SourceError,
                            "the source document")
    lines = text.split("\n")
    reader = _Reader(path, lines)
    return reader.run()


class _Reader:
    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path = path
        self.lines = lines
        self.flaws: list[Flaw] = []
        self.table_last = 0  # last line of the action table, set by run()

    def fail(self, line: int, message: str) -> SourceError:
        return SourceError(located(str(self.path), line, message))

    def flaw(self, kind: str, key: str, targets: list[str], message: str, lines: Lines,
             handling: str | None = None) -> None:
        flaw = Flaw(kind, key, targets, message, lines)
        if handling:
            flaw.handling = handling
        self.flaws.append(flaw)

    def find(self, pattern: str, start: int = 1) -> int:
        for n in range(start, len(self.lines) + 1):
            if re.search(pattern, self.lines[n - 1]):
                return n
        raise self.fail(start, f"expected a line matching {pattern!r}; is this the right document?")

    def run(self) -> Document:
        table_start = self.find(r"^## 5\. STRATEGIES")
        appendix = self.find(r"^## 6\. APPENDIX", table_start)
        principles_line = self.find(r"Strategic Principles")
        sections = self.read_sections(1, table_start) + self.read_sections(appendix, len(self.lines))
        principles, notes = self.read_principles(principles_line)
        self.table_last = appendix - 1
        plans = self.read_table(table_start, appendix - 1)
        doc = Document(self.path, self.lines, sections, principles, notes, plans, [], self.flaws)
        self.check_citations(doc)
        doc.cells = self.group_cells(doc)
        self.check_numbers(doc)
        self.check_headings(doc)
        self.check_prose(doc)
        doc.footnotes = self.read_footnotes(doc)
        self.flaws.sort(key=lambda f: (f.lines.first, f.kind, f.key))
        return doc

    # -- prose -----------------------------------------------------------------------
    def read_sections(self, first: int, last: int) -> list[Section]:
        """Every markdown heading starts a section; numbered headings keep their number."""
        sections: list[Section] = []
        parent = ""
        for n in range(first, last + 1):
            raw = self.lines[n - 1]
            m = _HEADING.match(raw)
            if m:
                title = clean(m.group(2))
                numbered = _NUMBERED.match(title)
                top = int(numbered.group(1).split(".")[0]) if numbered else 0
                if numbered and (not parent or top >= int(parent.split(".")[0])):
                    key, title = numbered.group(1), numbered.group(2)
                    if key.count(".") <= 1:
                        parent = key
                elif numbered:
                    self.flaw("HeadingLevelSlip", f"L{n}", [f"section:{sections[-1].key}"],
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

    def read_footnotes(self, doc: Document) -> list[Footnote]:
        """Lines ``<sup>N</sup> text``: each footnote once, belonging where its mark is."""
        footnotes: list[Footnote] = []
        for n, raw in enumerate(self.lines, start=1):
            m = _FOOTNOTE.match(raw)
            if not m:
                continue
            number, rest = m.groups()
            if any(f.number == number for f in footnotes):
                raise self.fail(n, f"footnote {number} is printed twice")
            # a URL as link text has its underscores escaped twice ("\\_"): unescape them
            text, target = link(re.sub(r"\\+(?=[_()])", "", rest))
            mark = next((i for i, other in enumerate(self.lines, start=1)
                         if i != n and f"<sup>{number}</sup>" in other), n)
            footnotes.append(Footnote(number, n, clean(text), target, self.owner(doc, mark)))
        return footnotes

    def read_principles(self, header: int) -> tuple[list[Principle], dict[str, tuple[int, str]]]:
        """Section 2: two columns (strategic, enabling) of numbered list items."""
        cells = self.lines[header - 1].split("\t")
        notes = {kind: (header, clean(cell)) for kind, cell in zip(KINDS, cells)}
        principles: list[Principle] = []
        for n in range(header + 1, header + 5):
            for kind, cell in zip(KINDS, self.lines[n - 1].split("\t")):
                for m in _LI.finditer(cell):
                    principles.append(Principle(kind, int(m.group(1)), clean(m.group(2)), n))
        if not principles:
            raise self.fail(header, "no principles found after the 'Strategic Principles' header")
        for kind in KINDS:
            numbers = [p.number for p in principles if p.kind == kind]
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            for gap in missing:
                line = next(p.line for p in principles if p.kind == kind and p.number > gap)
                self.flaw(
                    "PrincipleNumberingGap", f"{kind}-{gap}", [f"scheme:{kind}"],
                    f"The {kind} principles are numbered {', '.join(map(str, numbers))}: "
                    f"there is no {kind} principle {gap}.",
                    Lines(line, line),
                    "Recorded; principles keep the numbers the document gives them.",
                )
        return principles, notes

    # -- the action table --------------------------------------------------------------
    def read_table(self, first: int, last: int) -> list[Plan]:
        plans: list[Plan] = []
        plan: Plan | None = None
        group: Group | None = None
        action: Action | None = None
        for n in range(first + 1, last + 1):
            raw = self.lines[n - 1]
            if not raw.strip():
                continue
            cells = raw.split("\t")
            head = clean(cells[0])
            rest = [clean(c) for c in cells[1:]]
            heading = _HEADING.match(raw) if len(cells) == 1 else None
            title = clean(heading.group(2)) if heading else (
                head if len(cells) == 1 and raw.strip().startswith("**") else None)
            plan_m = _PLAN_HEADING.match(title or (head if not any(rest) else ""))
            if head.startswith("Action no."):
                continue
            if plan_m:
                level = len(heading.group(1)) if heading else 0
                plan = Plan(f"5.{plan_m.group(1)}", plan_m.group(2).strip(), n, level)
                plans.append(plan)
                group = action = None
                continue
            if plan is None:
                continue
            if title is not None:
                group = self.new_group(plan, title, n)
                action = None
                continue
            if len(cells) == 1:
                self.intro(plan, group, n, raw)
                continue
            if re.fullmatch(r"-+", head) and all(re.fullmatch(r"-*", c) for c in rest):
                if action is not None:
                    action.separators.append(n)
                continue
            if _ACTION_NO.match(head):
                action = self.new_action(plan, group, head, cells, n)
                continue
            if not head and action is not None:
                self.add_cells(action, cells, n)
                continue
            if head and not any(rest):
                if raw.lstrip().startswith("<b>") or len(head.split()) <= 5:
                    group = self.new_group(plan, head, n)
                    action = None
                else:
                    self.intro(plan, group, n, raw)
                continue
            raise self.fail(n, f"cannot read this table line in plan {plan.number}: {head[:60]!r}")
        for plan in plans:
            if not plan.actions:
                raise self.fail(plan.line, f"plan {plan.number} has no actions")
            for action in plan.actions:
                if not re.fullmatch(re.escape(plan.number) + r"\.\d+", action.number):
                    raise self.fail(action.lines[0], f"cannot read action number "
                                    f"{action.stated_number!r} in plan {plan.number}")
        return plans

    def new_group(self, plan: Plan, title: str, line: int) -> Group:
        group = Group(plan.number, slug(title), title, line)
        plan.groups.append(group)
        return group

    def intro(self, plan: Plan, group: Group | None, line: int, raw: str) -> None:
        """A paragraph printed in the table's first column (its empty cells dropped)
        introduces the group it follows, else the plan."""
        target = group if group is not None and not any(
            a.group == group.slug for a in plan.actions) else plan
        target.intro.append((line, raw.split("\t", 1)[0]))

    def new_action(self, plan: Plan, group: Group | None, head: str, cells: list[str],
                   line: int) -> Action:
        action = Action(self.read_number(plan, head), head, plan.number, group.slug if group else None, [],
                        {c: [] for c in _COLUMNS[1:]}, fields_on_first_line=len(cells))
        self.add_cells(action, cells, line)
        plan.actions.append(action)
        return action

    @staticmethod
    def read_number(plan: Plan, raw: str) -> str:
        """The number an action's printed number stands for: ``5.3.3.`` reads as ``5.3.3``
        and ``5.97`` (a dropped dot) as ``5.9.7``."""
        number = raw.rstrip(".")
        prefix = plan.number + "."
        if not number.startswith(prefix) and number.replace(".", "").startswith(
                plan.number.replace(".", "")):
            number = prefix + number.replace(".", "")[len(plan.number.replace(".", "")):]
        return number

    def add_cells(self, action: Action, cells: list[str], line: int) -> None:
        action.lines.append(line)
        for column, raw in zip(_COLUMNS[1:], cells[1:]):
            if clean(raw):
                action.cells[column].append((line, raw))

    # -- alignments ----------------------------------------------------------------------
    def check_citations(self, doc: Document) -> None:
        """Parse each alignment cell into citations; text before a citation continues the
        cell above it in the same column (a cell split across rows)."""
        for plan in doc.plans:
            last: dict[str, Citation | None] = {k: None for k in KINDS}
            for action in plan.actions:
                for column in KINDS:
                    for line, raw in action.cells[column]:
                        text = clean(raw)
                        pos = 0
                        for m in _CITATION.finditer(text):
                            self.continue_quote(last[column], action, column, text[pos:m.start()], line)
                            kind = m.group(1).lower()
                            cited = Citation(kind, int(m.group(2)), m.group(0), column,
                                             action.number, [line])
                            last[column] = cited
                            action.citations.append(cited)
                            pos = m.end()
                        self.continue_quote(last[column], action, column, text[pos:], line)
            for action in plan.actions:
                for citation in action.citations:
                    self.check_citation(doc, action, citation)

    def continue_quote(self, citation: Citation | None, action: Action, column: str,
                       text: str, line: int) -> None:
        text = text.strip()
        if not text:
            return
        if citation is None:
            raise self.fail(line, f"text in the {column} column of action {action.number} "
                                  f"cites no principle: {text[:60]!r}")
        citation.quote_parts.append(text)
        citation.lines.append(line)

    def check_citation(self, doc: Document, action: Action, c: Citation) -> None:
        where = Lines.of(c.lines)
        key = f"{action.number}-{c.kind}-{c.number}"
        target = [f"action:{action.number}"]
        if c.column != c.kind:
            self.flaw("ColumnShift", key, target,
                      f"Action {action.number} cites {c.label} in the {c.column} principle "
                      f"column.", where,
                      f"Aligned to {c.kind} principle {c.number} as labelled; the column is "
                      f"recorded on the alignment.")
        cited = doc.principle(c.kind, c.number)
        if cited is None:
            raise self.fail(c.lines[0], f"action {action.number} cites {c.label}, "
                                        f"which the principles of section 2 do not define")
        quote = normalise(c.quote)
        if not quote:
            return
        scores = sorted(((difflib.SequenceMatcher(None, quote, normalise(p.text)).ratio(),
                          p.kind, p.number) for p in doc.principles), reverse=True)
        best = scores[0]
        own = difflib.SequenceMatcher(None, quote, normalise(cited.text)).ratio()
        if (best[1], best[2]) != (c.kind, c.number) and best[0] - own > 0.2:
            self.flaw("MisattributedQuote", key, target + [f"principle:{c.kind}:{c.number}"],
                      f"Action {action.number} cites {c.label} but quotes the text of "
                      f"{best[1]} principle {best[2]}: \"{c.quote}\".", where,
                      f"Aligned to {c.kind} principle {c.number}, the number cited; the "
                      f"quoted text is kept on the alignment.")
        elif quote != normalise(cited.text) and not normalise(cited.text).startswith(quote):
            self.flaw("QuoteVariant", key, target + [f"principle:{c.kind}:{c.number}"],
                      f"Action {action.number} quotes {c.label} in words that differ from "
                      f"section 2: \"{c.quote}\".", where,
                      "Aligned as cited; the quoted text is kept on the alignment.")

    def group_cells(self, doc: Document) -> list[GroupCell]:
        """Alignment cells stated once for several rows.

        The converted table lost its merged cells: a cell printed on one row stands for the
        rows below it that have no citation of their own for that column, down to the next
        cell in that column or the end of the themed group.
        """
        cells: list[GroupCell] = []
        by_number = {a.number: a for a in doc.actions}
        for plan in doc.plans:
            for column in KINDS:
                current: GroupCell | None = None
                for action in plan.actions:
                    if current and by_number[current.row].group != action.group:
                        current = None
                    own = [c for c in action.citations if c.row == action.number]
                    printed = [c for c in own if c.column == column]
                    if printed:
                        current = GroupCell(action.number, column, printed, [], [])
                        cells.append(current)
                    elif any(c.kind == column for c in own):
                        current = None
                    elif current is not None:
                        current.covers.append(action.number)
        cells = [c for c in cells if c.covers]
        for cell in cells:
            stated = by_number[cell.row]
            spill = sorted({line for c in cell.citations for line in c.lines
                            if line not in stated.lines})
            index = _COLUMNS.index(cell.column)
            short = [n for n in cell.covers if by_number[n].fields_on_first_line <= index]
            if spill:
                cell.evidence.insert(0, f"the cell's text runs on into line(s) "
                                        f"{', '.join(map(str, spill))}")
            if short:
                cell.evidence.append(f"rows {', '.join(short)} are printed without this column")
            if not cell.evidence:
                cell.evidence.append("the rows below have this column empty")
            covered = ", ".join(cell.covers)
            self.flaw(
                "SpanningCell", f"{cell.row}-{cell.column}",
                [f"action:{cell.row}"] + [f"action:{n}" for n in cell.covers],
                f"The {cell.column} alignment cell of action {cell.row} "
                f"({', '.join(c.label for c in cell.citations)}) is printed once for rows "
                f"{cell.row}, {covered}: {'; '.join(cell.evidence)}.",
                Lines.of(stated.lines + spill),
                f"Actions {covered} inherit its alignments, marked as inherited, not stated.")
        return cells

    # -- numbering and leads ---------------------------------------------------------------
    def check_numbers(self, doc: Document) -> None:
        for plan in doc.plans:
            for action in plan.actions:
                raw, number = action.stated_number, action.number
                target = [f"action:{number}"]
                if raw != number:
                    self.flaw("NumberingSlip", number, target,
                              f"Action number '{raw}' is misprinted; it stands for {number}.",
                              action.span,
                              "Numbered as corrected by the data steward (the corrections of "
                              "the document); the "
                              "printed number is kept as vr:statedNumber.")
                inside = [n for n in action.separators if action.span.first < n < action.span.last]
                if inside:
                    what = ("A table separator line interrupts" if len(inside) == 1 else
                            f"{len(inside)} table separator lines interrupt")
                    self.flaw("RowSplit", f"{number}-separator", target,
                              f"{what} the row of action {number}.", Lines.of(inside),
                              "Ignored the separator line; the row's parts are joined.")
                elif len(action.lines) > 1:
                    self.flaw("RowSplit", number, target,
                              f"The row of action {number} is split across lines "
                              f"{action.span.first}-{action.span.last}.", action.span,
                              "The parts of each column are joined in order.")
                if not action.lead:
                    self.flaw("EmptyLead", number, target,
                              f"Action {number} has an empty lead partner cell.", action.span,
                              "Recorded; no lead is invented.")
            self.numbering_gaps(plan)

    def numbering_gaps(self, plan: Plan) -> None:
        seen = [int(a.number.split(".")[2]) for a in plan.actions]
        for missing in sorted(set(range(1, max(seen) + 1)) - set(seen)):
            after = next(a for a, n in zip(plan.actions, seen) if n > missing)
            self.flaw("NumberingGap", f"{plan.number}.{missing}", [f"plan:{plan.number}"],
                      f"Plan {plan.number} has no action {plan.number}.{missing}: the "
                      f"numbering skips to {after.stated_number}.",
                      Lines(after.lines[0], after.lines[0]))

    def check_headings(self, doc: Document) -> None:
        """Numbered headings of one depth should share one markdown level; plans should be
        headings, not table rows."""
        def usual(levels: list[int]) -> int:
            return max(sorted(set(levels)), key=levels.count)

        numbered = [s for s in doc.sections if "/" not in s.key]
        for depth in sorted({s.key.count(".") for s in numbered}):
            same = [s for s in numbered if s.key.count(".") == depth]
            norm = usual([s.level for s in same])
            for s in same:
                if s.level != norm:
                    self.flaw("HeadingLevelSlip", f"L{s.line}", [f"section:{s.key}"],
                              f"Section {s.key} is a level-{s.level} heading; the other "
                              f"sections of its depth are level {norm}.", Lines(s.line, s.line),
                              "Read by its number, not its heading level.")
        norm = usual([p.level for p in doc.plans])
        for plan in doc.plans:
            if plan.level != norm:
                how = ("printed as a row of the action table" if plan.level == 0 else
                       f"a level-{plan.level} heading")
                self.flaw("HeadingLevelSlip", f"L{plan.line}", [f"plan:{plan.number}"],
                          f"The heading of plan {plan.number} is {how}; the other plans have "
                          f"level-{norm} headings.", Lines(plan.line, plan.line),
                          "Read as the start of the plan by its number.")

    # -- prose flaws -------------------------------------------------------------------------
    def check_prose(self, doc: Document) -> None:
        for n, raw in enumerate(self.lines, start=1):
            for text in empty_links(raw):
                self.flaw("EmptyLink", f"L{n}-{slug(text) or 'link'}", [self.owner(doc, n)],
                          f"The link '{text}' on line {n} has no target.", Lines(n, n),
                          "The link text is kept; there is no target to record.")
            found = [m.group(0) for m in _PLACEHOLDER.finditer(clean(raw))]
            if found:
                self.flaw("Placeholder", f"L{n}", [self.owner(doc, n)],
                          f"Line {n} holds unfilled placeholders: {', '.join(found)}.",
                          Lines(n, n), "Kept as printed; no figure is invented.")
            if raw.strip() == "-":
                self.flaw("EmptyListItem", f"L{n}", [self.owner(doc, n)],
                          f"Line {n} is an empty list item.", Lines(n, n))
            if raw.strip() == "---" and n < len(self.lines) and not self.lines[n].strip():
                self.flaw("PageBreakSplit", f"L{n}", [self.owner(doc, n)],
                          f"A page break and footnote split a paragraph at line {n}.",
                          Lines(n, n + 4), "The footnote is left out of the paragraph text.")

    def owner(self, doc: Document, line: int) -> str:
        """The record key of the part of the document that holds ``line``."""
        if doc.plans[0].line <= line <= self.table_last:
            plan = next(p for p in reversed(doc.plans) if p.line <= line)
            action = next((a for a in plan.actions if a.span.first <= line <= a.span.last), None)
            return f"action:{action.number}" if action else f"plan:{plan.number}"
        section = next((s for s in reversed(doc.sections) if s.line <= line), None)
        return f"section:{section.key}" if section else "document"


def natural(number: str) -> list[int]:
    """Sort key for dotted numbers: 5.1.2 before 5.1.10."""
    return [int(p) for p in number.split(".") if p.isdigit()]


