"""Whole journeys in Chromium: an invitation from the e-mail that arrived, setting a
password, signing in and out, your account and a forgotten password — each page
scanned with axe-core and checked by the Nu HTML checker."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, describe_violations, run_axe, served_html
from tests.browser.journey import click
from tests.support.smtp import link_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "heather on the Bathgate hills at dusk"


def check_page(page, html_checker, name):
    violations = run_axe(page)
    assert violations == [], f"{name}: {describe_violations(violations)}"
    html_checker.add(name, served_html(page))


def sign_in(page, base, email, password):
    page.goto(base + "/sign-in")
    page.get_by_role("textbox", name="Email address").fill(email)
    page.locator("#password").fill(password)
    click(page, page.get_by_role("button", name="Sign in"))


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    assert "You have signed out" in page.locator(".govuk-notification-banner").inner_text()


def test_new_person_follows_the_invitation_from_the_email(
    live_server, live_smtp, browser, html_checker
):
    base = live_server.url
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()

    # An administrator adds a new starter, which sends the invitation.
    sign_in(page, base, "admin@example.org", DEMO_PASSWORD)
    page.goto(base + "/admin/users/new")
    page.get_by_label("Employee number", exact=True).fill("N9001")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Ogilvie")
    page.get_by_label("Email address").fill("nia.ogilvie@example.org")
    page.get_by_label("Department").select_option(label="Libraries")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("None", exact=True).check()
    click(page, page.get_by_role("button", name="Add person"))
    assert "invitation" in page.locator(".govuk-notification-banner").inner_text()
    sign_out(page)
    context.close()

    # The new starter opens the link in the e-mail that arrived.
    live_smtp.wait_for(1)
    message = next(m for m in live_smtp.messages if m["To"] == "nia.ogilvie@example.org")
    link = link_in(message)
    assert link.startswith(base + "/set-password/")

    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(link)
    assert page.locator("h1").inner_text() == "Set your password"
    check_page(page, html_checker, "set-password")

    # A weak password is refused with a clear message, then a good one is accepted.
    page.get_by_role("textbox", name="New password", exact=True).fill("Password1!")
    page.get_by_role("textbox", name="Confirm new password").fill("Password1!")
    click(page, page.get_by_role("button", name="Save password"))
    assert "too easy to guess" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    check_page(page, html_checker, "set-password-error")
    page.get_by_role("textbox", name="New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("textbox", name="Confirm new password").fill(NEW_PASSWORD)
    click(page, page.get_by_role("button", name="Save password"))
    page.wait_for_url("**/sign-in")
    assert "Your password has been saved" in page.locator(".govuk-notification-banner").inner_text()

    sign_in(page, base, "nia.ogilvie@example.org", NEW_PASSWORD)
    page.wait_for_url("**/home")
    assert page.locator("h1").inner_text() == "Your training"
    check_page(page, html_checker, "home")

    click(page, page.get_by_role("link", name="Your account"))
    assert page.locator("h1").inner_text() == "Your account"
    assert "Libraries" in page.locator("main").inner_text()
    check_page(page, html_checker, "account")
    click(page, page.get_by_role("link", name="Change your password"))
    check_page(page, html_checker, "change-password")

    sign_out(page)
    page.goto(base + "/home")
    page.wait_for_url(re.compile(r".*/sign-in\?next=/home$"))

    # The link cannot be used twice.
    page.goto(link)
    assert page.locator("h1").inner_text() == "This link has expired or has already been used"
    check_page(page, html_checker, "link-expired")
    context.close()


def test_forgotten_password_pages(live_server, browser, html_checker):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/sign-in")
    click(page, page.get_by_role("button", name="Sign in"))
    assert page.title().startswith("Error: Sign in")
    check_page(page, html_checker, "sign-in-errors")
    click(page, page.get_by_role("link", name="Forgotten your password?"))
    check_page(page, html_checker, "forgotten-password")
    page.get_by_role("textbox", name="Email address").fill("someone@example.org")
    click(page, page.get_by_role("button", name="Send reset link"))
    assert page.locator("h1").inner_text() == "Check your email"
    check_page(page, html_checker, "reset-link-sent")
    context.close()


def test_sign_in_by_keyboard_alone(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/sign-in")
    page.get_by_role("textbox", name="Email address").focus()
    page.keyboard.type("staff@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    assert page.locator("h1").inner_text() == "Your training"
    context.close()


def test_pages_in_the_journeys_are_valid_html(html_checker):
    assert html_checker.pages, "the journeys above should have collected pages"
    errors = html_checker.errors()
    assert errors == [], "\n".join(
        f"{e.get('url', '').rsplit('/', 1)[-1]}:{e.get('lastLine')}: {e.get('message')}"
        for e in errors
    )
