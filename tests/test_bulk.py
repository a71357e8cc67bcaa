"""The reasoned graph built chunk by chunk into an on-disk store (vrgraph/bulk.py): the same
quads as the in-memory pipeline, whatever the chunks; a bad line named in its file."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from vrgraph import bulk, pipeline
from vrgraph import store as st
from vrgraph.errors import InputError
from vrgraph.project import Project

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
VR = "https://w3id.org/vrgraph/def/"


def built(project: Project, files: list[Path], tmp_path: Path) -> ox.Store:
    disk = ox.Store(str(tmp_path / "db"))
    bulk.build(disk, files, [project.ontology], project.root)
    return disk


def same(a: ox.Store, b: ox.Store) -> None:
    """The same quads, graph by graph, blank nodes matched by what is said of them."""
    for g in (st.ASSERTED, st.ONTOLOGY, st.INFERRED, st.DERIVED):
        assert isomorphic(st.graph(a, g), st.graph(b, g)), g.value
    assert len(a) == len(b)


def as_ntriples(project: Project, tmp_path: Path) -> Path:
    """The built graph as N-Triples (the syntax read in chunks)."""
    nt = tmp_path / "graph.nt"
    nt.write_bytes(st.serialize((q.triple for q in st.load([project.graph], [])),
                                ox.RdfFormat.N_TRIPLES))
    return nt


def test_chunks_of_a_few_lines_give_the_quads_of_the_in_memory_pipeline(
        scratch, tmp_path, monkeypatch):
    nt = as_ntriples(scratch, tmp_path)
    monkeypatch.setenv("VRGRAPH_CHUNK_MB", "0.05")   # about 60 chunks
    same(built(scratch, [nt], tmp_path), pipeline.load(scratch, [nt]))


def test_a_turtle_file_is_one_chunk_with_the_same_quads(scratch, tmp_path):
    same(built(scratch, [scratch.graph], tmp_path), pipeline.load(scratch))


def test_blank_nodes_and_asserted_conclusions_across_chunks(scratch, tmp_path, monkeypatch):
    """A blank node named on two lines is one node, though the lines are read apart; two
    files' ``_:b`` are two nodes; a conclusion asserted in another chunk is not inferred."""
    one = tmp_path / "one.nt"
    one.write_text(f'_:a <{VR}coveredByCell> _:b .\n'
                   f'_:b <{VR}cellAlignedTo> <urn:principle> .\n'
                   f'_:b <{SKOS}prefLabel> "cell"@en .\n'
                   f'_:b <{RDFS}label> "cell"@en .\n', encoding="utf-8")
    two = tmp_path / "two.nt"
    two.write_text(f'_:b <{SKOS}prefLabel> "other"@en .\n', encoding="utf-8")
    monkeypatch.setenv("VRGRAPH_CHUNK_MB", "0.00001")  # a line a chunk
    disk = built(scratch, [one, two], tmp_path)
    same(disk, pipeline.load(scratch, [one, two]))
    inherited = list(disk.quads_for_pattern(None, ox.NamedNode(VR + "inheritedAlignment"),
                                            ox.NamedNode("urn:principle"), st.INFERRED))
    assert len(inherited) == 1                       # the chain joined across chunks
    labels = list(disk.quads_for_pattern(None, ox.NamedNode(RDFS + "label"), None,
                                         st.INFERRED))
    assert [q.object.value for q in labels] == ["other"]    # "cell" is asserted
    assert len({q.subject for q in disk.quads_for_pattern(
        None, ox.NamedNode(SKOS + "prefLabel"), None, st.ASSERTED)}) == 2


def test_a_malformed_line_is_named_in_its_file_not_its_chunk(scratch, tmp_path, monkeypatch):
    nt = tmp_path / "bad.nt"
    good = "<urn:a> <urn:b> <urn:c> .\n"
    nt.write_text(good * 500 + "<urn:a> <urn:b> .\n" + good * 10, encoding="utf-8")
    monkeypatch.setenv("VRGRAPH_CHUNK_MB", "0.001")    # about 40 lines a chunk
    with pytest.raises(InputError, match=r"bad\.nt:501"):
        built(scratch, [nt], tmp_path)


def test_an_ntriples_file_past_its_budget_is_refused_before_reading(scratch, tmp_path,
                                                                    monkeypatch):
    nt = tmp_path / "big.nt"
    nt.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n" * 50_000)   # 1.3 MB
    monkeypatch.setenv("VRGRAPH_MAX_INPUT_MB", "1")
    with pytest.raises(InputError, match="budget of 1 MB"):
        built(scratch, [nt], tmp_path)
