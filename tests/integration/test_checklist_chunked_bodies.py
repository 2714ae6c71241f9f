"""Checklist 31: a 50 MB body sent chunked (no Content-Length) under gunicorn is refused
with 413, as one that states its length is; it is not cut off at the limit and acted on."""

from __future__ import annotations

import socket

from tests.support.gunicorn import Gunicorn


def test_a_chunked_50_mb_post_is_refused_with_413(app, people, tmp_path):
    """MAX_CONTENT_LENGTH (6 MiB) is refused with 413 when the request says its length; the
    same 50 MB sent with Transfer-Encoding: chunked (any script can) must be refused too,
    not read and parsed whole. Public endpoint: a CSRF token is free for anyone."""
    from urllib.parse import urlencode

    from tests.support.gunicorn import CSRF_RE, session_cookie

    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=1, folder=tmp_path)
    try:
        _status, headers, html = server.request("GET", "/sign-in")
        cookie = session_cookie(headers)
        token = CSRF_RE.search(html).group(1)
        head = (
            urlencode(
                {"email": "learner@example.org", "password": "x", "csrf_token": token}
            ).encode()
            + b"&pad="
        )
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        sock.sendall(
            b"POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Cookie: {cookie}\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        sent = 0
        try:
            sock.sendall(b"%x\r\n" % len(head) + head + b"\r\n")
            chunk = b"y" * (1024 * 1024)
            for _ in range(50):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may stop reading once it has answered 413
        data = b""
        try:
            while part := sock.recv(65536):
                data += part
        except OSError:
            pass
        sock.close()
    finally:
        server.stop()
    status = int(data.split(b" ", 2)[1]) if data else None
    processed = b"Enter a correct email address and password" in data
    assert (status, processed) == (413, False), (status, sent, processed)
    assert b"did not say how large it was" in data
