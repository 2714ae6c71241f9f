"""Sign-in fixes from the auth review: timing after a hashing-cost change, the per-address
limit's own message, and attempts refused by that limit not counting as new failures."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from tests.conftest import make_app
from tests.support.accounts import PASSWORD, create_user, sign_in

# --- Timing after ARGON2_* changes ------------------------------------------------------


@pytest.fixture
def checks_at(monkeypatch):
    """Every argon2 verification made, by the (time cost, memory) of the hash it checked:
    counted through the real PasswordHasher, so the count is what the time is made of."""
    made: list[tuple[int, int]] = []
    real_verify = PasswordHasher.verify

    def counting(self, password_hash, password):
        parameters = extract_parameters(password_hash)
        made.append((parameters.time_cost, parameters.memory_cost))
        return real_verify(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return made


@pytest.mark.parametrize(
    ("old_cost", "new_cost"),
    [
        pytest.param({}, {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_KIB": 2048}, id="raised"),
        pytest.param({"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_KIB": 2048}, {}, id="lowered"),
    ],
)
def test_after_a_cost_change_every_failure_spends_one_check_at_the_current_cost(
    database_url, checks_at, old_cost, new_cost
):
    """README: every failure costs the same password check. An account hashed before
    ARGON2_* changed keeps its old-cost hash until its owner signs in again; checking only
    that hash would answer faster (or slower) than an unknown address, whose dummy hash is
    at the new cost, and so list the accounts."""
    old = make_app(database_url, **old_cost)
    create_user(old, "existing@example.org")
    create_user(old, "leaver@example.org", is_active=False)
    create_user(old, "invited@example.org", password=None)
    new = make_app(database_url, **new_cost)
    current = (new.config["ARGON2_TIME_COST"], new.config["ARGON2_MEMORY_KIB"])
    sign_in(new.test_client(), "warm.up@example.org", "warming up the app")

    spent = {}
    for email, password in [
        ("nobody@example.org", PASSWORD),
        ("existing@example.org", "a wrong guess"),
        ("leaver@example.org", PASSWORD),
        ("invited@example.org", PASSWORD),
    ]:
        checks_at.clear()
        assert sign_in(new.test_client(), email, password).status_code == 200
        spent[email] = checks_at.count(current)
    assert spent == dict.fromkeys(spent, 1), spent


def test_a_right_password_at_the_old_cost_still_signs_in_and_is_hashed_again(
    database_url, checks_at
):
    old = make_app(database_url)
    create_user(old, "existing@example.org")
    new = make_app(database_url, ARGON2_TIME_COST=2)
    assert sign_in(new.test_client(), "existing@example.org").status_code == 302
    checks_at.clear()
    assert sign_in(new.test_client(), "existing@example.org").status_code == 302
    # Hashed again at the first sign-in: the second needs only the one check.
    assert checks_at == [(2, new.config["ARGON2_MEMORY_KIB"])]
