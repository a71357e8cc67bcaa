"""A blank workbook for another strategy (``vrgraph sheet new``; issue "Stewardship", item 5):
a borough transcribes its own strategy in a spreadsheet, and ``vrgraph build --sheet``
(:mod:`vrgraph.sheet.strategy`) turns it into a graph in the same terms as the bundled
document's, so that the shapes and every canned query work on it, alone or beside others.

Sheets: ``About`` (what to do, and what every column holds), ``Strategy`` (its title, short
name and other facts, one per row), then one row per thing: ``Principles``, ``Plans``,
``Actions`` and ``Agencies``. The columns that name something of another sheet (an action's
plan, leads and principles, an agency's parent, the publisher) have drop-down lists of it;
fixed vocabularies (agency kinds, prevention tiers) too. Written through :mod:`vrgraph.sheet.xlsx`:
the same bytes every time.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..edits import TIERS
from . import xlsx
from .xlsx import Sheet, letter

#: Rows a drop-down list covers and the reader accepts, per sheet.
ROWS = 2000
KINDS = ("organisation", "unit", "board", "partnership", "post")


@dataclass(frozen=True)
class Column:
    """A column of a sheet (for sheet Strategy: a row)."""

    header: str
    key: str
    required: bool
    about: str
    width: int = 16
    values: str = ""         # a drop-down list: a range of another sheet or a quoted list


def _ids(sheet: str) -> str:
    return f"{sheet}!$A$2:$A${ROWS + 1}"


STRATEGY = (
    Column("Title", "title", True, "The strategy's title, as published.", 60),
    Column("Short name", "key", True, "A short name for it: lowercase letters, digits and "
           "hyphens (lambeth, lambeth-2024). The queries show it in their strategy column and "
           "take it as their strategy parameter; it is also part of the strategy's IRI, "
           "{base}id/document/{short name}. Each strategy of a graph needs its own."),
    Column("Description", "description", False, "What the strategy is, in a sentence or two."),
    Column("Publisher", "publisher", False, "Who publishes it: the Id, acronym or name of an "
           "agency of sheet Agencies.", values=_ids("Agencies")),
    Column("Issued", "issued", False, "When it was published: a date (2024-03-31), a month "
           "(2024-03) or a year (2024)."),
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    "Principles": (
        Column("Id", "id", True, "SP1, SP2 ... for the strategic principles (what the "
               "partnership is committed to), EP1, EP2 ... for the enabling ones (how it "
               "works). The prefix is the principle's kind; the actions cite these ids.", 10),
        Column("Title", "title", False, "A short name for the principle, if it has one.", 30),
        Column("Text", "text", True, "The principle's full text.", 80),
        Column("Evidence terms", "terms", False, "Words that show an action serves the "
               "principle when its text contains them (separated by ';'); the evidence "
               "queries (declared-vs-evidenced) look for them.", 40),
        Column("Matches", "matches", False, "What the principle means in another strategy "
               "or a reference scheme: exact, close, broad (what it maps to is broader) or "
               "narrow, and the principle it maps to, as SHORT-NAME:ID of another strategy "
               "(hackney:SP3; `vrgraph build --sheet --data FILE` names the graphs to look "
               "in, the built graph by default) or the IRI of a concept of a reference "
               "scheme; several separated by ';' (close hackney:SP3; broad hackney:EP1). "
               "The reference-* queries compare strategies through them.", 30),
    ),
    "Plans": (
        Column("Number", "number", True, "The plan's number: 1, 2 ... or 5.1, 5.2 ... (one or "
               "two numbers, as the document numbers it).", 10),
        Column("Title", "title", True, "The plan's heading.", 50),
        Column("Introduction", "introduction", False, "The plan's introduction, if any.", 60),
    ),
    "Actions": (
        Column("Plan", "plan", True, "The number of the plan the action belongs to (sheet "
               "Plans).", 10, _ids("Plans")),
        Column("Number", "number", True, "The action's number: its plan's number, a full "
               "stop and its own (1.3 is action 3 of plan 1; 5.1.3 of plan 5.1).", 10),
        Column("Text", "text", True, "What the action is, as the document states it.", 60),
        Column("Group", "group", False, "The themed group of its plan the action stands "
               "under, if the plan groups its actions (the group's heading).", 24),
        Column("Leads", "leads", False, "Who leads it: Ids or acronyms of agencies or posts of "
               "sheet Agencies, separated by ';'. Empty: nobody is named (a gap the report "
               "shows).", 24, _ids("Agencies")),
        Column("Strategic principles", "strategic", False, "The strategic principles the "
               "action is aligned to (SP1; SP3).", 14, _ids("Principles")),
        Column("Enabling principles", "enabling", False, "The enabling principles it is "
               "aligned to (EP2).", 14, _ids("Principles")),
        Column("Prevention tier", "tiers", False, "primary, secondary or tertiary prevention "
               "(several separated by ';'), if classified.", 14, '"' + ",".join(TIERS) + '"'),
    ),
    "Agencies": (
        Column("Id", "id", True, "A short id: lowercase letters, digits and hyphens (mps, "
               "youth-service, vru-manager); part of the agency's IRI.", 20),
        Column("Name", "name", True, "The agency's or post's full name.", 40),
        Column("Acronym", "acronym", False, "Its acronym, if any (MPS). The Leads column "
               "accepts it as well as the Id.", 12),
        Column("Kind", "kind", True, "organisation, unit (a service or team of an "
               "organisation), board, partnership, or post (a job title, never an "
               "organisation).", 14, '"' + ",".join(KINDS) + '"'),
        Column("Part of", "parent", False, "The Id of the organisation it belongs to: "
               "needed for a unit, useful for a post.", 20, _ids("Agencies")),
    ),
}
SHEETS = ("Strategy", *COLUMNS)
INTRO = ("Transcribe another violence-reduction strategy here, then run `vrgraph build "
         "--sheet THIS-FILE --base-iri https://example.org/your-strategy/`: it checks every "
         "cell, lists every problem at once (Actions!C5: ...) and writes nothing until the "
         "workbook is right, then writes the strategy's graph, which `vrgraph report --data` "
         "and `vrgraph query run --data` compare with others. Fill sheet Strategy, then "
         "Principles, Plans, Agencies and Actions, one row each; the drop-down lists offer "
         "what the other sheets hold. Several values in one cell are separated by ';'.")


def about() -> Sheet:
    """What every sheet and column holds."""
    rows = [["Strategy", c.header, "yes" if c.required else "no", c.about] for c in STRATEGY]
    rows += [[name, f"{letter(i)}: {c.header}", "yes" if c.required else "no", c.about]
             for name, columns in COLUMNS.items() for i, c in enumerate(columns)]
    return Sheet("About", ["Sheet", "Column", "Required", "What it holds"], rows)


def blank() -> bytes:
    """The blank workbook, as .xlsx bytes (the same every time)."""
    wb = xlsx.new()
    xlsx.add(wb, about(), [[INTRO], []], {0: 12, 1: 26, 2: 10, 3: 100}, locked=True)
    ws = xlsx.add(wb, Sheet("Strategy", ["Field", "Value"], [[c.header, ""] for c in STRATEGY]),
                  widths={0: 16, 1: 80})
    for i, c in enumerate(STRATEGY, 2):
        if c.values:
            xlsx.drop_down(ws, f"B{i}", c.values, "Not an agency of sheet Agencies.")
    for name, columns in COLUMNS.items():
        ws = xlsx.add(wb, Sheet(name, [c.header for c in columns]),
                      widths={i: c.width for i, c in enumerate(columns)})
        for i, c in enumerate(columns):
            if c.key in ("number", "plan"):      # typed as text: 5.10 is not 5.1
                ws.column_dimensions[letter(i)].number_format = "@"
            if c.values:
                xlsx.drop_down(ws, f"{letter(i)}2:{letter(i)}{ROWS + 1}", c.values,
                               "Not a value of the list. Several values are separated by "
                               "';'; `vrgraph build --sheet` checks each.")
    return xlsx.save(wb)
