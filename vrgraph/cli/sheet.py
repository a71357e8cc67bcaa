"""``vrgraph sheet`` (the steward's workbook: new, export, import, withdraw) and ``vrgraph
history`` (the edits of an action or a role)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..project import Project
from .common import handle_errors


@click.group("sheet")
def sheet() -> None:
    """The steward's workbook: export the actions to edit in a spreadsheet, import the
    edits back as data/curation/edits.yaml; or a blank workbook for another strategy."""


@sheet.command("new")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default out/strategy.xlsx).")
@click.pass_obj
@handle_errors
def sheet_new(project: Project, output: Path | None) -> None:
    """Write a blank workbook for another strategy: its principles, plans, actions with
    their leads and principles, and agencies, with drop-down lists and a sheet that
    explains every column. Fill it in, then `vrgraph build --sheet FILE --base-iri IRI`."""
    from ..project import write_atomic
    from ..sheet.blank import blank

    target = output or project.root / "out/strategy.xlsx"
    write_atomic(target, blank())
    click.echo(f"wrote {project.display(target)}: fill it in, then run `vrgraph build --sheet "
               f"{project.display(target)} --base-iri https://example.org/your-strategy/`")


@sheet.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Where to write (default out/actions.xlsx, or out/actions/ with --format "
                   "csv: a folder, one CSV per sheet).")
@click.option("--format", "fmt", type=click.Choice(("xlsx", "csv")), default="xlsx",
              show_default=True, help="xlsx: one workbook; csv: a folder of CSV files.")
@click.pass_obj
@handle_errors
def sheet_export(project: Project, output: Path | None, fmt: str) -> None:
    """Write the actions as a workbook to edit in Excel or LibreOffice: the leads, stated
    principles and tiers are editable, with drop-down lists; the rest is locked."""
    from ..project import write_atomic
    from ..publish.write import write_release
    from ..sheet import to_csv, to_xlsx
    from ..sheet.record import export
    from ..store import recorded_base

    book, _graph = export(project, recorded_base(project))
    if fmt == "csv":
        target = output or project.root / "out/actions"
        write_release(target, to_csv(book))
    else:
        target = output or project.root / "out/actions.xlsx"
        write_atomic(target, to_xlsx(book))
    click.echo(f"wrote {project.display(target)}: {len(book.actions.rows)} actions")


@sheet.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the change (as `vrgraph diff` prints "
              "it); write nothing.")
@click.pass_obj
@handle_errors
def sheet_import(project: Project, file: Path, dry_run: bool) -> None:
    """Turn the changed cells of an edited workbook (or CSV folder) into edits in
    data/curation/edits.yaml, each with who, when, why and its cell; then `vrgraph build`
    applies them. Every bad cell is listed, exit 2, and nothing is written."""
    from ..sheet.imports import EDITS, import_sheet
    from ..store import recorded_base

    done = import_sheet(project, file, recorded_base(project), write=not dry_run)
    if not done.edits:
        click.echo(f"{file}: no change to import; nothing written")
        return
    click.echo(done.diff, nl=False)
    cells = len(done.edits)
    if dry_run:
        click.echo(f"\ndry run: {cells} edit{'s' if cells != 1 else ''}; nothing written")
        return
    click.echo(f"\nappended to {EDITS}: {cells} new edit{'s' if cells != 1 else ''}; run "
               f"`vrgraph build` to apply them")


@sheet.command("withdraw")
@click.argument("edit_id", metavar="EDIT-ID")
@click.option("--who", required=True, help="Your role (its label or id in "
              "data/curation/roles.yaml).")
@click.option("--why", required=True, help="Why the edit is withdrawn, for the reviewer.")
@click.option("--when", default=None, help="When (a date or date and time; default now).")
@click.pass_obj
@handle_errors
def sheet_withdraw(project: Project, edit_id: str, who: str, why: str,
                   when: str | None) -> None:
    """Withdraw the edit EDIT-ID (e.g. 5.1.2/leads-1, as `vrgraph history` lists it): a
    withdrawal is appended to data/curation/edits.yaml, the edit kept; `vrgraph build` then
    puts back what it replaced. Exit 2 if it cannot be withdrawn (a later edit changed the
    field: withdraw that first)."""
    from ..sheet.history import withdraw
    from ..sheet.imports import EDITS
    from ..store import recorded_base

    entry = withdraw(project, recorded_base(project), edit_id, who, why, now=when)
    click.echo(f"appended to {EDITS}: the withdrawal of {edit_id}, in role {entry['who']}; "
               f"run `vrgraph build` to apply it")


@click.command("history")
@click.argument("action", required=False)
@click.option("--who", default=None, help="Only the edits made in this role (label or id).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@click.pass_obj
@handle_errors
def history(project: Project, action: str | None, who: str | None, fmt: str) -> None:
    """List every edit of ACTION (e.g. 5.1.2), and/or every edit made in role --who, from
    data/curation/edits.yaml: its id, the field's values before and after, who, when, the
    cell and why, and whether it was withdrawn."""
    from ..sheet.history import as_json, as_text, tokens
    from ..sheet.history import history as changes

    if action is None and who is None:
        raise InputError("give ACTION (e.g. 5.1.2), --who ROLE, or both")
    found = changes(project, action, who)
    if fmt == "json":
        click.echo(as_json(found), nl=False)
    elif found:
        click.echo(as_text(found, tokens(project)), nl=False)
    else:
        click.echo(f"no edit{' of action ' + action if action else ''}"
                   f"{' made as ' + who if who else ''}")
