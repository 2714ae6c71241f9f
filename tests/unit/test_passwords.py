from app.auth.passwords import hash_password, verify_password


def test_hash_is_argon2id_and_verifies():
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery staple")
    assert not verify_password(stored, "Correct horse battery staple")


def test_missing_or_corrupt_hash_never_verifies():
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
