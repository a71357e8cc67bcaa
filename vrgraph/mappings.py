"""Principle mappings across strategies (issue 20): what a principle of one strategy means in
another, or in a reference scheme the user supplies as SKOS, said with SKOS's mapping
properties (https://www.w3.org/TR/skos-reference/#mapping): ``skos:exactMatch``,
``closeMatch``, ``broadMatch`` (the target is broader), ``narrowMatch`` (it is narrower).

A steward enters them in a strategy's workbook (sheet Principles, column Matches:
``close hackney:SP3; broad https://example.org/ref/safety``) or in a mapping file, a YAML
list checked against its JSON Schema (``mappings`` in ``vrgraph/curation/schema.yaml``) that
``vrgraph map`` turns into a graph to give with ``--data``. A target is the IRI of a concept,
or ``SHORT-NAME:ID``, a principle of a strategy of the graphs given (``hackney:SP3``). The
shapes check what no reader can see alone (``ontology/shapes.ttl``: a mapping leads to a
concept, never to a principle of the same strategy); the canned queries ``reference-*``
compare the strategies through them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from .errors import InputError, VrgraphError, located
from .namespaces import DCTERMS, PROV, SKOS, VR
from .project import Project
from .store import Queryable, solutions
from .text import natural

#: The words a steward may write, and the SKOS property each stands for.
RELATIONS = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch, "broad": SKOS.broadMatch,
             "narrow": SKOS.narrowMatch}
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_TARGETS = f"""SELECT ?concept ?notation ?key WHERE {{
  ?concept a <{SKOS.Concept}> .
  OPTIONAL {{ ?concept a <{VR.Principle}> ; <{SKOS.notation}> ?notation ;
                       <{PROV.wasDerivedFrom}>/<{DCTERMS.isPartOf}>/<{DCTERMS.identifier}> ?key }}
}} ORDER BY ?concept ?key ?notation"""


def relation(word: str) -> URIRef | None:
    """The SKOS property of ``exact``, ``close``, ``broad`` or ``narrow`` (or its SKOS name,
    ``closeMatch``, ``skos:closeMatch``), any case; else None."""
    key = word.strip().lower().removeprefix("skos:").removesuffix("match")
    return RELATIONS.get(key)


class Targets:
    """What a mapping may point at in a set of graphs: every ``skos:Concept`` by its IRI,
    and every strategy's principle as ``SHORT-NAME:ID`` too."""

    def __init__(self, st: Queryable) -> None:
        self.concepts: set[str] = set()
        self.principles: dict[str, str] = {}
        for row in solutions(st.query(_TARGETS, use_default_graph_as_union=True)):
            iri = row[0].value
            self.concepts.add(iri)
            if row[1] is not None and row[2] is not None:
                self.principles[f"{row[2].value.lower()}:{row[1].value.upper()}"] = iri

    def resolve(self, text: str) -> str:
        """The IRI a target names; :class:`InputError` saying what would be right."""
        text = text.strip()
        if _IRI.match(text):
            return text            # a concept of a scheme not given yet: the shapes say so
        key, sep, ident = text.partition(":")
        found = self.principles.get(f"{key.lower()}:{ident.upper().replace(' ', '')}")
        if sep and found:
            return found
        keys = sorted({k.split(":")[0] for k in self.principles})
        mine = sorted((k for k in self.principles if k.startswith(key.lower() + ":")),
                      key=lambda k: (":EP" in k, natural(k)))
        hint = (f"{key} has {', '.join(k.split(':')[1] for k in mine)}" if mine else
                f"the strategies given are {', '.join(keys) or 'none'}")
        raise InputError(f"no principle {text!r}: write SHORT-NAME:ID (hackney:SP3) of a "
                         f"strategy of the graphs given, or a concept's http(s) IRI; {hint}")


@dataclass(frozen=True)
class Mapping:
    source: str       # the principle's IRI
    relation: URIRef  # a SKOS mapping property
    target: str       # the IRI it maps to


def parse_cell(text: str) -> list[tuple[URIRef, str]]:
    """``close hackney:SP3; broad https://...`` as (property, target text) pairs;
    :class:`InputError` for a part that is not ``RELATION TARGET``."""
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        word, _, target = part.partition(" ")
        prop = relation(word)
        if prop is None or not target.strip():
            raise InputError(f"{part!r} is not a mapping: write exact, close, broad or narrow "
                             f"and the principle it maps to (close hackney:SP3)")
        out.append((prop, target.strip()))
    return out


def read_file(path: Path, display: str, targets: Targets) -> list[Mapping]:
    """The mappings of a mapping file; errors read ``FILE:LINE: field: what is wrong``."""
    from .curation import read as curation_read

    got = curation_read.read(path, display, "mappings")
    out = []
    for i, entry in enumerate(got.data or []):
        def at(field: str, message: str, i: int = i) -> InputError:
            return InputError(located(display, got.line((i, field)), f"{field}: {message}"))
        ends = []
        for field in ("principle", "to"):
            try:
                ends.append(targets.resolve(str(entry[field])))
            except InputError as err:
                raise at(field, str(err)) from None
        prop = relation(str(entry["relation"]))
        if prop is None:               # the schema lists the words: kept in step by a test
            raise at("relation", "write exact, close, broad or narrow")
        out.append(Mapping(ends[0], prop, ends[1]))
    return out


def graph(mappings: list[Mapping]) -> Graph:
    """The mappings as triples, with the SKOS prefix bound."""
    g = Graph()
    g.bind("skos", str(SKOS))
    for m in mappings:
        g.add((URIRef(m.source), m.relation, URIRef(m.target)))
    return g


def build_checked(project: Project, path: Path, files: list[Path]) -> tuple[bytes, int]:
    """The Turtle of the mapping file at ``path``, its targets resolved in the graphs
    ``files`` (default: the built graph), and how many mappings it holds. The mappings must
    pass the shapes with those graphs: a violation is an :class:`InputError` naming it."""
    import tempfile

    from .build.writer import serialise
    from .pipeline import load, validate_files

    files = files or [project.graph]
    targets = Targets(load(project, files))
    found = read_file(path, project.display(path), targets)
    data = serialise(graph(found))
    with tempfile.TemporaryDirectory(prefix="vrgraph-map-") as tmp:
        written = Path(tmp) / "mappings.ttl"
        written.write_bytes(data)
        report, short = validate_files(project, [*files, written])
    bad = sorted({f"{short(r.focus)}: {r.message}" for r in report.results
                  if r.severity == "Violation"})
    if bad:
        raise MappingError(f"{project.display(path)}: the mappings break the shapes, nothing "
                           f"written:\n" + "\n".join(bad))
    return data, len(found)


class MappingError(VrgraphError):
    """Mappings that break the shapes (exit 1, as a validation that fails)."""

    exit_code = 1
