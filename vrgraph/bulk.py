"""The reasoned graph built straight into an on-disk store, in bounded memory: stages 4 and 5
at scale (issue 21).

Loading a whole graph into an in-memory store and reasoning over it takes about five times
the file's size in memory (5 GB at 1,000 strategies, 10 M triples). Here the graph files are
read in chunks instead (an N-Triples file is cut at line ends, every :data:`CHUNK_BYTES`;
a file of any other syntax is one chunk, held to the readers' budget as before). Each chunk
is parsed into a small in-memory store, the rules of :mod:`vrgraph.reason` that conclude
from one triple (sub-, equivalent and inverse properties; classes) are applied to it there,
at in-memory speed, and its asserted and inferred triples are handed to the on-disk store's
bulk loader (Oxigraph's ``bulk_load``: sorted files written beside the database, no
transaction holding them in memory). The only rules that join two triples, property chains,
need triples from any chunk: the triples of the chains' links are kept aside (a few per
action) and the chains are closed on those alone at the end. A conclusion is recorded in
``INFERRED`` only when it is not asserted, as :func:`vrgraph.reason.materialise` does: each
chunk checks its own asserted triples, and a last pass removes from ``INFERRED`` what
another chunk asserted. The store then gets the text-evidence matches
(:mod:`vrgraph.evidence`). ``tests/test_bulk.py`` checks the result equals the in-memory
pipeline's, quad for quad, with chunks of a few lines.

Memory is bounded by the chunk (about 200 MB of in-memory store for 64 MB of N-Triples),
the chains' links and the bulk loader's buffers, whatever the size of the graph.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import bounds, evidence, reason
from . import store as st
from .errors import InputError
from .progress import note
from .store import ASSERTED, INFERRED

CHUNK_BYTES = 64 * bounds.MB
"""The N-Triples read and reasoned over at a time (``VRGRAPH_CHUNK_MB`` overrides it)."""

Progress = Callable[[str, float], None]
"""Told each phase's name and the seconds it took (for benchmarks)."""


def chunk_bytes() -> int:
    raw = os.environ.get("VRGRAPH_CHUNK_MB", "")
    try:
        value = float(raw) if raw else 0.0
    except ValueError:
        value = 0.0
    return int(value * bounds.MB) if value > 0 else CHUNK_BYTES


def _lines(path: Path, display: str, size: int) -> Iterator[tuple[bytes, int]]:
    """``path`` (N-Triples) in pieces of about ``size`` bytes cut after a line end, each with
    the number of lines before it; held to the budget of an RDF file
    (:func:`vrgraph.bounds.rdf_bytes`), a UTF-8 byte-order mark dropped."""
    limit = bounds.rdf_bytes()
    with bounds.open_file(path, display, limit, hint=bounds.RDF_HINT) as handle:
        rest, lines, total, first = b"", 0, 0, True
        while True:
            try:
                block = handle.read(size)
            except OSError as err:
                raise InputError(f"{display}: cannot read: {err.strerror or err}") from None
            total += len(block)
            if total > limit:
                raise InputError(f"{display}: larger than the budget of "
                                 f"{bounds.size(limit)} for this input (it grew while it "
                                 f"was read); refused")
            if first:
                block, first = bounds.strip_bom(block, display), False
            if not block:
                if rest:
                    yield rest, lines
                return
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:                        # a line longer than a chunk: read on
                rest = data
                continue
            piece, rest = data[:cut], data[cut:]
            yield piece, lines
            lines += piece.count(b"\n")


def _chunks(path: Path, display: str, ordinal: int) -> Iterator[tuple[ox.Store, bool]]:
    """In-memory stores holding ``path``'s triples in ``ASSERTED``, a chunk at a time, each
    with whether it may hold blank nodes. Oxigraph's loaders give a file's blank nodes new
    names at each call; a blank node of an N-Triples file is one node in every chunk, so a
    chunk that may hold one is parsed keeping its labels, made the file's own
    (``ordinal``)."""
    fmt = st.format_of(path, display)
    if fmt != ox.RdfFormat.N_TRIPLES:
        chunk = ox.Store()
        st.add_file(chunk, path, ASSERTED, display)
        yield chunk, True
        return
    base = path.resolve().as_uri()
    for data, before in _lines(path, display, chunk_bytes()):
        chunk = ox.Store()
        blank = b"_:" in data
        try:
            if blank:
                chunk.extend(_own_blanks(ox.parse(data, format=fmt, base_iri=base), ordinal))
            else:
                chunk.load(data, format=fmt, base_iri=base, to_graph=ASSERTED)
        except SyntaxError as err:
            raise st.malformed(err, display, fmt, data, before) from None
        except MemoryError as err:
            raise st.too_long(err, display, data, before) from None
        yield chunk, blank


def _own_blanks(quads: Iterator[ox.Quad], ordinal: int) -> Iterator[ox.Quad]:
    """``quads`` in ``ASSERTED``, each blank node label prefixed with the file's ``ordinal``
    (so that two files' ``_:b1`` stay two nodes, as when each file is loaded whole)."""
    def own(term: Any) -> Any:
        return ox.BlankNode(f"f{ordinal}x{term.value}") if isinstance(term, ox.BlankNode) \
            else term
    for q in quads:
        yield ox.Quad(own(q.subject), q.predicate, own(q.object), ASSERTED)


class _Builder:
    """What is carried from chunk to chunk: the closed axioms, the chains' links and the
    seconds spent in each phase."""

    def __init__(self, disk: ox.Store, axioms: reason.Axioms) -> None:
        self.disk, self.axioms = disk, axioms
        self.links = {p for _, p1, p2 in axioms.chains for p in (p1, p2)}
        self.aside = ox.Store()            # the chains' links, from every chunk
        self.spent: dict[str, float] = {}

    def timed(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.spent[phase] = self.spent.get(phase, 0.0) + now - since
        return now

    def add(self, chunk: ox.Store, blank: bool) -> None:
        """Reason over ``chunk`` by the one-triple rules; write it to disk; keep its links.
        A chunk that may hold blank nodes is written term by term, keeping their labels
        (the bulk loader would rename them)."""
        start = time.perf_counter()
        reason.materialise(chunk, self.axioms, chains=False)
        start = self.timed(REASONING, start)
        for link in sorted(self.links):
            self.aside.extend(ox.Quad(q.subject, q.predicate, q.object, q.graph_name)
                              for q in chunk.quads_for_pattern(None, ox.NamedNode(link), None))
        if blank:
            self.disk.bulk_extend(chunk)
        else:   # Oxigraph's own output, checked when parsed: leniently, faster
            self.disk.bulk_load(chunk.dump(format=ox.RdfFormat.N_QUADS),
                                format=ox.RdfFormat.N_QUADS, lenient=True)
        self.timed(WRITING, start)

    def close_chains(self) -> None:
        """The chains, closed on their links alone; their conclusions written to disk; and
        what another chunk asserted taken out of ``INFERRED``."""
        start = time.perf_counter()
        if self.axioms.chains:
            reason.materialise(self.aside, self.axioms, chains=True, local=False)
            self.disk.bulk_extend(self.aside.quads_for_pattern(None, None, None, INFERRED))
            self.aside = ox.Store()
        reason.forget_asserted(self.disk, self.axioms)
        self.timed(REASONING, start)


PARSING, REASONING, WRITING = "load (parse)", "reasoning", "write to the store"
MATCHING, COMPACTING = "evidence matches", "compact the store"


def build(disk: ox.Store, files: list[Path], ontology: list[Path], root: Path | None = None,
          progress: Progress | None = None) -> None:
    """Fill the empty on-disk ``disk`` with ``files`` (``ASSERTED``) and ``ontology``
    (``ONTOLOGY``), what they imply (``INFERRED``) and the evidence matches (``DERIVED``):
    the quads :func:`vrgraph.pipeline.load` gives, in bounded memory. Raises
    :class:`InputError` on a file that cannot be read or parsed (file:line:column).
    ``progress`` is told the seconds spent in each phase, at the end."""
    start = time.perf_counter()
    axioms_store = st.load([], ontology, root)
    builder = _Builder(disk, reason.axioms(axioms_store))
    start = builder.timed(PARSING, start)
    builder.add(axioms_store, True)            # the ontology is reasoned over like data
    for ordinal, path in enumerate(files):
        shown = st.display(path, root)
        chunks = _chunks(path, shown, ordinal)
        about = max(1, -(-path.stat().st_size // chunk_bytes()))
        for count in itertools.count(1):
            start = time.perf_counter()
            found = next(chunks, None)
            builder.timed(PARSING, start)
            if found is None:
                break
            note(f"{shown}: chunk {count} of about {about}")
            builder.add(*found)
            del found                           # the chunk's memory, before the next
    builder.close_chains()
    start = time.perf_counter()
    evidence.derive(disk)
    start = builder.timed(MATCHING, start)
    disk.flush()
    disk.optimize()
    builder.timed(COMPACTING, start)
    if progress is not None:
        for phase, seconds in builder.spent.items():
            progress(phase, seconds)
