"""The canned queries of queries/*.rq: well formed, documented, safe, and right on the real graph.

The expected answers below were checked by reading data/source/violence-reduction-landscape.md
(line numbers cited), not copied from the queries' output. Where an answer rests on curation
(posts, units, evidence terms) the comment says so.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from vrgraph import query
from vrgraph.errors import QueryError
from vrgraph.query.binding import bind
from vrgraph.query.canned import PARAM_TYPES, load_queries

VR = "https://w3id.org/vrgraph/def/"
ID = "https://w3id.org/vrgraph/id/"
TYPED = ("principle", "agency", "action", "plan")


@pytest.fixture(scope="module")
def queries(project):
    return load_queries(project.queries)


@pytest.fixture(scope="module")
def run(store, queries):
    """Run a canned query by name; rows as dicts of strings (cached per parameter set)."""
    cache: dict = {}

    def _run(name: str, **params: str) -> list[dict[str, str | None]]:
        key = (name, tuple(sorted(params.items())))
        if key not in cache:
            cache[key] = query.run_canned(store, queries[name], params).values()
        return cache[key]
    return _run


def col(rows, name: str) -> list[str | None]:
    return [r[name] for r in rows]


def numbers(rows) -> set[str]:
    return {r["number"] for r in rows}


def span(prefix: str, first: int, last: int, skip: tuple[int, ...] = ()) -> set[str]:
    return {f"{prefix}.{i}" for i in range(first, last + 1) if i not in skip}


def by(rows, **match) -> list[dict]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def one(rows, **match) -> dict:
    found = by(rows, **match)
    assert len(found) == 1, (match, found)
    return found[0]


# -- every query: parses, documented, safe, runs with its defaults ---------------------------
REQUIRED = {
    "principle-coverage", "principles-without-actions", "principles-single-plan-or-agency",
    "actions-without-alignment", "actions-without-lead", "actions-led-only-by-post",
    "single-point-of-failure", "plan-principle-matrix", "agency-load", "collaboration-network",
    "actions-for-principle", "actions-by-agency", "action-detail",
    "strategic-without-enabling", "enabling-without-strategic",
    "evidenced-not-declared", "declared-not-evidenced", "declared-vs-evidenced",
    "target-group-coverage", "prevention-tier-coverage", "notes-by-kind", "notes",
    "steward-edits",
}


def test_the_required_queries_exist(queries):
    assert REQUIRED <= set(queries)
    for name in queries:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name


def test_every_query_parses_and_is_documented(queries, store):
    for name, q in queries.items():
        assert q.title.strip() and len(q.description) > 60, name
        assert q.tags, f"{name}: no tags"
        # valid SPARQL 1.1 for Oxigraph (prepare with the defaults bound)
        bindings = bind(store, q, {})
        store.query(q.text, substitutions=bindings or None, use_default_graph_as_union=True)
        for p in q.params:
            assert p.type in PARAM_TYPES, (name, p)
            assert p.description.strip(), f"{name}: parameter {p.name} undocumented"
            # a strategy may be left out while the graph holds one
            assert p.default is not None or not p.required, \
                f"{name}: parameter {p.name} has no default"


def test_no_query_uses_filter_not_exists(queries):
    """FILTER NOT EXISTS is quadratic on this engine: MINUS or OPTIONAL/!BOUND instead."""
    for name, q in queries.items():
        code = "\n".join(line.split("#", 1)[0] for line in q.text.splitlines())
        assert not re.search(r"NOT\s+EXISTS", code, re.I), name


def test_every_query_runs_with_defaults_and_projects_its_params(queries, store):
    # how fast: benchmarks/scale.py and benchmarks/stores.py (no timed assertion in a test)
    for name, q in queries.items():
        table = query.run_canned(store, q, {})
        for p in q.params:
            assert p.name in table.variables, f"{name}: ?{p.name} not projected"
        assert table.variables, name


# -- hostile parameters ----------------------------------------------------------------------
HOSTILE = [
    'SP3" } SERVICE <http://x> { "',
    "MPS' . ?s ?p ?o . '",
    "5.1.1 } UNION { ?s ?p ?o }",
    "SERVICE <http://x>",
    "{ }",
    "<http://example.org/x>",
    "x" * 100_000,
]


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: v[:24])
def test_hostile_values_of_typed_params_are_refused_with_valid_values(queries, store, value):
    typed = [(name, p) for name, q in queries.items() for p in q.params if p.type in TYPED]
    assert {p.type for _, p in typed} >= {"principle", "agency", "action"}
    for name, p in typed:
        with pytest.raises(QueryError, match="valid values"):
            query.run_canned(store, queries[name], {p.name: value})


@pytest.mark.parametrize("value", HOSTILE + ['all" || true || "', "all) || (1=1"],
                         ids=lambda v: v[:24])
def test_string_params_are_literals_and_cannot_inject(run, value):
    """A free-text value is checked against what the graph holds (refused with the valid
    values) and otherwise bound as a literal, never spliced."""
    for param in ("kind", "about"):
        with pytest.raises(QueryError, match=f"parameter '{param}': .* names no .*valid values"):
            run("notes", **{param: value})


def test_valid_values_are_accepted_in_every_form(run):
    by_acronym = run("actions-by-agency", agency="MPS")
    assert by_acronym
    for form in ("mps", "Metropolitan Police Service", f"{ID}agency/mps"):
        assert run("actions-by-agency", agency=form) == by_acronym
    sp3 = run("actions-for-principle", principle="SP3")
    assert run("actions-for-principle", principle="sp3") == sp3
    assert run("actions-for-principle", principle="Strategic Principle 3") == sp3


def test_unknown_parameter_names_are_refused(queries, store):
    with pytest.raises(QueryError, match="no parameter"):
        query.run_canned(store, queries["principle-coverage"], {"principle": "SP3"})


# -- 1. principle coverage -------------------------------------------------------------------
# Bracketed citations "[Strategic Principle N]" / "[Enabling Principle N]" in the action tables
# (grep -o -i of the source): each stands on its own action row.
CITED = {"SP1": 4, "SP2": 6, "SP3": 16, "SP4": 10, "SP5": 13, "SP6": 0,
         "EP1": 12, "EP2": 2, "EP3": 4, "EP4": 8, "EP5": 6, "EP7": 0, "EP8": 1, "EP9": 3}


def test_principle_coverage_lists_every_principle_with_stated_counts(run):
    rows = run("principle-coverage")
    # six strategic and eight enabling principles: the enabling list skips 6 (line 28)
    assert col(rows, "notation") == list(CITED)
    for r in rows:
        assert int(r["statedActions"]) == CITED[r["notation"]], r
        assert int(r["actions"]) <= int(r["statedActions"]) + int(r["inheritedActions"])
        assert int(r["actions"]) >= max(int(r["statedActions"]), int(r["inheritedActions"]))
    for gap in ("SP6", "EP7"):
        r = one(rows, notation=gap)
        assert (r["actions"], r["plans"], r["leadAgencies"], r["inheritedActions"]) == ("0",) * 4
    # EP9 is cited on 5.10.1 (l.332), 5.11.2 (l.357), 5.12.6 (l.379); the other 5.10 rows sit
    # under 5.10.1's cell, 5.11.3 under 5.11.2's, 5.12.7 under 5.12.6's
    ep9 = one(rows, notation="EP9")
    assert (ep9["statedActions"], ep9["inheritedActions"], ep9["actions"], ep9["plans"]) == \
        ("3", "13", "16", "3")
    # EP8: only 5.9.8 (l.313), its cell reaching 5.9.10 and 5.9.11, only 5.9.8 has a lead
    ep8 = one(rows, notation="EP8")
    assert (ep8["actions"], ep8["plans"], ep8["leadAgencies"], ep8["unledActions"]) == \
        ("3", "1", "1", "2")


# -- 2. gaps among principles ----------------------------------------------------------------
def test_principles_without_actions_are_sp6_and_ep7(run):
    rows = run("principles-without-actions")
    assert col(rows, "notation") == ["SP6", "EP7"]
    # the communications plan's prose claims SP6 ("strategic principles 6 and 7", l.399)
    assert "COMMUNICATIONS PLAN" in (one(rows, notation="SP6")["claimedInProse"] or "")


def test_principles_served_by_one_plan_or_agency(run):
    rows = run("principles-single-plan-or-agency")
    ep8 = one(rows, notation="EP8")
    assert (ep8["plans"], ep8["planList"], ep8["leadAgencies"]) == ("1", "5.9", "1")
    assert "Communications team" in ep8["agencyList"]  # "Comms team", l.313
    for r in rows:
        assert r["plans"] == "1" or int(r["leadAgencies"]) <= 1
    # principles with nothing aligned belong to principles-without-actions
    assert not {"SP6", "EP7"} & set(col(rows, "notation"))


# -- 3. actions ------------------------------------------------------------------------------
def test_actions_without_alignment(run):
    # 5.4.9 (l.227) and 5.4.10 (l.229) each follow a bold group heading (l.226, l.228) and
    # cite nothing; so do 5.9.16 and 5.9.17 (l.323-324) under "Improve Support for Victims"
    rows = run("actions-without-alignment")
    assert col(rows, "number") == ["5.4.9", "5.4.10", "5.9.16", "5.9.17"]
    assert one(rows, number="5.4.9")["lines"] == "227"


# Rows whose lead partner cell (third column) is empty: awk over lines 104-394 of the source,
# 5.1.28's lead standing on its continuation line 158 ("NPS / CRC").
NO_LEAD = ({"5.1.21", "5.1.29", "5.4.4", "5.6.5", "5.6.6", "5.6.7"}
           | {"5.9.1", "5.9.2", "5.9.5", "5.9.6", "5.9.7"} | span("5.9", 10, 17))


def test_actions_without_lead(run):
    rows = run("actions-without-lead")
    assert numbers(rows) == NO_LEAD
    assert col(rows, "number")[:3] == ["5.1.21", "5.1.29", "5.4.4"]  # natural order
    assert col(rows, "number")[-2:] == ["5.9.16", "5.9.17"]
    assert one(rows, number="5.4.4")["lines"] == "214-216"


def test_actions_led_only_by_posts(run):
    # lead cells naming only job titles or a person: IGU Analyst (l.167-170), IGU Manger
    # (l.171), IGU Community Co-Ordinator (l.174), the three managers of 5.2.7, Service Managers
    # for CSC (l.180), "Community Co-ordinator, YOS Manager, DCI" (l.181), IGU Manager (l.184),
    # Young Hackney Head of Service and VAWG Lead (l.196), VAWG Lead (l.200), Director CFS;
    # VAWG Lead (l.205), Head of Service - Early Help and Prevention (l.218), CHSAB Board Manager
    # and its companions (l.239-247, 5.5.4/5.5.5 naming private individuals). Not 5.2.5 ("IGU
    # Intel tea", a team), 5.2.8 (DWP), 5.2.11 (Learning Trust), 5.5.3 (a task and finish group).
    expected = ({"5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.2.6", "5.2.7", "5.2.9", "5.2.10",
                 "5.2.12", "5.3.2", "5.3.4", "5.3.6", "5.4.5"} | {"5.5.1", "5.5.2", "5.5.4",
                                                                   "5.5.5", "5.5.6", "5.5.7"})
    rows = run("actions-led-only-by-post")
    assert numbers(rows) == expected
    # the DCI of 5.2.10 is a post of the MPS (curated), not an organisation
    assert "MPS" in one(rows, number="5.2.10")["organisations"]
    assert one(rows, number="5.5.5")["leadCell"] == "[name withheld]"


def test_single_points_of_failure(run):
    rows = run("single-point-of-failure")
    # 5.7: every row names MPS alone (l.271-281); 5.10: Context Intervention Unit (l.332-347)
    mps = one(rows, kind="plan", scope="5.7")
    assert (mps["agencyName"], mps["onlyLead"], mps["agencyActions"], mps["unledActions"]) == \
        ("MPS", "true", "9", "0")
    ciu = one(rows, kind="plan", scope="5.10")
    assert (ciu["agencyName"], ciu["agencyActions"], ciu["soleLedActions"]) == \
        ("Context Intervention Unit", "12", "12")
    # 5.11: CCG is in every lead cell (l.353-361), co-leading 5.11.1 and 5.11.2
    ccg = one(rows, kind="plan", scope="5.11")
    assert (ccg["agencyName"], ccg["onlyLead"], ccg["soleLedActions"]) == ("CCG", "false", "3")
    # 5.6: CHSCP leads 5.6.1-5.6.4, the other three rows have no lead (l.255-269)
    chscp = one(rows, kind="plan", scope="5.6")
    assert (chscp["agencyName"], chscp["agencyActions"], chscp["unledActions"]) == \
        ("CHSCP", "4", "3")
    # EP8 rests on the Comms team of 5.9.8 alone
    assert "Communications team" in one(rows, kind="principle", scope="EP8")["agencyName"]
    # plans with several leads are not listed
    assert not by(rows, kind="plan", scope="5.1") and not by(rows, kind="plan", scope="5.9")


# -- 4. plan x principle matrix --------------------------------------------------------------
def test_plan_principle_matrix_has_every_pair(run):
    rows = run("plan-principle-matrix")
    pairs = [(r["plan"], r["principle"]) for r in rows]
    assert len(pairs) == len(set(pairs)) == 12 * 14
    assert [p for p, _ in pairs[::14]] == [f"5.{i}" for i in range(1, 13)]
    # 5.7: SP4 printed once, in the enabling column of 5.7.1 (l.271), for all nine rows
    r = one(rows, plan="5.7", principle="SP4")
    assert (r["count"], r["statedCount"], r["inheritedCount"], r["planActions"]) == \
        ("9", "1", "8", "9")
    r = one(rows, plan="5.10", principle="EP9")
    assert (r["count"], r["statedCount"], r["inheritedCount"]) == ("12", "1", "11")
    # action counts: 5.1 skips 5.1.20 (l.139-140), 5.9 skips 5.9.9 (l.313-314)
    assert one(rows, plan="5.1", principle="SP1")["planActions"] == "28"
    assert one(rows, plan="5.9", principle="SP1")["planActions"] == "16"
    for r in rows:
        if r["principle"] in ("SP6", "EP7"):
            assert r["count"] == "0"
        assert int(r["count"]) <= int(r["planActions"])


# -- 5. load and collaboration ---------------------------------------------------------------
def test_agency_load(run):
    rows = run("agency-load")
    # MPS is named in 21 lead cells: twelve in 5.1 (l.111-148) and 5.7.1-5.7.9 (l.271-281);
    # with the DCI post of 5.2.10 (curated as an MPS post) it leads 22 actions in 3 plans
    mps = rows[0]
    assert mps["name"] == "MPS"
    assert (mps["directActions"], mps["postActions"], mps["actions"], mps["plans"]) == \
        ("21", "1", "22", "3")
    assert mps["via"] == "direct and through posts" and "Detective Chief Inspector" in mps["posts"]
    # and 23 with the Safer Schools Inspector of 5.2.11 (a post of its Safer Schools team)
    assert mps["actionsWithUnits"] == "23"
    # CFS / Children and Families Service named in 13 lead cells (l.126-229)
    assert one(rows, name="CFS")["directActions"] == "13"
    # the CHSAB leads only through its Board Manager (l.239-247)
    assert one(rows, name="CHSAB")["via"] == "through posts only"
    counts = [int(r["actions"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_collaboration_network(run):
    rows = run("collaboration-network")
    pairs = [(r["agency1"], r["agency2"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    assert not {(b, a) for a, b in pairs} & set(pairs)
    # "CFS / MPS" is the lead cell of 5.1.23, 5.1.24 and 5.1.26 (l.144-148), of no other row
    cfs_mps = one(rows, agency1Name="CFS", agency2Name="MPS")
    assert cfs_mps["actions"] == "3" and cfs_mps["plans"] == "1"
    assert set(cfs_mps["actionList"].split(", ")) == {"5.1.23", "5.1.24", "5.1.26"}
    # "NPS / CRC" co-lead 5.1.28 (l.158)
    assert one(rows, agency1Name="CRC", agency2Name="NPS")["actionList"] == "5.1.28"


# -- 6. look-ups -----------------------------------------------------------------------------
def test_actions_for_principle(run):
    ep9 = run("actions-for-principle", principle="EP9")
    assert {r["number"] for r in ep9 if r["mode"] == "stated"} == {"5.10.1", "5.11.2", "5.12.6"}
    assert col(ep9, "number")[:3] == ["5.10.1", "5.10.2", "5.10.3"]  # 5.10.10 after 5.10.9
    assert col(ep9, "number").index("5.10.10") == col(ep9, "number").index("5.10.9") + 1
    sp4 = run("actions-for-principle", principle="SP4")
    plan7 = {r["number"]: r for r in sp4 if r["plan"] == "5.7"}
    assert set(plan7) == span("5.7", 1, 9)
    assert (plan7["5.7.1"]["mode"], plan7["5.7.1"]["column"]) == ("stated", "enabling")
    for n in span("5.7", 2, 9):
        assert (plan7[n]["mode"], plan7[n]["viaRow"]) == ("inherited", "5.7.1"), n
    assert all(r["principle"] == f"{ID}principle/strategic/4" for r in sp4)
    assert run("actions-for-principle", principle="SP6") == []


def test_actions_by_agency(run):
    mps = run("actions-by-agency", agency="MPS")
    direct = {r["number"] for r in mps if r["via"] == "direct"}
    assert direct == ({"5.1.2", "5.1.6", "5.1.8", "5.1.13", "5.1.14", "5.1.15", "5.1.16",
                       "5.1.17", "5.1.19", "5.1.23", "5.1.24", "5.1.26"} | span("5.7", 1, 9))
    assert "post" in one(mps, number="5.2.10")["via"]
    # a post: "IGU Manager" leads 5.2.4 ("IGU Manger", l.171), 5.2.7, 5.2.11 and 5.2.12
    assert col(run("actions-by-agency", agency="igu-manager"), "number") == \
        ["5.2.4", "5.2.7", "5.2.11", "5.2.12"]
    # CFS takes in its Context Intervention Unit (the unit formed across CFS, l.328)
    cfs = run("actions-by-agency", agency="CFS")
    ciu = {r["number"] for r in cfs if "unit: Context Intervention Unit" in r["via"]}
    assert ciu == span("5.10", 1, 12)
    assert one(cfs, number="5.1.27")["via"] == "direct"


def test_action_detail_of_5_8_2(run):
    rows = run("action-detail", action="5.8.2")
    assert all(r["action"] == f"{ID}action/5.8.2" for r in rows)
    fields = col(rows, "field")
    assert fields[:5] == ["number", "text", "plan", "group", "lead cell"]
    assert one(rows, field="plan")["value"] == "5.8"
    assert one(rows, field="group")["value"] == "Confidence and Trust in Police"  # l.285
    assert one(rows, field="lead cell")["value"] == "Policy and Strategic Delivery / HCVS"
    assert len(by(rows, field="lead")) == 2
    assert one(rows, field="source")["lines"] == "291"
    # l.291 cites [Strategic Principle 5] but quotes the text of SP2, and [Enabling Principle 1]
    sp5 = one(rows, field="alignment", value="SP5 Strategic Principle 5")
    assert sp5["detail"].startswith("stated on the action's row, strategic column")
    assert "We are committed as a whole partnership to better understanding" in sp5["detail"]
    ep1 = one(rows, field="alignment", value="EP1 Enabling Principle 1")
    assert ep1["detail"].startswith("stated on the action's row, enabling column")
    assert len(by(rows, field="alignment")) == 2
    assert by(rows, field="note: misattributed quote")


def test_action_detail_of_inherited_and_misnumbered_actions(run):
    rows = run("action-detail", action="5.7.5")
    sp4 = one(rows, field="alignment")
    assert "inherited from the group alignment cell on the row of 5.7.1" in sp4["detail"]
    assert "enabling column" in sp4["detail"]
    assert one(rows, field="source")["lines"] == "275-277"
    printed = one(run("action-detail", action="5.9.7"), field="number")  # printed "5.97", l.311
    assert printed["detail"] == "printed as 5.97"
    assert one(run("action-detail", action="5.1.21"), field="lead cell")["value"] == ""


# -- 7. what vs how --------------------------------------------------------------------------
def test_enabling_without_strategic(run):
    # 5.2.1 cites only EP3 (l.167) and 5.2.2-5.2.4 sit under it; 5.6.2 cites only EP2 (l.257)
    rows = run("enabling-without-strategic")
    assert col(rows, "number") == ["5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.6.2"]


def test_strategic_without_enabling_goes_by_kind_not_column(run, store):
    rows = run("strategic-without-enabling")
    found = numbers(rows)
    # SP4 printed in the enabling column of 5.7.1 (l.271) and SP1 in that of 5.6.7 (l.269)
    # are still strategic principles
    assert span("5.7", 1, 9) | {"5.6.7"} <= found
    # victims / ways out of crime (l.142-159) and hate responses (l.316-321): SP4 only
    assert span("5.1", 23, 29) | span("5.9", 12, 15) <= found
    assert not {"5.1.1", "5.2.1", "5.4.9"} & found
    enabled = {r["n"].value for r in store.query(
        f"SELECT ?n WHERE {{ ?a <{VR}alignedTo> ?p ; <{VR}number> ?n . "
        f"?p a <{VR}EnablingPrinciple> }}", use_default_graph_as_union=True)}
    assert not found & enabled


# -- 8. declared vs evidenced (curated evidence terms) ---------------------------------------
def test_evidence_queries_say_the_terms_are_curated(queries):
    for name in ("evidenced-not-declared", "declared-not-evidenced", "declared-vs-evidenced"):
        assert "CURATED" in queries[name].description and "curated" in queries[name].tags


def test_evidenced_not_declared(run):
    rows = run("evidenced-not-declared")
    # 5.8.2 speaks of "anti-racism" and "the systemic nature of racism" (l.291), aligned to
    # SP5 and EP1 but not to SP6; 5.4.3's training covers "Unconscious bias", "racial identity"
    # and "BAME staff" (l.213), aligned to SP2 and EP4
    r = one(rows, number="5.8.2", principle="SP6")
    assert "racism" in r["matchedTerms"]
    assert "SP6" not in r["alignedTo"]
    assert {"bias", "bame"} <= set(one(rows, number="5.4.3", principle="SP6")["matchedTerms"]
                                   .split(", "))
    # nothing listed is actually aligned
    for r in rows:
        assert r["principle"] not in r["alignedTo"].split(", ")


def test_declared_not_evidenced(run):
    rows = run("declared-not-evidenced")
    # 5.7.2 "Op Continuum (drugs operations)..." (l.272) inherits SP4 with none of its terms;
    # 5.7.1 "suppressing violence" (l.271) holds the SP4 term "suppress"
    assert one(rows, number="5.7.2", principle="SP4")["mode"] == "inherited"
    assert not by(rows, number="5.7.1", principle="SP4")


def test_declared_vs_evidenced_adds_up(run):
    coverage = {r["notation"]: r for r in run("principle-coverage")}
    not_evidenced = run("declared-not-evidenced")
    not_declared = run("evidenced-not-declared")
    for r in run("declared-vs-evidenced"):
        n = r["notation"]
        assert r["declared"] == coverage[n]["actions"]
        assert int(r["declaredEvidenced"]) + int(r["declaredNotEvidenced"]) == int(r["declared"])
        assert int(r["declaredNotEvidenced"]) == len({x["number"] for x in not_evidenced
                                                     if x["principle"] == n})
        assert int(r["evidencedNotDeclared"]) == len(by(not_declared, principle=n))


# -- 9. target groups and prevention tiers ---------------------------------------------------
def test_target_group_coverage_lists_every_group(run, store):
    rows = run("target-group-coverage")
    groups = {r["g"].value for r in store.query(
        f"SELECT ?g WHERE {{ ?g a <{VR}TargetGroup> }}", use_default_graph_as_union=True)}
    assert set(col(rows, "targetGroup")) == groups
    for r in rows:
        actions, plans = int(r["actions"]), int(r["plans"])
        assert (actions == 0) == (plans == 0) and plans <= actions
        assert len([p for p in r["planList"].split(", ") if p]) == plans
    counts = [int(r["actions"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


TIERS = ["primary prevention", "secondary prevention", "tertiary prevention"]


def test_prevention_tier_coverage_on_the_graph(run):
    rows = run("prevention-tier-coverage")
    assert col(rows, "label") == TIERS + ["(not classified)"]
    assert all(r["tier"] for r in rows[:3]) and rows[3]["tier"] is None
    for r in rows:
        assert int(r["actions"]) >= 0 and int(r["plans"]) <= 12


def test_prevention_tier_coverage_without_any_classification(store, queries):
    """Every tier appears with 0 while no action is classified; the last row has them all."""
    bare = ox.Store()
    tier = ox.NamedNode(VR + "preventionTier")
    bare.extend(q for q in store if q.predicate != tier)
    rows = query.run_canned(bare, queries["prevention-tier-coverage"], {}).values()
    assert col(rows, "label") == TIERS + ["(not classified)"]
    assert [r["actions"] for r in rows[:3]] == ["0", "0", "0"]
    assert (rows[3]["actions"], rows[3]["plans"]) == ("131", "12")


# -- 10. data-quality notes ------------------------------------------------------------------
def test_notes_by_kind(run, store):
    rows = run("notes-by-kind")
    kinds = {r["k"].value for r in store.query(
        f"SELECT ?k WHERE {{ ?k a <{VR}FlawKind> }}", use_default_graph_as_union=True)}
    assert set(col(rows, "kind")) == kinds  # kinds no note records are listed with 0
    total = next(iter(store.query(
        f"SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE {{ ?n a <{VR}DataQualityNote> }}",
        use_default_graph_as_union=True)))["c"].value
    assert sum(int(r["notes"]) for r in rows) == int(total)
    notes = {r["notation"]: r for r in rows}
    assert notes["empty-lead"]["notes"] == str(len(NO_LEAD))  # the 19 empty lead cells
    assert notes["empty-lead"]["concerns"] == "actions 19"
    assert notes["no-alignment"]["notes"] == "4"
    # gaps 5.1.20 (l.139-140), 5.9.9 (l.313-314), 5.12.15 (l.390-393); slips "5.97" (l.311)
    # and "5.3.3." (l.197)
    assert notes["numbering-gap"]["notes"] == "3" and notes["numbering-slip"]["notes"] == "2"


def test_notes_list_and_filters(run):
    everything = run("notes")
    assert len(everything) == sum(int(r["notes"]) for r in run("notes-by-kind"))
    assert [dict(r, kind="all") for r in run("notes", kind="ALL")] == everything
    gaps = run("notes", kind="numbering-gap")
    assert len(gaps) == 3 and set(col(gaps, "flaw")) == {"numbering gap"}
    assert {t for r in gaps for t in r["targets"].split("; ")} >= {"5.1", "5.9", "5.12"}
    assert run("notes", kind="numbering gap") == [dict(r, kind="numbering gap") for r in gaps]
    split = one(run("notes", about="5.1.9"), flaw="row split")  # l.123-125
    assert split["lines"] == "123-125"
    quote = run("notes", kind="misattributed-quote", about="sp5")
    assert len(quote) == 1 and "5.8.2" in quote[0]["message"]
    lines = [int(r["lines"].split("-")[0]) for r in everything if r["lines"]]
    assert lines == sorted(lines)


def test_steward_edits_are_none_in_the_committed_graph(run):
    """The committed graph is the document's and its curation's (data/curation/edits.yaml is
    empty); tests/test_sheet.py::test_round_trip checks the answer on an edited graph."""
    assert run("steward-edits") == []
