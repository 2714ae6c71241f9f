"""All models, imported here so that Alembic and the app see one metadata."""

from app.models.account import AuditEvent, RateLimitHit, TokenPurpose, UserToken
from app.models.base import Base
from app.models.organisation import Department, ProfessionalBody, User, normalise_email

__all__ = [
    "AuditEvent",
    "Base",
    "Department",
    "ProfessionalBody",
    "RateLimitHit",
    "TokenPurpose",
    "User",
    "UserToken",
    "normalise_email",
]
