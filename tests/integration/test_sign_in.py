"""Signing in and out: hashing, lockout, throttling, sessions, redirects (checklist 1–10)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import AuditEvent, User
from app.models.base import utcnow
from tests.conftest import make_app
from tests.support.accounts import PASSWORD, create_user, sign_in, submit


def user_by_email(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def events(app, name):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)))


def visible_text(response) -> str:
    """The page without its per-request tokens, for comparing two answers."""
    html = response.get_data(as_text=True)
    html = re.sub(r'value="[^"]*"', 'value=""', html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_sign_in_and_out(client_as, app):
    client = client_as("learner")
    assert client.get("/home").status_code == 200
    response = submit(client, "/sign-out", {}, form_path="/home")
    assert response.status_code == 302
    assert client.get("/home").status_code == 302
    assert [e.subject_id for e in events(app, "sign_out")]


def test_stored_hash_is_argon2id(app, people):
    user = user_by_email(app, "learner@example.org")
    assert user.password_hash.startswith("$argon2id$v=19$")


def test_email_is_matched_whatever_its_case(client, people):
    response = sign_in(client, "  LEARNER@Example.ORG ")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "email_and_password",
    [
        ("nobody@example.org", PASSWORD),
        ("learner@example.org", "wrong password entirely"),
    ],
)
def test_unknown_user_and_wrong_password_get_the_same_answer(client, people, email_and_password):
    response = sign_in(client, *email_and_password)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_failures_are_indistinguishable(app, people):
    create_user(app, "leaver@example.org", is_active=False)
    answers = []
    for email, password in [
        ("nobody@example.org", PASSWORD),
        ("learner@example.org", "wrong password entirely"),
        ("leaver@example.org", PASSWORD),
    ]:
        answers.append(visible_text(sign_in(app.test_client(), email, password)))
    assert answers[0] == answers[1] == answers[2]


def test_ten_failures_lock_the_account_even_for_the_right_password(
    database_url, smtp_server, people
):
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    client = app.test_client()
    for _ in range(10):
        sign_in(client, "learner@example.org", "not the password")
    response = sign_in(client, "learner@example.org", PASSWORD)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    user = user_by_email(app, "learner@example.org")
    assert user.locked_until is not None
    assert len(events(app, "account_locked")) == 1
    # The learner is told what to do, by e-mail, without the page telling an attacker.
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "learner@example.org"
    assert "locked" in message["Subject"]

    # When the lock period has passed, the right password works again.
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(locked_until=utcnow()))
        db.session.commit()
    assert sign_in(client, "learner@example.org", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(app, people):
    client = app.test_client()
    for _ in range(9):
        sign_in(client, "learner@example.org", "not the password")
    assert sign_in(client, "learner@example.org").status_code == 302
    assert user_by_email(app, "learner@example.org").failed_sign_in_count == 0


def test_sign_in_failures_are_limited_per_address(database_url, people):
    app = make_app(database_url, SIGN_IN_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        sign_in(client, email, "whatever it is")
    # From this address, even the right password for a good account is refused for now…
    refused = sign_in(client, "learner@example.org")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "too many failed sign-ins from your network" in refused.get_data(as_text=True)
    # …while another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert sign_in(other, "learner@example.org").status_code == 302


def test_session_is_renewed_on_sign_in(app, people):
    client = app.test_client()
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "from before sign-in"
    before = client.get_cookie("session").value
    sign_in(client, "learner@example.org")
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as session:
        assert "planted" not in session


def test_a_copied_cookie_stops_working_after_sign_out(client_as):
    client = client_as("learner")
    saved = client.get_cookie("session").value
    submit(client, "/sign-out", {}, form_path="/home")
    replay = client.application.test_client()
    replay.set_cookie("session", saved)
    response = replay.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_signing_out_ends_the_users_other_sessions_too(client_as, app):
    first = client_as("learner")
    second = app.test_client()
    sign_in(second, "learner@example.org")
    submit(first, "/sign-out", {}, form_path="/home")
    assert second.get("/home").status_code == 302


def test_idle_sessions_end(client_as):
    client = client_as("learner")
    with client.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    response = client.get("/home")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactive for 30 minutes" in page


def test_sessions_end_after_the_absolute_lifetime(client_as):
    client = client_as("learner")
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 + 60
    response = client.get("/home")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "more than 12 hours ago" in page


def test_an_active_session_is_kept_alive(client_as):
    client = client_as("learner")
    with client.session_transaction() as session:
        session["last_seen"] -= 29 * 60
    assert client.get("/home").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] -= 29 * 60  # idle since the last request only
    assert client.get("/home").status_code == 200


def test_session_lifetime_is_not_flasks_31_days(app):
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 12 * 3600


def test_production_cookie_flags(database_url, people):
    from app import create_app

    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "s" * 40,
            "TRUSTED_HOSTS": ["training.example.org"],
        },
    )
    client = app.test_client()
    base = "https://training.example.org"
    form = client.get("/sign-in", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(
        "/sign-in",
        data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": token},
        base_url=base,
        headers={"Referer": f"{base}/sign-in"},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "////evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aLocation:%20https://evil.example",
        "https:/evil.example",
    ],
)
def test_next_never_leads_off_the_site(client, people, target):
    response = sign_in(client, "learner@example.org", next_path=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/home"


def test_next_path_on_this_site_is_honoured(client, people):
    response = sign_in(client, "learner@example.org", next_path="/account")
    assert response.headers["Location"] == "/account"


def test_signed_in_user_visiting_sign_in_goes_home(client_as):
    response = client_as("learner").get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_sign_in_form_errors(client):
    response = submit(client, "/sign-in", {"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert "<title>Error: Sign in" in html
    assert "Enter your email address" in html
    assert "Enter your password" in html


def test_sign_in_and_failure_are_audited_with_address(app, people):
    client = app.test_client()
    sign_in(client, "learner@example.org", "wrong password here")
    sign_in(client, "learner@example.org")
    failed = events(app, "sign_in_failed")
    succeeded = events(app, "sign_in")
    assert failed[0].details == {"reason": "wrong password"}
    assert succeeded[0].ip_address == "127.0.0.1"
    assert succeeded[0].occurred_at.utcoffset().total_seconds() == 0


def test_guesses_sent_at_once_lock_the_account_after_the_threshold(app, people):
    """Twenty wrong passwords sent together: ten are judged wrong and lock the account; the
    others, though checked at the same time, are refused as locked (not counted as more
    guesses against an unlocked account)."""
    import threading

    from sqlalchemy import select

    from app.extensions import db
    from app.models import AuditEvent
    from tests.support.accounts import csrf_token

    clients = [app.test_client() for _ in range(20)]
    tokens = [csrf_token(c, "/sign-in") for c in clients]
    barrier = threading.Barrier(len(clients))

    def guess(index: int) -> None:
        barrier.wait()
        clients[index].post(
            "/sign-in",
            data={
                "email": "learner@example.org",
                "password": f"wrong {index}",
                "csrf_token": tokens[index],
            },
            headers={"Referer": "http://localhost/sign-in"},
        )

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context():
        events = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.event.in_(["sign_in_failed", "account_locked"]))
            )
        )
    reasons = [e.details.get("reason") for e in events if e.event == "sign_in_failed"]
    assert reasons.count("wrong password") == app.config["LOCKOUT_THRESHOLD"]
    assert reasons.count("account locked") == len(clients) - app.config["LOCKOUT_THRESHOLD"]
    assert [e.event for e in events].count("account_locked") == 1
