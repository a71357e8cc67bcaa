"""The strategies of a graph: each a ``vr:StrategyDocument`` whose things are minted under
its own base IRI (``{base}id/``, see ``docs/model.md``), named by its short name
(``dcterms:identifier``). A parameter is looked up within the strategy the query's
``strategy`` parameter names; with several and none named, a query refuses to guess
(README, "Several strategies"). The short names and spaces are also the prefixes every
output writes (:func:`strategy_spaces`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import QueryError
from ..store import Queryable
from ..text import natural
from .canned import Param
from .lookups import lookup


@dataclass(frozen=True)
class Strategy:
    """A strategy of the graph: its document, short name and title."""

    node: ox.NamedNode
    key: str
    label: str

    @property
    def space(self) -> str | None:
        """Where its things are minted, ``{base}id/``, read off its document's IRI
        (``{base}id/document/{slug}``, see ``docs/model.md``); None for another form."""
        at = self.node.value.rfind("/id/document/")
        return self.node.value[:at + 4] if at >= 0 else None


def strategies(store: Queryable) -> list[Strategy]:
    """The strategies of the graph, by short name (then IRI)."""
    found: dict[str, Strategy] = {}
    for node, key, label in lookup(store, "strategy"):
        seen = found.get(node.value)
        if seen is None or label < seen.label:  # a document with two titles: the first
            found[node.value] = Strategy(node, key, label)
    return sorted(found.values(), key=lambda s: (natural(s.key), s.node.value))


def strategy_of(iri: str, among: list[Strategy]) -> Strategy | None:
    """The strategy whose IRI space holds ``iri`` (the longest, if one base lies inside
    another)."""
    best = None
    for s in among:
        space = s.space
        if space and iri.startswith(space) and (best is None or len(space) > len(best.space or "")):
            best = s
    return best


def within(node: ox.NamedNode, strategy: Strategy | None, among: list[Strategy]) -> bool:
    """Whether ``node`` is a thing of ``strategy`` (one of ``among``); any node is, with no
    strategy or a graph of one."""
    return strategy is None or len(among) <= 1 or strategy_of(node.value, among) == strategy


def keys(among: list[Strategy]) -> str:
    """The short names of ``among``, the first 60 of them, as a message lists them."""
    shown = ", ".join(s.key for s in among[:60])
    return shown + (f" and {len(among) - 60} more" if len(among) > 60 else "")


def choose_strategy(among: list[Strategy], param: Param, raw: str | None, query: str
                    ) -> Strategy | None:
    """The strategy ``raw`` names (its short name, title or IRI, in any case); without
    ``raw``, the graph's only strategy. Several strategies and none named is an error that
    lists them, never a guess."""
    if raw is None:
        if len(among) > 1:
            raise QueryError(f"query '{query}' needs parameter '{param.name}': the graph holds "
                             f"{len(among)} strategies; choose one: {keys(among)}")
        return among[0] if among else None
    wanted = raw.strip().lower()
    found = [s for s in among if wanted in (s.key.lower(), s.label.lower(), s.node.value.lower())]
    shown = raw if len(raw) <= 60 else raw[:57] + "..."
    if not found:
        raise QueryError(f"parameter '{param.name}': {shown!r} names no strategy in the graph; "
                         f"valid values: {keys(among) or 'none (the graph holds no strategy)'}")
    if len(found) > 1:
        raise QueryError(f"parameter '{param.name}': {shown!r} names {len(found)} strategies "
                         f"({', '.join(s.node.value for s in found)}); give the IRI of one")
    return found[0]


def strategy_spaces(store: Queryable) -> list[tuple[str, str]]:
    """``(short name, {base}id/)`` of each strategy of ``store`` minted
    ``{base}id/document/`` (:attr:`Strategy.space`), sorted; where two documents share a
    space, the short name of the first by IRI. What the prefixes of a strategy's things are
    made of (:func:`vrgraph.namespaces.strategy_prefixes`), for a query and for the outputs
    that shorten IRIs alike."""
    out: dict[str, str] = {}
    for s in sorted(strategies(store), key=lambda s: s.node.value):
        if s.space:
            out.setdefault(s.space, s.key)
    return sorted((key, space) for space, key in out.items())
