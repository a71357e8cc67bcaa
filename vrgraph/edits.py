"""Apply a steward's edits (``data/curation/edits.yaml``) to the built graph: the last step
of stage 3, called by :mod:`vrgraph.build`.

An edit sets one field of one action (its resolved leads, its stated strategic or enabling
principles, its prevention tiers) to a new list of values. It never overwrites silently:

- the edit is a ``vr:Edit`` (a ``prov:Activity``) ``prov:wasAssociatedWith`` the steward (a
  ``prov:Agent``), ending at its time, with its reason (``rdfs:comment``), the workbook cell
  it came from (``vr:sheetCell``) and the curation file and line (``vr:curatedIn``);
- every statement it removes is kept as a ``vr:SupersededStatement`` (an ``rdf:Statement``
  naming its subject, predicate and object) ``prov:wasInvalidatedBy`` the edit;
- every statement it adds is also described as a ``vr:EditedStatement``
  ``prov:wasGeneratedBy`` the edit and ``prov:wasAttributedTo`` the steward.

Each edit records what the field held when it was made (``was``); the build refuses an edit
whose ``was`` no longer matches (the document or an earlier edit changed the field), so an
edit is never applied to a statement its steward did not see. Who made it is a role of
``roles.yaml`` (the steward's IRI is minted from the role's id, never from free text).

An edit has an id, ``NUMBER/FIELD-N`` (the N-th entry of ``edits.yaml`` on that field of that
action, ``5.1.2/leads-1``); its IRI is ``id/edit/5.1.2/leads-1``. A withdrawal (an entry
``withdraw: ID`` with who, when and why) undoes an edit without erasing it: it is itself an
edit that puts back what the withdrawn edit replaced, ``vr:withdraws`` it, and the withdrawn
edit stays in the graph ``prov:wasInvalidatedBy`` the withdrawal.

An edit retires the data-quality notes it answers (an edit that gives an action leads, the
note that its lead cell is empty; one that states a principle, the note that it is aligned to
none): the note is kept, ``prov:wasInvalidatedBy`` the edit at its time. The format is
documented in ``docs/model.md`` ("Edits").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .curation import Entry
from .namespaces import PROV, RDF, RDFS, SKOS, VR, XSD

#: The fields a steward may edit, in the order of the workbook's columns.
FIELDS = ("leads", "strategic", "enabling", "tiers")
TIERS = ("primary", "secondary", "tertiary")
_NAMES = {"leads": "leads", "strategic": "stated strategic principles",
          "enabling": "stated enabling principles", "tiers": "prevention tiers"}
_KINDS = {"strategic": "SP", "enabling": "EP"}
#: The data-quality notes (flaw kind as in the note's IRI) a field's edit answers.
_ANSWERS = {"leads": "empty-lead", "strategic": "no-alignment", "enabling": "no-alignment"}

Triple = tuple[Node, Node, Node]


def natural(key: str) -> tuple[int | str, ...]:
    """SP2 before SP10, 5.1.2 before 5.1.10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def local(iri: Node) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def current(g: Graph, action: URIRef, name: str) -> list[str]:
    """What field ``name`` of ``action`` holds in ``g``: agency / post ids, principle
    notations (``SP3``) or tier names, sorted."""
    if name == "leads":
        return sorted((local(o) for o in g.objects(action, VR.ledBy)), key=natural)
    if name == "tiers":
        return sorted((local(o).removesuffix("Prevention").lower()
                       for o in g.objects(action, VR.preventionTier)), key=natural)
    kind = "/principle/" + name + "/"
    return sorted((f"{_KINDS[name]}{local(p)}" for p in g.objects(action, VR.statedAlignment)
                   if kind in str(p)), key=natural)


class Applier:
    """Applies the edits, in order, to ``g``; ``iri(kind, *keys)`` mints an IRI of the
    graph, ``agency(id)`` the IRI of an agency or post id of ``agencies.yaml``."""

    def __init__(self, g: Graph, iri: Callable[..., URIRef], agencies: dict[str, Entry],
                 roles: dict[str, Entry] | None = None):
        self.g, self.iri, self.agencies, self.roles = g, iri, agencies, roles or {}
        self.count: dict[tuple[str, str], int] = {}
        #: edit id -> (the entry, what it set, what it replaced, its IRI, its withdrawal)
        self.made: dict[str, tuple[Entry, list[str], list[str], URIRef, str | None]] = {}

    def agency(self, ident: str) -> URIRef:
        kind = self.agencies[ident]["kind"]
        return self.iri("post" if kind == "post" else "agency", ident)

    def statements(self, action: URIRef, number: str, name: str, value: str,
                   entry: Entry) -> list[Triple]:
        """The triples that say ``action``'s field ``name`` holds ``value``."""
        if name == "leads":
            if value not in self.agencies:
                raise entry.error(f"{value!r} is not an id in agencies.yaml", "value")
            return [(action, VR.ledBy, self.agency(value))]
        if name == "tiers":
            if value not in TIERS:
                raise entry.error(f"{value!r} is not a tier: {', '.join(TIERS)}", "value")
            return [(action, VR.preventionTier, VR[f"{value.capitalize()}Prevention"])]
        m = re.fullmatch(_KINDS[name] + r"([1-9][0-9]*)", value)
        principle = self.iri("principle", name, m.group(1)) if m else None
        if m is None or principle is None or (principle, SKOS.notation, None) not in self.g:
            raise entry.error(f"{value!r} is not a {name} principle", "value")
        node = self.iri("alignment", number, f"{name}-{m.group(1)}")
        return [(action, VR.statedAlignment, principle),
                *sorted(self.g.triples((node, None, None)))]

    def apply(self, entry: Entry) -> None:
        if "withdraw" in entry.data:
            self.withdraw(entry)
            return
        number, name = entry["action"], entry["field"]
        action = self.iri("action", number)
        if (action, RDF.type, VR.Action) not in self.g:
            raise entry.error(f"action {number!r} does not exist in the document", "action")
        was, value = current(self.g, action, name), list(entry["value"])
        if sorted(entry["was"], key=natural) != was:
            raise entry.error(f"action {number}'s {name} are {was} in the build, not "
                              f"{entry['was']}: the document or an earlier edit changed "
                              f"them; export the workbook again and redo the edit", "was")
        self.change(entry, number, name, value, was)

    def withdraw(self, entry: Entry) -> None:
        """Undo the edit ``entry["withdraw"]`` names by an edit that puts back what it
        replaced; refused if a later edit changed the field again, or it is withdrawn."""
        ident = str(entry["withdraw"])
        if ident not in self.made:
            raise entry.error(f"no edit {ident!r} before this line (`vrgraph history` lists "
                              f"the edits and their ids)", "withdraw")
        made, value, was, node, by = self.made[ident]
        if by is not None:
            raise entry.error(f"edit {ident} is withdrawn already, by {by}", "withdraw")
        number, name = made["action"], made["field"]
        now = current(self.g, self.iri("action", number), name)
        if now != sorted(value, key=natural):
            raise entry.error(f"action {number}'s {name} are {now} since a later edit; "
                              f"withdraw that edit first", "withdraw")
        mine = self.change(entry, number, name, was, now, withdrawn=node)
        self.made[ident] = (made, value, was, node, mine)

    def change(self, entry: Entry, number: str, name: str, value: list[str], was: list[str],
               withdrawn: URIRef | None = None) -> str:
        """Set field ``name`` of action ``number`` from ``was`` to ``value`` by the edit (or
        withdrawal) ``entry``; return its id."""
        action = self.iri("action", number)
        key = (number, name)
        self.count[key] = self.count.get(key, 0) + 1
        ident = f"{number}/{name}-{self.count[key]}"
        edit = self.iri("edit", number, f"{name}-{self.count[key]}")
        self.made[ident] = (entry, list(value), list(was), edit, None)
        removed = [t for v in was if v not in value
                   for t in self.statements(action, number, name, v, entry)]
        added: list[Triple] = []
        qualified: list[Triple] = []
        for v in value:
            if v in was:
                continue
            triples = self.statements(action, number, name, v, entry)
            if len(triples) > 1:                       # an alignment node exists already
                raise entry.error(f"action {number} already inherits {v} from a group "
                                  f"cell; it cannot also be stated on its row", "value")
            added += triples
            if name in _KINDS:     # the qualified alignment carries its own provenance
                qualified += self.alignment(action, number, name, v, edit, entry)
        when = str(entry["when"])
        stamp = Literal(when if "T" in when else when + "T00:00:00", datatype=XSD.dateTime)
        role = str(entry["who"])
        if role not in self.roles:
            raise entry.error(f"{role!r} is not a role of roles.yaml", "who")
        steward = self.iri("steward", role)              # a curated slug, never free text
        g = self.g
        g.add((steward, RDF.type, PROV.Agent))
        g.add((steward, RDFS.label, Literal(str(self.roles[role]["label"]))))
        g.add((edit, RDF.type, VR.Edit))
        what = f"the {_NAMES[name]} of action {number}"
        if withdrawn is None:
            g.add((edit, RDFS.label, Literal(f"Edit of {what}", lang="en")))
            g.add((edit, VR.sheetCell, Literal(str(entry["cell"]))))
        else:
            g.add((edit, RDFS.label, Literal(f"Withdrawal of edit {local_edit(withdrawn)} "
                                             f"({what})", lang="en")))
            g.add((edit, VR.withdraws, withdrawn))
            g.add((withdrawn, PROV.wasInvalidatedBy, edit))
            g.add((withdrawn, PROV.invalidatedAtTime, stamp))
        g.add((edit, RDFS.comment, Literal(str(entry["why"]), lang="en")))
        g.add((edit, VR.editOf, action))
        g.add((edit, PROV.wasAssociatedWith, steward))
        g.add((edit, PROV.endedAtTime, stamp))
        g.add((edit, VR.curatedIn, Literal(entry.where)))
        for i, triple in enumerate(removed, 1):
            g.remove(triple)
            node = self.reified(URIRef(f"{edit}/superseded/{i}"), triple, VR.SupersededStatement)
            g.add((node, PROV.wasInvalidatedBy, edit))
            g.add((node, PROV.invalidatedAtTime, stamp))
        for triple in qualified:
            g.add(triple)
        for i, triple in enumerate(added, 1):
            g.add(triple)
            node = self.reified(URIRef(f"{edit}/statement/{i}"), triple, VR.EditedStatement)
            g.add((node, PROV.wasGeneratedBy, edit))
            g.add((node, PROV.generatedAtTime, stamp))
            g.add((node, PROV.wasAttributedTo, steward))
        self.retire(action, number, name, edit, stamp)
        return ident

    def retire(self, action: URIRef, number: str, name: str, edit: URIRef,
               stamp: Literal) -> None:
        """Retire the data-quality note on ``action`` that field ``name`` answers, now that
        it holds a value (kept, ``prov:wasInvalidatedBy`` ``edit``); or, the field emptied
        again (a withdrawal), let it stand again."""
        note = self.iri("note", _ANSWERS.get(name, ""), number)
        if name not in _ANSWERS or (note, RDF.type, VR.DataQualityNote) not in self.g:
            return
        answered = bool(current(self.g, action, "leads")) if name == "leads" else \
            (action, VR.statedAlignment, None) in self.g
        retired = (note, PROV.wasInvalidatedBy, None) in self.g
        if answered and not retired:
            self.g.add((note, PROV.wasInvalidatedBy, edit))
            self.g.add((note, PROV.invalidatedAtTime, stamp))
        elif not answered and retired:
            self.g.remove((note, PROV.wasInvalidatedBy, None))
            self.g.remove((note, PROV.invalidatedAtTime, None))

    def alignment(self, action: URIRef, number: str, name: str, value: str, edit: URIRef,
                  entry: Entry) -> list[Triple]:
        """A stated alignment the steward added: on the action's row, resting on the row's
        source lines, generated by the edit."""
        n = value[2:]
        node = self.iri("alignment", number, f"{name}-{n}")
        rows = self.g.objects(action, PROV.wasDerivedFrom)
        return [(node, RDF.type, VR.Alignment), (node, VR.alignmentOf, action),
                (node, VR.alignmentTo, self.iri("principle", name, n)),
                (node, VR.alignmentMode, VR.StatedOnRow),
                (node, VR.column, VR.StrategicColumn if name == "strategic" else VR.EnablingColumn),
                *((node, PROV.wasDerivedFrom, o) for o in rows),
                (node, PROV.wasGeneratedBy, edit), (node, VR.curatedIn, Literal(entry.where))]

    def reified(self, node: URIRef, triple: Triple, cls: URIRef) -> URIRef:
        s, p, o = triple
        for t in ((node, RDF.type, cls), (node, RDF.subject, s), (node, RDF.predicate, p),
                  (node, RDF.object, o)):
            self.g.add(t)
        return node


def local_edit(edit: Node) -> str:
    """The id of an edit from its IRI: ``5.1.2/leads-1``."""
    return "/".join(str(edit).rsplit("/", 2)[-2:])


def apply(g: Graph, entries: list[Entry], iri: Callable[..., URIRef],
          agencies: dict[str, Entry], roles: dict[str, Entry] | None = None) -> None:
    """Apply ``entries`` (of ``edits.yaml``), in order, to ``g``; ``roles`` those of
    ``roles.yaml``."""
    applier = Applier(g, iri, agencies, roles)
    for entry in entries:
        applier.apply(entry)
