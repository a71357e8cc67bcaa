"""The curation files: every field typed by its schema, every source line checked against the
document, YAML bounded; each error one line, ``data/curation/FILE:LINE: field: what``."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from vrgraph.cli import main
from vrgraph.curation import read as curation_read


def build(project) -> str:
    result = CliRunner().invoke(main, ["--root", str(project.root), "build", "-o",
                                       str(project.root / "out.ttl")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0].removeprefix("error: ")


def edit(project, name: str, old: str, new: str) -> None:
    path = project.root / "data/curation" / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


CASES = [  # file, text as written, hostile text, the error
    ("leads.yaml", "source: [110]", "source: [999999]",
     r"leads.yaml:13: source: \[999999\] are not the lines of action 5.1.1 in the source, \[110\]"),
    ("leads.yaml", "source: [110]", "source: [-5]",
     r"leads.yaml:13: source\[0\]: -5 is not a line number of the source document"),
    ("leads.yaml", "source: [110]", "source: [abc]",
     r"leads.yaml:13: source\[0\]: 'abc' is not a whole number"),
    ("leads.yaml", "source: [110]", "source: 110",
     r"leads.yaml:13: source: 110 is not a list of source line numbers"),
    ("leads.yaml", "cell: Community Safety", "cell: Community Safety\n  cell: x",
     r"leads.yaml:11: cell: given twice; keep one"),
    ("leads.yaml", '"5.1.1":', '"5.1.99":',
     r"leads.yaml:10: 5.1.99: action '5.1.99' does not exist in the document"),
    ("agencies.yaml", "source: [109, 158, 498]", "source: [109, 158, 999999]",
     r"agencies.yaml:\d+: source: line 999999 is outside the source document \(lines 1-\d+\)"),
    ("agencies.yaml", "source: [109, 158, 498]", "source: [498]",
     r"agencies.yaml:\d+: source: \[498\] names none of the lines \[155, 158\]"),
    ("agencies.yaml", "label: Metropolitan Police Service", "label: [Metropolitan Police]",
     r"agencies.yaml:20: label: \['Metropolitan Police'\] is not text"),
    ("agencies.yaml", "kind: organisation", "kind: [organisation]",
     r"agencies.yaml:13: kind: \['organisation'\] is not one of organisation, unit, board"),
    ("agencies.yaml", "  acronym: MPS", "  acronm: MPS",
     r"agencies.yaml:21: acronm: not a field of this file; the fields are acronym, "),
    ("agencies.yaml", "- id: mps", "- id: MPS",
     r"agencies.yaml:19: id: 'MPS' is not a lowercase slug"),
    ("interventions.yaml", "source: [110]", "source: [111]",
     r"interventions.yaml:11: source: \[111\] names none of the lines \[110\]"),
    ("interventions.yaml", "actions: [5.1.1]", "actions: [5.1.99]",
     r"interventions.yaml:10: actions: action '5.1.99' does not exist in the document"),
    ("timeframes.yaml", "ends: '2020-03-31'", "ends: 2020-03-31",
     r"timeframes.yaml:8: ends: 2020-03-31 is not text; put it in quotes"),
    ("places.yaml", "ons: E09000012", "ons: X", r"places.yaml:6: ons: 'X' is not the ONS code"),
    ("prevention-tiers.yaml", '"5.1.2":', '"5.1.1":', r"prevention-tiers.yaml:26: 5.1.1: given twice"),
    ("prevention-tiers.yaml", "tiers: [secondary]", "tiers: [quaternary]",
     r"prevention-tiers.yaml:24: tiers\[0\]: 'quaternary' is not one of primary, secondary"),
    ("principles.yaml", "SP2:", "XP2:", r"principles.yaml:8: XP2: 'XP2' is not a principle"),
    ("corrections.yaml", "line: 15", "line: 16",
     r"corrections.yaml:17: text: line 16 of the source does not contain \"It's goals\""),
    ("corrections.yaml", "numbers:", "numbrs:", r"corrections.yaml:6: numbrs: not a field"),
]


@pytest.mark.parametrize("name, old, new, error", CASES,
                         ids=[f"{c[0]}:{c[2][:24]}" for c in CASES])
def test_a_wrong_field_is_one_line_with_file_line_and_field(scratch, name, old, new, error):
    edit(scratch, name, old, new)
    assert re.fullmatch(r"data/curation/" + error + ".*", build(scratch))


def bomb(levels: int) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels):
        text += f"{'abcdefghij'[i]}: &{'abcdefghij'[i]} [" + ",".join(
            [f"*{'abcdefghij'[i - 1]}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize("text, error", [
    (bomb(9), r"agencies.yaml:\d+: YAML aliases expand to more than the budget of 200000 values"),
    ("x: &a 1\n" + "".join(f"y{i}: *a\n" for i in range(150)),
     r"agencies.yaml:102: more than 100 YAML aliases \(\*name\); refused"),
    ("- &a [*a]\n", r"agencies.yaml:1: a YAML alias refers to the value that holds it"),
    ("[" * 5000 + "]" * 5000, r"agencies.yaml:1: nested deeper than the budget of 20 levels"),
    ("? [a]\n: b\n", r"agencies.yaml:1: a key must be text, not a list or a mapping"),
    ("- yes: 1\n", r"agencies.yaml:1: key 'yes' must be text; put it in quotes"),
    ("- id: [unclosed\n", r"agencies.yaml:2:1: malformed YAML: "),
    ("{}", r"agencies.yaml:1: \{\} is not a list"),
    ("- id: x\n  label: 2026-13-01\n", r"agencies.yaml:2:10: malformed YAML: '2026-13-01' "
                                        r"cannot be read \(month must be in 1\.\.12\); put it "
                                        r"in quotes"),
])
def test_hostile_yaml_is_refused_within_a_bound_on_work(scratch, monkeypatch, text, error):
    """The work is that of the text (nodes composed, alias sizes summed, values built),
    never that of what its aliases stand for (bomb(9): 9^9 values)."""
    from vrgraph.curation import read as reader

    work = {"composed": 0, "expanded": 0, "built": 0}

    def counting(step: str, real, display_at: int):
        def counted(*args, **kwargs):
            display = args[display_at] if display_at >= 0 else args[0].display
            work[step] += display.endswith("agencies.yaml")
            return real(*args, **kwargs)
        return counted

    monkeypatch.setattr(reader._Loader, "compose_node",
                        counting("composed", reader._Loader.compose_node, -1))
    monkeypatch.setattr(reader, "_expanded", counting("expanded", reader._expanded, 3))
    monkeypatch.setattr(reader, "_build", counting("built", reader._build, 3))
    (scratch.root / "data/curation/agencies.yaml").write_text(text)
    message = build(scratch)
    assert re.match(r"data/curation/" + error, message), message
    assert 0 < sum(work.values()) <= 1_000, work


def test_non_utf8_curation_names_the_byte(scratch):
    (scratch.root / "data/curation/agencies.yaml").write_bytes(b"- id: x\n  label: caf\xe9\n")
    assert build(scratch) == ("data/curation/agencies.yaml: not UTF-8 at byte 20 (line 2, "
                              "column 13): b'\\xe9' invalid continuation byte; save it as UTF-8")


def test_every_file_has_a_schema_and_the_real_files_pass(project):
    folder = project.root / "data/curation"
    names = {p.stem for p in folder.glob("*.yaml")}
    assert names == set(curation_read._schemas()["files"])
    for name in sorted(names):
        curation_read.read(folder / f"{name}.yaml", name, name)


def test_every_source_field_is_checked(scratch):
    """Each file's source lines are held to the document, not only some files'."""
    files = sorted(p.name for p in (scratch.root / "data/curation").glob("*.yaml")
                   if "\nsource: [" in p.read_text().replace("  source: [", "\nsource: ["))
    assert files == ["agencies.yaml", "interventions.yaml", "leads.yaml", "places.yaml",
                     "target-groups.yaml", "timeframes.yaml"]
    for name in files:
        path = scratch.root / "data/curation" / name
        original = path.read_text()
        path.write_text(re.sub(r"source: \[\d+", "source: [9999", original, count=1))
        assert re.match(rf"data/curation/{name}:\d+: source: .*9999", build(scratch)), name
        path.write_text(original)
