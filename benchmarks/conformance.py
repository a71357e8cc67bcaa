"""The W3C SHACL test suite (Core, SHACL-SPARQL) run by each validator: writes
docs/conformance.md.

    python benchmarks/conformance.py                        # writes docs/conformance.md
    python benchmarks/conformance.py --sparql-suite DIR     # with the SHACL-SPARQL part
    python benchmarks/conformance.py --suite DIR -o -       # another copy of Core; to stdout

Three validators, each on every ``sht:Validate`` test of ``core/manifest.ttl`` and, given
the suite's ``sparql/`` folder, of every test manifest under it (judged as
``vrgraph.validate.conformance`` says): vrgraph's default engine (the shapes compiled to SPARQL on
Oxigraph), vrgraph ``--engine pyshacl``, and pySHACL alone (its SHACL-SPARQL features on).
The suite is read from ``../shared/shacl-test-suite`` next to the repository by default.
The output is the same on every run (no timings), so a diff shows a real change.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vrgraph.validate import conformance  # noqa: E402

VALIDATORS = (
    ("vrgraph (default: compiled to SPARQL on Oxigraph)",
     lambda: conformance.vrgraph_validator("sparql")),
    ("vrgraph `--engine pyshacl`", lambda: conformance.vrgraph_validator("pyshacl")),
    ("pySHACL alone", lambda: conformance.pyshacl_validator),
)


# Tests of the SHACL-SPARQL part that no implementation of the 2017 Recommendation can
# pass as they are stored, and why (shown in the document; they are run and counted as
# failed like any other test).
WRONG = {
    "component/nodeValidator-ask-001": "an ASK validator as `sh:nodeValidator`; SHACL 6.2.3 "
    "says the values of `sh:nodeValidator` must be SELECT-based validators, and an "
    "ill-formed shapes graph SHOULD give a failure (the test `nodeValidator-ask-fail-001` "
    "expects exactly that of the same shapes)",
    "component/propertyValidator-ask-001": "an ASK validator as `sh:propertyValidator` "
    "(6.2.3: must be SELECT-based); `propertyValidator-ask-fail-001` expects a failure of "
    "the same shapes",
    "component/LanguageConstraintComponentUsingASK": "the same ASK `sh:propertyValidator` "
    "as `propertyValidator-ask-001` (an earlier conversion of it)",
    "component/nodeValidator-ask-ignore-001/nodeValidator-ask-fail-001": "the shapes of `nodeValidator-ask-fail-001`, "
    "but expects the constraint ignored; SHACL ignores a constraint only when no validator "
    "exists (6.2.3), and this one is ill-formed",
    "component/propertyValidator-ask-ignore-001/propertyValidator-ask-fail-001": "the shapes of "
    "`propertyValidator-ask-fail-001`, expecting them ignored (as above)",
    "component/nodeValidator-select-001/nodeValidator-ask-001": "expects no `sh:value` for a node shape whose "
    "SELECT returns no `?value`; SHACL 5.3.2 gives the value node, the focus node "
    "(`nodeValidator-001`, the same shapes, expects it)",
    "core/component-conform": "its `sh:validator` is a SELECT-based validator (6.2.3: "
    "must be ASK-based) and `FILTER false` is not SPARQL 1.1 (a FILTER needs brackets), "
    "both a failure by the spec; it expects a conforming report",
    "core/component-nonconform": "its `sh:validator` is SELECT-based (6.2.3), and the "
    "expected result names `ex:SillyConstraint`, a component the shapes do not declare "
    "(they declare `ex:SillyConstraintComponent`)",
    "pre-binding/shapesGraph-001": "the stored revision (commit 23bb4d4) moved the Turtle "
    "prefix `ex:` to `http://example.com/ns#` but kept the query's `sh:declare` of `ex` "
    "as the old namespace, so `$currentShape ex:property 42` cannot match; with one "
    "namespace the test passes",
}


def run(cases: list, validator: object) -> list[str]:
    """The names of the ``cases`` ``validator`` fails, each with why (the first line of it,
    cut at 160 characters), but for the tests of ``WRONG``, explained apart."""
    failed = []
    for case in cases:
        passed, why = conformance.passes(case, validator)
        if not passed:
            first = (why.splitlines() or [""])[0]
            failed.append(f"`{case.name}`" + ("" if case.name in WRONG else
                                               f" ({first[:160]}{'...' if len(first) > 160 else ''})"))
    return failed


def table(suite: Path, sparql: Path | None) -> str:
    cases = conformance.cases(suite / "core" / "manifest.ttl")
    more = conformance.suite_cases(sparql) if sparql is not None else []
    parts = sorted({c.name.split("/")[0] for c in more})
    rows, notes, by_part = [], [], []
    for name, make in VALIDATORS:
        validator = make()
        failed, also = run(cases, validator), run(more, validator)
        row = f"| {name} | {len(cases) - len(failed)} / {len(cases)} |"
        if more:
            row += f" {len(more) - len(also)} / {len(more)} |"
            lost = {f.split("`")[1] for f in also}
            by_part.append(f"| {name} | " + " | ".join(
                f"{sum(1 for c in more if c.name.split('/')[0] == part and c.name not in lost)}"
                f" / {sum(1 for c in more if c.name.split('/')[0] == part)}"
                for part in parts) + " |")
        rows.append(row)
        if failed or also:
            notes.append(f"- {name} fails: " + "; ".join(failed + also))
    sparql_lines = [
        "",
        "## SHACL-SPARQL",
        "",
        "Every `sht:Validate` test of every test manifest under the suite's `sparql/` folder",
        "(`python benchmarks/conformance.py --sparql-suite DIR`), by folder:",
        "",
        "| validator | " + " | ".join(parts) + " |",
        "|---|" + "---|" * len(parts),
        *by_part,
        "",
        "Tests that expect `sht:Failure` pass when the validator refuses the shapes (vrgraph:",
        "a `ShapeError`, exit 2). The stored tests below contradict the 2017 Recommendation",
        "(or each other); vrgraph follows the Recommendation, so it fails them:",
        "",
        *(f"- `{name}`: {why}." for name, why in WRONG.items()
          if any(c.name == name for c in more)),
    ] if more else [
        "", "The SHACL-SPARQL part was not run: give its folder with `--sparql-suite DIR`."]
    lines = [
        "# SHACL conformance",
        "",
        "The W3C SHACL test suite, Core part (`core/manifest.ttl`, from the repository",
        "w3c/data-shapes), run by each validator. A test passes when `sh:conforms` is equal",
        "and the results are the same multiset, each compared by focus node, path, value,",
        "severity, source shape and constraint component (blank nodes by structure; messages",
        "not compared): the suite's own rule. Produced by `python benchmarks/conformance.py`;",
        "`tests/test_shacl_suite.py` runs the same tests for both vrgraph engines.",
        "",
        "| validator | SHACL Core tests passed |" + (" SHACL-SPARQL tests passed |" if more else ""),
        "|---|---|" + ("---|" if more else ""),
        *rows,
        *sparql_lines,
        "",
        *(notes or ["Every validator passes every test."]),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "shacl-test-suite",
                        help="The folder holding the suite's core/ (default: ../shared/"
                             "shacl-test-suite next to the repository).")
    parser.add_argument("--sparql-suite", type=Path, default=None,
                        help="The suite's SHACL-SPARQL folder (its sparql/; default: "
                             "sparql/ beside core/ where it is there).")
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "conformance.md"),
                        help="Where to write the table ('-': standard output).")
    args = parser.parse_args()
    if not (args.suite / "core" / "manifest.ttl").exists():
        sys.exit(f"error: no SHACL test suite at {args.suite} (core/manifest.ttl); "
                 "give its folder with --suite")
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # the suite's ill-typed literals
    warnings.simplefilter("ignore")  # pySHACL warns of the suite's deliberately odd shapes
    sparql = args.sparql_suite
    if sparql is None and (args.suite / "sparql").is_dir():
        sparql = args.suite / "sparql"
    if sparql is not None and not sparql.is_dir():
        sys.exit(f"error: no SHACL-SPARQL test folder at {sparql}; give it with --sparql-suite")
    text = table(args.suite, sparql)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        from vrgraph.project import write_atomic

        write_atomic(Path(args.output), text.encode("utf-8"))
        out = Path(args.output).resolve()
        print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
