"""Numbers in URLs: path converters and query-string ids.

Every `<int:...>` in our URLs is a row id or a small number. Werkzeug's own converter
accepts any length of digits, and a number past the databases' integer columns makes
the query fail (SQLite: overflow; PostgreSQL: out of range): an error page instead of
"Page not found". Ours matches only what a column can hold, so the rest is simply a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's is wider


class IdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(name: str) -> int | None:
    """A row id from the query string, or None when it is missing or could not be one."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= LARGEST_ID else None


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: rules pick their converters when added."""
    app.url_map.converters["int"] = IdConverter


def page_arg() -> int:
    """?page=N of a paged list: 1 when missing; anything but a whole number of at most six
    ASCII digits is "Page not found" (a number past the last page is the service's 404)."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        abort(404)
    return int(raw)
