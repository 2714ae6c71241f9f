"""Quiz attempts and their answers, policy acknowledgements and certificates.

Each attempt snapshots its rules (content version, drawn questions, option order, pass
mark), so that a result can be explained years later even after the question bank changes.
Certificates snapshot what they state (name, module title, policy version), so that the PDF
can be made again, byte for byte, from the stored record.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.organisation import User


class QuizAttempt(Base):
    """One attempt at a module's quiz. At most one unsubmitted attempt per person and module."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        Index(
            "uq_quiz_attempt_one_open",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
        Index("ix_quiz_attempt_user_module", "user_id", "module_id", "cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    module_id: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int]
    content_version: Mapped[int]
    pass_mark_percent: Mapped[int]
    # The drawn question ids in order, and each question's option ids in the order shown.
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    option_order: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correct_count: Mapped[int | None]
    score_percent: Mapped[int | None]
    passed: Mapped[bool | None]
    # The question bank's wording the attempt was scored against (QuizBankArchive); empty
    # for attempts submitted before wordings were archived.
    bank_fingerprint: Mapped[str | None] = mapped_column(String(64))

    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", order_by="QuizAnswer.id"
    )

    def answer_for(self, question_id: str) -> QuizAnswer | None:
        return next((a for a in self.answers if a.question_id == question_id), None)


class QuizAnswer(Base):
    """The options a person chose for one question of an attempt (saved as they go)."""

    __tablename__ = "quiz_answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        Index("ix_quiz_answer_analytics", "module_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"))
    module_id: Mapped[str] = mapped_column(String(80))
    question_id: Mapped[str] = mapped_column(String(80))
    selected: Mapped[list[str]] = mapped_column(JSON)
    is_correct: Mapped[bool | None]  # set when the attempt is submitted
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class QuizBankArchive(Base):
    """One wording of a module's question bank, kept for as long as results refer to it.

    Written at the first submission scored against it, so a result shows the questions,
    options, feedback and explanations the person was marked by, years later.
    """

    __tablename__ = "quiz_bank_archive"

    module_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of snapshot
    content_version: Mapped[int]
    snapshot: Mapped[str] = mapped_column(Text)  # JSON: the questions and their lessons' titles
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionTally(Base):
    """How often each answer was given to a question on people's first attempts.

    Added to when a first attempt is submitted, in the same transaction, so the analytics
    page reads a few hundred rows however many attempts there are. `selected` is the
    chosen option ids as sorted JSON text.
    """

    __tablename__ = "question_tally"

    module_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    selected: Mapped[str] = mapped_column(String(1000), primary_key=True)
    is_correct: Mapped[bool] = mapped_column(primary_key=True)  # right in the version asked
    count: Mapped[int]


class Acknowledgement(Base):
    """A person's confirmation, after a pass, that they have read and understood the policy."""

    __tablename__ = "policy_acknowledgement"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"), unique=True)
    module_id: Mapped[str] = mapped_column(String(80))
    policy_title: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[int]
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(Base):
    """Evidence of a pass and an acknowledgement in one certification cycle."""

    __tablename__ = "certificate"
    __table_args__ = (Index("ix_certificate_user_module", "user_id", "module_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # Crockford base32, no separators
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    module_id: Mapped[str] = mapped_column(String(80))
    cycle: Mapped[int]
    # One certificate per attempt: a replayed or concurrent request cannot issue a second.
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"), unique=True)
    acknowledgement_id: Mapped[int] = mapped_column(ForeignKey("policy_acknowledgement.id"))
    holder_name: Mapped[str] = mapped_column(String(201))
    module_title: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    policy_title: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[int]
    content_version: Mapped[int]
    score_percent: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date] = mapped_column(Date)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    holder: Mapped[User] = relationship(foreign_keys=[user_id])
