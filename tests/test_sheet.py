"""The steward's workbook: export, edit as a steward would (openpyxl), import, build,
validate, diff; invalid workbooks change nothing; the output is byte-identical."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook
from rdflib import Graph, Literal, Namespace, URIRef

from vrgraph import sheet
from vrgraph.cli import main
from vrgraph.namespaces import PROV, RDF, RDFS, VR, XSD
from vrgraph.publish import release as publish_release
from vrgraph.publish import write as publish_write
from vrgraph.sheet.imports import read_rows

from .test_publish import BASE, DCAT, assert_dcat_ap

ID = "https://w3id.org/vrgraph/id/"
ADMS = Namespace("http://www.w3.org/ns/adms#")


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), *args])


def export(root: Path, name: str = "actions.xlsx") -> Path:
    target = root / "out" / name
    result = run(root, "sheet", "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    return target


def edit(path: Path, cells: dict[str, str | None], out: Path) -> Path:
    """Change ``cells`` of the Actions sheet the way a steward's spreadsheet would."""
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb["Actions"][ref] = value
    wb.save(out)
    return out


def row_of(path: Path, number: str) -> int:
    return next(i for i, r in enumerate(read_rows(path), 1) if r[0] == number)


@pytest.mark.slow
def test_export_is_byte_identical(scratch, tmp_path):
    first = export(scratch.root, "a.xlsx").read_bytes()
    second = export(scratch.root, "b.xlsx").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert b"2000-01-01T00:00:00Z</dcterms:modified>" in z.read("docProps/core.xml")
    for target in ("c", "d"):
        assert run(scratch.root, "sheet", "export", "--format", "csv", "-o",
                   str(tmp_path / target)).exit_code == 0
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert names == ["About.csv", "Actions.csv", "Agencies.csv", "Principles.csv", "Record.csv",
                     "Roles.csv", "Tiers.csv"]
    for name in names:
        assert (tmp_path / "c" / name).read_bytes() == (tmp_path / "d" / name).read_bytes()


def test_workbook_locks_what_is_not_editable_and_lists_the_values(scratch):
    wb = load_workbook(export(scratch.root))
    assert wb.sheetnames == ["Actions", "Agencies", "Principles", "Tiers", "Roles", "About",
                             "Record"]
    assert wb["Record"].sheet_state == "veryHidden" and wb["Record"].protection.sheet
    assert wb.security.lockStructure
    ws = wb["Actions"]
    assert ws.protection.sheet
    header = [c.value for c in ws[1]]
    assert header == [c.header for c in sheet.COLUMNS]
    n = len(list(ws.iter_rows())) - 1
    assert n == 131
    for i, column in enumerate(sheet.COLUMNS):
        locked = {ws.cell(r, i + 1).protection.locked for r in range(2, n + 2)}
        assert locked == {not column.editable}, column.header
    assert header.index("Strategic principles (inherited)") == 8
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists == {f"F2:F{n + 1}": "Agencies!$A$2:$A$104",
                     f"G2:G{n + 1}": "Principles!$A$2:$A$7",
                     f"H2:H{n + 1}": "Principles!$A$8:$A$15",
                     f"K2:K{n + 1}": "Tiers!$A$2:$A$4",
                     f"N2:N{n + 1}": "Roles!$A$2:$A$5"}
    assert {ws.cell(r, c).number_format for r in range(2, n + 2) for c in (1, 3)} == {"@"}
    assert "VRU data steward" in [c.value for c in wb["Roles"]["A"]]
    assert [c.value for c in wb["Principles"]["A"][1:]] == [
        *(f"SP{i}" for i in range(1, 7)),
        *(f"EP{i}" for i in (1, 2, 3, 4, 5, 7, 8, 9))]   # the document has no EP6
    assert "MPS" in [c.value for c in wb["Agencies"]["A"]]
    about = "\n".join(str(c.value) for row in wb["About"].iter_rows() for c in row)
    assert "Leads" in about and "Locked" in about


@pytest.mark.slow
def test_round_trip(scratch):
    """The steward's round trip, end to end: publish a first release; export, edit a lead, a
    principle and a tier as a spreadsheet saves them, import, build, validate, diff, report;
    publish the next version over the first. The change, and who made it, when, why and from
    which cell, are in the graph (PROV), the report and the release's change log."""
    root = scratch.root
    site = root / "out/site"
    first = run(root, "publish", str(site))
    assert first.exit_code == 0, first.output
    assert (site / "changes.md").read_text().endswith("First release.\n")
    before = root / "before.ttl"
    before.write_bytes(scratch.graph.read_bytes())
    book = export(root)
    r1, r2, r3 = (row_of(book, n) for n in ("5.1.1", "5.1.2", "5.1.3"))
    assert read_rows(book)[r2 - 1][5] == "IGU; MPS"
    stamps = {r1: "2026-03-31", r2: "2026-03-31T14:05:00Z", r3: "2026-04-01"}
    whys = {r1: "Trust between communities and police is what the patrols are for",
            r2: "MPS handed the hotspot analysis over to the IGU",
            r3: "The action works with known offenders"}
    steward = {f"N{r}": "VRU data steward" for r in (r1, r2, r3)}
    steward |= {f"O{r}": when for r, when in stamps.items()}
    steward |= {f"P{r}": why for r, why in whys.items()}
    edited = edit(book, {f"F{r2}": "IGU", f"H{r1}": "EP1; EP3; EP5", f"K{r3}": "tertiary",
                         **steward}, root / "out/edited.xlsx")
    edits_file = root / "data/curation/edits.yaml"
    committed = edits_file.read_bytes()

    dry = run(root, "sheet", "import", str(edited), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "5.1.2: Integrated Gangs Unit (IGU); Metropolitan Police Service (MPS) -> " \
           "Integrated Gangs Unit (IGU)" in dry.output and "nothing written" in dry.output
    assert edits_file.read_bytes() == committed

    done = run(root, "sheet", "import", str(edited))
    assert done.exit_code == 0, done.output
    edits = yaml.safe_load(edits_file.read_text())
    assert [(e["action"], e["field"], e["value"], e["was"], e["cell"]) for e in edits] == [
        ("5.1.1", "enabling", ["EP1", "EP3", "EP5"], ["EP1", "EP3"], f"Actions!H{r1}"),
        ("5.1.2", "leads", ["igu"], ["igu", "mps"], f"Actions!F{r2}"),
        ("5.1.3", "tiers", ["tertiary"], ["primary"], f"Actions!K{r3}")]
    assert [(e["who"], e["when"], e["why"]) for e in edits] == [
        ("vru-data-steward", stamps[r], whys[r]) for r in (r1, r2, r3)]

    assert run(root, "build").exit_code == 0
    assert run(root, "build", "--check").exit_code == 0
    validated = run(root, "validate")
    assert validated.exit_code == 0, validated.output
    changed = run(root, "diff", str(before), str(scratch.graph))
    assert changed.exit_code == 1
    made = [f"Edit of the stated enabling principles of action 5.1.1 (cell Actions!H{r1}) by "
            f"VRU data steward, 2026-03-31T00:00:00: {whys[r1]}",
            f"Edit of the leads of action 5.1.2 (cell Actions!F{r2}) by VRU data steward, "
            f"2026-03-31T14:05:00Z: {whys[r2]}",
            f"Edit of the prevention tiers of action 5.1.3 (cell Actions!K{r3}) by VRU data "
            f"steward, 2026-04-01T00:00:00: {whys[r3]}"]
    for line in ("Leads changed (1):\n  5.1.2: Integrated Gangs Unit (IGU); Metropolitan Police "
                 "Service (MPS) -> Integrated Gangs Unit (IGU)",
                 "Prevention tier changed (1):\n  5.1.3: primary prevention -> tertiary prevention",
                 "Alignments gained (stated) (1):\n  5.1.1 -> EP5",
                 "Steward's edits made (3):\n" + "\n".join(f"  {m}" for m in made)):
        assert line in changed.output, changed.output
    back = run(root, "diff", str(scratch.graph), str(before))
    assert "Steward's edits withdrawn (3):\n" + "\n".join(f"  {m}" for m in made) in back.output

    g = Graph().parse(scratch.graph)
    action = URIRef(ID + "action/5.1.2")
    lead = URIRef(ID + "edit/5.1.2/leads-1")
    assert (action, VR.ledBy, URIRef(ID + "agency/mps")) not in g
    assert (lead, RDF.type, VR.Edit) in g
    assert (lead, VR.sheetCell, Literal(f"Actions!F{r2}")) in g
    assert (lead, RDFS.comment, Literal(whys[r2], lang="en")) in g
    assert g.value(lead, PROV.endedAtTime) == Literal("2026-03-31T14:05:00Z", datatype=XSD.dateTime)
    steward_node = g.value(lead, PROV.wasAssociatedWith)
    assert g.value(steward_node, RDFS.label) == Literal("VRU data steward")
    superseded = g.value(predicate=PROV.wasInvalidatedBy, object=lead)
    assert (superseded, RDF.type, VR.SupersededStatement) in g
    assert [g.value(superseded, p) for p in (RDF.subject, RDF.predicate, RDF.object)] == [
        action, VR.ledBy, URIRef(ID + "agency/mps")]
    added = URIRef(ID + "alignment/5.1.1/enabling-5")
    assert g.value(added, VR.alignmentMode) == VR.StatedOnRow
    assert g.value(added, PROV.wasGeneratedBy) == URIRef(ID + "edit/5.1.1/enabling-1")
    assert str(g.value(URIRef(ID + "edit/5.1.1/enabling-1"), PROV.endedAtTime)) == \
        "2026-03-31T00:00:00"

    reported = run(root, "report", "-o", str(root / "out/report.html"))
    assert reported.exit_code == 0, reported.output
    page = html.unescape((root / "out/report.html").read_text())
    edits_table = page.split("<h2 id=\"edits\">Steward's edits</h2>", 1)[1].split("<footer>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", edits_table)[1:]
    assert [re.findall(r"<td>(.*?)</td>", row) for row in rows] == [
        ["5.1.1", "Edit of the stated enabling principles of action 5.1.1", "", "EP5",
         "VRU data steward", "2026-03-31T00:00:00", whys[r1], f"Actions!H{r1}"],
        ["5.1.2", "Edit of the leads of action 5.1.2", "MPS", "", "VRU data steward",
         "2026-03-31T14:05:00Z", whys[r2], f"Actions!F{r2}"],
        ["5.1.3", "Edit of the prevention tiers of action 5.1.3", "primary prevention",
         "tertiary prevention", "VRU data steward", "2026-04-01T00:00:00", whys[r3],
         f"Actions!K{r3}"]]

    previous = publish_release.load().version
    settings = root / "release.yaml"          # the package's settings, the version raised
    raw = yaml.safe_load(publish_release.SETTINGS.read_text())
    raw["version"], raw["release"] = f"{previous}.1", "2099-12-31"
    settings.write_text(yaml.safe_dump(raw))
    second = run(root, "publish", str(site), "--settings", str(settings))
    assert second.exit_code == 0, second.output
    assert f"previous {previous}\n" in (site / publish_write.MARKER).read_text()
    log = html.unescape((site / "changes.html").read_text())
    for line in ('<a href="doc/action/5.1.2.html">5.1.2</a>: Integrated Gangs Unit (IGU); '
                 'Metropolitan Police Service (MPS) -> Integrated Gangs Unit (IGU)',
                 '<a href="doc/action/5.1.1.html">5.1.1</a> -> EP5', *made):
        assert f"<li>{line}</li>" in log, line
    catalogue = Graph().parse(site / "catalog.ttl", format="turtle")
    dataset = URIRef(BASE + "id/dataset/graph")
    assert (dataset, DCAT.previousVersion, URIRef(f"{dataset}/version/{previous}")) in catalogue
    assert str(catalogue.value(dataset, ADMS.versionNotes)) == (
        f"Changes since version {previous}: 1 lead changed, 1 tier changed, 1 alignment "
        f"gained, 3 steward's edits made; see changes.html.")
    assert_dcat_ap(catalogue)

    again = export(root, "again.xlsx")
    assert read_rows(again)[r2 - 1][5] == "IGU"
    assert "no change" in run(root, "sheet", "import", str(again)).output


def test_invalid_workbook_changes_nothing_and_names_every_bad_cell(scratch):
    root = scratch.root
    book = export(root)
    rows = {n: row_of(book, n) for n in ("5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5")}
    r = rows["5.1.2"]                                    # inherits SP4, EP1, EP3
    assert read_rows(book)[r - 1][8] == "SP4"
    who = {f"N{x}": "VRU data steward" for x in rows.values()}
    whys = {f"P{x}": "because" for x in rows.values() if x != rows["5.1.3"]}
    bad = edit(book, {f"F{rows['5.1.1']}": "MPSS", f"H{rows['5.1.1']}": "EP1; EP3; EPP7",
                      f"G{rows['5.1.4']}": "SP4; SP33", f"K{rows['5.1.3']}": "tertiary",
                      f"I{r}": "SP4; SP1", f"H{rows['5.1.5']}": "EP1; EP9",
                      f"O{rows['5.1.5']}": "soon", **who, **whys}, root / "out/bad.xlsx")
    files = {p: p.read_bytes() for p in (root / "data").rglob("*")
             if p.is_file() and p.suffix != ".lock"}    # the import's lock, left in place
    result = run(root, "sheet", "import", str(bad))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {bad}: 7 problems, nothing written:"
    a, c, d, e = rows["5.1.1"], rows["5.1.3"], rows["5.1.4"], rows["5.1.5"]
    assert lines[1:] == [
        f'Actions!F{a}: unknown agency "MPSS" (did you mean MPS?); the agencies and posts are '
        f'on sheet Agencies',
        f'Actions!H{a}: unknown enabling principle "EPP7" (did you mean EP7?); write one of '
        f'EP1, EP2, EP3, EP4, EP5, EP7, EP8, EP9',
        f"Actions!I{r}: Strategic principles (inherited) is locked (the document's own, or "
        f"curated); it read 'SP4' when exported: put it back",
        f"Actions!P{c}: why is missing: the row changes K{c}; give the reason, for the "
        f"reviewer",
        f'Actions!G{d}: unknown strategic principle "SP33" (did you mean SP3?); write one of '
        f'SP1, SP2, SP3, SP4, SP5, SP6',
        f"Actions!H{e}: EP1 is inherited by this action from a group cell already; it cannot "
        f"also be stated on its row",
        f"Actions!O{e}: 'soon' is not a real date (2026-03-31) or a date and time "
        f"(2026-03-31T14:05:00Z)"]
    assert {p: p.read_bytes() for p in (root / "data").rglob("*")
            if p.is_file() and p.suffix != ".lock"} == files


def test_csv_round_trip_and_formula_cells(scratch, tmp_path):
    root = scratch.root
    folder = tmp_path / "sheets"
    assert run(root, "sheet", "export", "--format", "csv", "-o", str(folder)).exit_code == 0
    rows = list(csv.reader(io.StringIO((folder / "Actions.csv").read_text())))
    r = next(i for i, row in enumerate(rows) if row[0] == "5.1.3")
    rows[r][10], rows[r][13], rows[r][15] = "secondary; tertiary", "'=steward", "-reviewed"
    with open(folder / "Actions.csv", "w", newline="") as out:
        csv.writer(out).writerows(rows)
    refused = run(root, "sheet", "import", str(folder))      # read as text, never run, and
    assert refused.exit_code == 2                             # refused as free text
    assert f"Actions!N{r + 1}: starts with '=', which a spreadsheet runs" in refused.stderr
    assert f"Actions!P{r + 1}: starts with '-'" in refused.stderr
    rows[r][13], rows[r][15] = "Community safety analyst", "reviewed"
    with open(folder / "Actions.csv", "w", newline="") as out:
        csv.writer(out).writerows(rows)
    result = run(root, "sheet", "import", str(folder))
    assert result.exit_code == 0, result.output
    (entry,) = yaml.safe_load((root / "data/curation/edits.yaml").read_text())
    assert entry["value"] == ["secondary", "tertiary"] and entry["cell"] == f"Actions!K{r + 1}"
    assert entry["who"] == "community-safety-analyst"
    book = sheet.tables(Graph())
    book.actions.rows.append(["=HYPERLINK(\"x\")", "+1", "@a", "-b"])
    written = sheet.to_csv(book)["Actions.csv"].decode()
    assert "'=HYPERLINK" in written and "'+1,'@a,'-b" in written


def test_a_stale_edit_is_refused_by_the_build(scratch):
    (scratch.root / "data/curation/edits.yaml").write_text(
        '- {action: "5.1.2", field: leads, value: [igu], was: [igu], who: vru-data-steward, '
        'when: "2026-01-01", why: w, cell: "Actions!F3"}\n')
    result = run(scratch.root, "build")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: data/curation/edits.yaml:1: was: action 5.1.2's "
                                    "leads are ['igu', 'mps'] in the build")


@pytest.mark.parametrize("data, message", [
    (b"not a zip", "not an .xlsx workbook (not a zip file)"),
    (None, "declares a DOCTYPE (XML entities); refused"),
])
def test_hostile_workbooks_are_refused(scratch, tmp_path, data, message):
    path = tmp_path / "hostile.xlsx"
    if data is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("xl/workbook.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    else:
        path.write_bytes(data)
    result = run(scratch.root, "sheet", "import", str(path))
    assert result.exit_code == 2 and message in result.stderr


def test_no_edits_are_committed(project):
    """The committed graph is the document's and its curation's: data/graph.ttl equals the
    build (tests/test_build.py) with no steward's edit in it."""
    assert yaml.safe_load((project.root / "data/curation/edits.yaml").read_text()) == []


@pytest.mark.parametrize("entry, error", [
    ('{action: "5.1.2", field: lead, value: [], was: [], who: s, when: "2026-01-01", why: w, '
     'cell: "Actions!F3"}', "edits.yaml:1: field: 'lead' is not one of leads, strategic, "
                            "enabling, tiers"),
    ('{action: "5.1.2", field: leads, value: [], was: [], who: s, when: "2026-01-01", why: w, '
     'cell: "F3"}', "edits.yaml:1: cell: 'F3' is not the workbook cell the edit came from"),
    ('{action: "5.1.2", field: leads, value: [], was: [], who: s, when: "1 May", why: w, '
     'cell: "Actions!F3"}', "edits.yaml:1: when: '1 May' is not a date '2026-03-31'"),
    ('{action: "5.1.2", field: leads, value: [], was: [], who: s, when: "2026-01-01", '
     'cell: "Actions!F3"}', "edits.yaml:1: why: missing"),
    ('{action: "5.1.2", field: leads, value: [nobody], was: [igu, mps], who: vru-data-steward, '
     'when: "2026-01-01", why: w, cell: "Actions!F3"}',
     "edits.yaml:1: value: 'nobody' is not an id in agencies.yaml"),
])
def test_a_bad_edits_file_gives_file_line_field(scratch, entry, error):
    (scratch.root / "data/curation/edits.yaml").write_text(f"- {entry}\n")
    result = run(scratch.root, "build")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: data/curation/{error}"), result.stderr


def test_sheet_commands_have_help():
    for command in (["sheet"], ["sheet", "export"], ["sheet", "import"]):
        result = CliRunner().invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
