"""Decide whether a SPARQL query may run, on the text the engine will actually read.

A filter over the user's text can disagree with the engine's parser about where a comment,
string or IRI ends, and a ``SERVICE`` hidden by that disagreement reaches the network. So
the text is not filtered: it is *re-written*. :func:`guard` splits the query into the
terminals of the SPARQL grammar (SPARQL 1.1 §19.8, with the SPARQL 1.2 additions Oxigraph
reads: triple terms, reifiers, annotations, ``VERSION``, ``LATERAL``, base directions),
strictly: anything that is not a terminal, a word that is not a SPARQL keyword, a string
with a bad escape, a nesting deeper than the budget, is refused. It then checks the
*tokens* (no ``SERVICE``, ``FROM``, ``LOAD`` or update keyword) and returns a new text made of
those tokens alone, each written in one canonical, unambiguous form (no comments; strings
with only ``\\\\``, ``\\"``, ``\\n``, ``\\r`` escapes; IRIs with their escapes decoded and
re-checked), separated by single spaces. That canonical text, never the original, is what
the engine runs: it holds exactly the tokens that were checked, so the check and the
engine cannot disagree about what the query says. ``tests/test_sparql_guard.py`` checks
this against Oxigraph by differential fuzzing.

The second, independent layer is the worker sandbox (``vrgraph.sandbox``): even a query
that got through could not open a socket or a file.

Grammar: https://www.w3.org/TR/sparql11-query/#grammar and
https://www.w3.org/TR/sparql12-query/#grammar
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from dataclasses import dataclass

from .errors import QueryError

MAX_CHARS = 1_000_000
"""The longest query text read, in characters."""
MAX_DEPTH = 64
"""The deepest nesting of ``{ ( [`` and triple-term brackets."""
MAX_NESTING = 300
"""The most nested steps the engine may have to recurse through: brackets, plus the operators,
``UNION``/``OPTIONAL``/``MINUS`` and sub-groups chained at each open level. Oxigraph parses,
plans and evaluates these recursively and overflows its stack (SIGSEGV) from about 1,500
chained ``OPTIONAL`` or path steps, 3,000 nested groups or 8,000 ``+`` on."""
MAX_TOKENS = 200_000

#: Words that may reach the network or the file system, or change data. ``FROM`` covers
#: ``FROM NAMED``; the update words cannot run through a query API, and are refused anyway.
FORBIDDEN = {
    "SERVICE": "queries may not call other services",
    "FROM": "queries may not choose other graphs (the dataset is fixed)",
    "LOAD": "queries may not load documents",
    **{word: "queries are read-only" for word in (
        "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH",
        "USING")},
}

#: Every keyword and built-in function name of SPARQL 1.1 and 1.2 that a query (not an
#: update) may contain, as Oxigraph reads them (case-insensitively).
KEYWORDS = frozenset("""
BASE PREFIX VERSION SELECT DISTINCT REDUCED AS CONSTRUCT DESCRIBE ASK WHERE GROUP BY HAVING
ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL GRAPH MINUS UNION FILTER BIND LATERAL
NOT IN EXISTS SEPARATOR COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES
LANGDIR DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE
ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES
SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG
STRLANGDIR STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC HASLANG HASLANGDIR REGEX
SUBSTR REPLACE TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE ADJUST A TRUE FALSE
""".split())

#: Punctuation, longest first (the tokenizer takes the longest that matches).
_PUNCT = ("<<(", ")>>", "^^", "<<", ">>", "{|", "|}", "&&", "||", "!=", "<=", ">=",
          "{", "}", "(", ")", "[", "]", ";", ",", ".", "*", "/", "|", "^", "!", "=", "<",
          ">", "+", "-", "?", "~")
_OPEN = {"{": "}", "(": ")", "[": "]", "<<(": ")>>", "<<": ">>", "{|": "|}"}
_CLOSE = {close: open_ for open_, close in _OPEN.items()}
_CHAINED = frozenset(("&&", "||", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/",
                      "|", "^", "!", "UNION", "OPTIONAL", "MINUS", "LATERAL", "FILTER", "BIND"))

# -- terminals (SPARQL 1.1 §19.8; names as in the grammar) ------------------------------------
_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF"
                  "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF"
                  "\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = (f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"""\\[tbnrf"'\\]"""

_TOKEN_PATTERN = rf"""
  (?P<ws>[ \t\r\n]+)
| (?P<comment>\#[^\r\n]*)
| (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
| (?P<long1>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*''')
| (?P<long2>\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*\"\"\")
| (?P<str1>'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*')
| (?P<str2>"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*")
| (?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)
| (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
| (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
| (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?)
| (?P<number>(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)
            |[0-9]*\.[0-9]+|[0-9]+)
| (?P<word>[A-Za-z_][A-Za-z0-9_]*)
| (?P<punct>{"|".join(re.escape(p) for p in _PUNCT)})
"""


@functools.cache
def _token() -> re.Pattern[str]:
    """The tokeniser, compiled at its first use (0.1 s: a start that finds every canned
    query's canonical text kept, ``vrgraph.query.canonical``, never needs it)."""
    return re.compile(_TOKEN_PATTERN, re.VERBOSE)
_UCHAR_RE = re.compile(_UCHAR)
_ESCAPE = re.compile(rf"{_ECHAR}|{_UCHAR}")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
           "\\": "\\"}
_IRI_BAD = re.compile(r'[<>"{}|^`\\\x00-\x20]')


class GuardError(QueryError):
    """A query refused before it runs; ``status`` is the HTTP status the server answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Token:
    kind: str  # iri, string, var, bnode, pname, langtag, number, word, punct
    text: str  # the canonical form written for the engine
    line: int
    column: int


@dataclass(frozen=True)
class Guarded:
    """A checked query: the canonical ``text`` the engine runs, and where each of its
    tokens starts in it and stood in the original (to point an engine's error back)."""

    text: str
    starts: tuple[int, ...]
    tokens: tuple[Token, ...]

    def origin(self, offset: int) -> tuple[int, int]:
        """(line, column) in the original text of the token at ``offset`` of ``text``."""
        if not self.tokens:
            return 1, 1
        i = max(bisect_right(self.starts, offset) - 1, 0)
        return self.tokens[i].line, self.tokens[i].column


def guard(text: str, where: str = "query") -> Guarded:
    """The canonical form of ``text`` (see the module), or :class:`GuardError` (status 403
    for a forbidden keyword, 400 or 413 for a query that cannot be read or is too large)
    naming what and where."""
    parts: list[str] = []
    starts: list[int] = []
    size = 0
    previous = None
    checked = tokens(text, where)
    for token in checked:
        # Oxigraph reads some built-in calls only with "(" right after the name (BOUND(, IF()
        if parts and not (token.text == "(" and previous == "word"):
            parts.append(" ")
            size += 1
        starts.append(size)
        parts.append(token.text)
        size += len(token.text)
        previous = token.kind
    return Guarded("".join(parts), tuple(starts), tuple(checked))


def tokens(text: str, where: str = "query") -> list[Token]:
    """The checked tokens of ``text``, comments and white space left out."""
    if len(text) > MAX_CHARS:
        raise GuardError(f"{where}: the query is {len(text):,} characters long; the limit is "
                         f"{MAX_CHARS:,}", 413)
    out: list[Token] = []
    stack: list[tuple[str, int]] = []  # the open brackets, each with its level's chain
    chain = nesting = 0  # steps chained at this level; chained steps on every open level
    pos, line, line_start = 0, 1, 0
    match = _token().match
    while pos < len(text):
        m = match(text, pos)
        column = pos - line_start + 1
        if m is None:
            raise GuardError(f"{where}:{line}:{column}: cannot read {_shown(text, pos)}: not "
                             f"a SPARQL token")
        kind, raw = m.lastgroup or "", m.group()
        pos = m.end()
        newlines = raw.count("\n")
        if newlines:
            line += newlines
            line_start = m.start() + raw.rfind("\n") + 1
        if kind in ("ws", "comment"):
            continue
        at = f"{where}:{line}:{column}"
        word = raw.upper() if kind == "word" else raw
        if kind == "word":
            if word in FORBIDDEN:
                raise GuardError(f"{at}: {word} is refused: {FORBIDDEN[word]}", 403)
            if word not in KEYWORDS:
                raise GuardError(f"{at}: {_shown(raw, 0)} is not a SPARQL keyword or function "
                                 f"(use a prefixed name, an <IRI> or a ?variable)")
        if word in _CLOSE and kind == "punct":
            if not stack or stack[-1][0] != _CLOSE[word]:
                raise GuardError(f"{at}: {raw!r} closes nothing that is open")
            nesting -= chain
            chain = stack.pop()[1]
        elif word in _CHAINED or (word in _OPEN and kind == "punct"):
            chain += 1
            nesting += 1
            if word in _OPEN:
                stack.append((word, chain))
                chain = 0
                if len(stack) > MAX_DEPTH:
                    raise GuardError(f"{at}: the query nests deeper than {MAX_DEPTH} levels "
                                     f"of brackets; flatten it")
            if nesting > MAX_NESTING:
                raise GuardError(f"{at}: the query nests or chains more than {MAX_NESTING} "
                                 f"steps (brackets, operators, UNION or OPTIONAL); split it")
        out.append(Token(kind, _canonical(kind, raw, at), line, column))
        if len(out) > MAX_TOKENS:
            raise GuardError(f"{where}: the query has more than {MAX_TOKENS:,} tokens", 413)
    if stack:
        raise GuardError(f"{where}: {stack[-1][0]!r} is never closed")
    return out


def _canonical(kind: str, raw: str, at: str) -> str:
    if kind == "iri":
        iri = _UCHAR_RE.sub(lambda m: _char(m.group(), at), raw[1:-1])
        if _IRI_BAD.search(iri):
            raise GuardError(f"{at}: the IRI {_shown(iri, 0)} holds a character IRIs may not "
                             f"hold, once its escapes are decoded")
        return f"<{iri}>"
    if kind in ("long1", "long2", "str1", "str2"):
        quote = 3 if kind.startswith("long") else 1
        value = _ESCAPE.sub(lambda m: _unescape(m.group(), at), raw[quote:-quote])
        return '"' + (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                      .replace("\r", "\\r")) + '"'
    if kind == "langtag":
        return raw.lower()
    return raw


def _unescape(escape: str, at: str) -> str:
    return _ECHARS[escape[1]] if len(escape) == 2 else _char(escape, at)


def _char(escape: str, at: str) -> str:
    code = int(escape[2:], 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise GuardError(f"{at}: {escape} is not a Unicode character")
    return chr(code)


def _shown(text: str, pos: int) -> str:
    piece = text[pos:pos + 20]
    return repr(piece + ("..." if len(text) > pos + 20 else ""))
