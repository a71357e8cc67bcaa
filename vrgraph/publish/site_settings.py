"""How the static site names things (``vrgraph/publish/site.yaml``, read and checked): the
title of each type's index, the types listed first, readable names of borrowed terms, what
each curation file holds, and the columns of an index, each a path of CURIEs
(``^vr:alignmentOf/vr:alignmentTo``, after SPARQL property paths:
https://www.w3.org/TR/sparql11-query/#propertypaths). Data, not code: a data steward edits
the YAML; :mod:`vrgraph.publish.site` renders the pages with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import URIRef
from rdflib.term import Node

from ..errors import InputError
from ..namespaces import PREFIXES
from .release import read_settings

SETTINGS = Path(__file__).with_name("site.yaml")


@dataclass(frozen=True)
class Settings:
    """How the site names things (``publish.site.yaml``)."""

    types: dict[str, str]           # IRI type segment: title of its index
    first: tuple[str, ...]          # the types listed first
    terms: dict[Node, str]          # readable names of borrowed terms
    curation: dict[str, str] = field(default_factory=dict)  # curation file: its records
    indexes: dict[str, Index] = field(default_factory=dict)  # the columns of an index

    def title(self, kind: str) -> str:
        return self.types.get(kind, kind)


@dataclass(frozen=True)
class Column:
    """A column of an index: its heading and the path to its values (steps of property
    IRIs, ``^`` before an inverse step); ``count`` shows how many values there are."""

    heading: str
    path: tuple[tuple[bool, URIRef], ...]
    count: bool = False
    text: tuple[tuple[bool, URIRef], ...] = ()      # a link's text, e.g. skos:notation


@dataclass(frozen=True)
class Index:
    name: str                       # heading of the first column (the link)
    link: tuple[tuple[bool, URIRef], ...]   # path to the link's text; () for the key
    columns: tuple[Column, ...]


def _path(text: str, where: str) -> tuple[tuple[bool, URIRef], ...]:
    """``^vr:alignmentOf/vr:alignmentTo`` as steps; ``key`` as no step."""
    if text == "key":
        return ()
    steps = []
    for step in text.split("/"):
        inverse = step.startswith("^")
        prefix, _, name = step.lstrip("^").partition(":")
        if prefix not in PREFIXES or not name:
            raise InputError(f"{where}: '{text}' is not a path of CURIEs of known prefixes "
                             f"(e.g. ^vr:alignmentOf/vr:alignmentTo)")
        steps.append((inverse, URIRef(str(PREFIXES[prefix]) + name)))
    return tuple(steps)


def _indexes(raw: Any, where: str) -> dict[str, Index]:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: 'indexes' must map types to their columns")
    out = {}
    for kind, spec in raw.items():
        at = f"{where}: indexes: {kind}"
        cols = spec.get("columns") if isinstance(spec, dict) else None
        name = spec.get("name") if isinstance(spec, dict) else None
        if not (isinstance(name, list) and len(name) == 2 and isinstance(cols, list)
                and all(isinstance(c, list) and len(c) in (2, 3) for c in cols)):
            raise InputError(f"{at}: needs 'name: [heading, path]' and 'columns: "
                             f"[[heading, path, (link text path)], ...]'")
        columns = tuple(Column(str(c[0]), _path(str(c[1]).lstrip("#"), at),
                               str(c[1]).startswith("#"),
                               _path(str(c[2]), at) if len(c) == 3 else ())
                        for c in cols)
        out[str(kind)] = Index(str(name[0]), _path(str(name[1]), at), columns)
    return out


@cache
def settings(path: Path = SETTINGS) -> Settings:
    """Read and check ``publish.site.yaml``; raise :class:`InputError` naming the field."""
    where, raw = read_settings(path, "the site settings")
    for key in ("types", "terms"):
        if not isinstance(raw.get(key), dict) or not all(
                isinstance(v, str) and v.strip() for v in raw[key].values()):
            raise InputError(f"{where}: '{key}' must map names to titles")
    first = raw.get("first")
    if not isinstance(first, list) or not all(isinstance(k, str) for k in first):
        raise InputError(f"{where}: 'first' must be a list of types")
    terms: dict[Node, str] = {}
    for curie, label in raw["terms"].items():
        prefix, _, name = str(curie).partition(":")
        if prefix not in PREFIXES or not name:
            raise InputError(f"{where}: terms: '{curie}' is not a CURIE of a known prefix "
                             f"({', '.join(sorted(PREFIXES))})")
        terms[URIRef(str(PREFIXES[prefix]) + name)] = label
    curated = raw.get("curation", {})
    if not isinstance(curated, dict) or not all(isinstance(v, str) for v in curated.values()):
        raise InputError(f"{where}: 'curation' must map curation files to what they hold")
    return Settings({str(k): v for k, v in raw["types"].items()}, tuple(first), terms,
                    {str(k): v for k, v in curated.items()},
                    _indexes(raw.get("indexes", {}), where))
