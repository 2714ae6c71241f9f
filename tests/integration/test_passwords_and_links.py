"""Password rules, changing your password, reset links and invitations (checklist 2, 10, 30)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select, update

from app.auth import services
from app.database import transaction
from app.extensions import db
from app.models import AuditEvent, User, UserToken
from app.models.base import utcnow
from tests.support.accounts import PASSWORD, create_user, csrf_token, sign_in, submit
from tests.support.smtp import body_of, link_in

LONG_UNICODE = "my grandmother's Ceilidh in Linlithgow — 碁 ünïcödé and a long sentence!" * 2


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def stored_user(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def audit_names(app):
    with app.app_context():
        return [e.event for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# --- Forgotten password ------------------------------------------------------------------


def request_reset(client, email):
    return submit(client, "/forgotten-password", {"email": email}, follow_redirects=True)


def test_reset_page_says_the_same_whether_or_not_the_address_exists(mail_app, smtp_server, people):
    known = request_reset(mail_app.test_client(), "learner@example.org")
    unknown = request_reset(mail_app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.request.path == unknown.request.path == "/forgotten-password/sent"
    assert "Check your email" in known.get_data(as_text=True)
    messages = smtp_server.wait_for(1)
    assert [m["To"] for m in messages] == ["learner@example.org"]


def test_an_address_typed_with_spaces_around_it_still_gets_its_link(mail_app, smtp_server, people):
    response = request_reset(mail_app.test_client(), "  LEARNER@example.org ")
    assert response.request.path == "/forgotten-password/sent"
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["learner@example.org"]


def test_reset_link_from_the_email_sets_a_new_password_once(mail_app, smtp_server, people):
    request_reset(mail_app.test_client(), "learner@example.org")
    link = link_in(smtp_server.wait_for(1)[0])
    assert link.startswith("https://training.example.org/reset-password/")

    other_session = mail_app.test_client()
    sign_in(other_session, "learner@example.org")

    client = mail_app.test_client()
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)
    response = submit(client, path_of(link), {"password": LONG_UNICODE, "confirm": LONG_UNICODE})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    # The stored password is exactly what was typed, spaces and all.
    assert sign_in(mail_app.test_client(), "learner@example.org", LONG_UNICODE).status_code == 302
    assert sign_in(mail_app.test_client(), "learner@example.org", PASSWORD).status_code == 200
    # Resetting ended the session that was open elsewhere.
    assert other_session.get("/home").status_code == 302
    # The link works once.
    again = client.get(path_of(link))
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)
    assert "password_reset" in audit_names(mail_app)


def test_a_reset_by_link_is_confirmed_by_email(mail_app, smtp_server, people):
    """ASVS V6.3.7: the person is told after a reset, as after a change on the account page,
    in case their mailbox or link was misused. A reset signs out every session, so the
    notice does not speak of "every other session"."""
    request_reset(mail_app.test_client(), "learner@example.org")
    link = path_of(link_in(smtp_server.wait_for(1)[0]))
    response = submit(
        mail_app.test_client(), link, {"password": LONG_UNICODE, "confirm": LONG_UNICODE}
    )
    assert response.status_code == 302
    notice = smtp_server.wait_for(2)[1]
    assert notice["To"] == "learner@example.org"
    assert notice["Subject"] == "Your password has been changed"
    body = body_of(notice)
    assert "reset link" in body
    assert "every other session" not in body
    assert "/forgotten-password" in body


def test_reset_unlocks_a_locked_account(mail_app, smtp_server, people):
    client = mail_app.test_client()
    for _ in range(10):
        sign_in(client, "learner@example.org", "not my password at all")
    assert stored_user(mail_app, "learner@example.org").locked_until is not None
    request_reset(client, "learner@example.org")
    reset = next(m for m in smtp_server.wait_for(2) if "Reset" in m["Subject"])
    submit(client, path_of(link_in(reset)), {"password": LONG_UNICODE, "confirm": LONG_UNICODE})
    assert sign_in(mail_app.test_client(), "learner@example.org", LONG_UNICODE).status_code == 302


def test_an_expired_reset_link_is_refused(mail_app, smtp_server, people):
    request_reset(mail_app.test_client(), "learner@example.org")
    link = link_in(smtp_server.wait_for(1)[0])
    with mail_app.app_context():
        db.session.execute(update(UserToken).values(expires_at=utcnow()))
        db.session.commit()
    response = mail_app.test_client().get(path_of(link))
    assert response.status_code == 404
    assert "expired or has already been used" in response.get_data(as_text=True)


def test_a_newer_reset_link_replaces_the_older_one(mail_app, smtp_server, people):
    request_reset(mail_app.test_client(), "learner@example.org")
    # Each e-mail is sent by a thread of its own: two sent at once may arrive in either
    # order, so the first must have arrived before the second is asked for.
    first = link_in(smtp_server.wait_for(1)[0])
    request_reset(mail_app.test_client(), "learner@example.org")
    second = link_in(smtp_server.wait_for(2)[1])
    assert mail_app.test_client().get(path_of(first)).status_code == 404
    assert mail_app.test_client().get(path_of(second)).status_code == 200


def test_made_up_links_are_refused(client, people):
    for token in ("nonsense", "x" * 300):
        assert client.get(f"/reset-password/{token}").status_code == 404
        assert client.get(f"/set-password/{token}").status_code == 404


def test_reset_requests_are_throttled_per_account(mail_app, smtp_server, people):
    for _ in range(5):
        request_reset(mail_app.test_client(), "learner@example.org")
    assert len(smtp_server.wait_for(3, timeout=2)) == 3  # RESET_REQUESTS_PER_ACCOUNT


def test_reset_link_ignores_a_forged_host_header(mail_app, smtp_server, people):
    mail_app.config["TRUSTED_HOSTS"] = None  # even with host checking switched off
    client = mail_app.test_client()
    form = client.get("/forgotten-password", base_url="http://evil.example")
    assert form.status_code == 200
    request_reset(client, "learner@example.org")
    link = link_in(smtp_server.wait_for(1)[0])
    assert "evil.example" not in link
    assert link.startswith("https://training.example.org/")


def test_reset_form_needs_a_proper_email(client):
    response = submit(client, "/forgotten-password", {"email": "not an email"})
    html = response.get_data(as_text=True)
    assert "Enter an email address in the correct format" in html


# --- Password rules ---------------------------------------------------------------------


@pytest.fixture
def reset_link(mail_app, smtp_server, people):
    request_reset(mail_app.test_client(), "learner@example.org")
    return path_of(link_in(smtp_server.wait_for(1)[0]))


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short12", "Password must be 8 characters or more"),
        ("Password1!", "Password is too easy to guess"),
        ("password", "Password is too easy to guess"),
        ("qwertyuiop", "Password is too easy to guess"),
        ("lewislewis", "Password is too easy to guess"),
        ("learner2026", "Password is too easy to guess"),
        ("x" * 257, "Password must be 256 characters or fewer"),
    ],
)
def test_weak_passwords_are_refused_and_change_nothing(mail_app, reset_link, password, message):
    before = stored_user(mail_app, "learner@example.org").password_hash
    response = submit(
        mail_app.test_client(), reset_link, {"password": password, "confirm": password}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert stored_user(mail_app, "learner@example.org").password_hash == before


@pytest.mark.parametrize(
    "password",
    [
        "Password2026!",  # "Password1!" with this year
        "Summer2026!",  # season + year: among the first passwords a spraying attack tries
        "Spring2026!",
        "Welcome@2026",
        "WestLothian2026",  # the organisation's name (ORG_NAME) + year
        "Council2026!",
        "Online Conduct Training 1",  # the service's name (SERVICE_NAME)
    ],
)
def test_sprayed_and_organisation_passwords_are_refused(client_as, app, password):
    """Lockout is per account, so one such guess sprayed at every account is never stopped
    by it; zxcvbn scores these 2 or more (ASVS V6.2.11: refuse the organisation's name)."""
    before = stored_user(app, "learner@example.org").password_hash
    response = submit(
        client_as("learner"),
        "/account/password",
        {"current_password": PASSWORD, "new_password": password, "confirm": password},
    )
    assert response.status_code == 200, f"{password!r} was accepted"
    html = response.get_data(as_text=True)
    assert "Password is too easy to guess. Do not use the name of the council" in html
    assert stored_user(app, "learner@example.org").password_hash == before


def test_mismatched_confirmation_is_refused(mail_app, reset_link):
    response = submit(
        mail_app.test_client(), reset_link, {"password": LONG_UNICODE, "confirm": "different"}
    )
    assert "The passwords do not match" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "all lower case but long enough", "8 chars!" + "Zq3"],
)
def test_no_composition_rules(mail_app, reset_link, password):
    response = submit(
        mail_app.test_client(), reset_link, {"password": password, "confirm": password}
    )
    assert response.status_code == 302


# --- Your account -----------------------------------------------------------------------


def test_your_account_shows_your_details(client_as):
    html = client_as("learner").get("/account").get_data(as_text=True)
    assert "learner@example.org" in html
    assert "Morag" in html  # line manager
    assert "Housing" in html


def change_password(client, current: str = PASSWORD, new: str = LONG_UNICODE, **extra):
    """Posts the change-password form as a browser does."""
    return submit(
        client,
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": new, **extra},
    )


def test_changing_password_needs_the_current_one(client_as, app):
    client = client_as("learner")
    before = stored_user(app, "learner@example.org").password_hash
    response = change_password(client, "not it")
    assert "Your current password is not correct" in response.get_data(as_text=True)
    assert stored_user(app, "learner@example.org").password_hash == before


def test_guesses_at_the_current_password_are_limited(client_as, app):
    app.config.update(LOCKOUT_THRESHOLD=3)
    client = client_as("learner")
    before = stored_user(app, "learner@example.org").password_hash

    def change(current):
        return change_password(client, current)

    for _ in range(3):
        assert "Your current password is not correct" in change("a guess").text
    refused = change(PASSWORD)  # even the right one, until the window has passed
    assert "wrong current password too many times. Try again in 15 minutes" in refused.text
    assert stored_user(app, "learner@example.org").password_hash == before
    with freeze_time(utcnow() + timedelta(minutes=16)):
        client = client_as("learner")  # the old session has gone idle by then
        assert change(PASSWORD).status_code == 302
    assert stored_user(app, "learner@example.org").password_hash != before


def test_changing_password_ends_other_sessions_but_not_this_one(client_as, app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    client = client_as("learner")
    elsewhere = app.test_client()
    sign_in(elsewhere, "learner@example.org")
    response = change_password(client)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert "password_changed" in audit_names(app)
    notice = smtp_server.wait_for(1)[0]
    assert "changed" in notice["Subject"]
    assert LONG_UNICODE not in body_of(notice)


def test_extra_fields_cannot_change_roles_or_identity(client_as, app):
    client = client_as("learner")
    change_password(
        client,
        is_administrator="y",
        is_training_officer="y",
        role="admin",
        email="someone.else@example.org",
        department_id="999",
    )
    user = stored_user(app, "learner@example.org")
    assert not user.is_administrator and not user.is_training_officer
    assert user.email == "learner@example.org"
    assert user.department_id is not None and user.department_id != 999


# --- Invitations ------------------------------------------------------------------------


def invite(app, email):
    user_id = create_user(app, email, password=None, first_name="Nia")
    with app.app_context(), app.test_request_context(), transaction():
        services.invite(db.session.get(User, user_id), actor=None)
    return user_id


def test_invitation_link_sets_the_first_password(mail_app, smtp_server):
    invite(mail_app, "new.starter@example.org")
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "new.starter@example.org"
    link = link_in(message)
    assert link.startswith("https://training.example.org/set-password/")
    client = mail_app.test_client()
    page = client.get(path_of(link)).get_data(as_text=True)
    assert "Set your password" in page and "Welcome, Nia" in page
    response = submit(client, path_of(link), {"password": LONG_UNICODE, "confirm": LONG_UNICODE})
    assert response.status_code == 302
    assert sign_in(client, "new.starter@example.org", LONG_UNICODE).status_code == 302
    assert client.get(path_of(link)).status_code == 404
    assert stored_user(mail_app, "new.starter@example.org").password_hash.startswith("$argon2id$")


def test_setting_the_first_password_from_an_invitation_sends_no_notice(mail_app, smtp_server):
    invite(mail_app, "new.starter@example.org")
    link = path_of(link_in(smtp_server.wait_for(1)[0]))
    response = submit(
        mail_app.test_client(), link, {"password": LONG_UNICODE, "confirm": LONG_UNICODE}
    )
    assert response.status_code == 302
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1


def test_an_invited_person_without_a_password_cannot_sign_in(mail_app, smtp_server):
    invite(mail_app, "new.starter@example.org")
    response = sign_in(mail_app.test_client(), "new.starter@example.org", "")
    assert response.status_code == 200


def test_a_reset_link_cannot_be_used_as_an_invitation(mail_app, smtp_server, people):
    request_reset(mail_app.test_client(), "learner@example.org")
    link = link_in(smtp_server.wait_for(1)[0])
    token = link.rsplit("/", 1)[1]
    assert mail_app.test_client().get(f"/set-password/{token}").status_code == 404


def test_nothing_is_sent_when_the_change_is_rolled_back(mail_app, smtp_server):
    user_id = create_user(mail_app, "rolled.back@example.org", password=None)
    with mail_app.app_context(), mail_app.test_request_context():
        with pytest.raises(RuntimeError), transaction():
            services.invite(db.session.get(User, user_id), actor=None)
            raise RuntimeError("something later fails")
        assert db.session.scalar(select(UserToken)) is None
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_a_reset_link_stops_working_once_the_password_is_changed_another_way(
    mail_app, smtp_server, people
):
    request_reset(mail_app.test_client(), "learner@example.org")
    reset = path_of(link_in(smtp_server.wait_for(1)[0]))
    client = mail_app.test_client()
    sign_in(client, "learner@example.org")
    changed = change_password(client)
    assert changed.status_code == 302
    assert mail_app.test_client().get(reset).status_code == 404


def test_an_invitation_stops_working_once_a_reset_set_the_password(mail_app, smtp_server):
    invite(mail_app, "new.starter@example.org")
    invitation = path_of(link_in(smtp_server.wait_for(1)[0]))
    request_reset(mail_app.test_client(), "new.starter@example.org")
    reset = path_of(link_in(smtp_server.wait_for(2)[1]))
    client = mail_app.test_client()
    assert (
        submit(client, reset, {"password": LONG_UNICODE, "confirm": LONG_UNICODE}).status_code
        == 302
    )
    assert mail_app.test_client().get(invitation).status_code == 404


def test_the_new_password_must_differ_from_the_current_one(client_as, app):
    client = client_as("learner")
    response = change_password(client, new=PASSWORD)
    assert response.status_code == 200
    assert "Your new password must be different from your current password" in response.text
    assert client.get("/home").status_code == 200  # nothing changed: still signed in


def test_a_links_token_never_reaches_the_log(database_url, smtp_server, people, capfd):
    from tests.conftest import make_app

    # Made here, so that its log goes to the stream this test captures.
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        BASE_URL="https://training.example.org",
    )
    request_reset(app.test_client(), "learner@example.org")
    reset = path_of(link_in(smtp_server.wait_for(1)[0]))
    token = reset.rsplit("/", 1)[1]
    capfd.readouterr()
    refused = app.test_client().post(  # a stale form: a CSRF failure, logged with its path
        reset,
        data={"password": "x", "confirm": "x", "csrf_token": "stale"},
        headers={"Referer": f"http://localhost{reset}"},
    )
    assert refused.status_code == 400
    output = capfd.readouterr().err
    assert "csrf_failure" in output and "/reset-password/[token]" in output
    assert token not in output
    with app.app_context():
        db.engine.dispose()


def test_a_reset_request_does_the_same_work_whether_or_not_the_address_exists(
    mail_app, smtp_server, people
):
    """The request's own statements are the same for a known and an unknown address (the
    account's work happens on another thread), so its timing cannot tell them apart."""
    from app.database import recorded_statements

    work = {}
    for address in ("learner@example.org", "nobody@example.org"):
        client = mail_app.test_client()
        token = csrf_token(client, "/forgotten-password")
        with recorded_statements(mail_app, with_transaction_control=True) as statements:
            response = client.post(
                "/forgotten-password",
                data={"email": address, "csrf_token": token},
                headers={"Referer": "http://localhost/forgotten-password"},
            )
        assert response.status_code == 302
        work[address] = list(statements)
    assert work["learner@example.org"] == work["nobody@example.org"]
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["learner@example.org"]
    with mail_app.app_context():  # the audit entry still names where the request came from
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.event == "password_reset_requested")
        )
        assert event is not None and event.ip_address == "127.0.0.1"
