"""E-mail goes once the page has been sent: how long the forgotten-password page takes says
nothing about whether an address has an account, and a slow mail server holds no page up."""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlencode

from tests.support.gunicorn import CSRF_RE, Gunicorn, session_cookie
from tests.support.smtp import SmtpServer

MAIL_DELAY_SECONDS = 3.0


def ask_for_reset(server: Gunicorn, email: str) -> tuple[int, str, float]:
    """Posts the forgotten-password form; returns status, Location and the seconds until
    the server closed the connection (all that someone timing the page could see)."""
    _status, headers, html = server.request("GET", "/forgotten-password")
    token = CSRF_RE.search(html).group(1)
    body = urlencode({"email": email, "csrf_token": token})
    request = (
        "POST /forgotten-password HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        f"Cookie: {session_cookie(headers)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Referer: http://127.0.0.1:{server.port}/forgotten-password\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n" + body
    )
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(request.encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    taken = time.monotonic() - started
    head = received.split(b"\r\n\r\n", 1)[0].decode()
    status = int(head.split()[1])
    location = re.search(r"(?im)^location: (\S+)", head)
    return status, location.group(1) if location else "", taken


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
