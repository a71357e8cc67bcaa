"""Canned and ad-hoc SPARQL over the reasoned store: stage 6 of the pipeline.

Canned queries are ``queries/*.rq`` files, each a valid SPARQL 1.1 query with a header of
``#+ key: value`` lines (grlc style) read as YAML: ``title``, ``description``, ``tags`` and
``params`` (a list of ``{name, type, default, description}``). Parameters are bound as
typed RDF terms through Oxigraph's ``substitutions``, never spliced into the text; a value
that names nothing in the graph is refused with the valid values listed. Where the graph holds
several strategies (each a ``vr:StrategyDocument`` whose things are minted under its own
base IRI), a value such as an action number is looked up within the strategy the query's
``strategy`` parameter names, and a query that needs one refuses to guess: never the first
match in the store's order. Every query, canned
or not, goes through :func:`vrgraph.sparql_guard.guard` first: one that could reach outside
the store (``SERVICE``, ``LOAD``, ``FROM``) is refused, and the engine runs the guard's
canonical text, never the text as given.
Spec: https://www.w3.org/TR/sparql11-query/
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import sandbox
from .errors import QueryError, located
from .namespaces import PREFIX_IRIS, strategy_prefixes
from .sparql_guard import Guarded, guard
from .store import Answer, Bindings, Queryable, Term, lexical, solutions
from .text import natural

PARAM_TYPES = ("principle", "agency", "action", "plan", "strategy", "string", "integer", "iri")
_AT = re.compile(r"^error at (\d+):(\d+): ")
_CHAR_CLASS = re.compile(r"\[[^\]]*\.\.=[^\]]*\](?:, \[[^\]]*\.\.=[^\]]*\])*")


@dataclass
class Param:
    name: str
    type: str
    description: str = ""
    default: str | None = None
    one_of: str | None = None   # a string checked against a look-up (``_LOOKUPS``), bound as its key

    @property
    def required(self) -> bool:
        """A strategy may be left out while the graph holds only one."""
        return self.default is None and self.type != "strategy"


@dataclass
class CannedQuery:
    name: str
    path: Path
    text: str
    title: str
    description: str
    tags: list[str] = field(default_factory=list)
    params: list[Param] = field(default_factory=list)


def parse_header(text: str, where: str) -> dict[str, Any]:
    """The ``#+`` header of a query file as a mapping."""
    import yaml  # 0.03 s to import: not for a canned query whose header is kept

    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    try:
        # libyaml's loader where PyYAML has it: the same mapping, 7 times faster
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        header = yaml.load("\n".join(lines), Loader=loader) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise QueryError(located(where, mark.line + 1 if mark else None,
                                 f"malformed #+ header: {getattr(err, 'problem', err)}")) from None
    if not isinstance(header, dict):
        raise QueryError(f"{where}: the #+ header must be 'key: value' lines")
    return header


def load_query(path: Path) -> CannedQuery:
    where = path.name
    text = path.read_text(encoding="utf-8")
    header = _header(text, where)
    for key in ("title", "description"):
        if not header.get(key):
            raise QueryError(f"{where}: the header lacks '#+ {key}:'")
    params = []
    for raw in header.get("params") or []:
        if not isinstance(raw, dict) or not raw.get("name") or raw.get("type") not in PARAM_TYPES:
            raise QueryError(f"{where}: each param needs a name and a type "
                             f"({', '.join(PARAM_TYPES)}): {raw!r}")
        default, one_of = raw.get("default"), raw.get("one-of")
        if one_of is not None and (raw["type"] != "string" or one_of not in _LOOKUPS):
            raise QueryError(f"{where}: param {raw['name']!r}: 'one-of' is for a string "
                             f"param and names a look-up ({', '.join(_LOOKUPS)}): {one_of!r}")
        params.append(Param(str(raw["name"]), str(raw["type"]), str(raw.get("description", "")),
                            None if default is None else str(default),
                            None if one_of is None else str(one_of)))
    canonical(text, where, kept=True)
    return CannedQuery(path.stem, path, text, str(header["title"]),
                       str(header["description"]).strip(), list(header.get("tags") or []),
                       params)


def load_queries(folder: Path, cache: Path | None = None) -> dict[str, CannedQuery]:
    """Every ``*.rq`` file of ``folder`` by name (file stem); with ``cache``, a folder
    where the guard's canonical texts are kept between runs (see :func:`canonical`)."""
    remember(cache)
    queries = {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}
    keep(cache)
    return queries


# -- the guard's work, kept ----------------------------------------------------------------
# Guarding a canned query (tokenising it, checking each token) takes about 10 ms, at every
# start for each of 24 queries. Its canonical text depends on the query's text alone, so it
# is kept: in this process, and in a file beside the kept stores (vrgraph.store.disk) by a
# hash of the text and of the guard's own code (a changed guard checks every query again).
_CACHE = "guarded.json"
_canonical: dict[str, str] = {}      # text -> canonical text, in this process
_kept: dict[str, str] = {}           # digest -> canonical text, read from the cache file
_fresh: dict[str, str] = {}          # digest -> canonical text, made since the last keep()


@functools.cache
def _guard_code() -> bytes:
    return (Path(__file__).resolve().parent / "sparql_guard.py").read_bytes()


def _digest(text: str) -> str:
    h = hashlib.blake2b(_guard_code(), digest_size=20)
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def canonical(text: str, where: str = "query", kept: bool = False) -> str:
    """The canonical text :func:`vrgraph.sparql_guard.guard` makes of ``text`` (which it
    refuses with a :class:`GuardError`). With ``kept`` (a canned query: a bounded set of
    texts, never a user's) it is kept for the next call and the next run."""
    done = _canonical.get(text)
    if done is not None:
        return done
    if not kept:
        return guard(text, where).text
    digest = _digest(text)
    done = _kept.get(digest)
    if done is None:
        done = _fresh[digest] = guard(text, where).text
    _canonical[text] = done
    return done


def _header(text: str, where: str) -> dict[str, Any]:
    """:func:`parse_header` of a canned query's ``text``, kept as :func:`canonical` keeps
    its guarded text (as JSON, under ``header:`` and the same digest); a header JSON
    cannot hold is read again at every call."""
    digest = "header:" + _digest(text)
    done = _kept.get(digest)
    if done is not None:
        try:
            header = json.loads(done)
        except ValueError:
            header = None
        if isinstance(header, dict):
            return header
    header = parse_header(text, where)
    try:
        _fresh[digest] = json.dumps(header)
    except (TypeError, ValueError):
        pass
    return header


def remember(cache: Path | None) -> None:
    """Read the canonical texts kept in ``cache`` (a folder of ours; a file that cannot be
    read is ignored and the queries are guarded again)."""
    if cache is None or _kept:
        return
    try:
        kept = json.loads((cache / _CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(kept, dict):
        _kept.update({k: v for k, v in kept.items() if isinstance(v, str)})


def keep(cache: Path | None) -> None:
    """Write the canonical texts made since the last call to ``cache`` (best effort)."""
    if cache is None or not _fresh:
        return
    from . import atomic

    _kept.update(_fresh)
    _fresh.clear()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        atomic.write_file(cache / _CACHE, json.dumps(_kept, sort_keys=True).encode("utf-8"))
    except OSError:
        pass


_VR = PREFIX_IRIS["vr"]

# -- parameters ----------------------------------------------------------------------------
_LOOKUPS = {
    "principle": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}Principle> ; <http://www.w3.org/2004/02/skos/core#notation> ?key ;
              <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }}""",
    "agency": f"""SELECT ?node ?key ?label WHERE {{
        {{ ?node a <http://www.w3.org/ns/org#Organization> }} UNION {{ ?node a <http://www.w3.org/ns/org#Post> }}
        ?node <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .
        OPTIONAL {{ ?node <{_VR}acronym> ?acronym }}
        BIND(COALESCE(?acronym, REPLACE(STR(?node), "^.*/", "")) AS ?key) }}""",
    "action": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}Action> ; <{_VR}number> ?key .
        OPTIONAL {{ ?node <{_VR}statedNumber> ?stated }}
        BIND(COALESCE(?stated, ?key) AS ?label) }}""",
    "plan": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}ActionPlan> ; <{_VR}number> ?key ;
              <http://purl.org/dc/terms/title> ?label }}""",
    # the key as the canned queries' strategy column gives it
    "strategy": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}StrategyDocument> .
        OPTIONAL {{ ?node <http://purl.org/dc/terms/identifier> ?shortName }}
        OPTIONAL {{ ?node <http://purl.org/dc/terms/title> ?title }}
        BIND(COALESCE(?shortName, REPLACE(STR(?node), "^.*/", "")) AS ?key)
        BIND(COALESCE(STR(?title), ?key) AS ?label) }}""",
    # the kinds of flaw of the data-quality notes, by notation or label (notes.rq)
    "flaw-kind": f"""SELECT ?node ?key ?label WHERE {{
        ?node a <{_VR}FlawKind> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?prefLabel .
        OPTIONAL {{ ?node <http://www.w3.org/2004/02/skos/core#notation> ?notation }}
        BIND(STR(?prefLabel) AS ?label)
        BIND(COALESCE(?notation, ?label) AS ?key) }}""",
    # what a data-quality note may be about (any note's target, action, principle, plan or
    # agency), keyed as notes.rq keys them
    "note-about": f"""SELECT DISTINCT ?node ?key ?label WHERE {{
        {{ ?note a <{_VR}DataQualityNote> ; <http://www.w3.org/ns/oa#hasTarget> ?node }}
        UNION {{ VALUES ?class {{ <{_VR}Action> <{_VR}Principle> <{_VR}ActionPlan>
                                 <http://www.w3.org/ns/org#Organization>
                                 <http://www.w3.org/ns/org#Post> }} ?node a ?class }}
        OPTIONAL {{ ?node <http://www.w3.org/2004/02/skos/core#notation> ?notation }}
        OPTIONAL {{ ?node <{_VR}number> ?number }}
        OPTIONAL {{ ?node <{_VR}acronym> ?acronym }}
        OPTIONAL {{ ?node <http://www.w3.org/2000/01/rdf-schema#label> ?rdfsLabel }}
        BIND(COALESCE(?notation, ?number, ?acronym, STR(?rdfsLabel), STR(?node)) AS ?key)
        BIND(COALESCE(STR(?rdfsLabel), ?key) AS ?label) }}""",
}


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
    for node, key, label in _lookup(store, "strategy"):
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


def _within(node: ox.NamedNode, strategy: Strategy | None, among: list[Strategy]) -> bool:
    return strategy is None or len(among) <= 1 or strategy_of(node.value, among) == strategy


def _keys(among: list[Strategy]) -> str:
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
                             f"{len(among)} strategies; choose one: {_keys(among)}")
        return among[0] if among else None
    wanted = raw.strip().lower()
    found = [s for s in among if wanted in (s.key.lower(), s.label.lower(), s.node.value.lower())]
    shown = raw if len(raw) <= 60 else raw[:57] + "..."
    if not found:
        raise QueryError(f"parameter '{param.name}': {shown!r} names no strategy in the graph; "
                         f"valid values: {_keys(among) or 'none (the graph holds no strategy)'}")
    if len(found) > 1:
        raise QueryError(f"parameter '{param.name}': {shown!r} names {len(found)} strategies "
                         f"({', '.join(s.node.value for s in found)}); give the IRI of one")
    return found[0]


def _lookup(store: Queryable, kind: str, wanted: str | None = None
            ) -> list[tuple[ox.NamedNode, str, str]]:
    """(node, key, label) of the resources a parameter of ``kind`` may name, each once, in
    the store's order; only those ``wanted`` names (lowercased) if given."""
    out: dict[tuple[str, str, str], ox.NamedNode] = {}
    for node, key, label in solutions(store.query(_LOOKUPS[kind],
                                                  use_default_graph_as_union=True)):
        if not isinstance(node, ox.NamedNode) or key is None or label is None:
            continue   # the patterns bind all three, to an IRI first
        entry = (node.value, key.value, label.value)
        if wanted is None or wanted in (entry[1].lower(), entry[2].lower(), entry[0].lower(),
                                        entry[0].rsplit("/", 1)[-1].lower()):
            out.setdefault(entry, node)
    return [(node, key, label) for (_, key, label), node in out.items()]


def allowed_values(store: Queryable, kind: str, strategy: Strategy | None = None,
                   among: list[Strategy] | None = None) -> list[tuple[ox.NamedNode, str, str]]:
    """(node, key, label) of every resource a parameter of ``kind`` may name (within
    ``strategy``, one of ``among``, if given)."""
    among = among if among is not None else (strategies(store) if strategy else [])
    return sorted((t for t in _lookup(store, kind) if _within(t[0], strategy, among)),
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
    matches = [t for t in _lookup(store, param.type, wanted) if _within(t[0], strategy, among)]
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


def _one_of(store: Queryable, param: Param, lookup: str, raw: str, strategy: Strategy | None,
            among: list[Strategy] | None) -> str:
    """``raw`` where it is the key or label of something of ``lookup``, the key where it
    names one by IRI or the IRI's last segment (``RowSplit`` is ``row-split``), else a
    :class:`QueryError` that suggests the closest keys."""
    import difflib

    wanted = raw.strip().lower()
    among = among if among is not None else []
    found = [(key, label) for node, key, label in _lookup(store, lookup, wanted)
             if not among or _within(node, strategy, among)]
    if found:  # as given where the query can match it so (a key or label), else the key
        said = any(wanted in (key.lower(), label.lower()) for key, label in found)
        return raw if said else min((key for key, _ in found), key=natural)
    names = allowed_values(store, lookup, strategy, among or None)
    keys = sorted({key for _, key, _ in names}, key=natural)
    spelled = {name.lower(): key for _, key, label in names for name in (key, label)}
    close = [spelled[m] for m in difflib.get_close_matches(wanted, spelled, n=3, cutoff=0.6)]
    hint = f" (did you mean {' or '.join(dict.fromkeys(close))}?)" if close else ""
    shown = ", ".join(keys[:60]) + (f" and {len(keys) - 60} more" if len(keys) > 60 else "")
    default = f"; {param.default} for every one" if param.default else ""
    raw_shown = raw if len(raw) <= 60 else raw[:57] + "..."
    raise QueryError(f"parameter '{param.name}': {raw_shown!r} names no "
                     f"{_NOUNS.get(lookup, lookup)}{hint}; valid values: {shown}{default}")


def bind(store: Queryable, query: CannedQuery, values: dict[str, str]) -> Bindings:
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        raise QueryError(f"query '{query.name}' has no parameter {unknown[0]!r}; its parameters: "
                         f"{', '.join(sorted(known)) or 'none'}")
    looked_up = [p for p in query.params if p.type in _LOOKUPS]
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


# -- running ----------------------------------------------------------------------------------
@dataclass
class Table:
    """A SELECT result: variable names and rows of terms (None where unbound)."""

    variables: list[str]
    rows: list[list[Term | None]]

    def values(self) -> list[dict[str, str | None]]:
        """The rows as plain text (a triple term as N-Triples writes it)."""
        return [{v: lexical(t) for v, t in zip(self.variables, row)} for row in self.rows]


def known_prefixes(store: Queryable) -> dict[str, str]:
    """The prefixes a query may use without declaring them: the vocabularies' (``vr:``,
    ``skos:``, ``dcterms:``, ``prov:``, ``org:``, ``dcat:`` ...), ``vrid:`` for the things of
    the graph's base and, for each strategy, its short name for the things minted under its
    base (``hackney-b1:action/1.2``, :func:`vrgraph.namespaces.strategy_prefixes`), as every
    output that shortens IRIs writes them."""
    from .store import base_of

    known = dict(PREFIX_IRIS) | {"vrid": base_of(store).ids}
    spaces = [(s.key, s.space) for s in strategies(store) if s.space]
    for name, namespace in strategy_prefixes(spaces).items():   # as the shortener writes them
        known.setdefault(name, namespace)
    return dict(sorted(known.items()))


def _undeclared(checked: Guarded, known: Mapping[str, str], where: str) -> None:
    """Refuse a prefixed name whose prefix the query does not declare and no known prefix
    gives, naming it and the known ones (the engine's own message lists grammar rules)."""
    declared = set(known)
    after_prefix = False
    for token in checked.tokens:
        if token.kind == "pname":
            name = token.text.split(":", 1)[0]
            if after_prefix:
                declared.add(name)
            elif name not in declared:
                shown = ", ".join(f"{p}:" for p in known) or "none"
                raise QueryError(located(where, token.line, f"prefix '{name}:' is not declared; "
                                         f"declare it (PREFIX {name}: <IRI>) or use one the "
                                         f"graph knows: {shown}", token.column))
        after_prefix = token.kind == "word" and token.text.upper() == "PREFIX"


def execute(store: Queryable, text: str, bindings: Bindings | None = None,
            where: str = "query", outside: bool = False,
            prefixes: Mapping[str, str] | None = None) -> Answer:
    """Guard a query and run its canonical text on the union of the store's graphs;
    Oxigraph's own result (which ``serve`` streams and caps). ``prefixes`` may be used
    undeclared (:func:`known_prefixes`). An error of the engine's points at the line and
    column of the query as given, on one line. A query from ``outside`` the project
    (ad hoc, or on data given by the user), and every query of a confined process, goes
    through :func:`vrgraph.sandbox.gate`: it runs only in a confined process; the project's
    own run as their kept canonical text (:func:`canonical`)."""
    kept = _canonical.get(text) if prefixes is None else None   # a canned query's
    checked = (sandbox.gate(text, where, kept) if outside or sandbox.held() is not None
               else None)
    if prefixes is not None:
        _undeclared(checked or guard(text, where), prefixes, where)
    text_run = checked.text if checked is not None else canonical(text, where)
    try:
        if isinstance(store, ox.Store):
            return store.query(text_run, substitutions=bindings or None,
                               use_default_graph_as_union=True, prefixes=dict(prefixes or {}))
        declarations = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or {}).items())
        return store.query(declarations + text_run, substitutions=bindings or None,
                           use_default_graph_as_union=True)
    except SyntaxError as err:
        # one line; the engine's character classes (['A' ..= 'Z' | ...]) said in words
        message = _CHAR_CLASS.sub("a name character", " ".join((err.msg or str(err)).split()))
        if len(message) > 300:
            message = message[:300] + "…"
        at = _AT.match(message)
        if at:
            line, column = guard(text, where).origin(int(at.group(2)) - 1)
            message = f"{where}:{line}:{column}: {message[at.end():]}"
            raise QueryError(f"malformed query: {message}") from None
        raise QueryError(f"malformed {where}: {message}") from None
    except OSError as err:
        if sandbox.refused(err):
            raise sandbox.Refused(f"{where}: {sandbox.REFUSED}") from None
        raise QueryError(f"{where}: {err}") from None


def run(store: Queryable, text: str, bindings: Bindings | None = None, where: str = "query",
        outside: bool = False, prefixes: Mapping[str, str] | None = None
        ) -> Table | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
    """Run a query on the union of the store's graphs; SELECT gives a :class:`Table`."""
    result = execute(store, text, bindings, where, outside, prefixes)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        # tens of thousands of new row lists set off Python's cyclic garbage collector over and
        # over, for nothing (none of them is part of a cycle): 5 to 8 % of a large result
        collecting = gc.isenabled()
        gc.disable()
        try:
            rows = [list(row) for row in result]  # a row lists its values in order
        except (OSError, RuntimeError, ValueError) as err:
            if sandbox.refused(err):
                raise sandbox.Refused(f"{where}: {sandbox.REFUSED}") from None
            raise QueryError(f"{where}: the query failed while its results were read: "
                             f"{' '.join(str(err).split())}") from None
        finally:
            if collecting:
                gc.enable()
        return Table(names, rows)
    return result


def run_canned(store: Queryable, query: CannedQuery, values: dict[str, str] | None = None
               ) -> Table:
    return table(run(store, query.text, bind(store, query, values or {}), query.path.name),
                 query.path.name)


def table(result: Table | bool | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple],
          where: str) -> Table:
    """A SELECT's ``result``; a :class:`QueryError` for an ASK's or a CONSTRUCT's (which
    give no table: ``vrgraph sparql`` runs those)."""
    if not isinstance(result, Table):
        raise QueryError(f"{where}: not a SELECT query, so it gives no table; run it with "
                         f"`vrgraph sparql -f FILE`")
    return result


def run_confined(store: ox.Store, text: str, bindings: Bindings | None = None,
                 where: str = "query", timeout: float = 120.0,
                 memory: int | None = 2 * 2**30, prefixes: Mapping[str, str] | None = None
                 ) -> Table | bool | list[ox.Triple]:
    """:func:`run` in a child process that cannot reach the network or a file, stopped after
    ``timeout`` seconds or ``memory`` bytes (``vrgraph.sandbox``); a crash of the engine is a
    :class:`QueryError`, not the end of this process. A graph comes back as a list."""
    canonical(text, where)  # refused here, before a process is started

    def answer() -> Table | bool | list[ox.Triple]:
        result = run(store, text, bindings, where, outside=True, prefixes=prefixes)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, Table):
            return result
        try:
            return list(result)
        except (OSError, RuntimeError, ValueError) as err:
            if sandbox.refused(err):
                raise sandbox.Refused(f"{where}: {sandbox.REFUSED}") from None
            raise QueryError(f"{where}: the query failed while its results were read: "
                             f"{' '.join(str(err).split())}") from None

    return sandbox.run_confined(answer, timeout, memory)
