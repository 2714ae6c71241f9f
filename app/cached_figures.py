"""Figures that are costly to count, kept per process until the data behind them changes.

Each entry is stored with the database's change counter (app/models/change.py) read just
before it was computed. A later request reads the counter again (one primary-key lookup)
and recomputes when it has moved, so an officer never sees figures from before a change,
even one made in another process. Reading the counter before computing means a change
that commits in between can only make the entry fresher than its counter, never staler.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import ChangeCounter

MAX_ENTRIES = 64  # filter combinations an officer might page through


class _Store:
    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.lock = threading.Lock()


def _store() -> _Store:
    return current_app.extensions.setdefault("cached_figures", _Store())


def cached(counter: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its earlier result if the `counter` has not moved since."""
    version = db.session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == counter))
    if version is None:
        return compute()  # no counter row (a database not yet migrated): never cache
    store = _store()
    full_key = (counter, key)
    with store.lock:
        found = store.entries.get(full_key)
        if found is not None and found[0] == version:
            store.entries.move_to_end(full_key)
            return found[1]
    value = compute()
    with store.lock:
        store.entries[full_key] = (version, value)
        store.entries.move_to_end(full_key)
        while len(store.entries) > MAX_ENTRIES:
            store.entries.popitem(last=False)
    return value
