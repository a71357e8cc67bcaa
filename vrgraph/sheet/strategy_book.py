"""Another strategy's workbook read and checked (``vrgraph build --sheet FILE``; issue
"Stewardship", item 5): the workbook :mod:`vrgraph.sheet.blank` lays out, filled in, as a
:class:`Book` that :mod:`vrgraph.sheet.strategy` turns into a graph.

Every cell is checked first, and every bad one is reported at once
(``Actions!E5: unknown agency "MPSS" (did you mean MPS?)``): nothing is built from a workbook
with a single bad cell.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..edits import TIERS
from ..errors import InputError, VrgraphError
from ..mappings import Targets, parse_cell
from ..namespaces import XSD
from ..text import natural, slug
from . import cells, xlsx
from .blank import COLUMNS, KINDS, ROWS, SHEETS, STRATEGY
from .cells import Grid

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PRINCIPLE = re.compile(r"(SP|EP)([1-9][0-9]*)")
_PLAN = re.compile(r"[0-9]+(\.[0-9]+)?")
KIND = {"SP": "strategic", "EP": "enabling"}
DATE = ((re.compile(r"\d{4}"), XSD.gYear), (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
         (re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date))


def _real(issued: str) -> bool:
    """Whether a date, month or year of :data:`DATE` is one of the calendar (no 2025-02-30,
    no month 13)."""
    parts = [int(p) for p in issued.split("-")] + [1, 1]
    try:
        date(*parts[:3])
    except ValueError:
        return False
    return True


class WorkbookError(VrgraphError):
    """A strategy workbook that cannot be built; the message lists every bad cell."""


@dataclass
class Row:
    """A filled row of a sheet: its number as the spreadsheet shows it, its cells by key."""

    sheet: str
    n: int
    values: dict[str, str]

    def cell(self, key: str) -> str:
        keys = [c.key for c in COLUMNS[self.sheet]]
        return f"{self.sheet}!{xlsx.letter(keys.index(key))}{self.n}"

    @property
    def cells(self) -> str:
        return f"{self.sheet}!A{self.n}:{xlsx.letter(len(COLUMNS[self.sheet]) - 1)}{self.n}"


@dataclass
class Book:
    """What a workbook says, checked."""

    strategy: dict[str, str]
    rows: dict[str, list[Row]] = field(default_factory=dict)
    agencies: dict[str, Row] = field(default_factory=dict)      # by id
    tokens: dict[str, str] = field(default_factory=dict)        # id or acronym, lowercased -> id


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1,
                                      cutoff=0.6)
    found = [c for c in choices if close and c.lower() == close[0]]
    return f" (did you mean {found[0]}?)" if found else ""


def words(text: str) -> list[str]:
    """The values of a cell that holds several, separated by ';' (or ',' or a new line)."""
    return [w.strip() for w in re.split(r"[;,\n]", text) if w.strip()]


class Reader:
    """Reads a strategy workbook, collecting every bad cell."""

    def __init__(self, path: Path, targets: Callable[[], Targets] | None = None) -> None:
        self.path = path
        self.targets = targets      # what a Matches cell may name, made when first needed
        self.errors: list[tuple[int, int, int, str]] = []
        self.formulas: set[tuple[str, int, int]] = set()   # reported once, as formulas

    def error(self, sheet: str, row: int, col: int, message: str) -> None:
        self.errors.append((SHEETS.index(sheet), row, col,
                            f"{sheet}!{xlsx.letter(col)}{row}: {message}"))

    def read(self) -> Book:
        wb = cells.load(self.path, "the workbook `vrgraph sheet new` wrote, filled in")
        missing = [name for name in SHEETS if name not in wb.sheetnames]
        if missing:
            raise WorkbookError(f"{self.path}: no sheet {', '.join(missing)} (sheets: "
                                f"{', '.join(wb.sheetnames)}); start from the workbook "
                                f"`vrgraph sheet new` writes")
        book = Book(self.strategy(wb["Strategy"]))
        for name, columns in COLUMNS.items():
            book.rows[name] = self.table(wb[name], name, [c.header for c in columns])
        self.agencies(book)
        self.check_strategy(book)
        for name in ("Principles", "Plans", "Actions"):
            if not book.rows[name]:
                self.error(name, 2, 0, f"sheet {name} is empty: a strategy has at least one "
                                       f"{name.lower()[:-1]}")
        principles = self.principles(book)
        plans = self.plans(book)
        self.actions(book, principles, plans)
        if self.errors:
            count = f"{len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}"
            raise WorkbookError(f"{self.path}: {count}, nothing written:\n" +
                                "\n".join(m for *_, m in sorted(self.errors)))
        return book

    def cells(self, ws: Grid, name: str, width: int) -> list[tuple[int, list[str]]]:
        """The filled rows of ``ws`` (at most :data:`ROWS`), as text, with their numbers."""
        out = []
        for n, row in enumerate(ws.rows(width), 1):
            values = []
            for i, cell in enumerate(row):
                if cell.formula:
                    self.error(name, n, i, f"a formula ({cell.text[:40]}): type the "
                                           f"value itself")
                    self.formulas.add((name, n, i))
                elif cell.kind == "number" and "." in cell.text:
                    self.error(name, n, i, f"stored as the number {cell.text}, not text "
                                           f"(5.10 would read as 5.1): format the cell as "
                                           f"text and type it again")
                values.append("" if cell.formula else cell.text)
            values += [""] * (width - len(values))
            if n == 1 or any(values):
                out.append((n, values))
            if len(out) > ROWS + 1 or n > 20 * ROWS:
                self.error(name, n, 0, f"more than {ROWS} rows, or rows past {20 * ROWS}; a "
                                       f"strategy workbook holds at most {ROWS} per sheet")
                break
        return out

    def strategy(self, ws: Grid) -> dict[str, str]:
        rows = dict(self.cells(ws, "Strategy", 2))
        out = {}
        for n, column in enumerate(STRATEGY, 2):
            label, value = rows.get(n, ["", ""])
            if label != column.header:
                self.error("Strategy", n, 0, f"reads {label!r}, not {column.header!r}: the "
                                             f"fields were moved; keep them as `vrgraph sheet "
                                             f"new` wrote them")
            out[column.key] = value
        return out

    def table(self, ws: Grid, name: str, headers: list[str]) -> list[Row]:
        rows = self.cells(ws, name, len(headers))
        header = rows[0][1] if rows and rows[0][0] == 1 else [""] * len(headers)
        for i, want in enumerate(headers):
            if header[i] == "" and i == len(headers) - 1 and name == "Principles":
                continue                 # a workbook from before the column Matches
            if header[i] != want:
                self.error(name, 1, i, f"the header reads {header[i]!r}, not {want!r}: the "
                                       f"columns were moved or renamed; keep them as `vrgraph "
                                       f"sheet new` wrote them")
        keys = [c.key for c in COLUMNS[name]]
        return [Row(name, n, dict(zip(keys, values))) for n, values in rows if n > 1]

    def required(self, row: Row) -> None:
        for i, column in enumerate(COLUMNS[row.sheet]):
            if column.required and not row.values[column.key] \
                    and (row.sheet, row.n, i) not in self.formulas:
                self.error(row.sheet, row.n, i, f"{column.header} is empty: "
                                                f"{column.about[0].lower()}{column.about[1:]}")

    def unique(self, rows: list[Row], key: str, fold: bool = False) -> dict[str, Row]:
        seen: dict[str, Row] = {}
        col = [c.key for c in COLUMNS[rows[0].sheet]].index(key) if rows else 0
        for row in rows:
            value = row.values[key].lower() if fold else row.values[key]
            if not value:
                continue
            if value in seen:
                self.error(row.sheet, row.n, col, f"{row.values[key]!r} is given twice (also "
                                                  f"row {seen[value].n})")
            else:
                seen[value] = row
        return seen

    # -- each sheet --------------------------------------------------------------------------
    def agencies(self, book: Book) -> None:
        rows = book.rows["Agencies"]
        for row in rows:
            self.required(row)
            v = row.values
            if v["id"] and not _SLUG.fullmatch(v["id"]):
                self.error("Agencies", row.n, 0, f"{v['id']!r} is not an id: use lowercase "
                                                 f"letters, digits and hyphens, e.g. "
                                                 f"{slug(v['id']) or 'youth-service'}")
            if v["kind"] and v["kind"] not in KINDS:
                self.error("Agencies", row.n, 3, f"unknown kind {v['kind']!r}"
                                                 f"{_suggest(v['kind'], list(KINDS))}; write "
                                                 f"one of {', '.join(KINDS)}")
        book.agencies = self.unique(rows, "id")
        for row in rows:
            for col, key in ((0, "id"), (2, "acronym")):
                token = row.values[key].lower()
                if not token:
                    continue
                other = book.tokens.get(token)
                if other is not None and other != row.values["id"]:
                    self.error("Agencies", row.n, col,
                               f"{row.values[key]!r} is also the id or acronym of row "
                               f"{book.agencies[other].n}: the Leads column could not tell "
                               f"them apart")
                else:
                    book.tokens[token] = row.values["id"]
        for row in rows:
            parent = row.values["parent"]
            if not parent:
                continue
            ident = book.tokens.get(parent.lower())
            row.values["parent"] = ""                    # unless it is right
            if ident is None:
                self.error("Agencies", row.n, 4, f"no agency {parent!r} on this sheet"
                                                 f"{_suggest(parent, list(book.agencies))}")
            elif ident == row.values["id"]:
                self.error("Agencies", row.n, 4, "an agency cannot be part of itself")
            elif book.agencies[ident].values["kind"] == "post":
                self.error("Agencies", row.n, 4, f"{parent!r} is a post: an agency or post is "
                                                 f"part of an organisation, never of a post")
            else:
                row.values["parent"] = ident
        for row in rows:                                 # no agency part of itself at a remove
            seen, ident = {row.values["id"]}, row.values["parent"]
            while ident in book.agencies and book.agencies[ident].values["parent"]:
                ident = book.agencies[ident].values["parent"]
                if ident in seen:
                    self.error("Agencies", row.n, 4, "a circle: the agency is part of an "
                                                     "agency that is part of it")
                    break
                seen.add(ident)

    def agency(self, book: Book, row: Row, col: int, word: str) -> str | None:
        ident = book.tokens.get(word.lower())
        if ident is None:
            tokens = sorted({r.values["acronym"] or r.values["id"]
                             for r in book.agencies.values()})
            self.error(row.sheet, row.n, col, f"unknown agency \"{word}\"{_suggest(word, tokens)}"
                                              f"; the agencies and posts are on sheet Agencies")
        return ident

    def check_strategy(self, book: Book) -> None:
        s = book.strategy
        for n, column in enumerate(STRATEGY, 2):
            if column.required and not s[column.key] and ("Strategy", n, 1) not in self.formulas:
                self.error("Strategy", n, 1, f"{column.header} is empty: "
                                             f"{column.about[0].lower()}{column.about[1:]}")
        keys = [c.key for c in STRATEGY]
        if s["key"] and not _SLUG.fullmatch(s["key"]):
            self.error("Strategy", keys.index("key") + 2, 1,
                       f"{s['key']!r} is not a short name: use lowercase letters, digits and "
                       f"hyphens, e.g. {slug(s['key']) or 'lambeth'}")
        if s["publisher"]:
            n = keys.index("publisher") + 2
            given = " ".join(s["publisher"].split())
            names = {" ".join(r.values["name"].split()).lower(): i
                     for i, r in book.agencies.items()}
            ident = book.tokens.get(given.lower()) or names.get(given.lower())
            if ident is None:
                self.error("Strategy", n, 1, f"no agency {given!r} on sheet Agencies by its "
                                             f"Id, Acronym or Name"
                                             f"{_suggest(given, list(book.agencies))}")
            s["publisher"] = ident or ""
        issued = s["issued"].removesuffix("T00:00:00")
        if issued and not any(p.fullmatch(issued) for p, _ in DATE):
            self.error("Strategy", keys.index("issued") + 2, 1,
                       f"{issued!r} is not a date (2024-03-31), a month (2024-03) or a year")
        elif issued and not _real(issued):
            self.error("Strategy", keys.index("issued") + 2, 1,
                       f"{issued!r} is not a day of the calendar (there is no such date); "
                       f"give a real date (2024-03-31), a month (2024-03) or a year")
        s["issued"] = issued

    def principles(self, book: Book) -> dict[str, Row]:
        rows = book.rows["Principles"]
        for row in rows:
            self.required(row)
            row.values["id"] = row.values["id"].upper().replace(" ", "")
            if row.values["id"] and not _PRINCIPLE.fullmatch(row.values["id"]):
                self.error("Principles", row.n, 0,
                           f"{row.values['id']!r} is not a principle id: SP1, SP2 ... for a "
                           f"strategic principle, EP1, EP2 ... for an enabling one")
            row.values["matches"] = self.matches(row, row.values.get("matches", ""))
        return self.unique(rows, "id")

    def matches(self, row: Row, cell: str) -> str:
        """The cell Matches as ``PROPERTY-IRI TARGET-IRI`` pairs joined by ';'."""
        if not cell.strip():
            return ""
        col = [c.key for c in COLUMNS["Principles"]].index("matches")
        try:
            pairs = parse_cell(cell)
            if self.targets is None:
                raise InputError("no graphs to look the principles up in")
            found = self.targets()
            return ";".join(f"{prop} {found.resolve(target)}" for prop, target in pairs)
        except InputError as err:
            self.error("Principles", row.n, col, str(err))
            return ""

    def plans(self, book: Book) -> dict[str, Row]:
        rows = book.rows["Plans"]
        for row in rows:
            self.required(row)
            number = row.values["number"]
            if number and not _PLAN.fullmatch(number):
                self.error("Plans", row.n, 0, f"{number!r} is not a plan number: one or two "
                                              f"numbers, 1 or 5.1")
        plans = self.unique(rows, "number")
        used = {r.values["plan"] for r in book.rows["Actions"]}
        for number, row in plans.items():
            if number not in used:
                self.error("Plans", row.n, 0, f"plan {number} has no action on sheet Actions; "
                                              f"add its actions, or remove the row")
        return plans

    def actions(self, book: Book, principles: dict[str, Row], plans: dict[str, Row]) -> None:
        rows = book.rows["Actions"]
        for row in rows:
            self.required(row)
            v = row.values
            if v["plan"] and v["plan"] not in plans:
                self.error("Actions", row.n, 0, f"no plan {v['plan']!r} on sheet Plans"
                                                f"{_suggest(v['plan'], list(plans))}")
            if v["number"] and v["plan"] and not re.fullmatch(
                    re.escape(v["plan"]) + r"\.[1-9][0-9]*", v["number"]):
                self.error("Actions", row.n, 1, f"{v['number']!r} is not an action of plan "
                                                f"{v['plan']}: write {v['plan']}.1, "
                                                f"{v['plan']}.2 ...")
            if v["group"] and not slug(v["group"]):
                self.error("Actions", row.n, 3, f"{v['group']!r}: a group heading needs "
                                                f"letters or digits")
            v["cell"] = " ".join(v["leads"].split())
            v["leads"] = ";".join(ident for word in words(v["leads"])
                                  if (ident := self.agency(book, row, 4, word)))
            for col, kind in ((5, "strategic"), (6, "enabling")):
                v[kind] = ";".join(self.principle(row, col, kind, word, principles)
                                   for word in words(v[kind]))
            for word in words(v["tiers"]):
                if word.lower() not in TIERS:
                    self.error("Actions", row.n, 7, f"unknown tier \"{word}\""
                                                    f"{_suggest(word, list(TIERS))}; write "
                                                    f"{', '.join(TIERS)}")
        self.unique(rows, "number")

    def principle(self, row: Row, col: int, kind: str, word: str,
                  principles: dict[str, Row]) -> str:
        notation = word.upper().replace(" ", "")
        m = _PRINCIPLE.fullmatch(notation)
        mine = sorted((p for p in principles if KIND.get(p[:2]) == kind), key=natural)
        if m and KIND[m.group(1)] != kind and notation in principles:
            other = KIND[m.group(1)]
            self.error("Actions", row.n, col, f"{notation} is {'an' if other == 'enabling' else 'a'}"
                                              f" {other} principle: it belongs in the column "
                                              f"{other.capitalize()} principles")
        elif notation not in principles:
            self.error("Actions", row.n, col, f"unknown {kind} principle \"{word}\""
                                              f"{_suggest(notation, mine)}; sheet Principles "
                                              f"has {', '.join(mine) or 'none'}")
        return notation


def read(path: Path, targets: Callable[[], Targets] | None = None) -> Book:
    """The checked content of the workbook at ``path``; raises :class:`WorkbookError`
    listing every bad cell, or ``InputError`` for a file that is no workbook. ``targets``
    gives what the column Matches may name (:class:`vrgraph.mappings.Targets`)."""
    return Reader(path, targets).read()
