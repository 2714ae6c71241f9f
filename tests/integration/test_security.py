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
    # GET only shows the page: it never signs anyone out.
    assert "You are signed in as" in client.get("/sign-out").text
    assert client.get("/home").status_code == 200


def test_sign_out_from_a_tab_older_than_the_session_offers_a_working_button(app, people):
    # A token the session no longer holds (it signed in again since the tab was opened).
    earlier = app.test_client()
    sign_in(earlier, "learner@example.org")
    old_token = csrf_token(earlier, "/home")
    client = app.test_client()
    sign_in(client, "learner@example.org")
    refused = client.post(
        "/sign-out", data={"csrf_token": old_token}, headers={"Referer": "http://localhost/home"}
    )
    assert refused.status_code == 400
    assert "You are still signed in" in refused.text and "<title>Error: Sign out" in refused.text
    assert client.get("/home").status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', refused.text).group(1)
    done = client.post(
        "/sign-out", data={"csrf_token": token}, headers={"Referer": "http://localhost/sign-out"}
    )
    assert done.headers["Location"] == "/"
    assert client.get("/home").status_code == 302


def test_an_old_sign_in_form_sent_when_already_signed_in_leads_home(app, people):
    client = app.test_client()
    stale = csrf_token(client, "/sign-in")  # a sign-in form left open in one tab
    sign_in(client, "learner@example.org")  # signing in from another tab
    response = client.post(
        "/sign-in",
        data={"email": "learner@example.org", "password": PASSWORD, "csrf_token": stale},
        headers={"Referer": "http://localhost/sign-in"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/home"


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("GET", "/reports/people?q=a%00b", None),
        ("GET", "/team?q=%00", None),
        ("GET", "/reports/export/matrix.xlsx?q=%00", None),
        ("POST", "/forgotten-password", {"email": "a\x00@example.org"}),
        ("POST", "/admin/users/new", {"first_name": "Ann\x00", "last_name": "Other"}),
    ],
)
def test_a_null_character_is_refused_with_a_message(app, client_as, method, path, data):
    client = client_as("admin" if path.startswith("/admin") else "officer")
    if data is not None:
        data = {**data, "csrf_token": csrf_token(client, path)}
    response = client.open(
        path, method=method, data=data, headers={"Referer": f"http://localhost{path}"}
    )
    assert response.status_code == 400, response.status_code
    assert "a character that cannot be stored (a null character)" in response.text


def test_signing_in_with_a_null_character_is_refused_and_changes_nothing(app, client, people):
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": "learner\x00@example.org", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "http://localhost/sign-in"},
    )
    assert response.status_code == 400 and "null character" in response.text
    assert client.get("/home").status_code == 302


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
            assert "POST" in rule.methods  # its GET only shows the page (tested above)


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
    create_user(app, "carriage@example.org")
    client = app.test_client()
    sign_in(client, "carriage@example.org", "a wrong password typed in")
    sign_in(client, "carriage@example.org")
    cookie = client.get_cookie("session").value
    # No token: a CSRF failure, logged with the request's path, in which anyone can put a
    # CR LF and a line of forged JSON (%0D%0A reaches the app decoded, as under gunicorn).
    forged = '\r\n{"event": "FAKE"}'
    client.post("/modules/x%0D%0A%7B%22event%22%3A%20%22FAKE%22%7D/quiz")
    submit(client, "/sign-out", {}, form_path="/home")
    output = capfd.readouterr().err
    assert "a wrong password typed in" not in output
    assert PASSWORD not in output
    assert cookie not in output
    assert "\n" + forged.strip() not in output
    # Every line is one whole JSON object, and the CR LF stayed inside its own entry.
    entries = [json.loads(line) for line in output.split("\n") if line.strip()]
    assert [e["path"] for e in entries if e.get("event") == "csrf_failure"] == [
        f"/modules/x{forged}/quiz"
    ]
    assert "FAKE" not in [e.get("event") for e in entries]
    events = [e.get("event") for e in entries]
    assert {"sign_in_failed", "sign_in", "csrf_failure", "sign_out"} <= set(events)
    for entry in entries:
        assert entry["time"].endswith("+00:00")
