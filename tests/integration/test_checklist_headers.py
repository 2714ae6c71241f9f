"""Checklist 21: the security headers are on every response, odd ones included, and nothing a
signed-in person receives may be kept by a browser or proxy (Cache-Control: no-store).

The odd responses: an unknown host's 400, a 413, a 405, a CSRF refusal, HEAD and OPTIONS,
a missing static file and an unknown certificate. Signed in: error pages, PDFs, exports and
the public pages too.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from tests.conftest import ROLE_EMAILS, make_app
from tests.integration.test_security import assert_security_headers
from tests.support.accounts import sign_in
from tests.support.quizzes import certify

LIMIT = 4096  # a small MAX_CONTENT_LENGTH, so that a 413 costs nothing to send
TOO_LARGE = b"x" * (LIMIT + 1)


@pytest.fixture
def small_app(database_url, people):
    app = make_app(database_url, MAX_CONTENT_LENGTH=LIMIT)
    yield app
    with app.app_context():
        db.engine.dispose()


def odd_responses(client: FlaskClient, plain: FlaskClient) -> dict:
    """`plain` checks no page: a HEAD answer has none."""
    return {
        "unknown host (400)": client.get("/", headers={"Host": "evil.example"}),
        "too large (413)": client.post(
            "/sign-in", data=TOO_LARGE, content_type="application/octet-stream"
        ),
        "wrong method (405)": client.put("/sign-in"),
        "no CSRF token (400)": client.post("/sign-out"),
        "HEAD": plain.head("/sign-in"),
        "OPTIONS": plain.options("/sign-in"),
        "missing static file (404)": client.get("/static/no-such-file.css"),
        "unknown certificate (404)": client.get("/verify/AAAABBBBCCCCDDDD"),
    }


def test_odd_responses_carry_the_security_headers(small_app):
    client = small_app.test_client()
    plain = FlaskClient(small_app, small_app.response_class, use_cookies=True)
    responses = odd_responses(client, plain)
    assert responses["unknown host (400)"].status_code == 400
    assert responses["too large (413)"].status_code == 413
    assert responses["wrong method (405)"].status_code == 405
    assert "POST" in responses["wrong method (405)"].headers["Allow"]
    for kind, response in responses.items():
        try:
            assert_security_headers(response)
        except (AssertionError, KeyError) as problem:
            raise AssertionError(f"{kind}: {response.status_code}: {problem!r}") from None


def signed_in(app, role: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, ROLE_EMAILS[role]).status_code == 302
    return client


def test_nothing_a_signed_in_person_receives_may_be_stored(small_app, people):
    learner = signed_in(small_app, "learner")
    certificate = certify(learner, small_app, people["learner"])
    plain = FlaskClient(small_app, small_app.response_class, use_cookies=True)
    plain.set_cookie(
        small_app.config["SESSION_COOKIE_NAME"],
        learner.get_cookie(small_app.config["SESSION_COOKIE_NAME"]).value,
    )
    responses = {
        "page not found (404)": learner.get("/no-such-page"),
        "forbidden (403)": learner.get("/admin/users"),
        "wrong method (405)": learner.put("/home"),
        "too large (413)": learner.post(
            "/account/password", data=TOO_LARGE, content_type="application/octet-stream"
        ),
        "no CSRF token (400)": learner.post("/account/password", data={}),
        "HEAD": plain.head("/home"),
        "training record PDF": learner.get("/training-record.pdf"),
        "certificate PDF": learner.get(f"/certificates/{certificate.id}/download"),
        "missing static file (404)": learner.get("/static/no-such-file.css"),
    }
    for path in ("/", "/policy", "/privacy", "/accessibility", "/cookies", "/verify"):
        responses[f"public page {path}"] = learner.get(path)
    officer = signed_in(small_app, "officer")
    for export in ("compliance.csv", "matrix.xlsx"):
        response = officer.get(f"/reports/export/{export}")
        response.get_data()  # a streamed export holds its connection until it is read
        responses[f"export {export}"] = response

    assert responses["certificate PDF"].mimetype == "application/pdf"
    assert responses["training record PDF"].mimetype == "application/pdf"
    assert responses["too large (413)"].status_code == 413
    not_kept = {
        kind: (response.status_code, response.headers.get("Cache-Control"))
        for kind, response in responses.items()
        if response.headers.get("Cache-Control") != "no-store"
    }
    assert not_kept == {}
    for kind, response in responses.items():
        try:
            assert_security_headers(response, signed_in=True)
        except (AssertionError, KeyError) as problem:
            raise AssertionError(f"{kind}: {response.status_code}: {problem!r}") from None
