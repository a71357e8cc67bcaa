"""What every part of the reader shares: the document's lines, the flaws recorded so far, and
where a line belongs (the record key of the section, plan or action that holds it)."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import SourceError, located
from .records import Document, Flaw, Lines

#: A markdown heading: its hashes and its text.
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def gaps(numbers: list[int]) -> list[int]:
    """The numbers from 1 to the largest of ``numbers`` that ``numbers`` skips."""
    return sorted(set(range(1, max(numbers) + 1)) - set(numbers))


class Reader:
    """The lines of the document at ``path`` and the flaws found in them."""

    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path = path
        self.lines = lines
        self.flaws: list[Flaw] = []
        self.table_last = 0  # last line of the action table, set once it is found

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

    def owner(self, doc: Document, line: int) -> str:
        """The record key of the part of the document that holds ``line``."""
        if doc.plans[0].line <= line <= self.table_last:
            plan = next(p for p in reversed(doc.plans) if p.line <= line)
            action = next((a for a in plan.actions if a.span.first <= line <= a.span.last), None)
            return f"action:{action.number}" if action else f"plan:{plan.number}"
        section = next((s for s in reversed(doc.sections) if s.line <= line), None)
        return f"section:{section.key}" if section else "document"
