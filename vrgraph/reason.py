"""Materialise what the ontology implies: stage 5 of the pipeline.

The rules are the OWL 2 RL rules the graph needs (class and property hierarchy, inverses,
two-link property chains, domains and ranges), kept as SPARQL CONSTRUCT files in
``ontology/rules/`` and driven by the ontology's own axioms, so a steward who adds an axiom
gets its entailments without code. They run on Oxigraph to a fixpoint and their results go
to the ``INFERRED`` graph, apart from asserted triples. ``tests/test_reason.py`` proves that
they give the entailments owlrl gives for every ``vr:`` property and class on the real graph.
Spec: https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .store import INFERRED


@dataclass(frozen=True)
class Rule:
    name: str
    query: str

    @property
    def for_validation(self) -> bool:
        """False for a rule marked ``#+ in-validation: false``: its conclusions would make
        the shapes' class checks pass vacuously (a range makes any value a member)."""
        return "#+ in-validation: false" not in self.query


def rules(folder: Path, validation: bool = False) -> list[Rule]:
    """The rule files of ``folder`` in name order; with ``validation``, only those that
    validation may assume."""
    found = [Rule(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]
    return [r for r in found if r.for_validation] if validation else found


def materialise(store: ox.Store, rule_set: list[Rule], max_rounds: int = 20) -> int:
    """Run ``rule_set`` over the union of the store's graphs until nothing new follows.

    Conclusions go to ``INFERRED``; those that were already asserted are dropped at the end,
    so that ``INFERRED`` holds only what reasoning added. Returns its size.
    """
    for _ in range(max_rounds):
        before = len(store)
        for rule in rule_set:
            store.extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED)
                         for t in store.query(rule.query, use_default_graph_as_union=True))
        if len(store) == before:
            store.update(_DROP_ASSERTED)
            return sum(1 for _ in store.quads_for_pattern(None, None, None, INFERRED))
    raise RuntimeError(f"reasoning did not reach a fixpoint in {max_rounds} rounds")


_DROP_ASSERTED = f"""
DELETE {{ GRAPH <{INFERRED.value}> {{ ?s ?p ?o }} }}
WHERE {{ GRAPH <{INFERRED.value}> {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?g != <{INFERRED.value}>) }}"""
