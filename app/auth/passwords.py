"""Password hashing with argon2id (argon2-cffi's defaults, above OWASP ASVS's minimum)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# A real hash of a random value: checking it costs the same as checking a real user's
# password, so an unknown e-mail answers no faster than a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-only-to-spend-time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
