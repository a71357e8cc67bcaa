"""The query guard and the sandbox under it, attacked.

The guard must agree with Oxigraph: every query it lets through, Oxigraph reads as the
guard's canonical text says (same answer as the original, or the same refusal), and no
spelling of ``SERVICE`` that Oxigraph would run gets through. Checked on a corpus of known
bypasses and by differential fuzzing (a seeded generator, so every run tries the same
queries), with a trap listening where every ``SERVICE`` points. The sandbox is attacked
directly, with the guard out of the way.
"""

from __future__ import annotations

import os
import random
import socket
import threading

import pyoxigraph as ox
import pytest

from vrgraph import sandbox
from vrgraph.errors import QueryError
from vrgraph.query import run_confined
from vrgraph.query.canned import load_queries
from vrgraph.sparql_guard import MAX_DEPTH, MAX_NESTING, GuardError, guard

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the sandbox forks")

EX = "http://example.org/"


class Trap:
    """A TCP listener that counts connections and closes each at once."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def trap():
    t = Trap()
    yield t
    t.close()


@pytest.fixture(scope="module")
def tiny() -> ox.Store:
    store = ox.Store()
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"),
                          ox.Literal(f"o{i} SERVICE # \" '"), ox.DefaultGraph()))
    return store


def outcome(store: ox.Store, text: str) -> tuple[str, object]:
    """What Oxigraph makes of ``text``: its answer as a sorted list, or that it refused."""
    try:
        result = store.query(text)
        if isinstance(result, ox.QueryBoolean):
            return "ask", bool(result)
        if isinstance(result, ox.QuerySolutions):
            return "select", sorted(tuple(str(t) for t in row) for row in result)
        return "graph", sorted(str(t) for t in result)
    except (SyntaxError, OSError, RuntimeError, ValueError) as err:
        return "error", type(err).__name__


# -- the canned queries -------------------------------------------------------------------
def test_canonical_text_gives_the_same_answers_for_every_canned_query(project, store):
    for name, q in load_queries(project.queries).items():
        checked = guard(q.text, name)
        as_given = [sorted(map(str, row)) for row in
                    store.query(q.text, use_default_graph_as_union=True)]
        canonical = [sorted(map(str, row)) for row in
                     store.query(checked.text, use_default_graph_as_union=True)]
        assert sorted(as_given) == sorted(canonical), name


# -- known spellings ------------------------------------------------------------------------
def bypasses(port: int) -> list[str]:
    url = f"<http://127.0.0.1:{port}/sparql>"
    return [
        f"SELECT * WHERE {{ SERVICE {url} {{ ?s ?p ?o }} }}",
        f"select * where {{ service {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE SILENT {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{SERVICE{url}{{?s ?p ?o}}}}",
        f"SELECT * WHERE {{ # a comment\r SERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # a comment\x0b SERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # a comment\u2028SERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # a comment\x85SERVICE {url} {{ ?s ?p ?o }} }}",
        f'SELECT * WHERE {{ BIND("a\\"" AS ?x) SERVICE {url} {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ BIND('''a'' ''' AS ?x) SERVICE {url} {{ ?s ?p ?o }} }}",
        f'SELECT * WHERE {{ BIND("""a""\\"""" AS ?x) SERVICE {url} {{ ?s ?p ?o }} }}',
        f"SELECT * WHERE {{ ?s <{EX}a#b> ?o . SERVICE {url} {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?s ex:a\\#b ?o SERVICE {url} {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?s ex:a\\\\ ?o . SERVICE {url} {{ }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE {url} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {url} {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ OPTIONAL {{ SERVICE {url} {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o }} VALUES ?x {{ 1 }} SERVICE {url} {{ }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?p&&?s>?o) SERVICE {url} {{ }} }}",
        f"SELECT * WHERE {{ LATERAL {{ SERVICE {url} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ SERVICE ?x {{ ?s ?p ?o }} VALUES ?x {{ {url} }} }}",
        f"\ufeffSELECT * WHERE {{ SERVICE {url} {{ ?s ?p ?o }} }}",
        f"SELECT * FROM {url} WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED {url} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD {url}",
        f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}",
    ]


def test_no_spelling_of_service_reaches_the_network(tiny, trap):
    for query in bypasses(trap.port):
        before = trap.hits
        try:
            checked = guard(query)
        except GuardError as err:
            assert err.status in (400, 403)
            continue
        outcome(tiny, checked.text)
        assert trap.hits == before, f"the guard let through: {query!r} as {checked.text!r}"


def test_forbidden_words_get_403_and_say_where(trap):
    with pytest.raises(GuardError) as err:
        guard(f"SELECT * WHERE {{\n  ?s ?p ?o .\n  SERVICE <http://127.0.0.1:{trap.port}/> {{}} }}")
    assert err.value.status == 403
    assert str(err.value) == "query:3:3: SERVICE is refused: queries may not call other services"
    for word in ("FROM", "LOAD", "INSERT", "DELETE", "DROP", "CLEAR"):
        with pytest.raises(GuardError) as err:
            guard(f"SELECT * {word} <{EX}x> {{}}")
        assert err.value.status == 403 and f"{word} is refused" in str(err.value)


def test_keywords_inside_strings_iris_and_names_are_not_refused(tiny):
    query = (f'PREFIX service: <{EX}> SELECT ?service WHERE {{ ?s service:SERVICE|<{EX}p> '
             f'?service FILTER(CONTAINS(?service, "SERVICE # ")) }}')
    checked = guard(query)
    assert outcome(tiny, checked.text) == outcome(tiny, query)
    assert outcome(tiny, query)[0] == "select" and len(outcome(tiny, query)[1]) == 3


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE { ?s ?p ?o } \x0b", "not a SPARQL token"),
    ("SELECT * WHERE { ?s ?p ?o . frob ?x }", "not a SPARQL keyword"),
    ('SELECT ?x WHERE { BIND("\\uD800" AS ?x) }', "not a Unicode character"),
    ("SELECT * WHERE { ?s ?p ?o ", "never closed"),
    ("SELECT * WHERE { ?s ?p ?o }}", "closes nothing"),
    ("ASK " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
    ("ASK { FILTER(" + "!" * (MAX_NESTING + 1) + "true) }", f"more than {MAX_NESTING}"),
    ("ASK { ?s " + "<http://e/p>/" * (MAX_NESTING + 1) + "<http://e/p> ?o }",
     f"more than {MAX_NESTING}"),
    ("ASK { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * MAX_NESTING + "}", f"more than {MAX_NESTING}"),
    ("SELECT * WHERE { ?s ?p ?o } #" + "x" * 1_000_001, "the limit is 1,000,000"),
])
def test_unreadable_or_oversized_queries_are_refused_with_where_and_why(query, message):
    with pytest.raises(GuardError) as err:
        guard(query)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_what_the_budget_allows_does_not_crash_the_engine(tiny):
    """The nesting budget sits well below where Oxigraph's stack overflows: the largest
    queries the guard lets through run in a child without a crash."""
    deepest = [
        "ASK " + "{" * MAX_DEPTH + "}" * MAX_DEPTH,
        "ASK { FILTER(" + "!" * (MAX_NESTING - 10) + "true) }",
        "ASK { ?s " + "<http://e/p>/" * (MAX_NESTING - 10) + "<http://e/p> ?o }",
        "ASK { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * (MAX_NESTING // 2 - 10) + "}",
        "ASK { " + "{ ?s ?p ?o } UNION " * (MAX_NESTING // 2 - 10) + "{ ?s ?p ?o } }",
        "ASK { FILTER(" + "1 + " * (MAX_NESTING - 10) + "1 > 0) }",
    ]
    for query in deepest:
        text = guard(query).text
        assert run_confined(tiny, text, timeout=30) in (True, False), query[:40]


def less_than_bypasses(port: int) -> list[str]:
    """``<`` after an operand is less-than to Oxigraph: text a lexer takes for an IRI there
    is live query text, and a quote in it opens a string that hides the rest of the line
    from the lexer (or the reverse)."""
    url = f"<http://127.0.0.1:{port}/sparql>"
    live = f"SERVICE SILENT {url} {{ ?s ?p ?o }}"
    return [
        f"SELECT * WHERE {{ ?s ?p ?a FILTER(?a <'x>\"') {live} FILTER('\" <x'> ?b) }}",
        f"ASK {{ ?s ?p ?a FILTER(?a <'x>\"') {live} FILTER('\" <x'> ?b) }}",
        f"SELECT * WHERE {{ ?s ?p ?a BIND(?a <'x>\"' AS ?c) {live} FILTER('\" <x'> ?b) }}",
        f"SELECT * WHERE {{ ?s ?p ?a FILTER(1 <'x>\"') {live} FILTER('\" <x'> ?b) }}",
        f"SELECT * WHERE {{ ?s ?p ?a FILTER(STR(?a) <'x>\"') {live} FILTER('\" <x'> ?b) }}",
        f"SELECT * WHERE {{ ?s ?p ?a FILTER(?a IN (?b <'x>\"'))"
        f" {live} FILTER('\" <x'> ?b) }}",
        f"SELECT * WHERE {{ ?s ?p ?a }} ORDER BY (?a <'x>\"') \"' {live}",
        f"SELECT ?s (MAX(?a) AS ?m) WHERE {{ ?s ?p ?a {{ SELECT * WHERE {{ ?s ?p ?a "
        f"FILTER(?a <'x>\"') {live} FILTER('\" <x'> ?b) }} }} }} GROUP BY ?s",
    ]


def test_a_service_hidden_behind_a_less_than_never_reaches_the_network(tiny, trap):
    """Issue 18, point 1: the guard took ``<'x>`` after an operand for an IRI and the
    rest for a string; Oxigraph read a comparison, then a live SERVICE."""
    queries = less_than_bypasses(trap.port)
    before = trap.hits
    outcome(tiny, queries[0])
    assert trap.hits > before, "the attack no longer reaches the trap as given: fix the test"
    for query in queries:
        before = trap.hits
        try:
            checked = guard(query)
        except GuardError as err:
            assert err.status in (400, 403)
            continue
        outcome(tiny, checked.text)
        assert trap.hits == before, f"the guard let through: {query!r} as {checked.text!r}"


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<?s) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<=<http://example.org/x>) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<<http://example.org/x>) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<'x') }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<-1 || ?o>+2) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o IN(<http://example.org/x>, 'y')) }",
    "SELECT * WHERE { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o }",
    "SELECT * WHERE { ?s ?p (1 <http://example.org/x#y>) }",
    "SELECT * WHERE { VALUES ?x { -1 +2.5 -3e1 } }",
    "SELECT (?x-1 AS ?y) (?x*-1 AS ?z) WHERE { VALUES ?x { 2 } }",
    "SELECT * WHERE { ?s <http://example.org/p>+1 }",
    "SELECT ?s (COUNT(*) AS ?c) WHERE { ?s ?p ?o } GROUP BY ?s HAVING(COUNT(*)>0) "
    "ORDER BY DESC(?c) ?s",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY(?o<?s)",
    "SELECT * WHERE { ?s <http://example.org/p>?o }",
    "SELECT * WHERE { ?s <http://example.org/p>$o }",
    "SELECT * WHERE { ?s <http://example.org/p>? ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<$s||$s>?o) }",
    "SELECT (?x - -1 AS ?y) (?x*+2 AS ?z) (-?x AS ?w) WHERE { VALUES ?x { 2 } }",
])
def test_less_than_signs_and_iris_are_read_as_oxigraph_reads_them(tiny, query):
    assert outcome(tiny, guard(query).text) == outcome(tiny, query)
    assert outcome(tiny, query)[0] != "error"


# -- differential fuzzing ------------------------------------------------------------------------
class Generator:
    """Random queries, mostly valid, written in every lexical form SPARQL allows: terms as
    IRIs, prefixed names (with escapes), literals in the four quote styles holding quotes,
    braces, ``#`` and keywords; separators that are spaces, tabs, line ends or comments
    (holding keywords, ended by CR or LF); keywords in any case; sometimes a ``SERVICE``
    to the trap."""

    STRINGS = ['"x"', '"SERVICE"', "'y # z'", '"a\\"b"', "'''l'o'''", '"""q""r"""',
               '"}"', '"#"', "'\\u0053ERVICE'", '"tab\\t"', '"x"@en', '"1"^^ex:t',
               "'''SERVICE <http://x/> {}'''", '"\\\\"']
    NAMES = ["ex:p", "ex:SERVICE", "ex:a\\.b", "ex:a%20b", "ex:", "ex:from", "ex:a\\#b",
             "<http://example.org/p>", "<http://example.org/a#b>", "<http://example.org/a%7Db>",
             "ex:service\\-x", "a"]
    SEPARATORS = [" ", "  ", "\t", "\n", "\r\n", " # SERVICE <x> {}\n", "#c\r",
                  "\n# FROM <x>\n", " #}\n"]

    def __init__(self, port: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.url = f"<http://127.0.0.1:{port}/s>"

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def sep(self) -> str:
        return self.pick(self.SEPARATORS)

    def kw(self, word: str) -> str:
        return self.pick([word, word.lower(), word.capitalize()])

    def term(self) -> str:
        return self.pick(["?s", "?p", "?o", "$x", "?y"] + self.NAMES[:-1] + self.STRINGS
                         + ["1", "-2.5", "3e1", "true", "[]", "_:b1"])

    def expression(self, depth: int = 0) -> str:
        if depth > 2 or self.rng.random() < 0.4:
            return self.pick(["?s", "?o", "1", '"x"', "true", "?y"])
        op = self.pick(["=", "!=", "<", ">", "<=", "&&", "||", "+", "*"])
        left, right = self.expression(depth + 1), self.expression(depth + 1)
        form = self.rng.randrange(4)
        if form == 0:
            return f"({left}{self.sep()}{op}{self.sep()}{right})"
        if form == 1:
            return f"{self.kw('CONTAINS')}(STR({left}),{self.pick(self.STRINGS[:9])})"
        if form == 2:
            return f"{self.kw('BOUND')}(?o)"
        return f"!{self.kw('EXISTS')}{self.sep()}{{ ?s {self.pick(self.NAMES[:-1])} ?o }}"

    def element(self, depth: int) -> str:
        sep = self.sep
        choice = self.rng.randrange(10 if depth < 2 else 4)
        if choice <= 2:
            return (f"{self.pick(['?s', '?o', 'ex:s', '[]'])}{sep()}{self.pick(self.NAMES)}"
                    f"{sep()}{self.term()}{sep()}.")
        if choice == 3:
            return f"{self.kw('FILTER')}({self.expression()})"
        if choice == 4:
            return f"{self.kw('OPTIONAL')}{sep()}{{{sep()}{self.group(depth + 1)}{sep()}}}"
        if choice == 5:
            return (f"{{{self.group(depth + 1)}}}{sep()}{self.kw('UNION')}{sep()}"
                    f"{{{self.group(depth + 1)}}}")
        if choice == 6:
            return f"{self.kw('BIND')}({self.expression()}{sep()}{self.kw('AS')}{sep()}?b{depth})"
        if choice == 7:
            return (f"{self.kw('VALUES')}{sep()}?v{sep()}{{{sep()}{self.pick(self.STRINGS)}"
                    f"{sep()}{self.kw('UNDEF')}{sep()}}}")
        if choice == 8:
            return (f"{self.kw('SERVICE')}{sep()}{self.pick(['', 'SILENT '])}{self.url}"
                    f"{sep()}{{ ?s ?p ?o }}")
        return (f"{{{sep()}{self.kw('SELECT')}{sep()}*{sep()}{self.kw('WHERE')}{sep()}"
                f"{{{self.group(depth + 1)}}}{sep()}}}")

    def group(self, depth: int = 0) -> str:
        return self.sep().join(self.element(depth) for _ in range(self.rng.randint(1, 4)))

    def query(self) -> str:
        head = "PREFIX ex: <http://example.org/>" + self.sep()
        sep, kw = self.sep, self.kw
        form = self.rng.randrange(3)
        if form == 0:
            return f"{head}{kw('SELECT')}{sep()}*{sep()}{kw('WHERE')} {{{self.group()}}}"
        if form == 1:
            return f"{head}{kw('ASK')}{sep()}{{{self.group()}}}"
        return (f"{head}{kw('CONSTRUCT')}{sep()}{{ ?s ?p ?o }}{sep()}{kw('WHERE')}{sep()}"
                f"{{{self.group()}}}{sep()}{kw('LIMIT')} 5")


def test_differential_fuzzing_against_oxigraph(tiny, trap):
    """For thousands of generated queries: one that makes Oxigraph reach the network as
    given is refused; one the guard lets through is read by Oxigraph the same way before
    and after canonicalisation, and never reaches the network."""
    generator = Generator(trap.port, seed=20261202)
    accepted = refused = valid = 0
    for _ in range(3000):
        query = generator.query()
        before = trap.hits
        original = outcome(tiny, query)
        reached = trap.hits > before
        try:
            checked = guard(query)
        except GuardError:
            refused += 1
            continue
        assert not reached, f"the guard let through a query that reaches out: {query!r}"
        accepted += 1
        before = trap.hits
        canonical = outcome(tiny, checked.text)
        assert trap.hits == before, f"reached the network: {query!r}"
        if original[0] == "error":
            assert canonical[0] == "error", f"the guard made a query valid: {query!r}"
        else:
            valid += 1
            assert canonical == original, f"read otherwise: {query!r} -> {checked.text!r}"
    # the generator explores both sides, and mostly writes queries Oxigraph runs
    assert accepted > 500 and refused > 500 and valid > 400, (accepted, refused, valid)


# -- the sandbox, with the guard out of the way ----------------------------------------------------
def test_a_confined_query_cannot_reach_the_network(tiny, trap):
    def service() -> object:
        return list(tiny.query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{trap.port}/> "
                               f"{{ ?s ?p ?o }} }}"))

    before = trap.hits
    with pytest.raises(Exception) as err:
        sandbox.run_confined(service, timeout=30, memory=None)
    assert trap.hits == before
    assert "Traceback" not in str(err.value)


def test_a_confined_process_cannot_open_files_or_sockets():
    def escape() -> list[str]:
        tried = []
        for attempt in (lambda: open(__file__, "rb"), lambda: socket.socket(),
                        lambda: os.open("/dev/null", os.O_RDONLY), lambda: os.pipe()):
            try:
                attempt()
                tried.append("opened")
            except OSError as err:
                tried.append(type(err).__name__)
        return tried

    held = sandbox.probe()
    if held.reported:   # seccomp: the socket() call ends the process, reported as refused
        with pytest.raises(sandbox.Refused, match="tried to reach the network"):
            sandbox.run_confined(escape, timeout=30, memory=None)
    else:
        assert sandbox.run_confined(escape, timeout=30, memory=None) == ["OSError"] * 4

    def files_only() -> list[str]:
        tried = []
        for attempt in (lambda: open(__file__, "rb"), lambda: os.pipe(),
                        lambda: os.open("/dev/null", os.O_RDONLY)):
            try:
                attempt()
                tried.append("opened")
            except OSError as err:
                tried.append(type(err).__name__)
        return tried

    assert sandbox.run_confined(files_only, timeout=30, memory=None) == ["OSError"] * 3


def test_the_sandbox_says_what_holds():
    held = sandbox.probe(256 * 2**20)
    assert held.no_files
    if os.path.exists("/proc/self/status"):
        assert held.memory_limit == 256 * 2**20
    assert "no new files or sockets" in held.describe()


def test_a_confined_query_is_stopped_by_time_memory_and_crash(tiny):
    big = ox.Store()
    big.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)),
                       ox.DefaultGraph()) for i in range(300))
    cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    with pytest.raises(QueryError, match="time limit of 1 s"):
        run_confined(big, cross, timeout=1, memory=None)
    with pytest.raises(QueryError, match="more memory than the limit of 100 MB"):
        run_confined(big, cross, timeout=60, memory=100 * 2**20)
    with pytest.raises(QueryError, match="crashed the query engine"):
        sandbox.run_confined(lambda: list(tiny.query("ASK " + "{" * 5000 + "}" * 5000)),
                             timeout=60, memory=None)


class ExpressionGenerator:
    """Random queries built around expressions (comparisons, arithmetic with signs,
    ``BIND``, ``FILTER``, ``HAVING``, ``ORDER BY``, ``IN``), their operators often written
    with no space, beside strings and IRIs that hold quotes, brackets and comment marks,
    and now and then a ``SERVICE`` to the trap, in the open or inside what one lexer may
    take for an IRI and another for a comparison."""

    IRIS = ["<http://example.org/s1>", "<http://example.org/a#b>", "<http://example.org/it's>",
            "<'x>", "<x'>", "<a)b>", "<?o>", "<1>", "<#>", "<http://example.org/(p)>",
            "<x,y>", "<=x>", "<-1>"]
    STRINGS = ['"x"', "'y'", '"a\\"b"', "'#'", '"}"', "')'", '"<x>"', "'''l'o'''",
               '"""q""r"""', '"\'"', "'\"'", '"o1 SERVICE # \\" \'"']
    OPERANDS = ["?s", "?o", "?a", "$o", "1", "-2.5", "+3", "3e1", "true", "?y", "STR(?o)"]
    OPS = ["<", ">", "<=", ">=", "=", "!=", "&&", "||", "+", "-", "*", "/"]

    def __init__(self, port: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.url = f"<http://127.0.0.1:{port}/s>"

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def sp(self) -> str:
        return self.pick(["", "", " ", "  ", "\n", " # c\n", "#'\n"])

    def operand(self) -> str:
        return self.pick(self.OPERANDS + self.IRIS + self.STRINGS)

    def expression(self, depth: int = 0) -> str:
        r = self.rng.random()
        if depth > 2 or r < 0.35:
            return self.operand()
        if r < 0.75:
            return (f"{self.expression(depth + 1)}{self.sp()}{self.pick(self.OPS)}{self.sp()}"
                    f"{self.expression(depth + 1)}")
        if r < 0.85:
            items = ",".join(self.operand() for _ in range(self.rng.randint(1, 3)))
            return f"{self.operand()}{self.sp()}{self.pick(['IN', 'NOT IN'])}{self.sp()}({items})"
        if r < 0.93:
            return f"({self.expression(depth + 1)})"
        return f"{self.pick(['STRLEN', 'STR', 'BOUND', 'ABS'])}({self.expression(depth + 1)})"

    def hidden_service(self) -> str:
        silent = self.pick(["", "SILENT "])
        return self.pick([
            f"SERVICE {silent}{self.url} {{ ?s ?p ?o }}",
            f"FILTER(?o <'x>\"') SERVICE {silent}{self.url} {{ ?s ?p ?o }} FILTER('\" <x'> ?b)",
            f"FILTER(?o<'{self.url}'>?b) SERVICE {silent}{self.url} {{}}",
            f"BIND(?o<\"{self.url}\" AS ?z) FILTER(1<'x#>')\nSERVICE {silent}{self.url} {{}}",
        ])

    def element(self) -> str:
        r = self.rng.randrange(8)
        if r == 0:
            return f"?s{self.sp()}{self.pick(self.IRIS[:3] + ['?p'])}{self.sp()}?o ."
        if r in (1, 2, 3):
            return f"FILTER{self.sp()}({self.expression()})"
        if r == 4:
            return f"BIND({self.expression()}{self.sp()}AS ?b{self.rng.randrange(3)})"
        if r == 5:
            return f"VALUES ?a {{ {self.pick(self.OPERANDS[4:8] + self.IRIS + self.STRINGS)} }}"
        if r == 6:
            return f"OPTIONAL {{ ?s ?p ?o FILTER({self.expression()}) }}"
        return self.hidden_service() if self.rng.random() < 0.5 else "?s ?p ?o ."

    def query(self) -> str:
        body = " ".join(self.element() for _ in range(self.rng.randint(1, 4)))
        form = self.rng.randrange(4)
        if form == 0:
            return f"SELECT * WHERE {{ ?s ?p ?o . {body} }} ORDER BY {self.pick(['?o', 'DESC(?s)'])}"
        if form == 1:
            return (f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o . {body} }} GROUP BY ?s "
                    f"HAVING({self.expression()}) ORDER BY ({self.expression()})")
        if form == 2:
            return f"ASK {{ ?s ?p ?o . {body} }}"
        return (f"SELECT ({self.expression()} AS ?e) WHERE {{ ?s ?p ?o . {body} }} "
                f"ORDER BY ({self.expression()}) ?s")


@pytest.mark.slow
def test_differential_fuzzing_of_expressions_against_oxigraph(tiny, trap):
    """10,000 generated queries around expressions: 0 disagreements. A query the guard lets
    through never reaches the trap (as given or as canonical text), and Oxigraph reads its
    canonical text as it reads the query as given (same answer, or both refused)."""
    generator = ExpressionGenerator(trap.port, seed=20261207)
    accepted = refused = valid = reaching = 0
    for _ in range(10_000):
        query = generator.query()
        before = trap.hits
        original = outcome(tiny, query)
        reached = trap.hits > before
        reaching += reached
        try:
            checked = guard(query)
        except GuardError:
            refused += 1
            continue
        assert not reached, f"the guard let through a query that reaches out: {query!r}"
        accepted += 1
        before = trap.hits
        canonical = outcome(tiny, checked.text)
        assert trap.hits == before, f"reached the network: {query!r}"
        if original[0] == "error":
            assert canonical[0] == "error", f"the guard made a query valid: {query!r}"
        else:
            valid += 1
            assert canonical == original, f"read otherwise: {query!r} -> {checked.text!r}"
    assert accepted > 2000 and refused > 2000 and valid > 1000 and reaching > 100, (
        accepted, refused, valid, reaching)
