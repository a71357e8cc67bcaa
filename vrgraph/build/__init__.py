"""Turn the source records and the curation into the RDF graph: stage 3 of the pipeline.

The model (IRIs, classes, properties) is documented in ``docs/model.md`` and defined in
``ontology/vrgraph.ttl``. The graph holds only what the document states, what curation adds
(each curated statement points at its curation file and line) and the document's flaws as
data-quality notes, then the steward's edits (``vrgraph.edits``). Inferences (inherited
alignments, inverses) are left to ``vrgraph.reason``. No blank nodes and no timestamps: a
rebuild is byte-identical.

The parts, in the order the graph is built: :mod:`.sections` (sections 1 to 4),
:mod:`.curated` (what curation adds), :mod:`.plans` (section 5), :mod:`.comms`
(appendix 6.1), :mod:`.notes` (data-quality notes); each writes through a
:class:`.builder.Builder`, a :class:`.writer.Writer` (the triples and their Turtle) that
knows the document and its curation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal

from .. import curation as cur
from .. import edits
from .. import source as src
from ..errors import CurationError
from ..namespaces import VR, Base
from . import comms, curated, notes, plans, sections
from .builder import Builder


@dataclass
class Sources:
    """Where the build reads from: the source copy and the curation folder."""

    document: Path
    curation: Path
    root: Path

    @classmethod
    def at(cls, root: Path) -> Sources:
        return cls(root / "data/source/violence-reduction-landscape.md",
                   root / "data/curation", root)


def build_graph(sources: Sources, base: Base = Base()) -> Graph:
    """Read the source and the curation under ``sources`` and return the document graph."""
    doc = src.read(sources.document)
    curation = cur.load(sources.curation, sources.root)
    b = Builder(doc, curation, base)
    sections.document_node(b)
    sections.sections(b)
    sections.vision_and_factors(b)
    sections.footnotes(b)
    sections.principles(b)
    curated.agencies(b)
    plans.plans(b)
    curated.curated_things(b)
    comms.comms_plan(b)
    curated.prose_alignments(b)
    sections.programmes(b)
    notes.notes(b)
    edits.apply(b.g, curation.edits, b.id, curation.agencies, curation.roles)
    _withheld(b.g, curation)
    return b.g


def _withheld(g: Graph, curation: cur.Curation) -> None:
    """The gate the built graph passes: no literal holds a personal name of leads.yaml
    (the rule ``publish`` applies to a release, so nothing personal reaches
    ``data/graph.ttl``)."""
    names = curation.personal
    for s, p, o in g:
        if isinstance(o, Literal) and cur.personal_in(str(o), names):
            where = next((str(v) for v in g.objects(s, VR.curatedIn)), "")
            raise CurationError(f"{where + ': ' if where else ''}the graph would hold "
                                f"the personal name of a private individual listed in "
                                f"data/curation/leads.yaml ({s} {p}); nothing was written")
