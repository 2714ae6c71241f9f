"""Accounts: signing in and out, sessions, passwords, invitations and reset links.

Every function here adds and flushes; the request (or CLI command) commits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import exists, select, update

from app import audit, background, mail, rate_limit
from app.auth import emails
from app.auth.password_policy import problem_with
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.database import transaction
from app.extensions import db
from app.models import TokenPurpose, User, UserToken, normalise_email
from app.models.base import utcnow

log = logging.getLogger(__name__)

SESSION_SIGNED_IN_AT = "signed_in_at"
SESSION_LAST_SEEN = "last_seen"
# Whether the person manages anyone, worked out at sign-in so that the navigation does not
# ask the database on every page.
SESSION_MANAGES = "manages"
# Refresh the idle timer at most this often, so that not every request rewrites the cookie.
LAST_SEEN_RESOLUTION_SECONDS = 60


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def personal_words(user: User) -> list[str]:
    return [user.first_name, user.last_name, user.email, user.email.split("@")[0]]


def context_words() -> list[str]:
    """Names everyone here knows, refused in passwords ("WestLothian2026")."""
    config = current_app.config
    return [config["ORG_NAME"], config["SERVICE_NAME"]]


# --- Signing in -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """What became of a sign-in: the user, or nothing and, when the per-address limit
    refused it, how many seconds until that address may try again."""

    user: User | None = None
    retry_after: int | None = None


def authenticate(email: str, password: str, address: str | None) -> SignIn:
    """The user when the e-mail and password match an active, unlocked account.

    Every failure about an account (unknown, wrong password, locked, deactivated) looks the
    same to the caller and costs one password check at the current cost, so that neither
    the answer nor its timing tells an attacker anything. The per-address limit is told
    apart: it is about the address, whatever account is tried, so saying so reveals nothing.
    """
    config = current_app.config
    address_key = f"sign-in-failure:address:{address}"
    limit = config["SIGN_IN_FAILURES_PER_ADDRESS"]
    user = find_user_by_email(email)
    now = utcnow()

    if rate_limit.exceeded(address_key, limit):
        # Audited but not counted as another failure: colleagues retrying behind one
        # address would otherwise keep it blocked long after the last wrong password.
        _audit_failure(user, "too many failures from this address")
        return SignIn(retry_after=rate_limit.retry_after(address_key, limit))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        verify_password(None, password)
        _failed(user, "account locked", address_key)
        return SignIn()

    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        _failed(None, "unknown account", address_key)
        return SignIn()
    # Decide with the row locked (the slow check above is not): a guess that was being
    # checked while other guesses locked the account is refused, on PostgreSQL too.
    db.session.refresh(user, with_for_update=True)
    if user.locked_until is not None and user.locked_until > now:
        _failed(user, "account locked", address_key)
        return SignIn()
    if not user.is_active:
        _failed(user, "account deactivated", address_key)
        return SignIn()
    if not password_ok:
        _failed(user, "wrong password", address_key)
        _count_failure(user)
        return SignIn()

    user.failed_sign_in_count = 0
    user.locked_until = None
    user.last_signed_in_at = now
    if not user.session_token:
        user.session_token = new_session_token()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record("sign_in", actor=user, subject=user)
    return SignIn(user=user)


def _failed(user: User | None, reason: str, address_key: str) -> None:
    rate_limit.hit(address_key)
    _audit_failure(user, reason)


def _audit_failure(user: User | None, reason: str) -> None:
    audit.record("sign_in_failed", actor=None, subject=user, details={"reason": reason})


def _count_failure(user: User) -> None:
    # Counted in the database with one UPDATE, so concurrent workers never lose a count.
    count = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_sign_in_count=User.failed_sign_in_count + 1)
        .returning(User.failed_sign_in_count)
    ).scalar_one()
    db.session.refresh(user)
    config = current_app.config
    if count >= config["LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=config["LOCKOUT_MINUTES"])
        user.failed_sign_in_count = 0
        audit.record(
            "account_locked",
            subject=user,
            details={"minutes": config["LOCKOUT_MINUTES"], "failures": count},
        )
        mail.queue(user.email, *emails.account_locked(user, config["LOCKOUT_MINUTES"]))


def start_session(user: User) -> None:
    """A fresh session: nothing from before sign-in survives into it."""
    session.clear()
    now = time.time()
    session[SESSION_SIGNED_IN_AT] = now
    session[SESSION_LAST_SEEN] = now
    session[SESSION_MANAGES] = db.session.scalar(
        select(exists().where(User.line_manager_id == user.id))
    )
    session.permanent = True


def clear_session() -> None:
    session.clear()


def load_user(identity: str) -> User | None:
    """Flask-Login's user loader: the session's user, if their session is still good."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not user.session_token:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user if _session_is_fresh() else None


def _session_is_fresh() -> bool:
    config = current_app.config
    now = time.time()
    signed_in_at = session.get(SESSION_SIGNED_IN_AT)
    last_seen = session.get(SESSION_LAST_SEEN)
    if not isinstance(signed_in_at, int | float) or not isinstance(last_seen, int | float):
        session.clear()
        return False
    if now - signed_in_at > config["SESSION_ABSOLUTE_HOURS"] * 3600:
        _expire(
            "You have been signed out because you signed in more than "
            f"{config['SESSION_ABSOLUTE_HOURS']} hours ago. Sign in again."
        )
        return False
    if now - last_seen > config["SESSION_IDLE_MINUTES"] * 60:
        _expire(
            "You have been signed out because you were inactive for "
            f"{config['SESSION_IDLE_MINUTES']} minutes. Sign in again."
        )
        return False
    if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        session[SESSION_LAST_SEEN] = now
    return True


def _expire(message: str) -> None:
    session.clear()
    session["_flashes"] = [("message", message)]


def end_all_sessions(user: User) -> None:
    """A new session token: every session of this user stops working at its next request."""
    user.session_token = new_session_token()


def account_closed(user: User) -> None:
    """On deactivation: every session ends, and links already sent (a password reset, an
    invitation) stop working for good, so that reactivating the account does not bring
    them back. A reactivated person who never set a password is sent a new invitation."""
    now = utcnow()
    end_all_sessions(user)
    _expire_tokens(user, TokenPurpose.PASSWORD_RESET, now)
    _expire_tokens(user, TokenPurpose.INVITATION, now)


def sign_out(user: User) -> None:
    end_all_sessions(user)
    audit.record("sign_out", actor=user, subject=user)


# --- Passwords --------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChange:
    error_field: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def current_password_problem(user: User, current: str) -> str | None:
    """None if `current` is the person's password; otherwise what to tell them.

    Asking for the current password before a sensitive change (the password, one's own
    e-mail address) protects a session left open; guesses at it are limited as at sign-in
    (LOCKOUT_THRESHOLD in RATE_LIMIT_WINDOW_MINUTES), counted together for every such form.
    """
    config = current_app.config
    guesses = f"change-password:{user.id}"
    if rate_limit.exceeded(guesses, config["LOCKOUT_THRESHOLD"]):
        return (
            "You have entered a wrong current password too many times. Try again in "
            f"{config['RATE_LIMIT_WINDOW_MINUTES']} minutes."
        )
    if not current:
        return "Enter your current password"
    if not verify_password(user.password_hash, current):
        rate_limit.hit(guesses)
        return "Your current password is not correct"
    rate_limit.clear(guesses)
    return None


def change_password(user: User, current: str, new: str) -> PasswordChange:
    wrong = current_password_problem(user, current)
    if wrong:
        return PasswordChange("current_password", wrong)
    problem = problem_with(new, personal_words(user), context_words())
    if problem:
        return PasswordChange("new_password", problem)
    if verify_password(user.password_hash, new):
        return PasswordChange(
            "new_password", "Your new password must be different from your current password"
        )
    _set_password(user, new)
    audit.record("password_changed", actor=user, subject=user)
    mail.queue(user.email, *emails.password_changed(user))
    return PasswordChange()


def _set_password(user: User, password: str) -> None:
    now = utcnow()
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.failed_sign_in_count = 0
    user.locked_until = None
    end_all_sessions(user)
    # A link sent before (a reset, an invitation) must not set the password again.
    _expire_tokens(user, TokenPurpose.PASSWORD_RESET, now)
    _expire_tokens(user, TokenPurpose.INVITATION, now)


# --- One-time links: invitations and password resets ------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _issue_token(
    user: User, purpose: TokenPurpose, valid_for: timedelta, *, first: bool = False
) -> str:
    now = utcnow()
    # A new link replaces any earlier unused one of the same kind (a person created in
    # this same transaction has none, and skipping the query keeps a large import fast).
    if not first:
        _expire_tokens(user, purpose, now)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user=user,
            purpose=purpose.value,
            token_hash=_hash_token(raw),
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return raw


def _expire_tokens(user: User, purpose: TokenPurpose, now) -> None:
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose.value,
            UserToken.used_at.is_(None),
            UserToken.expires_at > now,
        )
        .values(expires_at=now)
        # "fetch" updates only the matched rows in the session; the default ("evaluate")
        # checks every object in it, which made inviting thousands at once quadratic.
        .execution_options(synchronize_session="fetch")
    )


def link_for(purpose: TokenPurpose, raw: str) -> str:
    # Always BASE_URL: a forged Host header must never reach an e-mail.
    path = "set-password" if purpose is TokenPurpose.INVITATION else "reset-password"
    return f"{current_app.config['BASE_URL']}/{path}/{raw}"


def invite(user: User, actor: User | None, *, new_account: bool = False) -> None:
    """E-mail the user a single-use link to set their password."""
    days = current_app.config["INVITATION_VALID_DAYS"]
    raw = _issue_token(user, TokenPurpose.INVITATION, timedelta(days=days), first=new_account)
    mail.queue(user.email, *emails.invitation(user, link_for(TokenPurpose.INVITATION, raw), days))
    audit.record("invitation_sent", actor=actor, subject=user)


def email_changed(user: User, old_email: str, actor: User | None) -> None:
    """After someone else changed a person's e-mail address: links already sent to the old
    address stop working, every session ends, the old address is told, and a person still
    waiting to set a password gets a new invitation at the new one."""
    now = utcnow()
    _expire_tokens(user, TokenPurpose.PASSWORD_RESET, now)
    _expire_tokens(user, TokenPurpose.INVITATION, now)
    end_all_sessions(user)
    mail.queue(old_email, *emails.email_address_changed(user))
    if user.password_hash is None and user.is_active:
        invite(user, actor=actor)


def request_password_reset(email: str, address: str | None) -> None:
    """Take a reset request. The request itself does the same work whatever the address
    (it counts against the address it came from); finding the account, and any link and
    e-mail, happen on a thread of their own, so that neither the answer nor its timing
    says whether the address has an account."""
    config = current_app.config
    address_key = f"reset-request:address:{address}"
    if rate_limit.exceeded(address_key, config["RESET_REQUESTS_PER_ADDRESS"]):
        log.warning("password reset throttled", extra={"event": "reset_throttled"})
        return
    rate_limit.hit(address_key)
    background.run(_send_reset_link, email, address)


def _send_reset_link(email: str, address: str | None) -> None:
    config = current_app.config
    with transaction():
        user = find_user_by_email(email)
        if user is None or not user.is_active:
            return
        # Locked, so that requests handled at once count against the account one by one.
        db.session.refresh(user, with_for_update=True)
        account_key = f"reset-request:user:{user.id}"
        if rate_limit.exceeded(account_key, config["RESET_REQUESTS_PER_ACCOUNT"]):
            log.warning("password reset throttled", extra={"event": "reset_throttled"})
            return
        rate_limit.hit(account_key)
        minutes = config["PASSWORD_RESET_VALID_MINUTES"]
        raw = _issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(minutes=minutes))
        link = link_for(TokenPurpose.PASSWORD_RESET, raw)
        mail.queue(user.email, *emails.password_reset(user, link, minutes))
        audit.record("password_reset_requested", subject=user, address=address)


def user_for_token(raw: str, purpose: TokenPurpose) -> User | None:
    """The user a link is for, while it is unused and in date; otherwise None."""
    token = _valid_token(raw, purpose)
    return token.user if token else None


def _valid_token(raw: str, purpose: TokenPurpose) -> UserToken | None:
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(select(UserToken).where(UserToken.token_hash == _hash_token(raw)))
    if token is None or token.purpose != purpose.value:
        return None
    if token.used_at is not None or token.expires_at <= utcnow() or not token.user.is_active:
        return None
    return token


def set_password_with_token(raw: str, purpose: TokenPurpose, password: str) -> PasswordChange:
    token = _valid_token(raw, purpose)
    if token is None:
        return PasswordChange("token", "This link has expired or has already been used")
    user = token.user
    problem = problem_with(password, personal_words(user), context_words())
    if problem:
        return PasswordChange("password", problem)
    # Marked used with a guarded UPDATE, so two submissions of one link cannot both succeed.
    claimed = db.session.execute(
        update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        return PasswordChange("token", "This link has expired or has already been used")
    _set_password(user, password)
    if purpose is TokenPurpose.INVITATION:
        audit.record("password_set", actor=user, subject=user)
    else:
        audit.record("password_reset", actor=user, subject=user)
        # Whoever used the link, the owner of the address hears of it (ASVS V6.3.7).
        mail.queue(user.email, *emails.password_reset_done(user))
    return PasswordChange()
