"""Read a steward's edited workbook back and turn its changes into curated edits
(``vrgraph sheet import``; issues "Stewardship", item 2, and "Stewards never lose an edit").

The import is three-way: the workbook keeps what it showed when exported
(:mod:`vrgraph.sheet.record`), and each editable cell is compared at export, in the workbook
and in today's build of the project. A cell the steward changed becomes one edit of
``data/curation/edits.yaml`` (format: ``docs/model.md``, "Edits"; applied by
:mod:`vrgraph.edits`), with who (a role of ``roles.yaml``), when and why from its row and the
cell it came from. A cell someone else changed since the export, that the steward did not
touch, is left alone; a cell both changed differently is a conflict. Every bad cell is listed
at once (``Actions!F12: unknown agency "MPSS" (did you mean MPS?)``), and nothing is written
unless the whole import is valid: each value names something that exists, each changed row
says who and why, no locked cell changed, no formula, no row added or deleted, no conflict,
and the graph built with the new edits passes the SHACL shapes. The new edits are appended to
the file, its comments and earlier entries kept byte for byte, under a lock beside it, so
that two imports never interleave. ``--dry-run`` shows the change as ``vrgraph diff`` prints
it and writes nothing.
"""

from __future__ import annotations

import difflib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from .. import atomic, build
from .. import curation as cur
from .. import diff as differ
from ..build.writer import serialise
from ..curation import personal_in
from ..edits import TIERS, natural
from ..errors import CurationError, InputError, OutputError, VrgraphError
from ..namespaces import Base
from ..project import Project, write_atomic
from . import COLUMNS, SEP, Workbook, tables
from . import record as recorded
from .cells import Cell
from .edited import problem
from .edited import read as read_cells
from .record import Record
from .xlsx import letter

EDITS = "data/curation/edits.yaml"
_HEADER = """\
# edits.yaml - a data steward's edits of actions, made in the workbook of `vrgraph sheet export`
# and written here by `vrgraph sheet import` (do not edit by hand; review in a pull request).
# Contract: docs/model.md ("Edits"). One entry per changed cell, applied in order by the build:
# action, field (leads|strategic|enabling|tiers), value (the new list), was (the list the
# steward saw), who (a role id of roles.yaml), when, why, cell (the workbook cell, e.g.
# 'Actions!F12'); or a withdrawal (`vrgraph sheet withdraw`): withdraw (an edit's id, e.g.
# '5.1.2/leads-1'), who, when, why. Entries are only ever appended.
"""
#: How to add or retire an action, for the message on an added or deleted row.
ADD_OR_RETIRE = ("an action is added or retired in the source document, data/source/, and "
                 "its curation files, then the graph is built and the workbook exported again")


class SheetError(VrgraphError):
    """An edited workbook that cannot be imported; the message lists every bad cell."""


@dataclass
class Imported:
    edits: list[dict[str, Any]]
    diff: str
    text: str                    # the new edits.yaml


# -- reading -----------------------------------------------------------------------------------
def read_rows(path: Path) -> list[list[str]]:
    """The Actions sheet of the workbook at ``path`` (an .xlsx file or a CSV folder), as
    text, header row first."""
    return [[c.text for c in row] for row in read_cells(path)[0]]


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


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
    """The edits a workbook's rows make, three ways: each editable cell's value at export
    (``record``), in the workbook and in today's build (``book``); and its bad cells."""

    def __init__(self, book: Workbook, record: Record, now: str,
                 personal: list[str] | None = None,
                 last: dict[tuple[str, str], str] | None = None) -> None:
        self.book, self.now, self.rows = book, now, book.rows
        self.record, self.shown = record, record.by_number
        self.personal, self.last = personal or [], last or {}
        self.errors: list[tuple[int, int, str]] = []
        self.edits: list[dict[str, Any]] = []
        self.agencies: dict[str, str] = {}
        for ident, token in book.tokens.items():
            self.agencies[ident.lower()] = self.agencies[token.lower()] = ident
        self.roles = {k.lower(): k for k in book.roles}
        self.roles |= {label.lower(): k for k, label in book.roles.items()}

    def error(self, row: int, col: int, message: str) -> None:
        self.errors.append((row, col, f"Actions!{letter(col)}{row}: {message}"))

    def compare(self, rows: list[list[Cell]]) -> None:
        header = [c.text for c in rows[0]] if rows else []
        for i, column in enumerate(COLUMNS):
            got = header[i] if i < len(header) else ""
            if got != column.header:
                self.error(1, i, f"the header reads {got!r}, not {column.header!r}: the "
                                 f"columns were moved or renamed; export the workbook again")
        if self.errors:
            return
        seen: dict[str, int] = {}
        order = [r["number"] for r in self.record.rows]
        empty = Cell()
        numbers = {cells[0].text for cells in rows[1:] if cells}
        for n, cells in enumerate(rows[1:], 2):
            cells = (cells + [empty] * len(COLUMNS))[:len(COLUMNS)]
            if not any(c.text for c in cells):
                continue
            number, at = cells[0], order[n - 2] if n - 2 < len(order) else None
            hint = f"; it read {at!r} when exported: put it back" if at else ""
            if number.kind not in ("text", "empty"):
                self.error(n, 0, f"{number.text!r} is stored as a {number.kind}, not text "
                                 f"(5.1.10 is not 5.1.1){hint}")
                if at is not None:
                    seen.setdefault(at, n)
            elif number.text not in self.shown and at is not None and at not in numbers:
                self.error(n, 0, f"the Number column is locked{hint}")
                seen.setdefault(at, n)
            elif number.text not in self.shown:
                what = f"action {number.text!r}" if number.text else "a row without a number"
                self.error(n, 0, f"{what} was not in the workbook when exported: rows are not "
                                 f"added here ({ADD_OR_RETIRE}); delete the row")
            elif number.text in seen:
                self.error(n, 0, f"action {number.text} is given twice (also row "
                                 f"{seen[number.text]})")
            else:
                seen[number.text] = n
                self.row(n, cells)
        for i, gone in enumerate(order):
            if gone not in seen:
                self.error(i + 2, 0, f"the row of action {gone} (row {i + 2} when exported) "
                                     f"is missing: rows are not deleted here "
                                     f"({ADD_OR_RETIRE}); put the row back")

    def row(self, n: int, cells: list[Cell]) -> None:
        keys = [c.key for c in COLUMNS]
        got = dict(zip(keys, (c.text for c in cells)))
        number = got["number"]
        shown, now = self.shown[number], self.rows.get(number)
        changed: list[tuple[str, list[str], list[str], int]] = []
        touched: list[int] = []
        for i, column in enumerate(COLUMNS):
            key = column.key
            if key in ("who", "when", "why"):
                continue
            if not column.editable:
                if cells[i].kind == "formula" or got[key] != shown.get(key, ""):
                    was = shown.get(key, "")
                    self.error(n, i, f"{column.header} is locked (the document's own, or "
                                     f"curated); it read {_short(was)} when exported: put it "
                                     f"back")
                continue
            bad = problem(key, cells[i], free=False)
            if bad is not None:
                self.error(n, i, bad)
                touched.append(i)
                continue
            before = self.canon(key, shown.get(key, ""))
            value = self.parse(n, i, key, got, now or shown)
            if value is None:
                if got[key] != shown.get(key, ""):
                    touched.append(i)              # a bad value: still a changed cell
                continue
            if value == before:
                continue                           # not the steward's change: left alone
            touched.append(i)
            if now is None:
                self.error(n, i, f"action {number} is no longer in the document; its cells "
                                 f"cannot be edited")
                continue
            today = self.canon(key, now[key])
            if today == value:
                continue                           # made already, the same way
            if today != before:
                self.error(n, i, self.conflict(number, column.header, key, before, value,
                                               today))
                continue
            changed.append((key, value, today, i))
        if not touched:
            return
        cells_changed = ", ".join(f"{letter(i)}{n}" for i in touched)
        for key, what in (("who", "your role, from the list (sheet Roles)"),
                          ("why", "the reason, for the reviewer")):
            i = keys.index(key)
            bad = problem(key, cells[i], free=True)
            if bad is not None:
                self.error(n, i, bad)
            elif not got[key]:
                self.error(n, i, f"{key} is missing: the row changes {cells_changed}; "
                                 f"give {what}")
            elif personal_in(got[key], self.personal):
                self.error(n, i, f"holds the personal name of a private individual listed "
                                 f"in data/curation/leads.yaml; it would be published: "
                                 f"{'pick your role' if key == 'who' else 'reword it'}")
        role = self.roles.get(got["who"].lower())
        if got["who"] and role is None and problem("who", cells[keys.index("who")], True) \
                is None and not personal_in(got["who"], self.personal):
            listed = ", ".join(self.book.roles.values()) or "none: add data/curation/roles.yaml"
            self.error(n, keys.index("who"), f"{_short(got['who'])} is not a role of "
                                             f"data/curation/roles.yaml ({listed}): who made "
                                             f"an edit is published, so it is a role, never a "
                                             f"personal name")
        i = keys.index("when")
        bad = problem("when", cells[i], free=True)
        when = _when(got["when"]) if got["when"] else self.now
        if bad is not None:
            self.error(n, i, bad)
        elif when is None:
            self.error(n, i, f"{got['when']!r} is not a real date (2026-03-31) or a date and "
                             f"time (2026-03-31T14:05:00Z)")
        for key, value, was_, i in changed:
            self.edits.append({"action": number, "field": key, "value": value,
                               "was": was_, "who": role or got["who"], "when": when,
                               "why": got["why"], "cell": f"Actions!{letter(i)}{n}"})

    def canon(self, key: str, text: str) -> list[str]:
        """A cell's text as exported or built, canonical and sorted (no error is raised:
        the export wrote it)."""
        words = [w.strip() for w in re.split(r"[;,\n]", text) if w.strip()]
        if key == "leads":
            out = {self.agencies.get(w.lower(), w.lower()) for w in words}
        elif key == "tiers":
            out = {w.lower() for w in words}
        else:
            out = {w.upper().replace(" ", "") for w in words}
        return sorted(out, key=natural)

    def shown_as(self, key: str, values: list[str]) -> str:
        if not values:
            return "empty"
        tokens = [self.book.tokens.get(v, v) for v in values] if key == "leads" else values
        return repr(SEP.join(tokens))

    def conflict(self, number: str, header: str, key: str, before: list[str],
                 mine: list[str], today: list[str]) -> str:
        by = self.last.get((number, key))
        return (f"conflict: you changed {header} of action {number} from "
                f"{self.shown_as(key, before)} to {self.shown_as(key, mine)}, but since the "
                f"workbook was exported it became {self.shown_as(key, today)}"
                f"{f' ({by})' if by else ''}; agree on one value, then export again and make "
                f"your change there")

    def parse(self, n: int, i: int, key: str, got: dict[str, str],
              now: dict[str, str]) -> list[str] | None:
        """The values of an editable cell, canonical and sorted; ``None`` if one is bad;
        ``now`` the action's row in today's build (its inherited principles)."""
        words = [w.strip() for w in re.split(r"[;,\n]", got[key]) if w.strip()]
        out, ok = [], True
        for word in words:
            value = self.value(n, i, key, word, now)
            ok = ok and value is not None
            if value is not None and value not in out:
                out.append(value)
        return sorted(out, key=natural) if ok else None

    def value(self, n: int, i: int, key: str, word: str, now: dict[str, str]) -> str | None:
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
        if notation in now[f"inherited-{key}"].split(SEP):
            self.error(n, i, f"{notation} is inherited by this action from a group cell "
                             f"already; it cannot also be stated on its row")
            return None
        return notation


# -- importing ---------------------------------------------------------------------------------
def appended(existing: str, entries: list[dict[str, Any]]) -> str:
    """``existing`` (the text of edits.yaml) with ``entries`` appended as YAML text: its
    comments and entries kept as they are; the empty list ``[]`` a new file holds gives way
    to the first entries."""
    if not entries:
        return existing
    body = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)
    if not existing.strip():
        return _HEADER + body
    lines = existing.splitlines(keepends=True)
    content = [i for i, line in enumerate(lines) if line.strip()
               and not line.lstrip().startswith("#")]
    if content and lines[content[-1]].strip() == "[]":
        del lines[content[-1]]
    text = "".join(lines)
    return text + ("" if text.endswith("\n") else "\n") + body


def _edits_text(project: Project) -> tuple[str, list[Any]]:
    path = project.root / EDITS
    if not path.exists():
        return "", []
    from ..bounds import TEXT_BYTES, read_text

    text = read_text(path, EDITS, TEXT_BYTES, CurationError)
    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError:
        data = None
    if not isinstance(data, list):
        raise SheetError(f"{EDITS}: not a list of edits; run `vrgraph build` for the line "
                         f"at fault")
    return text, data


def _append(project: Project, entries: list[dict[str, Any]]) -> str:
    """The new text of edits.yaml with ``entries`` appended, checked to read back as the
    old entries and then these."""
    text, old = _edits_text(project)
    new = appended(text, entries)
    if (yaml.safe_load(new) or []) != old + entries:
        raise SheetError(f"{EDITS}: its entries are not a YAML block list that can be "
                         f"appended to (`- action: ...`); put it back as `vrgraph sheet "
                         f"import` wrote it")
    return new


@contextmanager
def lock(project: Project) -> Iterator[None]:
    """Hold the lock beside edits.yaml that imports and withdrawals hold while they read the
    project and write the file: they never interleave (the second waits)."""
    path = project.root / (EDITS + ".lock")
    try:
        held = atomic.held(path)
        held.__enter__()
    except OSError as err:
        raise OutputError(f"{project.display(path)}: cannot take the lock: "
                          f"{err.strerror or err}") from None
    try:
        yield
    finally:
        held.__exit__(None, None, None)


def last_edits(curation: cur.Curation) -> dict[tuple[str, str], str]:
    """The last edit of each (action, field), as ``edit ID by ROLE, WHEN``."""
    from .history import entries

    out = {}
    for e in entries(curation):
        out[(e.action, e.field)] = f"edit {e.ident} by {e.who}, {e.when}"
    return out


def import_sheet(project: Project, path: Path, base: Base, now: str | None = None,
                 write: bool = False) -> Imported:
    """Compare the workbook at ``path`` three ways (at export, in the workbook, in a fresh
    build) and return the edits it makes, the diff of the graph they give, and the new edits
    file; with ``write``, append them to edits.yaml. Raise :class:`SheetError` listing every
    bad cell and conflict, or the shapes the new graph breaks; :class:`InputError` for a
    workbook of another strategy or without its record."""
    project.need_sources("vrgraph sheet import")
    rows, kept = read_cells(path)
    redo = "export the workbook again (`vrgraph sheet export`) and redo the edits in it"
    if kept is None:
        raise InputError(f"{path}: no record of what it showed when exported (sheet "
                         f"{recorded.NAME}): not a workbook `vrgraph sheet export` wrote, or "
                         f"one of an older version; {redo}")
    record = recorded.read(kept, str(path))
    with lock(project):
        sources = build.Sources.at(project.root)
        curation = cur.load(sources.curation, sources.root)
        before = build.build_graph(sources, base)
        strategy = recorded.strategy_of(before)
        if record.strategy != strategy:
            raise InputError(f"{path}: exported from another strategy ({record.strategy}), "
                             f"not this project's ({strategy}); import it into its own "
                             f"project")
        if record.source != recorded.sources_digest(sources.document, sources.curation)[0]:
            raise InputError(f"{path}: exported from another version of the source document "
                             f"(data/source/); {redo}")
        now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        comparer = Comparer(tables(before, {k: str(e["label"]) for k, e in
                                            curation.roles.items()}),
                            record, now, curation.personal, last_edits(curation))
        comparer.compare(rows)
        if comparer.errors:
            raise _refused(path, [m for *_, m in sorted(comparer.errors)])
        if not comparer.edits:
            return Imported([], "", "")
        text = _append(project, comparer.edits)
        shown = _checked(project, path, base, sources, before, text, comparer)
        if write:
            write_atomic(project.root / EDITS, text.encode("utf-8"))
    return Imported(comparer.edits, shown, text)


def _checked(project: Project, path: Path, base: Base, sources: build.Sources,
             before: Any, text: str, comparer: Comparer) -> str:
    """The graph with the new edits.yaml ``text`` built and validated; the diff it makes."""
    with tempfile.TemporaryDirectory(prefix="vrgraph-sheet-") as tmp:
        folder = Path(tmp) / "curation"
        shutil.copytree(sources.curation, folder)
        (folder / "edits.yaml").write_text(text, "utf-8")
        try:
            after = build.build_graph(build.Sources(sources.document, folder, project.root),
                                      base)
        except CurationError as err:
            raise _refused(path, [str(err).replace(str(folder), "data/curation")]) from None
        files = {}
        for name, graph in (("before", before), ("after", after)):
            files[name] = Path(tmp) / f"{name}.ttl"
            files[name].write_bytes(serialise(graph))
        from ..pipeline import validate_files

        report, short = validate_files(project, [files["after"]])
        bad = [f"{_row_of(comparer, r.focus)}SHACL: {short(r.focus)}: {r.message}"
               for r in report.results if r.severity == "Violation"]
        if bad:
            raise _refused(path, sorted(set(bad)))
        change = differ.compare(differ.snapshot(str(files["before"]), project),
                                differ.snapshot(str(files["after"]), project))
        return differ.as_text(change).replace(str(files["before"]), "the build") \
            .replace(str(files["after"]), f"the build with {path.name}")


def _row_of(comparer: Comparer, focus: str) -> str:
    number = focus.rsplit("/", 1)[-1]
    cells = sorted({e["cell"] for e in comparer.edits if e["action"] == number})
    return f"{', '.join(cells)}: " if cells else ""


def _refused(path: Path, messages: list[str]) -> SheetError:
    count = f"{len(messages)} problem{'s' if len(messages) != 1 else ''}"
    return SheetError(f"{path}: {count}, nothing written:\n" + "\n".join(messages))
