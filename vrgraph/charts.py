"""The report's three charts as geometry: positions, sizes, colours and the texts to show.

Each function returns plain data that ``templates/report.html`` draws as inline SVG, so every
text reaches the page through the template engine's escaping. The figures come from the
canned queries' answers only.
"""

from __future__ import annotations

import math
from typing import Any

Rows = list[dict[str, str | None]]


def count(value: str | None) -> int:
    """A count from a query cell (empty or missing: 0)."""
    return int(float(value)) if value not in (None, "") else 0


def clip(text: str, n: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``n`` characters with an
    ellipsis."""
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    cut = text[: n - 1]
    if " " in cut and not text[n - 1].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "\u2026"


def plural(n: int | str, word: str) -> str:
    """``1 plan``, ``2 plans``."""
    return f"{n} {word}{'' if count(str(n)) == 1 else 's'}"


def missing_numbers(notations: list[str]) -> list[str]:
    """The numbers a series skips (``EP6`` where EP1-5 and EP7-9 exist): the document's own
    numbering, said beside the charts so that a missing column is not taken for a gap."""
    series: dict[str, set[int]] = {}
    for notation in notations:
        prefix = notation.rstrip("0123456789")
        if notation[len(prefix):].isdigit():
            series.setdefault(prefix, set()).add(int(notation[len(prefix):]))
    return [f"{prefix}{n}" for prefix, numbers in sorted(series.items())
            for n in range(1, max(numbers)) if n not in numbers]


def text_width(text: str, size: float = 12) -> float:
    """About how wide ``text`` is drawn at ``size`` px in a sans-serif face, erring wide
    (capitals and digits as broad ones), so that a label given this room is not cut off."""
    wide = sum(0.78 if c.isupper() or c in "@%&" else 0.6 if c.isalnum() else 0.36
               for c in text)
    return wide * size


def blue(share: float) -> str:
    """A shade of blue for a share between 0 and 1 (darker is more)."""
    share = max(0.0, min(1.0, share))
    r, g, b = (int(222 - 190 * share), int(235 - 150 * share), int(247 - 80 * share))
    return f"#{r:02x}{g:02x}{b:02x}"


#: The heatmap's caption, and about how wide it is drawn (11px type: ~5.6 px a character).
HEATMAP_NOTE = ("Number of actions aligned (stated or inherited); shade = share of the "
                "plan’s actions; · = none.")


def heatmap(rows: Rows) -> dict[str, Any]:
    """Plans down, principles across (``plan-principle-matrix``); a cell's shade is its
    share of the plan's actions. Cells keep one size whatever the strategy's size: the
    chart is as wide as what it shows (and its caption), and drawn at that size."""
    plans = list(dict.fromkeys(str(row["plan"]) for row in rows))
    principles = list(dict.fromkeys(str(row["principle"]) for row in rows))
    titles = {row["plan"]: row["planTitle"] for row in rows}
    full = [f"{plan} {titles[plan]}" for plan in plans]
    labels = [clip(label, 48) for label in full]
    cell, top = 44, 40
    left = 20 + math.ceil(max([text_width(label) for label in labels] + [60]))
    cells = []
    for row in rows:
        i, j = plans.index(str(row["plan"])), principles.index(str(row["principle"]))
        n, total = count(row["count"]), max(count(row.get("planActions")), 1)
        share = n / total
        cells.append({
            "x": left + j * cell, "y": top + i * cell,
            "fill": "#f3f3f3" if n == 0 else blue(share),
            "colour": "#fff" if share > 0.55 else "#222",
            "shown": str(n) if n else "\u00b7",
            "tip": f"Plan {row['plan']} \u00d7 {row['principle']}: {n} of {total} actions "
                   f"({count(row['statedCount'])} stated, {count(row['inheritedCount'])} "
                   f"inherited)"})
    width = max(left + cell * len(principles) + 10, 20 + int(5.6 * len(HEATMAP_NOTE)))
    return {"width": width, "height": top + cell * len(plans) + 30,
            "cell": cell, "left": left, "top": top, "cells": cells, "note": HEATMAP_NOTE,
            "columns": [{"x": left + j * cell + cell / 2, "label": p}
                        for j, p in enumerate(principles)],
            "rows": [{"y": top + i * cell + cell / 2 + 4, "label": label, "tip": tip}
                     for i, (label, tip) in enumerate(zip(labels, full, strict=True))],
            "missing": missing_numbers(principles)}


def share_axis(rows: Rows, totals: dict[str, int]) -> float:
    """The end of a share axis common to every strategy of ``rows`` (principle-coverage):
    the largest share of a strategy's actions any principle has, rounded up to 10%."""
    most = max([count(row["actions"]) / max(totals.get(str(row.get("strategy")), 0), 1)
                for row in rows] + [0.1])
    return min(1.0, math.ceil(most * 10 - 1e-9) / 10)


def bars(rows: Rows, totals: dict[str, int], axis: float) -> dict[str, Any]:
    """Actions per principle (``principle-coverage``): stated and inherited stacked, drawn as
    shares of the strategy's actions (``totals``, by short name) on an axis ending at
    ``axis`` (:func:`share_axis`, the same for every strategy), so that bars of strategies of
    different sizes compare; each says its count and its share."""
    left, bar, gap, width = 70, 20, 8, 640
    span = width - left - 150
    top = 24
    height = top + len(rows) * (bar + gap) + 30
    out = []
    for i, row in enumerate(rows):
        stated, inherited = count(row["statedActions"]), count(row["inheritedActions"])
        both = count(row["actions"])
        total = max(totals.get(str(row.get("strategy")), 0), 1)
        scale = span / (total * axis)
        out.append({
            "y": top + i * (bar + gap), "label": row["notation"],
            "stated": round(stated * scale, 1),
            "inherited": round(max(both - stated, 0) * scale, 1),
            "end": round(left + both * scale + 6, 1),
            "shown": f"{both} ({100 * both / total:.0f}%)",
            "colour": "#b00020" if not both else "#222",
            "tip": f"{row['notation']}: {plural(both, 'action')} of {total} "
                   f"({100 * both / total:.0f}%; {stated} stated, {inherited} inherited), "
                   f"{plural(row['plans'] or 0, 'plan')}, "
                   f"{plural(row['leadAgencies'] or 0, 'lead agency').replace('agencys', 'agencies')}"})
    step = 0.1 if axis <= 0.5 else 0.2
    ticks = [{"x": round(left + span * k * step / axis, 1), "label": f"{100 * k * step:.0f}%"}
             for k in range(int(axis / step + 1e-9) + 1)]
    return {"width": width, "height": height, "left": left, "bar": bar, "rows": out,
            "top": top, "ticks": ticks, "bottom": top + len(rows) * (bar + gap)}


def network(load: Rows, pairs: Rows, top: int = 24) -> dict[str, Any]:
    """Lead agencies (``agency-load``) on a circle, largest first; a line joins two that
    co-lead actions (``collaboration-network``). Each label runs outwards along its node's
    radius, so that it crosses neither its neighbours nor the circle; the chart is as large
    as the longest label needs."""
    busiest = sorted(load, key=lambda row: (-count(row["actions"]), str(row["name"])))[:top]
    radius = 200
    labels = [clip(str(row["name"]), 30) for row in busiest]
    sizes = [5 + 3 * math.sqrt(count(row["actions"])) for row in busiest]
    reach = radius + max(sizes + [0]) + 6 + max([text_width(t) for t in labels] + [0])
    width = height = 2 * math.ceil(reach) + 20
    centre = middle = width / 2
    angle = {row["agency"]: 2 * math.pi * k / max(len(busiest), 1) - math.pi / 2
             for k, row in enumerate(busiest)}
    pos = {a: (centre + radius * math.cos(t), middle + radius * math.sin(t))
           for a, t in angle.items()}
    lines = [{"x1": round(pos[row["agency1"]][0], 1), "y1": round(pos[row["agency1"]][1], 1),
              "x2": round(pos[row["agency2"]][0], 1), "y2": round(pos[row["agency2"]][1], 1),
              "width": round(1 + 1.5 * (count(row["actions"]) - 1), 1),
              "tip": f"{row['agency1Name']} and {row['agency2Name']} co-lead "
                     f"{plural(row['actions'] or 0, 'action')}"}
             for row in pairs if row["agency1"] in pos and row["agency2"] in pos]
    nodes = []
    for row, label, rad in zip(busiest, labels, sizes, strict=True):
        t = angle[row["agency"]]
        x, y = pos[row["agency"]]
        out = radius + rad + 4
        right = math.cos(t) >= -1e-9
        nodes.append({"x": round(x, 1), "y": round(y, 1), "r": round(rad, 1),
                      "tx": round(centre + out * math.cos(t), 1),
                      "ty": round(middle + out * math.sin(t), 1),
                      "turn": round(math.degrees(t) + (0 if right else 180), 1),
                      "anchor": "start" if right else "end", "label": label,
                      "tip": f"{row['label']}: {plural(row['actions'] or 0, 'action')} in "
                             f"{plural(row['plans'] or 0, 'plan')}"})
    return {"width": width, "height": height + 24, "lines": lines, "nodes": nodes,
            "count": len(busiest)}
