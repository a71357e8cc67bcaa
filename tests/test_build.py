"""The built graph against the document, and the build's own guarantees."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from vrgraph import pipeline, store
from vrgraph.cli import main
from vrgraph.errors import CurationError
from vrgraph.namespaces import DCTERMS, OA, PROV, RDF, SKOS, VR, Base

from .test_source import ACTIONS_PER_PLAN

BASE = "https://w3id.org/vrgraph/id/"


def iri(*parts: str) -> URIRef:
    return URIRef(BASE + "/".join(parts))


def test_committed_data_equals_the_build(project, built):
    data, _ = built
    assert project.graph.read_bytes() == data, "data/graph.ttl is stale: run `vrgraph build`"


def test_rebuild_is_byte_identical(project, built):
    again, _ = pipeline.build_turtle(project)
    assert again == built[0]


def test_committed_data_is_the_same_graph(project, built):
    """Compared as graphs too, so that a failure shows the triples that differ."""
    committed = Graph().parse(project.graph)
    _, graph = built
    if to_isomorphic(committed) != to_isomorphic(graph):
        _, only_committed, only_built = graph_diff(to_isomorphic(committed), to_isomorphic(graph))
        pytest.fail(f"only in committed: {sorted(only_committed)[:5]}; "
                    f"only in build: {sorted(only_built)[:5]}")


def test_no_blank_nodes(built):
    data, _ = built
    assert b"_:" not in data and b"[ " not in data


def test_actions_per_plan(built):
    _, g = built
    counts = Counter(str(plan).rsplit("/", 1)[1] for plan in g.objects(None, VR.inPlan))
    assert dict(counts) == ACTIONS_PER_PLAN


def test_action_fields(built):
    _, g = built
    a = iri("action", "5.1.9")
    assert g.value(a, VR.number) == Literal("5.1.9")
    assert str(g.value(a, VR.text)).startswith("A partnership board and officer group has formed")
    assert g.value(a, VR.inPlan) == iri("plan", "5.1")
    assert g.value(a, VR.inGroup) == iri("group", "5.1", "protecting-and-educating-young-people")
    assert str(g.value(a, VR.leadCellText)) == "HLT / Schools / Young Hackney"
    assert set(g.objects(a, VR.ledBy)) == {iri("agency", "hlt"), iri("agency", "hackney-schools"),
                                           iri("agency", "young-hackney")}
    excerpt = g.value(a, PROV.wasDerivedFrom)
    assert (int(g.value(excerpt, VR.firstLine)), int(g.value(excerpt, VR.lastLine))) == (123, 125)
    # 5.1.9 states nothing itself; it lies under 5.1.8's cells
    assert not list(g.objects(a, VR.statedAlignment))
    assert set(g.objects(a, VR.coveredByCell)) == {iri("cell", "5.1.8", "strategic"),
                                                   iri("cell", "5.1.8", "enabling")}


def test_misprinted_number_keeps_what_was_printed(built):
    _, g = built
    a = iri("action", "5.9.7")
    assert g.value(a, VR.statedNumber) == Literal("5.97")
    assert "corrections.yaml" in str(g.value(a, VR.curatedIn))


def test_every_action_has_text_plan_lines_and_lead_cell(built, doc):
    _, g = built
    for action in doc.actions:
        node = iri("action", action.number)
        assert g.value(node, VR.text), action.number
        assert g.value(node, VR.inPlan), action.number
        assert g.value(node, PROV.wasDerivedFrom), action.number
        assert (node, VR.leadCellText, None) in g or not action.lead


def test_stated_and_inherited_alignments_are_qualified_with_provenance(built):
    _, g = built
    stated = iri("alignment", "5.1.1", "enabling-3")
    assert g.value(stated, VR.alignmentMode) == VR.StatedOnRow
    assert g.value(stated, VR.column) == VR.EnablingColumn
    assert str(g.value(stated, VR.citedText)).startswith("We will take an evidence informed")
    inherited = iri("alignment", "5.1.24", "strategic-4")
    assert g.value(inherited, VR.alignmentMode) == VR.InheritedFromGroupCell
    assert g.value(inherited, VR.viaCell) == iri("cell", "5.1.23", "strategic")
    assert g.value(inherited, PROV.wasDerivedFrom) == iri("source", "L144-L144")


def test_column_shift_keeps_the_principle_and_the_column(built):
    _, g = built
    a = iri("alignment", "5.6.7", "strategic-1")
    assert g.value(a, VR.alignmentTo) == iri("principle", "strategic", "1")
    assert g.value(a, VR.column) == VR.EnablingColumn


def test_misattributed_quote_aligns_to_the_number_cited(built):
    _, g = built
    a = iri("alignment", "5.8.2", "strategic-5")
    assert g.value(a, VR.alignmentTo) == iri("principle", "strategic", "5")
    assert str(g.value(a, VR.citedText)).startswith("We are committed as a whole partnership")


def test_principles_are_skos_concepts_with_full_text(built, doc):
    _, g = built
    for p in doc.principles:
        node = iri("principle", p.kind, str(p.number))
        assert str(g.value(node, SKOS.definition)) == p.text
        assert g.value(node, SKOS.inScheme) == iri("scheme", f"{p.kind}-principles")
    assert (iri("principle", "enabling", "6"), None, None) not in g


def test_every_flaw_class_is_a_note(built):
    _, g = built
    kinds = Counter(str(k).rsplit("/", 1)[1] for k in g.objects(None, VR.flawKind))
    for kind in ("RowSplit", "SpanningCell", "ColumnShift", "NumberingSlip", "NumberingGap",
                 "EmptyLead", "MisspeltName", "TruncatedName", "MisattributedQuote",
                 "PrincipleNumberingGap", "WrongPrincipleReference", "Placeholder", "EmptyLink",
                 "PageBreakSplit", "PersonalName", "Typo", "InconsistentName", "NoAlignment"):
        assert kinds[kind] > 0, kind
    note = iri("note", "misspelt-name", "l171-igu-manger")
    assert g.value(note, OA.hasTarget) == iri("action", "5.2.4")


def test_no_personal_name_in_the_graph(built, project):
    import yaml
    leads = yaml.safe_load((project.root / "data/curation/leads.yaml").read_text())
    names = {n for e in leads.values() for n in e.get("personal") or []}
    assert names, "the document names private individuals; the test must know them"
    data, _ = built
    for name in names:
        for part in name.split():
            assert part.encode() not in data, part


def test_base_iri_is_configurable_and_recorded_in_the_graph(project):
    data, g = pipeline.build_turtle(project, Base.parse("https://example.org/borough"))
    assert (URIRef("https://example.org/borough/id/action/5.1.1"), RDF.type, VR.Action) in g
    assert b"w3id.org/vrgraph/id/" not in data
    st = store.from_rdflib(g)
    assert store.base_of(st) == Base("https://example.org/borough/")


@pytest.mark.parametrize("text", ["not an iri", "ftp://example.org/", "https://example.org/a b/",
                                  "https://example.org/x?y", "https://example.org/#f", ""])
def test_a_bad_base_iri_is_exit_2_with_the_reason(text):
    result = CliRunner().invoke(main, ["build", "--check", "--base-iri", text])
    assert result.exit_code == 2 and "absolute http(s) IRI" in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_build_then_publish_under_another_base_gives_a_whole_release(scratch,
                                                                    tmp_path_factory):
    """The base the graph was built under is read back from the graph by every reader."""
    runner = CliRunner()
    tmp_path = tmp_path_factory.mktemp("release")
    root = ["--root", str(scratch.root)]
    result = runner.invoke(main, [*root, "build", "--base-iri", "https://example.org/x/"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, [*root, "build", "--check"]).exit_code == 0
    result = runner.invoke(main, [*root, "publish", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/doc/action/5.1.1.html").is_file()
    assert (tmp_path / "out/doc/action/5.1.1.ttl").is_file()
    assert '"https://example.org/x/id/"' in (tmp_path / "out/.well-known/void").read_text()
    result = runner.invoke(main, [*root, "query", "run", "principles-without-actions"])
    assert result.exit_code == 0 and "vrid:principle/strategic/6" in result.output


def test_curation_errors_name_file_and_line(scratch):
    leads = scratch.root / "data/curation/leads.yaml"
    text = leads.read_text()
    leads.write_text(text.replace("cell: IGU / MPS", "cell: IGU and MPS", 1))
    with pytest.raises(CurationError, match=r"data/curation/leads.yaml:\d+: cell: the lead cell of "
                                            r"action 5.1.2 reads 'IGU / MPS'"):
        pipeline.build_turtle(scratch)


def test_malformed_yaml_is_reported_with_line(scratch):
    agencies = scratch.root / "data/curation/agencies.yaml"
    agencies.write_text(agencies.read_text() + "\n- id: [unclosed\n")
    result = CliRunner().invoke(main, ["--root", str(scratch.root), "build"])
    assert result.exit_code == 2
    assert "data/curation/agencies.yaml:" in result.output
    assert "malformed YAML" in result.output
    assert "Traceback" not in result.output


def test_unknown_agency_is_refused(scratch):
    leads = scratch.root / "data/curation/leads.yaml"
    leads.write_text(leads.read_text().replace("leads: [igu, mps]", "leads: [igu, nobody]", 1))
    result = CliRunner().invoke(main, ["--root", str(scratch.root), "build"])
    assert result.exit_code == 2
    assert "'nobody'" in result.output and "agencies.yaml" in result.output


def test_a_failed_build_leaves_the_old_graph(scratch):
    before = scratch.graph.read_bytes()
    (scratch.root / "data/curation/places.yaml").write_text("{not: [valid")
    result = CliRunner().invoke(main, ["--root", str(scratch.root), "build"])
    assert result.exit_code == 2
    assert scratch.graph.read_bytes() == before
    assert not list(scratch.graph.parent.glob("*.tmp"))


def test_build_check_flag(scratch):
    assert CliRunner().invoke(main, ["--root", str(scratch.root), "build", "--check"]).exit_code == 0
    scratch.graph.write_text("# stale\n")
    result = CliRunner().invoke(main, ["--root", str(scratch.root), "build", "--check"])
    assert result.exit_code == 1 and "differs" in result.output


def test_the_communications_plan_is_in_the_graph(built):
    """Counted in appendix 6.1: 3 key areas, 4 model steps, 6 objectives, 7 + 2 + 3 key
    messages, 10 + 4 + 2 activities, 3 campaign bursts, 6 days, 4 success measures (the last on
    line 555, which has no line break)."""
    _, g = built
    plan = iri("plan", "6.1")
    counts = {p: len(list(g.objects(plan, p))) for p in (
        VR.hasKeyArea, VR.hasModelStep, VR.hasObjective, VR.hasKeyMessage, VR.hasActivity,
        VR.hasCampaign, VR.hasAwarenessDay, VR.hasSuccessMeasure)}
    assert counts == {VR.hasKeyArea: 3, VR.hasModelStep: 4, VR.hasObjective: 6,
                      VR.hasKeyMessage: 12, VR.hasActivity: 16, VR.hasCampaign: 3,
                      VR.hasAwarenessDay: 6, VR.hasSuccessMeasure: 4}
    objective = iri("comms", "objective", "2")
    assert sorted(map(str, g.objects(objective, VR.smartTarget))) == [
        "XX increase in people accessing/contacting our services",
        "XX% increase in reports to police following campaign on specific issue (i.e. child "
        "exploitation - XX% increase in suspected child exploitation reports)"]
    day = iri("comms", "awareness-day", "5")
    assert str(g.value(day, VR.dayDate)) == "22 April 2021"
    # the key message cut by a page break is joined again
    message = iri("comms", "message", "9")
    assert "Windrush generation" in str(g.value(message, VR.text))


def test_stakeholders_and_prose_alignments(built):
    _, g = built
    plan = iri("plan", "6.1")
    assert iri("agency", "mps") in set(g.objects(plan, VR.externalStakeholder))
    assert iri("agency", "igu") in set(g.objects(plan, VR.internalStakeholder))
    assert set(g.objects(plan, VR.alignsWithPrinciple)) == {iri("principle", "strategic", "6")}
    vcs = iri("programme", "voluntary-and-community-sector-strategy")
    assert iri("principle", "enabling", "5") in set(g.objects(vcs, VR.alignsWithPrinciple))


def test_build_does_not_depend_on_hash_seed(tmp_path, built):
    """Set and dict order must not leak into the output: build under another hash seed."""
    import os
    import subprocess
    import sys

    out = tmp_path / "graph.ttl"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "vrgraph.cli", "build", "-o", str(out)], env=env,
                   check=True, capture_output=True)
    assert out.read_bytes() == built[0]


def test_vision_factors_footnotes_and_group_introductions(built):
    """Lines 9-11 (the Community Strategy's vision), 41-43 (the factors the Young Black Men
    programme considers), 56 and 72 (footnotes) and the introductions of plan 5.1's groups."""
    _, g = built
    vision = [iri("vision", "community-strategy", str(i)) for i in (1, 2, 3)]
    assert [str(g.value(v, VR.text)) for v in vision] == [
        "Where everyone can enjoy a good quality of life as part of an open, cohesive, safe "
        "and supportive community.",
        "Where children are given a good start in life, we protect and improve outcomes for the "
        "most vulnerable, and the whole community benefits from the growth and change we have "
        "experienced across the borough,",
        "Where the community, businesses and local services work together to reduce violence "
        "and its impact so that everyone can feel healthy and safe, at home, at work, and on "
        "streets, parks, and estates."]
    assert {g.value(v, DCTERMS.isPartOf) for v in vision} == {iri("section", "1.1")}
    assert [g.value(v, PROV.wasDerivedFrom) for v in vision] == [
        iri("source", f"L{n}-L{n}") for n in (9, 10, 11)]
    programme = iri("programme", "young-black-mens-programme")
    factors = sorted(g.objects(programme, VR.considersFactor))
    assert [str(g.value(f, VR.text)).split(" ", 3)[:3] for f in factors] == [
        ["Direct", "or", "indirect"], ["Contextual", "or", "cultural"],
        ["Poverty", "and", "socio-economic"]]
    assert [g.value(f, PROV.wasDerivedFrom) for f in factors] == [
        iri("source", f"L{n}-L{n}") for n in (41, 42, 43)]
    note = iri("footnote", "2")
    assert g.value(note, VR.number) == Literal("2")
    assert g.value(note, DCTERMS.isPartOf) == iri("section", "3.4")
    assert str(g.value(note, DCTERMS.references)).endswith("/Violence_and_health_and_"
                                                           "wellbeing_boards.pdf")
    assert g.value(iri("footnote", "1"), DCTERMS.references) is None   # its link is '#'
    group = iri("group", "5.1", "supporting-victims-of-knife-crime")
    assert str(g.value(group, VR.introduction)) == (
        "Ensuring that improving support to victims is at the heart of a holistic response to "
        "knife crime reduction")


def test_every_vocabulary_term_the_code_names_is_in_the_ontology(project):
    """``VR`` is closed over ``VR_TERMS``: each must be a term of ontology/vrgraph.ttl, so
    that a term removed or misspelt there fails here, not in a steward's build."""
    from rdflib import Graph

    from vrgraph.namespaces import VR, VR_TERMS

    ontology = set(Graph().parse(project.ontology).subjects())
    assert sorted(t for t in VR_TERMS if VR[t] not in ontology) == []
    with pytest.raises(AttributeError):
        VR.Acton  # noqa: B018  (a misspelt term)
