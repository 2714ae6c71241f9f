"""Policy acknowledgements, certificates, who may see them, and public verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit, catalogue
from app.catalogue.loader import Module
from app.certificates import codes, pdf
from app.certificates.lifecycle import (
    CertificateStatus,
    certificate_status,
    certified_until,
)
from app.compliance import queries, standings
from app.extensions import db
from app.models import Acknowledgement, Certificate, QuizAttempt, User
from app.models.base import local_date, today, utcnow

_CODE_TRIES = 5


def acknowledgement_for(attempt: QuizAttempt) -> Acknowledgement | None:
    return db.session.scalar(
        select(Acknowledgement).where(Acknowledgement.attempt_id == attempt.id)
    )


def certificate_for_attempt(attempt: QuizAttempt) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))


class PassLapsed(Exception):
    """The pass is older than the certificate it would give would last."""


def pass_lapsed(module: Module, attempt: QuizAttempt) -> bool:
    """Whether a pass with no certificate is too old to certify: the certificate would have
    expired already. The person takes the quiz again instead."""
    validity = module.spec.certificate_validity_months
    return certified_until(local_date(attempt.submitted_at), validity) <= today()


def acknowledge_and_issue(user: User, module: Module, attempt: QuizAttempt) -> Certificate:
    """Record the acknowledgement of the current policy and issue the cycle's certificate.

    Both rows are unique per attempt, so a repeated or concurrent request returns the
    certificate already issued instead of making a second one.
    """
    if attempt.user_id != user.id or not attempt.passed:
        raise PermissionError("a certificate needs a passed attempt of one's own")
    existing = certificate_for_attempt(attempt)
    if existing is not None:
        return existing
    if pass_lapsed(module, attempt):
        raise PassLapsed(attempt)
    policy = catalogue.get().policy
    acknowledgement = acknowledgement_for(attempt)
    if acknowledgement is None:
        acknowledgement = Acknowledgement(
            user_id=user.id,
            attempt_id=attempt.id,
            module_id=module.id,
            policy_title=policy.title,
            policy_version=policy.version,
        )
        try:
            with db.session.begin_nested():
                db.session.add(acknowledgement)
        except IntegrityError:
            return _issued_meanwhile(attempt)
        audit.record(
            "policy_acknowledged",
            actor=user,
            subject=user,
            details={"module": module.id, "policy_version": policy.version},
        )
    issued_at = utcnow()
    for _ in range(_CODE_TRIES):
        certificate = new_certificate(user, module, attempt, acknowledgement, issued_at)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            existing = certificate_for_attempt(attempt)
            if existing is not None:
                return existing
            continue  # the code was taken (about 1 in 10^24): draw another
        _supersede_earlier(certificate)
        standings.refresh(user.id, module.id)
        audit.record(
            "certificate_issued",
            actor=user,
            subject=user,
            details={"module": module.id, "cycle": certificate.cycle, "code": certificate.code},
        )
        return certificate
    raise RuntimeError("could not find a free certificate code")


def new_certificate(
    user: User,
    module: Module,
    attempt: QuizAttempt,
    acknowledgement: Acknowledgement,
    issued_at: datetime,
) -> Certificate:
    """An unsaved certificate with a fresh code, stating what it certifies as of today."""
    return Certificate(
        code=codes.new_code(),
        user_id=user.id,
        module_id=module.id,
        cycle=attempt.cycle,
        attempt_id=attempt.id,
        acknowledgement_id=acknowledgement.id,
        holder_name=f"{user.first_name} {user.last_name}",
        module_title=module.spec.title,
        organisation=current_app.config["ORG_NAME"],
        policy_title=acknowledgement.policy_title,
        policy_version=acknowledgement.policy_version,
        content_version=attempt.content_version,
        score_percent=attempt.score_percent,
        issued_at=issued_at,
        expires_on=certified_until(
            local_date(attempt.submitted_at), module.spec.certificate_validity_months
        ),
    )


def _issued_meanwhile(attempt: QuizAttempt) -> Certificate:
    db.session.expire_all()
    certificate = certificate_for_attempt(attempt)
    if certificate is None:
        raise RuntimeError("acknowledgement raced without a certificate")
    return certificate


def _supersede_earlier(certificate: Certificate) -> None:
    db.session.execute(
        update(Certificate)
        .where(
            Certificate.user_id == certificate.user_id,
            Certificate.module_id == certificate.module_id,
            Certificate.id != certificate.id,
            Certificate.superseded_at.is_(None),
        )
        .values(superseded_at=certificate.issued_at, superseded_by_id=certificate.id)
        .execution_options(synchronize_session=False)
    )


def status_of(certificate: Certificate, on: date | None = None) -> CertificateStatus:
    return certificate_status(
        expires_on=certificate.expires_on,
        revoked_at=certificate.revoked_at,
        superseded_at=certificate.superseded_at,
        today=on or today(),
    )


def certificates_of(user: User) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def may_see_records_of(viewer: User, person: User) -> bool:
    """The person, officers and administrators, and the person's managers up the chain for
    as long as the person is active (the rule of the team pages: a leaver's former manager
    sees nothing of theirs)."""
    return (
        viewer.id == person.id
        or viewer.is_training_officer
        or viewer.is_administrator
        or queries.in_team(viewer.id, person.id)
    )


def certificate_for_viewer(viewer: User, certificate_id: int) -> Certificate | None:
    """The certificate if this person may download it; None otherwise (a 404, not a 403,
    so that nobody learns which certificate numbers exist)."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not may_see_records_of(viewer, certificate.holder):
        return None
    return certificate


def verify_url(code: str) -> str:
    return f"{current_app.config['BASE_URL']}/verify/{codes.display(code)}"


def certificate_pdf(certificate: Certificate) -> bytes:
    return pdf.certificate(_pdf_data(certificate))


def _pdf_data(certificate: Certificate) -> pdf.CertificateData:
    return pdf.CertificateData(
        code=codes.display(certificate.code),
        holder_name=certificate.holder_name,
        module_title=certificate.module_title,
        organisation=certificate.organisation,
        policy=f"{certificate.policy_title}, version {certificate.policy_version}",
        content_version=certificate.content_version,
        score_percent=certificate.score_percent,
        issued_at=certificate.issued_at,
        expires_on=certificate.expires_on,
        verify_url=verify_url(certificate.code),
        revoked_on=_date(certificate.revoked_at),
        superseded_on=_date(certificate.superseded_at),
    )


def download_name(certificate: Certificate) -> str:
    """A server-built, ASCII-only file name (never from user input)."""
    return f"certificate-{certificate.module_id}-{certificate.code}.pdf"


@dataclass(frozen=True)
class Verification:
    code: str
    holder_name: str
    module_title: str
    policy: str
    issued_on: date
    expires_on: date
    status: CertificateStatus
    revoked_on: date | None
    superseded_on: date | None


def verify(text: str) -> Verification | None:
    code = codes.normalise(text)
    if code is None:
        return None
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        return None
    return Verification(
        code=codes.display(certificate.code),
        holder_name=certificate.holder_name,
        module_title=certificate.module_title,
        policy=f"{certificate.policy_title}, version {certificate.policy_version}",
        issued_on=local_date(certificate.issued_at),
        expires_on=certificate.expires_on,
        status=status_of(certificate),
        revoked_on=_date(certificate.revoked_at),
        superseded_on=_date(certificate.superseded_at),
    )


def _date(moment: datetime | None) -> date | None:
    return local_date(moment) if moment else None
