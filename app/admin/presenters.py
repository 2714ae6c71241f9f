"""Plain values to plain words for the administration pages. No Flask, no database.

Everything returned here is plain text: templates escape it like any other value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from app.models.base import LOCAL_ZONE

FIELD_LABELS: dict[str, str] = {
    "employee_number": "Employee number",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email address",
    "department": "Department",
    "job_title": "Job title",
    "start_date": "Start date",
    "line_manager": "Line manager",
    "is_regulated_role": "Regulated role",
    "professional_body": "Professional body",
    "roles": "Roles",
    "name": "Name",
    "reason": "Reason",
    "minutes": "Minutes",
    "failures": "Failures",
}

ROLE_LABELS: dict[str, str] = {
    "training_officer": "Training officer",
    "administrator": "Administrator",
}

NOT_SET = "not set"


def local_time(moment: datetime | None) -> str:
    """29 November 2026 13:05 GMT, or 1 July 2026 00:30 BST: UK time, zone named."""
    if moment is None:
        return ""
    moment = moment.astimezone(LOCAL_ZONE)
    return f"{moment.day} {moment:%B %Y %H:%M %Z}"


def iso_time(moment: datetime | None) -> str:
    """For <time datetime="…">: 2026-11-29T13:05:30Z"""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def long_date(day: date | None) -> str:
    """29 November 2026"""
    if day is None:
        return ""
    return f"{day.day} {day:%B %Y}"


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def roles_text(roles: list[str] | None) -> str:
    names = [ROLE_LABELS.get(role, str(role)) for role in roles or []]
    return ", ".join(["Learner", *names])


def roles_of(*, is_line_manager: bool, is_training_officer: bool, is_administrator: bool) -> str:
    """Learner, Line manager, Training officer, Administrator: the roles a person holds."""
    names = ["Learner"]
    if is_line_manager:
        names.append("Line manager")
    if is_training_officer:
        names.append(ROLE_LABELS["training_officer"])
    if is_administrator:
        names.append(ROLE_LABELS["administrator"])
    return ", ".join(names)


def value_text(key: str, value: Any) -> str:
    if key == "roles" and isinstance(value, list):
        return roles_text(value)
    if value is None or value == "":
        return NOT_SET
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):  # as older HR import events list the fields they changed
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):  # an export's filters, say
        shown = [
            f"{field_label(name).lower()} {value_text(name, item)}" for name, item in value.items()
        ]
        return "; ".join(shown) or "none"
    if key == "start_date" and isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def describe_details(event: str, details: dict[str, Any] | None) -> list[str]:
    """One line of plain text for each thing the event's details record."""
    details = details or {}
    lines: list[str] = []
    if event == "roles_changed":
        before, after = details.get("before"), details.get("after")
        lines.append(f"Roles: {roles_text(before)} → {roles_text(after)}")
        return lines
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                change = change if isinstance(change, dict) else {}
                lines.append(
                    f"{field_label(name)}: {value_text(name, change.get('before'))}"
                    f" → {value_text(name, change.get('after'))}"
                )
        elif key in {"after", "before"} and isinstance(value, dict):
            for name, item in value.items():
                lines.append(f"{field_label(name)}: {value_text(name, item)}")
        else:
            lines.append(f"{field_label(key)}: {value_text(key, value)}")
    return lines


def pagination(number: int, pages: int, href: Callable[[int], str]) -> dict[str, Any] | None:
    """Parameters for govukPagination: 1 … 4 [5] 6 … 10, with previous and next links."""
    if pages <= 1:
        return None
    shown = sorted({1, pages, number - 1, number, number + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    previous = 0
    for page in shown:
        if page - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": page, "href": href(page), "current": page == number})
        previous = page
    params: dict[str, Any] = {"items": items}
    if number > 1:
        params["previous"] = {"href": href(number - 1)}
    if number < pages:
        params["next"] = {"href": href(number + 1)}
    return params
