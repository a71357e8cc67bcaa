"""Every edit of an action, and their withdrawal (``vrgraph history``, ``vrgraph sheet
withdraw``; issue "Stewards never lose an edit", item 4).

The history is read from ``data/curation/edits.yaml``, in the order of its entries, with the
ids the build gives the edits (:mod:`vrgraph.edits`: ``NUMBER/FIELD-N``): who (the role's
label), when, why, the cell, the field and its values before and after. A withdrawal is
appended to the file, never a line removed: the build undoes the edit by a new one and keeps
both.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import build
from .. import curation as cur
from ..errors import CurationError, InputError
from ..namespaces import Base
from ..project import Project, write_atomic
from .edited import BUDGETS
from .imports import EDITS, SheetError, _append, _when, lock

_NAMES = {"leads": "leads", "strategic": "stated strategic principles",
          "enabling": "stated enabling principles", "tiers": "prevention tiers"}


@dataclass
class Change:
    """One entry of edits.yaml as the build applies it."""

    ident: str                  # 5.1.2/leads-1
    action: str
    field: str
    before: list[str]
    after: list[str]
    who: str                    # the role's label
    role: str                   # the role's id
    when: str
    why: str
    cell: str                   # the workbook cell; empty for a withdrawal
    line: str                   # edits.yaml:LINE
    withdraws: str = ""         # the edit a withdrawal undoes
    withdrawn_by: str = ""      # the withdrawal of this edit


def entries(curation: cur.Curation) -> list[Change]:
    """The edits and withdrawals of ``curation``, in order, with their ids."""
    count: dict[tuple[str, str], int] = {}
    out: list[Change] = []
    by_id: dict[str, Change] = {}
    for e in curation.edits:
        undone: Change | None = None
        role = str(e["who"])
        label = str(curation.roles[role]["label"]) if role in curation.roles else role
        if "withdraw" in e.data:
            undone = by_id.get(str(e["withdraw"]))
            if undone is None:
                continue                            # the build refuses it
            number, name, before, after = undone.action, undone.field, undone.after, \
                undone.before
        else:
            number, name = str(e["action"]), str(e["field"])
            before, after = list(e["was"]), list(e["value"])
        count[(number, name)] = count.get((number, name), 0) + 1
        change = Change(f"{number}/{name}-{count[(number, name)]}", number, name, before,
                        after, label, role, str(e["when"]), str(e["why"]),
                        str(e.get("cell") or ""), e.where,
                        str(e.get("withdraw") or ""))
        if undone is not None and change.withdraws:
            undone.withdrawn_by = change.ident
        by_id[change.ident] = change
        out.append(change)
    return out


def _curation(project: Project) -> cur.Curation:
    project.need_sources("vrgraph history")
    sources = build.Sources.at(project.root)
    return cur.load(sources.curation, sources.root)


def history(project: Project, action: str | None = None, who: str | None = None
            ) -> list[Change]:
    """The edits of ``action`` (a number such as 5.1.2) and/or made in role ``who`` (its id
    or label); :class:`InputError` for a role that is not one."""
    curation = _curation(project)
    role = _role(curation, who) if who else None
    return [c for c in entries(curation)
            if (action is None or c.action == action) and (role is None or c.role == role)]


def _role(curation: cur.Curation, who: str) -> str:
    roles = {k.lower(): k for k in curation.roles}
    roles |= {str(e["label"]).lower(): k for k, e in curation.roles.items()}
    role = roles.get(who.strip().lower())
    if role is None:
        listed = ", ".join(str(e["label"]) for e in curation.roles.values()) or "none"
        raise InputError(f"--who: {who[:80]!r} is not a role of data/curation/roles.yaml "
                         f"({listed})")
    return role


def as_text(changes: list[Change], tokens: dict[str, str] | None = None) -> str:
    """The changes, one block each: id and state, field before -> after, who, when, cell,
    why."""
    def shown(values: list[str]) -> str:
        return ", ".join((tokens or {}).get(v, v) for v in values) or "(none)"

    out = []
    for c in changes:
        state = f" (withdrawn by {c.withdrawn_by})" if c.withdrawn_by else ""
        kind = f"withdrawal of {c.withdraws}" if c.withdraws else f"cell {c.cell}"
        out.append(f"{c.ident}{state}: the {_NAMES[c.field]} of action {c.action}: "
                   f"{shown(c.before)} -> {shown(c.after)}\n"
                   f"  by {c.who}, {c.when}, {kind} ({c.line})\n  why: {c.why}")
    return "\n".join(out) + ("\n" if out else "")


def as_json(changes: list[Change]) -> str:
    return json.dumps([asdict(c) for c in changes], indent=2, ensure_ascii=False) + "\n"


def tokens(project: Project) -> dict[str, str]:
    """Agency and post ids -> the acronym the workbook shows."""
    return {k: str(e.get("acronym") or k) for k, e in _curation(project).agencies.items()}


def withdraw(project: Project, base: Base, ident: str, who: str, why: str,
             now: str | None = None, write: bool = True) -> dict[str, Any]:
    """Append to edits.yaml the withdrawal of edit ``ident`` in role ``who`` for reason
    ``why``, once the build with it succeeds; return the entry."""
    if not re.fullmatch(r"5\.[0-9]+\.[0-9]+/(leads|strategic|enabling|tiers)-[1-9][0-9]*",
                        ident):
        raise InputError(f"EDIT-ID: {ident[:80]!r} is not an edit's id like '5.1.2/leads-1' "
                         f"(`vrgraph history ACTION` lists them)")
    why = why.strip()
    if not why or len(why) > BUDGETS["why"]:
        raise InputError(f"--why: give the reason, at most {BUDGETS['why']:,} characters")
    with lock(project):
        curation = _curation(project)
        role = _role(curation, who)
        if cur.personal_in(why, curation.personal):
            raise InputError("--why: holds the personal name of a private individual listed "
                             "in data/curation/leads.yaml; it would be published: reword it")
        if ident not in {c.ident for c in entries(curation)}:
            raise InputError(f"EDIT-ID: no edit {ident} in {EDITS} (`vrgraph history "
                             f"{ident.split('/')[0]}` lists the edits of the action)")
        stamp = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if _when(stamp) is None:
            raise InputError(f"--when: {stamp!r} is not a real date or date and time")
        entry = {"withdraw": ident, "who": role, "when": stamp, "why": why}
        text = _append(project, [entry])
        sources = build.Sources.at(project.root)
        with tempfile.TemporaryDirectory(prefix="vrgraph-withdraw-") as tmp:
            folder = Path(tmp) / "curation"
            shutil.copytree(sources.curation, folder)
            (folder / "edits.yaml").write_text(text, "utf-8")
            try:
                build.build_graph(build.Sources(sources.document, folder, project.root), base)
            except CurationError as err:
                raise SheetError(f"cannot withdraw {ident}: "
                                 f"{str(err).replace(str(folder), 'data/curation')}") from None
        if write:
            write_atomic(project.root / EDITS, text.encode("utf-8"))
    return entry
