"""The gap and alignment report: one self-contained HTML file (inline SVG, a small inline
script that sorts and filters its tables and downloads them as CSV and its charts as SVG or
PNG; no network) and a short terminal summary. Stage 7 of the pipeline: it only reads query answers.

The findings are sentences built from the canned queries' answers (``queries/*.rq``), so a
finding is never stated that a query does not support; ``tests/test_report.py`` checks
them against the queries. A graph that holds several strategies (each query's ``strategy``
column tells their rows apart) gets a table of the strategies side by side, and its findings
and charts strategy by strategy; with one strategy the report is as it always was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import charts, pages
from .findings import Report
from .query import run_canned
from .query.canned import CannedQuery
from .store import Queryable

Row = dict[str, str | None]     # a row of a canned query's answer, as text

SECTIONS = (
    "strategies", "principle-coverage", "principles-without-actions", "principles-single-plan-or-agency",
    "plan-principle-matrix", "actions-without-alignment", "actions-without-lead",
    "actions-led-only-by-post", "single-point-of-failure", "agency-load",
    "collaboration-network", "strategic-without-enabling", "enabling-without-strategic",
    "declared-vs-evidenced", "target-group-coverage", "prevention-tier-coverage",
    "notes-by-kind", "steward-edits", "reference-coverage", "reference-leads",
    "reference-uncovered",
)


@dataclass
class Finding:
    severity: str  # "gap", "risk" or "info"
    text: str


@dataclass
class Results:
    tables: dict[str, list[Row]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[Row]:
        return self.tables[name]

    @property
    def strategies(self) -> list[str]:
        """The short names of the strategies, in the queries' order."""
        return [str(row["strategy"]) for row in self.tables["strategies"]]

    def only(self, strategy: str) -> Results:
        """The answers about one strategy."""
        return Results({name: [row for row in rows if row.get("strategy") == strategy]
                        for name, rows in self.tables.items()})


def collect(store: Queryable, queries: dict[str, CannedQuery]) -> Results:
    """Run every query the report needs, with its default parameters."""
    missing = [name for name in SECTIONS if name not in queries]
    if missing:
        from .errors import QueryError
        raise QueryError(f"the report needs the canned queries {', '.join(missing)} in queries/")
    return Results({name: run_canned(store, queries[name]).values() for name in SECTIONS})


_n = charts.count
_clip = charts.clip


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _principle_name(row: Row, titles: dict[tuple[str, str], str] | None = None) -> str:
    """``Strategic principle 3``, with the principle's own title where it has one
    (``titles``: by strategy and notation, from principle-coverage)."""
    kind = (row.get("kind") or "").capitalize()
    notation = row.get("notation") or ""
    title = row.get("title") or (titles or {}).get((str(row.get("strategy")), notation), "")
    return f"{kind} principle {notation[2:]}" + (f", {title}" if title else "")


def findings(r: Results) -> list[Finding]:
    """The report's opening statements, in plain language, most serious first."""
    out: list[Finding] = []
    coverage = {row["notation"]: row for row in r["principle-coverage"]}
    titles = {(str(row.get("strategy")), str(row["notation"])): str(row.get("title") or "")
              for row in r["principle-coverage"]}
    for row in r["principles-without-actions"]:
        text = coverage.get(row["notation"], {}).get("definition") or row.get("definition") or ""
        claim = (f" It is claimed in prose by {row['claimedInProse']}, but no numbered "
                 f"action carries it.") if row.get("claimedInProse") else ""
        out.append(Finding("gap", f"{_principle_name(row, titles)} (\u201c{_clip(text, 90)}"
                                  f"\u201d): no action is aligned to it.{claim}"))
    for row in r["principles-single-plan-or-agency"]:
        out.append(Finding("risk", f"{_principle_name(row, titles)} is served by "
                                   f"{row['finding']}: {_plural(_n(row['actions']), 'action')} "
                                   f"in plan {row['planList']}, led by "
                                   f"{row.get('agencyList') or 'no named agency'}."))
    unaligned = [row["number"] or "" for row in r["actions-without-alignment"]]
    if unaligned:
        out.append(Finding("gap", f"{_plural(len(unaligned), 'action')} "
                                  f"{'is' if len(unaligned) == 1 else 'are'} aligned to no "
                                  f"principle: {', '.join(unaligned)}."))
    unled = [row["number"] or "" for row in r["actions-without-lead"]]
    total = sum(_n(row.get("planActions")) for row in _plans(r))
    if unled:
        out.append(Finding("gap", f"{_plural(len(unled), 'action')} of {total} "
                                  f"({100 * len(unled) / max(total, 1):.0f}%) "
                                  f"{'has' if len(unled) == 1 else 'have'} no lead partner: "
                                  f"{', '.join(unled)}."))
    posts = r["actions-led-only-by-post"]
    if posts:
        out.append(Finding("risk", f"{_plural(len(posts), 'action')} "
                                   f"{'is' if len(posts) == 1 else 'are'} led only by a post "
                                   f"or a named person's role, not by an organisation: "
                                   f"{', '.join(row['number'] or '' for row in posts)}."))
    sole_plans = [row for row in r["single-point-of-failure"]
                  if row["kind"] == "plan" and row.get("onlyLead") in ("true", "1")]
    if sole_plans:
        out.append(Finding("risk", "Single points of failure: " + "; ".join(
            f"{row['agencyName']} leads every led action of plan {row['scope']}"
            for row in sole_plans) + "."))
    stated = sum(_n(row["statedActions"]) for row in coverage.values())
    inherited = sum(_n(row["inheritedActions"]) for row in coverage.values())
    if stated + inherited:
        out.append(Finding("info", f"Of {stated + inherited} action\u2013principle alignments, "
                                   f"{stated} are stated on the action's own row and "
                                   f"{inherited} ({100 * inherited / (stated + inherited):.0f}%) "
                                   f"are inherited from an alignment cell printed once for a "
                                   f"group of rows."))
    what, how = len(r["strategic-without-enabling"]), len(r["enabling-without-strategic"])
    out.append(Finding("info", f"What without how: {_plural(what, 'action')} "
                               f"{'has' if what == 1 else 'have'} a strategic but no enabling "
                               f"alignment; {_plural(how, 'action')} the reverse."))
    load = sorted(r["agency-load"], key=lambda row: -_n(row["actions"]))[:3]
    if load:
        out.append(Finding("info", "Most loaded lead partners: " + "; ".join(
            f"{row['label']} ({_plural(_n(row['actions']), 'action')} in "
            f"{_plural(_n(row['plans']), 'plan')})" for row in load) + "."))
    tiers = [row for row in r["prevention-tier-coverage"] if row.get("tier")]
    if tiers:
        out.append(Finding("info", "Prevention tiers (curated classification): " + ", ".join(
            f"{row['label']} {row['percentOfActions']}%" for row in tiers) + " of actions."))
    notes = [row for row in r["notes-by-kind"] if _n(row["notes"])]
    out.append(Finding("info", f"The source has {sum(_n(row['notes']) for row in notes)} "
                               f"recorded flaws of {_plural(len(notes), 'kind')}; none is "
                               f"silently fixed."))
    return out


def _plans(r: Results) -> list[Row]:
    seen: dict[tuple[str | None, str | None], Row] = {}
    for row in r["plan-principle-matrix"]:
        seen.setdefault((row.get("strategy"), row["plan"]), row)
    return list(seen.values())


# -- the page ---------------------------------------------------------------------------------
def stats(r: Results, triples: int) -> dict[str, int]:
    """The figures on the cards at the top: the whole graph's."""
    out = {"triples, with the ontology and inferences": triples}
    if len(r.strategies) > 1:
        out["strategies"] = len(r.strategies)
    out.update({
        "actions": sum(_n(row.get("planActions")) for row in _plans(r)),
        "plans": len(_plans(r)),
        "principles": len(r["principle-coverage"]),
        "lead partners": len(r["agency-load"]),
        "quality notes": sum(_n(row["notes"]) for row in r["notes-by-kind"]),
    })
    return out


def side_by_side(r: Results) -> list[dict[str, str | int | None]]:
    """One row per strategy: its size and its gaps, to compare them."""
    out: list[dict[str, str | int | None]] = []
    for row in r["strategies"]:
        mine = r.only(str(row["strategy"]))
        out.append({**row, "leadPartners": len(mine["agency-load"]),
                    "principlesWithoutActions": len(mine["principles-without-actions"]),
                    "actionsWithoutAlignment": len(mine["actions-without-alignment"]),
                    "actionsWithoutLead": len(mine["actions-without-lead"]),
                    "actionsLedOnlyByPost": len(mine["actions-led-only-by-post"])})
    return out


@dataclass
class View:
    """The findings and charts of one strategy."""

    strategy: str
    title: str
    findings: list[Finding]
    charts: dict[str, dict[str, Any]]
    busiest: list[Row]


def totals(r: Results) -> dict[str, int]:
    """Each strategy's number of actions, by short name."""
    return {str(row["strategy"]): _n(row.get("actions")) for row in r["strategies"]}


def annotate(r: Results) -> Results:
    """Each principle-coverage row with its share of its strategy's actions (``share``)
    and its own text, cut to fit a table (``text``); the rows are changed in place."""
    total = totals(r)
    for row in r["principle-coverage"]:
        n = _n(row.get("actions"))
        row["share"] = f"{100 * n / max(total.get(str(row.get('strategy')), 0), 1):.0f}%"
        row["text"] = _clip(str(row.get("definition") or ""), 120)
    return r


def views(r: Results) -> list[View]:
    out = []
    total = totals(r)
    axis = charts.share_axis(r["principle-coverage"], total)   # one axis for every strategy
    for row in r["strategies"] or [{"strategy": "", "title": ""}]:
        mine = r.only(str(row["strategy"])) if len(r.strategies) > 1 else r
        out.append(View(
            str(row["strategy"]), str(row["title"]), findings(mine),
            {"heatmap": charts.heatmap(mine["plan-principle-matrix"]),
             "bars": charts.bars(mine["principle-coverage"], total, axis),
             "network": charts.network(mine["agency-load"], mine["collaboration-network"])},
            sorted(mine["agency-load"], key=lambda row: -_n(row["actions"]))[:20]))
    return out


def across(r: Results) -> dict[str, Any]:
    """The strategies compared through their principle mappings (``reference-coverage``):
    a row per reference principle, a cell per strategy (its actions, and how its principles
    map), and the reference principles no strategy's action serves."""
    keys = r.strategies
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for row in r["reference-coverage"]:
        key = (str(row["scheme"]), str(row["reference"]))
        line = rows.setdefault(key, {"notation": row["notation"], "label": row["label"],
                                     "text": _clip(str(row.get("definition") or ""), 160),
                                     "cells": {k: None for k in keys}})
        n = _n(row.get("actions"))
        line["cells"][str(row["strategy"])] = {
            "actions": n, "principles": _n(row.get("principles")),
            "relations": row.get("relations") or "", "zero": n == 0}
    leads: dict[tuple[str, str, str], list[str]] = {}
    for row in r["reference-leads"]:
        leads.setdefault((str(row["scheme"]), str(row["reference"]), str(row["strategy"])),
                         []).append(f"{row['kind']} {row['actions']}")
    for (scheme, reference), line in rows.items():
        for k, cell in line["cells"].items():
            if cell is not None:
                cell["leads"] = ", ".join(leads.get((scheme, reference, k), []))
    return {"strategies": keys, "rows": list(rows.values()),
            "uncovered": r["reference-uncovered"]}


def page_title(r: Results) -> str:
    """The page's title: the strategy's, or what the strategies are."""
    rows = r["strategies"]
    if len(rows) == 1:
        return str(rows[0]["title"] or rows[0]["strategy"])
    return f"{len(rows)} strategies side by side: " + ", ".join(r.strategies)


def linker(site: str | None, base: str | None) -> Callable[[str | None], str | None]:
    """The address of a thing's page on the published site at ``site``
    (:func:`vrgraph.publish.site.page_path` of its IRI under ``base``), or None: no site
    given, or a thing the site has no page for."""
    def link(iri: str | None) -> str | None:
        if not site or not base or not iri:
            return None
        from .publish.site import page_path
        path = page_path(iri, base)
        return None if path is None else site.rstrip("/") + "/" + path
    return link


def principle_notes(r: Results, link: Callable[[str | None], str | None]
                    ) -> dict[tuple[str, str], dict[str, str | None]]:
    """Each principle by strategy and notation: its title and text (a tooltip) and its
    page."""
    out: dict[tuple[str, str], dict[str, str | None]] = {}
    for row in r["principle-coverage"]:
        text = " ".join(str(row.get("definition") or "").split())
        tip = f"{_principle_name(row)}" + (f": {text}" if text else "")
        out[(str(row.get("strategy") or ""), str(row["notation"]))] = {
            "tip": tip, "href": link(row.get("principle"))}
    return out


def render(r: Results, validation: Report | None, stats: dict[str, int], title: str,
           site: str | None = None, base: str | None = None) -> str:
    """The whole report as one HTML string (``templates/report.html``, every value escaped
    by Jinja2); with ``site`` (the published site's address) and ``base`` (the graph's base
    IRI), action numbers and principles link to their pages."""
    shown = views(annotate(r))
    link = linker(site, base)
    return pages.render(
        "report.html", r=r, validation=validation, stats=stats, title=title,
        css=pages.raw("report.css"), script=pages.raw("report.js"), views=shown,
        multi=len(r.strategies) > 1, side=side_by_side(r),
        busiest=[row for v in shown for row in v.busiest], across=across(r), link=link,
        principles=principle_notes(r, link))


def summary(r: Results, validation: Report | None) -> str:
    """A few lines for the terminal."""
    lines = []
    for view in views(r):
        mine = [f"- {f.text}" for f in view.findings if f.severity in ("gap", "risk")]
        if len(r.strategies) > 1:
            lines.append(f"{view.strategy} ({view.title}):" if mine else
                         f"{view.strategy} ({view.title}): no gaps found.")
        lines += mine
    head = "Gaps and risks:" if any(line.startswith("- ") for line in lines) else "No gaps found."
    if validation is not None:
        head = (f"Validation: {'conforms' if validation.conforms else 'does not conform'} "
                f"({validation.count('Violation')} violations, {validation.count('Warning')} "
                f"warnings)\n" + head)
    return "\n".join([head] + lines)
