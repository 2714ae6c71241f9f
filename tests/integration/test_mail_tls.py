"""Mail over TLS from the first byte (MAIL_USE_SSL, port 465) checks the server's
certificate, as STARTTLS does: an impostor's server never receives the set-password link
that an invitation carries (nor MAIL_PASSWORD)."""

from __future__ import annotations

import ssl
import subprocess
import time

import pytest

from app.extensions import db
from tests.conftest import make_app
from tests.support.accounts import create_department, create_user, sign_in, submit
from tests.support.smtp import _Handler, _LoopbackController


@pytest.fixture
def impostor_tls_server(tmp_path):
    """An SMTP server on loopback speaking TLS from the first byte (port 465 style) with a
    self-signed certificate: what a man in the middle would present."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = _Handler(0)
    controller = _LoopbackController(handler, hostname="127.0.0.1", port=0, ssl_context=context)
    controller.start()
    yield controller, handler
    controller.stop()


def test_mail_over_ssl_refuses_a_server_certificate_no_one_vouches_for(
    database_url, impostor_tls_server, capfd
):
    controller, handler = impostor_tls_server
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        MAIL_USE_SSL=True,
        MAIL_USERNAME="",
        BASE_URL="https://training.example.org",
    )
    housing = create_department(app, "Housing")
    create_user(app, "admin@example.org", first_name="Angus", is_administrator=True)
    client = app.test_client()
    assert sign_in(client, "admin@example.org").status_code == 302
    response = submit(
        client,
        "/admin/users/new",
        {
            "employee_number": "E777",
            "first_name": "Nina",
            "last_name": "Newcomer",
            "email": "nina@example.org",
            "department": str(housing),
            "start_date": ["3", "11", "2026"],
            "regulated_role": "no",
            "professional_body": "none",
        },
    )
    assert response.status_code == 302
    # The e-mail goes on a thread after the response: wait for its outcome in the log.
    logged = ""
    deadline = time.monotonic() + 10
    while '"mail_failed"' not in logged and time.monotonic() < deadline:
        time.sleep(0.05)
        logged += capfd.readouterr().err
    with app.app_context():
        db.engine.dispose()
    delivered = [m["To"] for m in handler.messages]
    assert delivered == [], f"invitation handed to an unverified TLS server: {delivered}"
    # It was tried, and refused for the certificate (not for some other reason).
    assert '"mail_failed"' in logged, "the e-mail was never tried"
    assert "CERTIFICATE_VERIFY_FAILED" in logged
