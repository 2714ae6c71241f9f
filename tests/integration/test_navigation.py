"""Service navigation: the items for your roles, and only the right one marked current."""

from __future__ import annotations

import re

import pytest


def nav(html: str) -> dict[str, str]:
    """{item text: "page" | "true" | ""} for aria-current on each navigation link."""
    items = {}
    for attrs, text in re.findall(
        r'<a class="govuk-service-navigation__link" href="[^"]*"([^>]*)>\s*(?:<strong[^>]*>)?'
        r"([^<]+?)\s*<",
        html,
    ):
        current = re.search(r'aria-current="(\w+)"', attrs)
        items[text.strip()] = current.group(1) if current else ""
    return items


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("learner", {"Your training", "Your certificates", "Your account"}),
        ("line_manager", {"Your training", "Your certificates", "Your team", "Your account"}),
        (
            "officer",
            {"Your training", "Your certificates", "Your account", "Compliance", "Audit log"},
        ),
        (
            "admin",
            {
                "Your training",
                "Your certificates",
                "Your account",
                "Users",
                "Compliance",
                "Audit log",
                "Settings",
            },
        ),
    ],
)
def test_items_follow_roles(client_as, role, expected):
    items = nav(client_as(role).get("/home").get_data(as_text=True))
    assert set(items) - {"Online conduct training"} == expected


def test_only_the_right_item_is_marked(client_as):
    client = client_as("admin")
    assert nav(client.get("/admin/users").get_data(as_text=True))["Users"] == "page"
    audit = nav(client.get("/admin/audit-log").get_data(as_text=True))
    assert audit["Audit log"] == "page" and audit["Users"] == ""
    departments = nav(client.get("/admin/departments").get_data(as_text=True))
    assert departments["Users"] == "true" and departments["Audit log"] == ""
    settings = nav(client.get("/admin/settings").get_data(as_text=True))
    assert settings["Settings"] == "page" and settings["Users"] == ""
    lesson = nav(client.get("/modules/sample-module").get_data(as_text=True))
    assert lesson["Your training"] == "true"


def test_sign_out_is_a_button_in_a_post_form(client_as):
    html = client_as("learner").get("/home").get_data(as_text=True)
    assert re.search(
        r'<form method="post" action="/sign-out"[^>]*>\s*<input type="hidden" '
        r'name="csrf_token"',
        html,
    )


def test_certificate_pages_sit_under_your_certificates(client_as):
    client = client_as("learner")
    assert nav(client.get("/certificates").get_data(as_text=True))["Your certificates"] == "page"
    record = nav(client.get("/training-record").get_data(as_text=True))
    assert record["Your certificates"] == "true"
    quiz = nav(client.get("/modules/sample-module/quiz").get_data(as_text=True))
    assert quiz["Your training"] == "true"
