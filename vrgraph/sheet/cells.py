"""The cells of an edited workbook as a steward's spreadsheet stores them, and the rules every
cell passes before its value is compared (issue "Stewards never lose an edit", item 3):
no formula anywhere (a formula cell, or free text starting ``= + - @`` as the CSV rule has
it), no control character, text where the export wrote text (an action number typed as
the number 1.1 is not 1.10), and a length budget for every free-text cell.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import bounds
from ..errors import InputError
from ..text import FORMULA_STARTS
from . import xlsx
from .record import NAME as RECORD

#: The most characters a cell may hold, by column key; a list cell (leads, principles,
#: tiers) at most :data:`LIST_BUDGET`.
BUDGETS = {"who": 80, "when": 40, "why": 2000}
LIST_BUDGET = 1000
#: C0 controls and DEL; a line break is allowed in why only.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Cell:
    """One cell: its text as a steward typed it and what the spreadsheet stored."""

    text: str
    kind: str = "text"              # text | formula | number | date | empty


def _of(value: Any, data_type: str | None) -> Cell:
    if value is None:
        return Cell("", "empty")
    if data_type == "f" or (isinstance(value, str) and value.startswith("=")
                            and data_type is None):
        return Cell(str(value), "formula")
    if isinstance(value, bool):
        return Cell(str(value), "number")
    if isinstance(value, (int, float)):
        return Cell(xlsx.text(value), "number")
    if not isinstance(value, str):
        return Cell(xlsx.text(value), "date")
    return Cell(value.strip())


def _from_csv(cell: str) -> Cell:
    """A CSV cell: the apostrophe the export put before a formula-like cell removed; a cell
    starting with ``=`` without it is a formula a spreadsheet would run."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return Cell(cell[1:])
    if cell.startswith("="):
        return Cell(cell, "formula")
    return Cell(cell.strip(), "text" if cell.strip() else "empty")


def read(path: Path) -> tuple[list[list[Cell]], list[list[str]] | None]:
    """The Actions sheet of the workbook at ``path`` (an .xlsx file or a CSV folder), header
    row first, and the rows of its record sheet (``None`` if it has none)."""
    if path.is_dir():
        target = path / "Actions.csv"
        if not target.is_file():
            raise InputError(f"{path}: a folder without Actions.csv; give the .xlsx workbook "
                             f"or the folder `vrgraph sheet export --format csv` wrote")
        text = bounds.read_text(target, str(target), xlsx.XLSX_BYTES)
        rows = [[_from_csv(v) for v in row] for row in csv.reader(io.StringIO(text))]
        record = path / f"{RECORD}.csv"
        if not record.is_file():
            return rows, None
        text = bounds.read_text(record, str(record), xlsx.XLSX_BYTES)
        return rows, [[_from_csv(v).text for v in row] for row in csv.reader(io.StringIO(text))]
    wb = xlsx.load(path, "the file `vrgraph sheet export` wrote, or its CSV folder")
    if "Actions" not in wb.sheetnames:
        raise InputError(f"{path}: no sheet named Actions (sheets: {', '.join(wb.sheetnames)})")
    rows = [[_of(getattr(c, "value", None), getattr(c, "data_type", None)) for c in row]
            for row in wb["Actions"].iter_rows()]
    kept = None
    if RECORD in wb.sheetnames:
        kept = [[xlsx.text(v) for v in row] for row in wb[RECORD].iter_rows(values_only=True)]
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
