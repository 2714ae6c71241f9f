"""Headers, hosts, proxies, CSRF and logs (checklist 20–22, 27, 28, 30, 31)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_app
from tests.support import error_routes
from tests.support.accounts import PASSWORD, create_user, csrf_token, sign_in, submit


def assert_security_headers(response, *, signed_in=False):
    csp = response.headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert re.search(r"script-src 'self'( 'nonce-[\w-]+')?(;|$)", csp)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if signed_in:
        assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def error_client(database_url):
    return error_routes.register(make_app(database_url)).test_client()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sign-in",
        "/healthz",
        "/no-such-page",
        "/static/dist/app.css",
        "/static/images/favicon.svg",
        "/__test__/crash",
        "/__test__/error/403",
    ],
)
def test_security_headers_on_every_response(error_client, path):
    assert_security_headers(error_client.get(path))


def test_the_nonce_in_the_page_matches_the_header(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert (
        client.get("/").headers["Content-Security-Policy"]
        != response.headers["Content-Security-Policy"]
    )


def test_signed_in_pages_are_not_cached(client_as):
    client = client_as("learner")
    for path in ("/home", "/account"):
        assert_security_headers(client.get(path), signed_in=True)


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_another_host_is_refused(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400


def signed_in_address(app) -> str:
    """Signs in from behind a proxy claiming 203.0.113.7; returns the address recorded."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AuditEvent

    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post(
        "/sign-in",
        data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.7", "Referer": "http://localhost/sign-in"},
    )
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "sign_in"))
        return event.ip_address


def test_client_address_behind_one_proxy(database_url, people):
    assert signed_in_address(make_app(database_url, PROXY_FIX_COUNT=1)) == "203.0.113.7"


def test_without_proxy_fix_a_forwarded_address_is_ignored(app, people):
    assert signed_in_address(app) == "127.0.0.1"


# --- CSRF -------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(client, people):
    response = client.post("/sign-in", data={"email": "learner@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_post_with_another_sessions_token_is_refused(app, people):
    other = app.test_client()
    token = csrf_token(other, "/sign-in")
    client = app.test_client()
    client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "http://localhost/sign-in"},
    )
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_sign_out_without_token_is_refused_and_keeps_the_session(client_as):
    client = client_as("learner")
    assert client.post("/sign-out").status_code == 400
    assert client.get("/home").status_code == 200


def test_an_expired_form_is_shown_again_with_what_was_typed(client, people):
    client.get("/sign-in")  # the session that held the token has since gone
    response = client.post(
        "/forgotten-password",
        data={"email": "typed.by.me@example.org", "csrf_token": "stale-token"},
        headers={"Referer": "http://localhost/forgotten-password"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Error: Reset your password" in html
    assert 'value="typed.by.me@example.org"' in html
    assert "Check your answers and send them again" in html


def test_a_cross_site_form_is_not_shown_pre_filled(client, people):
    response = client.post(
        "/forgotten-password",
        data={"email": "attacker@example.org"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 400
    assert "attacker@example.org" not in response.get_data(as_text=True)


def test_state_never_changes_on_get(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"auth.sign_out"}:
            assert rule.methods == {"POST", "OPTIONS"}


# --- Limits and logs --------------------------------------------------------------------


def test_a_50_mb_post_is_refused(client):
    response = client.post(
        "/sign-in", data=b"x" * (50 * 1024 * 1024), content_type="application/octet-stream"
    )
    assert response.status_code == 413


def log_lines(capfd) -> list[dict]:
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def test_security_events_are_json_lines_without_secrets(database_url, capfd):
    app = make_app(database_url)
    create_user(app, "carriage@example.org", first_name="Eve\r\nFAKE log line")
    client = app.test_client()
    sign_in(client, "carriage@example.org", "a wrong password typed in")
    sign_in(client, "carriage@example.org")
    cookie = client.get_cookie("session").value
    client.post("/sign-out")  # no token: a CSRF failure, logged
    submit(client, "/sign-out", {}, form_path="/home")
    output = capfd.readouterr().err
    assert "a wrong password typed in" not in output
    assert PASSWORD not in output
    assert cookie not in output
    assert "\nFAKE" not in output
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    events = [e.get("event") for e in entries]
    assert {"sign_in_failed", "sign_in", "csrf_failure", "sign_out"} <= set(events)
    for entry in entries:
        assert entry["time"].endswith("+00:00")
