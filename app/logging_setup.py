"""Structured logs: one JSON object a line, UTC timestamps.

json.dumps escapes line breaks, so a name containing "\r\n" cannot forge a new line.
Only the fields named here and the `extra` fields a caller passes are written; callers
never pass passwords, tokens or cookies.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, has_request_context, request

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def logged_path() -> str:
    """The request's path with any secret in it masked: a one-time link's token, in the
    log, would let anyone who reads the log set the person's password."""
    path = request.path
    token = (request.view_args or {}).get("token")
    return path.replace(token, "[token]") if token else path


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["ip"] = request.remote_addr
            entry["method"] = request.method
            entry["path"] = logged_path()
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    level = app.config["LOG_LEVEL"].strip().upper()  # "info" too: config checked the name
    root = logging.getLogger("app")
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False
    app.logger.handlers = [handler]
    app.logger.setLevel(level)
