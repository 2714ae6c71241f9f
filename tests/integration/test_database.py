"""Connection rules and constraints, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.database import recorded_statements
from app.extensions import db
from app.models import Department, User


def make_user(**overrides) -> User:
    values = {
        "employee_number": "E1",
        "first_name": "Ailsa",
        "last_name": "Grant",
        "email": "ailsa.grant@example.org",
    }
    values.update(overrides)
    return User(**values)


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_app):
    with sqlite_app.app_context():
        # Several connections at once: every one of them gets the settings.
        connections = [db.engine.raw_connection() for _ in range(3)]
        try:
            for conn in connections:
                cursor = conn.cursor()
                assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
                assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
                cursor.close()
        finally:
            for conn in connections:
                conn.close()


def test_writers_take_the_sqlite_write_lock_at_begin(sqlite_app):
    """Outside a GET request a transaction begins IMMEDIATE, so a second writer waits
    for the first (busy timeout) instead of failing later when it upgrades its lock."""
    with (
        recorded_statements(sqlite_app, with_transaction_control=True) as statements,
        sqlite_app.app_context(),
    ):
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    assert "BEGIN IMMEDIATE" in statements


def test_email_is_unique_whatever_its_case(app):
    with app.app_context():
        db.session.add(make_user())
        db.session.commit()
        # The database itself refuses an address that is not lower-cased…
        db.session.add(make_user(employee_number="E2", email="Ailsa.Grant@example.org"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # …and the same address twice.
        db.session.add(make_user(employee_number="E2"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_employee_number_is_unique(app):
    with app.app_context():
        db.session.add(make_user())
        db.session.add(make_user(email="other@example.org"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_foreign_keys_are_enforced(app):
    with app.app_context():
        db.session.add(make_user(department_id=999))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_professional_body_must_be_known(app):
    with app.app_context():
        db.session.add(make_user(professional_body="NMC"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_times_come_back_as_aware_utc(app):
    with app.app_context():
        department = Department(name="Housing")
        db.session.add(department)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(select(Department))
        assert stored.created_at.tzinfo is not None
        assert stored.created_at.utcoffset().total_seconds() == 0


def test_a_failed_transaction_leaves_nothing_behind(app):
    from app.database import transaction

    with app.app_context():
        with pytest.raises(RuntimeError), transaction():
            db.session.add(Department(name="Libraries"))
            db.session.flush()
            raise RuntimeError("fails half-way")
        assert db.session.scalar(select(db.func.count()).select_from(Department)) == 0


def test_a_reading_page_that_must_write_says_busy_while_sqlite_is_locked(sqlite_template, tmp_path):
    """An export must be audited: while a long task holds SQLite's one write lock, the
    export is refused as busy (503, Retry-After), not failed with an error."""
    import shutil
    import sqlite3

    from tests.conftest import make_app
    from tests.support.accounts import create_user, sign_in

    path = tmp_path / "locked.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_MS=200)
    create_user(app, "officer@example.org", is_training_officer=True)
    officer = app.test_client()
    assert sign_in(officer, "officer@example.org").status_code == 302
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = officer.get("/reports/export/compliance.csv")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "60"
        assert "The service is busy" in busy.text and "Nothing was changed" in busy.text
        assert officer.get("/reports").status_code == 200  # reading alone is unaffected
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert officer.get("/reports/export/compliance.csv").status_code == 200
    with app.app_context():
        db.engine.dispose()
