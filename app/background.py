"""Work a request hands off to a thread of its own, so that its response does not wait for
it (sending e-mail) and does not reveal it by its timing (whether a reset request found an
account).

Not a daemon thread: a worker that is told to stop finishes the work first. A worker that
is killed outright loses work it had not done; what is handed off here can be asked for
again (another reset link, another e-mail).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)


def run(work: Callable[..., Any], *args: Any) -> None:
    app = current_app._get_current_object()

    def in_app_context() -> None:
        with app.app_context():
            try:
                work(*args)
            except Exception:
                log.exception("background work failed", extra={"event": "background_failed"})

    threading.Thread(target=in_app_context, name=f"background-{work.__name__}").start()
