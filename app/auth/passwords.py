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
    hashing = _hashing()
    try:
        matched = hashing.hasher.verify(password_hash or hashing.dummy_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hashing().hasher.check_needs_rehash(password_hash)
