"""Versioned releases: which version a release follows, and what changed since then.

A release records its version and the version it follows in its marker file
(``.vrgraph-release``: ``previous 0.1.0``). Publishing over a release of another version
compares the two graphs with ``vrgraph.diff`` and writes the change log (``changes.md``, and
a page ``changes.html``); the catalogue says ``dcat:previousVersion`` and ``adms:versionNotes``
(DCAT 3 versioning, https://www.w3.org/TR/vocab-dcat-3/#dataset-versions). Publishing again
the same version of the same graph carries the history over unchanged, so the release stays
byte-identical; the same version of a changed graph is refused: raise ``version`` in
``vrgraph/publish/release.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .. import diff, store
from ..errors import InputError

CHANGES_MD = "changes.md"
CHANGES_PAGE = "changes.html"


@dataclass(frozen=True)
class History:
    """What a release says of its past: the version it follows and its change log."""

    previous: str | None
    notes: str  # adms:versionNotes
    changes: str  # Markdown


def read_marker(folder: Path) -> dict[str, str]:
    """``version``, ``previous`` (and the rest) of the release in ``folder``, if any."""
    try:
        lines = (folder / ".vrgraph-release").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    fields: dict[str, str] = {}
    for line in lines:
        words = line.split()
        if words[:2] == ["vrgraph", "release"] and len(words) >= 5:
            fields["version"] = words[4]
        elif len(words) == 2:
            fields[words[0]] = words[1]
    return fields


def history(folder: Path, version: str, g: Graph) -> History:
    """The history of a release of ``version`` of ``g`` written over ``folder``."""
    old = read_marker(folder)
    new = _snapshot(g, f"version {version}")
    if not old.get("version") or not (folder / "vrgraph.ttl").is_file():
        return History(None, "First release.", f"## Version {version}\n\nFirst release.\n")
    before = diff.snapshot(str(folder / "vrgraph.ttl"))
    before.name = f"version {old['version']}"
    change = diff.compare(before, new)
    if old["version"] == version:
        if not change.equal:
            raise InputError(f"{folder} holds version {version} of a different graph; raise "
                             f"`version` (and `release`) in vrgraph/publish/release.yaml for a "
                             f"new release")
        try:
            kept = (folder / CHANGES_MD).read_text(encoding="utf-8").strip() + "\n"
        except (OSError, UnicodeDecodeError):
            kept = f"## Version {version}\n\nFirst release.\n"
        previous = old.get("previous")
        return History(previous, notes_of(previous, kept), kept)
    notes = summary(change, old["version"])
    heading, _, rest = diff.as_markdown(change).partition("\n")
    return History(old["version"], notes, f"{heading}\n\n{notes}\n{rest}")


def notes_of(previous: str | None, changes: str) -> str:
    """The version notes of a carried-over history: its first summary line."""
    if previous is None:
        return "First release."
    for line in changes.splitlines():
        if line.startswith("Changes since"):
            return line
    return f"Follows version {previous}; see {CHANGES_PAGE}."  # a log written by hand


def summary(change: diff.Change, previous: str) -> str:
    """One sentence: how much changed since ``previous``."""
    parts = [(len(change.actions_added), "action", "added"),
             (len(change.actions_removed), "action", "removed"),
             (len(change.renumbered), "action", "renumbered"),
             (len(change.text_changed), "text", "changed"),
             (len(change.leads_changed), "lead", "changed"),
             (len(change.tier_changed), "tier", "changed"),
             (sum(map(len, change.gained.values())), "alignment", "gained"),
             (sum(map(len, change.lost.values())), "alignment", "lost"),
             (len(change.gaps_opened), "gap", "opened"),
             (len(change.gaps_closed), "gap", "closed"),
             (len(change.notes_added), "quality note", "added"),
             (len(change.notes_resolved), "quality note", "resolved"),
             (len(change.edits_made), "steward's edit", "made"),
             (len(change.edits_withdrawn), "steward's edit", "withdrawn")]
    said = [f"{n} {noun}{'' if n == 1 else 's'} {what}" for n, noun, what in parts if n]
    return (f"Changes since version {previous}: {', '.join(said) or 'none in the graph'}; "
            f"see {CHANGES_PAGE}.")


def markdown_blocks(text: str) -> list[tuple[str, str | list[str]]]:
    """The change log's Markdown as (``h1``..``h6``, heading), (``p``, paragraph) and
    (``ul``, items) blocks, for ``templates/changes.html``."""
    out: list[tuple[str, str | list[str]]] = []
    items: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("- "):
            if items is None:
                items = []
                out.append(("ul", items))
            items.append(line[2:])
            continue
        items = None
        level = len(line) - len(line.lstrip("#"))
        if level and line[level:level + 1] == " ":
            out.append((f"h{min(level, 6)}", line[level + 1:]))
        elif line.strip():
            out.append(("p", line))
    return out


def marker(release_date: str, version: str, base: str, previous: str | None) -> bytes:
    return (f"vrgraph release {release_date} version {version}\nbase {base}\n"
            + (f"previous {previous}\n" if previous else "")).encode("utf-8")


def _snapshot(g: Graph, name: str) -> diff.Snapshot:
    st = ox.Store()
    store.from_rdflib(g, st, store.ASSERTED)
    return diff.read(st, name)
