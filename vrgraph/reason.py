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


def rules(folder: Path) -> list[Rule]:
    """The rule files of ``folder``, in name order."""
    return [Rule(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


def materialise(store: ox.Store, rule_set: list[Rule], max_rounds: int = 20) -> int:
    """Run ``rule_set`` over the union of the store's graphs until nothing new follows.

    Returns the number of triples added to ``INFERRED``.
    """
    added = 0
    for _ in range(max_rounds):
        new: list[ox.Quad] = []
        for rule in rule_set:
            for t in store.query(rule.query, use_default_graph_as_union=True):
                if not any(store.quads_for_pattern(t.subject, t.predicate, t.object)):
                    new.append(ox.Quad(t.subject, t.predicate, t.object, INFERRED))
        if not new:
            return added
        before = len(store)
        store.extend(new)
        added += len(store) - before
    raise RuntimeError(f"reasoning did not reach a fixpoint in {max_rounds} rounds")
