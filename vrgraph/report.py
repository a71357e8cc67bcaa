"""The gap and alignment report: one self-contained HTML file (inline SVG, no scripts, no
network) and a short terminal summary. Stage 7 of the pipeline: it only reads query answers.

The findings are sentences built from the canned queries' answers (``queries/*.rq``), so a
finding is never stated that a query does not support; ``tests/test_report.py`` checks
them against the queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

import pyoxigraph as ox

from .query import CannedQuery, Table, run_canned
from .validate import Report

SECTIONS = (
    "principle-coverage", "principles-without-actions", "principles-single-plan-or-agency",
    "plan-principle-matrix", "actions-without-alignment", "actions-without-lead",
    "actions-led-only-by-post", "single-point-of-failure", "agency-load",
    "collaboration-network", "strategic-without-enabling", "enabling-without-strategic",
    "declared-vs-evidenced", "target-group-coverage", "prevention-tier-coverage",
    "notes-by-kind",
)


@dataclass
class Finding:
    severity: str  # "gap", "risk" or "info"
    text: str


@dataclass
class Results:
    tables: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[dict[str, str | None]]:
        return self.tables[name]


def collect(store: ox.Store, queries: dict[str, CannedQuery]) -> Results:
    """Run every query the report needs, with its default parameters."""
    missing = [name for name in SECTIONS if name not in queries]
    if missing:
        from .errors import QueryError
        raise QueryError(f"the report needs the canned queries {', '.join(missing)} in queries/")
    return Results({name: run_canned(store, queries[name]).values() for name in SECTIONS})


def _n(value: str | None) -> int:
    return int(float(value)) if value not in (None, "") else 0


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _principle_name(row: dict) -> str:
    kind = (row.get("kind") or "").capitalize()
    number = (row.get("notation") or "")[2:]
    return f"{kind} principle {number}"


def findings(r: Results) -> list[Finding]:
    """The report's opening statements, in plain language, most serious first."""
    out: list[Finding] = []
    coverage = {row["notation"]: row for row in r["principle-coverage"]}
    for row in r["principles-without-actions"]:
        text = coverage.get(row["notation"], {}).get("definition") or row.get("definition") or ""
        claim = (f" It is claimed in prose by {row['claimedInProse']}, but no numbered "
                 f"action carries it.") if row.get("claimedInProse") else ""
        out.append(Finding("gap", f"{_principle_name(row)} (\u201c{_clip(text, 90)}\u201d): "
                                  f"no action is aligned to it.{claim}"))
    for row in r["principles-single-plan-or-agency"]:
        out.append(Finding("risk", f"{_principle_name(row)} is served by "
                                   f"{row['finding']}: {_plural(_n(row['actions']), 'action')} "
                                   f"in plan {row['planList']}, led by "
                                   f"{row.get('agencyList') or 'no named agency'}."))
    unaligned = [row["number"] for row in r["actions-without-alignment"]]
    if unaligned:
        out.append(Finding("gap", f"{_plural(len(unaligned), 'action')} "
                                  f"{'is' if len(unaligned) == 1 else 'are'} aligned to no "
                                  f"principle: {', '.join(unaligned)}."))
    unled = [row["number"] for row in r["actions-without-lead"]]
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
                                   f"{', '.join(row['number'] for row in posts)}."))
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
    notes = r["notes-by-kind"]
    out.append(Finding("info", f"The source has {sum(_n(row['notes']) for row in notes)} "
                               f"recorded flaws of {len(notes)} kinds; none is silently fixed."))
    return out


def _plans(r: Results) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in r["plan-principle-matrix"]:
        seen.setdefault(row["plan"], row)
    return list(seen.values())


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


# -- pictures -----------------------------------------------------------------------------------
def heatmap(r: Results) -> str:
    """Plans down, principles across; a cell's shade is its share of the plan's actions."""
    rows = r["plan-principle-matrix"]
    plans = list(dict.fromkeys(row["plan"] for row in rows))
    principles = list(dict.fromkeys(row["principle"] for row in rows))
    titles = {row["plan"]: row["planTitle"] for row in rows}
    cell, left, top = 44, 330, 40
    width, height = left + cell * len(principles) + 10, top + cell * len(plans) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="Plan by principle heatmap" class="chart">']
    for j, p in enumerate(principles):
        x = left + j * cell + cell / 2
        out.append(f'<text x="{x}" y="{top - 12}" text-anchor="middle" class="axis">{escape(p)}</text>')
    for i, plan in enumerate(plans):
        y = top + i * cell
        label = _clip(f"{plan} {titles[plan]}", 44)
        out.append(f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" '
                   f'class="axis">{escape(label)}</text>')
    for row in rows:
        i, j = plans.index(row["plan"]), principles.index(row["principle"])
        count, total = _n(row["count"]), max(_n(row.get("planActions")), 1)
        share = count / total
        fill = "#f3f3f3" if count == 0 else _blue(share)
        x, y = left + j * cell, top + i * cell
        tip = (f"Plan {row['plan']} \u00d7 {row['principle']}: {count} of {total} actions "
               f"({_n(row['statedCount'])} stated, {_n(row['inheritedCount'])} inherited)")
        out.append(f'<g><title>{escape(tip)}</title><rect x="{x + 1}" y="{y + 1}" '
                   f'width="{cell - 2}" height="{cell - 2}" fill="{fill}" rx="3"/>')
        colour = "#fff" if share > 0.55 else "#222"
        shown = str(count) if count else "\u00b7"
        out.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                   f'class="cell" fill="{colour}">{shown}</text></g>')
    out.append(f'<text x="{left}" y="{height - 8}" class="note">Number of actions aligned '
               f'(stated or inherited); shade = share of the plan\u2019s actions; \u00b7 = none.</text>')
    out.append("</svg>")
    return "".join(out)


def _blue(share: float) -> str:
    share = max(0.0, min(1.0, share))
    r, g, b = (int(222 - 190 * share), int(235 - 150 * share), int(247 - 80 * share))
    return f"#{r:02x}{g:02x}{b:02x}"


def bars(r: Results) -> str:
    """Actions per principle: stated and inherited stacked; zero shown in red."""
    rows = r["principle-coverage"]
    most = max([_n(row["actions"]) for row in rows] + [1])
    left, bar, gap, width = 70, 20, 8, 640
    height = 20 + len(rows) * (bar + gap) + 30
    scale = (width - left - 60) / most
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="Principle coverage" class="chart">']
    for i, row in enumerate(rows):
        y = 10 + i * (bar + gap)
        stated, inherited = _n(row["statedActions"]), _n(row["inheritedActions"])
        out.append(f'<text x="{left - 8}" y="{y + bar / 2 + 4}" text-anchor="end" '
                   f'class="axis">{escape(row["notation"])}</text>')
        tip = (f"{row['notation']}: {stated + inherited} actions ({stated} stated, "
               f"{inherited} inherited), {row['plans']} plans, {row['leadAgencies']} lead agencies")
        out.append(f"<g><title>{escape(tip)}</title>")
        out.append(f'<rect x="{left}" y="{y}" width="{stated * scale:.1f}" height="{bar}" '
                   f'fill="#1f5fa8"/>')
        out.append(f'<rect x="{left + stated * scale:.1f}" y="{y}" '
                   f'width="{inherited * scale:.1f}" height="{bar}" fill="#9cc3ea"/>')
        label = str(stated + inherited) if stated + inherited else "none"
        colour = "#b00020" if not stated + inherited else "#222"
        out.append(f'<text x="{left + (stated + inherited) * scale + 6:.1f}" '
                   f'y="{y + bar / 2 + 4}" class="cell" fill="{colour}">{label}</text></g>')
    y = height - 12
    out.append(f'<rect x="{left}" y="{y - 9}" width="12" height="10" fill="#1f5fa8"/>'
               f'<text x="{left + 16}" y="{y}" class="note">stated on the row</text>'
               f'<rect x="{left + 130}" y="{y - 9}" width="12" height="10" fill="#9cc3ea"/>'
               f'<text x="{left + 146}" y="{y}" class="note">inherited from a group cell</text>')
    out.append("</svg>")
    return "".join(out)


def network(r: Results, top: int = 24) -> str:
    """Lead agencies on a circle, largest first; a line joins two that co-lead actions."""
    load = sorted(r["agency-load"], key=lambda row: (-_n(row["actions"]), row["name"]))[:top]
    names = [row["agency"] for row in load]
    width, height, radius = 960, 600, 250
    centre, middle = width / 2, height / 2
    pos = {a: (centre + radius * math.cos(2 * math.pi * k / len(names) - math.pi / 2),
               middle + radius * math.sin(2 * math.pi * k / len(names) - math.pi / 2))
           for k, a in enumerate(names)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="Agency collaboration network" class="chart">']
    for row in r["collaboration-network"]:
        a, b = row["agency1"], row["agency2"]
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            tip = f"{row['agency1Name']} and {row['agency2Name']} co-lead {row['actions']} actions"
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                       f'stroke="#7a8ca3" stroke-opacity="0.7" '
                       f'stroke-width="{1 + 1.5 * (_n(row["actions"]) - 1):.1f}">'
                       f'<title>{escape(tip)}</title></line>')
    for row in load:
        x, y = pos[row["agency"]]
        rad = 5 + 3 * math.sqrt(_n(row["actions"]))
        anchor = "start" if x >= centre else "end"
        dx = rad + 4 if x >= centre else -rad - 4
        tip = f"{row['label']}: {row['actions']} actions in {row['plans']} plans"
        out.append(f'<g><title>{escape(tip)}</title><circle cx="{x:.1f}" cy="{y:.1f}" '
                   f'r="{rad:.1f}" fill="#1f5fa8" fill-opacity="0.85"/>'
                   f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                   f'class="axis">{escape(_clip(row["name"], 28))}</text></g>')
    out.append(f'<text x="10" y="{height - 8}" class="note">The {len(names)} busiest lead '
               f'partners; circle area = actions led; line width = actions co-led.</text>')
    out.append("</svg>")
    return "".join(out)


# -- the page ---------------------------------------------------------------------------------
_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 8px;border-bottom:2px solid #1f5fa8}
.sub{color:#555;margin:0 0 16px}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}
ul.findings{list-style:none;padding:0}ul.findings li{padding:8px 12px;margin:6px 0;border-left:6px solid #999;background:#fafafa}
li.gap{border-color:#b00020!important;background:#fff3f4!important}li.risk{border-color:#d98c00!important;background:#fff9ee!important}
li.info{border-color:#1f5fa8!important}
.tag{font-size:11px;text-transform:uppercase;font-weight:700;margin-right:8px;color:#555}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;white-space:pre-line}
th{background:#eef3f9}td.n{text-align:right;white-space:nowrap}
svg.chart{width:100%;height:auto;max-width:900px}svg .axis{font-size:12px;fill:#333}
svg .cell{font-size:12px;font-weight:600}svg .note{font-size:11px;fill:#555}
.ok{color:#1a7f37}.bad{color:#b00020}footer{margin-top:40px;color:#666;font-size:12px}
"""


def _table(rows: list[dict], columns: list[tuple[str, str]], numeric: tuple[str, ...] = ()) -> str:
    if not rows:
        return "<p><em>None.</em></p>"
    head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key) or ""
            cls = ' class="n"' if key in numeric else ""
            cells.append(f"<td{cls}>{escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render(r: Results, validation: Report | None, stats: dict[str, int], title: str) -> str:
    """The whole report as one HTML string."""
    found = findings(r)
    cards = "".join(f'<div class="card"><b>{v}</b>{escape(k)}</div>' for k, v in stats.items())
    if validation is not None:
        state = ('<span class="ok">conforms</span>' if validation.conforms else
                 '<span class="bad">does not conform</span>')
        valid = (f"<p>SHACL validation: {state} \u2014 {validation.count('Violation')} "
                 f"violations, {validation.count('Warning')} warnings (the document's own "
                 f"gaps).</p>")
    else:
        valid = ""
    items = "".join(f'<li class="{f.severity}"><span class="tag">{f.severity}</span>'
                    f'{escape(f.text)}</li>' for f in found)
    action_cols = [("number", "Action"), ("plan", "Plan"), ("lines", "Source lines"),
                   ("text", "Text")]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Where are the gaps?</h1><p class='sub'>{escape(title)}: gap and alignment "
        f"report generated by vrgraph from the document's knowledge graph.</p>",
        f'<div class="cards">{cards}</div>', valid,
        f'<h2 id="findings">Findings</h2><ul class="findings">{items}</ul>',
        '<h2 id="heatmap">Plans \u00d7 principles</h2>', heatmap(r),
        '<h2 id="coverage">Principle coverage</h2>', bars(r),
        _table(r["principle-coverage"], [("notation", "Principle"), ("label", "Name"),
                                         ("statedActions", "Stated"), ("inheritedActions",
                                         "Inherited"), ("actions", "Actions"), ("plans", "Plans"),
                                         ("leadAgencies", "Lead agencies")],
               ("statedActions", "inheritedActions", "actions", "plans", "leadAgencies")),
        '<h2 id="gaps">Gaps</h2><h3>Principles with no aligned action</h3>',
        _table(r["principles-without-actions"], [("notation", "Principle"),
                                                 ("definition", "Text"),
                                                 ("claimedInProse", "Claimed in prose by")]),
        "<h3>Actions aligned to no principle</h3>",
        _table(r["actions-without-alignment"], action_cols),
        "<h3>Actions with no lead partner</h3>",
        _table(r["actions-without-lead"], action_cols),
        "<h3>Actions led only by a post</h3>",
        _table(r["actions-led-only-by-post"], [("number", "Action"), ("plan", "Plan"),
                                               ("leadCell", "Lead cell"), ("lines", "Source lines")]),
        "<h3>Single points of failure</h3>",
        _table(r["single-point-of-failure"], [("kind", "For"), ("scope", "Which"),
                                              ("agencyName", "Agency"),
                                              ("soleLedActions", "Actions it alone leads"),
                                              ("scopeActions", "Actions in scope")],
               ("soleLedActions", "scopeActions")),
        '<h2 id="agencies">Agencies</h2>', network(r),
        _table(sorted(r["agency-load"], key=lambda row: -_n(row["actions"]))[:20],
               [("label", "Agency"), ("type", "Kind"), ("actions", "Actions"),
                ("plans", "Plans"), ("via", "Leads")], ("actions", "plans")),
        '<h2 id="what-how">What and how</h2><h3>Strategic but no enabling alignment</h3>',
        _table(r["strategic-without-enabling"], [("number", "Action"), ("plan", "Plan"),
                                                 ("principles", "Principles"),
                                                 ("lines", "Source lines")]),
        "<h3>Enabling but no strategic alignment</h3>",
        _table(r["enabling-without-strategic"], [("number", "Action"), ("plan", "Plan"),
                                                 ("principles", "Principles"),
                                                 ("lines", "Source lines")]),
        "<h3>Declared and evidenced (curated evidence terms)</h3>",
        _table(r["declared-vs-evidenced"], [("notation", "Principle"), ("declared", "Declared"),
                                            ("declaredEvidenced", "Declared and evidenced"),
                                            ("declaredNotEvidenced", "Declared, no evidence"),
                                            ("evidencedNotDeclared", "Evidenced, not declared")],
               ("declared", "declaredEvidenced", "declaredNotEvidenced", "evidencedNotDeclared")),
        '<h2 id="groups">Target groups and prevention tiers (curated)</h2>',
        _table(r["target-group-coverage"], [("label", "Target group"), ("actions", "Actions"),
                                            ("plans", "Plans"), ("principles", "Principles")],
               ("actions", "plans", "principles")),
        _table(r["prevention-tier-coverage"], [("label", "Tier"), ("actions", "Actions"),
                                               ("percentOfActions", "% of actions"),
                                               ("plans", "Plans")],
               ("actions", "percentOfActions", "plans")),
        '<h2 id="quality">Data quality of the source</h2>',
        _table(r["notes-by-kind"], [("kind", "Kind"), ("notes", "Notes"),
                                    ("example", "Example")], ("notes",)),
        "<footer>Stated: the action's own row cites the principle. Inherited: an alignment "
        "cell printed once for a group of table rows covers the action. Curated: added by "
        "the data steward in data/curation/, not stated by the document.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def summary(r: Results, validation: Report | None) -> str:
    """A few lines for the terminal."""
    lines = [f"- {f.text}" for f in findings(r) if f.severity in ("gap", "risk")]
    head = "Gaps and risks:" if lines else "No gaps found."
    if validation is not None:
        head = (f"Validation: {'conforms' if validation.conforms else 'does not conform'} "
                f"({validation.count('Violation')} violations, {validation.count('Warning')} "
                f"warnings)\n" + head)
    return "\n".join([head] + lines)
