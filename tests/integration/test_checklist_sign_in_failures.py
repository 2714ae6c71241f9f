"""Checklist 3: a failed sign-in says nothing about the account.

An unknown address, a wrong password, a locked account (even with the right password), a
deactivated account and an invited person who has not set a password yet all get the same
answer: the same status, the same headers (apart from the date and the values that are new
on every response), the same cookies and the same page.
"""

from __future__ import annotations

import re

from tests.support.accounts import PASSWORD, create_user, sign_in

# New on every response, whoever signs in: the date, the CSP nonce, the session cookie's
# value and the CSRF token in the page.
VARYING_HEADERS = {"Date", "Content-Length", "Set-Cookie"}


def normalised(response, email: str):
    html = response.get_data(as_text=True).replace(email, "TYPED-ADDRESS")
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    headers = sorted(
        (name, re.sub(r"'nonce-[\w-]+'", "'nonce'", value))
        for name, value in response.headers.items()
        if name not in VARYING_HEADERS
    )
    # Each cookie's name and attributes (its value is new every time): one set for some
    # failures only, or a different lifetime, would tell them apart.
    cookies = sorted(
        re.sub(r"^([^=]+)=[^;]*", r"\1=", value)
        for name, value in response.headers.items()
        if name == "Set-Cookie"
    )
    return {"status": response.status_code, "headers": headers, "cookies": cookies, "page": html}


def test_every_kind_of_failed_sign_in_gets_the_same_answer(app, people):
    create_user(app, "leaver@example.org", is_active=False)
    create_user(app, "invited@example.org", password=None)
    locker = app.test_client()
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        sign_in(locker, "manager@example.org", "not the password at all")
    failures = {
        "unknown address": ("nobody@example.org", PASSWORD),
        "wrong password": ("learner@example.org", "wrong password entirely"),
        "locked, right password": ("manager@example.org", PASSWORD),
        "deactivated": ("leaver@example.org", PASSWORD),
        "invited, no password yet": ("invited@example.org", PASSWORD),
    }
    answers = {
        kind: normalised(sign_in(app.test_client(), email, password), email)
        for kind, (email, password) in failures.items()
    }
    first = answers["unknown address"]
    assert first["status"] == 200
    assert "Enter a correct email address and password" in first["page"]
    for kind, answer in answers.items():
        for part in ("status", "headers", "cookies", "page"):
            assert answer[part] == first[part], f"{kind}: the {part} differs"
