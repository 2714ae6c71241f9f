"""Officers' corrections: each is a new record with who, when and why, and an audit event.

Nothing is deleted or overwritten. Revoking a certificate marks it revoked (once) and
records why; the certificate itself, and the attempt behind it, stay as they were.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import audit, catalogue
from app.admin.presenters import long_date
from app.certificates.lifecycle import add_months
from app.compliance import queries, standings
from app.extensions import db
from app.models import Assignment, Certificate, Correction, CorrectionKind, QuizAttempt, User
from app.models.base import utcnow

HISTORY_PER_PAGE = 50


class CorrectionRefused(ValueError):
    """A correction that cannot be made, with a message for the officer. `field` names the
    form field the refusal is about (a date), or None when it is about the whole form."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class HistoryPageOutOfRange(LookupError):
    """Asked for a page of the correction history that does not exist."""


@dataclass(frozen=True)
class HistoryPage:
    corrections: list[Correction]  # newest first
    number: int
    pages: int
    total: int
    withdrawn: frozenset[int]  # which of the completions shown were withdrawn (on any page)


def history(user: User, number: int = 1, *, per_page: int = HISTORY_PER_PAGE) -> HistoryPage:
    """One page of the person's corrections, newest first: a count, the page (with who made
    each) and, when the page shows completions from elsewhere, which were withdrawn."""
    total = db.session.scalar(
        select(func.count()).select_from(Correction).where(Correction.user_id == user.id)
    )
    pages = max(1, math.ceil(total / per_page))
    if number < 1 or number > pages:
        raise HistoryPageOutOfRange(number)
    shown = list(
        db.session.scalars(
            select(Correction)
            .where(Correction.user_id == user.id)
            .options(joinedload(Correction.created_by))
            .order_by(Correction.id.desc())
            .offset((number - 1) * per_page)
            .limit(per_page)
        )
    )
    completions = [c.id for c in shown if c.kind == CorrectionKind.OFFLINE_COMPLETION.value]
    withdrawn = (
        frozenset(
            db.session.scalars(
                select(Correction.withdraws_id).where(
                    Correction.kind == CorrectionKind.WITHDRAW_COMPLETION.value,
                    Correction.withdraws_id.in_(completions),
                )
            )
        )
        if completions
        else frozenset()
    )
    return HistoryPage(shown, number, pages, total, withdrawn)


def _refuse_own_record(officer: User, person: User) -> None:
    # A record that its holder corrected would not stand as evidence.
    if officer.id == person.id:
        raise CorrectionRefused(
            "You cannot correct your own training record. Ask another training officer"
        )


def _assignment(person: User, module_id: str) -> Assignment | None:
    """The person's assignment, locked until the transaction ends: on PostgreSQL a second
    correction of the same module waits here, then sees what the first one changed."""
    return db.session.scalar(
        select(Assignment)
        .where(Assignment.user_id == person.id, Assignment.module_id == module_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _counts(assignment: Assignment) -> bool:
    """The assignment still counts: it was not dropped (the person left, or the module is
    no longer for their role) and its module and audience still apply, as on the record."""
    if assignment.dropped_at is not None:
        return False
    return bool(
        db.session.scalar(
            select(Assignment.id)
            .join(User, User.id == Assignment.user_id)
            .where(Assignment.id == assignment.id, User.is_active.is_(True), queries.counted())
        )
    )


def _assigned(person: User, module_id: str, message: str) -> Assignment:
    """The person's assignment, locked, if it counts; otherwise the refusal `message`
    (a module that no longer applies is refused as one never assigned)."""
    assignment = _assignment(person, module_id)
    if assignment is None or not _counts(assignment):
        raise CorrectionRefused(message)
    return assignment


def _record(officer: User, person: User, module_id: str, kind: CorrectionKind, **values):
    correction = Correction(
        user_id=person.id, module_id=module_id, kind=kind.value, created_by_id=officer.id, **values
    )
    db.session.add(correction)
    db.session.flush()
    standings.refresh(person.id, module_id)
    return correction


def _name(person: User) -> str:
    return f"{person.first_name} {person.last_name}"


def _validity_refusal(person: User, module_id: str, valid_until: date, today: date) -> str:
    """Why an extension cannot help when the status rests on a certificate (or a completion
    recorded from elsewhere): its expiry is fixed, whatever the due date says."""
    from_certificate = (
        db.session.scalar(
            select(Certificate.id).where(
                Certificate.user_id == person.id,
                Certificate.module_id == module_id,
                Certificate.expires_on == valid_until,
                Certificate.revoked_at.is_(None),
                Certificate.superseded_at.is_(None),
            )
        )
        is not None
    )
    what = "certificate" if from_certificate else "completion recorded from elsewhere"
    when = "expired on" if valid_until <= today else "expires on"
    return (
        f"An extension cannot change this: {_name(person)}'s {what} {when} "
        f"{long_date(valid_until)}, and its expiry is fixed. If they cannot renew in time, "
        "for example during long-term sick leave, record an exemption with the reason "
        "and end it when they return"
    )


def extend_due(
    officer: User, person: User, module_id: str, new_due_on: date, reason: str, *, today: date
) -> Correction:
    _refuse_own_record(officer, person)
    assignment = _assigned(
        person,
        module_id,
        "This person is not assigned this module, so it has no due date to extend",
    )
    if assignment.valid_until is not None and not assignment.exempt:
        raise CorrectionRefused(_validity_refusal(person, module_id, assignment.valid_until, today))
    if new_due_on <= today:
        raise CorrectionRefused("The new due date must be in the future", field="new_due_on")
    due = max(assignment.due_on, assignment.extended_to or assignment.due_on)
    if new_due_on <= due:
        raise CorrectionRefused(
            f"This would change nothing: the module is already due on {long_date(due)}. "
            "Enter a later date",
            field="new_due_on",
        )
    correction = _record(
        officer, person, module_id, CorrectionKind.EXTEND_DUE, new_due_on=new_due_on, reason=reason
    )
    audit.record(
        "due_date_extended",
        actor=officer,
        subject=person,
        details={"module": module_id, "due_on": new_due_on.isoformat(), "reason": reason},
    )
    return correction


def exempt(officer: User, person: User, module_id: str, reason: str) -> Correction:
    _refuse_own_record(officer, person)
    assignment = _assigned(
        person,
        module_id,
        "This person is not assigned this module, so there is nothing to exempt them from",
    )
    if assignment.exempt:
        raise CorrectionRefused("This person is already exempt from this module")
    return _with_reason(officer, person, module_id, CorrectionKind.EXEMPT, "exempted", reason)


def end_exemption(officer: User, person: User, module_id: str, reason: str) -> Correction:
    _refuse_own_record(officer, person)
    assignment = _assignment(person, module_id)
    if assignment is None or not assignment.exempt or not _counts(assignment):
        raise CorrectionRefused("This person is not exempt from this module")
    return _with_reason(
        officer, person, module_id, CorrectionKind.END_EXEMPTION, "exemption_ended", reason
    )


def reset_cool_down(officer: User, person: User, module_id: str, reason: str) -> Correction:
    _refuse_own_record(officer, person)
    _assigned(
        person,
        module_id,
        "This person is not assigned this module, so it has no quiz pause to reset",
    )
    # After the assignment is locked: a second reset sent at the same moment finds the
    # first one, and no pause left.
    if not _paused(person, module_id):
        raise CorrectionRefused(
            f"There is no quiz pause to reset: {_name(person)} does not have to wait "
            "before taking the quiz"
        )
    return _with_reason(
        officer, person, module_id, CorrectionKind.RESET_COOL_DOWN, "cool_down_reset", reason
    )


def _paused(person: User, module_id: str) -> bool:
    """The person must wait now before trying the module's quiz again (as their quiz page
    says: the fails of their current cycle, and any reset since)."""
    # Imported here: the quiz rules read this module's resets.
    from app.learning import services as learning
    from app.quizzes import services as quizzes

    module = catalogue.get().modules.get(module_id)
    if module is None:
        return False
    cycle = learning.cycle_of(person, module).number
    latest = db.session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == person.id,
            QuizAttempt.module_id == module_id,
            QuizAttempt.cycle == cycle,
            QuizAttempt.submitted_at.is_not(None),
        )
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )
    return (
        latest is not None
        and quizzes.retry_state(person, module, latest).cool_down_until is not None
    )


def _with_reason(
    officer: User, person: User, module_id: str, kind: CorrectionKind, event: str, reason: str
) -> Correction:
    """A correction that is only a decision and its reason."""
    correction = _record(officer, person, module_id, kind, reason=reason)
    audit.record(
        event, actor=officer, subject=person, details={"module": module_id, "reason": reason}
    )
    return correction


def revoke(officer: User, certificate: Certificate, reason: str) -> Correction:
    _refuse_own_record(officer, certificate.holder)
    # Read it again, locked: on PostgreSQL a second revocation sent at the same moment
    # waits here until the first is saved, then finds the certificate revoked.
    db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if certificate.revoked_at is not None:
        raise CorrectionRefused("This certificate has already been revoked")
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = officer.id
    correction = _record(
        officer,
        certificate.holder,
        certificate.module_id,
        CorrectionKind.REVOKE_CERTIFICATE,
        certificate_id=certificate.id,
        reason=reason,
    )
    audit.record(
        "certificate_revoked",
        actor=officer,
        subject=certificate.holder,
        details={"module": certificate.module_id, "code": certificate.code, "reason": reason},
    )
    return correction


def record_offline_completion(
    officer: User, person: User, module_id: str, completed_on: date, evidence: str, *, today: date
) -> Correction:
    _refuse_own_record(officer, person)
    _assigned(
        person,
        module_id,
        "This person is not assigned this module, so there is no completion to record",
    )
    if completed_on > today:
        raise CorrectionRefused(
            "The date of the completion must be today or in the past", field="completed_on"
        )
    # The assignment is locked (`_assigned`), so the same form sent twice at once finds
    # the first one here.
    if _completion_on(person, module_id, completed_on):
        raise CorrectionRefused(
            f"A completion on {long_date(completed_on)} is already recorded for this module",
            field="completed_on",
        )
    correction = _record(
        officer,
        person,
        module_id,
        CorrectionKind.OFFLINE_COMPLETION,
        completed_on=completed_on,
        reason=evidence,
    )
    audit.record(
        "offline_completion_recorded",
        actor=officer,
        subject=person,
        details={
            "module": module_id,
            "completed_on": completed_on.isoformat(),
            "evidence": evidence,
        },
    )
    return correction


def _completion_on(person: User, module_id: str, completed_on: date) -> bool:
    """A completion from elsewhere on that day is on the record and not withdrawn."""
    withdrawn = select(Correction.withdraws_id).where(
        Correction.kind == CorrectionKind.WITHDRAW_COMPLETION.value,
        Correction.withdraws_id.is_not(None),
    )
    found = db.session.scalar(
        select(Correction.id).where(
            Correction.user_id == person.id,
            Correction.module_id == module_id,
            Correction.kind == CorrectionKind.OFFLINE_COMPLETION.value,
            Correction.completed_on == completed_on,
            Correction.id.not_in(withdrawn),
        )
    )
    return found is not None


def covered_elsewhere_until(person: User, module_id: str) -> date | None:
    """Until when the person's latest completion recorded from elsewhere (not withdrawn)
    counts for the module, whatever their certificates (None: no such completion)."""
    module = catalogue.get().modules.get(module_id)
    if module is None:
        return None
    withdrawn = select(Correction.withdraws_id).where(
        Correction.kind == CorrectionKind.WITHDRAW_COMPLETION.value,
        Correction.withdraws_id.is_not(None),
    )
    latest = db.session.scalar(
        select(func.max(Correction.completed_on)).where(
            Correction.user_id == person.id,
            Correction.module_id == module_id,
            Correction.kind == CorrectionKind.OFFLINE_COMPLETION.value,
            Correction.id.not_in(withdrawn),
        )
    )
    return add_months(latest, module.spec.certificate_validity_months) if latest else None


def completion_to_withdraw(person: User, correction_id: int) -> Correction | None:
    """One of the person's completions recorded from elsewhere (None if it is not one)."""
    return db.session.scalar(
        select(Correction).where(
            Correction.id == correction_id,
            Correction.user_id == person.id,
            Correction.kind == CorrectionKind.OFFLINE_COMPLETION.value,
        )
    )


def withdraw_completion(
    officer: User, person: User, completion: Correction, reason: str
) -> Correction:
    """Withdraw a completion recorded from elsewhere in error (the wrong person, the wrong
    date). It stays on the record, marked withdrawn, and no longer counts."""
    _refuse_own_record(officer, person)
    # Lock the module's assignment first, so that two withdrawals at once take turns.
    _assignment(person, completion.module_id)
    already = db.session.scalar(
        select(Correction.id).where(
            Correction.kind == CorrectionKind.WITHDRAW_COMPLETION.value,
            Correction.withdraws_id == completion.id,
        )
    )
    if already is not None:
        raise CorrectionRefused("This completion has already been withdrawn")
    correction = _record(
        officer,
        person,
        completion.module_id,
        CorrectionKind.WITHDRAW_COMPLETION,
        withdraws_id=completion.id,
        completed_on=completion.completed_on,
        reason=reason,
    )
    audit.record(
        "offline_completion_withdrawn",
        actor=officer,
        subject=person,
        details={
            "module": completion.module_id,
            "completion": completion.id,
            "completed_on": completion.completed_on.isoformat(),
            "reason": reason,
        },
    )
    return correction


def cool_down_reset_after(user_id: int, module_id: str):
    """When the person's quiz cool-down was last reset (None if never)."""
    return db.session.scalar(
        select(Correction.created_at)
        .where(
            Correction.user_id == user_id,
            Correction.module_id == module_id,
            Correction.kind == CorrectionKind.RESET_COOL_DOWN.value,
        )
        .order_by(Correction.id.desc())
        .limit(1)
    )
