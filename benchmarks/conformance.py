"""The W3C SHACL test suite (Core) run by each validator: writes docs/conformance.md.

    python benchmarks/conformance.py                 # writes docs/conformance.md
    python benchmarks/conformance.py --suite DIR -o -   # another copy of the suite; to stdout

Three validators, each on every ``sht:Validate`` test of ``core/manifest.ttl`` (judged as
``vrgraph.conformance`` says): vrgraph's default engine (the shapes compiled to SPARQL on
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

from vrgraph import conformance  # noqa: E402

VALIDATORS = (
    ("vrgraph (default: compiled to SPARQL on Oxigraph)",
     lambda: conformance.vrgraph_validator("sparql")),
    ("vrgraph `--engine pyshacl`", lambda: conformance.vrgraph_validator("pyshacl")),
    ("pySHACL alone", lambda: conformance.pyshacl_validator),
)


def table(suite: Path) -> str:
    cases = conformance.cases(suite / "core" / "manifest.ttl")
    rows, notes = [], []
    for name, make in VALIDATORS:
        validator = make()
        failed = []
        for case in cases:
            passed, why = conformance.passes(case, validator)
            if not passed:
                failed.append(f"`{case.name}` ({why})")
        rows.append(f"| {name} | {len(cases) - len(failed)} / {len(cases)} |")
        if failed:
            notes.append(f"- {name} fails: " + "; ".join(failed))
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
        "| validator | SHACL Core tests passed |",
        "|---|---|",
        *rows,
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
    parser.add_argument("-o", "--output", default=str(ROOT / "docs" / "conformance.md"),
                        help="Where to write the table ('-': standard output).")
    args = parser.parse_args()
    if not (args.suite / "core" / "manifest.ttl").exists():
        sys.exit(f"error: no SHACL test suite at {args.suite} (core/manifest.ttl); "
                 "give its folder with --suite")
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # the suite's ill-typed literals
    warnings.simplefilter("ignore")  # pySHACL warns of the suite's deliberately odd shapes
    text = table(args.suite)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        from vrgraph.project import write_atomic

        write_atomic(Path(args.output), text.encode("utf-8"))
        out = Path(args.output).resolve()
        print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
