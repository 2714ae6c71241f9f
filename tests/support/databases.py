"""Real databases for tests: a migrated SQLite file and a migrated PostgreSQL database.

PostgreSQL is found at TEST_DATABASE_URL (default: the server on 127.0.0.1:5432 with
trust authentication, as on our machines). Each test run makes its own database and
drops it afterwards.
"""

from __future__ import annotations

import os
import secrets

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def _libpq_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def postgres_available() -> str | None:
    """None when a server answers; otherwise the reason it does not."""
    try:
        with psycopg.connect(_libpq_dsn(admin_url()), connect_timeout=3, autocommit=True):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {make_url(admin_url()).render_as_string()}: {exc}"


def create_postgres_database() -> str:
    name = f"oct_test_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq_dsn(admin_url()), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_libpq_dsn(admin_url()), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
