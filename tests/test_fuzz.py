"""Property tests: whatever bytes a reader is given, it returns data or raises the domain error
with a position, never another exception, and within its budgets. Bounded in examples and
time (no deadline per example: the machine is shared)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vrgraph import bounds, store
from vrgraph.curation import read as curation_read
from vrgraph.errors import CurationError, InputError

ROOT = Path(__file__).resolve().parent.parent
CURATION = ROOT / "data/curation"
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
EXTENSIONS = (".ttl", ".nt", ".nq", ".trig", ".n3", ".rdf")
LOCATED = re.compile(r"^\S+?(:\d+(:\d+)?)?: \S")

TURTLE_BITS = st.sampled_from([
    "@prefix ex: <http://example.org/> .\n", "ex:s", " ex:p ", '"x"', "[", "]", "(", ")",
    "{", "}", " . ", " ; ", " , ", "<http://example.org/o>", '"""a\nb"""', "# c\n", "\n",
    "_:b", "'y'", "<<", ">>", "\ufeff", "\\", "@base <http://e/> .", "1.5e3", "true"])
XML_BITS = st.sampled_from([
    '<?xml version="1.0"?>', "<!DOCTYPE r [", '<!ENTITY a "aaaa">', '<!ENTITY b "&a;&a;&a;">',
    "]>", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
          'xmlns:ex="http://example.org/">', "</rdf:RDF>", '<rdf:Description rdf:about="&a;">',
    "</rdf:Description>", "<ex:p>", "</ex:p>", "&a;", "&b;", "&c;", "<![CDATA[ & ]]>",
    '<ex:p rdf:resource="http://e/o"/>', 'rdf:parseType="Literal"', "<!-- x -->", "\n", ">"])


def _parse(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        quads = store.parse_file(path, path.name)
    except InputError as err:
        assert LOCATED.match(str(err)), str(err)
        assert "\n" not in str(err).strip()
        return
    assert all(isinstance(q, ox.Quad) for q in quads)
    assert sum(len(str(q)) for q in quads) <= 4 * bounds.ENTITY_BYTES + 64 * len(data)


@FUZZ
@given(suffix=st.sampled_from(EXTENSIONS), data=st.binary(max_size=400))
def test_any_bytes_parse_or_give_a_located_error(tmp_path, suffix, data):
    _parse(tmp_path, suffix, data)


@FUZZ
@given(suffix=st.sampled_from((".ttl", ".trig", ".n3")),
       bits=st.lists(TURTLE_BITS, max_size=60))
def test_turtle_like_text_parses_or_gives_a_located_error(tmp_path, suffix, bits):
    _parse(tmp_path, suffix, "".join(bits).encode("utf-8"))


@FUZZ
@given(bits=st.lists(XML_BITS, max_size=40))
def test_rdfxml_like_text_parses_or_gives_a_located_error(tmp_path, bits):
    _parse(tmp_path, ".rdf", "".join(bits).encode("utf-8"))


@FUZZ
@given(levels=st.integers(1, 12), fan=st.integers(1, 12), uses=st.integers(1, 30))
def test_entity_expansion_stays_within_its_budget(tmp_path, levels, fan, uses):
    decls = ['<!ENTITY e0 "0123456789">'] + [
        f'<!ENTITY e{i} "{f"&e{i - 1};" * fan}">' for i in range(1, levels + 1)]
    text = ('<?xml version="1.0"?><!DOCTYPE r [' + "".join(decls) + ']><rdf:RDF xmlns:rdf='
            '"http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
            '<rdf:Description rdf:about="http://example.org/s"><ex:p>'
            + f"&e{levels};" * uses + "</ex:p></rdf:Description></rdf:RDF>")
    path = tmp_path / "e.rdf"
    path.write_text(text)
    expanded = 10 * fan ** levels * uses
    try:
        quads = store.parse_file(path)
    except InputError as err:
        assert "entity expansion refused" in str(err)
        assert expanded > bounds.ENTITY_BYTES or 10 * fan ** levels > bounds.ENTITY_BYTES
        return
    assert len(quads[0].object.value) == expanded <= bounds.ENTITY_BYTES


# --- the curation loader --------------------------------------------------------------------

YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**9) | st.text(max_size=12)
    | st.sampled_from(["5.1.1", "curated", "mps", "2020-03-31", "E09000012", "SP1"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=10)
FILES = sorted(p.stem for p in CURATION.glob("*.yaml"))


def _fields(data, path=()):
    """Every path to a value in ``data``."""
    yield path
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        yield from _fields(value, (*path, key))


@pytest.mark.slow
@FUZZ
@given(name=st.sampled_from(FILES), pick=st.integers(0, 10**6), value=YAML_VALUES)
def test_a_curation_file_with_any_value_anywhere_loads_or_gives_file_line_field(
        tmp_path, name, pick, value):
    import yaml

    data = yaml.safe_load((CURATION / f"{name}.yaml").read_text())
    paths = [p for p in _fields(data) if p]
    assume(paths)                      # edits.yaml is committed empty: nothing to replace
    path = paths[pick % len(paths)]
    holder = data
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    target = tmp_path / f"{name}.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True))
    display = f"data/curation/{name}.yaml"
    try:
        curation_read.read(target, display, name)
    except CurationError as err:
        assert re.match(rf"^{re.escape(display)}:\d+(:\d+)?: \S", str(err)), str(err)
        assert "\n" not in str(err)


@FUZZ
@given(text=st.text(max_size=300)
       | st.lists(st.sampled_from(["- ", "a: ", "&x ", "*x ", "[", "]", "{", "}", "\n", "  ",
                                   "? ", "!!python/object:os.system ", "'", '"', "|", "5.1.1",
                                   "source: [1]", "<<: *x\n"]), max_size=50).map("".join))
def test_any_yaml_text_loads_or_gives_a_located_error(tmp_path, text):
    target = tmp_path / "agencies.yaml"
    target.write_text(text, encoding="utf-8")
    try:
        curation_read.read(target, "data/curation/agencies.yaml", "agencies")
    except CurationError as err:
        assert str(err).startswith("data/curation/agencies.yaml"), str(err)
        assert "\n" not in str(err)


@pytest.mark.parametrize("name", FILES)
def test_the_real_files_round_trip_through_the_fuzzer_unchanged(tmp_path, name):
    """The fuzzer's dump of an unchanged file still loads: its failures are the edits'."""
    import yaml

    target = tmp_path / f"{name}.yaml"
    target.write_text(yaml.safe_dump(yaml.safe_load((CURATION / f"{name}.yaml").read_text()),
                                     allow_unicode=True))
    curation_read.read(target, name, name)
