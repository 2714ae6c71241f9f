"""Password rules (OWASP ASVS V6.2): at least 8 characters, long passphrases and any
characters allowed, common or easily guessed passwords refused, no composition rules.

Pure: takes plain values and returns a message, or None when the password is fine.
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 256  # long enough for any passphrase; bounds the hashing work per request
# zxcvbn looks at no more than its first 72 characters.
_ZXCVBN_MAX = 72
# zxcvbn scores 0–4; below 2 means in a common-password list or guessable in
# fewer than about 10^8 tries (for example "Password1!").
MIN_SCORE = 2

# The words a password-spraying attack tries first, each with a year or a few digits:
# "Summer2026!", "Welcome@2026", "Password2026!". zxcvbn scores some of these 2 or 3.
SPRAYED_WORDS = (
    "spring",
    "summer",
    "autumn",
    "fall",
    "winter",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "welcome",
    "password",
    "passwd",
    "letmein",
    "changeme",
    "council",
)
# Characters written in place of letters ("P@ssw0rd"): each letter also matches these.
_LOOK_ALIKES = {
    "a": "@4",
    "e": "3",
    "i": "1!|",
    "l": "1!|",
    "o": "0",
    "s": "$5",
    "t": "7+",
    "g": "9",
    "b": "8",
}
# A context word shorter than this ("of", "&") says nothing about a password.
_MIN_WORD = 3

TOO_EASY = (
    "Password is too easy to guess. Use a longer password, such as three or more "
    "random words, and avoid common passwords and your own name"
)
TOO_EASY_CONTEXT = (
    "Password is too easy to guess. Do not use the name of the council or of this service, "
    'a season, a month, a day, or words like "welcome" or "password", even with a year or '
    "other numbers added. Use three or more random words instead"
)


def problem_with(
    password: str,
    personal_words: Iterable[str] = (),
    context_words: Iterable[str] = (),
) -> str | None:
    """`personal_words`: the person's names and e-mail address. `context_words`: the
    organisation's and the service's names (ASVS V6.2.11), refused as SPRAYED_WORDS are."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    context = [w for w in context_words if w]
    if _only_guessable_words(password, _word_list(context)):
        return TOO_EASY_CONTEXT
    words = [w for w in personal_words if w] + context
    if zxcvbn(password[:_ZXCVBN_MAX], user_inputs=words)["score"] < MIN_SCORE:
        return TOO_EASY
    return None


def _word_list(context: list[str]) -> list[str]:
    """SPRAYED_WORDS, each word of each context name, and each name run together
    ("westlothian", "westlothiancouncil"), in lower case."""
    words = set(SPRAYED_WORDS)
    for name in context:
        parts = ["".join(ch for ch in part if ch.isalpha()) for part in name.lower().split()]
        parts = [p for p in parts if p]
        for start in range(len(parts)):
            for end in range(start + 1, len(parts) + 1):
                joined = "".join(parts[start:end])
                if len(joined) >= _MIN_WORD:
                    words.add(joined)
    return sorted(words)


def _only_guessable_words(password: str, words: list[str]) -> bool:
    """Whether the password is nothing but one or more of `words` (letters may be
    written as look-alikes), with digits, spaces or symbols around or between them.

    Checked left to right over positions, so the work is at most the password's length
    times the number of words, whatever the password."""
    text = password.lower()
    length = len(text)
    # reached[i]: the first i characters can be split so; with a word among them or not.
    with_word = [False] * (length + 1)
    without_word = [False] * (length + 1)
    without_word[0] = True
    for i in range(length):
        if not (with_word[i] or without_word[i]):
            continue
        if not text[i].isalpha():
            with_word[i + 1] |= with_word[i]
            without_word[i + 1] |= without_word[i]
        for word in words:
            if _matches_at(text, i, word):
                with_word[i + len(word)] = True
    return with_word[length]


def _matches_at(text: str, start: int, word: str) -> bool:
    if start + len(word) > len(text):
        return False
    return all(
        ch == letter or ch in _LOOK_ALIKES.get(letter, "")
        for ch, letter in zip(text[start : start + len(word)], word, strict=True)
    )
