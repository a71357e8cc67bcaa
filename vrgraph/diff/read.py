"""Reading a version of the graph into a :class:`Snapshot`: its strategies, each with its
actions, alignments, principles, quality notes and steward's edits, the labels of what it
names, and every asserted statement (for the comparison that misses nothing)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .. import bounds, store
from ..errors import InputError
from ..namespaces import VR
from ..project import Project
from ..store import syntax

_VR = str(VR)
_PREFIXES = (f"PREFIX vr: <{_VR}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX prov: <http://www.w3.org/ns/prov#> ")
_STRATEGIES = _PREFIXES + """SELECT ?doc ?short ?title WHERE { ?doc a vr:StrategyDocument .
  OPTIONAL { ?doc dcterms:identifier ?short } OPTIONAL { ?doc dcterms:title ?title } }"""
_ACTIONS = _PREFIXES + """SELECT ?a ?number ?text ?plan ?cell ?tier ?lead WHERE {
  ?a a vr:Action ; vr:number ?number .
  OPTIONAL { ?a vr:text ?text } OPTIONAL { ?a vr:inPlan/vr:number ?plan }
  OPTIONAL { ?a vr:leadCellText ?cell } OPTIONAL { ?a vr:preventionTier ?tier }
  OPTIONAL { ?a vr:ledBy ?lead } }"""
_ALIGNMENTS = _PREFIXES + """SELECT ?al ?a ?principle ?mode WHERE {
  ?al a vr:Alignment ; vr:alignmentOf ?a ; vr:alignmentTo/skos:notation ?principle ;
      vr:alignmentMode ?mode . ?a vr:number [] }"""
_PRINCIPLES = _PREFIXES + """SELECT ?p ?principle WHERE {
  VALUES ?class { vr:Principle vr:StrategicPrinciple vr:EnablingPrinciple }
  ?p a ?class ; skos:notation ?principle }"""
_NOTES = _PREFIXES + """SELECT ?note ?comment WHERE {
  ?note a vr:DataQualityNote OPTIONAL { ?note rdfs:comment ?comment } }"""
_EDITS = _PREFIXES + """SELECT ?edit ?a ?label ?who ?when ?why ?cell WHERE {
  ?edit a vr:Edit ; vr:editOf ?a .
  OPTIONAL { ?edit rdfs:label ?label } OPTIONAL { ?edit prov:wasAssociatedWith/rdfs:label ?who }
  OPTIONAL { ?edit prov:endedAtTime ?when } OPTIONAL { ?edit rdfs:comment ?why }
  OPTIONAL { ?edit vr:sheetCell ?cell } }"""
# what exists for an edit: the statements it supersedes, who made it, what it generated
_EDIT_PARTS = _PREFIXES + """SELECT ?edit ?part WHERE { ?edit a vr:Edit .
  { ?part prov:wasInvalidatedBy ?edit } UNION { ?edit prov:wasAssociatedWith ?part }
  UNION { ?part prov:wasGeneratedBy ?edit } }"""
# what a thing is called, best first; an acronym or notation is shown beside it
_NAMES = _PREFIXES + """SELECT ?s ?rank ?name WHERE {
  { ?s skos:prefLabel ?name BIND(1 AS ?rank) } UNION { ?s rdfs:label ?name BIND(2 AS ?rank) }
  UNION { ?s dcterms:title ?name BIND(3 AS ?rank) } UNION { ?s vr:acronym ?name BIND(4 AS ?rank) }
  UNION { ?s skos:notation ?name BIND(5 AS ?rank) } FILTER(isIRI(?s)) }"""
MODES = {str(VR.StatedOnRow): "stated", str(VR.InheritedFromGroupCell): "inherited"}


@dataclass
class Action:
    iri: str
    text: str = ""
    plan: str = ""
    cell: str = ""
    tiers: set[str] = field(default_factory=set)  # tier IRIs
    leads: set[str] = field(default_factory=set)  # agency or post IRIs


@dataclass
class Strategy:
    """One strategy document of a version: its things are the IRIs under ``space``."""

    key: str  # its short name (dcterms:identifier), else its document's last segment
    document: str
    title: str
    space: str  # the base IRI its things are minted under, with "id/"
    actions: dict[str, Action] = field(default_factory=dict)  # by number
    alignments: dict[tuple[str, str, str], str] = field(default_factory=dict)  # -> node
    principles: set[str] = field(default_factory=set)  # notations
    principle_iris: dict[str, str] = field(default_factory=dict)  # notation -> IRI
    notes: dict[str, str] = field(default_factory=dict)  # note IRI -> its comment
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)  # IRI -> (action, what)
    parts: dict[str, set[str]] = field(default_factory=dict)  # edit IRI -> what exists for it


@dataclass
class Snapshot:
    """What :func:`vrgraph.diff.compare` reads of one version."""

    name: str
    strategies: dict[str, Strategy]
    labels: dict[str, str] = field(default_factory=dict)  # IRI -> how it is shown
    triples: set[ox.Triple] = field(default_factory=set)  # the asserted graph


def snapshot(source: str, project: Project | None = None) -> Snapshot:
    """Read the version named by ``source``: a graph file, a release folder, or a git
    revision of the project's ``data/graph.ttl``; the project's ontology gives the labels
    of its terms (the prevention tiers)."""
    path = Path(source)
    if path.is_dir():
        path = path / "vrgraph.ttl"
        if not path.is_file():
            raise InputError(f"{source}: a folder, but not a release (no vrgraph.ttl in it)")
    if path.is_file():
        st = ox.Store()
        store.add_file(st, path, store.ASSERTED, source)
    elif project is None:
        raise InputError(f"{source}: no such graph file or release folder")
    else:
        st = _from_git(source, project)
    if project is not None and project.ontology.is_file():
        store.add_file(st, project.ontology, store.ONTOLOGY, project.display(project.ontology))
    return read(st, source)


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
    if len(shown.stdout) > bounds.rdf_bytes():
        raise InputError(f"{revision}:{name}: larger than {bounds.size(bounds.rdf_bytes())} "
                         f"(VRGRAPH_MAX_INPUT_MB=N raises the budget)")
    syntax.check_nesting(shown.stdout, f"{revision}:{name}")
    st = ox.Store()
    try:
        st.load(shown.stdout, format=ox.RdfFormat.TURTLE, to_graph=store.ASSERTED)
    except SyntaxError as err:
        raise InputError(f"{revision}:{name}:{err.lineno}: malformed Turtle: {err.msg}") from None
    return st


def _rows(st: ox.Store, query: str) -> list[list[str]]:
    return [[store.lexical(t) or "" for t in row]
            for row in store.solutions(st.query(query, use_default_graph_as_union=True))]


def space_of(document: str) -> str:
    """The IRIs a strategy's things are minted under: its document's IRI up to ``id/``."""
    cut = document.rfind("/id/")
    return document[:cut + 4] if cut >= 0 else document.rsplit("/", 1)[0] + "/"


def read(st: ox.Store, name: str) -> Snapshot:
    """The snapshot of the asserted graph in ``st`` (labels from all its graphs)."""
    strategies: dict[str, Strategy] = {}
    for doc, short, title in sorted(_rows(st, _STRATEGIES)):
        key = short or doc.rstrip("/").rsplit("/", 1)[-1]
        if key in strategies:   # two titles (languages): keep the first, sorted
            continue
        strategies[key] = Strategy(key, doc, title, space_of(doc))
    if not strategies:          # a graph without a strategy document: one of its own
        strategies[""] = Strategy("", "", "", "")
    by_space = sorted(strategies.values(), key=lambda s: (-len(s.space), s.key))
    alone = by_space[0] if len(by_space) == 1 else None

    def owner(iri: str) -> Strategy:
        """The strategy whose IRIs ``iri`` is among (the only one, if there is one)."""
        found = next((s for s in by_space if s.space and iri.startswith(s.space)), alone)
        return found or strategies.setdefault("", Strategy("", "", "", ""))

    for a, number, text, plan, cell, tier, lead in _rows(st, _ACTIONS):
        action = owner(a).actions.setdefault(number, Action(a, text, plan, cell))
        if tier:
            action.tiers.add(tier)
        if lead:
            action.leads.add(lead)
    numbers = {a.iri: n for s in strategies.values() for n, a in s.actions.items()}
    for al, a, principle, mode in _rows(st, _ALIGNMENTS):
        if a in numbers:
            aligned = (numbers[a], principle, MODES.get(mode, mode.rsplit("/", 1)[-1]))
            owner(a).alignments[aligned] = al
    for p, principle in _rows(st, _PRINCIPLES):
        owner(p).principles.add(principle)
        owner(p).principle_iris.setdefault(principle, p)
    for note, comment in _rows(st, _NOTES):
        owner(note).notes[note] = comment
    for edit, a, label, who, when, why, cell in _rows(st, _EDITS):
        owner(a).edits[edit] = (numbers.get(a, a), f"{label} (cell {cell}) by {who}, {when}: "
                                                   f"{why}")
    for edit, part in _rows(st, _EDIT_PARTS):
        for s in strategies.values():
            if edit in s.edits:
                s.parts.setdefault(edit, set()).add(part)
    return Snapshot(name, strategies, _labels(st), {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in st.quads_for_pattern(None, None, None, store.ASSERTED)})


def _labels(st: ox.Store) -> dict[str, str]:
    """How each named thing is shown: its label, and its acronym or notation beside it."""
    names: dict[str, dict[int, str]] = {}
    for s, rank, name in sorted(_rows(st, _NAMES), key=lambda r: (r[0], r[1], r[2])):
        names.setdefault(s, {}).setdefault(int(rank), name)
    out = {}
    for s, found in names.items():
        label = next((found[r] for r in (1, 2, 3) if r in found), "")
        short = found.get(4) or found.get(5) or ""
        out[s] = (f"{label} ({short})" if label and short and short != label
                  else label or short)
    return out
