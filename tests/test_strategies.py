"""Another strategy, no Python: a blank workbook (`vrgraph sheet new`), filled in as a steward
would (openpyxl), built (`vrgraph build --sheet`), validated, queried alone and beside the
bundled document, with parameters resolved within a chosen strategy; and the synthetic
boroughs, each a strategy of its own.

The test strategy, "Northbridge", is fictional and small; what each query should say of it is
worked out below from its rows, not copied from the queries' output.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from rdflib import Graph, URIRef

from vrgraph import pipeline, query, synthetic
from vrgraph.cli import main
from vrgraph.errors import QueryError
from vrgraph.namespaces import DCTERMS, PROV, RDF, VR
from vrgraph.query.canned import load_queries
from vrgraph.sheet import blank as strategy_sheet

BASE = "https://example.org/northbridge/"
NB = BASE + "id/"
STRATEGY = ["Northbridge violence reduction strategy 2024-2027", "northbridge",
            "A small fictional borough's strategy, written for the tests.", "NBC", "2024-03"]
ROWS = {
    "Principles": [
        ["SP1", "Public health", "We treat violence as a public health problem.",
         "public health; injury"],
        ["SP2", "", "We put young people's voices first.", "young people"],
        ["SP3", "", "We tackle the exploitation of children.", "exploitation"],
        ["EP1", "", "We share data across the partnership.", "data"],
        ["EP2", "", "We co-produce with communities.", "co-produce; residents"]],
    "Plans": [["1", "Early intervention", "Reach young people early."],
              ["2", "Safer streets", ""]],
    "Agencies": [["nbc", "Northbridge Borough Council", "NBC", "organisation", ""],
                 ["youth-service", "Youth Service", "", "unit", "nbc"],
                 ["police", "Northbridge Police", "NP", "organisation", ""],
                 ["vru-manager", "VRU Manager", "", "post", "NBC"],
                 ["csp", "Community Safety Partnership", "CSP", "partnership", ""]],
    "Actions": [
        ["1", "1.1", "Fund youth workers in A&E to reach young people after an injury.",
         "Reachable moments", "youth-service; NP", "SP1; SP2", "EP1", "secondary"],
        ["1", "1.2", "Share hospital data with the partnership every month.",
         "Reachable moments", "NBC", "SP1", "EP1", "primary"],
        ["1", "1.3", "Run a mentoring scheme in schools.", "", "vru-manager", "SP2", "",
         "primary"],
        ["2", "2.1", "Patrol hotspots at night.", "", "NP", "", "", "tertiary"],
        ["2", "2.2", "Co-produce a safety plan with residents.", "", "", "", "EP2", ""]],
}


def fill(path: Path, strategy: list = STRATEGY, rows: dict = ROWS) -> Path:
    """The blank workbook, filled in with ``strategy`` and ``rows`` as a steward would."""
    wb = load_workbook(io.BytesIO(strategy_sheet.blank()))
    for i, value in enumerate(strategy, 2):
        wb["Strategy"].cell(i, 2, value)
    for name, table in rows.items():
        for r, values in enumerate(table, 2):
            for c, value in enumerate(values, 1):
                wb[name].cell(r, c, value)
    wb.save(path)
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def northbridge(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("northbridge")
    book = fill(folder / "northbridge.xlsx")
    out = folder / "northbridge.ttl"
    result = run("build", "--sheet", str(book), "--base-iri", BASE, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    return out


@pytest.fixture(scope="module")
def alone(project, northbridge) -> ox.Store:
    return pipeline.load(project, [northbridge])


@pytest.fixture(scope="module")
def both(project, northbridge) -> ox.Store:
    return pipeline.load(project, [project.graph, northbridge])


@pytest.fixture(scope="module")
def queries(project):
    return load_queries(project.queries)


def answer(store, queries, name: str, **params: str) -> list[dict]:
    return query.run_canned(store, queries[name], params).values()


def col(rows: list[dict], key: str) -> list:
    return [r[key] for r in rows]


# -- the blank workbook ------------------------------------------------------------------------
def test_sheet_new_writes_a_blank_workbook_that_explains_itself(tmp_path):
    out = tmp_path / "strategy.xlsx"
    result = run("sheet", "new", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "vrgraph build --sheet" in result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["About", "Strategy", "Principles", "Plans", "Actions", "Agencies"]
    assert [c.value for c in wb["Strategy"]["A"]][1:] == [c.header for c in strategy_sheet.STRATEGY]
    for name, columns in strategy_sheet.COLUMNS.items():
        assert [c.value for c in wb[name][1]] == [c.header for c in columns]
        assert wb[name].max_row == 1  # blank
    about = [row for row in wb["About"].iter_rows(min_row=4, values_only=True)]
    assert len(about) == len(strategy_sheet.STRATEGY) + sum(
        len(c) for c in strategy_sheet.COLUMNS.values())
    assert all(row[3] for row in about)  # every column explained
    lists = {str(dv.sqref): dv.formula1 for dv in wb["Actions"].data_validations.dataValidation}
    assert lists["A2:A2001"] == "Plans!$A$2:$A$2001"
    assert lists["E2:E2001"] == "Agencies!$A$2:$A$2001"
    assert lists["F2:F2001"] == lists["G2:G2001"] == "Principles!$A$2:$A$2001"
    assert lists["H2:H2001"] == '"primary,secondary,tertiary"'
    again = tmp_path / "again.xlsx"
    run("sheet", "new", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()  # the same bytes every time


# -- a second strategy, alone --------------------------------------------------------------------
def test_the_second_strategy_is_built_deterministically_and_passes_the_shapes(
        project, northbridge, tmp_path):
    again = tmp_path / "again.ttl"
    result = run("build", "--sheet", str(fill(tmp_path / "nb.xlsx")), "--base-iri", BASE,
                 "-o", str(again))
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == northbridge.read_bytes()
    report, _ = pipeline.validate_files(project, [northbridge])
    assert report.count("Violation") == 0
    # the strategy's own gaps, named by their cells
    assert sorted((r.focus, r.lines) for r in report.results) == [
        (NB + "action/2.1", "Actions!A5:H5"), (NB + "action/2.2", "Actions!A6:H6")]
    result = run("validate", str(northbridge))
    assert result.exit_code == 0 and "[Actions!A6:H6]" in result.output


def test_every_resource_traces_to_its_cells(alone, northbridge):
    from rdflib import Graph

    g = Graph().parse(northbridge)
    excerpts = set(g.subjects(RDF.type, VR.SourceExcerpt))
    assert excerpts and all(str(e).startswith(NB + "source/") for e in excerpts)
    for node in set(g.subjects(RDF.type, None)) - excerpts:
        if (node, RDF.type, VR.PrincipleScheme) in g:
            continue
        (excerpt,) = g.objects(node, PROV.wasDerivedFrom)
        assert str(g.value(excerpt, VR.sheetCell)).split("!")[0] in strategy_sheet.SHEETS, node
    cell = {str(s): str(g.value(g.value(s, PROV.wasDerivedFrom), VR.sheetCell))
            for s in g.subjects(PROV.wasDerivedFrom, None)}
    assert cell[NB + "action/1.3"] == "Actions!A4:H4"
    assert cell[NB + "alignment/1.1/strategic-2"] == "Actions!F2"   # the principle's cell
    assert cell[NB + "alignment/1.1/enabling-1"] == "Actions!G2"
    assert cell[NB + "principle/enabling/2"] == "Principles!A6:E6"
    assert cell[NB + "agency/police"] == "Agencies!A4:E4"
    assert cell[NB + "document/northbridge"] == "Strategy!A2:B6"
    assert cell[NB + "group/1/reachable-moments"] == "Actions!D2"


def test_every_canned_query_answers_on_the_second_strategy(alone, queries):
    lookups = {"action": "1.1", "principle": "SP1", "agency": "NP", "plan": "2"}
    for name, q in queries.items():
        params = {p.name: lookups[p.type] for p in q.params if p.type in lookups}
        table = query.run_canned(alone, q, params)
        if name == "reference-uncovered":      # across every strategy: no strategy column
            assert table.variables[-1] == "scheme" and not table.rows
            continue
        assert "strategy" in (table.variables[0], table.variables[-1]), name
        assert {row["strategy"] for row in table.values()} <= {"northbridge"}, name
        empty = {"target-group-coverage", "evidenced-not-declared", "collaboration-network",
                 "steward-edits",   # nothing of theirs in the workbook; no steward edits
                 "reference-coverage", "reference-leads"}  # no principle mappings
        assert table.rows or name in empty, name


def test_the_second_strategy_answers_as_its_rows_say(alone, queries):
    def ask(name, **params):
        return answer(alone, queries, name, **params)

    (row,) = ask("strategies")
    assert (row["strategy"], row["plans"], row["actions"], row["principles"],
            row["leads"], row["notes"]) == ("northbridge", "2", "5", "5", "4", "2")
    assert col(ask("principles-without-actions"), "notation") == ["SP3"]
    assert col(ask("actions-without-alignment"), "number") == ["2.1"]
    assert col(ask("actions-without-lead"), "number") == ["2.2"]
    assert col(ask("actions-led-only-by-post"), "number") == ["1.3"]
    assert col(ask("enabling-without-strategic"), "number") == ["2.2"]
    assert col(ask("strategic-without-enabling"), "number") == ["1.3"]
    coverage = {r["notation"]: r for r in ask("principle-coverage")}
    assert list(coverage) == ["SP1", "SP2", "SP3", "EP1", "EP2"]
    assert (coverage["SP1"]["actions"], coverage["SP1"]["plans"],
            coverage["SP1"]["leadAgencies"]) == ("2", "1", "3")  # NP, Youth Service, NBC
    assert len(ask("plan-principle-matrix")) == 2 * 5
    load = {r["name"]: r for r in ask("agency-load")}
    assert (load["NP"]["actions"], load["NP"]["plans"]) == ("2", "2")
    # NBC leads 1.2 itself and 1.3 through its VRU Manager, and 1.1 through its Youth Service
    assert (load["NBC"]["directActions"], load["NBC"]["postActions"],
            load["NBC"]["actionsWithUnits"]) == ("1", "1", "3")
    (pair,) = ask("collaboration-network")
    assert (pair["agency1Name"], pair["agency2Name"], pair["actionList"]) == \
        ("NP", "Youth Service", "1.1")
    tiers = {r["label"]: r["percentOfActions"] for r in ask("prevention-tier-coverage")}
    assert tiers == {"primary prevention": "40", "secondary prevention": "20",
                     "tertiary prevention": "20", "(not classified)": "20"}
    evidence = {r["notation"]: r for r in ask("declared-vs-evidenced")}
    # "injury" is in 1.1's text, nothing of SP1's terms in 1.2's
    assert (evidence["SP1"]["declaredEvidenced"], evidence["SP1"]["declaredNotEvidenced"]) == \
        ("1", "1")
    notes = {r["notation"]: r["notes"] for r in ask("notes-by-kind") if r["notes"] != "0"}
    assert notes == {"empty-lead": "1", "no-alignment": "1"}
    assert col(ask("actions-for-principle", principle="EP1"), "number") == ["1.1", "1.2"]
    nbc = ask("actions-by-agency", agency="NBC")
    assert [(r["number"], r["via"]) for r in nbc] == [
        ("1.1", "unit: Youth Service"), ("1.2", "direct"), ("1.3", "post: VRU Manager")]
    detail = {r["field"]: r for r in ask("action-detail", action="1.3")}
    assert detail["source"]["value"] == "Actions!A4:H4"
    assert detail["lead"]["detail"] == "post in Northbridge Borough Council"


# -- two strategies side by side ------------------------------------------------------------
COMPARING = ("principle-coverage", "principles-without-actions", "principles-single-plan-or-agency",
             "plan-principle-matrix", "agency-load", "collaboration-network",
             "single-point-of-failure", "actions-without-alignment", "actions-without-lead",
             "actions-led-only-by-post", "declared-vs-evidenced", "prevention-tier-coverage",
             "notes-by-kind", "notes", "steward-edits")


@pytest.mark.parametrize("name", COMPARING)
def test_comparing_queries_give_each_strategy_its_own_rows(both, alone, store, queries, name):
    rows = answer(both, queries, name)
    assert col(rows, "strategy") == sorted(col(rows, "strategy"))  # strategy by strategy
    assert [r for r in rows if r["strategy"] == "hackney"] == answer(store, queries, name)
    assert [r for r in rows if r["strategy"] == "northbridge"] == answer(alone, queries, name)


def test_a_parameter_is_resolved_within_the_strategy_chosen(both, queries):
    with pytest.raises(QueryError, match="the graph holds 2 strategies; choose one: hackney, "
                                         "northbridge"):
        answer(both, queries, "action-detail", action="1.1")
    rows = answer(both, queries, "action-detail", action="1.1", strategy="northbridge")
    assert {r["action"] for r in rows} == {NB + "action/1.1"}
    assert {r["strategy"] for r in rows} == {"northbridge"}
    # SP1 names a principle of each strategy: the one of the strategy chosen, by any name
    for name in ("hackney", "A whole systems approach to violence reduction: the strategic "
                            "landscape", "https://w3id.org/vrgraph/id/document/"
                                         "hackney-violence-reduction-landscape"):
        rows = answer(both, queries, "actions-for-principle", principle="SP1", strategy=name)
        assert rows and {r["principle"] for r in rows} == \
            {"https://w3id.org/vrgraph/id/principle/strategic/1"}
    with pytest.raises(QueryError, match="names no action in strategy 'hackney'; valid "
                                         "values: 5.1.1"):
        answer(both, queries, "action-detail", action="1.1", strategy="hackney")
    with pytest.raises(QueryError, match="names no principle in strategy 'northbridge'"):
        answer(both, queries, "actions-for-principle", strategy="northbridge",
               principle="https://w3id.org/vrgraph/id/principle/strategic/1")
    with pytest.raises(QueryError, match="names no strategy in the graph; valid values: "
                                         "hackney, northbridge"):
        answer(both, queries, "action-detail", strategy="southbridge")


def test_the_cli_refuses_to_guess_the_strategy(project, northbridge):
    data = ["--data", str(project.graph), "--data", str(northbridge)]
    result = run("query", "run", "actions-by-agency", "-p", "agency", "police", *data)
    assert result.exit_code == 2
    assert "choose one: hackney, northbridge" in result.output
    result = run("query", "run", "actions-by-agency", "-p", "agency", "police",
                 "-p", "strategy", "northbridge", "--format", "csv", *data)
    assert result.exit_code == 0, result.output
    assert [line.split(",")[1] for line in result.output.splitlines()[1:]] == ["1.1", "2.1"]
    assert all(line.endswith(",northbridge") for line in result.output.splitlines()[1:])


def test_the_report_shows_the_strategies_side_by_side(project, northbridge, tmp_path):
    out = tmp_path / "report.html"
    result = run("report", "--data", str(project.graph), "--data", str(northbridge),
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "hackney (A whole systems approach" in result.output
    assert "northbridge (Northbridge violence reduction strategy 2024-2027):" in result.output
    assert "- 1 action of 5 (20%) has no lead partner: 2.2." in result.output
    html = out.read_text()
    assert 'id="strategies"' in html and "<title>2 strategies side by side" in html
    side = html[html.index('id="strategies"'):html.index('id="findings"')]
    assert "<td>hackney</td>" in side and "<td>northbridge</td>" in side
    assert html.count("<svg") == 6  # heatmap, bars and network for each
    assert "<h3>northbridge: Northbridge violence reduction strategy 2024-2027</h3>" in html
    alone = tmp_path / "alone.html"
    assert run("report", "--data", str(northbridge), "-o", str(alone)).exit_code == 0
    page = alone.read_text()
    assert 'id="strategies"' not in page and page.count("<svg") == 3
    assert "<title>Northbridge violence reduction strategy 2024-2027</title>" in page


def test_two_strategies_with_one_short_name_break_the_shapes(project, northbridge, tmp_path):
    twin = tmp_path / "twin.ttl"
    result = run("build", "--sheet", str(fill(tmp_path / "twin.xlsx")), "--base-iri",
                 "https://example.org/twin/", "-o", str(twin))
    assert result.exit_code == 0, result.output
    report, _ = pipeline.validate_files(project, [northbridge, twin])
    shared = [r for r in report.results if r.severity == "Violation"]
    assert {r.focus for r in shared} == {NB + "document/northbridge",
                                         "https://example.org/twin/id/document/northbridge"}
    assert all("share the short name northbridge" in r.message for r in shared)


# -- bad workbooks ---------------------------------------------------------------------------
def test_a_hostile_workbook_lists_every_bad_cell_and_writes_nothing(tmp_path):
    rows = {name: [list(r) for r in table] for name, table in ROWS.items()}
    rows["Agencies"][3][4] = "vru-manager"             # part of itself
    rows["Agencies"].append(["NP-2", "Other", "np", "org", "vru-manager"])
    rows["Principles"].append(["XP1", "", "", ""])
    rows["Actions"] += [
        ["1", "2.4", "Wrong plan prefix.", "", "NPP", "EP1", "SP9", "quaternary"],
        ["3", "3.1", "", "", "", "", "", ""],
        ["2", "2.1", "Twice.", "", "", "", "", ""],
        ["2", "=A2", "A formula.", "", "", "", "", ""],
    ]
    book = fill(tmp_path / "bad.xlsx", ["", "North Bridge", "", "Nobody", "March 2024"], rows)
    out = tmp_path / "out.ttl"
    result = run("build", "--sheet", str(book), "--base-iri", BASE, "-o", str(out))
    assert result.exit_code == 2
    assert not out.exists()
    expected = [
        "Strategy!B2: Title is empty",
        "Strategy!B3: 'North Bridge' is not a short name: use lowercase letters, digits and "
        "hyphens, e.g. north-bridge",
        "Strategy!B5: no agency 'Nobody' on sheet Agencies by its Id, Acronym or Name",
        "Strategy!B6: 'March 2024' is not a date",
        "Principles!A7: 'XP1' is not a principle id",
        "Principles!C7: Text is empty",
        "Actions!B7: '2.4' is not an action of plan 1: write 1.1, 1.2 ...",
        'Actions!E7: unknown agency "NPP" (did you mean NP?)',
        "Actions!F7: EP1 is an enabling principle: it belongs in the column Enabling principles",
        'Actions!G7: unknown enabling principle "SP9"',
        'Actions!H7: unknown tier "quaternary"',
        "Actions!A8: no plan '3' on sheet Plans",
        "Actions!C8: Text is empty",
        "Actions!B9: '2.1' is given twice (also row 5)",
        "Actions!B10: a formula (=A2): type the value itself",
        "Agencies!E5: an agency cannot be part of itself",
        "Agencies!A7: 'NP-2' is not an id",
        "Agencies!C7: 'np' is also the id or acronym of row 4",
        "Agencies!D7: unknown kind 'org'; write one of organisation, unit, board",
        "Agencies!E7: 'vru-manager' is a post",
    ]
    for message in expected:
        assert message in result.output, message
    listed = [line for line in result.output.splitlines()[1:] if "!" in line]
    assert len(listed) == len(expected)
    assert "Traceback" not in result.output


def test_a_file_that_is_no_strategy_workbook_is_refused(project, tmp_path):
    text = tmp_path / "not.xlsx"
    text.write_text("Title,Short name\n")
    result = run("build", "--sheet", str(text), "--base-iri", BASE)
    assert result.exit_code == 2 and "not an .xlsx workbook" in result.output
    other = tmp_path / "other.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    other.write_bytes(buffer.getvalue())
    result = run("build", "--sheet", str(other), "--base-iri", BASE)
    assert result.exit_code == 2 and "DOCTYPE" in result.output
    actions = tmp_path / "actions.xlsx"
    assert run("sheet", "export", "-o", str(actions)).exit_code == 0
    result = run("build", "--sheet", str(actions), "--base-iri", BASE)
    assert result.exit_code == 2 and "no sheet Strategy" in result.output
    book = fill(tmp_path / "nb.xlsx")
    result = run("build", "--sheet", str(book))
    assert result.exit_code == 2 and "--sheet needs --base-iri" in result.output
    result = run("build", "--sheet", str(book), "--base-iri", "https://w3id.org/vrgraph/")
    assert result.exit_code == 2 and "a base of its own" in result.output
    assert not (project.root / "out/northbridge.ttl").exists()


# -- the synthetic boroughs ------------------------------------------------------------------
@pytest.fixture(scope="module")
def boroughs(project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("boroughs")
    generator = synthetic.Generator(project.graph)
    files = []
    for k in (1, 2, 3):
        files.append(folder / f"b{k}.nt")
        files[-1].write_text(generator.borough_text(k))
    return files


def test_each_synthetic_borough_is_a_strategy_compared_with_the_others(project, boroughs,
                                                                        queries):
    together = pipeline.load(project, boroughs)
    keys = col(answer(together, queries, "strategies"), "strategy")
    assert keys == ["hackney-b1", "hackney-b2", "hackney-b3"]
    for name in ("principle-coverage", "agency-load", "actions-without-lead",
                 "single-point-of-failure", "notes-by-kind"):
        rows = answer(together, queries, name)
        for key, path in zip(keys, boroughs):
            alone = answer(pipeline.load(project, [path]), queries, name)
            assert [r for r in rows if r["strategy"] == key] == alone, (name, key)
    # the boroughs differ (a few leads moved), and the comparison shows it
    unled = {k: col([r for r in answer(together, queries, "actions-without-lead")
                     if r["strategy"] == k], "number") for k in keys}
    assert len({tuple(v) for v in unled.values()}) > 1
    with pytest.raises(QueryError, match="choose one: hackney-b1, hackney-b2, hackney-b3"):
        answer(together, queries, "action-detail")
    rows = answer(together, queries, "action-detail", strategy="hackney-b2")
    assert {r["action"] for r in rows} == {"https://w3id.org/vrgraph/b2/id/action/5.8.2"}


def test_the_publisher_may_be_given_by_the_agencys_name(tmp_path):
    """Regression: `Strategy!B5: no agency 'Lambeth Council' on sheet Agencies` when the
    agency was there by its Name."""
    strategy = list(STRATEGY)
    strategy[3] = "Northbridge  Borough Council"          # the Name, spaced as typed
    book = fill(tmp_path / "named.xlsx", strategy)
    out = tmp_path / "named.ttl"
    result = run("build", "--sheet", str(book), "--base-iri", BASE, "-o", str(out))
    assert result.exit_code == 0, result.output
    g = Graph().parse(out, format="turtle")
    assert (URIRef(NB + "document/northbridge"), DCTERMS.publisher,
            URIRef(NB + "agency/nbc")) in g
