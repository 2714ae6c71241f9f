"""Certificate codes: 80 random bits written as 16 Crockford base32 characters.

Crockford's alphabet leaves out I, L, O and U, so a code can be read aloud and typed
without confusing 1 with I or 0 with O. People see it in groups of four
(`7KQ2-M9XD-4HRT-B8WC`); any case and any separators are accepted when verifying.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 × 5 bits = 80 bits of randomness
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(text: str) -> str | None:
    """The stored form of a code someone typed, or None if it cannot be a code.

    NFKC first: full-width letters and digits (from a Japanese or Chinese keyboard) become
    plain ones. Then any other decimal digit (Arabic-Indic ٠–٩ and Persian ۰–۹ from an
    Arabic or Persian keyboard, Devanagari, ...) becomes its ASCII digit, which NFKC leaves
    alone. Any dash (a word processor turns "-" into "–") or space separates."""
    text = unicodedata.normalize("NFKC", text[:200])
    text = "".join(_ascii_digit(c) for c in text)
    cleaned = re.sub(r"[\s\-_./\u2010-\u2015\u2212]", "", text.upper()).translate(_LOOK_ALIKES)
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def _ascii_digit(character: str) -> str:
    value = unicodedata.decimal(character, None)
    return character if value is None else str(value)
