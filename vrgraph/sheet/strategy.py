"""Another strategy's graph from its workbook (``vrgraph build --sheet FILE --base-iri IRI``;
issue "Stewardship", item 5): stage 3 of the pipeline for a strategy that is not the bundled
document. The workbook is the one :mod:`vrgraph.sheet.blank` lays out, filled in.

Every cell is checked first, and every bad one is reported at once
(``Actions!E5: unknown agency "MPSS" (did you mean MPS?)``): nothing is built from a workbook
with a single bad cell. The graph is in the bundled document's terms (``docs/model.md``), so
the shapes and every canned query work on it: a ``vr:StrategyDocument`` with its short name
(``dcterms:identifier``), principles, plans, themed groups, actions with their leads, stated
alignments (``vr:StatedOnRow``) and prevention tiers, agencies and posts, and data-quality
notes for the actions with no lead or no principle. Its things are minted under the base IRI
given, and each derives (``prov:wasDerivedFrom``) from the workbook row it was read from, and
an alignment from its cell: a ``vr:SourceExcerpt`` naming the cells (``vr:sheetCell
"Actions!A5:H5"``), whose first and last "lines" are the rows. Deterministic: the same
workbook gives the same graph.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from ..build.writer import Writer, serialise
from ..edits import TIERS
from ..errors import InputError, VrgraphError
from ..mappings import Targets, parse_cell
from ..namespaces import DCTERMS, PROV, RDF, RDFS, SKOS, VR, XSD, Base
from ..project import Project
from ..text import natural, slug
from . import cells, xlsx
from .blank import COLUMNS, KINDS, ROWS, SHEETS, STRATEGY
from .cells import Grid

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PRINCIPLE = re.compile(r"(SP|EP)([1-9][0-9]*)")
_PLAN = re.compile(r"[0-9]+(\.[0-9]+)?")
_KIND = {"SP": "strategic", "EP": "enabling"}
_DATE = ((re.compile(r"\d{4}"), XSD.gYear), (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
         (re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date))


def _real(issued: str) -> bool:
    """Whether a date, month or year of :data:`_DATE` is one of the calendar (no 2025-02-30,
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


def _words(text: str) -> list[str]:
    """The values of a cell that holds several, separated by ';' (or ',' or a new line)."""
    return [w.strip() for w in re.split(r"[;,\n]", text) if w.strip()]


# -- reading -----------------------------------------------------------------------------------
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
        if issued and not any(p.fullmatch(issued) for p, _ in _DATE):
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
            v["leads"] = ";".join(ident for word in _words(v["leads"])
                                  if (ident := self.agency(book, row, 4, word)))
            for col, kind in ((5, "strategic"), (6, "enabling")):
                v[kind] = ";".join(self.principle(row, col, kind, word, principles)
                                   for word in _words(v[kind]))
            for word in _words(v["tiers"]):
                if word.lower() not in TIERS:
                    self.error("Actions", row.n, 7, f"unknown tier \"{word}\""
                                                    f"{_suggest(word, list(TIERS))}; write "
                                                    f"{', '.join(TIERS)}")
        self.unique(rows, "number")

    def principle(self, row: Row, col: int, kind: str, word: str,
                  principles: dict[str, Row]) -> str:
        notation = word.upper().replace(" ", "")
        m = _PRINCIPLE.fullmatch(notation)
        mine = sorted((p for p in principles if _KIND.get(p[:2]) == kind), key=natural)
        if m and _KIND[m.group(1)] != kind and notation in principles:
            other = _KIND[m.group(1)]
            self.error("Actions", row.n, col, f"{notation} is {'an' if other == 'enabling' else 'a'}"
                                              f" {other} principle: it belongs in the column "
                                              f"{other.capitalize()} principles")
        elif notation not in principles:
            self.error("Actions", row.n, col, f"unknown {kind} principle \"{word}\""
                                              f"{_suggest(notation, mine)}; sheet Principles "
                                              f"has {', '.join(mine) or 'none'}")
        return notation


# -- building ----------------------------------------------------------------------------------
class SheetBuilder(Writer):
    """The graph of a checked :class:`Book`."""

    def __init__(self, book: Book, base: Base) -> None:
        super().__init__(base)
        self.book = book
        self.document = self.id("document", book.strategy["key"])

    def excerpt(self, sheet: str, cells: str) -> URIRef:
        """The cells ``A5:H5`` (or one, ``F5``) of ``sheet``: where a resource was read."""
        first, _, last = cells.partition(":")
        node = self.id("source", sheet.lower(), cells.lower().replace(":", "-"))
        if (node, RDF.type, VR.SourceExcerpt) not in self.g:
            self.g.add((node, RDF.type, VR.SourceExcerpt))
            self.add(node, VR.firstLine, int(re.sub(r"\D", "", first)))
            self.add(node, VR.lastLine, int(re.sub(r"\D", "", last or first)))
            self.add(node, VR.sheetCell, f"{sheet}!{cells}", lang=False)
            self.g.add((node, DCTERMS.isPartOf, self.document))
            self.add(node, RDFS.label, f"Workbook, sheet {sheet}, {cells}")
        return node

    def derived(self, node: URIRef, row: Row, key: str | None = None) -> None:
        where = (row.cell(key) if key else row.cells).split("!", 1)[1]
        self.g.add((node, PROV.wasDerivedFrom, self.excerpt(row.sheet, where)))

    def run(self) -> Graph:
        self.strategy()
        for row in self.book.rows["Agencies"]:
            v = row.values
            node = self.agency_node(v["id"], v["kind"], v["name"], v["acronym"] or None,
                                    self.agency(v["parent"]) if v["parent"] else None)
            self.derived(node, row)
        for row in self.book.rows["Principles"]:
            kind = _KIND[row.values["id"][:2]]
            if (self.id("scheme", f"{kind}-principles"), RDF.type, VR.PrincipleScheme) \
                    not in self.g:
                self.scheme(kind)
            node = self.principle_node(kind, int(row.values["id"][2:]), row.values["text"])
            self.add(node, SKOS.altLabel, row.values["title"])
            for term in _words(row.values["terms"]):
                self.add(node, VR.evidenceTerm, term)
            for pair in filter(None, row.values.get("matches", "").split(";")):
                prop, target = pair.split(" ", 1)
                self.g.add((node, URIRef(prop), URIRef(target)))
            self.derived(node, row)
        for row in self.book.rows["Plans"]:
            node = self.id("plan", row.values["number"])
            self.g.add((node, RDF.type, VR.ActionPlan))
            self.add(node, VR.number, row.values["number"], lang=False)
            self.add(node, DCTERMS.title, row.values["title"])
            self.add(node, VR.introduction, row.values["introduction"])
            self.g.add((node, DCTERMS.isPartOf, self.document))
            self.derived(node, row)
        for row in self.book.rows["Actions"]:
            self.action(row)
        return self.g

    def agency(self, ident: str) -> URIRef:
        kind = self.book.agencies[ident].values["kind"]
        return self.id("post" if kind == "post" else "agency", ident)

    def strategy(self) -> None:
        s, d = self.book.strategy, self.document
        self.g.add((d, RDF.type, VR.StrategyDocument))
        self.add(d, DCTERMS.title, s["title"])
        self.add(d, RDFS.label, s["title"])
        self.add(d, DCTERMS.identifier, s["key"], lang=False)
        self.add(d, DCTERMS.description, s["description"])
        if s["publisher"]:
            self.g.add((d, DCTERMS.publisher, self.agency(s["publisher"])))
        if s["issued"]:
            datatype = next(t for p, t in _DATE if p.fullmatch(s["issued"]))
            self.g.add((d, DCTERMS.issued, Literal(s["issued"], datatype=datatype)))
        self.g.add((d, PROV.wasDerivedFrom,
                    self.excerpt("Strategy", f"A2:B{len(STRATEGY) + 1}")))

    def action(self, row: Row) -> None:
        v = row.values
        node = self.id("action", v["number"])
        self.g.add((node, RDF.type, VR.Action))
        self.add(node, RDFS.label, f"Action {v['number']}")
        self.add(node, VR.number, v["number"], lang=False)
        self.add(node, VR.text, v["text"])
        plan = self.id("plan", v["plan"])
        self.g.add((node, VR.inPlan, plan))
        self.derived(node, row)
        if v["group"]:
            group = self.id("group", v["plan"], slug(v["group"]))
            if (group, RDF.type, VR.ActionGroup) not in self.g:
                self.g.add((group, RDF.type, VR.ActionGroup))
                self.add(group, DCTERMS.title, v["group"])
                self.g.add((group, VR.groupOf, plan))
                self.derived(group, row, "group")
            self.g.add((node, VR.inGroup, group))
        leads = _words(v["leads"])
        self.add(node, VR.leadCellText, v["cell"], lang=False)
        for ident in leads:
            self.g.add((node, VR.ledBy, self.agency(ident)))
        aligned = False
        for kind in ("strategic", "enabling"):
            for notation in _words(v[kind]):
                principle = self.id("principle", kind, notation[2:])
                self.g.add((node, VR.statedAlignment, principle))
                qualified = self.id("alignment", v["number"], f"{kind}-{notation[2:]}")
                self.alignment(qualified, node, principle, kind, VR.StatedOnRow)
                self.derived(qualified, row, kind)
                aligned = True
        for tier in _words(v["tiers"]):
            self.g.add((node, VR.preventionTier, VR[f"{tier.lower().capitalize()}Prevention"]))
        if not leads:
            note = self.note("EmptyLead", v["number"], [node],
                             f"Action {v['number']} names no lead ({row.cell('leads')} is "
                             f"empty).", "Recorded; no lead is invented.")
            self.derived(note, row)
        if not aligned:
            note = self.note("NoAlignment", v["number"], [node],
                             f"Action {v['number']} is aligned to no principle (its principle "
                             f"cells are empty).", "Recorded; no alignment is invented.")
            self.derived(note, row)



def read(path: Path, targets: Callable[[], Targets] | None = None) -> Book:
    """The checked content of the workbook at ``path``; raises :class:`WorkbookError`
    listing every bad cell, or ``InputError`` for a file that is no workbook. ``targets``
    gives what the column Matches may name (:class:`vrgraph.mappings.Targets`)."""
    return Reader(path, targets).read()


def build(path: Path, base: Base, targets: Callable[[], Targets] | None = None
          ) -> tuple[Graph, str]:
    """The graph of the strategy in the workbook at ``path``, its things minted under
    ``base``, and the strategy's short name."""
    book = read(path, targets)
    return SheetBuilder(book, base).run(), book.strategy["key"]


def cell_of(graph: Graph, node: str) -> str | None:
    """The workbook cells a resource of ``graph`` was read from (``Actions!A5:H5``)."""
    excerpt = graph.value(URIRef(node), PROV.wasDerivedFrom)
    value = graph.value(excerpt, VR.sheetCell) if excerpt is not None else None
    return str(value) if value is not None else None


def build_checked(project: Project, path: Path, base: Base, others: list[Path] | None = None
                  ) -> tuple[bytes, Graph, str]:
    """Build another strategy from its workbook, checked: its Turtle bytes, its graph and
    its short name. The principles its column Matches names are looked up in the graphs
    ``others`` (default: the built graph). The graph must pass the project's shapes (beside
    the graphs its mappings lead to): a violation is a ``WorkbookError`` naming the cells
    it was read from."""
    import tempfile
    from functools import cache

    from ..pipeline import load, validate_files  # the sheet stage comes after the pipeline's

    others = others or [project.graph]
    used: list[Path] = []

    @cache
    def targets() -> Targets:
        used.extend(others)
        return Targets(load(project, others))

    graph, key = build(path, base, targets)
    data = serialise(graph)
    with tempfile.TemporaryDirectory(prefix="vrgraph-sheet-") as tmp:
        built = Path(tmp) / f"{key}.ttl"
        built.write_bytes(data)
        report, short = validate_files(project, [built, *used])
    bad = sorted({f"{cell_of(graph, r.focus) or short(r.focus)}: SHACL: "
                  f"{short(r.focus)}: {r.message}"
                  for r in report.results if r.severity == "Violation"
                  and r.focus.startswith(base.ids)})
    if bad:
        raise WorkbookError(f"{path}: the strategy breaks the shapes, nothing written:\n"
                            + "\n".join(bad))
    return data, graph, key
