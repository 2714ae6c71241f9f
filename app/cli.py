"""Operator commands: `flask demo`, `flask purge-rate-limits`, `flask users make-admin`,
and the groups other areas define. Every command registered on `app.cli` ends with one
plain line, not a traceback, when the database is down, busy or not upgraded."""

from __future__ import annotations

import functools
import os
import secrets
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from app import rate_limit
from app.admin import services as admin_services
from app.database import transaction
from app.demo import service as demo_service
from app.errors import _database_trouble
from app.models.base import today


def init_app(app: Flask) -> None:
    from app.compliance.commands import assignments_cli
    from app.hr.commands import users_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(purge_rate_limits_command)
    app.cli.add_command(assignments_cli)
    users_cli.add_command(make_admin_command)
    app.cli.add_command(users_cli)
    # Last, so that every command is covered, whichever module registered it.
    for command in app.cli.commands.values():
        _one_line_for_database_trouble(command)


# --- The database down, busy or not upgraded -----------------------------------------------

# PostgreSQL's codes for a table or column that is not there.
_UNDEFINED_TABLE, _UNDEFINED_COLUMN = "42P01", "42703"
_SQLITE_CANTOPEN = 14  # the file's folder is missing or cannot be read


def _one_line_for_database_trouble(command: click.Command) -> None:
    """Wrap the command (each command of a group) so that a database it cannot use ends it
    with one line and exit code 1: a nightly cron's output then says what is wrong."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _one_line_for_database_trouble(sub)
    callback = command.callback
    if callback is None or getattr(callback, "one_line_for_database_trouble", False):
        return  # commands are module-level objects: create_app may run more than once

    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as error:
            message = database_trouble_message(error)
            if message is None:
                raise  # a mistake of ours: the traceback is what is needed
            raise click.ClickException(message) from None

    wrapper.one_line_for_database_trouble = True  # type: ignore[attr-defined]
    command.callback = wrapper


def database_trouble_message(error: DBAPIError) -> str | None:
    """One line for a database that is down, busy or not upgraded; None for anything else."""
    driver_message = str(error.orig).strip().splitlines()
    first_line = driver_message[0].strip() if driver_message else ""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in {_UNDEFINED_TABLE, _UNDEFINED_COLUMN} or first_line.startswith(
        ("no such table", "no such column")
    ):
        return f"The database is not upgraded: run flask db upgrade ({first_line})."
    if not isinstance(error, OperationalError):
        return None
    code = getattr(error.orig, "sqlite_errorcode", None)
    trouble = "unavailable" if code == _SQLITE_CANTOPEN else _database_trouble(error)
    if trouble == "busy":
        return (
            "The database is busy: another task held the records this command needs for "
            "too long. Nothing was changed. Try again later."
        )
    if trouble == "unavailable":
        return f"Cannot reach the database (DATABASE_URL): {first_line}"
    return None


# --- Commands ----------------------------------------------------------------------------


@click.command("make-admin")
@click.argument("email")
@with_appcontext
def make_admin_command(email: str) -> None:
    """Give an active person the administrator role, by their e-mail address: the first
    administrator of a new install, or one to replace the last (audited)."""
    with transaction():
        promotion = admin_services.make_administrator(email)
    person = promotion.person
    if promotion.refused:
        raise click.ClickException(promotion.refused)
    who = f"{person.full_name} (employee number {person.employee_number})"
    if promotion.already:
        click.echo(f"{who} is already an administrator; nothing was changed.")
        return
    click.echo(f"{who} is now an administrator.")
    if person.password_hash is None:
        click.echo(
            "They have not set a password yet: they can use their invitation e-mail, or "
            '"Forgotten your password?" on the sign-in page.'
        )


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
