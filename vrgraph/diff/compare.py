"""Comparing two snapshots: strategy by strategy (paired by short name, else by document),
then every asserted statement, so that nothing the named sections leave out is missed.

A statement that differs is *explained* by a named change when it is about what that change
names: an action added or removed (its statements), a text, lead or tier change (those
properties of the action), an alignment gained or lost, a quality note or an edit (their
nodes), a renumbering (a statement that is the same once the old IRIs are renamed to the
new), a strategy added or removed (the statements about its things). Every other statement
added or removed falls to :attr:`Change.statements`, grouped by the resource it is about.
Blank nodes are compared by canonical labels (rdflib's ``graph_diff``), so two versions are
equal exactly when their graphs are isomorphic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from .. import store
from ..namespaces import VR
from ..text import natural
from .read import Snapshot, Strategy

_TEXT = {ox.NamedNode(str(VR.text))}
_LEADS = {ox.NamedNode(str(VR.ledBy)), ox.NamedNode(str(VR.leadCellText))}
_TIER = {ox.NamedNode(str(VR.preventionTier))}
_NUMBER = {ox.NamedNode(str(VR.number))}
_Label = Callable[[str], str]


@dataclass
class StrategyChange:
    """What changed within one strategy both versions hold (action numbers as keys)."""

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
        return not any(asdict(self).values())


@dataclass
class Group:
    """The statements added and removed about one resource (N-Triples terms)."""

    about: str  # an IRI, or "_:label" for a blank node
    strategy: str  # the key of the strategy it is minted under ("" if none)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (predicate, object)
    added: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Summary:
    """A strategy only one version holds."""

    key: str
    title: str
    actions: int
    principles: int
    gaps: list[str] = field(default_factory=list)


@dataclass
class Change:
    old: str
    new: str
    old_strategies: list[str] = field(default_factory=list)
    new_strategies: list[str] = field(default_factory=list)
    strategies_added: list[Summary] = field(default_factory=list)
    strategies_removed: list[Summary] = field(default_factory=list)
    strategies: dict[str, StrategyChange] = field(default_factory=dict)  # only the changed
    statements: list[Group] = field(default_factory=list)
    isomorphic: bool = True
    labels: dict[str, str] = field(default_factory=dict)  # IRI -> how it is shown
    actions: dict[str, dict[str, str]] = field(default_factory=dict)  # strategy -> n -> IRI

    @property
    def equal(self) -> bool:
        return self.isomorphic

    @property
    def in_common(self) -> bool:
        """Whether the two versions hold some strategy in common (or both none)."""
        return bool(set(self.old_strategies) & set(self.new_strategies)) or not (
            self.old_strategies and self.new_strategies)

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or iri


def compare(old: Snapshot, new: Snapshot) -> Change:
    """What changed from ``old`` to ``new``."""
    pairs = _pair(old, new)
    change = Change(old.name, new.name, sorted(old.strategies), sorted(new.strategies),
                    labels={**old.labels, **new.labels})
    removed, added = statements(old.triples, new.triples)
    change.isomorphic = not removed and not added
    why = _Explained(removed, added)
    for a, b in pairs:
        if a is None and b is not None:
            change.strategies_added.append(_summary(b))
            why.minted(b.space, added=True)
        elif b is None and a is not None:
            change.strategies_removed.append(_summary(a))
            why.minted(a.space, added=False)
        elif a is not None and b is not None:
            sc = compare_strategy(a, b, why, change.label)
            change.actions[b.key] = {n: x.iri for n, x in a.actions.items()} | {
                n: x.iri for n, x in b.actions.items()}
            if not sc.equal:
                change.strategies[b.key] = sc
    for s in (*old.strategies.values(), *new.strategies.values()):
        for note, comment in s.notes.items():   # a note is shown by what it says
            change.labels.setdefault(note, comment)
        change.actions.setdefault(s.key, {n: x.iri for n, x in s.actions.items()})
    spaces = sorted(((s.space, s.key) for s in (*old.strategies.values(),
                                                 *new.strategies.values()) if s.space),
                    key=lambda x: -len(x[0]))
    change.statements = _groups(why.left(), spaces)
    return change


def _pair(old: Snapshot, new: Snapshot) -> list[tuple[Strategy | None, Strategy | None]]:
    """The strategies of both versions, paired by short name, else by document IRI."""
    left = dict(old.strategies)
    right = dict(new.strategies)
    pairs: list[tuple[Strategy | None, Strategy | None]] = []
    for key in sorted(set(left) & set(right)):
        pairs.append((left.pop(key), right.pop(key)))
    for key, b in sorted(right.items()):
        a = next((s for s in left.values() if s.document == b.document), None)
        if a is not None:
            pairs.append((left.pop(a.key), b))
            del right[key]
    pairs += [(a, None) for _, a in sorted(left.items())]
    pairs += [(None, b) for _, b in sorted(right.items())]
    return pairs


def _summary(s: Strategy) -> Summary:
    gaps = [f"principle {p} has no action" for p in sorted(
        s.principles - {p for _, p, _ in s.alignments}, key=natural)]
    gaps += [f"action {n} has no lead" for n in sorted(s.actions, key=natural)
             if not s.actions[n].leads]
    return Summary(s.key, s.title, len(s.actions), len(s.principles), gaps)


def compare_strategy(old: Strategy, new: Strategy, why: _Explained,
                     label: _Label) -> StrategyChange:
    """The named changes within one strategy; each marks the statements it explains."""
    change = StrategyChange()
    removed = sorted(set(old.actions) - set(new.actions), key=natural)
    added = sorted(set(new.actions) - set(old.actions), key=natural)
    by_text = {new.actions[n].text: n for n in added if new.actions[n].text}
    for number in list(removed):
        moved = by_text.pop(old.actions[number].text, None) if old.actions[number].text else None
        if moved is not None:
            change.renumbered.append((number, moved))
            removed.remove(number)
            added.remove(moved)
            why.renamed(old.actions[number].iri, new.actions[moved].iri)
    change.actions_added, change.actions_removed = added, removed
    why.resources((new.actions[n].iri for n in added), added=True)
    why.resources((old.actions[n].iri for n in removed), added=False)
    renamed = dict(change.renumbered)
    pairs = [(n, n) for n in set(old.actions) & set(new.actions)] + change.renumbered
    for before, number in sorted(pairs, key=lambda pair: natural(pair[1])):
        a, b = old.actions[before], new.actions[number]
        why.properties(a.iri, _NUMBER)
        if a.text != b.text:
            change.text_changed.append((number, a.text, b.text))
            why.properties(a.iri, _TEXT, b.iri)
        if a.leads != b.leads or a.cell != b.cell:
            change.leads_changed.append((number, sorted(map(label, a.leads)),
                                         sorted(map(label, b.leads))))
            why.properties(a.iri, _LEADS, b.iri)
        if a.tiers != b.tiers:
            change.tier_changed.append((number, ", ".join(sorted(map(label, a.tiers))),
                                        ", ".join(sorted(map(label, b.tiers)))))
            why.properties(a.iri, _TIER, b.iri)
    mine = {(renamed.get(n, n), p, m): node for (n, p, m), node in old.alignments.items()}
    theirs = new.alignments
    for key in set(mine) & set(theirs):
        if mine[key] != theirs[key]:
            why.renamed(mine[key], theirs[key])
    why.resources((mine[k] for k in set(mine) - set(theirs)), added=False)
    why.resources((theirs[k] for k in set(theirs) - set(mine)), added=True)
    order = lambda pair: (natural(pair[0]), pair[1])  # noqa: E731
    for mode in ("stated", "inherited"):
        had = {(n, p) for n, p, m in mine if m == mode}
        has = {(n, p) for n, p, m in theirs if m == mode}
        if has - had:
            change.gained[mode] = sorted(has - had, key=order)
        if had - has:
            change.lost[mode] = sorted(had - has, key=order)
    # an action stating or losing a principle says so directly too (vr:alignedTo...)
    back = {b: a for a, b in change.renumbered}
    for n, p, _ in theirs.keys() - mine.keys():
        if n in new.actions and p in new.principle_iris:
            why.link(new.actions[n].iri, new.principle_iris[p], added=True)
    for n, p, _ in mine.keys() - theirs.keys():
        if back.get(n, n) in old.actions and p in old.principle_iris:
            why.link(old.actions[back.get(n, n)].iri, old.principle_iris[p], added=False)
    change.gaps_opened, change.gaps_closed = _gaps(old, new, label)
    change.notes_added = sorted(set(new.notes) - set(old.notes))
    change.notes_resolved = sorted(set(old.notes) - set(new.notes))
    why.resources(change.notes_added, added=True)
    why.resources(change.notes_resolved, added=False)
    change.edits_made, change.edits_withdrawn = _edits(new, old), _edits(old, new)
    for mine_, theirs_, side in ((new, old, True), (old, new, False)):
        changed = [e for e in mine_.edits if mine_.edits[e] != theirs_.edits.get(e)]
        why.resources(changed, added=side)
        why.resources((p for e in changed for p in mine_.parts.get(e, ())), added=side)
    return change


def _gaps(old: Strategy, new: Strategy, label: _Label) -> tuple[list[str], list[str]]:
    covered_old = {p for _, p, _ in old.alignments}
    covered_new = {p for _, p, _ in new.alignments}
    opened = [f"principle {p} has no action any more"
              for p in sorted((covered_old - covered_new) & new.principles, key=natural)]
    closed = [f"principle {p} has actions now"
              for p in sorted(covered_new - covered_old, key=natural) if p in old.principles]
    for number in sorted(set(old.actions) & set(new.actions), key=natural):
        had, has = old.actions[number].leads, new.actions[number].leads
        if had and not has:
            opened.append(f"action {number} has lost its only lead ({label(next(iter(had)))})"
                          if len(had) == 1 else f"action {number} has lost all its leads")
        elif has and not had:
            closed.append(f"action {number} has a lead now "
                          f"({', '.join(sorted(map(label, has)))})")
    return opened, closed


def _edits(a: Strategy, b: Strategy) -> list[tuple[str, str]]:
    """The edits of ``a`` that ``b`` does not hold as they are, by action number."""
    return sorted((a.edits[e] for e in a.edits if a.edits[e] != b.edits.get(e)),
                  key=lambda pair: (natural(pair[0]), pair[1]))


# -- statements ----------------------------------------------------------------------------------
def _bnodes(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def statements(old: set[ox.Triple], new: set[ox.Triple]
               ) -> tuple[set[ox.Triple], set[ox.Triple]]:
    """The statements removed and added: ground ones as they are, those with blank nodes
    by their canonical labels (nothing, when those parts are isomorphic)."""
    removed = {t for t in old - new if not _bnodes(t)}
    added = {t for t in new - old if not _bnodes(t)}
    a, b = Graph(), Graph()
    for g, triples in ((a, old), (b, new)):
        for t in triples:
            if _bnodes(t):
                g.add((store.to_rdflib(t.subject), store.to_rdflib(t.predicate),
                       store.to_rdflib(t.object)))
    if (len(a) or len(b)) and not isomorphic(a, b):
        _, only_a, only_b = graph_diff(a, b)
        for out, g in ((removed, only_a), (added, only_b)):
            for s, p, o in g:
                q = store.to_quad(s, p, o, store.ASSERTED)
                out.add(ox.Triple(q.subject, q.predicate, q.object))
    return removed, added


class _Explained:
    """The differing statements, and which of them a named change explains."""

    def __init__(self, removed: set[ox.Triple], added: set[ox.Triple]) -> None:
        self.removed, self.added = removed, added
        self.done: set[ox.Triple] = set()
        self.index: dict[tuple[bool, str], set[ox.Triple]] = defaultdict(set)
        for side, triples in ((False, removed), (True, added)):
            for t in triples:
                self.index[side, _id(t.subject)].add(t)
                self.index[side, _id(t.object)].add(t)

    def resources(self, iris: Iterable[str], added: bool) -> None:
        for iri in iris:
            self.done |= self.index.get((added, iri), set())

    def properties(self, iri: str, predicates: set[ox.NamedNode], new: str | None = None
                   ) -> None:
        for side, subject in ((False, iri), (True, new or iri)):
            self.done |= {t for t in self.index.get((side, subject), set())
                          if t.predicate in predicates and _id(t.subject) == subject}

    def link(self, subject: str, obj: str, added: bool) -> None:
        """Statements from ``subject`` to ``obj``, whatever their predicate."""
        self.done |= {t for t in self.index.get((added, subject), set())
                      if _id(t.subject) == subject and _id(t.object) == obj}

    def renamed(self, old: str, new: str) -> None:
        """Statements of ``old`` that are those of ``new`` once it is renamed."""
        def rename(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
            return ox.NamedNode(new) if _id(term) == old else term

        for t in self.index.get((False, old), set()):
            moved = ox.Triple(rename(t.subject), t.predicate, rename(t.object))  # type: ignore[arg-type]
            if moved in self.added:
                self.done |= {t, moved}

    def minted(self, space: str, added: bool) -> None:
        """Every statement about a thing minted under ``space``."""
        for t in self.added if added else self.removed:
            if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(space):
                self.done.add(t)

    def left(self) -> tuple[set[ox.Triple], set[ox.Triple]]:
        return self.removed - self.done, self.added - self.done


def _id(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return ""


def _groups(left: tuple[set[ox.Triple], set[ox.Triple]], spaces: list[tuple[str, str]]
            ) -> list[Group]:
    groups: dict[str, Group] = {}
    for side, triples in enumerate(left):
        for t in triples:
            about = _id(t.subject)
            group = groups.get(about)
            if group is None:
                owner = next((k for space, k in spaces if about.startswith(space)), "")
                group = groups[about] = Group(about, owner)
            (group.added if side else group.removed).append((t.predicate.value, str(t.object)))
    for g in groups.values():
        g.removed.sort()
        g.added.sort()
    return sorted(groups.values(), key=lambda g: (g.strategy, g.about.startswith("_:"),
                                                  natural(g.about)))

