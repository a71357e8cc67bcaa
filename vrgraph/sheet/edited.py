"""The cells of an edited workbook as a steward's spreadsheet stores them, and the rules every
cell passes before its value is compared (issue "Stewards never lose an edit", item 3):
no formula anywhere (a formula cell, or free text starting ``= + - @`` as the CSV rule has
it), no control character, text where the export wrote text (an action number typed as
the number 1.1 is not 1.10), and a length budget for every free-text cell.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..text import FORMULA_STARTS
from . import cells
from .cells import Cell
from .record import NAME as RECORD

#: The most characters a cell may hold, by column key; a list cell (leads, principles,
#: tiers) at most :data:`LIST_BUDGET`.
BUDGETS = {"who": 80, "when": 40, "why": 2000}
LIST_BUDGET = 1000
#: C0 controls and DEL; a line break is allowed in why only.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _from_csv(cell: str) -> Cell:
    """A CSV cell: the apostrophe the export put before a formula-like cell removed; a cell
    starting with ``=`` without it is a formula a spreadsheet would run."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return Cell(cell[1:])
    if cell.startswith("="):
        return Cell(cell, True, "formula")
    return Cell(cell.strip())


def read(path: Path) -> tuple[list[list[Cell]], list[list[str]] | None]:
    """The Actions sheet of the workbook at ``path`` (an .xlsx file or a CSV folder), header
    row first, and the rows of its record sheet (``None`` if it has none), read through the
    bounded reader (:mod:`vrgraph.sheet.cells`)."""
    if path.is_dir():
        target = path / "Actions.csv"
        if not target.is_file():
            raise InputError(f"{path}: a folder without Actions.csv; give the .xlsx workbook "
                             f"or the folder `vrgraph sheet export --format csv` wrote")
        rows = [[_from_csv(v) for v in row] for row in cells.read_csv(target)]
        record = path / f"{RECORD}.csv"
        if not record.is_file():
            return rows, None
        return rows, [[_from_csv(v).text for v in row] for row in cells.read_csv(record)]
    wb = cells.load(path, "the file `vrgraph sheet export` wrote, or its CSV folder")
    if "Actions" not in wb.sheetnames:
        raise InputError(f"{path}: no sheet named Actions (sheets: {', '.join(wb.sheetnames)})")
    grid = wb["Actions"]
    width = max((max(row) + 1 for row in grid.cells.values() if row), default=0)
    rows = list(grid.rows(width))
    kept = None
    if RECORD in wb.sheetnames:
        record_grid = wb[RECORD]
        record_width = max((max(row) + 1 for row in record_grid.cells.values() if row),
                           default=0)
        kept = [[c.text for c in row] for row in record_grid.rows(record_width)]
    return rows, kept


def problem(key: str, cell: Cell, free: bool) -> str | None:
    """What is wrong with ``cell`` of the editable column ``key`` (``free``: free text, who
    or why), or ``None``."""
    if cell.kind == "formula":
        return f"a formula ({_short(cell.text)}); type the value itself, not a formula"
    if cell.kind in ("number", "date") and key not in ("when",):
        return f"{_short(cell.text)} is stored as a {cell.kind}, not text; type it as text"
    text = cell.text
    budget = BUDGETS.get(key, LIST_BUDGET)
    if len(text) > budget:
        return f"{len(text):,} characters, beyond the budget of {budget:,}; shorten it"
    control = _CONTROL.search(text.replace("\n", " ") if key == "why" else text)
    if control or (key != "why" and "\n" in text):
        code = control.group() if control else "\n"
        return f"holds the control character U+{ord(code):04X}; remove it"
    if free and text.startswith(FORMULA_STARTS):
        return (f"starts with {text[0]!r}, which a spreadsheet runs as a formula; begin "
                f"with a letter or a digit")
    return None


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
