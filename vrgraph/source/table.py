"""Read the tab-separated action table of section 5 (``## 5. STRATEGIES / ACTION PLANS``):
its plans (5.1 to 5.12), their themed groups and intro paragraphs, and each action's row with
its cells in the columns number, text, lead, strategic and enabling."""

from __future__ import annotations

import re

from ..text import clean, slug
from .reader import HEADING, Reader
from .records import COLUMNS, Action, Group, Plan

_ACTION_NO = re.compile(r"^5(?:\.\d+)+\.?$")
_PLAN_HEADING = re.compile(r"^5\.(\d+)\.?\s+(.+)$")


def read_table(reader: Reader, first: int, last: int) -> list[Plan]:
    """The plans of the table whose header is line ``first`` and whose last line is ``last``."""
    plans: list[Plan] = []
    plan: Plan | None = None
    group: Group | None = None
    action: Action | None = None
    for n in range(first + 1, last + 1):
        raw = reader.lines[n - 1]
        if not raw.strip():
            continue
        cells = raw.split("\t")
        head = clean(cells[0])
        rest = [clean(c) for c in cells[1:]]
        heading = HEADING.match(raw) if len(cells) == 1 else None
        title = clean(heading.group(2)) if heading else (
            head if len(cells) == 1 and raw.strip().startswith("**") else None)
        plan_m = _PLAN_HEADING.match(title or (head if not any(rest) else ""))
        if head.startswith("Action no."):
            continue
        if plan_m:
            level = len(heading.group(1)) if heading else 0
            plan = Plan(f"5.{plan_m.group(1)}", plan_m.group(2).strip(), n, level)
            plans.append(plan)
            group = action = None
            continue
        if plan is None:
            continue
        if title is not None:
            group = _new_group(plan, title, n)
            action = None
            continue
        if len(cells) == 1:
            _intro(plan, group, n, raw)
            continue
        if re.fullmatch(r"-+", head) and all(re.fullmatch(r"-*", c) for c in rest):
            if action is not None:
                action.separators.append(n)
            continue
        if _ACTION_NO.match(head):
            action = _new_action(plan, group, head, cells, n)
            continue
        if not head and action is not None:
            _add_cells(action, cells, n)
            continue
        if head and not any(rest):
            if raw.lstrip().startswith("<b>") or len(head.split()) <= 5:
                group = _new_group(plan, head, n)
                action = None
            else:
                _intro(plan, group, n, raw)
            continue
        raise reader.fail(n, f"cannot read this table line in plan {plan.number}: {head[:60]!r}")
    for plan in plans:
        if not plan.actions:
            raise reader.fail(plan.line, f"plan {plan.number} has no actions")
        for action in plan.actions:
            if not re.fullmatch(re.escape(plan.number) + r"\.\d+", action.number):
                raise reader.fail(action.lines[0], f"cannot read action number "
                                  f"{action.stated_number!r} in plan {plan.number}")
    return plans


def _new_group(plan: Plan, title: str, line: int) -> Group:
    group = Group(plan.number, slug(title), title, line)
    plan.groups.append(group)
    return group


def _intro(plan: Plan, group: Group | None, line: int, raw: str) -> None:
    """A paragraph printed in the table's first column (its empty cells dropped)
    introduces the group it follows, else the plan."""
    target = group if group is not None and not any(
        a.group == group.slug for a in plan.actions) else plan
    target.intro.append((line, raw.split("\t", 1)[0]))


def _new_action(plan: Plan, group: Group | None, head: str, cells: list[str],
                line: int) -> Action:
    action = Action(_read_number(plan, head), head, plan.number, group.slug if group else None,
                    [], {c: [] for c in COLUMNS[1:]}, fields_on_first_line=len(cells))
    _add_cells(action, cells, line)
    plan.actions.append(action)
    return action


def _read_number(plan: Plan, raw: str) -> str:
    """The number an action's printed number stands for: ``5.3.3.`` reads as ``5.3.3``
    and ``5.97`` (a dropped dot) as ``5.9.7``."""
    number = raw.rstrip(".")
    prefix, digits = plan.number + ".", plan.number.replace(".", "")
    if not number.startswith(prefix) and number.replace(".", "").startswith(digits):
        number = prefix + number.replace(".", "")[len(digits):]
    return number


def _add_cells(action: Action, cells: list[str], line: int) -> None:
    action.lines.append(line)
    for column, raw in zip(COLUMNS[1:], cells[1:]):
        if clean(raw):
            action.cells[column].append((line, raw))
