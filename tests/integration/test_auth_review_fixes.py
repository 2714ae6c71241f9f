"""Fixes from the auth review: sign-in timing after a hashing-cost change, the per-address
limit's own message, attempts refused by that limit not counting as new failures, and the
headers of account e-mails."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from argon2 import PasswordHasher, extract_parameters
from freezegun import freeze_time
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.models.base import utcnow
from tests.conftest import make_app
from tests.support.accounts import PASSWORD, create_user, sign_in, submit

# --- Timing after ARGON2_* changes ------------------------------------------------------


@pytest.fixture
def checks_at(monkeypatch):
    """Every argon2 verification made, by the (time cost, memory) of the hash it checked:
    counted through the real PasswordHasher, so the count is what the time is made of."""
    made: list[tuple[int, int]] = []
    real_verify = PasswordHasher.verify

    def counting(self, password_hash, password):
        parameters = extract_parameters(password_hash)
        made.append((parameters.time_cost, parameters.memory_cost))
        return real_verify(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return made


@pytest.mark.parametrize(
    ("old_cost", "new_cost"),
    [
        pytest.param({}, {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_KIB": 2048}, id="raised"),
        pytest.param({"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_KIB": 2048}, {}, id="lowered"),
    ],
)
def test_after_a_cost_change_every_failure_spends_one_check_at_the_current_cost(
    database_url, checks_at, old_cost, new_cost
):
    """README: every failure costs the same password check. An account hashed before
    ARGON2_* changed keeps its old-cost hash until its owner signs in again; checking only
    that hash would answer faster (or slower) than an unknown address, whose dummy hash is
    at the new cost, and so list the accounts."""
    old = make_app(database_url, **old_cost)
    create_user(old, "existing@example.org")
    create_user(old, "leaver@example.org", is_active=False)
    create_user(old, "invited@example.org", password=None)
    new = make_app(database_url, **new_cost)
    current = (new.config["ARGON2_TIME_COST"], new.config["ARGON2_MEMORY_KIB"])
    sign_in(new.test_client(), "warm.up@example.org", "warming up the app")

    spent = {}
    for email, password in [
        ("nobody@example.org", PASSWORD),
        ("existing@example.org", "a wrong guess"),
        ("leaver@example.org", PASSWORD),
        ("invited@example.org", PASSWORD),
    ]:
        checks_at.clear()
        assert sign_in(new.test_client(), email, password).status_code == 200
        spent[email] = checks_at.count(current)
    assert spent == dict.fromkeys(spent, 1), spent


def test_a_right_password_at_the_old_cost_still_signs_in_and_is_hashed_again(
    database_url, checks_at
):
    old = make_app(database_url)
    create_user(old, "existing@example.org")
    new = make_app(database_url, ARGON2_TIME_COST=2)
    assert sign_in(new.test_client(), "existing@example.org").status_code == 302
    checks_at.clear()
    assert sign_in(new.test_client(), "existing@example.org").status_code == 302
    # Hashed again at the first sign-in: the second needs only the one check.
    assert checks_at == [(2, new.config["ARGON2_MEMORY_KIB"])]


# --- The per-address limit on failed sign-ins -------------------------------------------

WRONG = "Enter a correct email address and password"


def typos_from_one_address(app, count=3):
    for n in range(count):
        sign_in(app.test_client(), f"typo{n}@example.org", "typo typo typo")


def test_a_right_password_refused_by_the_address_limit_is_told_why(database_url, people):
    """An office behind one public address: once its typos reach the limit, a colleague
    typing the RIGHT password must not be told it is wrong (they would reset it, and be
    told the new one is wrong too). The limit is the address's, so saying so reveals
    nothing about any account: every account tried from there gets the same answer."""
    app = make_app(database_url, SIGN_IN_FAILURES_PER_ADDRESS=3)
    start = utcnow()
    with freeze_time(start):
        typos_from_one_address(app)
    with freeze_time(start + timedelta(minutes=4)):
        answers = [
            sign_in(app.test_client(), email, password)
            for email, password in [
                ("officer@example.org", PASSWORD),
                ("officer@example.org", "a wrong guess"),
                ("nobody@example.org", PASSWORD),
            ]
        ]
    for response in answers:
        html = response.get_data(as_text=True)
        assert response.status_code == 429
        # The first typo leaves the 15-minute window 11 minutes from now.
        assert response.headers["Retry-After"] == str(11 * 60)
        assert (
            "There have been too many failed sign-ins from your network. "
            "Try again in 11 minutes." in html
        )
        assert WRONG not in html
    with app.app_context():
        reasons = [
            e.details["reason"]
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.event == "sign_in_failed")
            )
        ]
    # Each refused attempt is audited (a 429 must not roll its record back).
    assert reasons.count("too many failures from this address") == 3


def test_the_wait_is_never_rounded_down(database_url, people):
    app = make_app(database_url, SIGN_IN_FAILURES_PER_ADDRESS=3)
    start = utcnow()
    with freeze_time(start):
        typos_from_one_address(app)
    with freeze_time(start + timedelta(minutes=14, seconds=30)):
        response = sign_in(app.test_client(), "officer@example.org")
    assert response.headers["Retry-After"] == "30"
    assert "Try again in 1 minute." in response.get_data(as_text=True)


def test_attempts_refused_by_the_address_limit_do_not_keep_it_blocked(database_url, people):
    """README: "50 failed sign-ins per 15 minutes from one client address". Attempts the
    limit refuses are not new failures: 20 minutes after the last typo (window 15), the
    address may sign in, however many colleagues retried in between."""
    app = make_app(database_url, SIGN_IN_FAILURES_PER_ADDRESS=3)
    start = utcnow()
    with freeze_time(start):
        typos_from_one_address(app)
    with freeze_time(start + timedelta(minutes=10)):
        for email in ("learner@example.org", "manager@example.org", "admin@example.org"):
            assert sign_in(app.test_client(), email).status_code == 429
        assert sign_in(app.test_client(), "nobody@example.org", "a wrong guess").status_code == 429
    with freeze_time(start + timedelta(minutes=20)):
        assert sign_in(app.test_client(), "officer@example.org").status_code == 302


def test_without_refused_attempts_the_block_lifts_too(database_url, people):
    app = make_app(database_url, SIGN_IN_FAILURES_PER_ADDRESS=3)
    start = utcnow()
    with freeze_time(start):
        typos_from_one_address(app)
    with freeze_time(start + timedelta(minutes=20)):
        assert sign_in(app.test_client(), "officer@example.org").status_code == 302


# --- Account e-mails' headers ------------------------------------------------------------


def test_account_emails_carry_date_message_id_and_auto_submitted(mail_app, smtp_server, people):
    """RFC 5322 3.6 requires Date; without Date or Message-ID a message is scored as spam
    (SpamAssassin MISSING_DATE, MISSING_MID), and many relays add neither. RFC 3834:
    Auto-Submitted keeps out-of-office replies away."""
    before = datetime.now(UTC)
    submit(mail_app.test_client(), "/forgotten-password", {"email": "learner@example.org"})
    message = smtp_server.wait_for(1)[0]
    sent = parsedate_to_datetime(message["Date"])
    assert sent.tzinfo is not None
    assert before - timedelta(seconds=1) <= sent <= datetime.now(UTC) + timedelta(seconds=1)
    # The domain of MAIL_FROM's address ("Online conduct training <no-reply@example.org>").
    assert re.fullmatch(r"<[^@<>\s]+@example\.org>", message["Message-ID"]), message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"


def test_every_message_has_its_own_message_id(mail_app, smtp_server, people):
    for _ in range(2):
        submit(mail_app.test_client(), "/forgotten-password", {"email": "learner@example.org"})
    first, second = smtp_server.wait_for(2)
    assert first["Message-ID"] != second["Message-ID"]


def test_the_message_id_domain_follows_mail_from(database_url, smtp_server, people):
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_FROM="Training <training@council.example.gov.uk>",
    )
    submit(app.test_client(), "/forgotten-password", {"email": "learner@example.org"})
    assert smtp_server.wait_for(1)[0]["Message-ID"].endswith("@council.example.gov.uk>")
