"""Every reader is bounded by what is there: workbooks (.xlsx and CSV folders) and RDF files.

The hostile files are made here, small on disk where they can be (a sparse file, a FIFO, a
zip of a part that unzips far). Each is refused in one line with exit 2, naming the file and
where in it (part, cell, line). The attack set at the end runs every hostile file through
every entry point that reads it, in a child process, and checks 0 tracebacks and the child's
peak memory (bytes, not seconds: no assertion here depends on the machine's speed).
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import resource
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import vrgraph
from vrgraph import bounds
from vrgraph.cli import main
from vrgraph.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(vrgraph.__file__).resolve().parent
BASE = "https://example.org/hostile/"
MB = 1024 * 1024
#: Oxigraph's longest token (:data:`vrgraph.bounds.TOKEN_BYTES`).
TOKEN = 16 * MB
#: Peak memory (resident) a child refusing every hostile file may reach.
PEAK_MB = 500
#: Beyond what reading nothing costs, what refusing a file beyond the RDF budget may cost.
REFUSAL_MB = 64


def run(*args: str):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args])


def one_line_exit_2(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


# -- workbooks made by hand --------------------------------------------------------------------
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEETS = ("Actions", "Strategy", "Principles", "Plans", "Agencies")


def sheet_xml(rows: str, head: str = "", encoding: str = "UTF-8") -> str:
    return (f'<?xml version="1.0" encoding="{encoding}"?>{head}<worksheet xmlns="{MAIN}">'
            f"<sheetData>{rows}</sheetData></worksheet>")


def workbook(path: Path, hostile: str | bytes, extra: dict[str, str | bytes] | None = None,
             method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A workbook whose sheets Actions and Strategy are ``hostile`` (the sheets the two
    commands read first), the other sheets empty, with ``extra`` parts added or replaced."""
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(1, len(SHEETS) + 1))
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml":
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + types
            + "</Types>",
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship '
                       f'Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/>'
                       f"</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{OFFICE}">'
                           "<sheets>" + "".join(
                               f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
                               for i, name in enumerate(SHEETS, 1)) + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{RELS}">'
                                      + "".join(f'<Relationship Id="rId{i}" Type="{OFFICE}/'
                                                f'worksheet" Target="worksheets/sheet{i}.xml"/>'
                                                for i in range(1, len(SHEETS) + 1))
                                      + f'<Relationship Id="s" Type="{OFFICE}/sharedStrings" '
                                        f'Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"/>',
    }
    for i in range(1, len(SHEETS) + 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = hostile if i <= 2 else sheet_xml("")
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", method) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return path


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def both(path: Path) -> list[tuple[str, object]]:
    """The two commands that read a workbook, each given ``path``."""
    return [(name, run(*args)) for name, args in (
        ("sheet import", ("sheet", "import", str(path))),
        ("build --sheet", ("build", "--sheet", str(path), "--base-iri", BASE)))]


def lying(path: Path, declared: int) -> Path:
    """``path`` with the unzipped size of its hostile sheets in the zip's headers set to
    ``declared``."""
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet"
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            start = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[start:start + len(name) + 5] in (name + b"1.xml", name + b"2.xml"):
                struct.pack_into("<I", data, at + offset, declared)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


# -- 1. workbooks: never the declared dimension, budgets, DTDs in any encoding ----------------
def test_a_far_cell_under_a_far_dimension_is_refused_naming_the_cell(tmp_path):
    """Run in a child with its memory capped: a reader that pads rows and columns to the
    declared dimension grows without bound."""
    path = workbook(tmp_path / "far.xlsx", sheet_xml(
        '<row r="1">' + cell("A1", "x") + '</row><row r="1048576">'
        + cell("XFD1048576", "y") + "</row>").replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>'))
    runs, peak = confined([["--root", str(ROOT), *entry(str(path), "")]
                           for entry in WORKBOOK_ENTRY_POINTS.values()], tmp_path)
    assert refused_in_one_line(runs) == []
    for r in runs:
        assert re.search(r"far\.xlsx: xl/worksheets/sheet\d\.xml: (Actions|Strategy)!XFD1048576 "
                         r"is beyond the budget of 100,000 rows and 1,000 columns", r["output"])
    assert peak <= PEAK_MB


def test_the_declared_dimension_is_not_trusted(tmp_path):
    path = workbook(tmp_path / "dim.xlsx", sheet_xml(cell("A1", "Number") + cell("C2", "z"))
                    .replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>'))
    from vrgraph.sheet import cells

    grid = cells.load(path)["Actions"]
    assert grid.cells == {1: {0: cells.Cell("Number")}, 2: {2: cells.Cell("z")}}
    assert [[c.text for c in row] for row in grid.rows(3)] == [["Number", "", ""],
                                                                ["", "", "z"]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8"])
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                  "[Content_Types].xml"])
def test_a_part_with_a_dtd_is_refused_in_any_encoding(tmp_path, encoding, part):
    head = '<!DOCTYPE worksheet [<!ENTITY a "entity text">]>'
    declared = "UTF-16" if encoding.startswith("utf-16") else "UTF-8"
    body = sheet_xml(cell("A1", "&a;"), head, declared).encode(encoding)
    if part == "xl/worksheets/sheet1.xml":
        path = workbook(tmp_path / "dtd.xlsx", body)
    else:
        path = workbook(tmp_path / "dtd.xlsx", sheet_xml(cell("A1", "x")), {part: body})
    assert b"<!DOCTYPE" not in body or encoding == "utf-8"     # no byte search finds it
    for name, result in both(path):
        line = one_line_exit_2(result)
        assert f"dtd.xlsx: {part} declares a DOCTYPE (XML entities); refused" in line, name


@pytest.mark.parametrize("make, message", [
    (lambda p: workbook(p, sheet_xml("<row>" + " " * (65 * MB) + "</row>")),
     r"xl/worksheets/sheet1\.xml unzips to more than the budget of 64 MB per part"),
    (lambda p: lying(workbook(p, sheet_xml("<row>" + " " * (65 * MB) + "</row>")), 1000),
     r"xl/worksheets/sheet1\.xml is damaged in the zip: Bad CRC-32"),
    (lambda p: workbook(p, sheet_xml(cell("B7", "x" * 40_000))),
     r"xl/worksheets/sheet1\.xml: Actions!B7 is longer than the budget of 32,767 characters"),
    (lambda p: workbook(p, sheet_xml(cell("A1", "x")) + "", {
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"><si><t>{"y" * 40_000}</t></si></sst>'}),
     r"xl/sharedStrings\.xml: string 1 is longer than the budget of 32,767 characters"),
    (lambda p: workbook(p, sheet_xml(("<row>" + "<c><v>1</v></c>" * 1000 + "</row>") * 201)),
     r"Actions!A201: more than 200,000 cells with a value in the workbook"),
    (lambda p: workbook(p, sheet_xml("".join(f'<row r="{n}"><c><v>1</v></c></row>'
                                             for n in (1, 100_001)))),
     r"Actions!A100001 is beyond the budget of 100,000 rows"),
    (lambda p: workbook(p, sheet_xml(cell("A0", "x"))),
     r"Actions!A0 is beyond the budget"),
    (lambda p: workbook(p, sheet_xml(cell("1A", "x"))), r"Actions!1A is not a cell reference"),
    (lambda p: workbook(p, sheet_xml('<row><c t="s"><v>7</v></c></row>')),
     r"Actions!A1: '7' is not a value of type 's'"),
    (lambda p: workbook(p, sheet_xml(cell("A1", "x")), method=zipfile.ZIP_BZIP2),
     r"is compressed with method 12, not deflate"),
    (lambda p: workbook(p, sheet_xml(cell("A1", "x")),
                        {f"docProps/p{i}.bin": b"" for i in range(10_001)}),
     r"more than 10,000 parts"),
    (lambda p: workbook(p, sheet_xml('<row><c r="A1"><v>1</v></row>')),
     r"xl/worksheets/sheet1\.xml:1:\d+: not well-formed XML: mismatched tag"),
])
def test_workbook_budgets_are_one_line_naming_the_part(tmp_path, make, message):
    path = make(tmp_path / "hostile.xlsx")
    assert path.stat().st_size < 2 * MB                          # small on disk
    for name, result in both(path):
        line = one_line_exit_2(result)
        assert re.search(r"hostile\.xlsx: .*" + message, line), (name, line)


def test_cells_are_read_as_a_spreadsheet_wrote_them(tmp_path):
    """Shared strings (rich runs, no phonetic hints), numbers, booleans, dates by style,
    formulas, cells without a reference, in a prefixed namespace and in UTF-16."""
    sheet = (f'<?xml version="1.0" encoding="UTF-16"?><x:worksheet xmlns:x="{MAIN}">'
             '<x:sheetData><x:row r="2"><x:c t="s"><x:v>0</x:v></x:c><x:c><x:v>4.0</x:v></x:c>'
             '<x:c t="b"><x:v>1</x:v></x:c><x:c s="1"><x:v>45000</x:v></x:c>'
             '<x:c><x:f>SUM(A1:B1)</x:f><x:v>3</x:v></x:c><x:c t="str"><x:v> pad </x:v></x:c>'
             '<x:c r="H2" s="1"/></x:row></x:sheetData></x:worksheet>').encode("utf-16")
    path = workbook(tmp_path / "ok.xlsx", sheet, {
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"><si><r><t>Rich</t></r><r><t xml:space='
                                f'"preserve"> text</t></r><rPh><t>ignored</t></rPh></si></sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><cellXfs><xf numFmtId="0"/>'
                         '<xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELS}">' + "".join(
            f'<Relationship Id="rId{i}" Type="{OFFICE}/worksheet" '
            f'Target="/xl/worksheets/sheet{i}.xml"/>' for i in range(1, 6))
            + f'<Relationship Id="s" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/>'
            + f'<Relationship Id="y" Type="{OFFICE}/styles" Target="styles.xml"/>'
            + "</Relationships>"})
    from vrgraph.sheet import cells

    grid = cells.load(path)["Actions"]
    assert list(grid.cells) == [2]                              # the empty styled cell: none
    assert [(c.text, c.formula) for c in next(r for r in grid.rows(7) if r[0].text)] == [
        ("Rich text", False), ("4", False), ("True", False), ("2023-03-15T00:00:00", False),
        ("=SUM(A1:B1)", True), ("pad", False), ("", False)]


def test_every_workbook_is_read_through_the_one_bounded_reader():
    """No module opens a workbook but :mod:`vrgraph.sheet.cells`: openpyxl only writes."""
    readers: dict[str, set[str]] = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = (node.attr if isinstance(node, ast.Attribute) else
                    node.id if isinstance(node, ast.Name) else None)
            if name in ("load_workbook", "ZipFile", "read_csv", "reader") or (
                    name == "load" and isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name) and node.value.id == "cells"):
                readers.setdefault(str(f.relative_to(PACKAGE)), set()).add(name)
    zips = {f for f, names in readers.items() if "ZipFile" in names}
    assert zips == {"sheet/cells.py", "sheet/xlsx.py"}            # xlsx.py: writing only
    assert "load_workbook" not in set().union(*readers.values())
    assert {f for f, names in readers.items() if "load" in names or "read_csv" in names} == \
        {"sheet/edited.py", "sheet/strategy_book.py"}


# -- 2. CSV folders ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("Number,Text\r\n5.1.1," + "x" * 200_000 + "\r\n",
     r"Actions\.csv:2: a field longer than the budget of 32,767 characters; refused"),
    ("Number,Text\r\x00\n5.1.1,x\r\n", r"Actions\.csv:1: a NUL character"),
    ("Number,Text\r\n5.1.1,a\x00b\r\n", r"Actions\.csv:2: a NUL character"),
    ("Number\r\n" + "x\r\n" * 100_001, r"Actions\.csv:100001: more than the budget of "
                                       r"100,000 rows or 1,000 fields"),
    ("," * 1_001 + "\r\n", r"Actions\.csv:1: more than the budget of 100,000 rows or "
                           r"1,000 fields"),
])
def test_a_hostile_csv_folder_is_one_line_with_file_and_line(tmp_path, text, message):
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "Actions.csv").write_bytes(text.encode())
    line = one_line_exit_2(run("sheet", "import", str(folder)))
    assert re.search(message, line), line


# -- 3. RDF files -----------------------------------------------------------------------------
def test_a_fifo_is_refused_from_stat_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.ttl"
    os.mkfifo(fifo)

    def writer() -> None:                  # blocks until a reader opens the FIFO
        with open(fifo, "w") as f:
            f.write('<http://e/s> <http://e/p> "o" .\n')

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    result = run("validate", str(fifo))     # opening it would wait for the writer
    done = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)   # the writer may finish now
    thread.join()
    os.close(done)
    assert "pipe.ttl: a named pipe (FIFO), not a regular file; give a file" in \
        one_line_exit_2(result)


def test_a_device_is_refused(tmp_path):
    zero = tmp_path / "zero.nt"
    zero.symlink_to("/dev/zero")
    assert "zero.nt: a device, not a regular file" in one_line_exit_2(run("validate", str(zero)))


def test_a_file_beyond_the_budget_is_refused_from_stat(tmp_path):
    big = tmp_path / "big.nt"
    with big.open("wb") as f:                               # sparse: nothing on disk
        f.truncate(300 * MB)
    assert ("big.nt: larger than the budget of 256 MB for this input; nothing was read "
            "(VRGRAPH_MAX_INPUT_MB=N raises it for a bigger graph)") in \
        one_line_exit_2(run("validate", str(big)))


@pytest.mark.parametrize("name, text, where", [
    ("lit.nt", '<http://a> <http://b> "{}" .\n', r"lit\.nt:2: "),
    ("iri.ttl", '<http://a> <http://b> <http://a/{}> .\n', r"iri\.ttl:2: "),
    ("multi.ttl", '<http://a> <http://b> """{}""" .\n', r"multi\.ttl:2:23: "),
])
def test_an_over_long_token_is_one_line_with_file_and_line(tmp_path, name, text, where):
    path = tmp_path / name
    filler = ("y" * 1023 + "\n") * (TOKEN // 1024 + 1) if "multi" in name \
        else "y" * (TOKEN + 1)
    path.write_text('<http://a> <http://b> "ok" .\n' + text.format(filler))
    line = one_line_exit_2(run("validate", str(path)))
    assert re.search(where + r"a literal, IRI or other token longer than 16 MB; refused", line)


def test_a_file_that_grows_while_it_is_read_is_cut_at_the_budget(tmp_path, monkeypatch):
    path = tmp_path / "grows.nt"
    path.write_bytes(b"")                     # stat says 0 bytes; /proc files say so too
    real = os.fstat

    def grown(fd: int) -> os.stat_result:
        info = real(fd)
        path.write_bytes(b"x" * 2000)         # it grows between stat and the read
        return info

    monkeypatch.setattr(bounds.os, "fstat", grown)
    with pytest.raises(InputError, match=r"grows\.nt: larger than the budget "
                                                        r"of 1000 bytes"):
        bounds.read(path, "grows.nt", 1000)


# -- 5. the attack set: every hostile file through every entry point --------------------------
def rdf_files(folder: Path) -> list[Path]:
    """Hostile RDF files, small on disk."""
    rdf = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/"'
    laughs = ['<!ENTITY l0 "lollollol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">'
                                             for i in range(1, 10)]
    files = {
        "laughs.rdf": f'<?xml version="1.0"?>\n<!DOCTYPE r [{"".join(laughs)}]>\n<rdf:RDF '
                      f'{rdf}><rdf:Description rdf:about="http://e/s"><ex:p>&l9;</ex:p>'
                      f"</rdf:Description></rdf:RDF>\n",
        "xxe.rdf": f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">'
                   f']>\n<rdf:RDF {rdf}><rdf:Description rdf:about="http://e/s"><ex:p>&x;'
                   f"</ex:p></rdf:Description></rdf:RDF>\n",
        "deep.rdf": f"<rdf:RDF {rdf}>" + "<rdf:Description><ex:p>" * 50_000 + "x"
                    + "</ex:p></rdf:Description>" * 50_000 + "</rdf:RDF>\n",
        "deep.ttl": "@prefix ex: <http://e/> .\nex:s ex:p " + "[ ex:p " * 200_000 + '"x"'
                    + " ]" * 200_000 + " .\n",
        "lit.nt": '<http://a> <http://b> "' + "y" * (TOKEN + 1) + '" .\n',
        "multi.ttl": '<http://a> <http://b> """' + ("y" * 1023 + "\n") * 16_400 + '""" .\n',
        "wide.ttl": '<http://a> <http://b> "o" .\n'.encode("utf-16").decode("latin-1"),
    }
    out = []
    for name, text in files.items():
        out.append(folder / name)
        out[-1].write_bytes(text.encode("latin-1" if name == "wide.ttl" else "utf-8"))
    os.mkfifo(folder / "pipe.ttl")
    (folder / "zero.nt").symlink_to("/dev/zero")
    with (folder / "big.nt").open("wb") as f:
        f.truncate(300 * MB)
    return [*out, folder / "pipe.ttl", folder / "zero.nt", folder / "big.nt"]


def workbook_files(folder: Path) -> list[Path]:
    """Hostile workbooks (and a CSV folder), small on disk."""
    far = sheet_xml('<row r="1048576">' + cell("XFD1048576", "y") + "</row>").replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    dtd = sheet_xml(cell("A1", "&a;"), '<!DOCTYPE w [<!ENTITY a "b">]>', "UTF-16")
    out = [workbook(folder / "far.xlsx", far),
           workbook(folder / "dtd16.xlsx", dtd.encode("utf-16")),
           workbook(folder / "xxe.xlsx", sheet_xml(cell("A1", "&x;"),
                                                   '<!DOCTYPE w [<!ENTITY x SYSTEM '
                                                   '"file:///etc/passwd">]>')),
           workbook(folder / "bomb.xlsx", sheet_xml("<row>" + " " * (200 * MB) + "</row>")),
           lying(workbook(folder / "liar.xlsx", sheet_xml("<row>" + " " * (100 * MB)
                                                          + "</row>")), 100),
           workbook(folder / "cells.xlsx", sheet_xml(("<row>" + "<c><v>1</v></c>" * 1000
                                                      + "</row>") * 300))]
    for name, text in (("csvlong", "a,b\r\n" + "x" * 200_000 + "\r\n"),
                       ("csvnul", "a,b\r\x00\nc,d\r\n")):
        (folder / name).mkdir()
        (folder / name / "Actions.csv").write_text(text, newline="")
        out.append(folder / name)
    return out


RDF_ENTRY_POINTS = {
    "validate FILES": lambda f, ok: ["validate", f],
    "validate --shapes": lambda f, ok: ["validate", ok, "--shapes", f],
    "sparql --data": lambda f, ok: ["sparql", "--data", f, "ASK {}"],
    "prefixes --data": lambda f, ok: ["prefixes", "--data", f],
    "map --data": lambda f, ok: ["map", "--data", f, "-o", ok + ".map.ttl"],
    "publish --data": lambda f, ok: ["publish", ok + ".release", "--data", f],
    "query run --data": lambda f, ok: ["query", "run", "agency-load", "--data", f],
    "report --data": lambda f, ok: ["report", "--data", f, "-o", ok + ".html"],
    "diff OLD NEW": lambda f, ok: ["diff", ok, f],
    "push -f": lambda f, ok: ["push", "--endpoint", "http://127.0.0.1:9/store", "-f", f,
                              "--no-reasoned"],
    "serve --data": lambda f, ok: ["serve", "--port", "0", "--data", f],
}
WORKBOOK_ENTRY_POINTS = {
    "sheet import": lambda f, ok: ["sheet", "import", f],
    "build --sheet": lambda f, ok: ["build", "--sheet", f, "--base-iri", BASE],
}
#: Every CLI option or argument naming a file: the entry point above that reads it ...
ATTACKED = {
    ("build", "sheet"): "build --sheet", ("sheet import", "file"): "sheet import",
    ("validate", "files"): "validate FILES", ("validate", "shapes_files"): "validate --shapes",
    ("query run", "data"): "query run --data", ("sparql", "data"): "sparql --data",
    ("report", "data"): "report --data", ("serve", "data"): "serve --data",
    ("push", "files"): "push -f", ("prefixes", "data"): "prefixes --data",
    ("map", "data"): "map --data", ("publish", "data"): "publish --data",
}
#: ... or why it is not among them.
NOT_ATTACKED = {
    ("sparql", "path"): "a query file: bounds.read_text (tests/test_hostile.py)",
    ("publish", "settings"): "a YAML file: bounds.read_text (tests/test_publish.py)",
    ("serve", "site"): "a folder served by its own reader, not read here",
    ("vrgraph", "root"): "the project's own folder",
    ("map", "file"): "a YAML mapping file: curation.read, bounded (tests/test_curation.py)",
    ("build", "data"): "graph files for --sheet's column Matches: the store.load that map "
                       "--data runs, attacked there",
    **{(c, p): "an output" for c, p in (("build", "output"), ("report", "output"),
                                        ("publish", "outdir"), ("sheet new", "output"),
                                        ("sheet export", "output"), ("map", "output"))},
}


def test_every_file_the_cli_reads_is_in_the_attack_set():
    """A new option naming a file fails here until its reader is in the attack set."""
    found = set()

    def walk(command: click.Command, name: str) -> None:
        for param in command.params:
            if isinstance(param.type, click.Path):
                found.add((name, param.name))
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, sub_name if name == "vrgraph" else f"{name} {sub_name}")

    walk(main, "vrgraph")
    assert found == set(ATTACKED) | set(NOT_ATTACKED)
    assert set(ATTACKED.values()) <= {*RDF_ENTRY_POINTS, *WORKBOOK_ENTRY_POINTS}


CHILD = """
import json, resource, sys
from click.testing import CliRunner
from vrgraph.cli import main
runs = []
for args in json.load(sys.stdin):
    result = CliRunner().invoke(main, args)
    error = result.exception
    runs.append({"args": args, "code": result.exit_code, "output": result.output,
                 "exception": None if error is None or isinstance(error, SystemExit)
                 else f"{type(error).__name__}: {error}"[:300]})
# VmHWM, not RUSAGE_SELF: Linux carries the forking parent's high-water mark across fork
# and exec into ru_maxrss, so a child of a big pytest process would report the parent's size.
with open("/proc/self/status") as status:
    own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"runs": runs, "peak_mb": peak / 1024}))
"""


def confined(commands: list[list[str]], cwd: Path) -> tuple[list[dict], float]:
    """Run ``commands`` (CLI arguments) one after the other in a child process, its address
    space capped at 2 GB (a runaway fails, not the machine); its runs and peak memory."""
    def cap() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (2048 * MB, hard))

    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    done = subprocess.run([sys.executable, "-P", "-c", CHILD], input=json.dumps(commands),
                          capture_output=True, text=True, cwd=cwd, env=env, preexec_fn=cap,
                          timeout=1800)    # turns a hang (a FIFO opened) into a failure
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return got["runs"], got["peak_mb"]


def refused_in_one_line(runs: list[dict]) -> list[str]:
    """The runs that were not a one-line exit 2 without a traceback."""
    return [f"{' '.join(r['args'][2:])}: exit {r['code']}, {r['exception'] or r['output']!r}"
            for r in runs if r["code"] != 2 or r["exception"]
            or len(r["output"].strip().splitlines()) != 1 or "Traceback" in r["output"]]


@pytest.mark.slow
@pytest.mark.parametrize("entry", list(RDF_ENTRY_POINTS))
def test_every_hostile_rdf_file_is_refused_by_every_entry_point(tmp_path, entry):
    ok = tmp_path / "ok.ttl"
    ok.write_text('<http://e/s> <http://e/p> "o" .\n')
    files = rdf_files(tmp_path)
    runs, peak = confined([["--root", str(ROOT), *RDF_ENTRY_POINTS[entry](str(f), str(ok))]
                           for f in files], tmp_path)
    assert refused_in_one_line(runs) == []
    for f, r in zip(files, runs, strict=True):
        assert r["output"].startswith(f"error: {f}") or f.name in r["output"], r["output"]
    assert peak <= PEAK_MB, f"{entry}: {peak:.0f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("entry", list(WORKBOOK_ENTRY_POINTS))
def test_every_hostile_workbook_is_refused_by_every_entry_point(tmp_path, entry):
    files = [f for f in workbook_files(tmp_path) if f.suffix or entry == "sheet import"]
    assert sum(p.stat().st_size for f in files for p in [f, *f.glob("*")] if p.is_file()) \
        < 8 * MB
    runs, peak = confined([["--root", str(ROOT), *WORKBOOK_ENTRY_POINTS[entry](str(f), "")]
                           for f in files], tmp_path)
    assert refused_in_one_line(runs) == []
    for f, r in zip(files, runs, strict=True):
        assert f.name in r["output"], r["output"]
    assert peak <= PEAK_MB, f"{entry}: {peak:.0f} MB"


@pytest.mark.slow
def test_refusing_a_file_beyond_the_budget_costs_no_more_than_the_budget_says(tmp_path):
    """A 300 MB file is refused from ``stat``: the child's peak memory is that of a run
    reading nothing (a missing file), within :data:`REFUSAL_MB`."""
    files = rdf_files(tmp_path)
    big = next(f for f in files if f.name == "big.nt")
    (_, *_), nothing = confined([["--root", str(ROOT), "validate", str(tmp_path / "no.nt")]],
                                tmp_path)
    (run_big,), peak = confined([["--root", str(ROOT), "validate", str(big)]], tmp_path)
    assert "larger than the budget of 256 MB" in run_big["output"]
    assert peak - nothing <= REFUSAL_MB, (peak, nothing)


def test_cells_read_as_openpyxl_reads_them(tmp_path):
    """A workbook a spreadsheet program wrote (openpyxl here: shared strings, styles, dates,
    numbers, booleans, formulas, empty styled cells) reads as openpyxl reads it."""
    from datetime import date, datetime

    from openpyxl import load_workbook
    from openpyxl.styles import Font

    from vrgraph.sheet import blank, cells

    wb = load_workbook(io.BytesIO(blank.blank()))
    values = ["text", 4, 4.5, True, date(2026, 3, 31), datetime(2026, 3, 31, 14, 5),
              "=SUM(A1:B1)", "  padded  ", None, "ünïcødé \u2603"]
    for name in ("Actions", "Agencies"):
        for r in range(2, 6):
            for c, value in enumerate(values, 1):
                wb[name].cell(r, c, value)
        wb[name].cell(40, 3).font = Font(bold=True)            # styled, empty
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    theirs = load_workbook(path, read_only=True)
    ours = cells.load(path)
    assert ours.sheetnames == theirs.sheetnames
    for name in theirs.sheetnames:
        expected = [[cells.text(v) for v in row] + [""] * 12
                    for row in theirs[name].iter_rows(values_only=True, max_col=12)]
        while expected and not any(expected[-1]):
            expected.pop()
        got = [[c.text for c in row] for row in ours[name].rows(12)]
        assert got == [row[:12] for row in expected], name
