"""`flask users import PATH [--dry-run] [--full-file]`: the HR import from the command line;
`flask users purge-uploads`: HR files kept no longer than needed."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app.database import transaction
from app.hr import parser, services

users_cli = AppGroup(
    "users", help="Staff: import the HR file, make an administrator, purge old uploads."
)


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
@click.option(
    "--full-file",
    is_flag=True,
    help="The file lists every member of staff: deactivate anyone missing from it.",
)
def import_command(path: Path, dry_run: bool, full_file: bool) -> None:
    """Create, update and deactivate staff from an HR CSV file (all or nothing)."""
    data = path.read_bytes()
    try:
        with transaction():
            if dry_run:
                plan = services.preview(data, full_file=full_file)
            else:
                plan, _record = services.apply(
                    data, full_file=full_file, file_name=path.name, acting=None
                )
    except IntegrityError:
        click.echo(
            "Nothing was imported: someone saved changes to the same people while the file "
            "was being applied. Run the command again.",
            err=True,
        )
        raise click.exceptions.Exit(1) from None
    for warning in plan.warnings:
        click.echo(parser.printable(f"Note: {warning}"))
    for problem in plan.problems:
        click.echo(parser.printable(problem.message), err=True)
    if plan.problems:
        click.echo(f"Nothing was imported: {len(plan.problems)} problems.", err=True)
        raise click.exceptions.Exit(1)
    verb = "Would" if dry_run else "Done:"
    click.echo(
        f"{verb} create {plan.count('create')}, update {plan.count('update')}, "
        f"deactivate {plan.count('deactivate')}; {plan.count('unchanged')} unchanged."
    )
    if dry_run:
        for change in plan.changes:
            if change.action != "unchanged":
                where = f"line {change.line}" if change.line else "not in file"
                fields = f" ({', '.join(change.fields)})" if change.fields else ""
                # Names come from the file: no control character reaches the terminal.
                click.echo(
                    parser.printable(
                        f"  {change.action}: {change.employee_number} {change.name}{fields} "
                        f"[{where}]"
                    )
                )


@users_cli.command("purge-uploads")
def purge_uploads_command() -> None:
    """Delete HR files never applied after HR_UPLOAD_KEEP_HOURS, and the content of applied
    ones (safe to run at any time, e.g. daily)."""
    with transaction():
        deleted, emptied = services.forget_uploads()
    click.echo(
        f"Deleted {deleted} HR files that were never applied; emptied {emptied} applied files."
    )
