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
import re
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


def run(cases: list, validator: object) -> list[str]:
    """The names of the ``cases`` ``validator`` fails, each with why (the first line of it,
    cut at 160 characters)."""
    failed = []
    for case in cases:
        passed, why = conformance.passes(case, validator)
        if not passed:
            first = (why.splitlines() or [""])[0]
            failed.append(f"`{case.name}` ({first[:160]}{'...' if len(first) > 160 else ''})")
    return failed


def commit(suite: Path) -> str:
    """", commit X" where the suite's README.md names the commit it was taken at."""
    readme = suite / "README.md"
    found = re.search(r"\bcommit ([0-9a-f]{7,40})\b",
                      readme.read_text(encoding="utf-8") if readme.is_file() else "")
    return f", commit {found.group(1)}" if found else ""


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
        "a `ShapeError`, exit 2; pySHACL: a `ReportableRuntimeError` raised or a",
        "`ValidationFailure` returned in place of the report). vrgraph runs as `vrgraph",
        "validate --skip-remote-imports`: `component/validator-001` imports the DASH",
        "vocabulary from the network (and needs nothing of it), which vrgraph otherwise",
        "refuses.",
    ] if more else [
        "", "The SHACL-SPARQL part was not run: give its folder with `--sparql-suite DIR`."]
    lines = [
        "# SHACL conformance",
        "",
        "The W3C SHACL test suite, Core part (`core/manifest.ttl`, from the repository",
        f"w3c/data-shapes{commit(suite)}), run by each validator. A test passes when "
        "`sh:conforms` is equal",
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
