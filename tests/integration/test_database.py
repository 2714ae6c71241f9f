"""Connection rules and constraints, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

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
        connections = [db.engine.connect() for _ in range(3)]
        try:
            for conn in connections:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        finally:
            for conn in connections:
                conn.close()


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
