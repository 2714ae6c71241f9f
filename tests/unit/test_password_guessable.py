"""Passwords built from a season, a month, "welcome", "password" or the organisation's own
names, with a year or digits, are refused with a message that says why (ASVS V6.2.11)."""

from __future__ import annotations

import time

import pytest

from app.auth.password_policy import MAX_LENGTH, TOO_EASY, TOO_EASY_CONTEXT, problem_with

CONTEXT = ["West Lothian Council", "Online conduct training"]


@pytest.mark.parametrize(
    "password",
    [
        "Password2026!",
        "P@ssw0rd2026!",  # look-alike characters
        "Summer2026!",
        "Summ3r!!2026",
        "Autumn-2026",
        "2026winter!",
        "October2026",
        "Monday2026!",
        "Welcome@2026",
        "WestLothian2026",
        "West Lothian Council 2026",
        "Lothian2026!",
        "Council2026!",
        "Training2026!",
        "SummerWelcome123",
        "Password1!",  # refused before too; now with the specific message
    ],
)
def test_sprayed_and_context_passwords_are_refused_with_a_specific_message(password):
    assert problem_with(password, ["Lewis", "Smith"], CONTEXT) == TOO_EASY_CONTEXT


def test_the_message_says_what_to_avoid_in_plain_english():
    assert TOO_EASY_CONTEXT.startswith("Password is too easy to guess. Do not use the name of")
    for word in ("council", "season", "month", "year"):
        assert word in TOO_EASY_CONTEXT


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "winter in west lothian is long",  # the words are there, among others
        "a long test passphrase for everyone",
        "mayday at the harbour 2026",
    ],
)
def test_passphrases_that_mention_such_words_are_allowed(password):
    assert problem_with(password, ["Lewis", "Smith"], CONTEXT) is None


def test_the_organisations_name_counts_only_when_given():
    assert problem_with("WestLothian2026") is None  # zxcvbn alone scores it 4
    assert problem_with("WestLothian2026", context_words=CONTEXT) == TOO_EASY_CONTEXT


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short12", "Password must be 8 characters or more"),
        ("x" * (MAX_LENGTH + 1), f"Password must be {MAX_LENGTH} characters or fewer"),
        ("qwertyuiop", TOO_EASY),
        ("lewis2026", TOO_EASY),  # the person's own name: the earlier message still
    ],
)
def test_the_earlier_rules_and_messages_still_apply(password, message):
    assert problem_with(password, ["Lewis", "Smith"], CONTEXT) == message


def test_the_longest_password_is_checked_quickly():
    started = time.perf_counter()
    for password in ("summer" * 42 + "x", "1a" * 128, "!" * MAX_LENGTH):
        problem_with(password, ["Lewis"], CONTEXT)
    assert time.perf_counter() - started < 2
