"""What people see when the database is in trouble, and the answers an operator relies on:
error pages that always render, headers that say what to do next, logs without secrets."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from datetime import date

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import User
from app.models.account import AuditEvent
from app.models.compliance import Assignment
from tests.conftest import make_app
from tests.support.accounts import create_department, create_user, csrf_token, sign_in


def _signed_in_client(app, email: str):
    create_user(app, email)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_a_signed_in_post_while_sqlite_is_locked_gets_the_busy_page(sqlite_template, tmp_path):
    """Another process holds SQLite's write lock longer than the busy timeout: a POST
    cannot even load the signed-in user (BEGIN IMMEDIATE waits first). The person gets
    the busy page with Retry-After, not an error escaping the app, and stays signed in."""
    path = tmp_path / "locked.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_MS=200)
    learner = _signed_in_client(app, "learner@example.org")
    token = csrf_token(learner, "/account")
    visitor = app.test_client()
    visitor_token = csrf_token(visitor, "/sign-in")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        for response in (
            learner.post(
                "/sign-out",
                data={"csrf_token": token},
                headers={"Referer": "http://localhost/account"},
            ),
            visitor.post(
                "/sign-in",
                data={
                    "csrf_token": visitor_token,
                    "email": "learner@example.org",
                    "password": "not the password",
                },
                headers={"Referer": "http://localhost/sign-in"},
            ),
        ):
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "60"
            assert "The service is busy" in response.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert learner.get("/account").status_code == 200  # the sign-out was not saved
    with app.app_context():
        db.engine.dispose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_signed_in_request_while_postgresql_is_down_gets_a_503(sqlite_app):
    """The same session cookie reaching a worker whose PostgreSQL server is down: the
    user cannot be loaded, and the error page (whose header names the user) renders
    anyway, as to a visitor."""
    signed_in = _signed_in_client(sqlite_app, "learner@example.org")
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/training")
    client = down.test_client()
    client.set_cookie("session", signed_in.get_cookie("session").value)
    for response in (
        client.get("/account"),
        client.post("/sign-out", headers={"Referer": "http://localhost/account"}),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "60"
        assert "We cannot reach the training records just now" in response.text
        assert "Content-Security-Policy" in response.headers


def test_a_refused_form_token_on_a_page_that_refuses_anyway_gives_that_answer(client_as, people):
    """A stale form token shows the form again, by calling its page: when the page itself
    says "not allowed" or "not found", that is the answer, never a 500."""
    referer = {"Referer": "http://localhost/account"}
    learner = client_as("learner")
    edit = learner.post(f"/admin/users/{people['officer']}/edit", data={}, headers=referer)
    assert edit.status_code == 403
    officer = client_as("officer")
    revoke = officer.post("/reports/certificates/99999/revoke", data={}, headers=referer)
    assert revoke.status_code == 404
    assert "Page not found" in revoke.text


def test_a_405_page_says_which_methods_the_page_takes(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


def test_trusted_host_names_match_in_any_case(database_url):
    app = make_app(database_url, TRUSTED_HOSTS=["Training.Example.ORG"])
    client = app.test_client()
    for host in ("training.example.org", "TRAINING.example.org"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_a_failed_statement_never_shows_the_values_it_was_sent(app):
    """A statement's values can be password hashes or session tokens: the message of a
    failed one, which is logged with the traceback, leaves them out."""
    create_user(app, "learner@example.org")
    secret = "session-token-that-must-not-be-logged"
    with app.app_context():
        db.session.add(
            User(
                employee_number="E-SECRET",
                first_name="Ailsa",
                last_name="Grant",
                email="learner@example.org",  # already taken: the INSERT fails
                session_token=secret,
            )
        )
        with pytest.raises(DBAPIError) as failure:
            db.session.flush()
        db.session.rollback()
    assert "INSERT INTO" in str(failure.value)
    assert secret not in str(failure.value)


def test_our_own_postgresql_mistake_is_an_error_not_an_outage(postgres_url, capfd):
    """Only a database that cannot be reached is "try again later": a mistake of ours (here
    a query that outlives its statement timeout, which psycopg raises as an
    OperationalError) is a 500 logged as an unhandled exception, so that it gets fixed."""
    from sqlalchemy import text

    from app.auth.permissions import public

    app = make_app(postgres_url)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def too_slow():
        db.session.execute(text("SET LOCAL statement_timeout = 1"))
        db.session.execute(text("SELECT pg_sleep(1)"))
        return "unreachable"

    app.add_url_rule("/__test__/slow", "slow", public(too_slow))
    response = app.test_client().get("/__test__/slow")
    assert response.status_code == 500
    assert "cannot reach the training records" not in response.text
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line[:1] == "{"]
    events = [entry.get("event") for entry in lines]
    assert "unhandled_exception" in events and "database_unavailable" not in events
    assert any("QueryCanceled" in entry.get("exception", "") for entry in lines)
    with app.app_context():
        db.engine.dispose()


# Half past midnight in the UK on 1 July 2026 (BST), still 30 June in UTC.
UK_JUST_AFTER_MIDNIGHT = "2026-06-30 23:30:00"


@pytest.mark.parametrize(
    ("due", "reason"),
    [
        ("2016-01-31", "the due date must be in the future (after 2026-07-01), not 2016-01-31"),
        ("2026-07-01", "the due date must be in the future (after 2026-07-01), not 2026-07-01"),
        ("2201-01-31", "2201-01-31 is not a real due date"),
        ("1899-12-31", "1899-12-31 is not a real due date"),
    ],
)
def test_sync_refuses_a_campaign_due_date_that_is_not_after_today(app, due, reason):
    """As the officers' "Assign a module" page: a date already gone (a mistyped year) would
    make the whole council overdue at once. Today is the UK's day."""
    housing = create_department(app, "Housing")
    # Not a new starter: their due date would be the campaign date.
    create_user(app, "staff@example.org", department_id=housing, start_date=date(2015, 4, 1))

    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    with freeze_time(UK_JUST_AFTER_MIDNIGHT):
        result = app.test_cli_runner().invoke(args=["assignments", "sync", "--due", due])

    assert result.exit_code != 0
    assert f"Invalid value for '--due': {reason}." in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
        events_after = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert events_after == events_before


def test_sync_takes_a_campaign_due_date_from_the_next_uk_day(app):
    housing = create_department(app, "Housing")
    create_user(app, "staff@example.org", department_id=housing, start_date=date(2015, 4, 1))

    with freeze_time(UK_JUST_AFTER_MIDNIGHT):
        result = app.test_cli_runner().invoke(args=["assignments", "sync", "--due", "2026-07-02"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(db.session.scalars(select(Assignment.due_on))) == {date(2026, 7, 2)}
