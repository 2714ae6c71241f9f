"""Password hashing with argon2id.

Production uses argon2-cffi's defaults (3 passes, 64 MiB, 4 lanes), above OWASP ASVS's
minimum, unless ARGON2_TIME_COST, ARGON2_MEMORY_KIB and ARGON2_PARALLELISM say otherwise.
The test configuration uses cheaper parameters so that the suite stays fast; the
algorithm and format are the same.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app

_EXTENSION = "password_hasher"


class _Hashing:
    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        # A real hash of a random value: checking it costs the same as checking a real
        # user's password, so an unknown e-mail answers no faster than a wrong password.
        self.dummy_hash = hasher.hash("not-a-real-password-used-only-to-spend-time")


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions[_EXTENSION] = _Hashing(
        PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    )


def _hashing() -> _Hashing:
    return current_app.extensions[_EXTENSION]


def hash_password(password: str) -> str:
    return _hashing().hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches. Every call costs at least one check at the current
    cost: a hash made at another cost (before ARGON2_* changed) is checked and then the
    dummy too, so that an existing account whose owner has not signed in since the change
    answers no faster than an unknown address does."""
    hashing = _hashing()
    if password_hash is None:
        _check(hashing.hasher, hashing.dummy_hash, password)
        return False
    matched = _check(hashing.hasher, password_hash, password)
    if _made_at_another_cost(hashing.hasher, password_hash):
        _check(hashing.hasher, hashing.dummy_hash, password)
    return matched


def _check(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _made_at_another_cost(hasher: PasswordHasher, password_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True  # not an argon2 hash at all: refusing it cost nothing


def needs_rehash(password_hash: str) -> bool:
    return _hashing().hasher.check_needs_rehash(password_hash)
