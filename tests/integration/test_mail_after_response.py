"""E-mail goes once the page has been sent: how long the forgotten-password page takes says
nothing about whether an address has an account, and a slow mail server holds no page up."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.support.gunicorn import CSRF_RE, Gunicorn, session_cookie
from tests.support.smtp import SmtpServer

MAIL_DELAY_SECONDS = 3.0


def ask_for_reset(server: Gunicorn, email: str) -> tuple[int, str, float]:
    """Posts the forgotten-password form; returns status, Location and seconds taken."""
    _status, headers, html = server.request("GET", "/forgotten-password")
    token = CSRF_RE.search(html).group(1)
    started = time.monotonic()
    status, headers, _body = server.request(
        "POST",
        "/forgotten-password",
        body=urlencode({"email": email, "csrf_token": token}),
        headers={
            "Cookie": session_cookie(headers),
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{server.port}/forgotten-password",
        },
    )
    return status, dict(headers).get("Location", ""), time.monotonic() - started


def test_the_reset_page_answers_before_a_slow_mail_server_accepts(app, people, tmp_path):
    smtp = SmtpServer(delay_seconds=MAIL_DELAY_SECONDS).start()
    server = Gunicorn(
        app.config["SQLALCHEMY_DATABASE_URI"],
        workers=2,
        folder=tmp_path,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
    )
    try:
        unknown = ask_for_reset(server, "nobody@example.org")
        known = ask_for_reset(server, "learner@example.org")
        # Both answer alike, and neither waited for the mail server.
        assert unknown[:2] == known[:2] == (302, "/forgotten-password/sent")
        assert known[2] < MAIL_DELAY_SECONDS / 2, f"the page waited {known[2]:.2f} s"
        assert unknown[2] < MAIL_DELAY_SECONDS / 2
        # The e-mail still arrives, to the account's holder only.
        messages = smtp.wait_for(1, timeout=MAIL_DELAY_SECONDS + 10)
        assert [m["To"] for m in messages] == ["learner@example.org"]
    finally:
        server.stop()
        smtp.stop()
