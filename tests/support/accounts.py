"""Creating people and signing in through the real forms, for tests."""

from __future__ import annotations

import itertools
import re

from flask import Flask, current_app
from flask.testing import FlaskClient

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Department, User

PASSWORD = "a long test passphrase for everyone"
_numbers = itertools.count(1)
_HASH_CACHE: dict[str, str] = {}

CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def _hash(password: str) -> str:
    # Hashes depend on the app's argon2 settings, so they are cached per settings.
    config = current_app.config
    key = f"{password}|{config['ARGON2_TIME_COST']}|{config['ARGON2_MEMORY_KIB']}"
    if key not in _HASH_CACHE:
        _HASH_CACHE[key] = hash_password(password)
    return _HASH_CACHE[key]


def create_department(app: Flask, name: str) -> int:
    with app.app_context():
        department = Department(name=name)
        db.session.add(department)
        db.session.commit()
        return department.id


def create_user(
    app: Flask,
    email: str | None = None,
    *,
    password: str | None = PASSWORD,
    first_name: str = "Test",
    last_name: str | None = None,
    **fields: object,
) -> int:
    """Creates a user (active, with a password unless password=None) and returns its id."""
    number = next(_numbers)
    with app.app_context():
        user = User(
            employee_number=str(fields.pop("employee_number", f"T{number:05d}")),
            first_name=first_name,
            last_name=last_name or f"Person{number}",
            email=email or f"person{number}@example.org",
            password_hash=_hash(password) if password else None,
            is_active=fields.pop("is_active", True),
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def csrf_token(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def submit(
    client: FlaskClient,
    path: str,
    data: dict[str, object],
    *,
    form_path: str | None = None,
    follow_redirects: bool = False,
):
    """Posts a form the way a browser does: with the page's own CSRF token and a Referer."""
    token = csrf_token(client, form_path or path)
    return client.post(
        path,
        data={**data, "csrf_token": token},
        headers={"Referer": f"http://localhost{form_path or path}"},
        follow_redirects=follow_redirects,
    )


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, next_path: str = ""):
    path = "/sign-in" + (f"?next={next_path}" if next_path else "")
    return submit(client, path, {"email": email, "password": password})
