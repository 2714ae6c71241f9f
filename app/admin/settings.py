"""What an administrator checks: the content that is live, how many valid certificates
were earned on older content or an older policy, and the settings the server runs with.

Settings come only from environment variables (README), so this is a page to read, not a
form: it shows each value with the variable that sets it, and never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import catalogue
from app.extensions import db
from app.models import Certificate
from app.models.base import today


@dataclass(frozen=True)
class ModuleVersions:
    id: str
    title: str
    content_version: int
    questions_in_bank: int
    questions_per_attempt: int
    pass_mark_percent: int
    validity_months: int
    valid_on_this_version: int
    valid_on_older_versions: int


@dataclass(frozen=True)
class PolicyVersions:
    title: str
    version: int
    approved: str
    valid_on_this_version: int
    valid_on_older_versions: int


@dataclass(frozen=True)
class Setting:
    label: str
    value: str
    variable: str


def content_versions() -> tuple[PolicyVersions, list[ModuleVersions]]:
    """The live policy and modules, with the valid certificates on each version: after a
    content change, the older count is how many people hold a certificate for what the
    training used to say (they keep it until it expires)."""
    live = catalogue.get()
    counts = db.session.execute(
        select(
            Certificate.module_id,
            Certificate.content_version,
            Certificate.policy_version,
            func.count(),
        )
        .where(
            Certificate.superseded_at.is_(None),
            Certificate.revoked_at.is_(None),
            Certificate.expires_on > today(),
        )
        .group_by(Certificate.module_id, Certificate.content_version, Certificate.policy_version)
    ).all()
    on_version: dict[str, int] = {}
    on_older: dict[str, int] = {}
    policy_now = policy_older = 0
    for module_id, content_version, policy_version, count in counts:
        module = live.modules.get(module_id)
        if module is not None:
            same = content_version == module.spec.version
            target = on_version if same else on_older
            target[module_id] = target.get(module_id, 0) + count
        if policy_version == live.policy.version:
            policy_now += count
        else:
            policy_older += count
    policy = PolicyVersions(
        title=live.policy.title,
        version=live.policy.version,
        approved=live.policy.approved,
        valid_on_this_version=policy_now,
        valid_on_older_versions=policy_older,
    )
    modules = [
        ModuleVersions(
            id=module.id,
            title=module.title,
            content_version=module.spec.version,
            questions_in_bank=len(module.quiz.questions),
            questions_per_attempt=module.quiz.settings.questions_per_attempt,
            pass_mark_percent=module.quiz.settings.pass_mark_percent,
            validity_months=module.spec.certificate_validity_months,
            valid_on_this_version=on_version.get(module.id, 0),
            valid_on_older_versions=on_older.get(module.id, 0),
        )
        for module in live.in_order()
    ]
    return policy, modules


def _database() -> str:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        return "SQLite (a file on this server)"
    # The host and database name only: never the user name or password.
    where = f"{url.host}:{url.port}" if url.port else (url.host or "local socket")
    return f"PostgreSQL, database {url.database} on {where}"


def _mail() -> str:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        if config["APP_ENV"] == "production":
            return "Not set: e-mails (invitations, password resets, reminders) are not sent"
        return "Not set: e-mails are written to the log (development)"
    security = (
        "TLS from the start"
        if config["MAIL_USE_SSL"]
        else "STARTTLS"
        if config["MAIL_USE_STARTTLS"]
        else "no encryption"
    )
    signed_in = ", with a user name" if config["MAIL_USERNAME"] else ""
    return f"{config['MAIL_SERVER']}, port {config['MAIL_PORT']}, {security}{signed_in}"


def mail_is_off() -> bool:
    """No e-mail leaves a production server without MAIL_SERVER (development logs it)."""
    config = current_app.config
    return not config["MAIL_SERVER"] and config["APP_ENV"] == "production"


def settings() -> list[Setting]:
    """The settings people ask about, as the server runs with them now."""
    config = current_app.config

    def count(value: int, one: str, many: str) -> str:
        return f"{value} {one if value == 1 else many}"

    return [
        Setting("Organisation", config["ORG_NAME"], "ORG_NAME"),
        Setting("Address in e-mails and QR codes", config["BASE_URL"], "BASE_URL"),
        Setting("Support e-mail address", config["SUPPORT_EMAIL"], "SUPPORT_EMAIL"),
        Setting("Data protection e-mail address", config["PRIVACY_EMAIL"], "PRIVACY_EMAIL"),
        Setting("Database", _database(), "DATABASE_URL"),
        Setting("E-mail server", _mail(), "MAIL_SERVER"),
        Setting("E-mails sent from", config["MAIL_FROM"], "MAIL_FROM"),
        Setting(
            "Signed out after no activity for",
            count(config["SESSION_IDLE_MINUTES"], "minute", "minutes"),
            "SESSION_IDLE_MINUTES",
        ),
        Setting(
            "Signed out in any case after",
            count(config["SESSION_ABSOLUTE_HOURS"], "hour", "hours"),
            "SESSION_ABSOLUTE_HOURS",
        ),
        Setting(
            "Account locked after",
            count(config["LOCKOUT_THRESHOLD"], "wrong password", "wrong passwords"),
            "LOCKOUT_THRESHOLD",
        ),
        Setting(
            "Lock lasts",
            count(config["LOCKOUT_MINUTES"], "minute", "minutes"),
            "LOCKOUT_MINUTES",
        ),
        Setting(
            "Invitation links last",
            count(config["INVITATION_VALID_DAYS"], "day", "days"),
            "INVITATION_VALID_DAYS",
        ),
        Setting(
            "Password reset links last",
            count(config["PASSWORD_RESET_VALID_MINUTES"], "minute", "minutes"),
            "PASSWORD_RESET_VALID_MINUTES",
        ),
        Setting(
            "Renewal window opens before a certificate expires",
            count(config["RENEWAL_WINDOW_DAYS"], "day", "days"),
            "RENEWAL_WINDOW_DAYS",
        ),
        Setting(
            "Certificate checks allowed from one address",
            f"{config['VERIFY_REQUESTS_PER_ADDRESS']} every "
            + count(config["RATE_LIMIT_WINDOW_MINUTES"], "minute", "minutes"),
            "VERIFY_REQUESTS_PER_ADDRESS",
        ),
        Setting(
            "Exports one officer may download",
            f"{config['EXPORTS_PER_USER_PER_HOUR']} an hour",
            "EXPORTS_PER_USER_PER_HOUR",
        ),
        Setting(
            "HR files kept after upload",
            count(config["HR_UPLOAD_KEEP_HOURS"], "hour", "hours"),
            "HR_UPLOAD_KEEP_HOURS",
        ),
    ]
