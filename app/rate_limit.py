"""Rate limits counted in the database, so that every worker process shares them."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select

from app.database import short_write
from app.extensions import db
from app.models import RateLimitHit
from app.models.base import utcnow


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["RATE_LIMIT_WINDOW_MINUTES"])


def count(key: str, window: timedelta | None = None) -> int:
    since = utcnow() - (window or _window())
    return db.session.scalar(
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.key == key, RateLimitHit.created_at >= since)
    )


def exceeded(key: str, limit: int, window: timedelta | None = None) -> bool:
    """Whether `key` has `limit` hits in the window (RATE_LIMIT_WINDOW_MINUTES unless given)."""
    return count(key, window) >= limit


def retry_after(key: str, limit: int, window: timedelta | None = None) -> int:
    """Seconds until `key` is back under `limit`: when the hit that keeps it at the limit
    leaves the window (for a Retry-After header)."""
    window = window or _window()
    now = utcnow()
    keeping = db.session.scalar(
        select(RateLimitHit.created_at)
        .where(RateLimitHit.key == key, RateLimitHit.created_at >= now - window)
        .order_by(RateLimitHit.created_at.desc())
        .offset(max(limit - 1, 0))
        .limit(1)
    )
    if keeping is None:
        return 1
    return max(1, math.ceil((keeping + window - now).total_seconds()))


def hit(key: str) -> None:
    db.session.add(RateLimitHit(key=key))


def hit_now(key: str) -> None:
    """Record a hit in its own short transaction, for a page that only reads (a GET)."""
    with short_write() as connection:
        connection.execute(insert(RateLimitHit).values(key=key, created_at=utcnow()))


def clear(key: str) -> None:
    db.session.execute(delete(RateLimitHit).where(RateLimitHit.key == key))


# The longest window any limit counts over (exports are counted per hour).
LONGEST_WINDOW = timedelta(hours=1)


def purge_expired() -> int:
    """Old hits count for nothing; `flask purge-rate-limits` removes them."""
    keep = max(_window(), LONGEST_WINDOW)
    result = db.session.execute(
        delete(RateLimitHit).where(RateLimitHit.created_at < utcnow() - keep)
    )
    return result.rowcount or 0
