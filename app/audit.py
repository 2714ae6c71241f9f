"""The audit log: an append-only record of security events and administrative changes.

Every event is also written to the structured application log, without secrets.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert

from app.database import short_write
from app.extensions import db
from app.models import AuditEvent, User
from app.models.base import utcnow

log = logging.getLogger(__name__)

# The events we record, with the plain words the audit log page shows for them.
EVENTS: dict[str, str] = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "account_locked": "Account locked after repeated failed sign-ins",
    "sign_out": "Signed out",
    "session_expired": "Session expired",
    "password_set": "Password set from invitation",
    "password_reset_requested": "Password reset requested",
    "password_reset": "Password reset",
    "password_changed": "Password changed",
    "invitation_sent": "Invitation sent",
    "user_created": "User created",
    "user_updated": "User details changed",
    "roles_changed": "Roles changed",
    "user_deactivated": "User deactivated",
    "user_reactivated": "User reactivated",
    "department_created": "Department added",
    "department_renamed": "Department renamed",
    "quiz_passed": "Quiz passed",
    "quiz_failed": "Quiz failed",
    "policy_acknowledged": "Policy acknowledged",
    "certificate_issued": "Certificate issued",
    "assignments_synced": "Assignment rules applied",
    "module_assigned": "Module assigned by hand",
    "due_date_extended": "Due date extended",
    "exempted": "Exempted from a module",
    "exemption_ended": "Exemption ended",
    "cool_down_reset": "Quiz cool-down reset",
    "certificate_revoked": "Certificate revoked",
    "offline_completion_recorded": "Completion recorded from elsewhere",
    "offline_completion_withdrawn": "Completion from elsewhere withdrawn",
    "hr_import_applied": "HR file imported",
    "export_downloaded": "Report exported",
}


_INSERT = insert(AuditEvent.__table__)


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(
    event: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Add an audit event to the current transaction (it commits or rolls back with it).
    `address`: the client's, for work done after its request (app/background.py)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    values = {
        "event": event,
        "occurred_at": utcnow(),
        "ip_address": address or client_address(),
        "details": details or {},
    }
    if _saved(actor) and _saved(subject):
        # One INSERT now, rather than an object for the unit of work to flush: the same
        # row and transaction, at a fraction of the cost on busy paths (quiz submission).
        db.session.connection().execute(
            _INSERT,
            {
                "actor_id": actor.id if actor else None,
                "subject_id": subject.id if subject else None,
                **values,
            },
        )
    else:  # someone created in this transaction: the flush gives them an id first
        db.session.add(AuditEvent(actor=actor, subject=subject, **values))
    log.info(
        EVENTS[event],
        extra={
            "event": event,
            "actor_id": actor.id if actor else None,
            "subject_id": subject.id if subject else None,
            "details": details or {},
        },
    )


def record_now(
    event: str, *, actor: User, subject: User | None = None, details: dict[str, Any] | None = None
) -> None:
    """Record an event in its own short transaction, for a page that only reads (a GET)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    with short_write() as connection:
        connection.execute(
            _INSERT,
            {
                "event": event,
                "occurred_at": utcnow(),
                "ip_address": client_address(),
                "details": details or {},
                "actor_id": actor.id,
                "subject_id": subject.id if subject else None,
            },
        )
    log.info(
        EVENTS[event],
        extra={
            "event": event,
            "actor_id": actor.id,
            "subject_id": subject.id if subject else None,
            "details": details or {},
        },
    )


def _saved(user: User | None) -> bool:
    return user is None or user.id is not None


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields that changed, as {field: {"before": …, "after": …}}."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
