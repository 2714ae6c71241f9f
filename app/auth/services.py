"""Sign-in: checking credentials and loading the signed-in user."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.passwords import verify_password
from app.extensions import db
from app.models import User, normalise_email


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user, when the e-mail and password match an active account; otherwise None."""
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        return None
    return user
