"""Synthetic boroughs for scale tests: N documents shaped like the real one.

Borough ``k`` (1..N) is the built graph (``data/graph.ttl``) with every instance IRI moved
from ``{base}id/...`` to ``{base}b{k}/id/...`` (vocabulary, ontology and other IRIs kept), and
a few deterministic differences so that no two boroughs are the same document:

* up to 3 stated alignments dropped (the ``vr:Alignment`` resource and the action's
  ``vr:statedAlignment``; only alignments nothing else refers to, so no dangling links),
* up to 3 ``vr:ledBy`` links dropped and up to 2 added (an agency or post that already leads
  some action of the borough is given to another action as an extra lead),
* the document's ``dcterms:title`` says which borough it is, and its short name
  (``dcterms:identifier``, the strategy column of the canned queries) gets ``-b{k}``
  (``hackney-b3``), so that each borough is a strategy of its own; the ``void:uriSpace``
  the graph records is the borough's.

Each borough is thus the document as ``vrgraph build --base-iri {base}b{k}/`` would mint it.
(Not ``{base}id/b{k}/...``: the shapes check ``{base}id/{type}/{key}``, see
``docs/model.md``, and would report every instance IRI of that layout as malformed, so a
validation benchmark would time error reporting.)

The choices come from ``random.Random`` seeded with ``(seed, k)``, so the output depends only
on the input graph, N and the seed: a rerun is byte-identical. The output is N-Triples,
which is also valid Turtle, so a ``.ttl`` name works as well.

    python -m vrgraph.synthetic N OUT.nt [--seed S] [--graph data/graph.ttl]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from .namespaces import DCTERMS, DEFAULT_BASE, RDF, VR
from .store import Term

_MARK = "\x00"  # stands for "b{k}/" in a line template; N-Triples escapes a real NUL
_BNODE_MARK = "\x01"  # stands for "b{k}x" in a blank node label (boroughs must not share one)
_TYPE = ox.NamedNode(str(RDF.type))
_ALIGNMENT = ox.NamedNode(str(VR.Alignment))
_MODE = ox.NamedNode(str(VR.alignmentMode))
_STATED = ox.NamedNode(str(VR.StatedOnRow))
_OF = ox.NamedNode(str(VR.alignmentOf))
_TO = ox.NamedNode(str(VR.alignmentTo))
_STATED_ALIGNMENT = ox.NamedNode(str(VR.statedAlignment))
_LED_BY = ox.NamedNode(str(VR.ledBy))
_TITLE = ox.NamedNode(str(DCTERMS.title))
_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))
_DOCUMENT_CLASS = ox.NamedNode(str(VR.StrategyDocument))


@dataclass(frozen=True)
class Variation:
    """What borough ``k`` does differently from the real document (indices into the base
    triples, and added ``(action, lead)`` pairs)."""

    borough: int
    dropped: frozenset[int]
    added_leads: tuple[tuple[ox.NamedNode, ox.NamedNode], ...]


class Generator:
    """Turns one built graph into boroughs. ``base`` is the graph's base IRI; borough ``k``
    gets ``{base}b{k}/``."""

    def __init__(self, graph: Path, base: str = DEFAULT_BASE, seed: int = 0) -> None:
        self.base = base.rstrip("/") + "/"
        self.prefix = self.base + "id/"
        self.seed = seed
        self.triples = [q.triple for q in ox.parse(path=str(graph), format=_format(graph))]
        self.lines = [self._template(t) for t in self.triples]
        self._index()

    # -- the base graph, read once --------------------------------------------------------------
    def _term(self, term: Term) -> str:
        if isinstance(term, ox.NamedNode) and term.value.startswith(self.prefix):
            return f"<{self.base}{_MARK}{term.value[len(self.base):]}>"
        if isinstance(term, ox.BlankNode):
            return f"_:{_BNODE_MARK}{term.value}"
        if isinstance(term, ox.Literal) and term.value == self.prefix:  # the void:uriSpace
            return str(term).replace(self.prefix, f"{self.base}{_MARK}id/")
        return str(term)

    def _template(self, t: ox.Triple) -> str:
        return f"{self._term(t.subject)} {self._term(t.predicate)} {self._term(t.object)} .\n"

    def _index(self) -> None:
        by_subject: dict[object, list[int]] = {}
        referenced: set[object] = set()
        for i, t in enumerate(self.triples):
            by_subject.setdefault(t.subject, []).append(i)
            if not isinstance(t.object, ox.Literal):
                referenced.add(t.object)
        position = {(t.subject, t.predicate, t.object): i for i, t in enumerate(self.triples)}
        self.alignments: list[frozenset[int]] = []
        for node, rows in by_subject.items():
            props = {(self.triples[i].predicate, self.triples[i].object) for i in rows}
            if (_TYPE, _ALIGNMENT) not in props or (_MODE, _STATED) not in props \
                    or node in referenced:
                continue
            action = next(o for p, o in props if p == _OF)
            principle = next(o for p, o in props if p == _TO)
            stated = position.get((action, _STATED_ALIGNMENT, principle))
            self.alignments.append(frozenset(rows + ([stated] if stated is not None else [])))
        self.leads = [i for i, t in enumerate(self.triples) if t.predicate == _LED_BY]
        self.actions = sorted({self.triples[i].subject for i in self.leads}, key=str)
        self.lead_nodes = sorted({self.triples[i].object for i in self.leads}, key=str)
        led = {(self.triples[i].subject, self.triples[i].object) for i in self.leads}
        self._led = led
        documents = {t.subject for t in self.triples
                     if t.predicate == _TYPE and t.object == _DOCUMENT_CLASS}
        self.titles = [i for i, t in enumerate(self.triples)
                       if t.subject in documents and t.predicate in (_TITLE, _IDENTIFIER)]

    # -- boroughs -------------------------------------------------------------------------------
    def variation(self, k: int) -> Variation:
        rng = random.Random(f"vrgraph-synthetic:{self.seed}:{k}")
        dropped: set[int] = set()
        for group in rng.sample(self.alignments, min(rng.randint(0, 3), len(self.alignments))):
            dropped |= group
        dropped.update(rng.sample(self.leads, min(rng.randint(0, 3), len(self.leads))))
        added: list[tuple[ox.NamedNode, ox.NamedNode]] = []
        for _ in range(rng.randint(0, 2)):
            action, lead = rng.choice(self.actions), rng.choice(self.lead_nodes)
            if (action, lead) not in self._led and (action, lead) not in added:
                added.append((action, lead))
        return Variation(k, frozenset(dropped), tuple(added))

    def borough_text(self, k: int) -> str:
        """Borough ``k`` as N-Triples text."""
        v = self.variation(k)
        lines = self.lines
        if self.titles:
            lines = list(lines)
            for i in self.titles:
                t = self.triples[i]
                text = f"{t.object.value}-b{k}" if t.predicate == _IDENTIFIER else \
                    f"{t.object.value} (synthetic borough {k})"
                title = ox.Literal(text, language=t.object.language) if t.object.language \
                    else ox.Literal(text, datatype=t.object.datatype)
                lines[i] = f"{self._term(t.subject)} {t.predicate} {title} .\n"
        parts = [line for i, line in enumerate(lines) if i not in v.dropped]
        parts.extend(f"{self._term(a)} {_LED_BY} {self._term(b)} .\n" for a, b in v.added_leads)
        return "".join(parts).replace(_MARK, f"b{k}/").replace(_BNODE_MARK, f"b{k}x")

    def write(self, out: IO[str], n: int) -> None:
        for k in range(1, n + 1):
            out.write(self.borough_text(k))

    def triples_of(self, n: int) -> Iterator[ox.Triple]:
        """The N boroughs' triples (parsed back from the text, for in-memory use)."""
        for k in range(1, n + 1):
            for q in ox.parse(self.borough_text(k), format=ox.RdfFormat.N_TRIPLES):
                yield q.triple


def _format(path: Path) -> ox.RdfFormat:
    return ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE


def write(graph: Path, out: Path, n: int, seed: int = 0, base: str = DEFAULT_BASE) -> int:
    """Write ``n`` boroughs made from ``graph`` to ``out``; returns the number of lines
    (triples) written."""
    gen = Generator(graph, base, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for k in range(1, n + 1):
            text = gen.borough_text(k)
            count += text.count("\n")
            handle.write(text)
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of boroughs (documents)")
    parser.add_argument("out", type=Path, help="output file (.nt, or .ttl: same content)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--graph", type=Path,
                        default=Path(__file__).resolve().parent.parent / "data/graph.ttl")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("n must be at least 1")
    count = write(args.graph, args.out, args.n, args.seed)
    print(f"wrote {args.out}: {args.n} boroughs, {count} triples")


if __name__ == "__main__":
    main()
