import pytest

from app import create_app
from app.auth.passwords import hash_password, verify_password
from config import ProductionConfig


@pytest.fixture(params=["test", "production"])
def app_context(request):
    overrides = {"SECRET_KEY": "p" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    app = create_app(request.param, overrides)
    with app.app_context():
        yield


def test_hash_is_argon2id_and_verifies(app_context):
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "Correct horse battery staple")


def test_missing_or_corrupt_hash_never_verifies(app_context):
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_production_uses_argon2_cffi_defaults_at_or_above_asvs_minimum():
    # OWASP's argon2id minimum is 19 MiB with 2 passes; we use 64 MiB and 3 passes.
    assert ProductionConfig.ARGON2_MEMORY_KIB >= 19 * 1024
    assert ProductionConfig.ARGON2_TIME_COST >= 2
    app = create_app("production", {"SECRET_KEY": "p" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        assert hash_password("x" * 12).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
