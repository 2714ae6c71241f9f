"""Password rules (OWASP ASVS V6.2): at least 8 characters, long passphrases and any
characters allowed, common or easily guessed passwords refused, no composition rules.

Pure: takes plain values and returns a message, or None when the password is fine.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 256  # long enough for any passphrase; bounds the hashing work per request
# zxcvbn looks at no more than its first 72 characters.
_ZXCVBN_MAX = 72
# zxcvbn scores 0–4; below 2 means in a common-password list or guessable in
# fewer than about 10^8 tries (for example "Password1!").
MIN_SCORE = 2


def problem_with(password: str, personal_words: list[str] | tuple[str, ...] = ()) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    words = [w for w in personal_words if w]
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=words)["score"] < MIN_SCORE:
        return (
            "Password is too easy to guess. Use a longer password, such as three or more "
            "random words, and avoid common passwords and your own name"
        )
    return None
