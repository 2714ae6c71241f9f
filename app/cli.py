"""Operator commands: `flask demo` (more arrive with later features)."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import rate_limit
from app.database import transaction
from app.demo import service as demo_service
from app.models.base import today


def init_app(app: Flask) -> None:
    from app.compliance.commands import assignments_cli
    from app.hr.commands import users_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(purge_rate_limits_command)
    app.cli.add_command(assignments_cli)
    app.cli.add_command(users_cli)


@click.command("purge-rate-limits")
@with_appcontext
def purge_rate_limits_command() -> None:
    """Delete rate-limit records older than the window (safe to run at any time, e.g. daily)."""
    with transaction():
        removed = rate_limit.purge_expired()
    click.echo(f"Removed {removed} expired rate-limit records.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo council (departments, staff and six sign-in accounts)."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException(
            "Refusing to create demo data in production (APP_ENV=production)."
        )
    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
    with transaction():
        result = demo_service.seed(today(), password)

    click.echo(
        f"Demo council: {result.departments_created} departments and "
        f"{result.users_created} people created."
    )
    if result.certificates_issued:
        click.echo(
            f"Training history: {result.certificates_issued} certificates from the last year."
        )
    if result.sign_in_accounts_created:
        click.echo("Sign-in accounts created:")
        for email in result.sign_in_accounts_created:
            click.echo(f"  {email}")
        if os.environ.get("DEMO_PASSWORD"):
            click.echo("Their password is the value of DEMO_PASSWORD.")
        else:
            click.echo(f"Their password is: {password}")
    else:
        click.echo("The demo accounts already exist; nothing was changed.")
