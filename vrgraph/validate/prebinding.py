"""SHACL-SPARQL's pre-binding (Appendix A, https://www.w3.org/TR/shacl/#pre-binding): the
rules a query must keep for its potentially pre-bound variables, and the pre-binding itself,
by values insertion: part of stage 6.

A query that breaks the rules (MINUS, VALUES, SERVICE, ``AS $this``, a sub-query that does
not return ``$this``) is refused, as a ``ShapeError``. :func:`once_is_enough` decides where
evaluating a query once with ``$this`` free, keeping the solutions at focus nodes, provably
gives what pre-binding ``$this`` to each focus node gives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from .. import sparql_guard
from .. import store as st
from ..namespaces import SH
from ..sparql_guard import GuardError, guard
from .shapes import ShapeError, name_of


def vet_all(shapes: Graph) -> None:
    """Check every SPARQL query of the shapes graph against the pre-binding rules, the
    ones no engine here runs as well (pySHACL would send a SERVICE query to the network)."""
    for key in (SH.select, SH.ask):
        for node, text in shapes.subject_objects(key):
            vet(str(text), f"the SPARQL query of {name_of(node)}", key == SH.ask)


def vet(text: str, where: str, ask: bool, parameters: Sequence[str] = ()) -> str:
    """``text`` without its strings and IRIs, once it is known to keep SHACL's pre-binding
    rules (https://www.w3.org/TR/shacl/#pre-binding) for its potentially pre-bound
    variables ($this, $shapesGraph, $currentShape, $value in an ASK query, ``parameters``)
    and to stay off the network (decided by ``sparql_guard`` on the tokens Oxigraph reads,
    for either engine)."""
    try:
        guard(text, where)
    except GuardError as err:
        raise ShapeError(str(err)) from None
    bare = blank_out(text)
    for keyword, why in (("MINUS", "MINUS"), ("VALUES", "VALUES"),
                         ("SERVICE", "SERVICE (queries never reach the network)")):
        if keyword == "SERVICE" and sparql_guard._TEST_ONLY_OFF:
            continue
        if re.search(rf"\b{keyword}\b", bare, re.I):
            raise ShapeError(f"{where} uses {why}, which SHACL's pre-binding forbids "
                             "(https://www.w3.org/TR/shacl/#pre-binding)")
    prebound = ["this", "shapesGraph", "currentShape", *(["value"] if ask else []), *parameters]
    bound = re.search(r"(?i:\bAS)\s+[?$](" + "|".join(prebound) + r")\b", bare)
    if bound:  # AS is a keyword in any case, variable names are case-sensitive
        raise ShapeError(f"{where} binds ${bound.group(1)} with AS, which SHACL's pre-binding "
                         "forbids (https://www.w3.org/TR/shacl/#pre-binding)")
    returned = [n for n in prebound if n not in ("shapesGraph", "currentShape")
                and (n == "this" or re.search(rf"[?$]{n}\b", bare))]
    for sub in list(re.finditer(r"\bSELECT\b", bare, re.I))[1:]:
        returns = projection(bare[sub.start():])
        missing = [n for n in returned if not re.search(rf"[?$]{n}\b", returns)]
        if missing:
            raise ShapeError(f"{where} has a sub-query that does not return "
                             f"{', '.join('$' + n for n in missing)} by name (SELECT * "
                             "returns only what its own patterns bind), which SHACL's "
                             "pre-binding forbids (https://www.w3.org/TR/shacl/#pre-binding)")
    return bare


def projection(bare: str) -> str:
    """What the first SELECT of ``bare`` returns: the text up to its WHERE or ``{``."""
    span = _projected(bare)
    return "" if span is None else bare[span[0]:span[1]]


def _projected(bare: str) -> tuple[int, int] | None:
    """Where the first SELECT of ``bare`` says what it returns: from after the keyword (and
    DISTINCT or REDUCED) to its WHERE or ``{``; None without a SELECT."""
    head = re.search(r"\bSELECT\b(\s+(?:DISTINCT|REDUCED)\b)?", bare, re.I)
    if head is None:
        return None
    end = re.search(r"\bWHERE\b|\{", bare[head.end():], re.I)
    return head.end(), head.end() + (end.start() if end else 0)


def blank_out(text: str) -> str:
    """The query with its comments, strings and IRIs blanked out (keywords and variables
    cannot be there), each character in its place."""
    return re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'
                  r"'(?:[^'\\\n]|\\.)*'|<[^<>\s]*>|#[^\n]*",
                  lambda m: " " * len(m.group(0)), text)


def prebind(query: str, bindings: Mapping[str, st.Term]) -> tuple[str, st.Bindings]:
    """``query`` with ``bindings`` pre-bound as SHACL defines it, by values insertion
    (https://www.w3.org/TR/shacl/#pre-binding): a ``VALUES`` row of the IRIs and literals
    joined at the start of every group pattern (so BIND, FILTER and sub-queries see them
    bound); and Oxigraph's substitutions for blank nodes, which no query text can name.
    Returns (query text, substitutions)."""
    bare = blank_out(query)
    named = {n: t for n, t in bindings.items() if not isinstance(t, ox.BlankNode)
             and re.search(rf"[?$]{n}\b", bare)}
    blank = sorted(n for n, t in bindings.items() if isinstance(t, ox.BlankNode))
    if named:
        row = (f" VALUES ({' '.join('?' + n for n in named)}) "
               f"{{ ({' '.join(str(t) for t in named.values())}) }} ")
        starts = [m.end() for m in re.finditer(r"\{", bare)
                  if not re.match(r"\s*SELECT\b", bare[m.end():], re.I)]
        for at in reversed(starts):
            query = query[:at] + row + query[at:]
    if blank:
        query = _returning(_bound(query, blank), blank)
    return query, {ox.Variable(n): bindings[n] for n in blank}


def _bound(query: str, names: list[str]) -> str:
    """``BOUND($x)`` as ``true`` for each pre-bound ``x``: a pre-bound variable is bound,
    but Oxigraph reads BOUND of a variable no pattern binds as false before it substitutes."""
    bare = blank_out(query)
    spans = [m.span() for n in names
             for m in re.finditer(rf"\bBOUND\s*\(\s*[?$]{n}\s*\)", bare, re.I)]
    for start, end in sorted(spans, reverse=True):
        query = query[:start] + "true" + query[end:]
    return query


def _returning(query: str, names: list[str]) -> str:
    """``query`` with the pre-bound variables ``names`` added to what its SELECT returns:
    Oxigraph substitutes only returned variables, and a variable bound to one term adds
    no solutions. A query that groups must return them itself."""
    bare = blank_out(query)
    span = _projected(bare)
    if span is None:
        return query  # ASK: Oxigraph substitutes any variable
    returns = bare[span[0]:span[1]]
    if returns.strip() == "*":
        return query
    missing = [n for n in names if not re.search(rf"[?$]{n}\b", returns)]
    if missing and re.search(r"\bGROUP\s+BY\b|\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(",
                             bare, re.I):
        raise ShapeError(f"vrgraph cannot pre-bind {', '.join('$' + n for n in missing)} in a "
                         "query that groups or aggregates unless its SELECT returns them")
    return query[:span[0]] + "".join(f" ?{n}" for n in missing) + query[span[0]:]


def once_is_enough(query: str) -> bool:
    """Whether running ``query`` once with ``$this`` free, keeping the solutions whose
    ``?this`` is a focus node, gives what pre-binding ``$this`` to each gives: ``?this``
    is returned, bound by a pattern, and every FILTER, BIND or OPTIONAL condition that
    reads it stands over a pattern that binds it; no sub-query, aggregate, UNION branch
    or EXISTS reads it otherwise. When unsure (rdflib cannot parse it), no."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # rdflib's parser is stricter than Oxigraph's in places
        return False
    this = Variable("this")
    if this not in (algebra.get("PV") or []):
        return False
    pattern = algebra.p
    while getattr(pattern, "name", None) in ("Project", "Distinct", "Reduced", "OrderBy",
                                             "Slice"):
        pattern = pattern.p
    return _binds(pattern, this) and _safe(pattern, this)


def _mentions(node: object, var: Variable) -> bool:
    if node == var:
        return True
    if isinstance(node, dict):
        return any(_mentions(v, var) for v in node.values())
    if isinstance(node, (list, tuple, set)):
        return any(_mentions(v, var) for v in node)
    return False


def _binds(p: object, var: Variable) -> bool:
    """Whether a pattern of rdflib's SPARQL algebra binds ``var``."""
    if not isinstance(p, CompValue):
        return False
    name = p.name
    if name == "BGP":
        return any(var in t for t in p.triples)
    if name == "Join":
        return _binds(p.p1, var) or _binds(p.p2, var)
    if name == "LeftJoin":
        return _binds(p.p1, var)
    if name in ("Filter", "Extend", "Graph"):
        return _binds(p.p, var)
    if name == "Union":
        return _binds(p.p1, var) and _binds(p.p2, var)
    return False


def _safe(p: object, var: Variable) -> bool:
    if not isinstance(p, CompValue):
        return not _mentions(p, var)
    name = p.name
    if name == "BGP":
        return True
    if name in ("Join", "Union"):
        return _safe(p.p1, var) and _safe(p.p2, var)
    if name == "LeftJoin":
        return (_safe(p.p1, var) and _safe(p.p2, var)
                and (not _mentions(p.expr, var) or _binds(p.p1, var)))
    if name == "Filter":
        return _safe(p.p, var) and (not _mentions(p.expr, var) or _binds(p.p, var))
    if name == "Extend":
        return _safe(p.p, var) and (not _mentions(p.expr, var) or _binds(p.p, var))
    if name == "Graph":
        return _safe(p.p, var)
    return not _mentions(p, var)
