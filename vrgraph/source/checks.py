"""Record the flaws of the document's layout that reading it does not meet on the way
(``data/source/README.md``): action rows misnumbered, split or without a lead, plans that skip
a number (section 5), headings at the wrong level, and in the prose empty links, unfilled
placeholders, empty list items and paragraphs split by a page break."""

from __future__ import annotations

import re

from ..text import clean, empty_links, slug
from .reader import Reader, gaps
from .records import Document, Lines, Plan

_PLACEHOLDER = re.compile(r"\bsection\s*(?:\(xx\)|xx\b)|\bXX\b%?|\[SMART objective required\]", re.I)


def check_numbers(reader: Reader, doc: Document) -> None:
    """Each action's printed number, the lines of its row and its lead; each plan's numbering."""
    for plan in doc.plans:
        for action in plan.actions:
            raw, number = action.stated_number, action.number
            target = [f"action:{number}"]
            if raw != number:
                reader.flaw("NumberingSlip", number, target,
                            f"Action number '{raw}' is misprinted; it stands for {number}.",
                            action.span,
                            "Numbered as corrected by the data steward (the corrections of "
                            "the document); the printed number is kept as vr:statedNumber.")
            inside = [n for n in action.separators if action.span.first < n < action.span.last]
            if inside:
                what = ("A table separator line interrupts" if len(inside) == 1 else
                        f"{len(inside)} table separator lines interrupt")
                reader.flaw("RowSplit", f"{number}-separator", target,
                            f"{what} the row of action {number}.", Lines.of(inside),
                            "Ignored the separator line; the row's parts are joined.")
            elif len(action.lines) > 1:
                reader.flaw("RowSplit", number, target,
                            f"The row of action {number} is split across lines "
                            f"{action.span.first}-{action.span.last}.", action.span,
                            "The parts of each column are joined in order.")
            if not action.lead:
                reader.flaw("EmptyLead", number, target,
                            f"Action {number} has an empty lead partner cell.", action.span,
                            "Recorded; no lead is invented.")
        _numbering_gaps(reader, plan)


def _numbering_gaps(reader: Reader, plan: Plan) -> None:
    seen = [int(a.number.split(".")[2]) for a in plan.actions]
    for missing in gaps(seen):
        after = next(a for a, n in zip(plan.actions, seen) if n > missing)
        reader.flaw("NumberingGap", f"{plan.number}.{missing}", [f"plan:{plan.number}"],
                    f"Plan {plan.number} has no action {plan.number}.{missing}: the "
                    f"numbering skips to {after.stated_number}.",
                    Lines(after.lines[0], after.lines[0]))


def check_headings(reader: Reader, doc: Document) -> None:
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
                reader.flaw("HeadingLevelSlip", f"L{s.line}", [f"section:{s.key}"],
                            f"Section {s.key} is a level-{s.level} heading; the other "
                            f"sections of its depth are level {norm}.", Lines(s.line, s.line),
                            "Read by its number, not its heading level.")
    norm = usual([p.level for p in doc.plans])
    for plan in doc.plans:
        if plan.level != norm:
            how = ("printed as a row of the action table" if plan.level == 0 else
                   f"a level-{plan.level} heading")
            reader.flaw("HeadingLevelSlip", f"L{plan.line}", [f"plan:{plan.number}"],
                        f"The heading of plan {plan.number} is {how}; the other plans have "
                        f"level-{norm} headings.", Lines(plan.line, plan.line),
                        "Read as the start of the plan by its number.")


def check_prose(reader: Reader, doc: Document) -> None:
    """Every line: empty links, placeholders, empty list items, page breaks in a paragraph."""
    for n, raw in enumerate(reader.lines, start=1):
        for text in empty_links(raw):
            reader.flaw("EmptyLink", f"L{n}-{slug(text) or 'link'}", [reader.owner(doc, n)],
                        f"The link '{text}' on line {n} has no target.", Lines(n, n),
                        "The link text is kept; there is no target to record.")
        found = [m.group(0) for m in _PLACEHOLDER.finditer(clean(raw))]
        if found:
            reader.flaw("Placeholder", f"L{n}", [reader.owner(doc, n)],
                        f"Line {n} holds unfilled placeholders: {', '.join(found)}.",
                        Lines(n, n), "Kept as printed; no figure is invented.")
        if raw.strip() == "-":
            reader.flaw("EmptyListItem", f"L{n}", [reader.owner(doc, n)],
                        f"Line {n} is an empty list item.", Lines(n, n))
        if raw.strip() == "---" and n < len(reader.lines) and not reader.lines[n].strip():
            reader.flaw("PageBreakSplit", f"L{n}", [reader.owner(doc, n)],
                        f"A page break and footnote split a paragraph at line {n}.",
                        Lines(n, n + 4), "The footnote is left out of the paragraph text.")
