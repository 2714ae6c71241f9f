"""The council's structure: departments and the people in them."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow


class ProfessionalBody(enum.StrEnum):
    NONE = "none"
    SSSC = "SSSC"
    GTCS = "GTCS"
    HCPC = "HCPC"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "none": "None",
            "SSSC": "Scottish Social Services Council (SSSC)",
            "GTCS": "General Teaching Council for Scotland (GTCS)",
            "HCPC": "Health and Care Professions Council (HCPC)",
            "other": "Another professional body",
        }[self.value]


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name!r}>"


class User(UserMixin, Base):
    """A member of staff. Every user is a learner; flags add the officer and admin roles.

    A line manager is anyone who has reports, so there is no flag for it.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        # E-mail is stored lower-cased so uniqueness is case-insensitive on every database.
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint(
            "professional_body IN ('none', 'SSSC', 'GTCS', 'HCPC', 'other')",
            name="professional_body_known",
        ),
        CheckConstraint("line_manager_id IS NULL OR line_manager_id <> id", name="not_own_manager"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(32), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # The name as lists sort it ("Émilie" beside "Emma", not after "Zoe"): neither SQLite
    # nor PostgreSQL's C collation sorts accents or case as people expect (migration 0014).
    sort_name: Mapped[str] = mapped_column(String(201), default="", server_default="", index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    job_title: Mapped[str] = mapped_column(String(150), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    line_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    is_regulated_role: Mapped[bool] = mapped_column(Boolean, default=False)
    professional_body: Mapped[str] = mapped_column(String(10), default=ProfessionalBody.NONE.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_training_officer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_administrator: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Part of every session's identity: changing it ends all of this user's sessions.
    session_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # Modules an officer assigned by hand, kept here so that a module outside the person's
    # role can be opened without an extra query on every page (migration 0011).
    modules_assigned_by_hand: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    failed_sign_in_count: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship(back_populates="users")
    line_manager: Mapped[User | None] = relationship(
        remote_side="User.id", back_populates="reports"
    )
    reports: Mapped[list[User]] = relationship(back_populates="line_manager")

    def get_id(self) -> str:
        # Flask-Login keeps this in the session; the token part lets the server end it.
        return f"{self.id}:{self.session_token}"

    @property
    def is_line_manager(self) -> bool:
        return bool(self.reports)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def professional_body_label(self) -> str:
        return ProfessionalBody(self.professional_body).label

    def __repr__(self) -> str:
        return f"<User {self.id} {self.employee_number}>"


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)


def name_sort_key(first_name: str, last_name: str) -> str:
    """A person's name as lists sort it: first name then last, case and accents ignored."""
    folded = unicodedata.normalize("NFKD", f"{first_name} {last_name}".casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return bare.translate(_UNDECOMPOSED)[:201]


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_sort_name(_mapper, _connection, user: User) -> None:
    user.sort_name = name_sort_key(user.first_name or "", user.last_name or "")


def normalise_email(email: str) -> str:
    """An e-mail address as it is kept and looked up: trimmed, lower case and in Unicode's
    composed form (NFC), so that "josé" typed on a keyboard (é as one character) and the
    same address pasted in decomposed form (e and a combining accent, as macOS and some
    pastes give) are one address, as email_validator also treats them."""
    return unicodedata.normalize("NFC", email.strip().lower())


def tidy_department_name(name: str) -> str:
    """A department name as it is kept, from the admin form or an HR file: spaces (including
    non-breaking ones) collapsed, and invisible characters such as a zero-width space pasted
    from Excel left out, so that "Housing\u200b" and "Social  Work" are the names they look
    like (and match the departments of those names). Kept in composed form (NFC), so that
    "Café" typed and "Café" pasted in decomposed form are one name too."""
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", " ".join(visible.split()))


# Zero-width joiners and non-joiners change how letters join in some scripts (Persian, the
# Indic scripts), so a name keeps them inside it; at either end they are only invisible.
_JOINERS = frozenset("\u200c\u200d")
_BLANK_ENDS = re.compile(r"\A[\s\u200c\u200d]+|[\s\u200c\u200d]+\Z")


def tidy_person_name(value: str) -> str:
    """A name (or employee number) as it is kept: trimmed, with invisible formatting
    characters (Unicode Cf, such as a zero-width space or a byte-order mark pasted with the
    name) left out, so that a name made only of them is blank, as a name of spaces is."""
    kept = "".join(c for c in value if unicodedata.category(c) != "Cf" or c in _JOINERS)
    return _BLANK_ENDS.sub("", kept)


def has_control_character(value: str) -> bool:
    """Escape, bell and the like (Unicode Cc), which can rewrite a terminal or a log line;
    a tab or a line break is only white space. The HR import applies the same rule."""
    return any(unicodedata.category(c) == "Cc" and not c.isspace() for c in value)


__all__ = [
    "Department",
    "ProfessionalBody",
    "User",
    "has_control_character",
    "name_sort_key",
    "normalise_email",
    "tidy_department_name",
    "tidy_person_name",
]
