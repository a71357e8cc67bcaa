"""Shapes files as a user gives them (``vrgraph validate --shapes``): ``owl:imports`` of
local files followed (SHACL 3.1), anything else refused, never a silent zero shapes; and
``sh:flags`` read the same by both engines."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from vrgraph.cli import main

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <http://example.org/> .
"""
DATA = PREFIXES + """ex:a ex:name "Alice" .
ex:b ex:name "bob" .
ex:c ex:name "line one\\nline two" .
ex:d ex:name "a.b" .
ex:e ex:name "axb" .
"""
SHAPE = """ex:Names a sh:NodeShape ; sh:targetSubjectsOf ex:name ;
  sh:property [ sh:path ex:name ; sh:minLength 4 ] .
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def write(folder, name: str, text: str):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def violations(result) -> int:
    assert result.exit_code in (0, 1), result.output
    return result.output.count("MinLengthConstraintComponent") + result.output.count(
        "PatternConstraintComponent")


def test_a_shapes_file_that_imports_another_by_a_relative_path_validates_against_both(tmp_path):
    data = write(tmp_path, "data.ttl", DATA)
    write(tmp_path, "shapes/common/names.ttl", PREFIXES + SHAPE)
    main_shapes = write(tmp_path, "shapes/main.ttl", PREFIXES + "<> owl:imports <common/names.ttl> .\n")
    result = invoke("validate", str(data), "--shapes", str(main_shapes), "--format", "text")
    assert result.exit_code == 1, result.output
    assert "ex:b" in result.output or "example.org/b" in result.output  # "bob": 3 characters
    alone = invoke("validate", str(data), "--shapes", str(main_shapes.parent / "common/names.ttl"))
    assert alone.exit_code == 1


def test_imports_in_a_cycle_are_read_once(tmp_path):
    data = write(tmp_path, "data.ttl", DATA)
    one = write(tmp_path, "one.ttl", PREFIXES + "<> owl:imports <two.ttl> .\n" + SHAPE)
    write(tmp_path, "two.ttl", PREFIXES + "<> owl:imports <one.ttl> .\n")
    result = invoke("validate", str(data), "--shapes", str(one), "--format", "json")
    assert result.exit_code == 1, result.output
    assert result.output.count('"focus"') == 1 or "bob" in result.output


@pytest.mark.parametrize("target", ["https://example.org/shapes.ttl", "urn:x-shapes:common",
                                    "http://www.w3.org/ns/shacl#"])
def test_an_import_from_elsewhere_is_refused_with_exit_2(tmp_path, target):
    data = write(tmp_path, "data.ttl", DATA)
    shapes = write(tmp_path, "shapes.ttl", PREFIXES + f"<> owl:imports <{target}> .\n")
    result = invoke("validate", str(data), "--shapes", str(shapes))
    assert result.exit_code == 2
    assert f"owl:imports <{target}>: only local files are followed" in result.output
    assert "shapes.ttl" in result.output and "Traceback" not in result.output


def test_skip_remote_imports_leaves_them_out_on_the_users_word(tmp_path):
    data = write(tmp_path, "data.ttl", DATA)
    shapes = write(tmp_path, "shapes.ttl", PREFIXES + SHAPE +
                   "<> owl:imports <http://datashapes.org/dash> .\n")
    assert invoke("validate", str(data), "--shapes", str(shapes)).exit_code == 2
    result = invoke("validate", str(data), "--shapes", str(shapes), "--skip-remote-imports")
    assert result.exit_code == 1, result.output  # "bob" is too short


def test_a_missing_or_malformed_import_is_exit_2_naming_the_importer(tmp_path):
    data = write(tmp_path, "data.ttl", DATA)
    shapes = write(tmp_path, "shapes.ttl", PREFIXES + "<> owl:imports <gone.ttl> .\n")
    result = invoke("validate", str(data), "--shapes", str(shapes))
    assert result.exit_code == 2 and "gone.ttl" in result.output
    assert "imported by" in result.output and "shapes.ttl" in result.output
    write(tmp_path, "bad.ttl", PREFIXES + "ex:a ex:b .\n")
    shapes.write_text(PREFIXES + "<> owl:imports <bad.ttl> .\n", encoding="utf-8")
    result = invoke("validate", str(data), "--shapes", str(shapes))
    assert result.exit_code == 2 and "bad.ttl:" in result.output


def test_an_import_of_a_resource_the_shapes_describe_needs_no_file(tmp_path):
    """SHACL-SPARQL links prefix declarations with owl:imports inside the shapes graph."""
    data = write(tmp_path, "data.ttl", DATA)
    shapes = write(tmp_path, "shapes.ttl", PREFIXES + SHAPE +
                   "ex:mine owl:imports ex:theirs . ex:theirs a owl:Ontology .\n")
    assert invoke("validate", str(data), "--shapes", str(shapes)).exit_code == 1


def pattern_shape(pattern: str, flags: str) -> str:
    return PREFIXES + f"""ex:P a sh:NodeShape ; sh:targetSubjectsOf ex:name ;
  sh:property [ sh:path ex:name ; sh:pattern {pattern} ; sh:flags "{flags}" ] .
"""


def focus_nodes(result) -> list[str]:
    import json

    assert result.exit_code in (0, 1), result.output
    return sorted(r["focus"] for r in json.loads(result.output)["results"])


@pytest.mark.parametrize(("pattern", "flags", "failing"), [
    ('"^line one.line two$"', "s", ["a", "b", "d", "e"]),    # . matches the line break
    ('"a.b"', "q", ["a", "b", "c", "e"]),                     # the dot is a dot
    ('"A.B"', "qi", ["a", "b", "c", "e"]),                    # with i: still literal
])
def test_flags_s_and_q_give_the_same_results_on_both_engines(tmp_path, pattern, flags, failing):
    data = write(tmp_path, "data.ttl", DATA)
    shapes = write(tmp_path, "shapes.ttl", pattern_shape(pattern, flags))
    found = {}
    for engine in ("sparql", "pyshacl"):
        result = invoke("validate", str(data), "--shapes", str(shapes), "--format", "json",
                        "--engine", engine)
        found[engine] = focus_nodes(result)
    assert found["sparql"] == found["pyshacl"]
    assert found["sparql"] == [f"http://example.org/{n}" for n in failing]


def test_flag_x_is_the_default_engines_and_refused_by_pyshacl_with_why(tmp_path):
    data = write(tmp_path, "data.ttl", DATA)
    shapes = write(tmp_path, "shapes.ttl", pattern_shape('"^ a x b $"', "x"))
    result = invoke("validate", str(data), "--shapes", str(shapes), "--format", "json")
    assert focus_nodes(result) == [f"http://example.org/{n}" for n in "abcd"]  # only axb
    refused = invoke("validate", str(data), "--shapes", str(shapes), "--engine", "pyshacl")
    assert refused.exit_code == 2
    assert "the flag 'x' is not supported by --engine pyshacl" in refused.output
    assert "Traceback" not in refused.output
