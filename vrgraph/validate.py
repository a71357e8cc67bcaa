"""Validate a graph against the SHACL shapes with pySHACL: stage 6 of the pipeline.

The data graph is the asserted triples plus what reasoning materialised (so shapes can
check ``vr:alignedTo`` and class membership without inference at validation time). The
report is grouped by severity, shape and focus node, and gives the source lines of each
focus node where the graph knows them. Spec: https://www.w3.org/TR/shacl/#validation-report
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .namespaces import PROV, SH, VR

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass
class Result:
    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    lines: str | None


@dataclass
class Report:
    conforms: bool
    results: list[Result] = field(default_factory=list)
    graph: Graph | None = None

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def ok(self, strict: bool = False) -> bool:
        """No violations (and, when ``strict``, no warnings either)."""
        return self.count("Violation") == 0 and not (strict and self.count("Warning"))

    def grouped(self) -> dict[str, dict[str, list[Result]]]:
        """severity -> shape -> results, in a stable order."""
        out: dict[str, dict[str, list[Result]]] = {}
        for r in sorted(self.results, key=lambda r: (SEVERITIES.index(r.severity), r.shape,
                                                     r.focus, r.path or "", r.value or "")):
            out.setdefault(r.severity, {}).setdefault(r.shape, []).append(r)
        return out


def validate(data: Graph, shapes: Graph) -> Report:
    """Validate ``data`` (already reasoned) against ``shapes``."""
    conforms, results_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True,
        abort_on_first=False)
    report = Report(bool(conforms), graph=results_graph)
    for node in results_graph.subjects(RDF.type, SH.ValidationResult):
        severity = results_graph.value(node, SH.resultSeverity)
        focus = results_graph.value(node, SH.focusNode)
        shape = results_graph.value(node, SH.sourceShape)
        path = results_graph.value(node, SH.resultPath)
        value = results_graph.value(node, SH.value)
        messages = sorted(str(m) for m in results_graph.objects(node, SH.resultMessage))
        report.results.append(Result(
            severity=str(severity).rsplit("#", 1)[-1],
            shape=_shape_name(shapes, shape),
            focus=str(focus),
            path=_term(path),
            value=_term(value),
            message=messages[0] if messages else "",
            lines=source_lines(data, focus),
        ))
    report.conforms = report.count("Violation") == 0
    return report


def _term(term: object) -> str | None:
    if term is None:
        return None
    return str(term) if isinstance(term, URIRef) else (
        "(a blank node path)" if not hasattr(term, "n3") else term.n3())


def _shape_name(shapes: Graph, shape: object) -> str:
    """A property shape is reported by its node shape and path, blank nodes never."""
    if isinstance(shape, URIRef):
        return str(shape)
    parent = shapes.value(predicate=SH.property, object=shape)
    path = shapes.value(shape, SH.path)
    if parent is not None:
        return f"{parent} {path.n3(shapes.namespace_manager) if path is not None else ''}".strip()
    return "(anonymous shape)"


def source_lines(data: Graph, focus: object) -> str | None:
    """``"110-112"`` from the focus node's source excerpt, if it has one."""
    for excerpt in data.objects(focus, PROV.wasDerivedFrom):
        first, last = data.value(excerpt, VR.firstLine), data.value(excerpt, VR.lastLine)
        if first is not None:
            return str(first) if first == last else f"{first}-{last}"
    return None


def as_json(report: Report) -> str:
    return json.dumps({
        "conforms": report.conforms,
        "counts": {s: report.count(s) for s in SEVERITIES},
        "results": [asdict(r) for r in sorted(report.results, key=lambda r: (
            SEVERITIES.index(r.severity), r.shape, r.focus, r.path or "", r.value or ""))],
    }, indent=2, ensure_ascii=False)


def as_text(report: Report, label: str, short: callable = str) -> str:
    verdict = "conforms" if report.conforms else "does not conform"
    counts = ", ".join(f"{report.count(s)} {s.lower()}{'s' if report.count(s) != 1 else ''}"
                       for s in SEVERITIES if report.count(s))
    lines = [f"{label}: {verdict}" + (f" ({counts})" if counts else "")]
    for severity, shapes in report.grouped().items():
        lines.append("")
        lines.append(f"{severity} ({report.count(severity)})")
        for shape, results in shapes.items():
            lines.append(f"  {short(shape)}: {results[0].message}")
            for r in results:
                where = f" [source line {r.lines}]" if r.lines else ""
                extra = f" {short(r.path)}" if r.path else ""
                value = f" = {r.value}" if r.value else ""
                lines.append(f"    {short(r.focus)}{extra}{value}{where}")
    return "\n".join(lines)
