"""A collection release (``vrgraph publish OUTDIR --data FILE...``): several strategies in one
release, each a dataset of its own beside the dataset of their union.

The strategies are the ``vr:StrategyDocument`` resources of the graph files given, each known
by its short name (``dcterms:identifier``) and minted under a base of its own
(``{base}id/document/{key}``). A triple belongs to the strategy whose ``{base}id/`` its
subject starts with (the longest such base); the triples of no strategy are in the union
only. Each strategy gets its dumps, CSV tables and a site section under
``strategies/{key}/``; its DCAT-AP dataset says who publishes it and what place and years it
covers: from the graph (``dcterms:publisher``), else the release settings' ``strategies:``
entry for its short name, else, for the strategy minted under the release's own base, the
release's publisher and coverage (see ``release.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from ..errors import InputError
from ..namespaces import DCTERMS, RDF, RDFS, SKOS, VR
from .release import SETTINGS, Release, read_settings

ROOT = "strategies/"
INDEX = ROOT + "index.html"
PRINCIPLES = ROOT + "principles.html"
_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class Coverage:
    """What a strategy's dataset says beyond the graph (release settings ``strategies:``)."""

    publisher_name: str = ""
    publisher_type: str = ""
    publisher_type_label: str = ""
    spatial: str = ""
    spatial_label: str = ""
    temporal_start: str = ""
    temporal_end: str = ""


@dataclass(frozen=True)
class Strategy:
    """One strategy of a collection."""

    key: str                     # short name, dcterms:identifier
    title: str
    description: str
    document: URIRef
    base: str
    publisher: URIRef | None     # the agency the graph names, or None: the release's
    coverage: Coverage

    @property
    def root(self) -> str:
        """Its folder in the release."""
        return f"{ROOT}{self.key}/"

    @property
    def dataset(self) -> str:
        """Its dataset's name (``id/dataset/strategy/{key}``)."""
        return f"strategy/{self.key}"

    @property
    def ids(self) -> str:
        return self.base + "id/"


def load_settings(path: Path = SETTINGS) -> dict[str, Coverage]:
    """The ``strategies:`` entries of the release settings, by short name (none: empty)."""
    where, raw = read_settings(path, "the release settings")
    entries = raw.get("strategies") or {}
    if not isinstance(entries, dict):
        raise InputError(f"{where}: 'strategies' must map short names to their publisher and "
                         f"coverage")
    out = {}
    fields = set(Coverage.__dataclass_fields__) - {"temporal_start", "temporal_end"}
    for key, entry in sorted(entries.items(), key=lambda kv: str(kv[0])):
        at = f"{where}: strategies.{key}"
        if not isinstance(entry, dict):
            raise InputError(f"{at}: expected a mapping (publisher_name, spatial, temporal ...)")
        unknown = sorted(set(map(str, entry)) - fields - {"temporal"})
        if unknown:
            raise InputError(f"{at}: unknown setting '{unknown[0]}' (known: "
                             f"{', '.join(sorted(fields | {'temporal'}))})")
        temporal = entry.get("temporal") or {}
        if not isinstance(temporal, dict) or not all(
                _YEAR.match(str(temporal.get(k, ""))) for k in ("start", "end")) and temporal:
            raise InputError(f"{at}.temporal: give start and end as years YYYY")
        spatial = str(entry.get("spatial") or "")
        if spatial and not re.match(r"^https?://\S+$", spatial):
            raise InputError(f"{at}.spatial: must be an http(s) IRI, e.g. an ONS statistical "
                             f"geography")
        out[str(key)] = Coverage(
            **{k: str(entry.get(k) or "").strip() for k in fields},
            temporal_start=str(temporal.get("start", "")),
            temporal_end=str(temporal.get("end", "")))
    return out


def strategies(g: Graph, release_base: str, release: Release,
               settings: dict[str, Coverage]) -> list[Strategy]:
    """The strategies of ``g``, by short name; :class:`InputError` where two cannot be told
    apart (one short name, or one base) or a document is not minted ``{base}id/document/``."""
    out: dict[str, Strategy] = {}
    bases: dict[str, str] = {}
    docs = sorted({d for d in g.subjects(RDF.type, VR.StrategyDocument) if isinstance(d, URIRef)})
    for doc in docs:
        keys = sorted(str(k) for k in g.objects(doc, DCTERMS.identifier))
        if len(keys) > 1:
            raise InputError(f"strategy {doc} has several short names (dcterms:identifier "
                             f"{', '.join(keys)}); give it one")
        key = keys[0] if keys else ""
        base, sep, _ = str(doc).rpartition("id/document/")
        if not sep:
            raise InputError(f"strategy {doc}: its IRI is not {{base}}id/document/NAME, so its "
                             f"things cannot be told from another strategy's; build it with "
                             f"vrgraph build")
        if not _KEY.match(key):
            raise InputError(f"strategy {doc}: its short name (dcterms:identifier) "
                             f"{key!r} is missing or not lowercase letters, digits and hyphens")
        if key in out:
            raise InputError(f"two strategies have the short name {key!r} ({out[key].document} "
                             f"and {doc}); give each its own")
        if base in bases:
            raise InputError(f"strategies {bases[base]!r} and {key!r} are both minted under "
                             f"{base}; build each under a base IRI of its own")
        bases[base] = key
        cover = settings.get(key, Coverage())
        if base == release_base and cover == Coverage():
            cover = Coverage(release.publisher_name, release.publisher_type,
                             release.publisher_type_label, release.spatial,
                             release.spatial_label, release.temporal_start, release.temporal_end)
        publisher = g.value(doc, DCTERMS.publisher)
        out[key] = Strategy(
            key, str(g.value(doc, DCTERMS.title) or key),
            str(g.value(doc, DCTERMS.description) or g.value(doc, DCTERMS.title) or key),
            doc, base, publisher if isinstance(publisher, URIRef) else None, cover)
    unknown = sorted(set(settings) - set(out))
    if unknown:
        raise InputError(f"release settings: strategies.{unknown[0]} names no strategy of the "
                         f"graphs given (they are {', '.join(sorted(out)) or 'none'})")
    if not out:
        raise InputError("the graphs given hold no strategy (no vr:StrategyDocument); build "
                         "one with vrgraph build or vrgraph build --sheet")
    return [out[k] for k in sorted(out)]


def union_release(release: Release, found: list[Strategy]) -> Release:
    """What the catalogue, the union's dataset and the site say of a collection release:
    how many strategies it holds, and which."""
    return replace(release, title=f"{len(found)} violence reduction strategies as linked data",
                   description=f"A collection of {len(found)} violence reduction strategies, "
                   "each a dataset of its own, and their union: " + "; ".join(
                       f"{s.title} ({s.key})" for s in found) + ". Every statement is "
                   "traced to the document or workbook cells it comes from; the names of "
                   "private individuals are withheld.")


class Parts(Mapping[str, Graph]):
    """Each strategy's own triples, by its short name: those whose subject is under its
    ``{base}id/``. They are kept as a list each (a few pointers a triple, beside the
    union's graph); a strategy's :class:`Graph` is made when it is asked for and not kept,
    so that a collection's strategies are published one at a time."""

    def __init__(self, g: Graph, found: list[Strategy]) -> None:
        spaces = sorted(((s.ids, s.key) for s in found), key=lambda p: -len(p[0]))
        self._triples: dict[str, list[tuple[Node, Node, Node]]] = {s.key: [] for s in found}
        for t in g:
            subject = str(t[0])
            owner = next((key for space, key in spaces if subject.startswith(space)), None)
            if owner is not None:
                self._triples[owner].append(t)

    def __getitem__(self, key: str) -> Graph:
        part = Graph()
        for t in self._triples[key]:
            part.add(t)
        return part

    def __iter__(self) -> Iterator[str]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def size(self, key: str) -> int:
        """How many triples strategy ``key`` has (duplicates cannot occur: ``g`` is a set)."""
        return len(self._triples[key])

    def subjects(self, key: str) -> set[Node]:
        return {t[0] for t in self._triples[key]}


def split(g: Graph, found: list[Strategy]) -> Parts:
    """Each strategy's own triples: those whose subject is under its ``{base}id/``."""
    return Parts(g, found)


def publisher_name(g: Graph, s: Strategy, release: Release) -> str:
    """The name of who publishes strategy ``s``."""
    if s.publisher is not None:
        label = g.value(s.publisher, SKOS.prefLabel) or g.value(s.publisher, RDFS.label)
        if label is not None:
            return str(label)
    return s.coverage.publisher_name or release.publisher_name

