"""Service navigation items for the signed-in user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, session, url_for
from flask_login import current_user

from app.auth.services import SESSION_MANAGES


@dataclass(frozen=True)
class _Item:
    endpoint: str
    text: str
    who: str  # signed_in, training_officer or administrator
    # Other pages that belong under this item (it shows as active on them).
    section: tuple[str, ...] = ()


_ITEMS = (
    _Item("main.home", "Your training", "signed_in", ("learning.", "quizzes.")),
    _Item(
        "certificates.mine",
        "Your certificates",
        "signed_in",
        ("certificates.record", "certificates.download"),
    ),
    _Item("auth.account", "Your account", "signed_in", ("auth.change_password",)),
    _Item(
        "admin.users",
        "Users",
        "administrator",
        (
            "admin.new_user",
            "admin.user",
            "admin.edit_user",
            "admin.deactivate_user",
            "admin.reactivate_user",
            "admin.departments",
            "admin.rename_department",
        ),
    ),
    _Item("reports.team", "Your team", "line_manager", ("reports.team_member",)),
    _Item(
        "reports.dashboard",
        "Compliance",
        "training_officer",
        ("reports.",),
    ),
    _Item("admin.audit_log", "Audit log", "training_officer"),
    _Item("admin.settings_and_content", "Settings", "administrator"),
)


def _can_see(who: str) -> bool:
    if who == "signed_in":
        return True
    if who == "line_manager":
        return bool(session.get(SESSION_MANAGES))
    if who == "training_officer":
        return current_user.is_training_officer or current_user.is_administrator
    if who == "administrator":
        return current_user.is_administrator
    return False


def _in_section(item: _Item, endpoint: str | None) -> bool:
    if not endpoint or endpoint == item.endpoint:
        return False
    return any(endpoint == s or (s.endswith(".") and endpoint.startswith(s)) for s in item.section)


def navigation_items() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for item in _ITEMS:
        # Items for features not built (or not registered) yet are left out.
        if item.endpoint not in current_app.view_functions or not _can_see(item.who):
            continue
        items.append(
            {
                "href": url_for(item.endpoint),
                "text": item.text,
                "current": request.endpoint == item.endpoint,
                "active": _in_section(item, request.endpoint),
            }
        )
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["navigation_items"] = navigation_items
