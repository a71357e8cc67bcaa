"""Run the W3C SHACL test suite against a validator: the standard as our engine's judge.

Reads the suite's manifests (``mf:include``, ``mf:entries`` of ``sht:Validate`` tests) and
compares a validator's report with each test's expected one the way the suite says
(https://w3c.github.io/data-shapes/data-shapes-test-suite/ and SHACL section 3.6):
``sh:conforms`` equal, and the same multiset of results, each compared by ``sh:focusNode``,
``sh:resultPath``, ``sh:resultSeverity``, ``sh:sourceConstraintComponent``,
``sh:sourceShape`` and ``sh:value``, blank nodes by their structure (graph isomorphism over
what the report and the test file say of them), ``sh:resultMessage`` not compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.term import Node

from ..errors import VrgraphError
from ..namespaces import SH
from ..store import read_graph

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
_COMPARED = (SH.focusNode, SH.resultPath, SH.resultSeverity, SH.sourceConstraintComponent,
             SH.sourceShape, SH.value)

# a validator: (data files, shapes files) -> its SHACL validation report graph
Validator = Callable[[list[Path], list[Path]], Graph]


class Refused(VrgraphError):
    """Another validator refused the shapes (what a ``sht:Failure`` test asks)."""


@dataclass
class Case:
    name: str  # e.g. "node/and-001"
    data: Path
    shapes: Path
    expected: Graph | None  # the normalised expected report; None: sht:Failure expected


def cases(manifest: Path) -> list[Case]:
    """Every ``sht:Validate`` test reachable from ``manifest``, included manifests in
    the order of their names."""
    out: list[Case] = []
    g = read_graph([manifest])
    for entries in g.objects(None, MF.entries):
        for test in Collection(g, entries):
            if (test, RDF.type, SHT.Validate) not in g:
                continue
            action = g.value(test, MF.action)
            report = g.value(test, MF.result)
            name = f"{manifest.parent.name}/{str(test).rsplit('/', 1)[-1]}"
            if report is None:
                raise ValueError(f"{manifest}: test {name} has no mf:result")
            expected = None if report == SHT.Failure else normalised(report, g)
            out.append(Case(name, _path(g.value(action, SHT.dataGraph)),
                            _path(g.value(action, SHT.shapesGraph)), expected))
    for include in sorted(g.objects(None, MF.include), key=str):
        out += cases(_path(include))
    return out


def suite_cases(folder: Path) -> list[Case]:
    """Every ``sht:Validate`` test of every test manifest (a Turtle file with
    ``mf:entries``) under ``folder``, at any depth, each once, named by its file's path
    under ``folder`` and its entry: a copy of the SHACL-SPARQL part runs whole whichever
    revision of its ``mf:include`` lists it has."""
    out: dict[tuple[Path, str], Case] = {}
    for file in sorted(folder.rglob("*.ttl")):
        g = read_graph([file])
        for entries in g.objects(None, MF.entries):
            for test in Collection(g, entries):
                for case in _case(g, test, file.relative_to(folder).with_suffix("").as_posix()):
                    out.setdefault((file, case.name), case)
    return list(out.values())


def _case(g: Graph, test: Node, stem: str) -> list[Case]:
    """The case of ``test`` (an entry of the manifest graph ``g``), if a ``sht:Validate``."""
    if (test, RDF.type, SHT.Validate) not in g:
        return []
    action, report = g.value(test, MF.action), g.value(test, MF.result)
    entry = str(test).rsplit("/", 1)[-1]
    stem = stem.removesuffix("/manifest").removesuffix("manifest")
    name = stem if stem.rsplit("/", 1)[-1] == entry else f"{stem}/{entry}".lstrip("/")
    if report is None:
        raise ValueError(f"test {name} has no mf:result")
    expected = None if report == SHT.Failure else normalised(report, g)
    return [Case(name, _path(g.value(action, SHT.dataGraph)),
                 _path(g.value(action, SHT.shapesGraph)), expected)]


def _path(iri: object) -> Path:
    return Path(str(iri).removeprefix("file://"))


def normalised(report: Node | Graph, *sources: Graph) -> Graph:
    """The compared part of the report ``report`` (a node of ``sources[0]``, or a report
    graph whose one ``sh:ValidationReport`` it is): ``sh:conforms`` and each result's
    compared terms, each blank one replaced by a copy of what ``sources`` say of it (so
    that results sharing a blank path compare like results with one each)."""
    if isinstance(report, Graph):
        sources = (report, *sources)
        node = next(report.subjects(RDF.type, SH.ValidationReport))
    else:
        node = report
    g, top = Graph(), BNode()
    g.add((top, RDF.type, SH.ValidationReport))
    conforms = sources[0].value(node, SH.conforms)
    g.add((top, SH.conforms, Literal(isinstance(conforms, Literal) and bool(conforms.toPython()))))
    for result in sources[0].objects(node, SH.result):
        r = BNode()
        g.add((top, SH.result, r))
        for p in _COMPARED:
            for o in sources[0].objects(result, p):
                g.add((r, p, _copy(o, sources, g, set())))
    return g


def _copy(node: Node, sources: tuple[Graph, ...], into: Graph, above: set[Node]) -> Node:
    """``node``, or for a blank node a fresh copy of what the first of ``sources`` that
    describes it says of it and of the blank nodes below it (a blank node referring back to
    one ``above`` it as it is)."""
    if not isinstance(node, BNode) or node in above:
        return node
    copy = BNode()
    for source in sources:
        said = list(source.predicate_objects(node))
        for p, o in said:
            into.add((copy, p, _copy(o, sources, into, above | {node})))
        if said:
            break
    return copy


def passes(case: Case, validator: Validator) -> tuple[bool, str]:
    """Run ``validator`` on ``case``: (passed, why not). Blank nodes in its report are
    described by the report itself (vrgraph's copies their descriptions into it). Where the
    test expects ``sht:Failure``, the validator must refuse with a :class:`VrgraphError`."""
    try:
        actual = normalised(validator([case.data], [case.shapes]))
    except VrgraphError as err:  # the validator refused the shapes: what sht:Failure asks
        return case.expected is None, f"{type(err).__name__}: {err}"
    except Exception as err:  # a crash is a failed test, reported with its cause
        return False, f"{type(err).__name__}: {err}"
    if case.expected is None:
        return False, "expected a failure (the shapes refused), got a report"
    if isomorphic(actual, case.expected):
        return True, ""
    return False, (f"expected {_count(case.expected)} results, got {_count(actual)}"
                   f" (conforms {_conforms(case.expected)} / {_conforms(actual)})")


def _count(g: Graph) -> int:
    return sum(1 for _ in g.objects(None, SH.result))


def _conforms(g: Graph) -> object:
    return next(g.objects(None, SH.conforms), None)


def vrgraph_validator(engine: str) -> Validator:
    """vrgraph's validator as ``vrgraph validate DATA --shapes SHAPES --engine ENGINE
    --skip-remote-imports`` runs it (the data graph is exactly the data files; a test's
    import from the network, such as the DASH vocabulary, left out)."""
    from . import validate_with_shapes

    return lambda data, shapes: validate_with_shapes(data, shapes, engine, rdf=True,
                                                     skip_remote_imports=True).rdf()


def pyshacl_validator(data: list[Path], shapes: list[Path]) -> Graph:
    """pySHACL alone, with its SHACL-SPARQL features on."""
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError, ValidationFailure

    d, s = read_graph(data), read_graph(shapes)
    try:
        report = pyshacl.validate(d, shacl_graph=s, inference="none", advanced=True)[1]
    except ReportableRuntimeError as err:  # pySHACL's refusal of the shapes
        raise Refused(str(err)) from None
    if isinstance(report, ValidationFailure):  # its other refusal: returned, not raised
        raise Refused(f"Validation Failure - {report.message}")
    return normalised(report, s, d)
