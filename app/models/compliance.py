"""Who must do which module by when, officers' corrections, and HR imports.

Corrections are append-only records (who, when, why): an extension, an exemption, a reset
of a quiz cool-down, a revoked certificate or a completion done elsewhere is a new row,
never an edit of an old one, so the learner record can always show what happened.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.organisation import User


class AssignmentSource(enum.StrEnum):
    RULE = "rule"  # the module's audience matches the person's HR fields
    OFFICER = "officer"  # assigned by hand (a department, or a chosen list of people)


class Assignment(Base):
    """A module a person must complete, with the due date set when it was assigned.

    One row per person and module. Recertification is due by the certificate's expiry.

    The row also keeps what the status of this person's module is worked out from (its
    "standing"): the expiry of their latest certificate or recorded completion, an
    officer's extension, an exemption, and whether they have started. These copy the
    certificate, correction and progress tables, and are rewritten from them in the same
    transaction as every change there (app/compliance/standings.py), so that officer
    pages can count and page through statuses in SQL. `flask assignments sync` rewrites
    them all from the source tables, and says if any had drifted.
    """

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    module_id: Mapped[str] = mapped_column(String(80), index=True)
    source: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date] = mapped_column(Date)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    valid_until: Mapped[date | None] = mapped_column(Date)
    extended_to: Mapped[date | None] = mapped_column(Date)
    exempt: Mapped[bool] = mapped_column(default=False, server_default=false())
    started: Mapped[bool] = mapped_column(default=False, server_default=false())

    # When the row stopped counting (the person left, or the module is no longer for their
    # role), set by the assignment rules; cleared, with a fresh due date, when it counts again.
    dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CorrectionKind(enum.StrEnum):
    EXTEND_DUE = "extend_due"
    EXEMPT = "exempt"
    END_EXEMPTION = "end_exemption"
    RESET_COOL_DOWN = "reset_cool_down"
    REVOKE_CERTIFICATE = "revoke_certificate"
    OFFLINE_COMPLETION = "offline_completion"
    WITHDRAW_COMPLETION = "withdraw_completion"

    @property
    def label(self) -> str:
        return {
            "extend_due": "Due date extended",
            "exempt": "Exempted",
            "end_exemption": "Exemption ended",
            "reset_cool_down": "Quiz cool-down reset",
            "revoke_certificate": "Certificate revoked",
            "offline_completion": "Completion recorded from elsewhere",
            "withdraw_completion": "Completion from elsewhere withdrawn",
        }[self.value]


class Correction(Base):
    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_user_module", "user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    module_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    new_due_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    # The completion from elsewhere that a WITHDRAW_COMPLETION undoes. No foreign key:
    # SQLite adds a named one only by rebuilding the table (see migration 0012).
    withdraws_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def kind_label(self) -> str:
        return CorrectionKind(self.kind).label


class HrImport(Base):
    """One applied HR file: who, when, its hash, the counts and each row's outcome."""

    __tablename__ = "hr_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_by: Mapped[User | None] = relationship()  # None: from the command line
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    full_file: Mapped[bool]
    created_count: Mapped[int]
    updated_count: Mapped[int]
    deactivated_count: Mapped[int]
    unchanged_count: Mapped[int]
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class HrUpload(Base):
    """An uploaded HR file waiting for the officer to confirm it (kept in the database,
    not in a worker's memory, so any worker can apply it)."""

    __tablename__ = "hr_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    full_file: Mapped[bool]
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hr_import_id: Mapped[int | None] = mapped_column(ForeignKey("hr_import.id"))
