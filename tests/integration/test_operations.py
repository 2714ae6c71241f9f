"""What people see when the database is in trouble, and the answers an operator relies on:
error pages that always render, headers that say what to do next, logs without secrets."""

from __future__ import annotations

import shutil
import socket
import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import User
from tests.conftest import make_app
from tests.support.accounts import create_user, csrf_token, sign_in


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
