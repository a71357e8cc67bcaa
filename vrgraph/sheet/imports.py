"""Read a steward's edited workbook back and turn its changes into curated edits
(``vrgraph sheet import``; issue "Stewardship", item 2).

The workbook (``.xlsx``, or the folder of CSV files ``sheet export --format csv`` writes) is
compared, cell by cell, with a fresh build of the project. Every changed editable cell
becomes one edit of ``data/curation/edits.yaml`` (format: ``docs/model.md``, "Edits"; applied
by :mod:`vrgraph.edits`), with who, when and why from its row and the cell it came from.
Every bad cell is listed at once (``Actions!F12: unknown agency "MPSS" (did you mean
MPS?)``), and nothing is written unless the whole import is valid: each value names
something that exists, each changed row says who and why, no locked cell changed, and the
graph built with the new edits passes the SHACL shapes. ``--dry-run`` shows the change as
``vrgraph diff`` prints it and writes nothing.
"""

from __future__ import annotations

import difflib
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from .. import build
from .. import diff as differ
from ..edits import TIERS, natural
from ..errors import InputError, VrgraphError
from ..namespaces import Base
from ..project import Project
from ..text import FORMULA_STARTS
from . import COLUMNS, SEP, Workbook, cells, tables
from .xlsx import letter

EDITS = "data/curation/edits.yaml"
_HEADER = """\
# edits.yaml - a data steward's edits of actions, made in the workbook of `vrgraph sheet export`
# and written here by `vrgraph sheet import` (do not edit by hand; review in a pull request).
# Contract: docs/model.md ("Edits"). One entry per changed cell, applied in order by the build:
# action, field (leads|strategic|enabling|tiers), value (the new list), was (the list the
# steward saw), who, when, why, cell (the workbook cell, e.g. 'Actions!F12').
"""


class SheetError(VrgraphError):
    """An edited workbook that cannot be imported; the message lists every bad cell."""


@dataclass
class Imported:
    edits: list[dict[str, Any]]
    diff: str
    text: str                    # the new edits.yaml


# -- reading -----------------------------------------------------------------------------------
def _unneutralised(cell: str) -> str:
    """A CSV cell as the export wrote it before :func:`vrgraph.text.neutralise`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else \
        cell.strip()


def read_rows(path: Path) -> list[list[str]]:
    """The Actions sheet of the workbook at ``path`` (an .xlsx file or a CSV folder), as
    text, header row first."""
    if path.is_dir():
        target = path / "Actions.csv"
        if not target.is_file():
            raise InputError(f"{path}: a folder without Actions.csv; give the .xlsx workbook "
                             f"or the folder `vrgraph sheet export --format csv` wrote")
        return [[_unneutralised(v) for v in row] for row in cells.read_csv(target)]
    wb = cells.load(path, "the file `vrgraph sheet export` wrote, or its CSV folder")
    if "Actions" not in wb.sheetnames:
        raise InputError(f"{path}: no sheet named Actions (sheets: {', '.join(wb.sheetnames)})")
    return [[c.text for c in row] for row in wb["Actions"].rows(len(COLUMNS))]


# -- comparing ---------------------------------------------------------------------------------
def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.upper(), [c.upper() for c in choices], n=1,
                                          cutoff=0.6)
        close = [c for c in choices if close and c.upper() == close[0]]
    return f" (did you mean {close[0]}?)" if close else ""


def _when(text: str) -> str | None:
    """``text`` as the date or time of an edit (ISO 8601), or ``None`` if it is not one."""
    text = text.replace(" ", "T").replace("T00:00:00", "") if text else text
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            date.fromisoformat(text)
            return text
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?", text):
            datetime.fromisoformat(text.replace("Z", "+00:00"))
            return text
    except ValueError:
        pass
    return None


class Comparer:
    """The edits a workbook's rows make to ``book`` (a fresh build), and its bad cells."""

    def __init__(self, book: Workbook, now: str) -> None:
        self.book, self.now, self.rows = book, now, book.rows
        self.errors: list[tuple[int, int, str]] = []
        self.edits: list[dict[str, Any]] = []
        self.agencies: dict[str, str] = {}
        for ident, token in book.tokens.items():
            self.agencies[ident.lower()] = self.agencies[token.lower()] = ident

    def error(self, row: int, col: int, message: str) -> None:
        self.errors.append((row, col, f"Actions!{letter(col)}{row}: {message}"))

    def compare(self, rows: list[list[str]]) -> None:
        header = rows[0] if rows else []
        for i, column in enumerate(COLUMNS):
            got = header[i] if i < len(header) else ""
            if got != column.header:
                self.error(1, i, f"the header reads {got!r}, not {column.header!r}: the "
                                 f"columns were moved or renamed; export the workbook again")
        if self.errors:
            return
        seen: dict[str, int] = {}
        numbers = list(self.rows)
        for n, values in enumerate(rows[1:], 2):
            values = (values + [""] * len(COLUMNS))[:len(COLUMNS)]
            if not any(values):
                continue
            number = values[0]
            if number not in numbers:
                self.error(n, 0, f"no action {number!r} in the document"
                                 f"{_suggest(number, numbers)}; the Number column is locked")
            elif number in seen:
                self.error(n, 0, f"action {number} is given twice (also row {seen[number]})")
            else:
                seen[number] = n
                self.row(n, dict(zip((c.key for c in COLUMNS), values)))
        return None

    def row(self, n: int, got: dict[str, str]) -> None:
        want = self.rows[got["number"]]
        changed: list[tuple[str, list[str], list[str], int]] = []
        touched: list[int] = []
        for i, column in enumerate(COLUMNS):
            if column.key in ("who", "when", "why"):
                continue
            if not column.editable:
                if got[column.key] != want[column.key]:
                    shown = want[column.key] if len(want[column.key]) <= 60 else \
                        want[column.key][:57] + "..."
                    self.error(n, i, f"{column.header} is locked (the document's own, or "
                                     f"curated); it reads {shown!r} in the build: put it back")
                continue
            value = self.parse(n, i, column.key, got)
            was = [v for v in want[column.key].split(SEP) if v]
            if column.key == "leads":
                was = sorted((self.agencies[v.lower()] for v in was), key=natural)
            if value is None and got[column.key] != want[column.key]:
                touched.append(i)                  # a bad value: still a changed cell
            elif value is not None and value != was:
                changed.append((column.key, value, was, i))
                touched.append(i)
        if not touched:
            return
        cells = ", ".join(f"{letter(i)}{n}" for i in touched)
        keys = [c.key for c in COLUMNS]
        for key, what in (("who", "your name or role"), ("why", "the reason, for the "
                                                            "reviewer")):
            if not got[key]:
                self.error(n, keys.index(key), f"{key} is missing: the row changes {cells}; "
                                               f"give {what}")
        when = _when(got["when"]) if got["when"] else self.now
        if when is None:
            self.error(n, keys.index("when"), f"{got['when']!r} is not a date (2026-03-31) "
                                              f"or a date and time (2026-03-31T14:05:00Z)")
        for key, value, was, i in changed:
            self.edits.append({"action": got["number"], "field": key, "value": value,
                               "was": was, "who": got["who"], "when": when,
                               "why": got["why"], "cell": f"Actions!{letter(i)}{n}"})

    def parse(self, n: int, i: int, key: str, got: dict[str, str]) -> list[str] | None:
        """The values of an editable cell, canonical and sorted; ``None`` if one is bad."""
        words = [w.strip() for w in re.split(r"[;,\n]", got[key]) if w.strip()]
        out, ok = [], True
        for word in words:
            value = self.value(n, i, key, word, got)
            ok = ok and value is not None
            if value is not None and value not in out:
                out.append(value)
        return sorted(out, key=natural) if ok else None

    def value(self, n: int, i: int, key: str, word: str, got: dict[str, str]) -> str | None:
        if key == "leads":
            ident = self.agencies.get(word.lower())
            if ident is None:
                tokens = sorted(set(self.book.tokens.values()))
                self.error(n, i, f"unknown agency \"{word}\"{_suggest(word, tokens)}; the "
                                 f"agencies and posts are on sheet Agencies")
            return ident
        if key == "tiers":
            if word.lower() not in TIERS:
                self.error(n, i, f"unknown tier \"{word}\"{_suggest(word.lower(), list(TIERS))}; "
                                 f"write {', '.join(TIERS)}")
                return None
            return word.lower()
        notation = word.upper().replace(" ", "")
        other = "enabling" if key == "strategic" else "strategic"
        if notation in self.book.principles[other]:
            article = "an" if other == "enabling" else "a"
            self.error(n, i, f"{notation} is {article} {other} principle: it belongs in the "
                             f"column {other.capitalize()} principles (stated)")
            return None
        mine = self.book.principles[key]
        if notation not in mine:
            self.error(n, i, f"unknown {key} principle \"{word}\"{_suggest(notation, mine)}; "
                             f"write one of {', '.join(mine)}")
            return None
        if notation in got[f"inherited-{key}"].split(SEP):
            self.error(n, i, f"{notation} is inherited by this action from a group cell "
                             f"already; it cannot also be stated on its row")
            return None
        return notation


# -- importing ---------------------------------------------------------------------------------
def _dump(edits: list[dict[str, Any]]) -> str:
    if not edits:
        return _HEADER + "[]\n"
    return _HEADER + yaml.safe_dump(edits, sort_keys=False, allow_unicode=True, width=100,
                                    default_flow_style=None)


def import_sheet(project: Project, path: Path, base: Base, now: str | None = None) -> Imported:
    """Compare the workbook at ``path`` with a fresh build and return the edits it makes,
    the diff of the graph they give, and the new edits file; raise :class:`SheetError`
    listing every bad cell, or the shapes the new graph breaks."""
    project.need_sources("vrgraph sheet import")
    rows = read_rows(path)                  # a file refused at once, before the build
    sources = build.Sources.at(project.root)
    before = build.build_graph(sources, base)
    now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    comparer = Comparer(tables(before), now)
    comparer.compare(rows)
    if comparer.errors:
        raise _refused(path, [m for *_, m in sorted(comparer.errors)])
    existing = project.root / EDITS
    old = (yaml.safe_load(existing.read_text("utf-8")) or []) if existing.exists() else []
    text = _dump(old + comparer.edits)
    if not comparer.edits:
        return Imported([], "", text)
    with tempfile.TemporaryDirectory(prefix="vrgraph-sheet-") as tmp:
        folder = Path(tmp) / "curation"
        shutil.copytree(sources.curation, folder)
        (folder / "edits.yaml").write_text(text, "utf-8")
        after = build.build_graph(build.Sources(sources.document, folder, project.root), base)
        files = {}
        for name, graph in (("before", before), ("after", after)):
            files[name] = Path(tmp) / f"{name}.ttl"
            files[name].write_bytes(build.serialise(graph))
        from ..pipeline import validate_files

        report, short = validate_files(project, [files["after"]])
        bad = [f"{_row_of(comparer, r.focus)}SHACL: {short(r.focus)}: {r.message}"
               for r in report.results if r.severity == "Violation"]
        if bad:
            raise _refused(path, sorted(set(bad)))
        change = differ.compare(differ.snapshot(str(files["before"]), project),
                                differ.snapshot(str(files["after"]), project))
    shown = differ.as_text(change).replace(str(files["before"]), "the build") \
        .replace(str(files["after"]), f"the build with {path.name}")
    return Imported(comparer.edits, shown, text)


def _row_of(comparer: Comparer, focus: str) -> str:
    number = focus.rsplit("/", 1)[-1]
    cells = sorted({e["cell"] for e in comparer.edits if e["action"] == number})
    return f"{', '.join(cells)}: " if cells else ""


def _refused(path: Path, messages: list[str]) -> SheetError:
    count = f"{len(messages)} problem{'s' if len(messages) != 1 else ''}"
    return SheetError(f"{path}: {count}, nothing written:\n" + "\n".join(messages))
