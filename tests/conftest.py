"""Shared fixtures.

Integration tests run once on SQLite and once on PostgreSQL (the `app` fixture is
parametrised). With STRICT=1 nothing may be skipped: a missing PostgreSQL server or
Chromium fails the run instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.support import databases
from tests.support.page_checks import CheckingClient

STRICT = os.environ.get("STRICT") == "1"
BACKENDS = ("sqlite", "postgresql")


# Files whose tests each start a Python process (seconds apiece on a slow machine): they go
# first, so that with two workers (--dist loadfile) such a file never runs alone at the end
# while the other worker waits.
SLOW_FILES_FIRST = ("tests/unit/test_config.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FILES_FIRST))  # stable


def skip_or_fail(reason: str) -> None:
    """Skip with a loud reason, or fail when STRICT=1 forbids skipping."""
    if STRICT:
        pytest.fail(f"STRICT=1 forbids skipping: {reason}", pytrace=False)
    pytest.skip(reason)


def make_app(database_url: str, **overrides: object) -> Flask:
    config = {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    app = create_app("test", config)
    app.test_client_class = CheckingClient
    return app


def migrate_database(database_url: str) -> None:
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    migrate_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    reason = databases.postgres_available()
    if reason:
        skip_or_fail(reason)
    url = databases.create_postgres_database()
    try:
        migrate_database(url)
        yield url
    finally:
        databases.drop_postgres_database(url)


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        yield url
        _truncate_all(make_app(url))


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    # No app context is held open here: each request must get its own, as in production.
    app = make_app(database_url)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sqlite_app(sqlite_template: Path, tmp_path: Path) -> Flask:
    """For the few tests about SQLite itself."""
    path = tmp_path / "sqlite-only.sqlite"
    shutil.copyfile(sqlite_template, path)
    return make_app(f"sqlite:///{path}")


@pytest.fixture
def client(app: Flask) -> CheckingClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not STRICT:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"STRICT=1: {len(skipped)} test(s) were skipped; failing the run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- People and signed-in clients ------------------------------------------------------

ROLES = ("learner", "line_manager", "officer", "admin")


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    """One person in each role, in two departments; returns their ids by role.

    The line manager manages the learner; the officer and admin are in department B.
    """
    from tests.support.accounts import create_department, create_user

    dept_a = create_department(app, "Housing")
    dept_b = create_department(app, "Corporate Services")
    manager = create_user(app, "manager@example.org", first_name="Morag", department_id=dept_a)
    learner = create_user(
        app,
        "learner@example.org",
        first_name="Lewis",
        department_id=dept_a,
        line_manager_id=manager,
    )
    officer = create_user(
        app,
        "officer@example.org",
        first_name="Olive",
        department_id=dept_b,
        is_training_officer=True,
    )
    admin = create_user(
        app,
        "admin@example.org",
        first_name="Angus",
        department_id=dept_b,
        is_administrator=True,
    )
    return {"learner": learner, "line_manager": manager, "officer": officer, "admin": admin}


ROLE_EMAILS = {
    "learner": "learner@example.org",
    "line_manager": "manager@example.org",
    "officer": "officer@example.org",
    "admin": "admin@example.org",
}


@pytest.fixture
def client_as(app: Flask, people: dict[str, int]):
    """client_as("officer") → a test client signed in through the sign-in form."""
    from tests.support.accounts import sign_in

    def make(role: str) -> CheckingClient:
        client = app.test_client()
        if role != "anonymous":
            response = sign_in(client, ROLE_EMAILS[role])
            assert response.status_code == 302, f"could not sign in as {role}"
        return client

    return make


@pytest.fixture
def smtp_server():
    from tests.support.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(database_url: str, smtp_server) -> Iterator[Flask]:
    """An app whose e-mail goes to the loopback SMTP server, with links on BASE_URL."""
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        BASE_URL="https://training.example.org",
    )
    yield app
    with app.app_context():
        db.engine.dispose()
