"""Demo training history, so that every certification state can be seen on first run.

staff@example.org holds certificates from last year, one of them inside its renewal
window; pvg@example.org failed the regulated-work quiz once, then passed. Each record is
built the way the app builds it (learning completed, attempt scored by the real scoring
function, policy acknowledged, certificate issued), only dated in the past.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app import catalogue
from app.catalogue.loader import Module
from app.certificates import services as certificates
from app.extensions import db
from app.models import (
    Acknowledgement,
    ModuleCompletion,
    QuizAnswer,
    QuizAttempt,
    User,
)
from app.quizzes import archive, scoring

# Days ago each of staff@example.org's certificates was issued. With 12-month certificates
# and a 60-day renewal window, 330 days ago is inside the window; the rest are valid.
STAFF_CERTIFICATES_DAYS_AGO = {
    "internet-and-email": 330,
    "social-media": 250,
    "bullying-harassment-equality": 200,
    "data-protection-security-copyright": 120,
}
PVG_MODULE = "regulated-work-pvg"


def seed_history(today: date, rng: random.Random) -> int:
    """Add the history once; return how many certificates were issued (0 on a rerun)."""
    issued = 0
    modules = catalogue.get().modules
    staff = _user("staff@example.org")
    if staff is not None and not _has_attempts(staff):
        for module_id, days in STAFF_CERTIFICATES_DAYS_AGO.items():
            if module_id in modules:
                when = _at(today - timedelta(days=days))
                _complete_learning(staff, modules[module_id], when - timedelta(hours=1))
                attempt = _attempt(staff, modules[module_id], when, right=True, rng=rng)
                _certify(staff, modules[module_id], attempt, when)
                issued += 1
    pvg = _user("pvg@example.org")
    if pvg is not None and PVG_MODULE in modules and not _has_attempts(pvg):
        module = modules[PVG_MODULE]
        when = _at(today - timedelta(days=40))
        _complete_learning(pvg, module, when - timedelta(hours=2))
        _attempt(pvg, module, when - timedelta(hours=1), right=False, rng=rng)
        attempt = _attempt(pvg, module, when, right=True, rng=rng)
        _certify(pvg, module, attempt, when)
        issued += 1
    db.session.flush()
    return issued


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 30), tzinfo=UTC)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _has_attempts(user: User) -> bool:
    return (
        db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.user_id == user.id)) is not None
    )


def _complete_learning(user: User, module: Module, when: datetime) -> None:
    db.session.add(
        ModuleCompletion(
            user_id=user.id,
            module_id=module.id,
            cycle=1,
            path="induction",
            content_version=module.spec.version,
            completed_at=when,
        )
    )


def _attempt(
    user: User, module: Module, when: datetime, *, right: bool, rng: random.Random
) -> QuizAttempt:
    drawn = scoring.draw(module.quiz.spec, rng)
    questions = [module.quiz.questions[q] for q in drawn.question_ids]
    answers = {}
    for index, question in enumerate(questions):
        # A pass with one slip (when there are enough questions to pass anyway); a fail with
        # about half wrong.
        wrong = (index == 0 and len(questions) >= 5) if right else (index % 2 == 0)
        if wrong:
            answers[question.id] = [next(o.id for o in question.options if not o.correct)]
        else:
            answers[question.id] = sorted(question.correct_ids)
    result = scoring.score(questions, answers, module.quiz.settings.pass_mark_percent)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        cycle=1,
        content_version=module.spec.version,
        pass_mark_percent=module.quiz.settings.pass_mark_percent,
        question_ids=drawn.question_ids,
        option_order=drawn.option_order,
        started_at=when - timedelta(minutes=12),
        submitted_at=when,
        correct_count=result.correct_count,
        score_percent=result.percent,
        passed=result.passed,
        bank_fingerprint=archive.ensure_archived(module),
    )
    db.session.add(attempt)
    correct = {r.question_id: r.correct for r in result.results}
    for question in questions:
        attempt.answers.append(
            QuizAnswer(
                module_id=module.id,
                question_id=question.id,
                selected=answers[question.id],
                is_correct=correct[question.id],
                answered_at=when - timedelta(minutes=1),
            )
        )
    db.session.flush()
    return attempt


def _certify(user: User, module: Module, attempt: QuizAttempt, when: datetime) -> None:
    if not attempt.passed:
        raise ValueError("demo history: a certificate needs a passed attempt")
    policy = catalogue.get().policy
    acknowledgement = Acknowledgement(
        user_id=user.id,
        attempt_id=attempt.id,
        module_id=module.id,
        policy_title=policy.title,
        policy_version=policy.version,
        acknowledged_at=when + timedelta(minutes=1),
    )
    db.session.add(acknowledgement)
    db.session.flush()
    db.session.add(
        certificates.new_certificate(
            user, module, attempt, acknowledgement, when + timedelta(minutes=1)
        )
    )
