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

One character may start two terminals: ``<`` is less-than after an operand inside an
expression and the start of an IRI elsewhere; ``-`` and ``+`` are operators there and
signs of a number elsewhere. The lexer follows where the query stands in the grammar
(:class:`_Reader`), as Oxigraph's parser does, and refuses what may be an IRI after an
operand when the two readings would hide different text (a ``'`` in it, or read as
less-than a ``#``): fail closed where a wrong guess could matter.

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
_TEST_ONLY_OFF = False
"""Set only by tests (``tests/test_confine.py``), to show what the sandbox stops alone."""

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
PN_PREFIX = _PN_PREFIX
"""A prefix name (SPARQL 1.1 §19.8 ``PN_PREFIX``), as a regular expression."""
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = (f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"""\\[tbnrf"'\\]"""

_TOKEN = rf"""
  (?P<ws>[ \t\r\n]+)
| (?P<comment>\#[^\r\n]*)
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
_IRIREF = re.compile(rf'<(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>')
_NUMBER = re.compile(r"[+-](?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+"
                     r"|[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)")
_UCHAR_RE = re.compile(_UCHAR)
_ESCAPE = re.compile(rf"{_ECHAR}|{_UCHAR}")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
           "\\": "\\"}
_IRI_BAD = re.compile(r'[<>"{}|^`\\\x00-\x20]')


@functools.cache
def _token_pattern() -> re.Pattern[str]:
    """:data:`_TOKEN` compiled, once, at the first query guarded: compiling its Unicode
    classes takes 0.1 s, which a command that runs only the canned queries (their guarded
    texts are kept: ``vrgraph.query.canned.canonical``) need not pay at every start."""
    return re.compile(_TOKEN, re.VERBOSE)


def prepare() -> None:
    """Compile the lexer now: a process about to fork workers that guard queries (the
    server) calls it, so that each worker does not compile it again."""
    _token_pattern()


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
    if _TEST_ONLY_OFF:   # tests switch the first lock off to attack the second one
        return Guarded(text, (0,), ())
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
    """The checked tokens of ``text``, comments and white space left out.

    Where one character may start two tokens, the choice is made as Oxigraph's grammar
    makes it (see :class:`_Reader`); where the two readings would differ in what they hide
    (a quote or ``#`` inside what may be an IRI), the query is refused."""
    if len(text) > MAX_CHARS:
        raise GuardError(f"{where}: the query is {len(text):,} characters long; the limit is "
                         f"{MAX_CHARS:,}", 413)
    out: list[Token] = []
    stack: list[tuple[str, int]] = []  # the open brackets, each with its level's chain
    reader = _Reader()
    chain = nesting = 0  # steps chained at this level; chained steps on every open level
    pos, line, line_start = 0, 1, 0
    token_pattern = _token_pattern()
    while pos < len(text):
        column = pos - line_start + 1
        at = f"{where}:{line}:{column}"
        kind, raw = reader.special(text, pos, at)
        if not kind:
            m = token_pattern.match(text, pos)
            if m is None:
                raise GuardError(f"{at}: cannot read {_shown(text, pos)}: not a SPARQL token")
            kind, raw = m.lastgroup or "", m.group()
        newlines = raw.count("\n")
        if newlines:
            line += newlines
            line_start = pos + raw.rfind("\n") + 1
        pos += len(raw)
        if kind in ("ws", "comment"):
            continue
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
        token = Token(kind, _canonical(kind, raw, at), line, column)
        reader.saw(token, word)
        out.append(token)
        if len(out) > MAX_TOKENS:
            raise GuardError(f"{where}: the query has more than {MAX_TOKENS:,} tokens", 413)
    if stack:
        raise GuardError(f"{where}: {stack[-1][0]!r} is never closed")
    return out


#: Tokens after which an expression has an operand, so that ``<`` is less-than.
_OPERAND_END = frozenset(("var", "iri", "pname", "long1", "long2", "str1", "str2", "number",
                          "langtag", "bnode"))
#: Words after which ``(`` does not open an expression (a collection, a VALUES row...).
_NOT_CALLS = frozenset("""
BASE PREFIX VERSION CONSTRUCT DESCRIBE ASK WHERE GROUP ORDER LIMIT OFFSET VALUES UNDEF
OPTIONAL GRAPH MINUS UNION LATERAL NOT EXISTS SEPARATOR AS A TRUE FALSE
""".split())
#: Words that start a clause of expressions at their level (projection, ORDER BY ...).
_CLAUSES = frozenset(("SELECT", "BY", "HAVING"))
_END_CLAUSE = frozenset(("WHERE", "LIMIT", "OFFSET", "VALUES"))


class _Reader:
    """Where the query stands in Oxigraph's grammar, as far as the lexer needs it: inside
    an expression (``FILTER(...)``, ``BIND(...)``, a call's arguments, a projection's or
    ``ORDER BY``'s bracket) or in patterns and data (``{...}``, ``[...]``, collections,
    ``VALUES`` rows). In an expression, after an operand, ``<`` is less-than and ``-``,
    ``+`` are operators (https://www.w3.org/TR/sparql11-query/#rRelationalExpression);
    elsewhere ``<`` starts an IRI and a sign starts a number."""

    def __init__(self) -> None:
        self.frames: list[str] = ["top"]  # expr, group, list, bnode, triple
        self.clause = [False]  # at this level, ``(`` opens an expression (SELECT, BY...)
        self.last: Token | None = None
        self.before: Token | None = None

    def _operand_end(self) -> bool:
        t = self.last
        return t is not None and (t.kind in _OPERAND_END or t.text in (")", ")>>", "]")
                                  or (t.kind == "word" and t.text.upper() in (
                                      "TRUE", "FALSE", "A", "UNDEF")))

    def special(self, text: str, pos: int, at: str) -> tuple[str, str]:
        """The token at ``pos`` where it starts with ``<``, ``+`` or ``-``; ("", "") to let
        the general lexer read it."""
        char = text[pos]
        if char not in "<+-":
            return "", ""
        in_expression = self.frames[-1] == "expr"
        after_operand = self._operand_end()
        if char == "<":
            iri = _IRIREF.match(text, pos)
            operator = in_expression and after_operand
            if iri is not None and after_operand:
                inside = _UCHAR_RE.sub(lambda m: _char(m.group(), at), iri.group()[1:-1])
                risky = "'" in inside or (operator and "#" in inside)
                if risky:   # the two readings would hide different text: refuse both
                    raise GuardError(
                        f"{at}: {_shown(iri.group(), 0)} may be read as less-than or as an "
                        f"IRI, and the two readings differ: put a space after a less-than "
                        f"sign, or write the IRI without ' (%27) or as a prefixed name")
            if operator:
                return "punct", "<=" if text.startswith("<=", pos) else "<"
            if iri is not None:
                return "iri", iri.group()
            return "", ""
        if in_expression and after_operand:
            return "punct", char
        last = self.last
        if (char == "+" and self.frames[-1] != "expr" and last is not None
                and (last.kind in ("iri", "pname") or last.text in (")", "*", "?", "+")
                     or last.text.upper() == "A")):
            return "punct", char  # a path's "one or more"
        number = _NUMBER.match(text, pos)
        if number is not None:
            return "number", number.group()
        return "", ""

    def saw(self, token: Token, word: str) -> None:
        """Move past ``token`` (``word``: its text, upper-cased if a keyword)."""
        frames, kind = self.frames, token.kind
        if kind == "punct" and word in _CLOSE:
            if len(frames) > 1:
                frames.pop()
                self.clause.pop()
        elif kind == "punct" and word in _OPEN:
            if word == "(":
                frames.append("expr" if self._opens_expression() else "list")
            else:
                if word == "{":
                    self.clause[-1] = False
                frames.append({"{": "group", "[": "bnode"}.get(word, "triple"))
            self.clause.append(False)
        elif kind == "word" and word in _CLAUSES:
            self.clause[-1] = True
        elif kind == "word" and word in _END_CLAUSE:
            self.clause[-1] = False
        self.before, self.last = self.last, token

    def _opens_expression(self) -> bool:
        """Whether a ``(`` here opens an expression (else a collection or a VALUES row)."""
        last, before = self.last, self.before
        if self.frames[-1] == "expr" or self.clause[-1]:
            return True
        if last is None:
            return False
        if last.kind == "word":
            return last.text.upper() not in _NOT_CALLS
        # FILTER <fn>(...) and FILTER ex:fn(...): a call
        return (last.kind in ("iri", "pname") and before is not None
                and before.kind == "word" and before.text.upper() == "FILTER")


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
