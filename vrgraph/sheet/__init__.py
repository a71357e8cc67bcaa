"""The steward's workbook: the actions as a spreadsheet to edit in Excel or LibreOffice
(``vrgraph sheet export``), read back by :mod:`vrgraph.sheet.imports`. A stage after
``build``, beside ``report`` and ``diff`` (issue "Stewardship", item 1).

Sheets: ``Actions`` (one row per action; the leads, stated principles and tiers are the
editable columns, with drop-down lists; everything else, the inherited principles
included, is locked by sheet protection), ``Agencies``, ``Principles`` and ``Tiers`` (the
values of the drop-down lists) and ``About`` (what each column holds). The workbook is
Office Open XML (ECMA-376) written by openpyxl (:mod:`vrgraph.sheet.xlsx`), byte-identical for
the same graph. As CSV, one RFC 4180 file per sheet,
each cell a spreadsheet would run as a formula neutralised.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.term import Node

from ..edits import FIELDS, TIERS, current, local, natural
from ..namespaces import DCTERMS, PROV, RDF, SKOS, VR
from ..text import neutralise
from . import xlsx
from .xlsx import Sheet, letter

SEP = "; "


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    editable: bool
    about: str


COLUMNS = (
    Column("Number", "number", False, "The action's number as corrected (5.9.7 where the "
           "document prints 5.97)."),
    Column("Text", "text", False, "The action's text as the document states it."),
    Column("Plan", "plan", False, "The action plan (section 5.x) it belongs to."),
    Column("Group", "group", False, "The themed group of the plan it sits under, if any."),
    Column("Lead cell (as printed)", "cell", False, "The lead cell exactly as the document "
           "prints it (names of private individuals withheld)."),
    Column("Leads", "leads", True, "The agencies or posts that lead the action, as resolved "
           "from the lead cell. Pick from the list (sheet Agencies); give several separated "
           "by ';'."),
    Column("Strategic principles (stated)", "strategic", True, "The strategic principles "
           "stated on the action's own row (SP1-SP6). Pick from the list; several "
           "separated by ';'."),
    Column("Enabling principles (stated)", "enabling", True, "The enabling principles stated "
           "on the action's own row (EP1-EP9). Pick from the list; several separated by ';'."),
    Column("Strategic principles (inherited)", "inherited-strategic", False, "Strategic "
           "principles the action inherits from an alignment cell printed once for a group "
           "of rows above it. Locked: edit the row that states the cell."),
    Column("Enabling principles (inherited)", "inherited-enabling", False, "Enabling "
           "principles inherited from a group cell. Locked."),
    Column("Prevention tier", "tiers", True, "The public-health prevention tier(s): primary, "
           "secondary, tertiary (sheet Tiers); several separated by ';'."),
    Column("Target groups", "targets", False, "The groups of people the action is aimed at "
           "(curated)."),
    Column("Source lines", "lines", False, "The lines of the source document the action's "
           "row stands on."),
    Column("Who", "who", True, "The role you make the edits of this row in: pick it from "
           "the list (sheet Roles, data/curation/roles.yaml). It is published in the graph, "
           "so a role, never a personal name. Needed for every row you change."),
    Column("When", "when", True, "When: a real date (2026-03-31) or a date and time "
           "(2026-03-31T14:05:00Z); empty: the time of the import."),
    Column("Why", "why", True, "Why the row changes: your reason, for the reviewer, at most "
           "2,000 characters, no formula, no personal name (it is published). Needed for "
           "every row you change."),
)
EDITABLE = tuple(c.key for c in COLUMNS if c.editable)
#: Columns that look like numbers but are text (5.1.10 is not 5.1.1).
TEXT_COLUMNS = ("number", "plan")


@dataclass
class Workbook:
    """What the workbook shows of a graph, and what the import needs to read one back."""

    actions: Sheet
    lists: list[Sheet]
    about: Sheet
    tokens: dict[str, str]          # agency / post id -> the token shown (acronym, else id)
    principles: dict[str, list[str]]  # strategic / enabling -> notations
    roles: dict[str, str] = field(default_factory=dict)   # role id -> label
    record: Sheet | None = None     # what the workbook shows, for the three-way import

    @property
    def sheets(self) -> list[Sheet]:
        return [self.actions, *self.lists, self.about,
                *([self.record] if self.record else [])]

    @property
    def rows(self) -> dict[str, dict[str, str]]:
        """The Actions rows by action number, each by column key."""
        return {values[0]: dict(zip((c.key for c in COLUMNS), values))
                for values in self.actions.rows}


def _one(g: Graph, s: Node | None, p: URIRef) -> str:
    value = g.value(s, p) if s is not None else None
    return str(value) if value is not None else ""


def tables(g: Graph, roles: dict[str, str] | None = None) -> Workbook:
    """The sheets of the workbook for the built graph ``g``; ``roles`` (id -> label, of
    ``roles.yaml``) fill the Who column's list."""
    tokens, agencies = {}, Sheet("Agencies", ["Token", "Id", "Name", "Kind"])
    for node in sorted(s for s in g.subjects(SKOS.prefLabel, None) if isinstance(s, URIRef)):
        if "/id/agency/" in node or "/id/post/" in node:
            ident = local(node)
            tokens[ident] = _one(g, node, VR.acronym) or ident
            kinds = sorted(local(c) for c in g.objects(node, RDF.type))
            agencies.rows.append([tokens[ident], ident, _one(g, node, SKOS.prefLabel),
                                  ", ".join(kinds)])
    agencies.rows.sort(key=lambda r: r[0].lower())
    principles: dict[str, list[str]] = {"strategic": [], "enabling": []}
    listed = Sheet("Principles", ["Principle", "Kind", "Definition"])
    for principle in g.subjects(SKOS.notation, None):
        if isinstance(principle, URIRef) and "/id/principle/" in principle:
            kind = "strategic" if "/strategic/" in principle else "enabling"
            principles[kind].append(_one(g, principle, SKOS.notation))
            listed.rows.append([principles[kind][-1], kind,
                                _one(g, principle, SKOS.definition)])
    listed.rows.sort(key=lambda r: (r[1] != "strategic", natural(r[0])))
    for kind in principles:
        principles[kind].sort(key=natural)
    tiers = Sheet("Tiers", ["Tier", "Meaning"], [
        ["primary", "universal prevention before violence occurs"],
        ["secondary", "early response to those at risk and to incidents"],
        ["tertiary", "support, rehabilitation and enforcement after violence"]])
    inherited: dict[Node, list[str]] = {}
    for alignment in g.subjects(VR.alignmentMode, VR.InheritedFromGroupCell):
        notation = _one(g, g.value(alignment, VR.alignmentTo), SKOS.notation)
        action = g.value(alignment, VR.alignmentOf)
        if action is not None:
            inherited.setdefault(action, []).append(notation)
    actions = Sheet("Actions", [c.header for c in COLUMNS])
    numbered = [(str(g.value(a, VR.number)), a) for a in g.subjects(RDF.type, VR.Action)
                if isinstance(a, URIRef)]
    for number, a in sorted(numbered, key=lambda pair: natural(pair[0])):
        excerpt = g.value(a, PROV.wasDerivedFrom)
        first, last = _one(g, excerpt, VR.firstLine), _one(g, excerpt, VR.lastLine)
        mine = sorted(inherited.get(a, []), key=natural)
        values = {
            "number": number, "text": _one(g, a, VR.text),
            "plan": _one(g, g.value(a, VR.inPlan), VR.number),
            "group": _one(g, g.value(a, VR.inGroup), DCTERMS.title),
            "cell": _one(g, a, VR.leadCellText),
            "leads": SEP.join(sorted(tokens[i] for i in current(g, a, "leads"))),
            "inherited-strategic": SEP.join(p for p in mine if p.startswith("SP")),
            "inherited-enabling": SEP.join(p for p in mine if p.startswith("EP")),
            "targets": SEP.join(sorted(_one(g, t, SKOS.prefLabel)
                                       for t in g.objects(a, VR.targets))),
            "lines": first if first == last else f"{first}-{last}",
        }
        for name in FIELDS[1:]:
            values[name] = SEP.join(current(g, a, name))
        actions.rows.append([values.get(c.key, "") for c in COLUMNS])
    about = Sheet("About", ["Column", "Header", "Editable", "What it holds"], [
        [letter(i), c.header, "yes" if c.editable else "no (locked)", c.about]
        for i, c in enumerate(COLUMNS)])
    roles = roles or {}
    listed_roles = Sheet("Roles", ["Role", "Id"], [[label, ident]
                                                   for ident, label in roles.items()])
    return Workbook(actions, [agencies, listed, tiers, listed_roles], about, tokens,
                    principles, roles)


# -- writing -----------------------------------------------------------------------------------
INTRO = ("Edit the yellow columns of the Actions sheet (Leads, stated principles, Prevention "
         "tier) and say who (your role, from the list), when and why on each row you change; "
         "then run `vrgraph sheet import` on this file. Every other column is the document's "
         "own or curated, and locked; rows are neither added nor deleted here (an action "
         "comes from the source document and its curation files). The workbook keeps what it "
         "showed when exported: the import applies only the cells you changed, leaves alone "
         "what others changed since, and lists a cell you and another changed differently as "
         "a conflict. It turns each changed cell into an edit in data/curation/edits.yaml, "
         "with its provenance, and refuses the whole workbook, naming every bad cell, if any "
         "is wrong: a formula, a value not in the lists, a personal name, a text beyond its "
         "length.")


def to_xlsx(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes, the same for the same ``book``."""
    from openpyxl.styles import Alignment, PatternFill, Protection

    wb = xlsx.new()
    for sheet in book.sheets:
        xlsx.add(wb, sheet, [[INTRO], []] if sheet is book.about else None, locked=True)
    editable = PatternFill("solid", fgColor="FFF2CC")
    ws = wb["Actions"]
    last = len(book.actions.rows) + 1
    widths = {"text": 60, "group": 30, "cell": 24, "targets": 30, "why": 40}
    for i, column in enumerate(COLUMNS):
        ws.column_dimensions[letter(i)].width = widths.get(column.key, 16)
        if not column.editable:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=i + 1, max_col=i + 1):
            cell.protection = Protection(locked=False)
            cell.fill = editable
    for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, column in enumerate(COLUMNS):          # typed as text, never as numbers or dates
        if column.key in TEXT_COLUMNS:
            for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=i + 1, max_col=i + 1):
                cell.number_format = "@"
    n_sp, n_ep = len(book.principles["strategic"]), len(book.principles["enabling"])
    lists = {"leads": f"Agencies!$A$2:$A${len(book.lists[0].rows) + 1}",
             "strategic": f"Principles!$A$2:$A${n_sp + 1}",
             "enabling": f"Principles!$A${n_sp + 2}:$A${n_sp + n_ep + 1}",
             "tiers": f"Tiers!$A$2:$A${len(TIERS) + 1}"}
    for i, column in enumerate(COLUMNS):
        if column.key in lists:
            xlsx.drop_down(ws, f"{letter(i)}2:{letter(i)}{last}", lists[column.key],
                           "Not a value of the list. Several values are written separated "
                           "by ';'; the import checks each.")
    who = letter([c.key for c in COLUMNS].index("who"))
    xlsx.drop_down(ws, f"{who}2:{who}{last}", f"Roles!$A$2:$A${max(len(book.roles), 1) + 1}",
                   "Pick your role from the list (sheet Roles): who made an edit is "
                   "published, so it is a role, never a personal name.", strict=True)
    if book.record is not None:
        wb[book.record.name].sheet_state = "veryHidden"
        from openpyxl.workbook.protection import WorkbookProtection

        wb.security = WorkbookProtection(lockStructure=True)   # no sheet shown or deleted
    ws.auto_filter.ref = f"A1:{letter(len(COLUMNS) - 1)}{last}"
    wb["About"].column_dimensions["D"].width = 90
    return xlsx.save(wb)


def to_csv(book: Workbook) -> dict[str, bytes]:
    """One RFC 4180 CSV per sheet, ``{file name: bytes}``; formula-like cells neutralised."""
    files = {}
    for sheet in book.sheets:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for values in [sheet.header, *sheet.rows]:
            writer.writerow([neutralise(v) for v in values])
        files[f"{sheet.name}.csv"] = out.getvalue().encode("utf-8")
    return files
