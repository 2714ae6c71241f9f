"""Plain-text e-mails about accounts. Built in Python rather than Jinja: they are not HTML,
so nothing in them must be HTML-escaped, and every template file stays an .html file."""

from __future__ import annotations

from flask import current_app

from app.models import User


def _sign_off() -> str:
    config = current_app.config
    return (
        f"\n{config['SERVICE_NAME']}\n{config['ORG_NAME']}\n\n"
        f"If you need help, contact {config['SUPPORT_EMAIL']}.\n"
    )


def invitation(user: User, link: str, days: int) -> tuple[str, str]:
    config = current_app.config
    subject = f"Set up your account for {config['SERVICE_NAME']}"
    body = (
        f"Dear {user.first_name},\n\n"
        f"{config['ORG_NAME']} has set up an account for you on {config['SERVICE_NAME']}, "
        "where you take your training on the Internet, Social Media and E-mail Policy.\n\n"
        "To set your password, open this link:\n\n"
        f"{link}\n\n"
        f"The link works once and expires in {days} days. If it has expired, ask your "
        "training officer to send a new one.\n" + _sign_off()
    )
    return subject, body


def password_reset(user: User, link: str, minutes: int) -> tuple[str, str]:
    config = current_app.config
    subject = f"Reset your password for {config['SERVICE_NAME']}"
    body = (
        f"Dear {user.first_name},\n\n"
        "Someone asked to reset the password for your account. If it was you, open this "
        "link to choose a new password:\n\n"
        f"{link}\n\n"
        f"The link works once and expires in {minutes} minutes.\n\n"
        "If it was not you, you do not need to do anything: your password has not changed.\n"
        + _sign_off()
    )
    return subject, body


def password_changed(user: User) -> tuple[str, str]:
    config = current_app.config
    subject = "Your password has been changed"
    body = (
        f"Dear {user.first_name},\n\n"
        f"The password for your {config['SERVICE_NAME']} account has just been changed, "
        "and every other session was signed out.\n\n"
        "If you did not do this, reset your password straight away from the sign-in page "
        "and tell your line manager.\n" + _sign_off()
    )
    return subject, body


def password_reset_done(user: User) -> tuple[str, str]:
    """After a reset by link, which signs out every session (the person resetting is not
    signed in): "every other session" would be wrong here."""
    config = current_app.config
    subject = "Your password has been changed"
    body = (
        f"Dear {user.first_name},\n\n"
        f"The password for your {config['SERVICE_NAME']} account has just been changed with "
        "a reset link sent to this e-mail address, and the account was signed out "
        "everywhere.\n\n"
        "If you did not do this, someone may be able to read your e-mail. Reset your "
        f"password straight away from the sign-in page ({config['BASE_URL']}/forgotten-password) "
        "and tell your line manager.\n" + _sign_off()
    )
    return subject, body


def account_locked(user: User, minutes: int) -> tuple[str, str]:
    config = current_app.config
    subject = "Your account has been locked for a short time"
    body = (
        f"Dear {user.first_name},\n\n"
        "Someone entered the wrong password for your account too many times, so we have "
        f"locked it for {minutes} minutes.\n\n"
        f"If it was you, wait {minutes} minutes and try again, or reset your password from "
        f"the sign-in page: {config['BASE_URL']}/forgotten-password\n\n"
        "If it was not you, reset your password and tell your line manager.\n" + _sign_off()
    )
    return subject, body


def email_address_changed(user: User) -> tuple[str, str]:
    # Sent to the old address; the new one is left out, since the old one may be wrong.
    config = current_app.config
    subject = f"Your e-mail address for {config['SERVICE_NAME']} has been changed"
    body = (
        f"Dear {user.first_name},\n\n"
        f"{config['ORG_NAME']} has changed the e-mail address of your {config['SERVICE_NAME']} "
        "account, so e-mails about it will no longer come to this address. Links sent here "
        "before no longer work, and every session of the account was signed out.\n\n"
        "If you did not expect this, tell your line manager or the contact below straight "
        "away.\n" + _sign_off()
    )
    return subject, body
