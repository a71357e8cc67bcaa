"""What a validation found: its results and report, apart from the validator so that a
report kept from an earlier run (``vrgraph.pipeline``) is read without importing it (and
rdflib's SPARQL machinery with it). ``vrgraph.validate`` makes them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .text import natural

if TYPE_CHECKING:
    from rdflib import Graph

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
    component: str | None = None


@dataclass
class Report:
    conforms: bool
    results: list[Result] = field(default_factory=list)
    graph: Graph | None = None  # the SHACL validation report as RDF

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def rdf(self) -> Graph:
        """The SHACL validation report as RDF; the report must have been made with it
        (``validate(..., rdf=True)``)."""
        if self.graph is None:
            raise ValueError("the report was made without its graph: validate(..., rdf=True)")
        return self.graph

    def ok(self, strict: bool = False) -> bool:
        """No violations (and, when ``strict``, no results but Info)."""
        return self.count("Violation") == 0 and not (
            strict and any(r.severity != "Info" for r in self.results))

    def grouped(self) -> dict[str, dict[str, list[Result]]]:
        """severity -> shape -> results, in a stable order."""
        out: dict[str, dict[str, list[Result]]] = {}
        for r in sorted(self.results, key=_order):
            out.setdefault(r.severity, {}).setdefault(r.shape, []).append(r)
        return out


def _order(r: Result) -> tuple[Any, ...]:
    """Severity first, then shape, focus node (naturally: 5.4.9 before 5.4.10), path, value."""
    rank = SEVERITIES.index(r.severity) if r.severity in SEVERITIES else len(SEVERITIES)
    return (rank, r.severity, r.shape, natural(r.focus), r.path or "", natural(r.value or ""),
            r.component or "")


def to_plain(report: Report) -> dict[str, Any]:
    """``report`` (without its RDF graph) as JSON-ready values."""
    return {"conforms": report.conforms, "results": [asdict(r) for r in report.results]}


def from_plain(data: dict[str, Any]) -> Report:
    """The report :func:`to_plain` gave; a :class:`ValueError` if ``data`` is not one."""
    try:
        results = [Result(**r) for r in data["results"]]
        conforms = data["conforms"]
    except (KeyError, TypeError) as err:
        raise ValueError(f"not a kept validation report: {err}") from None
    if not isinstance(conforms, bool) or not all(
            isinstance(getattr(r, f), (str, type(None))) for r in results
            for f in ("severity", "shape", "focus", "path", "value", "message", "lines",
                      "component")):
        raise ValueError("not a kept validation report")
    return Report(conforms, results)
