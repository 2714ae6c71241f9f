"""All models, imported here so that Alembic and the app see one metadata."""

from app.models.account import AuditEvent, RateLimitHit, TokenPurpose, UserToken
from app.models.assessment import (
    Acknowledgement,
    Certificate,
    QuestionTally,
    QuizAnswer,
    QuizAttempt,
    QuizBankArchive,
)
from app.models.base import Base
from app.models.change import ChangeCounter
from app.models.compliance import (
    Assignment,
    AssignmentSource,
    Correction,
    CorrectionKind,
    HrImport,
    HrUpload,
)
from app.models.learning import ItemProgress, ModuleCompletion, ScenarioDecision, ScenarioRun
from app.models.organisation import Department, ProfessionalBody, User, normalise_email

__all__ = [
    "Acknowledgement",
    "Assignment",
    "AssignmentSource",
    "AuditEvent",
    "Base",
    "Certificate",
    "ChangeCounter",
    "Correction",
    "CorrectionKind",
    "Department",
    "HrImport",
    "HrUpload",
    "ItemProgress",
    "ModuleCompletion",
    "ProfessionalBody",
    "QuestionTally",
    "QuizAnswer",
    "QuizAttempt",
    "QuizBankArchive",
    "RateLimitHit",
    "ScenarioDecision",
    "ScenarioRun",
    "TokenPurpose",
    "User",
    "UserToken",
    "normalise_email",
]
