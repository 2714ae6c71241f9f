"""`flask assignments sync`: apply the assignment rules (idempotent)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from app import audit
from app.compliance import services, standings
from app.database import transaction
from app.models.base import today as uk_today

assignments_cli = AppGroup("assignments", help="Assign modules to staff by rule.")


@assignments_cli.command("sync")
@click.option(
    "--due",
    "due",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Due date (YYYY-MM-DD) for staff who are not new starters; default 28 days on.",
)
def sync_command(due) -> None:
    """Give every active person every module that applies to them, and rewrite every
    assignment's standing from the certificates, corrections and progress behind it.
    Running it again changes nothing."""
    campaign: date | None = due.date() if due else None
    # The rule of the officers' "Assign a module" page: a date already gone would make
    # everyone overdue at once, and a due date can then only be moved one person at a time.
    if campaign is not None and not 1900 <= campaign.year <= 2100:
        raise click.BadParameter(
            f"{campaign.isoformat()} is not a real due date.", param_hint="'--due'"
        )
    if campaign is not None and campaign <= uk_today():
        raise click.BadParameter(
            f"the due date must be in the future (after {uk_today().isoformat()}), "
            f"not {campaign.isoformat()}.",
            param_hint="'--due'",
        )
    with transaction():
        created = services.sync_assignments(campaign_due=campaign)
        repaired = standings.refresh_all()
        if created or repaired:
            audit.record("assignments_synced", details={"created": created, "repaired": repaired})
    click.echo(f"{created} assignments created." if created else "Nothing to assign.")
    if repaired:
        # Only after an upgrade, or if something wrote to those tables behind our back.
        click.echo(f"{repaired} assignments' standings brought up to date.")
