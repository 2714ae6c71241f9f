"""Each wording of a question bank that a result was scored against, kept for that result.

A result must read years later as it read on the day: the questions, the options, the
feedback and the explanation the person was marked by, not today's rewording. Each
submission names the wording it was scored against (its fingerprint); the wording itself is
stored once, at the first submission that uses it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import MappingProxyType

from flask import current_app
from sqlalchemy import literal, select
from sqlalchemy.exc import IntegrityError

from app.catalogue.loader import Module
from app.catalogue.schema import Question
from app.extensions import db
from app.models import QuizAttempt, QuizBankArchive

# app.extensions key: the (module, fingerprint) pairs this process has seen stored, so
# that only a worker's first submission per wording pays for the check.
_KNOWN = "quiz_bank_archive_known"


@dataclass(frozen=True)
class ArchivedBank:
    content_version: int
    questions: MappingProxyType[str, Question]
    lesson_titles: MappingProxyType[str, str]


def ensure_archived(module: Module) -> str:
    """Store the module's current wording unless it is stored; return its fingerprint.

    Runs inside the submission's transaction, so a submission that rolls back stores
    nothing. A wording is remembered as stored only once it has been read back stored
    (committed), never on the strength of this transaction's own insert.
    """
    quiz = module.quiz
    key = (module.id, quiz.fingerprint)
    known: set = current_app.extensions.setdefault(_KNOWN, set())
    if key in known:
        return quiz.fingerprint
    stored = db.session.scalar(
        select(literal(1)).where(
            QuizBankArchive.module_id == module.id,
            QuizBankArchive.fingerprint == quiz.fingerprint,
        )
    )
    if stored:
        known.add(key)
        return quiz.fingerprint
    try:
        with db.session.begin_nested():
            db.session.add(
                QuizBankArchive(
                    module_id=module.id,
                    fingerprint=quiz.fingerprint,
                    content_version=module.spec.version,
                    snapshot=quiz.snapshot,
                )
            )
    except IntegrityError:
        pass  # another worker stored the same wording first
    return quiz.fingerprint


def bank_of(attempt: QuizAttempt) -> ArchivedBank | None:
    """The wording the attempt was scored against, or None for attempts from before wordings
    were kept (their results show today's wording)."""
    if not attempt.bank_fingerprint:
        return None
    row = db.session.get(QuizBankArchive, (attempt.module_id, attempt.bank_fingerprint))
    if row is None:
        return None
    data = json.loads(row.snapshot)
    questions = (Question.model_validate(q) for q in data["questions"])
    return ArchivedBank(
        content_version=row.content_version,
        questions=MappingProxyType({q.id: q for q in questions}),
        lesson_titles=MappingProxyType(data["lessons"]),
    )
