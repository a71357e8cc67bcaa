"""What section 5 of the document states: the action plans, their themed groups and
numbered actions, each action's lead partners (``leads.yaml``) and prevention tiers
(``prevention-tiers.yaml``), and its alignment to the principles, stated on its row or
inherited from a group cell printed once for several rows.

IRIs and terms: ``docs/model.md`` ("IRI pattern", "Properties": ``vr:alignedTo``).
"""

from __future__ import annotations

from rdflib import URIRef

from .. import curation as cur
from .. import source as src
from ..errors import CurationError, located
from ..namespaces import DCTERMS, RDF, RDFS, VR
from .builder import Builder
from .writer import COLUMN


def plans(b: Builder) -> None:
    numbers = _corrected_numbers(b)
    for plan in b.doc.plans:
        node = b.id("plan", plan.number)
        b.g.add((node, RDF.type, VR.ActionPlan))
        b.add(node, VR.number, plan.number, lang=False)
        b.add(node, DCTERMS.title, plan.title)
        b.add(node, VR.introduction, _paragraphs(plan.intro))
        b.g.add((node, DCTERMS.isPartOf, b.id("section", "5")))
        b.derived(node, [plan.line, plan.actions[-1].span.last])
        for group in plan.groups:
            _group(b, plan, group)
        for action in plan.actions:
            _action(b, plan, action, numbers)
    for cell in b.doc.cells:
        _group_cell(b, cell)
    for number, entry in b.cur.tiers.items():
        for tier in entry["tiers"]:
            b.g.add((b.action(entry, number, number), VR.preventionTier,
                     VR[f"{tier.capitalize()}Prevention"]))
    for number, entry in b.cur.leads.items():
        b.action(entry, number, number)
    missing = sorted(set(b.actions) - set(b.cur.tiers), key=src.natural)
    if b.cur.tiers and missing:
        raise CurationError(f"data/curation/prevention-tiers.yaml: no tier for action(s) "
                            f"{', '.join(missing)}; classify every action")


def _paragraphs(lines: list[tuple[int, str]]) -> str:
    section = src.Section("", "", 0, 0, lines)
    parts = section.paragraphs + [f"- {text}" for _, text in section.items]
    return "\n".join(parts)


def _group(b: Builder, plan: src.Plan, group: src.Group) -> None:
    node = b.id("group", plan.number, group.slug)
    b.g.add((node, RDF.type, VR.ActionGroup))
    b.add(node, DCTERMS.title, group.title)
    b.add(node, VR.introduction, _paragraphs(group.intro))
    b.g.add((node, VR.groupOf, b.id("plan", plan.number)))
    b.derived(node, [group.line] + [n for n, _ in group.intro])


def _corrected_numbers(b: Builder) -> dict[str, cur.Entry]:
    """Each misprinted action number must be confirmed in corrections.yaml."""
    entries = {str(e["stated"]): e for e in b.cur.corrections.get("numbers", [])}
    for action in b.doc.actions:
        if action.number == action.stated_number:
            continue
        entry = entries.get(action.stated_number)
        if entry is None:
            raise CurationError(located(
                "data/curation/corrections.yaml", None,
                f"action number {action.stated_number!r} (source line "
                f"{action.lines[0]}) reads as {action.number}; confirm it with an entry "
                f"under 'numbers:' (stated, number, reason)"))
        if str(entry["number"]) != action.number:
            raise entry.error(f"{action.stated_number!r} reads as {action.number}, "
                              f"not {entry['number']!r}")
    return entries


def _cited(b: Builder, number: str, c: src.Citation) -> tuple[URIRef, URIRef]:
    """The principle a citation names, and the qualified alignment of action ``number``
    to it."""
    return (b.principle_id(c.kind, c.number),
            b.id("alignment", number, f"{c.kind}-{c.number}"))


def _action(b: Builder, plan: src.Plan, a: src.Action, numbers: dict[str, cur.Entry]) -> None:
    node = b.id("action", a.number)
    b.g.add((node, RDF.type, VR.Action))
    b.add(node, RDFS.label, f"Action {a.number}")
    b.add(node, VR.number, a.number, lang=False)
    if a.stated_number != a.number:
        b.add(node, VR.statedNumber, a.stated_number, lang=False)
        b.curated(node, numbers[a.stated_number])
    b.add(node, VR.text, a.text)
    b.g.add((node, VR.inPlan, b.id("plan", plan.number)))
    if a.group:
        b.g.add((node, VR.inGroup, b.id("group", plan.number, a.group)))
    b.derived(node, a.lines)
    _leads(b, node, a)
    for c in a.citations:
        if c.row != a.number:
            continue
        principle, qualified = _cited(b, a.number, c)
        b.g.add((node, VR.statedAlignment, principle))
        b.alignment(qualified, node, principle, c.column, VR.StatedOnRow)
        b.add(qualified, VR.citedText, c.quote)
        b.derived(qualified, c.lines)


def _leads(b: Builder, node: URIRef, a: src.Action) -> None:
    entry = b.cur.leads.get(a.number)
    if entry is None:
        raise CurationError(located(
            "data/curation/leads.yaml", None,
            f"action {a.number} (source line {a.lines[0]}) has no entry; add "
            f"\"{a.number}\": {{cell: {a.lead!r}, leads: [...], reason: ...}}"))
    if " ".join(str(entry.get("cell") or "").split()) != a.lead:
        raise entry.error(f"the lead cell of action {a.number} reads {a.lead!r} in the "
                          f"source (line {a.lines[0]}), not {entry.get('cell')!r}; "
                          f"update the entry", "cell")
    if entry["source"] != a.lines:
        raise entry.error(f"{entry['source']} are not the lines of action {a.number} in "
                          f"the source, {a.lines}", "source")
    b.add(node, VR.leadCellText, a.lead, lang=False)
    for lead in entry.get("leads") or []:
        b.g.add((node, VR.ledBy, b.agency(lead)))
    for name in entry.get("personal") or []:
        if name not in a.lead:
            raise entry.error(f"{name!r} is not in the lead cell of action {a.number}",
                              "personal")
    if entry.get("leads") or entry.get("personal"):
        b.curated(node, entry)


def _group_cell(b: Builder, cell: src.GroupCell) -> None:
    node = b.id("cell", cell.row, cell.column)
    b.g.add((node, RDF.type, VR.GroupAlignmentCell))
    b.add(node, RDFS.label, f"{cell.column.capitalize()} alignment cell of action "
                            f"{cell.row}, printed once for {len(cell.covers) + 1} rows")
    b.g.add((node, VR.statedOnRowOf, b.id("action", cell.row)))
    b.g.add((node, VR.column, COLUMN[cell.column]))
    b.add(node, RDFS.comment, "Evidence: " + "; ".join(cell.evidence) + ".")
    b.derived(node, [line for c in cell.citations for line in c.lines])
    for c in cell.citations:
        principle = b.principle_id(c.kind, c.number)
        b.g.add((node, VR.cellAlignedTo, principle))
        for number in cell.covers:
            _, qualified = _cited(b, number, c)
            b.alignment(qualified, b.id("action", number), principle, cell.column,
                        VR.InheritedFromGroupCell)
            b.g.add((qualified, VR.viaCell, node))
            b.derived(qualified, c.lines)
    for number in cell.covers:
        b.g.add((b.id("action", number), VR.coveredByCell, node))
