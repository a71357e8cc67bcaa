"""Read the alignment cells of the action table (section 5, columns strategic and enabling)
into citations of the principles of section 2, and the cells printed once for several rows
(spanning cells); record the flaws of a citation: a shifted column, a quote of another
principle, a quote in other words."""

from __future__ import annotations

import difflib
import re

from ..text import clean, normalise
from .reader import Reader
from .records import COLUMNS, KINDS, Action, Citation, Document, GroupCell, Lines

_CITATION = re.compile(r"\[\s*(Strategic|Enabling)\s+principle\s+(\d+)\s*\]", re.I)


def read_citations(reader: Reader, doc: Document) -> None:
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
                        _continue_quote(reader, last[column], action, column,
                                        text[pos:m.start()], line)
                        kind = m.group(1).lower()
                        cited = Citation(kind, int(m.group(2)), m.group(0), column,
                                         action.number, [line])
                        last[column] = cited
                        action.citations.append(cited)
                        pos = m.end()
                    _continue_quote(reader, last[column], action, column, text[pos:], line)
        for action in plan.actions:
            for citation in action.citations:
                _check_citation(reader, doc, action, citation)


def _continue_quote(reader: Reader, citation: Citation | None, action: Action, column: str,
                    text: str, line: int) -> None:
    text = text.strip()
    if not text:
        return
    if citation is None:
        raise reader.fail(line, f"text in the {column} column of action {action.number} "
                                f"cites no principle: {text[:60]!r}")
    citation.quote_parts.append(text)
    citation.lines.append(line)


def _check_citation(reader: Reader, doc: Document, action: Action, c: Citation) -> None:
    where = Lines.of(c.lines)
    key = f"{action.number}-{c.kind}-{c.number}"
    target = [f"action:{action.number}"]
    if c.column != c.kind:
        reader.flaw("ColumnShift", key, target,
                    f"Action {action.number} cites {c.label} in the {c.column} principle "
                    f"column.", where,
                    f"Aligned to {c.kind} principle {c.number} as labelled; the column is "
                    f"recorded on the alignment.")
    cited = doc.principle(c.kind, c.number)
    if cited is None:
        raise reader.fail(c.lines[0], f"action {action.number} cites {c.label}, "
                                      f"which the principles of section 2 do not define")
    quote = normalise(c.quote)
    if not quote:
        return
    scores = sorted(((difflib.SequenceMatcher(None, quote, normalise(p.text)).ratio(),
                      p.kind, p.number) for p in doc.principles), reverse=True)
    best = scores[0]
    text = normalise(cited.text)
    own = difflib.SequenceMatcher(None, quote, text).ratio()
    targets = target + [f"principle:{c.kind}:{c.number}"]
    if (best[1], best[2]) != (c.kind, c.number) and best[0] - own > 0.2:
        reader.flaw("MisattributedQuote", key, targets,
                    f"Action {action.number} cites {c.label} but quotes the text of "
                    f"{best[1]} principle {best[2]}: \"{c.quote}\".", where,
                    f"Aligned to {c.kind} principle {c.number}, the number cited; the "
                    f"quoted text is kept on the alignment.")
    elif quote != text and not text.startswith(quote):
        reader.flaw("QuoteVariant", key, targets,
                    f"Action {action.number} quotes {c.label} in words that differ from "
                    f"section 2: \"{c.quote}\".", where,
                    "Aligned as cited; the quoted text is kept on the alignment.")


def group_cells(reader: Reader, doc: Document) -> list[GroupCell]:
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
        index = COLUMNS.index(cell.column)
        short = [n for n in cell.covers if by_number[n].fields_on_first_line <= index]
        if spill:
            cell.evidence.insert(0, f"the cell's text runs on into line(s) "
                                    f"{', '.join(map(str, spill))}")
        if short:
            cell.evidence.append(f"rows {', '.join(short)} are printed without this column")
        if not cell.evidence:
            cell.evidence.append("the rows below have this column empty")
        covered = ", ".join(cell.covers)
        reader.flaw(
            "SpanningCell", f"{cell.row}-{cell.column}",
            [f"action:{cell.row}"] + [f"action:{n}" for n in cell.covers],
            f"The {cell.column} alignment cell of action {cell.row} "
            f"({', '.join(c.label for c in cell.citations)}) is printed once for rows "
            f"{cell.row}, {covered}: {'; '.join(cell.evidence)}.",
            Lines.of(stated.lines + spill),
            f"Actions {covered} inherit its alignments, marked as inherited, not stated.")
    return cells
