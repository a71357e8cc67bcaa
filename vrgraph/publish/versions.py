"""Versioned releases: every version kept, the version it follows, and what changed.

A release records its version, release date and the version it follows in its marker file
(``.vrgraph-release``: ``previous 0.1.0``). Each version stays reachable in every later
release: its dumps under ``version/V/`` (carried over from the release it replaces), listed
in ``version/versions.json`` (newest first) and on the index page ``version/index.html``;
each has a page of its own at ``doc/dataset/graph/version/V.html`` (and its description in
Turtle, JSON-LD, N-Triples and RDF/XML beside it), where its IRI ``id/dataset/graph/version/V``
dereferences. The catalogue says ``dcat:hasVersion`` for each version (a ``dcat:Dataset`` with
its distributions), ``dcat:previousVersion`` and ``adms:versionNotes`` (DCAT 3 versioning,
https://www.w3.org/TR/vocab-dcat-3/#dataset-versions).

Publishing over a release of another version compares the two graphs with ``vrgraph.diff``
and puts its change log on top of the earlier ones (``changes.md``, the page ``changes.html``:
cumulative, newest first, action numbers linked to their pages). Publishing again the same
version of the same graph carries the history over unchanged, so the release stays
byte-identical. Refused (exit 2), each naming the settings file used: the same version of a
changed graph (raise ``version``), and a raised version that keeps the release date of the
version it follows (set ``release`` to the new date: the catalogue's dates come from there).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF
from rdflib.term import Node

from .. import bounds, diff, store
from ..errors import InputError
from ..namespaces import DCAT, DCTERMS, RDF, XSD
from .release import Release

CHANGES_MD = "changes.md"
CHANGES_PAGE = "changes.html"
FOLDER = "version"
REGISTER = "version/versions.json"
INDEX = "version/index.html"
ADMS = "http://www.w3.org/ns/adms#"
SPDX = "http://spdx.org/rdf/terms#"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
# the triples of the graph dataset a version does not share (its own are added)
_OWN = {DCTERMS.title, DCTERMS.description, DCTERMS.identifier, DCAT.distribution,
        DCTERMS.issued, DCTERMS.modified, URIRef(str(DCAT) + "version"),
        URIRef(str(DCAT) + "hasVersion"), URIRef(str(DCAT) + "previousVersion"),
        URIRef(ADMS + "versionNotes"), DCAT.landingPage}
_DIST_OWN = {DCTERMS.title, DCAT.accessURL, DCAT.downloadURL, DCAT.byteSize,
             URIRef(SPDX + "checksum"), DCTERMS.issued, DCTERMS.modified}


@dataclass(frozen=True)
class Version:
    version: str
    release: str  # YYYY-MM-DD
    notes: str


@dataclass(frozen=True)
class History:
    """What a release says of its past: the version it follows, its change log (Markdown,
    newest first), every version (newest first, this one included) and the files of the
    earlier ones (``version/V/...``)."""

    previous: str | None
    notes: str  # adms:versionNotes
    changes: str
    versions: tuple[Version, ...] = ()
    kept: dict[str, bytes] = field(default_factory=dict)


def read_marker(folder: Path) -> dict[str, str]:
    """``version``, ``release``, ``previous`` (and the rest) of the release in ``folder``."""
    try:
        lines = (folder / ".vrgraph-release").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    fields: dict[str, str] = {}
    for line in lines:
        words = line.split()
        if words[:2] == ["vrgraph", "release"] and len(words) >= 5:
            fields["release"], fields["version"] = words[2], words[4]
        elif len(words) == 2:
            fields[words[0]] = words[1]
    return fields


def _check(release: Release) -> None:
    """The version names a folder of the release: a plain name."""
    if not _VERSION.match(release.version):
        raise InputError(f"{release.settings}: 'version' must be letters, digits and . _ + - "
                         f"(at most 64), not {release.version!r}: it names a folder of the "
                         f"release")


def first(release: Release) -> History:
    """The history of a first release."""
    _check(release)
    entry = f"## Version {release.version}, released {release.release}\n\nFirst release.\n"
    return History(None, "First release.", entry,
                   (Version(release.version, release.release, "First release."),))


def history(folder: Path, release: Release, g: Graph,
            link: Callable[[str], str | None] | None = None) -> History:
    """The history of a release of ``release.version`` of ``g`` written over ``folder``;
    ``link`` gives the page of an action, for the change log."""
    _check(release)
    version = release.version
    old = read_marker(folder)
    if not old.get("version") or not (folder / "vrgraph.ttl").is_file():
        return first(release)
    before = diff.snapshot(str(folder / "vrgraph.ttl"))
    before.name = f"version {old['version']}"
    change = diff.compare(before, _snapshot(g, f"version {version}"))
    past = _register(folder, old)
    kept = _kept(folder, old["version"])
    if old["version"] == version:
        if not change.equal:
            raise InputError(f"{folder} holds version {version} of a different graph; raise "
                             f"`version` (and `release`) in {release.settings} for a new "
                             f"release")
        try:
            log = (folder / CHANGES_MD).read_text(encoding="utf-8").strip() + "\n"
        except (OSError, UnicodeDecodeError):
            log = first(release).changes
        previous = old.get("previous")
        notes = notes_of(previous, log)
        return History(previous, notes, log, _versions(past, Version(version, release.release,
                                                                     notes)), kept)
    if any(v.version == version for v in past):
        raise InputError(f"{release.settings}: version {version} was published before "
                         f"({folder}/{FOLDER}/{version}/ keeps it) and {folder} holds version "
                         f"{old['version']} now; raise `version` (and `release`) for a new "
                         f"release")
    if old.get("release") == release.release:
        raise InputError(f"{release.settings}: version {version} follows version "
                         f"{old['version']} but keeps its release date {release.release}; set "
                         f"`release` to the date of version {version} (the catalogue's "
                         f"dates come from it)")
    notes = summary(change, old["version"])
    _, _, rest = diff.as_markdown(change, link).partition("\n")
    try:
        earlier = (folder / CHANGES_MD).read_text(encoding="utf-8").strip() + "\n"
    except (OSError, UnicodeDecodeError):
        earlier = ""
    entry = f"## Version {version}, released {release.release}\n\n{notes}\n{rest}"
    return History(old["version"], notes, entry.rstrip() + "\n" + ("\n" + earlier if earlier
                                                                    else ""),
                   _versions(past, Version(version, release.release, notes)), kept)


def _versions(past: list[Version], now: Version) -> tuple[Version, ...]:
    return (now, *(v for v in past if v.version != now.version))


def _register(folder: Path, old: dict[str, str]) -> list[Version]:
    """The versions the release in ``folder`` lists (newest first); a release made before
    versions were kept lists its own."""
    path = folder / REGISTER
    try:
        raw = json.loads(bounds.read(path, str(path), bounds.TEXT_BYTES))
        return [Version(str(v["version"]), str(v["release"]), str(v["notes"])) for v in raw
                if _VERSION.match(str(v["version"]))]
    except (InputError, OSError, ValueError, TypeError, KeyError):
        return [Version(old["version"], old.get("release", ""), "")]


def _kept(folder: Path, old: str) -> dict[str, bytes]:
    """The files of earlier versions in ``folder`` (``version/V/...``); a release made
    before versions were kept gives its own dumps as ``version/OLD/``."""
    out: dict[str, bytes] = {}
    root = folder / FOLDER
    if root.is_dir() and not root.is_symlink():
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and not path.is_symlink() and rel.count("/") >= 2:
                out[rel] = bounds.read_rdf(path, rel)
    if not any(k.startswith(f"{FOLDER}/{old}/") for k in out):
        for name in KEPT:
            path = folder / name
            if path.is_file() and not path.is_symlink():
                out[f"{FOLDER}/{old}/{name}"] = bounds.read_rdf(path, name)
    return out


KEPT = ("vrgraph.ttl", "vrgraph.nt", "vrgraph.jsonld", "vrgraph.rdf", "vrgraph.nq",
        "context.jsonld", "ontology/vrgraph.ttl", "ontology/shapes.ttl")


def version_files(past: History, files: Mapping[str, bytes]) -> Iterator[tuple[str, bytes]]:
    """The files of ``version/``, one by one: the earlier versions' as they were, this
    version's dumps (copies of ``files``), and the register of versions."""
    now = past.versions[0].version if past.versions else None
    for path, data in past.kept.items():
        if now is None or not path.startswith(f"{FOLDER}/{now}/"):
            yield path, data
    if now is not None:
        for name in KEPT:
            if name in files:
                yield f"{FOLDER}/{now}/{name}", files[name]
    yield REGISTER, (json.dumps([v.__dict__ for v in past.versions], indent=2,
                                ensure_ascii=False) + "\n").encode("utf-8")


def node(base: str, version: str) -> URIRef:
    return URIRef(f"{base}id/dataset/graph/version/{version}")


def describe(cat: Graph, base: str, past: History, files: Mapping[str, bytes]) -> None:
    """Each version in the catalogue: ``dcat:hasVersion`` of the graph dataset, a
    ``dcat:Dataset`` sharing its publisher, coverage and themes, with its own title, notes,
    dates, previous version and distributions (the dumps under ``version/V/``, described as
    the current ones are)."""
    graph = URIRef(base + "id/dataset/graph")
    shared = [(p, o) for p, o in cat.predicate_objects(graph) if p not in _OWN]
    title = cat.value(graph, DCTERMS.title)
    by_url = {str(u): d for d, u in cat.subject_objects(DCAT.downloadURL)}
    index = URIRef(base + INDEX)
    cat.add((index, RDF.type, FOAF.Document))
    cat.add((index, DCTERMS.title, Literal("Versions of the release", lang="en")))
    for i, v in enumerate(past.versions):
        ds = node(base, v.version)
        cat.add((graph, URIRef(str(DCAT) + "hasVersion"), ds))
        for p, o in shared:
            cat.add((ds, p, o))
        cat.add((ds, DCTERMS.title, Literal(f"{title}, version {v.version}", lang="en")))
        when = f"released {v.release}" if v.release else "its release date not recorded"
        cat.add((ds, DCTERMS.description, Literal(
            f"Version {v.version} of the graph, {when}. {v.notes}".strip(), lang="en")))
        cat.add((ds, URIRef(str(DCAT) + "version"), Literal(v.version)))
        cat.add((ds, URIRef(ADMS + "versionNotes"), Literal(v.notes or "Not recorded.",
                                                            lang="en")))
        cat.add((ds, DCAT.landingPage, index))
        if v.release:
            for p in (DCTERMS.issued, DCTERMS.modified):
                cat.add((ds, p, Literal(v.release, datatype=XSD.date)))
        if i + 1 < len(past.versions):
            cat.add((ds, URIRef(str(DCAT) + "previousVersion"),
                     node(base, past.versions[i + 1].version)))
        for name in KEPT:
            path = f"{FOLDER}/{v.version}/{name}"
            current = by_url.get(base + name)
            if path in files and current is not None:
                _distribution(cat, ds, current, base, path, files[path], v)


def _distribution(cat: Graph, ds: URIRef, like: Node, base: str, path: str, data: bytes,
                  v: Version) -> None:
    """A distribution of ``ds`` for the file ``path``, described as ``like`` is."""
    d = URIRef(f"{base}id/distribution/{path}")
    cat.add((ds, DCAT.distribution, d))
    for p, o in list(cat.predicate_objects(like)):
        if p not in _DIST_OWN:
            cat.add((d, p, o))
    name = path.rsplit("/", 1)[-1]
    cat.add((d, DCTERMS.title, Literal(f"{name}, version {v.version}", lang="en")))
    for p in (DCAT.accessURL, DCAT.downloadURL):
        cat.add((d, p, URIRef(base + path)))
    cat.add((d, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
    checksum = URIRef(f"{d}/checksum")
    cat.add((d, URIRef(SPDX + "checksum"), checksum))
    cat.add((checksum, RDF.type, URIRef(SPDX + "Checksum")))
    for algorithm in cat.objects(cat.value(like, URIRef(SPDX + "checksum")),
                                 URIRef(SPDX + "algorithm")):   # as the current dumps say
        cat.add((checksum, URIRef(SPDX + "algorithm"), algorithm))
    cat.add((checksum, URIRef(SPDX + "checksumValue"),
             Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))
    if v.release:
        for p in (DCTERMS.issued, DCTERMS.modified):
            cat.add((d, p, Literal(v.release, datatype=XSD.date)))


def index_markdown(past: History, files: Mapping[str, bytes]) -> str:
    """The index of versions (release paths as links, for ``templates/changes.html``)."""
    out = ["# Versions", "", f"Every version of this release, newest first; what changed "
                             f"in each: [the change log]({CHANGES_PAGE}).", ""]
    for v in past.versions:
        out += [f"## [Version {v.version}](doc/dataset/graph/version/{v.version}.html)"
                + (f", released {v.release}" if v.release else ""), ""]
        if v.notes:
            out += [v.notes, ""]
        out += [f"- [{name}]({FOLDER}/{v.version}/{name}) ({len(files[path])} bytes)"
                for name in KEPT if (path := f"{FOLDER}/{v.version}/{name}") in files]
        out.append("")
    return "\n".join(out)


def version_markdown(v: Version, files: Mapping[str, bytes], previous: str | None) -> str:
    """The page of one version (release paths as links)."""
    out = [f"Released {v.release}." if v.release else "Release date not recorded.", ""]
    if v.notes:
        out += [v.notes, ""]
    if previous:
        out += [f"It follows [version {previous}](doc/dataset/graph/version/{previous}.html).",
                ""]
    out += ["## Its files", ""]
    out += [f"- [{name}]({FOLDER}/{v.version}/{name})" for name in KEPT
            if f"{FOLDER}/{v.version}/{name}" in files]
    out += ["", f"All versions: [the index]({INDEX}); what changed: [the change log]"
                f"({CHANGES_PAGE})."]
    return "\n".join(out) + "\n"


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
    per = list(change.strategies.values())

    def total(get: Callable[[diff.StrategyChange], Any]) -> int:
        return sum(len(get(sc)) for sc in per)

    parts = [(len(change.strategies_added), "strategy", "added"),
             (len(change.strategies_removed), "strategy", "removed"),
             (total(lambda c: c.actions_added), "action", "added"),
             (total(lambda c: c.actions_removed), "action", "removed"),
             (total(lambda c: c.renumbered), "action", "renumbered"),
             (total(lambda c: c.text_changed), "text", "changed"),
             (total(lambda c: c.leads_changed), "lead", "changed"),
             (total(lambda c: c.tier_changed), "tier", "changed"),
             (sum(len(p) for c in per for p in c.gained.values()), "alignment", "gained"),
             (sum(len(p) for c in per for p in c.lost.values()), "alignment", "lost"),
             (total(lambda c: c.gaps_opened), "gap", "opened"),
             (total(lambda c: c.gaps_closed), "gap", "closed"),
             (total(lambda c: c.notes_added), "quality note", "added"),
             (total(lambda c: c.notes_resolved), "quality note", "resolved"),
             (total(lambda c: c.edits_made), "steward's edit", "made"),
             (total(lambda c: c.edits_withdrawn), "steward's edit", "withdrawn"),
             (sum(len(g.added) for g in change.statements), "other statement", "added"),
             (sum(len(g.removed) for g in change.statements), "other statement", "removed")]
    said = [f"{n} {_plural(noun, n)} {what}" for n, noun, what in parts if n]
    return (f"Changes since version {previous}: {', '.join(said) or 'none in the graph'}; "
            f"see {CHANGES_PAGE}.")


def _plural(noun: str, n: int) -> str:
    if n == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") and not noun.endswith("'s edit") else noun + "s"


_LINK = re.compile(r"\[([^\]]*)\]\(([A-Za-z0-9._~/-]+(?:#[A-Za-z0-9._-]+)?)\)")


def _segments(text: str) -> list[tuple[str, str | None]]:
    """Text with its Markdown links to release paths as (text, path) pairs; any other link
    (a scheme, ``..``, a leading ``/``) stays text."""
    out: list[tuple[str, str | None]] = []
    at = 0
    for m in _LINK.finditer(text):
        href = m.group(2)
        if href.startswith("/") or ".." in href.split("/"):
            continue
        if m.start() > at:
            out.append((text[at:m.start()], None))
        out.append((m.group(1), href))
        at = m.end()
    if at < len(text) or not out:
        out.append((text[at:], None))
    return out


Segments = list[tuple[str, str | None]]


def markdown_blocks(text: str) -> list[tuple[str, Segments | list[Segments]]]:
    """The change log's Markdown as (``h1``..``h6``, heading), (``p``, paragraph) and
    (``ul``, items) blocks, for ``templates/changes.html``; each text a list of (text,
    release path or None) segments."""
    out: list[tuple[str, Segments | list[Segments]]] = []
    items: list[Segments] | None = None
    for line in text.splitlines():
        if line.startswith("- "):
            if items is None:
                items = []
                out.append(("ul", items))
            items.append(_segments(line[2:]))
            continue
        items = None
        level = len(line) - len(line.lstrip("#"))
        if level and line[level:level + 1] == " ":
            out.append((f"h{min(level, 6)}", _segments(line[level + 1:])))
        elif line.strip():
            out.append(("p", _segments(line)))
    return out


def marker(release_date: str, version: str, base: str, previous: str | None) -> bytes:
    return (f"vrgraph release {release_date} version {version}\nbase {base}\n"
            + (f"previous {previous}\n" if previous else "")).encode("utf-8")


def _snapshot(g: Graph, name: str) -> diff.Snapshot:
    st = ox.Store()
    store.from_rdflib(g, st, store.ASSERTED)
    return diff.read(st, name)
