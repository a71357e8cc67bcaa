"""The straightforward report pipeline, for comparison: rdflib's memory store, owlrl's full
OWL-RL closure, pySHACL with the shapes as written, the canned queries in rdflib's SPARQL
engine, the same HTML. Run by benchmarks/report.py; prints nothing but errors.

    python benchmarks/straightforward.py OUTPUT.html
"""

from __future__ import annotations

import sys
from pathlib import Path

import owlrl
import pyshacl
from rdflib import Graph

from vrgraph.project import Project
from vrgraph.query.canned import load_queries
from vrgraph.report import SECTIONS, Results, render
from vrgraph.validate import Report, Result


def main(output: Path) -> None:
    project = Project.default()
    g = Graph()
    g.parse(project.graph)
    g.parse(project.ontology)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    shapes = Graph().parse(project.shapes)
    conforms, results, _ = pyshacl.validate(g, shacl_graph=shapes, inference="none",
                                           allow_warnings=True)
    sh = "http://www.w3.org/ns/shacl#"
    from rdflib import URIRef
    report = Report(bool(conforms), [Result(str(results.value(n, URIRef(sh + "resultSeverity"))).rsplit("#")[-1],
                                            "", "", None, None, "", None)
                                     for n in results.subjects(URIRef(sh + "resultSeverity"), None)])
    queries = load_queries(project.queries)
    tables = {}
    for name in SECTIONS:
        res = g.query(queries[name].text)
        names = [str(v) for v in res.vars]
        tables[name] = [{n: (str(row[n]) if row[n] is not None else None) for n in names}
                        for row in res]
    output.write_text(render(Results(tables), report, {}, "baseline"), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
