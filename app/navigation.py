"""Service navigation items for the signed-in user's roles."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_login import current_user

# (endpoint, text, who sees it); "who" is checked against the user's roles below.
_ITEMS = (
    ("main.home", "Your training", "signed_in"),
    ("auth.account", "Your account", "signed_in"),
    ("admin.users", "Users", "administrator"),
    ("admin.audit_log", "Audit log", "training_officer"),
)


def _can_see(who: str) -> bool:
    if who == "signed_in":
        return True
    if who == "training_officer":
        return current_user.is_training_officer or current_user.is_administrator
    if who == "administrator":
        return current_user.is_administrator
    return False


def navigation_items() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, text, who in _ITEMS:
        # Items for features not built (or not registered) yet are left out.
        if endpoint not in current_app.view_functions or not _can_see(who):
            continue
        blueprint = endpoint.split(".")[0]
        items.append(
            {
                "href": url_for(endpoint),
                "text": text,
                "current": request.endpoint == endpoint,
                "active": request.endpoint is not None
                and request.endpoint != endpoint
                and request.endpoint.startswith(f"{blueprint}.")
                and blueprint not in {"main", "auth"},
            }
        )
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["navigation_items"] = navigation_items
