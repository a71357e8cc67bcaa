"""The cells of a steward's workbook, read within budgets: an ``.xlsx`` file (Office Open XML,
ECMA-376 Part 1, §18 SpreadsheetML) or a CSV file (RFC 4180). The one reader of both for
``vrgraph sheet import`` and ``vrgraph build --sheet``.

An ``.xlsx`` is a zip of XML parts. Nothing it declares is trusted: not a part's size in
the zip's directory (each part is unzipped as a stream and cut off at its budget), not a
sheet's ``dimension`` (only the cells present are kept, never a padded grid). Every XML
part is read by expat, which refuses a document type declaration (so no DTD, no entity, in
any encoding expat reads: UTF-8, UTF-16, ...). Budgets: :data:`XLSX_BYTES` for the file,
:data:`PART_BYTES` unzipped per part and :data:`UNZIPPED_BYTES` in all, :data:`ROWS` rows,
:data:`COLUMNS` columns, :data:`CELLS` cells with a value, :data:`CHARS` characters per
cell (Excel's own limit). Each error is one line naming the file and the part or cell.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, NoReturn
from xml.parsers import expat

from .. import bounds
from ..errors import InputError

#: A workbook file (.xlsx) or CSV file: bytes read.
XLSX_BYTES = 32 * bounds.MB
#: One part of a workbook once unzipped; all of them together; how many parts.
PART_BYTES = 64 * bounds.MB
UNZIPPED_BYTES = 128 * bounds.MB
PARTS = 10_000
#: The zip's directory of parts (its central directory).
DIRECTORY_BYTES = 4 * bounds.MB
#: A sheet's rows and columns (of a cell with a value), its cells with a value in all (for
#: the whole workbook), and the characters of one cell (Excel's own limit).
ROWS = 100_000
COLUMNS = 1_000
CELLS = 200_000
CHARS = 32_767

_CHUNK = 256 * 1024
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


@dataclass(frozen=True)
class Cell:
    """A cell as a steward typed it: its text (a formula as ``=...``), whether it is a
    formula, and what the spreadsheet stored: ``text``, ``formula``, ``number`` (a boolean
    too) or ``date``."""
    text: str = ""
    formula: bool = False
    kind: str = "text"


EMPTY = Cell()


class Grid:
    """One sheet: only the cells present, by row (1-based) and column (0-based)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: dict[int, dict[int, Cell]] = {}

    def rows(self, width: int) -> Iterator[list[Cell]]:
        """Rows 1 to the last with a value, each ``width`` cells wide (cut or padded)."""
        for n in range(1, max(self.cells, default=0) + 1):
            row = self.cells.get(n, {})
            yield [row.get(i, EMPTY) for i in range(width)]


class Book:
    """A workbook's sheets, in its order."""

    def __init__(self) -> None:
        self.sheets: dict[str, Grid] = {}

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def __getitem__(self, name: str) -> Grid:
        return self.sheets[name]


def column(letters: str) -> int:
    """The 0-based index of a column's letters (``A`` 0, ``AA`` 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def text(value: Any) -> str:
    """A cell's value as the text a steward typed: dates in ISO 8601, whole numbers without
    ``.0``, surrounding spaces dropped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- CSV ---------------------------------------------------------------------------------------
def read_csv(path: Path) -> list[list[str]]:
    """The rows of a CSV file, as text; refused (``FILE:LINE: ...``) for a NUL, a field
    longer than :data:`CHARS`, more than :data:`ROWS` rows or :data:`COLUMNS` fields."""
    display = str(path)
    data = bounds.read_text(path, display, XLSX_BYTES)
    nul = data.find("\0")
    if nul >= 0:
        raise InputError(f"{display}:{data.count(chr(10), 0, nul) + 1}: a NUL character; "
                         f"a CSV file is text: export it again")
    reader = csv.reader(io.StringIO(data))
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(rows) >= ROWS or len(row) > COLUMNS:
                raise InputError(f"{display}:{reader.line_num}: more than the budget of "
                                 f"{ROWS:,} rows or {COLUMNS:,} fields; refused")
            if any(len(field) > CHARS for field in row):
                raise csv.Error("field larger than field limit")
            rows.append(row)
    except csv.Error as err:
        reason = (f"a field longer than the budget of {CHARS:,} characters"
                  if "field larger" in str(err) else f"not CSV: {err}")
        raise InputError(f"{display}:{reader.line_num}: {reason}; refused") from None
    return rows


# -- xlsx: the zip -----------------------------------------------------------------------------
def load(path: Path, what: str = "the file `vrgraph sheet export` wrote") -> Book:
    """The workbook at ``path``: every sheet's cells with a value, values as stored (no
    formula is evaluated). Refused with :class:`InputError` beyond a budget, for a part
    with a DOCTYPE, or not a workbook at all; ``what`` says what to give instead."""
    display = str(path)
    with bounds.open_file(path, display, XLSX_BYTES) as handle:
        _directory(handle, display, what)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
            raise InputError(f"{display}: not an .xlsx workbook (not a zip file); give "
                             f"{what}") from None
        with archive:
            return _Reader(archive, display).read()


def _directory(handle: IO[bytes], display: str, what: str) -> None:
    """Refuse a zip whose directory of parts is beyond :data:`DIRECTORY_BYTES` (zipfile
    reads it whole, a ``ZipInfo`` per part) or in the Zip64 form (no workbook needs it)."""
    end = handle.seek(0, io.SEEK_END)
    handle.seek(max(0, end - 65_557))
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise InputError(f"{display}: not an .xlsx workbook (not a zip file); give {what}")
    (size,) = struct.unpack("<I", tail[at + 12:at + 16])
    if size > DIRECTORY_BYTES or tail[max(0, at - 20):at].startswith(b"PK\x06\x07"):
        raise InputError(f"{display}: its zip directory is beyond the budget of "
                         f"{bounds.size(DIRECTORY_BYTES)} (or Zip64); refused")
    handle.seek(0)


class _Refused(Exception):
    """Raised inside expat's handlers; carries the message."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _attr(attributes: dict[str, str], name: str) -> str | None:
    """The attribute ``name`` (its local name, any namespace)."""
    for key, value in attributes.items():
        if _local(key) == name:
            return value
    return None


class _Reader:
    """Reads the parts of one workbook, in the order their meaning needs."""

    def __init__(self, archive: zipfile.ZipFile, display: str) -> None:
        self.zip, self.display = archive, display
        self.infos = {i.filename: i for i in archive.infolist()}
        self.done: set[str] = set()
        self.unzipped = 0
        self.count = 0                  # cells with a value, in all
        self.strings: list[str] = []
        self.dates: set[int] = set()
        self.durations: set[int] = set()
        self.epoch = datetime(1899, 12, 30)

    def refuse(self, message: str) -> NoReturn:
        raise InputError(f"{self.display}: {message}")

    def read(self) -> Book:
        if len(self.infos) > PARTS:
            self.refuse(f"more than {PARTS:,} parts; refused")
        declared = 0
        for info in self.infos.values():
            declared += info.file_size
            if info.file_size > PART_BYTES or declared > UNZIPPED_BYTES:
                self.refuse(f"{info.filename} unzips to more than the budget of "
                            f"{bounds.size(PART_BYTES)} per part or "
                            f"{bounds.size(UNZIPPED_BYTES)} in all; refused")
        if "[Content_Types].xml" in self.infos:         # the package's first part
            self.parse("[Content_Types].xml", {})
        root = self.relations("")
        main = next((t for kind, t in root.values() if kind.endswith("/officeDocument")),
                    "xl/workbook.xml")
        sheets, date1904 = self.workbook(main)
        if date1904:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904
            self.epoch = CALENDAR_MAC_1904
        related = self.relations(main)
        for kind, target in related.values():
            if kind.endswith("/styles"):
                self.styles(target)
            elif kind.endswith("/sharedStrings"):
                self.shared(target)
        book = Book()
        for name, rid in sheets:
            kind, target = related.get(rid, ("", ""))
            if kind.endswith("/worksheet"):
                book.sheets[name] = self.worksheet(target, Grid(name))
        for part in sorted(self.infos):                 # the rest: well-formed, no DTD
            if part.endswith((".xml", ".rels")) and part not in self.done:
                self.parse(part, {})
        return book

    # -- one part ------------------------------------------------------------------------------
    def parse(self, part: str, handlers: dict[str, Callable[..., None]]) -> None:
        """Stream ``part`` through expat with ``handlers``, within the budgets."""
        self.done.add(part)
        info = self.infos.get(part)
        if info is None:
            self.refuse(f"no part {part}; not a workbook a spreadsheet wrote")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            self.refuse(f"{part} is compressed with method {info.compress_type}, not "
                        f"deflate; refused")
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True

        def doctype(*_: object) -> None:
            raise _Refused(f"{part} declares a DOCTYPE (XML entities); refused")

        parser.StartDoctypeDeclHandler = doctype
        for name, handler in handlers.items():
            setattr(parser, name, handler)
        size = 0
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    self.unzipped += len(chunk)
                    if size > PART_BYTES or self.unzipped > UNZIPPED_BYTES:
                        raise _Refused(f"{part} unzips to more than the budget of "
                                       f"{bounds.size(PART_BYTES)} per part or "
                                       f"{bounds.size(UNZIPPED_BYTES)} in all; refused")
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Refused as err:
            self.refuse(str(err))
        except expat.ExpatError as err:
            self.refuse(f"{part}:{err.lineno}:{err.offset + 1}: not well-formed XML: "
                        f"{expat.ErrorString(err.code)}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            self.refuse(f"{part} is damaged in the zip: {err}")

    def relations(self, part: str) -> dict[str, tuple[str, str]]:
        """The relationships of ``part`` ("" for the package): id -> (type, target part)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        out: dict[str, tuple[str, str]] = {}
        if rels not in self.infos:
            return out

        def start(tag: str, attributes: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and attributes.get("TargetMode") != "External":
                target = attributes.get("Target", "")
                path = posixpath.normpath(target.lstrip("/") if target.startswith("/")
                                          else posixpath.join(folder, target))
                out[attributes.get("Id", "")] = (attributes.get("Type", ""), path)

        self.parse(rels, {"StartElementHandler": start})
        return out

    def workbook(self, part: str) -> tuple[list[tuple[str, str]], bool]:
        """The sheets of the workbook part (name, relationship id); whether its dates count
        from 1904."""
        sheets: list[tuple[str, str]] = []
        flags = {"date1904": False}

        def start(tag: str, attributes: dict[str, str]) -> None:
            local = _local(tag)
            if local == "sheet":
                sheets.append((attributes.get("name", ""), _attr(attributes, "id") or ""))
            elif local == "workbookPr":
                flags["date1904"] = attributes.get("date1904", "") in ("1", "true")

        self.parse(part, {"StartElementHandler": start})
        return sheets, flags["date1904"]

    def styles(self, part: str) -> None:
        """Which cell styles show a number as a date (or a duration)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        custom: dict[int, str] = {}
        formats: list[int] = []
        within = {"cellXfs": 0}

        def start(tag: str, attributes: dict[str, str]) -> None:
            local = _local(tag)
            if local == "numFmt":
                custom[_number(attributes.get("numFmtId"))] = attributes.get("formatCode", "")
            elif local == "cellXfs":
                within["cellXfs"] = 1
            elif local == "xf" and within["cellXfs"]:
                formats.append(_number(attributes.get("numFmtId")))

        def end(tag: str) -> None:
            if _local(tag) == "cellXfs":
                within["cellXfs"] = 0

        self.parse(part, {"StartElementHandler": start, "EndElementHandler": end})
        for style, number in enumerate(formats):
            code = custom.get(number) or BUILTIN_FORMATS.get(number)
            if code and is_date_format(code):
                self.dates.add(style)
                if is_timedelta_format(code):
                    self.durations.add(style)

    def shared(self, part: str) -> None:
        """The shared strings: each ``si``'s text (its runs, without phonetic hints)."""
        state = {"depth": 0, "phonetic": 0, "size": 0}
        pieces: list[str] = []

        def start(tag: str, _attributes: dict[str, str]) -> None:
            local = _local(tag)
            if local == "t":
                state["depth"] += 1
            elif local == "rPh":
                state["phonetic"] += 1
            elif local == "si":
                pieces.clear()
                state["size"] = 0

        def end(tag: str) -> None:
            local = _local(tag)
            if local == "t":
                state["depth"] -= 1
            elif local == "rPh":
                state["phonetic"] -= 1
            elif local == "si":
                if len(self.strings) >= CELLS:
                    raise _Refused(f"{part}: more than {CELLS:,} strings; refused")
                self.strings.append("".join(pieces))

        def chars(data: str) -> None:
            if state["depth"] and not state["phonetic"]:
                state["size"] += len(data)
                if state["size"] > CHARS:
                    raise _Refused(f"{part}: string {len(self.strings) + 1} is longer than "
                                   f"the budget of {CHARS:,} characters; refused")
                pieces.append(data)

        self.parse(part, {"StartElementHandler": start, "EndElementHandler": end,
                          "CharacterDataHandler": chars})

    def worksheet(self, part: str, grid: Grid) -> Grid:
        """The cells of a worksheet part with a value (or a formula), within the budgets."""
        from openpyxl.utils.datetime import from_excel

        pos = {"row": 0, "col": -1, "phonetic": 0}
        cell: dict[str, Any] = {}
        pieces: dict[str, list[str]] = {}
        target: list[list[str] | None] = [None]

        def where() -> str:
            return f"{grid.name}!{letters(pos['col'])}{pos['row']}"

        def start(tag: str, attributes: dict[str, str]) -> None:
            local = _local(tag)
            if local == "row":
                r = attributes.get("r")
                pos["row"], pos["col"] = (_number(r) if r else pos["row"] + 1), -1
            elif local == "c":
                ref = attributes.get("r")
                match = _REF.fullmatch(ref) if ref else None
                if ref and not match:
                    raise _Refused(f"{part}: {grid.name}!{ref[:20]} is not a cell reference")
                if match:
                    pos["col"], pos["row"] = column(match.group(1)), int(match.group(2))
                else:
                    pos["col"] += 1
                cell.clear()
                pieces.clear()
                cell["t"], cell["s"] = attributes.get("t", "n"), _number(attributes.get("s"))
            elif local in ("v", "f", "is"):
                pieces.setdefault(local, [])
                if local != "is":
                    target[0] = pieces[local]
            elif local == "t" and "is" in pieces and not pos["phonetic"]:
                target[0] = pieces["is"]
            elif local == "rPh":
                pos["phonetic"] += 1

        def end(tag: str) -> None:
            local = _local(tag)
            if local in ("v", "f", "t"):
                target[0] = None
            elif local == "rPh":
                pos["phonetic"] -= 1
            elif local == "c" and pieces:
                keep(value())

        def chars(data: str) -> None:
            got = target[0]
            if got is not None:
                got.append(data)
                if sum(map(len, got)) > CHARS:
                    raise _Refused(f"{part}: {where()} is longer than the budget of "
                                   f"{CHARS:,} characters; refused")

        def value() -> Cell | None:
            if "f" in pieces:
                return Cell("=" + "".join(pieces["f"]), True, "formula")
            kind = cell["t"]
            if kind == "inlineStr":
                return Cell(text("".join(pieces.get("is", []))))
            if "v" not in pieces:
                return None
            raw = "".join(pieces["v"])
            if not raw:                          # <v/>: an empty cell, as openpyxl reads it
                return None
            try:
                if kind == "s":
                    return Cell(text(self.strings[int(raw)]))
                if kind == "b":
                    return Cell(text(bool(int(raw))), kind="number")
                if kind == "d":
                    return Cell(text(datetime.fromisoformat(raw)), kind="date")
                if kind in ("str", "e"):
                    return Cell(text(raw))
                number = float(raw) if any(c in raw for c in ".eE") else int(raw)
            except (ValueError, IndexError):
                raise _Refused(f"{part}: {where()}: {raw[:40]!r} is not a value of type "
                               f"{kind[:10]!r}") from None
            if cell["s"] in self.dates:
                try:
                    return Cell(text(from_excel(number, self.epoch,
                                                timedelta=cell["s"] in self.durations)),
                                kind="date")
                except (OverflowError, ValueError):
                    pass
            return Cell(text(number), kind="number")

        def keep(got: Cell | None) -> None:
            if got is None:
                return
            if pos["row"] > ROWS or pos["col"] >= COLUMNS or pos["row"] < 1:
                raise _Refused(f"{part}: {where()} is beyond the budget of {ROWS:,} rows and "
                               f"{COLUMNS:,} columns; refused")
            self.count += 1
            if self.count > CELLS:
                raise _Refused(f"{part}: {where()}: more than {CELLS:,} cells with a value in "
                               f"the workbook; refused")
            grid.cells.setdefault(pos["row"], {})[pos["col"]] = got

        self.parse(part, {"StartElementHandler": start, "EndElementHandler": end,
                          "CharacterDataHandler": chars})
        return grid


def letters(index: int) -> str:
    """The letters of 0-based column ``index`` (``A``, ..., ``Z``, ``AA``, ...)."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters or "A"


def _number(raw: str | None) -> int:
    """A whole number attribute (a style, a format, a row); 0 if absent or not one."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else 0
