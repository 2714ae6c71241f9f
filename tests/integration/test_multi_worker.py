"""Brute-force protection holds across several gunicorn workers (checklist 3)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.support.accounts import PASSWORD
from tests.support.gunicorn import CSRF_RE, Gunicorn, session_cookie


def attempt(server: Gunicorn, email: str, password: str) -> int:
    _status, headers, html = server.request("GET", "/sign-in")
    cookie = session_cookie(headers)
    token = CSRF_RE.search(html).group(1)
    status, _headers, _body = server.request(
        "POST",
        "/sign-in",
        body=urlencode({"email": email, "password": password, "csrf_token": token}),
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{server.port}/sign-in",
        },
    )
    return status


def test_lockout_is_shared_by_four_workers(app, people, tmp_path):
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=4, folder=tmp_path)
    try:
        # Concurrent attempts: each worker serves one request at a time, so they spread
        # over the workers, and the counter must not lose any of them.
        # Twenty attempts from ten threads: enough overlap that a busy machine still spreads
        # them (five from five threads once all landed on one worker).
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(
                pool.map(lambda n: attempt(server, "learner@example.org", f"wrong {n}"), range(20))
            )
        assert statuses == [200] * 20
        assert attempt(server, "learner@example.org", PASSWORD) == 200  # refused: locked
        # The attempts really were spread over several processes.
        assert len(server.worker_pids_for("POST", "/sign-in")) >= 2
    finally:
        server.stop()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "learner@example.org"))
        assert user.locked_until is not None
