"""`vrgraph diff`: what changed between two versions of the graph, in the graph's terms."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef

from vrgraph.cli import main

VR = Namespace("https://w3id.org/vrgraph/def/")
ID = "https://w3id.org/vrgraph/id/"


@pytest.fixture(scope="module")
def versions(tmp_path_factory, project):
    """The built graph, and an edited copy with one change of each kind."""
    folder = tmp_path_factory.mktemp("diff")
    g = Graph().parse(project.graph, format="turtle")
    action = URIRef(ID + "action/5.1.1")
    g.set((action, VR.text, Literal("A new text.", lang="en")))                   # text
    g.set((URIRef(ID + "action/5.1.2"), VR.preventionTier, VR.TertiaryPrevention))  # tier
    unled = URIRef(ID + "action/5.1.4")
    for lead in list(g.objects(unled, VR.ledBy)):                                 # only lead
        g.remove((unled, VR.ledBy, lead))
    g.set((URIRef(ID + "action/5.1.3"), VR.number, Literal("5.1.99")))            # renumbered
    for s in [s for s in g.subjects(VR.alignmentOf, action)]:                     # alignments
        for triple in list(g.triples((s, None, None))):
            g.remove(triple)
    gone = URIRef(ID + "principle/enabling/9")                                    # a gap
    for s in list(g.subjects(VR.alignmentTo, gone)):
        for triple in list(g.triples((s, None, None))):
            g.remove(triple)
    note = next(iter(sorted(g.subjects(None, VR.DataQualityNote))))               # a note
    for triple in list(g.triples((note, None, None))):
        g.remove(triple)
    edited = folder / "edited.ttl"
    g.serialize(edited, format="turtle")
    return project.graph, edited, str(note)


def run(*args: str):
    return CliRunner().invoke(main, ["diff", *args])


def test_the_same_graph_is_equal_exit_0(project):
    result = run(str(project.graph), str(project.graph))
    assert result.exit_code == 0 and "No change." in result.output


def test_each_kind_of_change_is_named(versions):
    old, new, note = versions
    result = run(str(old), str(new), "--format", "json")
    assert result.exit_code == 1, result.output
    whole = json.loads(result.output)
    assert whole["equal"] is False and list(whole["strategies"]) == ["hackney"]
    doc = whole["strategies"]["hackney"]
    assert doc["renumbered"] == [["5.1.3", "5.1.99"]]
    assert doc["actions_added"] == [] and doc["actions_removed"] == []
    assert [t[0] for t in doc["text_changed"]] == ["5.1.1"]
    assert doc["tier_changed"][0][0] == "5.1.2" and doc["tier_changed"][0][2] == "tertiary prevention"
    assert any(t[0] == "5.1.4" and t[2] == [] for t in doc["leads_changed"])
    assert ["5.1.1", "SP4"] in doc["lost"]["stated"]
    assert all(p == "EP9" or n == "5.1.1" for n, p in doc["lost"].get("inherited", []))
    assert "principle EP9 has no action any more" in doc["gaps_opened"]
    assert any(g.startswith("action 5.1.4 has lost") for g in doc["gaps_opened"])
    assert doc["notes_resolved"] == [note]
    back = json.loads(run(str(new), str(old), "--format", "json").output)["strategies"]["hackney"]
    assert back["renumbered"] == [["5.1.99", "5.1.3"]]
    assert "principle EP9 has actions now" in back["gaps_closed"]
    assert back["notes_added"] == [note]


def test_text_markdown_and_a_change_set_in_rdf(versions):
    old, new, _ = versions
    text = run(str(old), str(new)).output
    assert "Alignments lost (stated)" in text and "  5.1.1 -> SP4" in text
    markdown = run(str(old), str(new), "--format", "markdown").output
    assert markdown.startswith("## Changes from") and "### Gaps opened" in markdown
    assert "- principle EP9 has no action any more" in markdown
    turtle = run(str(old), str(new), "--format", "turtle").output
    g = Graph().parse(data=turtle, format="turtle")
    changes = list(g.objects(None, VR.change))
    doc = json.loads(run(str(old), str(new), "--format", "json").output)["strategies"]["hackney"]
    count = (len(doc["renumbered"]) + len(doc["text_changed"]) + len(doc["leads_changed"])
             + len(doc["tier_changed"]) + sum(map(len, doc["gained"].values()))
             + sum(map(len, doc["lost"].values())) + len(doc["notes_resolved"]))
    assert len(changes) == count
    prov = Namespace("http://www.w3.org/ns/prov#")
    assert len(list(g.objects(None, prov.used))) == 2


def test_a_release_folder_and_a_git_revision_are_versions(tmp_path, project):
    (tmp_path / "vrgraph.ttl").write_bytes(project.graph.read_bytes())
    assert run(str(tmp_path), str(project.graph)).exit_code == 0
    result = run("HEAD", str(project.graph))
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


@pytest.mark.parametrize("version, message", [
    ("no-such-revision-or-file", "not a graph file, a release folder or a git revision"),
    (".", "a folder, but not a release"),
])
def test_an_unknown_version_is_exit_2(project, version, message):
    result = run(version, str(project.graph))
    assert result.exit_code == 2 and message in result.output
