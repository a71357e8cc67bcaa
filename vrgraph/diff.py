"""What changed between two versions of the graph, in the graph's own terms: a stage beside
``report`` and ``publish`` (issue "Stewardship", item 3).

A version is a graph file, a release folder (its ``vrgraph.ttl``) or a git revision of the
project (``data/graph.ttl`` at that revision). Each is loaded alone (asserted triples, no
reasoning: what the document and its curation say; the principle classes are named) and read by a few SELECTs into a
:class:`Snapshot`: actions by number (text, plan, lead cell, leads, tier), alignments by
(action, principle, mode), principles, and data-quality notes. :func:`compare` gives a
:class:`Change` of:

- actions added, removed and renumbered (one removed and one added with the same text);
- text, lead and tier changes of the actions in both;
- alignments gained or lost, stated on the row and inherited from a group cell apart;
- gaps opened or closed: principles that lose or gain all their actions, actions that lose or
  gain their only lead;
- quality notes added or resolved;
- the steward's edits made or withdrawn (``data/curation/edits.yaml``), each with who made it,
  when, why and the workbook cell it came from.

It is written as text, Markdown, JSON, or RDF: a change set with provenance (PROV-O), one
``vr:Addition`` / ``vr:Removal`` per change.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from . import store
from .errors import InputError
from .namespaces import VR
from .project import Project
from .text import natural

_VR = str(VR)
_LEADS = f"""PREFIX vr: <{_VR}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?number ?text ?plan ?cell ?tier ?lead WHERE {{
  ?a a vr:Action ; vr:number ?number .
  OPTIONAL {{ ?a vr:text ?text }} OPTIONAL {{ ?a vr:inPlan/vr:number ?plan }}
  OPTIONAL {{ ?a vr:leadCellText ?cell }} OPTIONAL {{ ?a vr:preventionTier ?tier }}
  OPTIONAL {{ ?a vr:ledBy ?lead }}
}}"""
_ALIGNMENTS = f"""PREFIX vr: <{_VR}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?number ?principle ?mode WHERE {{
  ?al a vr:Alignment ; vr:alignmentOf/vr:number ?number ;
      vr:alignmentTo/skos:notation ?principle ; vr:alignmentMode ?mode .
}}"""
_PRINCIPLES = f"""PREFIX vr: <{_VR}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?principle WHERE {{
  VALUES ?class {{ vr:Principle vr:StrategicPrinciple vr:EnablingPrinciple }}
  ?p a ?class ; skos:notation ?principle }}"""
_NOTES = f"""PREFIX vr: <{_VR}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?note ?comment WHERE {{ ?note a vr:DataQualityNote OPTIONAL {{ ?note rdfs:comment ?comment }} }}"""
_EDITS = f"""PREFIX vr: <{_VR}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?edit ?number ?label ?who ?when ?why ?cell WHERE {{
  ?edit a vr:Edit ; vr:editOf/vr:number ?number .
  OPTIONAL {{ ?edit rdfs:label ?label }} OPTIONAL {{ ?edit prov:wasAssociatedWith/rdfs:label ?who }}
  OPTIONAL {{ ?edit prov:endedAtTime ?when }} OPTIONAL {{ ?edit rdfs:comment ?why }}
  OPTIONAL {{ ?edit vr:sheetCell ?cell }}
}}"""
MODES = {str(VR.StatedOnRow): "stated", str(VR.InheritedFromGroupCell): "inherited"}


@dataclass
class Action:
    text: str = ""
    plan: str = ""
    cell: str = ""
    tiers: set[str] = field(default_factory=set)
    leads: set[str] = field(default_factory=set)

    @property
    def tier(self) -> str:
        return ", ".join(sorted(self.tiers))


@dataclass
class Snapshot:
    """What :func:`compare` reads of one version."""

    name: str
    actions: dict[str, Action]
    alignments: set[tuple[str, str, str]]  # (action number, principle notation, mode)
    principles: set[str]
    notes: dict[str, str]  # note IRI -> its comment
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)  # IRI -> (action, what)


@dataclass
class Change:
    old: str
    new: str
    actions_added: list[str] = field(default_factory=list)
    actions_removed: list[str] = field(default_factory=list)
    renumbered: list[tuple[str, str]] = field(default_factory=list)
    text_changed: list[tuple[str, str, str]] = field(default_factory=list)
    leads_changed: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    tier_changed: list[tuple[str, str, str]] = field(default_factory=list)
    gained: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # mode -> pairs
    lost: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    gaps_opened: list[str] = field(default_factory=list)
    gaps_closed: list[str] = field(default_factory=list)
    notes_added: list[str] = field(default_factory=list)
    notes_resolved: list[str] = field(default_factory=list)
    edits_made: list[tuple[str, str]] = field(default_factory=list)  # (action, what)
    edits_withdrawn: list[tuple[str, str]] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not any(v for k, v in asdict(self).items() if k not in ("old", "new"))


# -- reading a version -------------------------------------------------------------------------
def snapshot(source: str, project: Project | None = None) -> Snapshot:
    """Read the version named by ``source``: a graph file, a release folder, or a git
    revision of the project's ``data/graph.ttl``."""
    path = Path(source)
    if path.is_dir():
        path = path / "vrgraph.ttl"
        if not path.is_file():
            raise InputError(f"{source}: a folder, but not a release (no vrgraph.ttl in it)")
    if path.is_file():
        st = ox.Store()
        store.add_file(st, path, store.ASSERTED, source)
        return read(st, source)
    if project is None:
        raise InputError(f"{source}: no such graph file or release folder")
    return read(_from_git(source, project), source)


def _from_git(revision: str, project: Project) -> ox.Store:
    name = project.display(project.graph)
    try:
        shown = subprocess.run(["git", "show", f"{revision}:{name}"], cwd=project.root,
                               capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InputError(f"{revision}: not a file, and git cannot be asked ({err})") from None
    if shown.returncode != 0:
        why = shown.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise InputError(f"{revision}: not a graph file, a release folder or a git revision "
                         f"with {name} ({why[0]})")
    st = ox.Store()
    try:
        st.load(shown.stdout, format=ox.RdfFormat.TURTLE, to_graph=store.ASSERTED)
    except SyntaxError as err:
        raise InputError(f"{revision}:{name}:{err.lineno}: malformed Turtle: {err.msg}") from None
    return st


def _rows(st: ox.Store, query: str) -> list[list[str]]:
    return [[store.lexical(t) or "" for t in row]
            for row in store.solutions(st.query(query, use_default_graph_as_union=True))]


def read(st: ox.Store, name: str) -> Snapshot:
    """The snapshot of the asserted graph in ``st``."""
    actions: dict[str, Action] = {}
    for number, text, plan, cell, tier, lead in _rows(st, _LEADS):
        action = actions.setdefault(number, Action(text, plan, cell))
        if tier:
            action.tiers.add(tier.rsplit("/", 1)[-1])
        if lead:
            action.leads.add(lead.rsplit("/", 1)[-1])
    alignments = {(n, p, MODES.get(m, m.rsplit("/", 1)[-1]))
                  for n, p, m in _rows(st, _ALIGNMENTS)}
    principles = {p for (p,) in _rows(st, _PRINCIPLES)}
    notes = {note: comment for note, comment in _rows(st, _NOTES)}
    edits = {edit: (number, f"{label} (cell {cell}) by {who}, {when}: {why}")
             for edit, number, label, who, when, why, cell in _rows(st, _EDITS)}
    return Snapshot(name, actions, alignments, principles, notes, edits)


# -- comparing ---------------------------------------------------------------------------------
def compare(old: Snapshot, new: Snapshot) -> Change:
    change = Change(old.name, new.name)
    removed = sorted(set(old.actions) - set(new.actions), key=natural)
    added = sorted(set(new.actions) - set(old.actions), key=natural)
    by_text = {new.actions[n].text: n for n in added if new.actions[n].text}
    for number in list(removed):
        moved = by_text.pop(old.actions[number].text, None) if old.actions[number].text else None
        if moved is not None:
            change.renumbered.append((number, moved))
            removed.remove(number)
            added.remove(moved)
    change.actions_added, change.actions_removed = added, removed
    # a renumbered action is the same action: compare it, and its alignments, by its new number
    renamed = dict(change.renumbered)
    pairs = [(n, n) for n in set(old.actions) & set(new.actions)] + change.renumbered
    for before, number in sorted(pairs, key=lambda pair: natural(pair[1])):
        a, b = old.actions[before], new.actions[number]
        if a.text != b.text:
            change.text_changed.append((number, a.text, b.text))
        if a.leads != b.leads or a.cell != b.cell:
            change.leads_changed.append((number, sorted(a.leads), sorted(b.leads)))
        if a.tier != b.tier:
            change.tier_changed.append((number, a.tier, b.tier))
    for mode in ("stated", "inherited"):
        mine = {(renamed.get(n, n), p) for n, p, m in old.alignments if m == mode}
        theirs = {(n, p) for n, p, m in new.alignments if m == mode}
        key = lambda pair: (natural(pair[0]), pair[1])  # noqa: E731
        if theirs - mine:
            change.gained[mode] = sorted(theirs - mine, key=key)
        if mine - theirs:
            change.lost[mode] = sorted(mine - theirs, key=key)
    covered_old = {p for _, p, _ in old.alignments}
    covered_new = {p for _, p, _ in new.alignments}
    opened = [f"principle {p} has no action any more"
              for p in sorted((covered_old - covered_new) & new.principles)]
    closed = [f"principle {p} has actions now" for p in sorted(covered_new - covered_old)
              if p in old.principles]
    for number in sorted(set(old.actions) & set(new.actions), key=natural):
        had, has = old.actions[number].leads, new.actions[number].leads
        if had and not has:
            opened.append(f"action {number} has lost its only lead ({', '.join(sorted(had))})"
                          if len(had) == 1 else f"action {number} has lost all its leads")
        elif has and not had:
            closed.append(f"action {number} has a lead now ({', '.join(sorted(has))})")
    change.gaps_opened, change.gaps_closed = opened, closed
    change.notes_added = sorted(set(new.notes) - set(old.notes))
    change.notes_resolved = sorted(set(old.notes) - set(new.notes))
    change.edits_made, change.edits_withdrawn = _edits(new, old), _edits(old, new)
    return change


def _edits(a: Snapshot, b: Snapshot) -> list[tuple[str, str]]:
    """The edits of ``a`` that ``b`` does not hold as they are, by action number."""
    return sorted((a.edits[e] for e in a.edits if a.edits[e] != b.edits.get(e)),
                  key=lambda pair: (natural(pair[0]), pair[1]))


# -- writing -----------------------------------------------------------------------------------
def _lines(change: Change, bullet: str, heading: str) -> list[str]:
    out = [f"{heading}Changes from {change.old} to {change.new}", ""]
    if change.equal:
        return out + ["No change."]

    def section(title: str, items: list[str]) -> None:
        if items:
            out.extend([f"#{heading}{title} ({len(items)})" if heading else f"{title} ({len(items)}):",
                        *(f"{bullet}{item}" for item in items), ""])

    section("Actions added", change.actions_added)
    section("Actions removed", change.actions_removed)
    section("Actions renumbered", [f"{a} -> {b}" for a, b in change.renumbered])
    section("Text changed", [f"{n}: {a!r} -> {b!r}" for n, a, b in change.text_changed])
    section("Leads changed", [f"{n}: {', '.join(a) or 'none'} -> {', '.join(b) or 'none'}"
                              for n, a, b in change.leads_changed])
    section("Prevention tier changed", [f"{n}: {a or 'none'} -> {b or 'none'}"
                                        for n, a, b in change.tier_changed])
    for mode in ("stated", "inherited"):
        section(f"Alignments gained ({mode})",
                [f"{n} -> {p}" for n, p in change.gained.get(mode, [])])
        section(f"Alignments lost ({mode})", [f"{n} -> {p}" for n, p in change.lost.get(mode, [])])
    section("Gaps opened", change.gaps_opened)
    section("Gaps closed", change.gaps_closed)
    section("Quality notes added", change.notes_added)
    section("Quality notes resolved", change.notes_resolved)
    section("Steward's edits made", [what for _, what in change.edits_made])
    section("Steward's edits withdrawn", [what for _, what in change.edits_withdrawn])
    return out


def as_text(change: Change) -> str:
    return "\n".join(_lines(change, "  ", "")).rstrip() + "\n"


def as_markdown(change: Change) -> str:
    return "\n".join(_lines(change, "- ", "## ")).rstrip() + "\n"


def as_json(change: Change) -> str:
    doc = asdict(change)
    doc["equal"] = change.equal
    return json.dumps(doc, indent=2, ensure_ascii=False, default=sorted) + "\n"


def as_turtle(change: Change, base: str, when: datetime | None = None) -> str:
    """A change set: one ``vr:Addition`` or ``vr:Removal`` node per change, each with what
    it concerns and a description, all ``prov:wasGeneratedBy`` one comparison activity that
    used the two versions."""
    when = when or datetime.now(UTC).replace(microsecond=0)
    lines = [f"@prefix vr: <{VR}> .",
             "@prefix prov: <http://www.w3.org/ns/prov#> .",
             "@prefix dcterms: <http://purl.org/dc/terms/> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .", "",
             "[] a vr:ChangeSet, prov:Entity ;",
             f"  dcterms:description {_lit(f'Changes from {change.old} to {change.new}')} ;",
             "  prov:wasGeneratedBy [ a prov:Activity ;",
             f"      prov:used [ a prov:Entity ; dcterms:identifier {_lit(change.old)} ] ,",
             f"                [ a prov:Entity ; dcterms:identifier {_lit(change.new)} ] ;",
             f"      prov:endedAtTime \"{when.isoformat()}\"^^xsd:dateTime ]"]
    items: list[tuple[str, str, str]] = []  # (kind, about, description)
    action = base + "id/action/"
    items += [("Addition", action + n, f"action {n} added") for n in change.actions_added]
    items += [("Removal", action + n, f"action {n} removed") for n in change.actions_removed]
    items += [("Addition", action + b, f"action {a} renumbered {b}") for a, b in change.renumbered]
    for kind, label, rows in (("Addition", "gained", change.gained), ("Removal", "lost", change.lost)):
        for mode, pairs in rows.items():
            items += [(kind, action + n, f"{mode} alignment of {n} to {p} {label}") for n, p in pairs]
    items += [("Addition", action + n, f"text of {n} changed") for n, _, _ in change.text_changed]
    items += [("Addition", action + n, f"leads of {n} changed to {', '.join(b) or 'none'}")
              for n, _, b in change.leads_changed]
    items += [("Addition", action + n, f"tier of {n} changed to {b or 'none'}")
              for n, _, b in change.tier_changed]
    items += [("Addition", note, "quality note added") for note in change.notes_added]
    items += [("Removal", note, "quality note resolved") for note in change.notes_resolved]
    items += [("Addition", action + n, f"steward's edit: {what}") for n, what in change.edits_made]
    items += [("Removal", action + n, f"steward's edit withdrawn: {what}")
              for n, what in change.edits_withdrawn]
    for kind, about, description in items:
        lines[-1] += " ;"
        lines.append(f"  vr:change [ a vr:{kind} ; dcterms:subject <{about}> ; "
                     f"dcterms:description {_lit(description)} ]")
    lines[-1] += " ."
    return "\n".join(lines) + "\n"


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
