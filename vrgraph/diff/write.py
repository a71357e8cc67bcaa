"""Writing a :class:`~vrgraph.diff.compare.Change`: text, Markdown (action numbers linked
where a page is given), JSON, and Turtle (a change set with provenance, PROV-O)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from ..namespaces import PREFIXES, VR
from .compare import Change, Group, StrategyChange, Summary

Link = Callable[[str], str | None]  # an IRI -> the relative address of its page, or None


def _short(iri: str) -> str:
    """A predicate as a prefixed name where a common prefix fits."""
    for prefix, ns in sorted(PREFIXES.items()):
        if iri.startswith(str(ns)) and "/" not in iri[len(str(ns)):]:
            return f"{prefix}:{iri[len(str(ns)):]}"
    return f"<{iri}>"


def _term(change: Change, nt: str) -> str:
    """An object as N-Triples gives it, an IRI by its label where it has one."""
    if nt.startswith("<") and nt.endswith(">"):
        iri = nt[1:-1]
        return change.labels.get(iri) or _short(iri)
    return nt


def _who(change: Change, about: str) -> str:
    if about.startswith("_:"):
        return f"a blank node ({about})"
    name = change.labels.get(about)
    return f"{name} <{about}>" if name else f"<{about}>"


def _count(items: list[str] | list[Group], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


class _Writer:
    def __init__(self, change: Change, markdown: bool, link: Link | None) -> None:
        self.change, self.md, self.link = change, markdown, link
        self.out = [f"{'## ' if markdown else ''}Changes from {change.old} to {change.new}", ""]

    def section(self, title: str, items: list[str], depth: int) -> None:
        if not items:
            return
        if self.md:
            self.out += [f"{'#' * (depth + 3)} {title} ({len(items)})",
                         *(f"- {item}" for item in items), ""]
        else:
            pad = "  " * depth
            self.out += [f"{pad}{title} ({len(items)}):", *(f"{pad}  {i}" for i in items), ""]

    def heading(self, title: str) -> None:
        self.out += [f"### {title}", ""] if self.md else [f"{title}:", ""]

    def number(self, key: str, n: str) -> str:
        iri = self.change.actions.get(key, {}).get(n)
        href = self.link(iri) if self.md and self.link and iri else None
        return f"[{n}]({href})" if href else n

    def strategy(self, key: str, sc: StrategyChange, depth: int) -> None:
        def num(n: str) -> str:
            return self.number(key, n)

        self.section("Actions added", [num(n) for n in sc.actions_added], depth)
        self.section("Actions removed", sc.actions_removed, depth)
        self.section("Actions renumbered", [f"{a} -> {num(b)}" for a, b in sc.renumbered], depth)
        self.section("Text changed", [f"{num(n)}: {a!r} -> {b!r}" for n, a, b in sc.text_changed],
                     depth)
        self.section("Leads changed", [f"{num(n)}: {'; '.join(a) or 'none'} -> "
                                       f"{'; '.join(b) or 'none'}"
                                       for n, a, b in sc.leads_changed], depth)
        self.section("Prevention tier changed", [f"{num(n)}: {a or 'none'} -> {b or 'none'}"
                                                 for n, a, b in sc.tier_changed], depth)
        for mode in ("stated", "inherited"):
            self.section(f"Alignments gained ({mode})",
                         [f"{num(n)} -> {p}" for n, p in sc.gained.get(mode, [])], depth)
            self.section(f"Alignments lost ({mode})",
                         [f"{num(n)} -> {p}" for n, p in sc.lost.get(mode, [])], depth)
        self.section("Gaps opened", sc.gaps_opened, depth)
        self.section("Gaps closed", sc.gaps_closed, depth)
        self.section("Quality notes added", [self._note(i) for i in sc.notes_added], depth)
        self.section("Quality notes resolved", [self._note(i) for i in sc.notes_resolved], depth)
        self.section("Steward's edits made", [what for _, what in sc.edits_made], depth)
        self.section("Steward's edits withdrawn", [what for _, what in sc.edits_withdrawn], depth)

    def _note(self, iri: str) -> str:
        said = self.change.labels.get(iri)
        return f"{said} <{iri}>" if said else iri

    def statements(self, groups: list[Group], depth: int) -> None:
        if not groups:
            return
        lines: list[str] = []
        for g in groups:
            who = _who(self.change, g.about)
            said = [("removed", "-", p, o) for p, o in g.removed] + \
                   [("added", "+", p, o) for p, o in g.added]
            if self.md:
                lines += [f"{who}: {word} `{_short(p)} {_term(self.change, o)}`"
                          for word, _, p, o in said]
            else:
                lines.append(who)
                lines += [f"  {sign} {_short(p)} {_term(self.change, o)}"
                          for _, sign, p, o in said]
        count = sum(len(g.removed) + len(g.added) for g in groups)
        title = f"Other statements, about {_count(groups, 'resource')}"
        if self.md:
            self.out += [f"{'#' * (depth + 3)} {title} ({count})", *(f"- {x}" for x in lines), ""]
        else:
            pad = "  " * depth
            self.out += [f"{pad}{title} ({count}):", *(f"{pad}  {x}" for x in lines), ""]

    def write(self) -> str:
        c = self.change
        if c.equal:
            return "\n".join([*self.out, "No change."]) + "\n"
        keys = set(c.old_strategies) | set(c.new_strategies)
        if len(keys) <= 1 or (len(c.old_strategies) == len(c.new_strategies) == 1
                              and not c.strategies_added):
            for sc in c.strategies.values():   # one strategy (perhaps renamed): flat
                self.strategy(next(iter(c.strategies)), sc, 0)
            self.statements(c.statements, 0)
            return "\n".join(self.out).rstrip() + "\n"
        if not c.in_common:
            self.out += [f"{c.old} holds {_names(c.old_strategies)}, {c.new} holds "
                         f"{_names(c.new_strategies)}: no strategy in common.", ""]
        self.section("Strategies added", [_said(s) for s in c.strategies_added], 0)
        self.section("Strategies removed", [_said(s) for s in c.strategies_removed], 0)
        self.section("Strategies changed", [k for k in c.strategies], 0)
        for s in c.strategies_added:
            self.heading(f"Strategy {s.key} (added)")
            self.section("Gaps opened", s.gaps, 1)
            self.statements([g for g in c.statements if g.strategy == s.key], 1)
        for key, sc in c.strategies.items():
            self.heading(f"Strategy {key}")
            self.strategy(key, sc, 1)
            self.statements([g for g in c.statements if g.strategy == key], 1)
        shown = set(c.strategies) | {s.key for s in c.strategies_added}
        rest = [g for g in c.statements if g.strategy not in shown]
        if rest:
            self.heading("Not in any strategy changed above")
            self.statements(rest, 1)
        return "\n".join(self.out).rstrip() + "\n"


def _names(keys: list[str]) -> str:
    if not keys:
        return "no strategy"
    return f"strateg{'y' if len(keys) == 1 else 'ies'} {', '.join(k or '(unnamed)' for k in keys)}"


def _said(s: Summary) -> str:
    return (f"{s.key}: {s.title or '(no title)'} ({_count([''] * s.actions, 'action')}, "
            f"{_count([''] * s.principles, 'principle')})")


def as_text(change: Change) -> str:
    return _Writer(change, False, None).write()


def as_markdown(change: Change, link: Link | None = None) -> str:
    """Markdown; ``link`` gives the page of an action (its IRI) to link its number to."""
    return _Writer(change, True, link).write()


def as_json(change: Change) -> str:
    doc = asdict(change)
    for internal in ("labels", "actions"):
        del doc[internal]
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
    items: list[tuple[str, str | None, str]] = []  # (kind, about, description)
    items += [("Addition", None, f"strategy {s.key} added") for s in change.strategies_added]
    items += [("Removal", None, f"strategy {s.key} removed") for s in change.strategies_removed]
    for key, sc in change.strategies.items():
        iris = change.actions.get(key, {})

        def action(n: str) -> str:
            return iris.get(n) or base + "id/action/" + n  # noqa: B023

        where = f" ({key})" if len(change.new_strategies) > 1 else ""
        items += [("Addition", action(n), f"action {n} added{where}") for n in sc.actions_added]
        items += [("Removal", action(n), f"action {n} removed{where}")
                  for n in sc.actions_removed]
        items += [("Addition", action(b), f"action {a} renumbered {b}{where}")
                  for a, b in sc.renumbered]
        for kind, label, rows in (("Addition", "gained", sc.gained), ("Removal", "lost", sc.lost)):
            for mode, pairs in rows.items():
                items += [(kind, action(n), f"{mode} alignment of {n} to {p} {label}{where}")
                          for n, p in pairs]
        items += [("Addition", action(n), f"text of {n} changed{where}")
                  for n, _, _ in sc.text_changed]
        items += [("Addition", action(n), f"leads of {n} changed to {'; '.join(b) or 'none'}"
                   f"{where}") for n, _, b in sc.leads_changed]
        items += [("Addition", action(n), f"tier of {n} changed to {b or 'none'}{where}")
                  for n, _, b in sc.tier_changed]
        items += [("Addition", note, "quality note added") for note in sc.notes_added]
        items += [("Removal", note, "quality note resolved") for note in sc.notes_resolved]
        items += [("Addition", action(n), f"steward's edit: {what}") for n, what in sc.edits_made]
        items += [("Removal", action(n), f"steward's edit withdrawn: {what}")
                  for n, what in sc.edits_withdrawn]
    for g in change.statements:
        about = None if g.about.startswith("_:") else g.about
        items += [("Removal", about, f"statement removed: {_short(p)} {o}") for p, o in g.removed]
        items += [("Addition", about, f"statement added: {_short(p)} {o}") for p, o in g.added]
    for kind, subject, description in items:
        lines[-1] += " ;"
        about = f"dcterms:subject <{subject}> ; " if subject else ""
        lines.append(f"  vr:change [ a vr:{kind} ; {about}dcterms:description "
                     f"{_lit(description)} ]")
    lines[-1] += " ."
    return "\n".join(lines) + "\n"


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
