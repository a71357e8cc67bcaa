"""`vrgraph diff`: what changed between two versions of the graph, in the graph's terms."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

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
    g.remove((action, VR.statedAlignment, None))       # and what the action says of them
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


# -- a diff that misses nothing (issue 19) ------------------------------------------------------
def _without(g: Graph, kind: URIRef) -> list[URIRef]:
    """Remove every resource of ``kind`` and every statement naming it; return them."""
    gone = sorted(g.subjects(RDF.type, kind))
    for r in gone:
        g.remove((r, None, None))
        g.remove((None, None, r))
    return gone


def test_one_identifier_triple_is_a_change(project, tmp_path):
    g = Graph().parse(project.graph, format="turtle")
    g.add((URIRef(ID + "action/5.1.2"), DCTERMS.identifier, Literal("x")))
    new = tmp_path / "new.ttl"
    g.serialize(new, format="turtle")
    result = run(str(project.graph), str(new))
    assert result.exit_code == 1, result.output
    assert "No change." not in result.output
    assert "Other statements, about 1 resource (1):\n  Action 5.1.2 <" in result.output
    assert '    + dcterms:identifier "x"' in result.output
    back = json.loads(run(str(new), str(project.graph), "--format", "json").output)
    assert back["statements"] == [{"about": ID + "action/5.1.2", "strategy": "hackney",
                                   "removed": [[str(DCTERMS.identifier), '"x"']], "added": []}]


@pytest.mark.parametrize("kind, label", [
    (VR.VisionStatement, None), (VR.Footnote, "Footnote 1"), (VR.ProgrammeFactor, None)])
def test_vision_footnotes_and_programme_factors_show_with_their_labels(project, tmp_path, kind,
                                                                        label):
    g = Graph().parse(project.graph, format="turtle")
    labels = {r: str(g.value(r, RDFS.label)) for r in g.subjects(RDF.type, kind)}
    gone = _without(g, kind)
    assert gone
    new = tmp_path / "new.ttl"
    g.serialize(new, format="turtle")
    for a, b, sign in ((project.graph, new, "-"), (new, project.graph, "+")):
        result = run(str(a), str(b))
        assert result.exit_code == 1 and "Other statements" in result.output, result.output
        for r in gone:
            assert f"{labels[r]} <{r}>" in result.output
        assert f"    {sign} rdf:type " in result.output
        if label:
            assert f"  {label} <" in result.output


def test_blank_nodes_are_compared_by_isomorphism(tmp_path):
    one, two, three = (tmp_path / f"{n}.ttl" for n in ("one", "two", "three"))
    head = "@prefix ex: <https://example.org/> .\n"
    one.write_text(head + "ex:a ex:p _:x . _:x ex:q \"1\" . ex:a ex:p _:y . _:y ex:q \"2\" .\n")
    two.write_text(head + "ex:a ex:p [ ex:q \"2\" ] , [ ex:q \"1\" ] .\n")
    three.write_text(head + "ex:a ex:p [ ex:q \"2\" ] , [ ex:q \"3\" ] .\n")
    same = run(str(one), str(two))
    assert same.exit_code == 0 and "No change." in same.output, same.output
    changed = run(str(one), str(three))
    assert changed.exit_code == 1, changed.output
    assert 'a blank node' in changed.output and '- <https://example.org/q> "1"' in changed.output
    assert '+ <https://example.org/q> "3"' in changed.output


def test_leads_and_tiers_are_shown_by_their_labels(project, tmp_path):
    g = Graph().parse(project.graph, format="turtle")
    action = URIRef(ID + "action/5.1.2")
    g.remove((action, VR.ledBy, URIRef(ID + "agency/mps")))
    g.set((action, VR.preventionTier, VR.TertiaryPrevention))
    new = tmp_path / "new.ttl"
    g.serialize(new, format="turtle")
    for fmt in ("text", "markdown"):
        out = run(str(project.graph), str(new), "--format", fmt).output
        assert "5.1.2: Integrated Gangs Unit (IGU); Metropolitan Police Service (MPS) -> " \
               "Integrated Gangs Unit (IGU)" in out, out
        assert " -> tertiary prevention" in out
        assert "igu" not in out and "TertiaryPrevention" not in out and "mps" not in out


def test_markdown_links_action_numbers_where_a_page_is_given(versions):
    from vrgraph import diff

    old, new, _ = versions
    change = diff.compare(diff.snapshot(str(old)), diff.snapshot(str(new)))
    pages = diff.as_markdown(change, lambda iri: iri.replace(ID, "doc/") + ".html")
    assert "- [5.1.1](doc/action/5.1.1.html): " in pages
    assert "- 5.1.1: " in diff.as_markdown(change)


# -- diff across strategies (issue 20) -------------------------------------------------------
@pytest.fixture(scope="module")
def boroughs(tmp_path_factory, project):
    """Two and three synthetic boroughs; the two with a change in each borough."""
    from vrgraph import synthetic

    folder = tmp_path_factory.mktemp("boroughs")
    two, three = folder / "two.nt", folder / "three.nt"
    synthetic.write(project.graph, two, 2)
    synthetic.write(project.graph, three, 3)
    g = Graph().parse(two, format="nt")
    b1, b2 = ("https://w3id.org/vrgraph/b1/id/", "https://w3id.org/vrgraph/b2/id/")
    g.set((URIRef(b2 + "action/5.1.1"), VR.text, Literal("Changed.", lang="en")))
    g.add((URIRef(b1 + "action/5.1.2"), DCTERMS.identifier, Literal("x")))
    g.remove((URIRef(b1 + "action/5.1.4"), VR.ledBy, None))
    edited = folder / "edited.nt"
    g.serialize(edited, format="nt")
    return two, three, edited


def test_each_change_names_its_strategy(boroughs):
    two, _, edited = boroughs
    result = run(str(two), str(edited))
    assert result.exit_code == 1
    out = result.output
    assert "Strategies changed (2):\n  hackney-b1\n  hackney-b2" in out
    b1, b2 = out.split("Strategy hackney-b1:")[1].split("Strategy hackney-b2:")
    assert "Text changed (1):\n    5.1.1: " in b2 and "Text changed" not in b1
    assert "Gaps opened (1):\n    action 5.1.4 has lost all its leads" in b1
    assert '      + dcterms:identifier "x"' in b1 and "identifier" not in b2
    doc = json.loads(run(str(two), str(edited), "--format", "json").output)
    assert doc["strategies"]["hackney-b2"]["text_changed"][0][0] == "5.1.1"
    assert [g["strategy"] for g in doc["statements"]] == ["hackney-b1"]
    turtle = Graph().parse(data=run(str(two), str(edited), "--format", "turtle").output)
    subjects = {str(o) for o in turtle.objects(None, DCTERMS.subject)}
    assert "https://w3id.org/vrgraph/b2/id/action/5.1.1" in subjects


def test_a_strategy_added_is_a_collection_change_with_its_gaps(boroughs):
    two, three, _ = boroughs
    result = run(str(two), str(three), "--format", "markdown")
    assert result.exit_code == 1
    out = result.output
    assert "### Strategies added (1)\n- hackney-b3: " in out and "(131 actions, 14 principles)" in out
    assert "### Strategy hackney-b3 (added)\n\n#### Gaps opened (" in out
    assert "Strategies changed" not in out and "Other statements" not in out
    back = run(str(three), str(two)).output
    assert "Strategies removed (1):\n  hackney-b3: " in back


def test_two_different_strategies_have_nothing_in_common(project, tmp_path):
    from tests.test_strategies import BASE as NORTHBRIDGE
    from tests.test_strategies import fill

    book = fill(tmp_path / "northbridge.xlsx")
    built = tmp_path / "northbridge.ttl"
    made = CliRunner().invoke(main, ["build", "--sheet", str(book), "--base-iri", NORTHBRIDGE,
                                     "-o", str(built)])
    assert made.exit_code == 0, made.output
    result = run(str(project.graph), str(built))
    assert result.exit_code == 1
    out = result.output
    assert (f"{project.graph} holds strategy hackney, {built} holds strategy northbridge: "
            f"no strategy in common.") in out
    assert "Strategies added (1):\n  northbridge: Northbridge violence reduction strategy " \
           "2024-2027 (5 actions, 5 principles)" in out
    assert "Strategies removed (1):\n  hackney: " in out
    assert "Gaps opened (2):\n    principle SP3 has no action\n    action 2.2 has no lead" in out
    assert "Actions removed" not in out and "Other statements" not in out
    both = tmp_path / "both.ttl"
    both.write_bytes(project.graph.read_bytes() + b"\n" + built.read_bytes())
    added = run(str(project.graph), str(both)).output
    assert "no strategy in common" not in added and "Strategies added (1)" in added
    assert "Gaps opened (2)" in added and "Strategies removed" not in added
