"""The document's flaws as data: a data-quality note (DQV, https://www.w3.org/TR/vocab-dqv/,
as a Web Annotation, https://www.w3.org/TR/annotation-vocab/) for each flaw the reader
found, each flaw curated in ``corrections.yaml`` (``text_flaws``), each personal name
withheld and each action aligned to no principle (``docs/model.md``, "Classes":
``vr:DataQualityNote``).
"""

from __future__ import annotations

from .. import source as src
from ..namespaces import VR
from ..text import slug
from .builder import Builder


def notes(b: Builder) -> None:
    for f in b.doc.flaws:
        b.note(f.kind, f.key, [b.target(t) for t in f.targets], f.message, f.handling, f.lines)
    for e in b.cur.corrections.get("text_flaws", []):
        line = b.check_text(e)
        kind = str(e.get("kind"))
        if kind not in src.FLAW_KINDS:
            raise e.error(f"{kind!r} is not a flaw kind: {', '.join(src.FLAW_KINDS)}", "kind")
        node = b.note(kind, f"L{line}-{slug(e['text'])[:40]}",
                      [b.target(str(e.get("concerns", "document")))],
                      str(e.get("message") or e["reason"]),
                      str(e.get("handling") or "Recorded; the text is kept as printed."),
                      src.Lines(line, line))
        b.curated(node, e)
    for number, e in b.cur.leads.items():
        if e.get("personal"):
            a = b.actions[number]
            node = b.note("PersonalName", number, [b.id("action", number)],
                          f"The lead cell of action {number} names a private individual.",
                          "The name is withheld from the graph; the lead is modelled "
                          "as the role the person acts in.", a.span)
            b.curated(node, e)
    aligned = {str(s).rsplit("/", 1)[1] for s in b.g.subjects(VR.statedAlignment, None)}
    aligned |= {str(s).rsplit("/", 1)[1] for s in b.g.subjects(VR.coveredByCell, None)}
    for a in b.doc.actions:
        if a.number not in aligned:
            b.note("NoAlignment", a.number, [b.id("action", a.number)],
                   f"Action {a.number} is aligned to no principle, neither on its row "
                   f"nor by a cell above it.", "Recorded; no alignment is invented.", a.span)
