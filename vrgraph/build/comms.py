"""What appendix 6.1 of the document states: the communications plan, one resource per
item of each of its lists (key areas, public health model steps, objectives and their
SMART targets, key messages, activities, campaigns, awareness days, success measures),
and its stakeholders as curated in ``corrections.yaml``.

IRIs and terms: ``docs/model.md``.
"""

from __future__ import annotations

import re

from .. import source as src
from ..errors import CurationError
from ..namespaces import DCTERMS, RDF, RDFS, VR
from ..text import clean
from .builder import Builder
from .writer import short

#: The lists of 6.1: their heading's key, the kind (IRI), class and link of their items,
#: and the theme of messages and activities.
_PARTS = [
    ("summary", "key-area", VR.KeyArea, VR.hasKeyArea, None),
    ("public-health-approach", "phm-step", VR.PublicHealthModelStep, VR.hasModelStep, None),
    ("objectives", "objective", VR.CommunicationObjective, VR.hasObjective, None),
    ("general", "message", VR.KeyMessage, VR.hasKeyMessage, "General"),
    ("tackling-state-violence-and-discrimination", "message", VR.KeyMessage,
     VR.hasKeyMessage, "Tackling state violence and discrimination"),
    ("call-to-actions", "message", VR.KeyMessage, VR.hasKeyMessage, "Call to action"),
    ("overarching-communications", "activity", VR.CommunicationActivity, VR.hasActivity,
     "Overarching communications"),
    ("building-trust-with-young-people", "activity", VR.CommunicationActivity,
     VR.hasActivity, "Building trust with young people"),
    ("crisis-communications", "activity", VR.CommunicationActivity, VR.hasActivity,
     "Crisis communications"),
    ("seasonal-campaign-bursts", "campaign", VR.Campaign, VR.hasCampaign, None),
    ("days-of-the-year", "awareness-day", VR.AwarenessDay, VR.hasAwarenessDay, None),
    ("success-measures", "success-measure", VR.SuccessMeasure, VR.hasSuccessMeasure, None),
]
_STAKEHOLDER = {"internal": VR.internalStakeholder, "external": VR.externalStakeholder}


def comms_plan(b: Builder) -> None:
    plan = b.id("plan", "6.1")
    section = b.doc.section("6.1")
    b.g.add((plan, RDF.type, VR.CommunicationsPlan))
    b.add(plan, VR.number, "6.1", lang=False)
    b.add(plan, DCTERMS.title, section.title)
    b.add(plan, VR.introduction, "\n\n".join(section.paragraphs))
    b.g.add((plan, DCTERMS.isPartOf, b.id("section", "6")))
    b.g.add((plan, VR.section, b.id("section", "6.1")))
    last = max(s.lines.last for s in b.doc.sections if s.key.startswith("6.1"))
    b.derived(plan, [section.line, last])
    counters: dict[str, int] = {}
    for key, kind, cls, link, theme in _PARTS:
        items = b.doc.section(f"6.1/{key}").items
        if not items:
            raise CurationError(f"the source has no list under 6.1 '{key}'")
        for line, text in joined(b.doc, items):
            counters[kind] = counters.get(kind, 0) + 1
            node = b.id("comms", kind, str(counters[kind]))
            b.g.add((node, RDF.type, cls))
            b.g.add((plan, link, node))
            b.add(node, VR.text, text)
            b.derived(node, [line])
            label = short(text)
            if cls == VR.KeyMessage:
                b.add(node, VR.messageTheme, theme, lang=False)
            if cls == VR.CommunicationActivity:
                b.add(node, VR.activityTheme, theme, lang=False)
            if cls == VR.PublicHealthModelStep:
                b.add(node, VR.stepNumber, counters[kind])
            if cls == VR.AwarenessDay:
                name, _, date = text.rpartition(",")
                label = name.strip() or text
                b.add(node, VR.dayDate, date.strip(), lang=False)
            if cls == VR.CommunicationObjective:
                aim, targets = smart_targets(text)
                label = short(aim)
                for target in targets:
                    b.add(node, VR.smartTarget, target)
            b.add(node, RDFS.label, label)
    for e in b.cur.corrections.get("stakeholders", []):
        b.check_text(e)
        if e["agency"] not in b.cur.agencies:
            raise e.error(f"{e['agency']!r} is not an id in agencies.yaml", "agency")
        b.g.add((plan, _STAKEHOLDER[e["role"]], b.agency(e["agency"])))


def joined(doc: src.Document, items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """List items cut by a page break: an item whose next line starts in lower case."""
    out = list(items)
    for i, (line, text) in enumerate(out):
        follow = doc.lines[line] if line < len(doc.lines) else ""
        after = doc.lines[line + 1] if line + 1 < len(doc.lines) else ""
        if not follow.strip() and after[:1].islower():
            out[i] = (line, text + " " + clean(after))
    return out


def smart_targets(text: str) -> tuple[str, list[str]]:
    """Split a communications objective into its aim and its SMART targets
    ("... : SMART[1] XX% impressions ..., SMART [2] ..."); "[SMART objective required]"
    is a placeholder, not a target."""
    parts = re.split(r"\s*\[?SMART\b", text)
    targets = []
    for part in parts[1:]:
        part = re.sub(r"^\s*(?:\[\d+\])?[\s:,]*", "", part).rstrip(" ].;")
        if part and not part.lower().startswith("objective required"):
            targets.append(part)
    return parts[0].rstrip(" :[.,"), targets
