"""What an exported workbook showed, kept in it: the sheet ``Record`` (``veryHidden`` and
protected in the .xlsx, ``Record.csv`` in a CSV folder), read back by the three-way import
(:mod:`vrgraph.sheet.imports`; issue "Stewards never lose an edit", item 1).

The sheet holds the workbook's format, the strategy it shows (the IRI of its
``vr:StrategyDocument``), the SHA-256 of the source document and of the curation files the
graph was built from, then a copy of every row of sheet Actions as exported (who, when and
why left out). The import compares, for each editable cell, the value at export (here), in
the workbook and in today's graph: only what the steward changed is applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from .. import build
from .. import curation as cur
from ..errors import InputError
from ..namespaces import RDF, VR, Base
from ..project import Project
from . import COLUMNS, Workbook, tables
from .xlsx import Sheet

NAME = "Record"
FORMAT = "vrgraph actions workbook 1"
_META = ("format", "strategy", "source", "curation")
#: The columns of sheet Actions the record keeps (every one but who, when and why).
_SKIP = ("who", "when", "why")


@dataclass
class Record:
    """What a workbook showed when it was exported."""

    strategy: str                         # the strategy document's IRI
    source: str                           # sha256 of the source document
    curation: str                         # sha256 of the curation files
    rows: list[dict[str, str]]            # the Actions rows as exported, by column key

    @property
    def by_number(self) -> dict[str, dict[str, str]]:
        return {row["number"]: row for row in self.rows}


def digest(paths: list[Path]) -> str:
    """The SHA-256 of the files ``paths`` (each name and content), in the order given."""
    h = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        h.update(f"{path.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def sources_digest(document: Path, curation: Path) -> tuple[str, str]:
    """The digests of the source document and of the curation files but ``edits.yaml``
    (the steward's own edits change what the graph holds, not which graph it is)."""
    files = sorted(p for p in curation.glob("*.yaml") if p.name != "edits.yaml")
    return digest([document]), digest(files)


def sheet(record: Record, keys: list[str]) -> Sheet:
    """The record as a sheet: four rows ``key, value``, then the Actions columns ``keys``
    (who, when, why left out) and the rows as exported."""
    kept = [k for k in keys if k not in _SKIP]
    meta = [["format", FORMAT], ["strategy", record.strategy], ["source", record.source],
            ["curation", record.curation]]
    out = Sheet(NAME, ["key", "value"], meta)
    out.rows.append(kept)
    out.rows += [[row.get(k, "") for k in kept] for row in record.rows]
    return out


def read(rows: list[list[str]], where: str) -> Record:
    """The record from the rows of its sheet (header first); :class:`InputError` if it is
    not one this version wrote."""
    redo = "export the workbook again (`vrgraph sheet export`) and redo the edits in it"
    meta = {r[0]: r[1] for r in rows[1:5] if len(r) >= 2}
    if not rows or rows[0][:2] != ["key", "value"] or meta.get("format") != FORMAT \
            or set(meta) != set(_META) or len(rows) < 6:
        raise InputError(f"{where}: its record of what was exported is missing or altered "
                         f"(sheet {NAME}); {redo}")
    keys = [k for k in rows[5] if k]
    records = [dict(zip(keys, (r + [""] * len(keys))[:len(keys)])) for r in rows[6:] if any(r)]
    if "number" not in keys or any(not r["number"] for r in records):
        raise InputError(f"{where}: its record of what was exported is altered (sheet "
                         f"{NAME}); {redo}")
    return Record(meta["strategy"], meta["source"], meta["curation"], records)


def strategy_of(g: Graph) -> str:
    """The IRI of the strategy document ``g`` holds (the first by IRI)."""
    return min((str(s) for s in g.subjects(RDF.type, VR.StrategyDocument)), default="")


def roles(project: Project) -> dict[str, str]:
    """The roles of ``data/curation/roles.yaml``, id -> label (the curation checked)."""
    sources = build.Sources.at(project.root)
    return {k: str(e["label"]) for k, e in
            cur.load(sources.curation, sources.root).roles.items()}


def export(project: Project, base: Base) -> tuple[Workbook, Graph]:
    """The workbook of the project's build with ``base``, its record of what it shows
    included, and the graph."""
    project.need_sources("vrgraph sheet export")
    sources = build.Sources.at(project.root)
    g = build.build_graph(sources, base)
    book = tables(g, roles(project))
    source, curation = sources_digest(sources.document, sources.curation)
    keys = [c.key for c in COLUMNS]
    shown = Record(strategy_of(g), source, curation, [dict(zip(keys, r)) for r in
                                                       book.actions.rows])
    book.record = sheet(shown, keys)
    return book, g
