"""Workbooks for data stewards, in Office Open XML (ECMA-376) through openpyxl: written the same
to the byte for the same content (fixed document properties and zip timestamps); read back
within budgets by :mod:`vrgraph.sheet.cells`. Used by the actions workbook (:mod:`vrgraph.sheet`, ``vrgraph sheet
export``/``import``) and the blank strategy workbook (:mod:`vrgraph.sheet.blank`,
``vrgraph sheet new``/``build --sheet``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: A fixed time for the workbook's properties and zip entries: the same content, the same bytes.
EPOCH = datetime(2000, 1, 1)


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


def letter(index: int) -> str:
    """The column letter of 0-based ``index`` (A-Z: every sheet here is narrower)."""
    return chr(ord("A") + index)


# -- writing -----------------------------------------------------------------------------------
def new() -> Any:
    """An empty openpyxl workbook (no sheet)."""
    from openpyxl import Workbook

    wb = Workbook()
    if wb.active is not None:      # the sheet a new workbook has
        wb.remove(wb.active)
    return wb


def add(wb: Any, sheet: Sheet, intro: list[list[str]] | None = None,
        widths: dict[int, int] | None = None, locked: bool = False) -> Any:
    """Append ``sheet`` to ``wb``: the ``intro`` rows, its header (bold, the panes frozen
    below it) and its rows, each text starting with ``=`` kept as text, never a formula;
    ``widths`` by 0-based column; ``locked``: protected (rows may still be sorted and
    filtered)."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(sheet.name)
    intro = intro or []
    for values in [*intro, sheet.header, *sheet.rows]:
        ws.append(values)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"           # text, never a formula
    head = len(intro) + 1
    for cell in ws[head]:
        cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(head + 1, 1)
    for i, width in (widths or {}).items():
        ws.column_dimensions[letter(i)].width = width
    if locked:
        ws.protection.sheet = True
        ws.protection.formatColumns = ws.protection.formatRows = False
        ws.protection.autoFilter = ws.protection.sort = False
    return ws


def drop_down(ws: Any, cells: str, values: str, error: str, strict: bool = False) -> None:
    """A drop-down list (data validation) on ``cells`` of ``ws``: ``values`` is a range
    (``Agencies!$A$2:$A$500``) or a quoted list (``'"a,b"'``). A value not in the list
    warns (``strict``: is refused), with ``error`` saying why."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1=values, allow_blank=True,
                        errorStyle="stop" if strict else "warning", showErrorMessage=True,
                        errorTitle="Not in the list", error=error)
    dv.add(cells)
    ws.add_data_validation(dv)


def save(wb: Any) -> bytes:
    """The workbook as .xlsx bytes, the same for the same content."""
    wb.properties.creator = wb.properties.lastModifiedBy = "vrgraph"
    wb.properties.created = wb.properties.modified = EPOCH
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed(buffer.getvalue())


def _fixed(data: bytes) -> bytes:
    """The zip ``data`` with every entry dated :data:`EPOCH` and the workbook's modified
    time (set to now by openpyxl on save) put back to it."""
    stamp = EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            fixed = zipfile.ZipInfo(info.filename, EPOCH.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, body)
    return out.getvalue()
