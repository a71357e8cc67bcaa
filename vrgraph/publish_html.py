"""The HTML frame of the release's static pages: layout, escaping, links and the style sheet.

Every value goes through :func:`esc` (``html.escape``); every link is relative, so the site
works opened from disk and from any static host. JSON-LD is embedded with ``<``, ``>`` and
``&`` escaped as JSON unicode escapes, so no value can close the script element.
"""

from __future__ import annotations

import html
import posixpath
from dataclasses import dataclass

STYLE = "style.css"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def rel(target: str, current: str) -> str:
    """The relative link from the page ``current`` to ``target`` (both release paths)."""
    base = posixpath.dirname(current) or "."
    anchor = ""
    if "#" in target:
        target, anchor = target.split("#", 1)
        anchor = "#" + anchor
    if not target:
        return anchor
    return posixpath.relpath(target, base) + anchor


def link(target: str, current: str, text: str, cls: str = "") -> str:
    attr = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(rel(target, current))}"{attr}>{esc(text)}</a>'


def external(iri: str, text: str) -> str:
    """A link out of the release (http(s) only; anything else is shown as text)."""
    if iri.startswith(("http://", "https://")):
        return f'<a class="ext" href="{esc(iri)}">{esc(text)}</a>'
    return f"<code>{esc(text)}</code>"


def script_json(data: bytes) -> str:
    text = data.decode("utf-8").strip()
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


@dataclass(frozen=True)
class Alternate:
    path: str        # release path of the serialisation
    media_type: str
    title: str       # the format's name, e.g. "Turtle"


def page(path: str, title: str, body: str, *, site_title: str, crumbs: list[tuple[str, str]],
         alternates: list[Alternate], jsonld: bytes | None = None,
         footer: str = "") -> bytes:
    """A complete page at release path ``path``; ``crumbs`` are (path, label) pairs."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} | {esc(site_title)}</title>",
        f'<link rel="stylesheet" href="{esc(rel(STYLE, path))}">',
    ]
    for alt in alternates:
        described = f"the whole graph, {alt.title}"
        head.append(f'<link rel="alternate" type="{esc(alt.media_type)}" '
                    f'href="{esc(rel(alt.path, path))}" title="{esc(described)}">')
    if jsonld is not None:
        head.append(f'<script type="application/ld+json">\n{script_json(jsonld)}\n</script>')
    head.append("</head>")
    nav = " <span aria-hidden=\"true\">›</span> ".join(
        [link(p, path, label) for p, label in crumbs] + [f"<span>{esc(title)}</span>"])
    return "\n".join(head + [
        "<body>",
        f'<header><nav aria-label="breadcrumb">{nav}</nav></header>',
        "<main>",
        body,
        "</main>",
        f"<footer>{footer}</footer>",
        "</body>",
        "</html>",
        "",
    ]).encode("utf-8")


CSS = """\
:root { --ink: #1d2330; --muted: #5b6372; --line: #d9dde5; --accent: #0b5cad;
        --bg: #ffffff; --soft: #f4f6f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 64rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1rem; padding-bottom: .5rem; border-bottom: 1px solid var(--line);
         font-size: .9rem; color: var(--muted); }
header a { color: var(--accent); }
main { padding-top: .5rem; padding-bottom: 2rem; }
footer { border-top: 1px solid var(--line); padding-top: .75rem; padding-bottom: 2rem;
         font-size: .85rem; color: var(--muted); }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 1rem 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid var(--line);
     padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
a { color: var(--accent); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
a.ext::after { content: " \\2197"; font-size: .8em; }
code { font: .88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: var(--soft); padding: .05rem .3rem; border-radius: 3px;
       overflow-wrap: anywhere; }
.iri { color: var(--muted); font-size: .9rem; margin: 0 0 .25rem; }
.types { margin: 0 0 1rem; }
.tag { display: inline-block; background: var(--soft); border: 1px solid var(--line);
       border-radius: 999px; padding: 0 .6rem; font-size: .85rem; margin-right: .3rem; }
.text { background: var(--soft); border-left: 4px solid var(--accent); padding: .6rem .9rem;
        margin: .5rem 0 1rem; white-space: pre-line; }
.text .lang { color: var(--muted); font-size: .8rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
         border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; }
table.facts th { width: 14rem; background: none; color: var(--muted); font-weight: 500; }
td ul, .refs ul { margin: 0; padding-left: 1.1rem; }
td.key code { white-space: nowrap; overflow-wrap: normal; }
td.name { min-width: 10rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--muted); }
.lede { font-size: 1.05rem; max-width: 48rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
         gap: .75rem; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.cards li span { display: block; color: var(--muted); font-size: .85rem; }
dl.shape dt { font-weight: 600; margin-top: .5rem; }
dl.shape dd { margin: 0 0 .25rem 1rem; }
.sev-Violation { color: #a11; } .sev-Warning { color: #8a5a00; } .sev-Info { color: #2a6; }
td.sum code { white-space: nowrap; }
@media (max-width: 40rem) { table.facts th { width: auto; } h1 { font-size: 1.4rem; }
  table { display: block; overflow-x: auto; } }
"""
