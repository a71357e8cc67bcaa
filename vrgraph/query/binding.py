"""A canned query's parameters bound as typed RDF terms, through Oxigraph's
``substitutions``, never spliced into the text. A value that names nothing in the graph is
refused with the valid values listed; where the graph holds several strategies, a value such
as an action number is looked up within the strategy the ``strategy`` parameter names, and
a query that needs one refuses to guess: never the first match in the store's order.
Spec: https://www.w3.org/TR/sparql11-query/#inline-data ; README, "Several strategies".
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from ..errors import QueryError
from ..store import Bindings, Queryable
from ..text import natural
from .canned import CannedQuery, Param
from .lookups import LOOKUPS, lookup
from .strategies import Strategy, choose_strategy, strategies, strategy_of, within


def allowed_values(store: Queryable, kind: str, strategy: Strategy | None = None,
                   among: list[Strategy] | None = None) -> list[tuple[ox.NamedNode, str, str]]:
    """(node, key, label) of every resource a parameter of ``kind`` may name (within
    ``strategy``, one of ``among``, if given)."""
    among = among if among is not None else (strategies(store) if strategy else [])
    return sorted((t for t in lookup(store, kind) if within(t[0], strategy, among)),
                  key=lambda t: (natural(t[1]), t[0].value))


def bind_value(store: Queryable, param: Param, raw: str, strategy: Strategy | None = None,
               among: list[Strategy] | None = None) -> ox.NamedNode | ox.Literal:
    """Turn a user's value into the RDF term the query expects; a resource is looked up
    within ``strategy`` (one of ``among``, the graph's strategies) if given, and must
    otherwise be one strategy's."""
    if param.type == "string":
        if param.one_of is None or raw.strip().lower() == (param.default or "").lower():
            return ox.Literal(raw)
        return ox.Literal(_one_of(store, param, param.one_of, raw, strategy, among))
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise QueryError(f"parameter '{param.name}': {raw!r} is not a whole number")
        return ox.Literal(raw.strip(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if param.type == "iri":
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", raw):
            raise QueryError(f"parameter '{param.name}': {raw!r} is not an http(s) IRI")
        return ox.NamedNode(raw)
    wanted = raw.strip().lower()
    among = among if among is not None else strategies(store)
    # the first match in natural key order, then IRI order, as in the listing below (matched
    # before sorting: with a hundred documents, sorting every candidate cost more than the
    # query itself)
    matches = [t for t in lookup(store, param.type, wanted) if within(t[0], strategy, among)]
    shown_raw = raw if len(raw) <= 60 else raw[:57] + "..."
    if strategy is None and len(among) > 1:
        owners = sorted({s.key for t in matches if (s := strategy_of(t[0].value, among))},
                        key=natural)
        if len(owners) > 1:
            raise QueryError(f"parameter '{param.name}': {shown_raw!r} names a {param.type} of "
                             f"{len(owners)} strategies ({', '.join(owners[:60])}); say which "
                             f"with the parameter 'strategy'")
    if matches:
        return min(matches, key=lambda t: (natural(t[1]), t[0].value))[0]
    candidates = allowed_values(store, param.type, strategy, among)
    shown = ", ".join(key for _, key, _ in candidates[:60])
    more = f" and {len(candidates) - 60} more" if len(candidates) > 60 else ""
    where = f"strategy '{strategy.key}'" if strategy and len(among) > 1 else "the graph"
    raise QueryError(f"parameter '{param.name}': {shown_raw!r} names no {param.type} in {where}; "
                     f"valid values: {shown}{more}")


_NOUNS = {"flaw-kind": "kind of flaw",
          "note-about": "action, principle, plan, section or agency of the graph"}


def _one_of(store: Queryable, param: Param, kind: str, raw: str, strategy: Strategy | None,
            among: list[Strategy] | None) -> str:
    """``raw`` where it is the key or label of something of ``kind``, the key where it
    names one by IRI or the IRI's last segment (``RowSplit`` is ``row-split``), else a
    :class:`QueryError` that suggests the closest keys."""
    import difflib

    wanted = raw.strip().lower()
    among = among if among is not None else []
    found = [(key, label) for node, key, label in lookup(store, kind, wanted)
             if not among or within(node, strategy, among)]
    if found:  # as given where the query can match it so (a key or label), else the key
        said = any(wanted in (key.lower(), label.lower()) for key, label in found)
        return raw if said else min((key for key, _ in found), key=natural)
    names = allowed_values(store, kind, strategy, among or None)
    keys = sorted({key for _, key, _ in names}, key=natural)
    spelled = {name.lower(): key for _, key, label in names for name in (key, label)}
    close = [spelled[m] for m in difflib.get_close_matches(wanted, spelled, n=3, cutoff=0.6)]
    hint = f" (did you mean {' or '.join(dict.fromkeys(close))}?)" if close else ""
    shown = ", ".join(keys[:60]) + (f" and {len(keys) - 60} more" if len(keys) > 60 else "")
    default = f"; {param.default} for every one" if param.default else ""
    raw_shown = raw if len(raw) <= 60 else raw[:57] + "..."
    raise QueryError(f"parameter '{param.name}': {raw_shown!r} names no "
                     f"{_NOUNS.get(kind, kind)}{hint}; valid values: {shown}{default}")


def bind(store: Queryable, query: CannedQuery, values: dict[str, str]) -> Bindings:
    """The RDF terms of ``query``'s parameters from a user's ``values`` (by name; a left-out
    one takes its default): a strategy chosen first, each resource looked up within it."""
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        raise QueryError(f"query '{query.name}' has no parameter {unknown[0]!r}; its parameters: "
                         f"{', '.join(sorted(known)) or 'none'}")
    looked_up = [p for p in query.params if p.type in LOOKUPS]
    among = strategies(store) if looked_up else []
    chosen = None
    for p in looked_up:
        if p.type == "strategy":
            chosen = choose_strategy(among, p, values.get(p.name, p.default), query.name)
    bound: Bindings = {}
    for p in query.params:
        if p.type == "strategy":
            if chosen is not None:
                bound[ox.Variable(p.name)] = ox.Literal(chosen.key)
            continue
        raw = values.get(p.name, p.default)
        if raw is None:
            raise QueryError(f"query '{query.name}' needs parameter '{p.name}' ({p.type}): "
                             f"give it with -p {p.name} VALUE")
        bound[ox.Variable(p.name)] = bind_value(store, p, raw, chosen, among)
    return bound
