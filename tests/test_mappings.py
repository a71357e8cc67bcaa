"""Cross-strategy alignment (issue 20): principles of different strategies mapped with SKOS
mapping properties, from a workbook's column Matches or a mapping file (vrgraph map), checked
by the shapes, and compared through by the reference-* queries and the report.

The expected answers are worked out from the Northbridge workbook rows of
tests/test_strategies.py and the document (Hackney's SP1 has 5 actions, SP3 47, SP6 and EP7
none), not copied from the queries' output."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from tests.test_strategies import BASE, ROWS, STRATEGY, fill, run
from vrgraph import mappings, pipeline, query, store
from vrgraph.query.canned import load_queries
from vrgraph.report import collect, render
from vrgraph.sheet import blank

HK = "https://w3id.org/vrgraph/id/principle/"
NB = BASE + "id/principle/"
REFERENCE = ("reference-coverage", "reference-leads", "reference-uncovered")


def workbook(folder: Path, matches: dict[int, str]) -> Path:
    rows = copy.deepcopy(ROWS)
    for i, cell in matches.items():
        rows["Principles"][i].append(cell)
    return fill(folder / "mapped.xlsx", STRATEGY, rows)


@pytest.fixture(scope="module")
def mapped(tmp_path_factory) -> Path:
    """Northbridge, its SP1 close to Hackney's SP1, its SP2 narrower than Hackney's SP3
    (broad), its EP1 exactly Hackney's EP1."""
    folder = tmp_path_factory.mktemp("mapped")
    book = workbook(folder, {0: "close hackney:SP1", 1: "broad hackney:sp3",
                             3: "exactMatch hackney:EP1"})
    out = folder / "northbridge.ttl"
    result = run("build", "--sheet", str(book), "--base-iri", BASE, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def both(project, mapped):
    return pipeline.load(project, [project.graph, mapped])


@pytest.fixture(scope="module")
def queries(project):
    return load_queries(project.queries)


def rows(st, queries, name):
    return query.run_canned(st, queries[name]).values()


def test_the_workbook_column_becomes_skos_mappings(mapped):
    g = Graph().parse(mapped, format="turtle")
    assert set(g.triples((None, SKOS.closeMatch, None))) == {
        (URIRef(NB + "strategic/1"), SKOS.closeMatch, URIRef(HK + "strategic/1"))}
    assert (URIRef(NB + "strategic/2"), SKOS.broadMatch, URIRef(HK + "strategic/3")) in g
    assert (URIRef(NB + "enabling/1"), SKOS.exactMatch, URIRef(HK + "enabling/1")) in g


def test_a_bad_matches_cell_names_its_cell_and_the_fix(tmp_path):
    book = workbook(tmp_path, {0: "similar hackney:SP1", 1: "close hackney:SP9",
                               2: "close lambeth:SP1"})
    result = run("build", "--sheet", str(book), "--base-iri", BASE, "-o",
                 str(tmp_path / "x.ttl"))
    assert result.exit_code == 2 and not (tmp_path / "x.ttl").exists()
    assert "Principles!E2: 'similar hackney:SP1' is not a mapping: write exact, close, " \
           "broad or narrow" in result.output
    assert "Principles!E3: no principle 'hackney:SP9'" in result.output
    assert "hackney has SP1, SP2" in result.output
    assert "Principles!E4: no principle 'lambeth:SP1'" in result.output
    assert "the strategies given are hackney" in result.output


def test_a_workbook_from_before_the_column_still_builds(tmp_path):
    from openpyxl import load_workbook

    book = fill(tmp_path / "old.xlsx")
    wb = load_workbook(book)
    wb["Principles"].delete_cols(len(blank.COLUMNS["Principles"]))
    wb.save(book)
    result = run("build", "--sheet", str(book), "--base-iri", BASE, "-o",
                 str(tmp_path / "old.ttl"))
    assert result.exit_code == 0, result.output


def test_reference_coverage_compares_through_the_mappings(both, queries):
    got = {(r["notation"], r["strategy"]): r for r in rows(both, queries, "reference-coverage")}
    # the reference schemes are Hackney's two: 6 strategic and 8 enabling principles
    assert len(got) == 2 * (6 + 8)
    assert (got["SP1", "hackney"]["actions"], got["SP1", "hackney"]["relations"]) == ("5", "same")
    # Northbridge's SP1 (actions 1.1, 1.2) is close to Hackney's SP1
    nb = got["SP1", "northbridge"]
    assert (nb["principles"], nb["actions"], nb["relations"]) == ("1", "2", "close")
    # its SP2 (actions 1.1 and 1.3) is narrower than Hackney's SP3: "broad"
    assert (got["SP3", "northbridge"]["actions"], got["SP3", "northbridge"]["relations"]) == \
        ("2", "broad")
    # its EP1 (1.1 and 1.2) is Hackney's EP1
    assert got["EP1", "northbridge"]["relations"] == "exact"
    assert (got["SP5", "northbridge"]["actions"], got["SP5", "northbridge"]["relations"]) == \
        ("0", "")
    assert got["SP1", "northbridge"]["definition"].startswith("We recognise that violence")


def test_reference_leads_says_who_leads_them(both, queries):
    got = {(r["notation"], r["strategy"], r["kind"]): r for r in rows(both, queries,
                                                                       "reference-leads")}
    # Northbridge's SP2 actions: 1.1 led by youth-service (unit) and NP (organisation), 1.3
    # by the VRU Manager (post)
    assert {k for k in got if k[:2] == ("SP3", "northbridge")} == {
        ("SP3", "northbridge", "unit"), ("SP3", "northbridge", "organisation"),
        ("SP3", "northbridge", "post")}
    assert got["SP3", "northbridge", "post"]["actions"] == "1"


def test_reference_uncovered_is_what_no_strategy_serves(both, queries):
    assert [r["notation"] for r in rows(both, queries, "reference-uncovered")] == ["EP7", "SP6"]


def test_the_reference_queries_give_the_same_rows_on_rdflib(both, queries):
    g = store.graph(both)
    for name in REFERENCE:
        ours = query.run_canned(both, queries[name])
        theirs = g.query(queries[name].text)
        names = [str(v) for v in theirs.vars or []]
        assert names == ours.variables, name
        expected = [[None if t is None else store.lexical(t) for t in row] for row in ours.rows]
        got = [[None if v is None else str(v) for v in row] for row in theirs]
        assert got == expected and got, name


def test_the_shapes_refuse_a_mapping_within_one_strategy_or_to_nothing(project, mapped,
                                                                       tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{NB}strategic/1> skos:closeMatch <{NB}strategic/2> .
<{NB}strategic/3> skos:broadMatch <https://nowhere.example/x> .
<{NB}enabling/2> skos:exactMatch <{HK}enabling/2> ; skos:narrowMatch <{HK}enabling/2> .
""", encoding="utf-8")
    report, _ = pipeline.validate_files(project, [project.graph, mapped, bad])
    found = {(r.focus, r.shape.rsplit("/", 1)[-1]) for r in report.results
             if r.severity == "Violation"}
    assert found == {(NB + "strategic/1", "Principle-mappedElsewhere"),
                     (NB + "strategic/3", "Principle-mapping"),
                     (NB + "enabling/2", "Principle-exactNotBroaderOrNarrower")}


def test_vrgraph_map_turns_a_mapping_file_into_a_checked_graph(project, tmp_path):
    source = fill(tmp_path / "nb.xlsx")
    nb = tmp_path / "nb.ttl"
    assert run("build", "--sheet", str(source), "--base-iri", BASE, "-o", str(nb)).exit_code == 0
    good = tmp_path / "mappings.yaml"
    good.write_text("- principle: northbridge:SP1\n  relation: closeMatch\n  to: hackney:SP1\n"
                    "  why: Both see violence as having many causes.\n"
                    f"- principle: {NB}enabling/2\n  relation: narrow\n  to: hackney:EP4\n"
                    "  why: Co-production is one way of innovating.\n", encoding="utf-8")
    out = tmp_path / "mappings.ttl"
    result = run("map", str(good), "--data", str(project.graph), "--data", str(nb),
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "2 mappings" in result.output
    g = Graph().parse(out, format="turtle")
    assert set(g) == {(URIRef(NB + "strategic/1"), SKOS.closeMatch, URIRef(HK + "strategic/1")),
                      (URIRef(NB + "enabling/2"), SKOS.narrowMatch, URIRef(HK + "enabling/4"))}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- principle: northbridge:SP1\n  relation: close\n  to: hackney:SP1\n"
                   "  why: fine\n- principle: northbridge:SP1\n  relation: close\n"
                   "  to: northbridge:SP2\n  why: within one strategy\n", encoding="utf-8")
    result = run("map", str(bad), "--data", str(project.graph), "--data", str(nb),
                 "-o", str(tmp_path / "no.ttl"))
    assert result.exit_code == 1 and not (tmp_path / "no.ttl").exists()
    assert "a principle of the same strategy" in result.output
    typo = tmp_path / "typo.yaml"
    typo.write_text("- principle: northbridge:SP1\n  relation: similar\n  to: hackney:SP1\n"
                    "  why: x\n", encoding="utf-8")
    result = run("map", str(typo), "--data", str(project.graph), "--data", str(nb))
    assert result.exit_code == 2
    assert f"{typo}:2: relation: 'similar' is not one of exact, close" in result.output


def test_the_mapping_words_of_the_schema_are_those_the_reader_knows():
    from vrgraph.curation.read import _schemas

    words = _schemas()["files"]["mappings"]["items"]["properties"]["relation"]["enum"]
    assert all(mappings.relation(w) is not None for w in words)
    assert {mappings.relation(w) for w in words} == set(mappings.RELATIONS.values())


def test_the_report_compares_strategies_through_the_mappings(both, queries):
    page = render(collect(both, queries), None, {"actions": 136}, "mapped")
    section = page[page.index('id="across"'):page.index('id="gaps"')]
    assert "<th>hackney</th><th>northbridge</th>" in section
    assert "We recognise that violence is due to a complex set" in section
    assert "2 actions<br><small>close</small>" in section
    assert "Reference principles no strategy serves" in section
    uncovered = section[section.index("Reference principles no strategy serves"):]
    assert "<td>EP7</td>" in uncovered and "<td>SP6</td>" in uncovered
    assert "<td>SP1</td>" not in uncovered
