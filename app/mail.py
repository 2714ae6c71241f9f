"""Outgoing e-mail.

Messages are queued during a request or command and sent only after its transaction
commits, so nobody receives a link to something that was rolled back. A request's
messages go on a thread of their own: how long a page takes then says nothing about
whether an e-mail went (the forgotten-password page answers a known address as fast as
an unknown one), and a slow mail server does not hold a page up. Without
MAIL_SERVER (development), a message is written to the log instead of being sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, g

from app import background

log = logging.getLogger(__name__)


def queue(to: str, subject: str, body: str) -> None:
    # Kept as plain values: the message is built only when it is sent, after the commit.
    g.setdefault("mail_outbox", []).append((to, subject, body))


def _message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    # Many relays do not add these, and a message without them is scored as spam
    # (RFC 5322 requires Date). Made when sent, after the commit.
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=_sender_domain())
    # RFC 3834: out-of-office and other automatic replies are not sent back to us.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _sender_domain() -> str:
    # Given, so that make_msgid does not look up this host's name (a DNS query, and the
    # server's own name in every message).
    config = current_app.config
    address = parseaddr(config["MAIL_FROM"])[1]
    domain = address.rpartition("@")[2] if "@" in address else ""
    return domain or urlsplit(config["BASE_URL"]).hostname or "localhost"


@contextmanager
def unsent_if_undone() -> Iterator[None]:
    """For a savepoint: messages queued inside the block are dropped if it raises, as its
    writes are, while messages queued before it stay. (A whole transaction's messages go
    with `discard_queued`.)"""
    before = list(g.get("mail_outbox", []))
    try:
        yield
    except BaseException:
        g.mail_outbox = before
        raise


def discard_queued() -> None:
    g.pop("mail_outbox", None)


def send_queued() -> None:
    _send(g.pop("mail_outbox", []))


def send_queued_after() -> None:
    """Send this request's messages on a thread of their own (app/background.py), so
    that nothing about the response waits for the mail server."""
    outbox = g.pop("mail_outbox", [])
    if outbox:
        background.run(_send, outbox)


def _send(outbox: list[tuple[str, str, str]]) -> None:
    for item in outbox:
        message = _message(*item)
        try:
            _deliver(message)
        except (OSError, smtplib.SMTPException):
            # The change is saved; the person can ask for the e-mail again.
            log.exception("e-mail not sent", extra={"event": "mail_failed", "to": message["To"]})


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        if config["APP_ENV"] == "production":
            log.warning("MAIL_SERVER is not set; e-mail not sent", extra={"event": "mail_off"})
            return
        log.info("development e-mail\n%s", message.as_string(), extra={"event": "mail_logged"})
        return
    # Both kinds of TLS check the server's certificate: an impostor must not receive the
    # set-password and reset links (smtplib's own default for SMTP_SSL checks nothing).
    server = (config["MAIL_SERVER"], config["MAIL_PORT"])
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        connection = smtplib.SMTP_SSL(
            *server, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = smtplib.SMTP(*server, timeout=timeout)
    with connection as smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    log.info("e-mail sent", extra={"event": "mail_sent", "subject": message["Subject"]})
