"""Services behind the main pages."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from app import database

log = logging.getLogger(__name__)


def database_is_ready() -> bool:
    try:
        database.ping()
    except SQLAlchemyError:
        log.warning("readiness check failed: database unavailable", exc_info=True)
        return False
    return True
