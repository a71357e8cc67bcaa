"""Load the data steward's curation files (``data/curation/*.yaml``): stage 2 of the pipeline.

Curation holds what the document implies but does not state cleanly: the agency glossary,
the lead cells resolved to agencies and posts, interventions, target groups, places,
timeframes, evidence terms, prevention tiers and corrections. The model is documented in
``docs/model.md``. Every entry keeps the file and line it came from, so that an error, and
the graph, can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CurationError, located

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
AGENCY_KINDS = ("organisation", "unit", "board", "partnership", "post")
TIERS = ("primary", "secondary", "tertiary")


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line of every mapping as ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=True)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass
class Entry:
    """One curation entry: its fields, the file and the line it starts on."""

    data: dict[str, Any]
    path: str
    line: int

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def error(self, message: str) -> CurationError:
        return CurationError(located(self.path, self.line, message))


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


def _read(path: Path, display: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CurationError(f"{display}: curation file is missing") from None
    except (OSError, UnicodeDecodeError) as err:
        raise CurationError(f"{display}: cannot read: {err}") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        raise CurationError(located(display, mark.line + 1 if mark else None,
                                    f"malformed YAML: {problem}",
                                    mark.column + 1 if mark else None)) from None


def _entries(raw: Any, display: str, keyed: bool = False) -> list[Entry]:
    """A YAML list of mappings, or with ``keyed`` a mapping of key -> mapping."""
    if keyed:
        if not isinstance(raw, dict):
            raise CurationError(f"{display}: expected a mapping of keys to entries")
        items = [(k, v) for k, v in raw.items() if k != "__line__"]
        out = []
        for key, value in items:
            if not isinstance(value, dict):
                raise CurationError(located(display, raw.get("__line__"),
                                            f"entry {key!r} is not a mapping"))
            value = {"key": str(key), **value}
            out.append(Entry(value, display, value.pop("__line__")))
        return out
    if not isinstance(raw, list):
        raise CurationError(f"{display}: expected a list of entries")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise CurationError(f"{display}: every entry must be a mapping, found {item!r}")
        line = item.pop("__line__")
        out.append(Entry(item, display, line))
    return out


def _require(entry: Entry, *names: str) -> None:
    for name in names:
        if entry.get(name) in (None, ""):
            raise entry.error(f"entry lacks '{name}'; every entry needs {', '.join(names)}")


def _by_id(entries: list[Entry]) -> dict[str, Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        _require(entry, "id", "label", "reason")
        ident = str(entry["id"])
        if not SLUG.match(ident):
            raise entry.error(f"id {ident!r} is not a lowercase slug like 'young-hackney'")
        if ident in seen:
            raise entry.error(f"id {ident!r} is already used at {seen[ident].where}")
        seen[ident] = entry
    return seen


def load(folder: Path, display_root: Path | None = None) -> Curation:
    """Load and check every curation file in ``folder``.

    Checks here are the ones a file can fail on its own: syntax, required fields, slugs,
    unique ids, references between curation files. References to the document (action
    numbers, source lines) are checked by the builder.
    """
    def display(name: str) -> str:
        path = folder / f"{name}.yaml"
        root = display_root or folder.parent.parent
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)

    def read(name: str, keyed: bool = False) -> list[Entry]:
        return _entries(_read(folder / f"{name}.yaml", display(name)), display(name), keyed)

    cur = Curation()
    cur.agencies = _by_id(read("agencies"))
    for entry in cur.agencies.values():
        if entry.get("kind") not in AGENCY_KINDS:
            raise entry.error(f"kind must be one of {', '.join(AGENCY_KINDS)}")
        parent = entry.get("parent")
        if parent is not None and parent not in cur.agencies:
            raise entry.error(f"parent {parent!r} is not an id in agencies.yaml")
    for entry in read("leads", keyed=True):
        _require(entry, "reason")
        for lead in entry.get("leads") or []:
            if lead not in cur.agencies:
                raise entry.error(f"lead {lead!r} of action {entry['key']} is not an id in "
                                  f"agencies.yaml; add it there or correct the id")
        cur.leads[entry["key"]] = entry
    cur.interventions = list(_by_id(read("interventions")).values())
    cur.target_groups = list(_by_id(read("target-groups")).values())
    cur.places = list(_by_id(read("places")).values())
    cur.timeframes = list(_by_id(read("timeframes")).values())
    corrections = _read(folder / "corrections.yaml", display("corrections"))
    if not isinstance(corrections, dict):
        raise CurationError(f"{display('corrections')}: expected a mapping of lists")
    cur.corrections = {k: _entries(v, display("corrections")) for k, v in corrections.items()
                       if k != "__line__"}
    for entries in cur.corrections.values():
        for entry in entries:
            _require(entry, "reason")
    cur.principles = {e["key"]: e for e in read("principles", keyed=True)}
    for entry in read("prevention-tiers", keyed=True):
        _require(entry, "tiers", "reason")
        tiers = entry["tiers"]
        if not isinstance(tiers, list) or not set(tiers) <= set(TIERS):
            raise entry.error(f"tiers must be a list of {', '.join(TIERS)}")
        cur.tiers[entry["key"]] = entry
    return cur
