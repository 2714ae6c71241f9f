"""In Chromium: the demo training officer exempts the demo manager from one module and
records a completion from elsewhere for another; she then sees both on "Your training",
the module pages and her training record. Every page: axe-core and the Nu HTML checker."""

from __future__ import annotations

import re

import pytest

from tests.browser import journey
from tests.browser.journey import click, sign_in_by_keyboard

pytestmark = pytest.mark.browser

EXEMPT_FROM = "Social media: at work and in your own time"
DONE_ELSEWHERE = "Using the internet and e-mail at work"


def check(page, html_checker, seen):
    journey.check(page, html_checker, seen, "changes")


def correct(page, action: str, title: str, fields: dict[str, str], button: str) -> None:
    # The link's name ends with the module's title (visually hidden, after a colon).
    name = re.compile(rf"^{action}\s*:\s*{re.escape(title)}$")
    click(page, page.get_by_role("link", name=name))
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    click(page, page.get_by_role("button", name=button))


def test_a_learner_sees_what_an_officer_recorded(live_server, browser, html_checker):
    base = live_server.url
    seen: set[str] = set()
    officer = browser.new_context(bypass_csp=True).new_page()
    sign_in_by_keyboard(officer, base, "officer@example.org")
    officer.goto(base + "/reports/people?q=Aileen")
    click(officer, officer.get_by_role("link", name="Aileen Kerr"))
    exempt_title, elsewhere_title = EXEMPT_FROM, DONE_ELSEWHERE
    correct(
        officer,
        "Exempt",
        exempt_title,
        {"Why is this person exempt?": "Does not use social media for work"},
        "Exempt from this module",
    )
    correct(
        officer,
        "Record completion done elsewhere",
        elsewhere_title,
        {"Day": "2", "Month": "11", "Year": "2026", "Evidence": "Classroom session"},
        "Record completion",
    )
    assert "Classroom session" in officer.locator("main").inner_text()
    officer.context.close()

    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, base, "manager@example.org")
    check(page, html_checker, seen)
    text = page.locator("main").inner_text()
    assert "Exempt" in text and "you do not need to take it" in text
    assert "Completed elsewhere" in text and "It expires on 2 November 2027" in text

    click(page, page.get_by_role("link", name=exempt_title))
    check(page, html_checker, seen)
    assert "exempted you from this module" in page.locator("main").inner_text()
    page.go_back()
    click(page, page.get_by_role("link", name=elsewhere_title))
    check(page, html_checker, seen)
    assert "completed this training elsewhere" in page.locator("main").inner_text()

    page.goto(base + "/training-record")
    check(page, html_checker, seen)
    text = page.locator("main").inner_text()
    assert "Changes made by a training officer" in text
    assert "Does not use social media for work" in text and "Classroom session" in text
    context.close()


def test_the_pages_are_valid_html(html_checker):
    journey.assert_valid_html(html_checker)
