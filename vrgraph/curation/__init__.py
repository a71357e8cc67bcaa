"""Load the data steward's curation files (``data/curation/*.yaml``): stage 2 of the pipeline.

Curation holds what the document implies but does not state cleanly: the agency glossary,
the lead cells resolved to agencies and posts, interventions, target groups, places,
timeframes, evidence terms, prevention tiers and corrections; and the edits a steward made
in the workbook (``edits.yaml``, written by ``vrgraph sheet import``). The model is
documented in ``docs/model.md``. Every entry keeps the file and line it came from, so that
an error, and the graph, can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CurationError, located
from . import read as curation_read
from .read import Read


@dataclass
class Entry:
    """One curation entry: its fields, the file and the line it starts on, and the line of
    each of its fields."""

    data: dict[str, Any]
    path: str
    line: int
    lines: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def error(self, message: str, name: str | None = None) -> CurationError:
        """``FILE:LINE: name: message``, at the line of field ``name`` where given."""
        line = self.lines.get(name, self.line) if name else self.line
        return CurationError(located(self.path, line, f"{name}: {message}" if name else message))


@dataclass
class Curation:
    agencies: dict[str, Entry] = field(default_factory=dict)
    leads: dict[str, Entry] = field(default_factory=dict)
    interventions: list[Entry] = field(default_factory=list)
    target_groups: list[Entry] = field(default_factory=list)
    places: list[Entry] = field(default_factory=list)
    timeframes: list[Entry] = field(default_factory=list)
    corrections: dict[str, list[Entry]] = field(default_factory=dict)
    principles: dict[str, Entry] = field(default_factory=dict)
    tiers: dict[str, Entry] = field(default_factory=dict)
    roles: dict[str, Entry] = field(default_factory=dict)
    edits: list[Entry] = field(default_factory=list)

    @property
    def personal(self) -> list[str]:
        """The names of private individuals (``personal:`` entries of leads.yaml), longest
        first."""
        names = {str(n).strip() for e in self.leads.values() for n in e.get("personal") or []}
        return sorted((n for n in names if n), key=lambda n: (-len(n), n))


def personal_in(text: str, names: list[str]) -> str | None:
    """The first of ``names`` that ``text`` holds, ignoring case (the rule ``publish``
    applies to every file of a release, run also at import and build); ``None`` if none."""
    folded = text.casefold()
    return next((n for n in names if n.casefold() in folded), None)


def _entries(got: Read, keyed: bool = False, at: tuple[str, ...] = ()) -> list[Entry]:
    """The entries of a file checked against its schema: a list of mappings, or with
    ``keyed`` a mapping of key -> mapping (the key becomes the entry's ``key``); ``at`` is
    the path of the list inside the file."""
    raw = got.data
    for step in at:
        raw = raw.get(step) if isinstance(raw, dict) else None
    if raw is None:
        return []
    items = raw.items() if keyed else enumerate(raw)
    out = []
    for key, value in items:
        path = (*at, key)
        fields = {name: got.line((*path, name, "")) for name in value}
        data = {"key": str(key), **value} if keyed else dict(value)
        out.append(Entry(data, got.display, got.line(path), fields))
    return out


def _by_id(entries: list[Entry]) -> dict[str, Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        ident = entry["id"]
        if ident in seen:
            raise entry.error(f"{ident!r} is already used at {seen[ident].where}", "id")
        seen[ident] = entry
    return seen


def load(folder: Path, display_root: Path | None = None) -> Curation:
    """Load and check every curation file in ``folder``.

    Checks here are the ones a file can fail on its own: encoding, size, syntax, the
    schema of each file (``schema.yaml``: fields, types, slugs), unique ids,
    references between curation files. References to the document (action numbers,
    source lines) are checked by the builder.
    """
    def read(name: str) -> Read:
        path = folder / f"{name}.yaml"
        root = display_root or folder.parent.parent
        try:
            display = str(path.relative_to(root))
        except ValueError:
            display = str(path)
        return curation_read.read(path, display, name)

    cur = Curation()
    cur.agencies = _by_id(_entries(read("agencies")))
    for entry in cur.agencies.values():
        parent = entry.get("parent")
        if parent is not None and parent not in cur.agencies:
            raise entry.error(f"{parent!r} is not an id in agencies.yaml", "parent")
    for entry in _entries(read("leads"), keyed=True):
        for lead in entry["leads"]:
            if lead not in cur.agencies:
                raise entry.error(f"{lead!r} of action {entry['key']} is not an id in "
                                  f"agencies.yaml; add it there or correct the id", "leads")
        cur.leads[entry["key"]] = entry
    cur.interventions = list(_by_id(_entries(read("interventions"))).values())
    cur.target_groups = list(_by_id(_entries(read("target-groups"))).values())
    cur.places = list(_by_id(_entries(read("places"))).values())
    cur.timeframes = list(_by_id(_entries(read("timeframes"))).values())
    corrections = read("corrections")
    cur.corrections = {group: _entries(corrections, at=(group,))
                       for group in corrections.data or {}}
    cur.principles = {e["key"]: e for e in _entries(read("principles"), keyed=True)}
    cur.tiers = {e["key"]: e for e in _entries(read("prevention-tiers"), keyed=True)}
    if (folder / "roles.yaml").exists():       # the steward's roles: optional
        cur.roles = _by_id(_entries(read("roles")))
        for entry in cur.roles.values():
            if personal_in(str(entry["label"]), cur.personal):
                raise entry.error("holds the personal name of a private individual listed "
                                  "in leads.yaml; a role is never a person's name", "label")
    if (folder / "edits.yaml").exists():       # the steward's sheet edits: optional
        cur.edits = _entries(read("edits"))
        for entry in cur.edits:
            if entry["who"] not in cur.roles:
                known = ", ".join(cur.roles) or "none: add roles.yaml"
                raise entry.error(f"{entry['who']!r} is not a role of roles.yaml ({known})",
                                  "who")
            found = personal_in(str(entry["why"]), cur.personal)
            if found is not None:
                raise entry.error("holds the personal name of a private individual listed "
                                  "in leads.yaml; it would be published: reword it", "why")
    return cur
