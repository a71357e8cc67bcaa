"""Comparing strategies without misleading (issue 20): the report with the bundled document
and a small workbook strategy side by side."""

from __future__ import annotations

import re

import pytest

from tests.helpers import needs_chromium
from tests.test_strategies import run
from vrgraph import charts, pipeline
from vrgraph.query.canned import load_queries
from vrgraph.report import annotate, collect, findings, render, views


@pytest.fixture(scope="module")
def northbridge(tmp_path_factory):
    from tests.test_strategies import BASE, fill

    folder = tmp_path_factory.mktemp("compare")
    out = folder / "northbridge.ttl"
    result = run("build", "--sheet", str(fill(folder / "nb.xlsx")), "--base-iri", BASE,
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def results(project, northbridge):
    st = pipeline.load(project, [project.graph, northbridge])
    return annotate(collect(st, load_queries(project.queries)))


@pytest.fixture(scope="module")
def page(results) -> str:
    return render(results, None, {"actions": 136}, "two")


def test_coverage_bars_of_every_strategy_share_one_axis(results):
    shown = {v.strategy: v.charts["bars"] for v in views(results)}
    hackney, northbridge = shown["hackney"], shown["northbridge"]
    assert hackney["ticks"] == northbridge["ticks"]          # one axis, drawn the same
    bar = {(k, row["label"]): row for k, chart in shown.items() for row in chart["rows"]}
    # a bar's length is its share of its strategy's actions: SP5 of Hackney 57 of 131, SP1
    # of Northbridge 2 of 5 (worked out from the workbook rows)
    sp5, sp1 = bar["hackney", "SP5"], bar["northbridge", "SP1"]
    per_share = [(r["stated"] + r["inherited"]) / share for r, share in
                 ((sp5, 57 / 131), (sp1, 2 / 5))]
    assert per_share[0] == pytest.approx(per_share[1], rel=0.01)
    assert sp5["shown"] == "57 (44%)" and sp1["shown"] == "2 (40%)"
    assert bar["northbridge", "SP3"]["shown"] == "0 (0%)"


def test_counts_show_0_not_blank_and_shares_beside_them(page):
    table = page[page.index('id="coverage"'):page.index('id="gaps"')]
    row = re.search(r"<tr><td>northbridge</td><td><abbr [^>]*>SP3</abbr></td>.*?</tr>",
                    table).group(0)
    assert row.count('<td class="n">0</td>') == 5 and '<td class="n">0%</td>' in row
    assert re.search(r"<tr><td>hackney</td><td><abbr [^>]*>SP5</abbr></td>.*?"
                     r"<td class=\"n\">44%</td>", table)


def test_principles_show_their_own_titles_and_texts(results, page):
    mine = results.only("northbridge")
    texts = [f.text for f in findings(mine)]
    assert any(t.startswith("Strategic principle 1, Public health is served by one plan only")
               for t in texts), texts
    table = page[page.index('id="coverage"'):page.index('id="gaps"')]
    assert "<td>Public health</td>" in table
    assert "We treat violence as a public health problem." in table
    assert "Strategic Principle 1" not in table


def test_heatmaps_are_sized_by_what_they_show(results):
    maps = {v.strategy: v.charts["heatmap"] for v in views(results)}
    small, big = maps["northbridge"], maps["hackney"]
    assert small["cell"] == big["cell"]                    # the same cells, not stretched
    assert small["height"] == small["top"] + 2 * small["cell"] + 30     # two plans
    assert small["width"] < big["width"]
    assert small["width"] >= 20 + 5.6 * len(charts.HEATMAP_NOTE)       # the caption fits


def test_the_svgs_are_drawn_at_their_own_size(page):
    for svg in re.findall(r"<svg [^>]*>", page):
        box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
        assert f'width="{box.group(1)}"' in svg and f'height="{box.group(2)}"' in svg


def test_the_quality_table_shows_readable_kinds(page):
    table = page[page.index('id="quality"'):page.index('id="edits"')]
    assert "https://w3id.org/vrgraph/def/" not in table
    assert "<td>empty lead</td>" in table and "<td>spanning cell</td>" in table


@needs_chromium
def test_no_label_is_cut_off_side_by_side(page, tmp_path):
    """Both strategies' charts, as Chromium draws them (tests/report_probe.js)."""
    import json

    from tests.test_report_explore import probe

    found = probe(tmp_path, page)
    assert int(found["labels-measured"]) > 150
    assert json.loads(found["label-problems"]) == []
