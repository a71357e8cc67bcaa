"""The canned queries: ``queries/*.rq`` files, each a valid SPARQL 1.1 query with a header of
``#+ key: value`` lines (grlc style) read as YAML: ``title``, ``description``, ``tags`` and
``params`` (a list of ``{name, type, default, description}``, a string's ``one-of`` naming a
look-up of :mod:`vrgraph.query.lookups`). Each is guarded when it is loaded, and its
guarded text and header are kept between runs (:func:`canonical`).
Spec: https://www.w3.org/TR/sparql11-query/ ; header: https://github.com/CLARIAH/grlc
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import sparql_guard
from ..errors import QueryError, located
from ..sparql_guard import guard
from .lookups import LOOKUPS

PARAM_TYPES = ("principle", "agency", "action", "plan", "strategy", "string", "integer", "iri")


@dataclass
class Param:
    """A parameter of a canned query, as its header declares it."""

    name: str
    type: str
    description: str = ""
    default: str | None = None
    one_of: str | None = None   # a string checked against a look-up (``LOOKUPS``), bound as its key

    @property
    def required(self) -> bool:
        """A strategy may be left out while the graph holds only one."""
        return self.default is None and self.type != "strategy"


@dataclass
class CannedQuery:
    """A canned query: its name (the file's stem), file, text and header."""

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
    """The canned query of the file at ``path``, its header checked and its text guarded;
    a :class:`QueryError` names the file and what is wrong."""
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
        if one_of is not None and (raw["type"] != "string" or one_of not in LOOKUPS):
            raise QueryError(f"{where}: param {raw['name']!r}: 'one-of' is for a string "
                             f"param and names a look-up ({', '.join(LOOKUPS)}): {one_of!r}")
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
    return Path(sparql_guard.__file__).resolve().read_bytes()


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


def kept_text(text: str) -> str | None:
    """The canonical text kept for a canned query's ``text`` in this process, else None."""
    return _canonical.get(text)


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
    from .. import atomic

    _kept.update(_fresh)
    _fresh.clear()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        atomic.write_file(cache / _CACHE, json.dumps(_kept, sort_keys=True).encode("utf-8"))
    except OSError:
        pass
