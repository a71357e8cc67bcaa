"""Stewards never lose an edit: the three-way import (two stewards from one export, in any
order), who is a role (no personal name reaches the graph), cells as a spreadsheet stores
them, the history of an action and the withdrawal of an edit, the edits file appended to
and never rewritten, and the round trip through a workbook LibreOffice saved."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from rdflib import Graph, URIRef

from vrgraph import build, curation
from vrgraph.namespaces import PROV, RDF, RDFS, VR
from vrgraph.sheet.imports import EDITS

from .conftest import ROOT
from .test_sheet import ID, edit, row_of, run

STEWARD, ANALYST = "VRU data steward", "Community safety analyst"


def edits_of(root: Path) -> list[dict]:
    return yaml.safe_load((root / EDITS).read_text()) or []


def changed(book: Path, out: Path, number: str, cells: dict[str, str], who: str = STEWARD,
            why: str = "agreed at the partnership board") -> Path:
    """``book`` with ``cells`` (column letter -> value) of action ``number``'s row changed,
    and who and why given on it."""
    r = row_of(book, number)
    return edit(book, {**{f"{c}{r}": v for c, v in cells.items()}, f"N{r}": who,
                       f"P{r}": why}, out)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The workbook exported from the project once (every scratch copy exports the same)."""
    target = tmp_path_factory.mktemp("export") / "actions.xlsx"
    result = run(ROOT, "sheet", "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    return target


def fresh(exported: Path, root: Path) -> Path:
    (root / "out").mkdir(exist_ok=True)
    return Path(shutil.copy(exported, root / "out/actions.xlsx"))


def personal_name(root: Path) -> str:
    return curation.load(root / "data/curation", root).personal[0]


@pytest.mark.parametrize("a_first", [True, False], ids=["A then B", "B then A"])
def test_two_stewards_from_one_export_lose_no_edit(scratch, exported, a_first):
    """A changes the leads of 5.1.2, B (from the same export) only its tier: both edits
    survive, in either order; each re-import changes nothing; a third steward's different
    change of the same cell is a conflict, listed with both values, and nothing is written."""
    root = scratch.root
    book = fresh(exported, root)
    a = changed(book, root / "out/a.xlsx", "5.1.2", {"F": "IGU"})
    b = changed(book, root / "out/b.xlsx", "5.1.2", {"K": "secondary"}, who=ANALYST)
    for workbook in ([a, b] if a_first else [b, a]):
        result = run(root, "sheet", "import", str(workbook))
        assert result.exit_code == 0, result.output
    fields = {(e["action"], e["field"]): (e["was"], e["value"], e["who"])
              for e in edits_of(root)}
    assert fields == {("5.1.2", "leads"): (["igu", "mps"], ["igu"], "vru-data-steward"),
                      ("5.1.2", "tiers"): (["primary"], ["secondary"],
                                           "community-safety-analyst")}
    for workbook in (a, b):                   # re-imported, stale or not: nothing to do
        again = run(root, "sheet", "import", str(workbook))
        assert again.exit_code == 0 and "no change to import" in again.output, again.output
    assert run(root, "build").exit_code == 0
    g = Graph().parse(scratch.graph)
    action = URIRef(ID + "action/5.1.2")
    assert set(g.objects(action, VR.ledBy)) == {URIRef(ID + "agency/igu")}
    assert set(g.objects(action, VR.preventionTier)) == {VR.SecondaryPrevention}

    before = (root / EDITS).read_bytes()
    c = changed(book, root / "out/c.xlsx", "5.1.2", {"F": "MPS"}, who="VRU programme manager")
    conflict = run(root, "sheet", "import", str(c))
    assert conflict.exit_code == 2
    r = row_of(book, "5.1.2")
    assert (f"Actions!F{r}: conflict: you changed Leads of action 5.1.2 from 'IGU; MPS' to "
            f"'MPS', but since the workbook was exported it became 'IGU' (edit "
            f"5.1.2/leads-1 by {STEWARD}, ") in conflict.stderr
    assert (root / EDITS).read_bytes() == before


def test_a_stale_workbook_leaves_others_edits_alone_and_asks_no_who_for_them(scratch,
                                                                            exported):
    root = scratch.root
    book = fresh(exported, root)
    first = changed(book, root / "out/first.xlsx", "5.1.3", {"F": "IGU; MPS"})
    assert run(root, "sheet", "import", str(first)).exit_code == 0
    # the second steward's workbook is stale in row 5.1.3 (no who, no why there)
    second = changed(book, root / "out/second.xlsx", "5.1.4", {"K": "tertiary"}, who=ANALYST)
    result = run(root, "sheet", "import", str(second))
    assert result.exit_code == 0, result.output
    assert [(e["action"], e["field"]) for e in edits_of(root)] == [("5.1.3", "leads"),
                                                                   ("5.1.4", "tiers")]
    assert run(root, "build").exit_code == 0
    g = Graph().parse(scratch.graph)
    assert {URIRef(ID + "agency/mps"), URIRef(ID + "agency/igu")} <= set(
        g.objects(URIRef(ID + "action/5.1.3"), VR.ledBy))


def test_a_workbook_without_its_record_or_of_another_strategy_is_refused(scratch, exported,
                                                                        tmp_path):
    root = scratch.root
    book = fresh(exported, root)
    wb = load_workbook(book)
    del wb["Record"]
    wb.save(tmp_path / "bare.xlsx")
    bare = run(root, "sheet", "import", str(tmp_path / "bare.xlsx"))
    assert bare.exit_code == 2 and "no record of what it showed when exported" in bare.stderr
    wb = load_workbook(book)
    wb["Record"]["B3"] = "https://example.org/lambeth/id/document/lambeth"
    wb.save(tmp_path / "other.xlsx")
    other = run(root, "sheet", "import", str(tmp_path / "other.xlsx"))
    assert other.exit_code == 2
    assert "exported from another strategy (https://example.org/lambeth/" in other.stderr
    wb = load_workbook(book)
    wb["Record"]["B1"] = "not a record"
    wb.save(tmp_path / "altered.xlsx")
    altered = run(root, "sheet", "import", str(tmp_path / "altered.xlsx"))
    assert altered.exit_code == 2 and "missing or altered (sheet Record)" in altered.stderr


def test_two_imports_cannot_interleave(scratch, exported, monkeypatch):
    """The import holds the lock beside edits.yaml from reading the project to writing the
    file: another process cannot take it meanwhile."""
    root = scratch.root
    book = changed(fresh(exported, root), root / "out/a.xlsx", "5.1.2", {"K": "secondary"})
    seen = []
    real = build.build_graph

    def watched(*args, **kwargs):
        fd = os.open(root / (EDITS + ".lock"), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append("free")
        except BlockingIOError:
            seen.append("held")
        finally:
            os.close(fd)
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "build_graph", watched)
    assert run(root, "sheet", "import", str(book)).exit_code == 0
    assert seen and set(seen) == {"held"}


def test_the_edits_file_is_appended_to_never_rewritten(scratch, exported):
    root = scratch.root
    path = root / EDITS
    path.write_text(path.read_text() + "# a reviewer's comment, kept\n")
    book = fresh(exported, root)
    assert run(root, "sheet", "import", str(changed(book, root / "out/a.xlsx", "5.1.2",
                                                   {"K": "secondary"}))).exit_code == 0
    once = path.read_text()
    assert "# a reviewer's comment, kept\n" in once and "[]" not in once.split("kept\n")[1]
    assert run(root, "sheet", "import", str(changed(book, root / "out/b.xlsx", "5.1.3",
                                                   {"K": "tertiary"}))).exit_code == 0
    assert path.read_text().startswith(once)
    assert [e["action"] for e in edits_of(root)] == ["5.1.2", "5.1.3"]


def test_who_is_a_role_and_no_personal_name_reaches_the_graph(scratch, exported):
    root = scratch.root
    name = personal_name(root)
    book = fresh(exported, root)
    r = row_of(book, "5.1.2")
    bad = changed(book, root / "out/bad.xlsx", "5.1.2", {"K": "secondary"}, who=name,
                  why=f"asked by {name}")
    result = run(root, "sheet", "import", str(bad))
    assert result.exit_code == 2
    assert f"Actions!N{r}: holds the personal name of a private individual" in result.stderr
    assert f"Actions!P{r}: holds the personal name of a private individual" in result.stderr
    long = changed(book, root / "out/long.xlsx", "5.1.2", {"K": "secondary"}, who="x" * 300)
    refused = run(root, "sheet", "import", str(long))
    assert refused.exit_code == 2
    assert f"Actions!N{r}: 300 characters, beyond the budget of 80" in refused.stderr
    stranger = changed(book, root / "out/s.xlsx", "5.1.2", {"K": "secondary"}, who="Bob")
    assert "'Bob' is not a role of data/curation/roles.yaml (VRU data steward, " in run(
        root, "sheet", "import", str(stranger)).stderr
    assert edits_of(root) == []

    # a hand-made edits.yaml with the name is refused by the build, which writes nothing
    graph = scratch.graph.read_bytes()
    (root / EDITS).write_text(
        f'- {{action: "5.1.2", field: tiers, value: [secondary], was: [primary], '
        f'who: vru-data-steward, when: "2026-01-01", why: "asked by {name}", '
        f'cell: "Actions!K3"}}\n')
    built = run(root, "build")
    assert built.exit_code == 2
    assert built.stderr.startswith("error: data/curation/edits.yaml:1: why: holds the personal "
                                   "name")
    roles = root / "data/curation/roles.yaml"
    roles.write_text(roles.read_text() + f"- {{id: named, label: {name}, description: d, "
                                          f"reason: r}}\n")
    (root / EDITS).write_text("[]\n")
    assert "label: holds the personal name" in run(root, "build").stderr
    assert scratch.graph.read_bytes() == graph
    # the gate on the built graph itself
    roles.write_text(roles.read_text().rsplit("- {id: named", 1)[0])
    g = build.build_graph(build.Sources.at(root))
    assert not any(name.casefold() in str(o).casefold() for o in g.objects())


def test_the_steward_iri_comes_from_the_role_id(scratch, exported):
    root = scratch.root
    book = fresh(exported, root)
    assert run(root, "sheet", "import", str(changed(book, root / "out/a.xlsx", "5.1.2",
                                                   {"K": "secondary"}))).exit_code == 0
    assert run(root, "build").exit_code == 0
    g = Graph().parse(scratch.graph)
    steward = g.value(URIRef(ID + "edit/5.1.2/tiers-1"), PROV.wasAssociatedWith)
    assert steward == URIRef(ID + "steward/vru-data-steward")
    assert str(g.value(steward, RDFS.label)) == STEWARD


def test_cells_as_a_spreadsheet_stores_them(scratch, exported):
    """Formulas, text starting like one, control characters, over-long text, a number typed
    into a text column, an added row and a deleted row: each named by its cell, exit 2."""
    root = scratch.root
    book = fresh(exported, root)
    rows = {n: row_of(book, n) for n in ("5.1.2", "5.1.3", "5.1.4", "5.1.10")}
    a, b, c, d = rows.values()
    wb = load_workbook(book)
    ws = wb["Actions"]
    for r in rows.values():
        ws[f"N{r}"] = STEWARD
    ws[f"K{a}"], ws[f"P{a}"] = "secondary", '=HYPERLINK("https://example.org","x")'
    ws[f"K{b}"], ws[f"P{b}"] = "tertiary", "x" * 10_000
    ws[f"K{c}"], ws[f"P{c}"] = "tertiary", "because\tso"
    ws[f"A{d}"] = 5.1                        # 5.1.10 typed as a number
    last = ws.max_row
    ws.cell(last + 1, 1, "5.99.1")            # an added row
    ws.delete_rows(row_of(book, "5.2.1"))     # a deleted row (5.2.1's)
    wb.save(root / "out/bad.xlsx")
    result = run(root, "sheet", "import", str(root / "out/bad.xlsx"))
    assert result.exit_code == 2
    err = result.stderr
    assert f"Actions!P{a}: a formula ('=HYPERLINK(" in err
    assert f"Actions!P{b}: 10,000 characters, beyond the budget of 2,000" in err
    assert f"Actions!P{c}: holds the control character U+0009" in err
    assert f"Actions!A{d}: '5.1' is stored as a number, not text (5.1.10 is not 5.1.1); it " \
           f"read '5.1.10' when exported: put it back" in err
    assert "action '5.99.1' was not in the workbook when exported: rows are not added here " \
           "(an action is added or retired in the source document" in err
    assert f"the row of action 5.2.1 (row {row_of(book, '5.2.1')} when exported) is missing: " \
           f"rows are not deleted here" in err
    assert edits_of(root) == []


def test_an_impossible_date_is_refused_in_both_workbooks(scratch, exported, tmp_path):
    root = scratch.root
    book = fresh(exported, root)
    r = row_of(book, "5.1.2")
    bad = changed(book, root / "out/bad.xlsx", "5.1.2", {"K": "secondary", "O": "2025-02-30"})
    result = run(root, "sheet", "import", str(bad))
    assert result.exit_code == 2 and f"Actions!O{r}: '2025-02-30' is not a real date" in \
        result.stderr
    strategy = tmp_path / "s.xlsx"
    assert run(root, "sheet", "new", "-o", str(strategy)).exit_code == 0
    wb = load_workbook(strategy)
    ws = wb["Strategy"]
    row = next(c.row for c in ws["A"] if c.value and "ssued" in str(c.value))
    ws.cell(row, 2, "2025-02-30")
    assert wb["Actions"].column_dimensions["B"].number_format == "@"
    wb["Actions"]["B2"] = 1.1                  # 1.10 as a spreadsheet would store it
    wb.save(strategy)
    built = run(root, "build", "--sheet", str(strategy), "--base-iri", "https://example.org/x/")
    assert built.exit_code == 2
    assert "'2025-02-30' is not a day of the calendar" in built.stderr
    assert "Actions!B2: stored as the number 1.1, not text (5.10 would read as 5.1)" in \
        built.stderr


def test_history_withdrawal_and_the_quality_note_an_edit_answers(scratch, exported):
    """An edit giving 5.1.21 (empty lead cell) a lead retires its quality note, with
    provenance; its history lists it; withdrawn, the note stands again, both edits kept."""
    root = scratch.root
    book = fresh(exported, root)
    assert run(root, "sheet", "import", str(changed(book, root / "out/a.xlsx", "5.1.21",
                                                   {"F": "IGU"}))).exit_code == 0
    assert run(root, "build").exit_code == 0
    note, edit_iri = URIRef(ID + "note/empty-lead/5.1.21"), URIRef(ID + "edit/5.1.21/leads-1")
    g = Graph().parse(scratch.graph)
    assert g.value(note, PROV.wasInvalidatedBy) == edit_iri
    assert g.value(note, PROV.invalidatedAtTime) == g.value(edit_iri, PROV.endedAtTime)
    notes = run(root, "query", "run", "notes", "-p", "kind", "empty-lead", "-p", "about",
                "5.1.21", "--format", "csv")
    assert "Retired by the steward's edit: Edit of the leads of action 5.1.21" in notes.output
    shown = run(root, "history", "5.1.21")
    assert shown.exit_code == 0
    assert shown.output.startswith("5.1.21/leads-1: the leads of action 5.1.21: (none) -> IGU\n"
                                   f"  by {STEWARD}, ")
    assert "why: agreed at the partnership board" in shown.output
    assert run(root, "history", "--who", ANALYST).output == f"no edit made as {ANALYST}\n"

    before = (root / EDITS).read_text()
    refused = run(root, "sheet", "withdraw", "5.1.21/leads-1", "--who", "Bob", "--why", "w")
    assert refused.exit_code == 2 and "'Bob' is not a role" in refused.stderr
    done = run(root, "sheet", "withdraw", "5.1.21/leads-1", "--who", ANALYST, "--why",
               "the lead is not agreed yet", "--when", "2026-05-01")
    assert done.exit_code == 0, done.output
    assert (root / EDITS).read_text().startswith(before)
    twice = run(root, "sheet", "withdraw", "5.1.21/leads-1", "--who", ANALYST, "--why", "w")
    assert twice.exit_code == 2 and "withdrawn already, by 5.1.21/leads-2" in twice.stderr
    assert run(root, "build").exit_code == 0
    g = Graph().parse(scratch.graph)
    withdrawal = URIRef(ID + "edit/5.1.21/leads-2")
    assert (withdrawal, VR.withdraws, edit_iri) in g
    assert (edit_iri, PROV.wasInvalidatedBy, withdrawal) in g
    assert (edit_iri, RDF.type, VR.Edit) in g                 # kept
    assert not set(g.objects(URIRef(ID + "action/5.1.21"), VR.ledBy))
    assert (note, PROV.wasInvalidatedBy, None) not in g       # the flaw stands again
    listed = run(root, "history", "5.1.21").output
    assert "5.1.21/leads-1 (withdrawn by 5.1.21/leads-2)" in listed
    assert f"5.1.21/leads-2: the leads of action 5.1.21: IGU -> (none)\n  by {ANALYST}, " \
           f"2026-05-01, withdrawal of 5.1.21/leads-1" in listed


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice (Debian's libreoffice-calc-nogui) "
                    "is not installed")
def test_round_trip_through_a_workbook_libreoffice_saved(scratch, exported, tmp_path):
    """An exported workbook, edited, saved by LibreOffice Calc headless as Excel 2007-365;
    its hidden record survives, the number columns stay text, and it imports."""
    root = scratch.root
    book = fresh(exported, root)
    edited = changed(book, tmp_path / "edited.xlsx", "5.1.2", {"K": "secondary"})
    out = tmp_path / "saved"
    profile = tmp_path / "profile"
    subprocess.run([_soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                    str(edited)], check=True, capture_output=True, timeout=300)
    saved = out / "edited.xlsx"
    wb = load_workbook(saved)
    # LibreOffice has no "very hidden": it keeps the record hidden and protected, its rows
    # whole (and drops the workbook's structure lock)
    assert wb["Record"].sheet_state == "hidden" and wb["Record"].protection.sheet
    original = load_workbook(book)["Record"]
    assert [[c.value for c in r] for r in wb["Record"].iter_rows()] == [
        [c.value for c in r] for r in original.iter_rows()]
    assert wb["Actions"]["A2"].value == "5.1.1" and wb["Actions"]["C2"].data_type == "s"
    result = run(root, "sheet", "import", str(saved))
    assert result.exit_code == 0, result.output + result.stderr
    ((entry),) = edits_of(root)
    assert (entry["action"], entry["field"], entry["value"]) == ("5.1.2", "tiers",
                                                                 ["secondary"])
    again = run(root, "sheet", "import", str(saved))
    assert "no change to import" in again.output
