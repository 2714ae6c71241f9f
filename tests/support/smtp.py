"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import re
import time
from email.message import Message

from aiosmtpd.controller import Controller


class _LoopbackController(Controller):
    """aiosmtpd 1.4 connects to `port` to check that the server is up, which fails for
    port 0: learn the port the system chose before that check."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    def __init__(self, delay_seconds: float) -> None:
        self.messages: list[Message] = []
        self.delay_seconds = delay_seconds

    async def handle_DATA(self, server, session, envelope):
        # A slow mail server takes its time before it accepts a message.
        await asyncio.sleep(self.delay_seconds)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, delay_seconds: float = 0) -> None:
        self._handler = _Handler(delay_seconds)
        self._controller = _LoopbackController(self._handler, hostname="127.0.0.1", port=0)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def messages(self) -> list[Message]:
        return self._handler.messages

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def link_in(message: Message) -> str:
    match = re.search(r"https?://\S+/(?:set|reset)-password/\S+", body_of(message))
    assert match, "no link in the e-mail"
    return match.group(0)
