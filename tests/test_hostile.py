"""Hostile inputs: every reader refuses them in one line with exit 2, within its budgets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vrgraph import bounds, store
from vrgraph.cli import main
from vrgraph.errors import InputError

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'


def laughs(levels: int, use: str) -> str:
    """A "billion laughs" RDF/XML file: each entity ten of the one before."""
    decls = ['<!ENTITY l0 "lollollol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE r [\n' + "\n".join(decls) + "\n]>\n"
            f'<rdf:RDF {RDF}>\n<rdf:Description rdf:about="http://example.org/s">'
            f"{use}</rdf:Description>\n</rdf:RDF>\n")


def validate(path: Path):
    """``vrgraph validate PATH``: the result, and how many bytes of PATH reached Oxigraph's
    parser (the work a refusal costs: none, if the checks before it refuse the file)."""
    parsed: list[int] = []
    real = store.read

    def counted(given: Path, display: str, fmt):
        data = real(given, display, fmt)
        if given == path:
            parsed.append(len(data))
        return data

    store.read = counted
    try:
        result = CliRunner().invoke(main, ["validate", str(path)])
    finally:
        store.read = real
    return result, sum(parsed)


def one_line_exit_2(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("levels, use", [
    (9, "<ex:p>&l9;</ex:p>"),                      # 10^9 x 9 bytes: the classic
    (6, "<ex:p>&l6;&l6;</ex:p>"),                  # 18 MB: a "smaller" one
    (5, "<ex:p>" + "&l5;" * 20 + "</ex:p>"),       # many references, each allowed alone
    (5, '<ex:p ex:q="' + "&l5;" * 20 + '"/>'),     # expanded in an attribute
])
def test_entity_expansion_is_refused(tmp_path, levels, use):
    path = tmp_path / "laughs.rdf"
    path.write_text(laughs(levels, use))
    result, parsed = validate(path)
    line = one_line_exit_2(result)
    assert re.match(r"error: .*laughs\.rdf:\d+:\d+: entity expansion refused", line), line
    assert parsed == 0                    # refused before Oxigraph expands anything


def test_external_entities_are_not_read(tmp_path):
    path = tmp_path / "xxe.rdf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    f'\n<rdf:RDF {RDF}><rdf:Description rdf:about="http://e/s"><ex:p>&x;</ex:p>'
                    "</rdf:Description></rdf:RDF>\n")
    line = one_line_exit_2(validate(path)[0])
    assert "entity expansion refused: external entity &x;" in line


def test_entities_within_budget_are_expanded(tmp_path):
    path = tmp_path / "ok.rdf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY ex "http://example.org/">]>\n'
                    f'<rdf:RDF {RDF}><rdf:Description rdf:about="&ex;s"><ex:p>&ex;o &amp; x'
                    "</ex:p></rdf:Description></rdf:RDF>\n")
    quads = store.parse_file(path)
    assert [(q.subject.value, q.object.value) for q in quads] == \
        [("http://example.org/s", "http://example.org/o & x")]


def test_rdfxml_errors_give_line_and_column(tmp_path):
    path = tmp_path / "bad.rdf"
    path.write_text(f'<?xml version="1.0"?>\n<rdf:RDF {RDF}>\n'
                    '<rdf:Description rdf:about="http://example.org/s">\n'
                    "  <ex:p>x</ex:q>\n</rdf:Description>\n</rdf:RDF>\n")
    line = one_line_exit_2(validate(path)[0])
    assert re.search(r"bad\.rdf:4:\d+: malformed RDF/XML: mismatched tag", line), line
    path.write_text(f'<?xml version="1.0"?>\n<rdf:RDF {RDF}>\n<rdf:Description '
                    'rdf:about="http://example.org/s">\n  <ex:p rdf:resource="http://ex ample/"/>'
                    "\n</rdf:Description>\n</rdf:RDF>\n")
    line = one_line_exit_2(validate(path)[0])
    assert re.search(r"bad\.rdf:4:\d+: malformed RDF/XML: .*'http://ex ample/'", line), line


@pytest.mark.parametrize("name, text", [
    ("deep.rdf", f'<?xml version="1.0"?>\n<rdf:RDF {RDF}>\n'
                 + "<rdf:Description><ex:p>" * 50_000 + "x"
                 + "</ex:p></rdf:Description>" * 50_000 + "\n</rdf:RDF>\n"),
    ("deep.ttl", "@prefix ex: <http://example.org/> .\nex:s ex:p " + "[ ex:p " * 200_000
                 + '"x"' + " ]" * 200_000 + " .\n"),
    ("list.ttl", "@prefix ex: <http://example.org/> .\nex:s ex:p " + "( " * 200_000 + '"x"'
                 + " )" * 200_000 + " .\n"),
    ("deep.trig", "@prefix ex: <http://example.org/> .\nex:g { ex:s ex:p " + "[ ex:p " * 5_000
                  + '"x"' + " ]" * 5_000 + " . }\n"),
])
def test_nesting_beyond_the_depth_budget_is_refused_before_parsing(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    result, parsed = validate(path)
    line = one_line_exit_2(result)
    assert f"nested deeper than the budget of {bounds.DEPTH} levels" in line
    assert re.search(rf"{re.escape(name)}:\d+:\d+: ", line), line
    assert parsed == 0                    # Oxigraph's parser, quadratic in depth, never ran


def test_brackets_inside_strings_iris_and_comments_do_not_count(tmp_path):
    path = tmp_path / "ok.ttl"
    noise = "[(" * 2000
    path.write_text(f'@prefix ex: <http://example.org/> .\n# {noise}\nex:s ex:p "{noise}", '
                    f'"""{noise}\n{noise}""", <http://example.org/{"(" * 2000}> .\n')
    assert len(store.parse_file(path)) == 3


def test_size_budget_is_stated(tmp_path, monkeypatch):
    monkeypatch.setenv("VRGRAPH_MAX_INPUT_MB", "1")
    path = tmp_path / "big.nt"
    path.write_bytes(b'<http://a> <http://b> "x" .\n' * 50_000)
    line = one_line_exit_2(validate(path)[0])
    assert "big.nt: larger than the budget of 1 MB" in line
    monkeypatch.setenv("VRGRAPH_MAX_INPUT_MB", "lots")
    assert "VRGRAPH_MAX_INPUT_MB='lots'" in one_line_exit_2(validate(path)[0])


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.ttl"
    path.write_bytes(b'\xef\xbb\xbf@prefix ex: <http://example.org/> .\nex:s ex:p "o" .\n')
    assert len(store.parse_file(path)) == 1


def test_a_utf16_file_is_named_plainly(tmp_path):
    path = tmp_path / "wide.ttl"
    path.write_bytes('@prefix ex: <http://example.org/> .\nex:s ex:p "o" .\n'.encode("utf-16"))
    line = one_line_exit_2(validate(path)[0])
    assert "wide.ttl: starts with a UTF-16 byte-order mark" in line and "save it as UTF-8" in line


def test_non_utf8_turtle_gives_its_position(tmp_path):
    path = tmp_path / "latin1.ttl"
    path.write_bytes(b'@prefix ex: <http://example.org/> .\nex:s ex:p "caf\xe9" .\n')
    with pytest.raises(InputError, match=r"latin1.ttl:2:15: malformed Turtle: Invalid UTF-8"):
        store.parse_file(path)


# --- text given on the command line -----------------------------------------------------

def test_a_non_utf8_query_argument_names_the_byte(project):
    # the OS hands undecodable argv bytes to Python as lone surrogates (PEP 383)
    result = CliRunner().invoke(main, ["sparql", 'ASK { ?s ?p "caf\udce9" }'])
    line = one_line_exit_2(result)
    assert line == ("error: the query argument: not UTF-8 at byte 16 (line 1, column 17): "
                    "b'\\xe9' invalid continuation byte; give it as UTF-8")


def test_a_non_utf8_query_file_names_the_file_and_byte(tmp_path, project):
    path = tmp_path / "q.rq"
    path.write_bytes(b'SELECT * WHERE {\n ?s ?p "caf\xe9" }')
    line = one_line_exit_2(CliRunner().invoke(main, ["sparql", "-f", str(path)]))
    assert f"{path}: not UTF-8 at byte 28 (line 2, column 12)" in line


def test_a_query_file_beyond_the_budget_is_refused(tmp_path, project):
    path = tmp_path / "q.rq"
    path.write_bytes(b" " * (bounds.TEXT_BYTES + 1) + b"ASK {}")
    line = one_line_exit_2(CliRunner().invoke(main, ["sparql", "-f", str(path)]))
    assert "larger than the budget of 4 MB" in line


def test_a_non_utf8_parameter_names_the_parameter(project):
    result = CliRunner().invoke(main, ["query", "run", "actions-for-principle",
                                       "-p", "principle", "EP\udcff9"])
    assert "error: -p principle: not UTF-8 at byte 2" in one_line_exit_2(result)


def test_cli_csv_neutralises_formula_cells(project):
    result = CliRunner().invoke(main, [
        "sparql", "--format", "csv",
        'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("=HYPERLINK(\\"x\\")" "@SUM(1)") ("ok" "+1") } }'])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["a,b", "\"'=HYPERLINK(\"\"x\"\")\",'@SUM(1)",
                                          "ok,'+1"]


def test_canned_query_csv_neutralises_formula_cells(project):
    import pyoxigraph as ox

    from vrgraph.query import Table
    from vrgraph.results import to_csv

    table = Table(["cell"], [[ox.Literal("=1+1")], [ox.Literal("-2")], [ox.Literal("a=b")]])
    assert to_csv(table).splitlines() == ["cell", "'=1+1", "'-2", "a=b"]
