"""The administration pages in real Chromium: accessible (axe-core) and valid HTML (Nu).

Signed in as the demo administrator. The demo sign-in accounts are only looked at, never
changed: other tests sign in with them. A throwaway person is added through the form for
the pages that change an account.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, describe_violations, run_axe, served_html
from tests.browser.journey import click

pytestmark = pytest.mark.browser

THROWAWAY_EMAIL = "browser.throwaway@example.org"


def sign_in_as_admin(page, live_server) -> None:
    page.goto(live_server.url + "/sign-in")
    page.get_by_role("textbox", name="Email address").fill("admin@example.org")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")


def check(page, heading: str, *, errors: bool = False) -> None:
    """The page has the heading, and axe-core finds nothing wrong with it."""
    assert page.locator("h1").inner_text() == heading
    title = page.title()
    assert title.startswith(("Error: " if errors else "") + heading), title
    if errors:
        assert page.locator(".govuk-error-summary").is_visible()
    violations = run_axe(page)
    assert violations == [], f"{page.url}\n{describe_violations(violations)}"


def add_raw(page, html_checker, name: str, path: str | None = None) -> None:
    """Keep the HTML exactly as served (page.content() would be Chromium's re-serialisation):
    the page on screen, a form with its errors included, or a fresh GET of `path`."""
    if path is None:
        html_checker.add(name, served_html(page))
        return
    url = page.url.split("/admin", 1)[0] + path
    response = page.request.get(url)
    assert response.ok, url
    html_checker.add(name, response.text())


def test_admin_pages_are_accessible_and_valid(live_server, browser, html_checker):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_as_admin(page, live_server)

    # The list of people, with the pagination the demo council's 50-odd people need.
    page.get_by_role("link", name="Users", exact=True).click()
    page.wait_for_url("**/admin/users")
    check(page, "Users")
    assert page.locator(".govuk-pagination").is_visible()
    assert re.match(r"Showing 1 to 50 of \d+ people", page.get_by_text("Showing 1 to").inner_text())
    add_raw(page, html_checker, "admin-users")

    # A search and filters: they live in the URL.
    page.get_by_label("Search", exact=True).fill("baird")
    page.get_by_label("Role", exact=True).select_option(label="Administrator")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/admin/users?q=baird*")
    check(page, "Users")
    assert page.get_by_role("link", name="Fiona Baird").is_visible()
    add_raw(page, html_checker, "admin-users-search")

    page.goto(live_server.url + "/admin/users?q=no-one-has-this-name")
    check(page, "Users")
    assert page.get_by_text("No people match your search.").is_visible()

    # A person with reports: the line manager.
    page.goto(live_server.url + "/admin/users?q=manager%40example.org")
    page.locator("table a").first.click()
    page.wait_for_url(re.compile(r".*/admin/users/\d+$"))
    heading = page.locator("h1").inner_text()
    check(page, heading)
    assert page.get_by_role("heading", name="Reports").is_visible()
    add_raw(page, html_checker, "admin-person")

    # The edit form, pre-filled (looked at, not saved).
    click(page, page.get_by_role("button", name="Change details"))
    check(page, "Change details")
    assert page.get_by_label("Email address", exact=True).input_value() == "manager@example.org"
    add_raw(page, html_checker, "admin-edit-person")

    # Their own record: a new address needs their password (refused here, nothing saved;
    # no password is typed, so no wrong guess is counted against the demo account).
    page.goto(live_server.url + "/admin/users?q=admin%40example.org")
    click(page, page.locator("table a").first)
    click(page, page.get_by_role("button", name="Change details"))
    check(page, "Change details")
    page.get_by_label("Email address", exact=True).fill("admin.new@example.org")
    click(page, page.get_by_role("button", name="Save changes"))
    check(page, "Change details", errors=True)
    page.get_by_role("link", name="Enter your current password").click()
    assert page.evaluate("document.activeElement.id") == "current_password"
    sent = page.evaluate(  # the form as the browser would send it again
        "new URLSearchParams(new FormData(document.querySelector('main form'))).toString()"
    )
    own = page.request.post(
        page.url,
        data=sent,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": page.url},
    )
    assert own.status == 200 and "Enter your current password" in own.text()
    html_checker.add("admin-edit-self-errors", own.text())

    # Adding a person: first with nothing filled in, to see the errors.
    page.goto(live_server.url + "/admin/users/new")
    check(page, "Add a person")
    add_raw(page, html_checker, "admin-new-person")
    click(page, page.get_by_role("button", name="Add person"))
    check(page, "Add a person", errors=True)
    assert page.get_by_role("link", name="Enter an employee number").is_visible()
    page.get_by_role("link", name="Enter the date they started").click()
    assert page.evaluate("document.activeElement.id") == "start_date"
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    errors = page.request.post(
        live_server.url + "/admin/users/new", form={"csrf_token": token, "email": "bad"}
    )
    assert errors.status == 200
    html_checker.add("admin-new-person-errors", errors.text())

    # …then properly, making the throwaway person.
    page.get_by_label("Employee number", exact=True).fill("BT0001")
    page.get_by_label("First name", exact=True).fill("Brodie")
    page.get_by_label("Last name", exact=True).fill("Throwaway")
    page.get_by_label("Email address", exact=True).fill(THROWAWAY_EMAIL)
    page.get_by_label("Department", exact=True).select_option(label="Libraries")
    page.get_by_label("Day", exact=True).fill("3")
    page.get_by_label("Month", exact=True).fill("11")
    page.get_by_label("Year", exact=True).fill("2026")
    page.get_by_role("group", name="Do they work in a regulated role?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("None", exact=True).check()
    page.get_by_role("button", name="Add person").click()
    page.wait_for_url(re.compile(r".*/admin/users/\d+$"))
    check(page, "Brodie Throwaway")
    assert page.get_by_text("Person added. We have sent them an invitation.").is_visible()
    person_url = page.url

    # Deactivating them: the confirmation, its error, then done.
    click(page, page.get_by_role("button", name="Deactivate account"))
    check(page, "Deactivate account")
    add_raw(page, html_checker, "admin-deactivate")
    click(page, page.get_by_role("button", name="Deactivate account"))
    check(page, "Deactivate account", errors=True)
    page.get_by_label("Why are you deactivating this account?", exact=True).fill("Browser test")
    page.get_by_role("button", name="Deactivate account").click()
    page.wait_for_url(person_url)
    check(page, "Brodie Throwaway")
    add_raw(page, html_checker, "admin-person-deactivated")
    click(page, page.get_by_role("button", name="Reactivate account"))
    check(page, "Reactivate account")
    add_raw(page, html_checker, "admin-reactivate")

    # Departments, and renaming one (looked at, not saved).
    page.goto(live_server.url + "/admin/departments")
    check(page, "Departments")
    add_raw(page, html_checker, "admin-departments")
    click(page, page.get_by_role("link", name="Rename Libraries"))
    check(page, "Rename department")
    add_raw(page, html_checker, "admin-rename-department")

    # Settings and content, reached from the navigation.
    click(page, page.get_by_role("link", name="Settings", exact=True))
    check(page, "Settings and content")
    assert page.get_by_role("columnheader", name="Content version").is_visible()
    add_raw(page, html_checker, "admin-settings")

    # The audit log, filtered by a person, and with a date it cannot read.
    page.goto(live_server.url + "/admin/audit-log")
    check(page, "Audit log")
    assert page.get_by_role("cell", name="User created").first.is_visible()
    add_raw(page, html_checker, "admin-audit-log")
    page.goto(person_url)
    click(page, page.get_by_role("link", name="See all their activity in the audit log"))
    check(page, "Audit log")
    assert page.get_by_role("cell", name="User deactivated").first.is_visible()
    add_raw(page, html_checker, "admin-audit-log-person")
    page.get_by_label("Date from", exact=True).fill("31/02/2026")
    click(page, page.get_by_role("button", name="Filter"))
    check(page, "Audit log", errors=True)
    assert page.get_by_role(
        "link", name="Date from must be a real date, like 29/11/2026"
    ).is_visible()
    add_raw(page, html_checker, "admin-audit-log-bad-date")

    context.close()
    problems = html_checker.errors()
    assert problems == [], "\n".join(
        f"{e.get('url', '').rsplit('/', 1)[-1]}:{e.get('lastLine')}: {e.get('message')}"
        for e in problems
    )


def test_admin_pages_work_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in_as_admin(page, live_server)
    page.goto(live_server.url + "/admin/users")
    page.get_by_label("Status", exact=True).select_option(label="All")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/admin/users?*status=all*")
    assert page.locator("h1").inner_text() == "Users"
    click(page, page.get_by_role("link", name="Departments", exact=True))
    assert page.locator("h1").inner_text() == "Departments"
    page.goto(live_server.url + "/admin/audit-log?event=sign_in")
    assert page.get_by_role("cell", name="Signed in").first.is_visible()
    context.close()


def test_officers_see_the_audit_log_but_not_user_administration(live_server, browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/sign-in")
    page.get_by_role("textbox", name="Email address").fill("officer@example.org")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    assert page.get_by_role("link", name="Audit log").is_visible()
    assert page.get_by_role("link", name="Users", exact=True).count() == 0
    click(page, page.get_by_role("link", name="Audit log"))
    check(page, "Audit log")
    response = page.goto(live_server.url + "/admin/users")
    assert response.status == 403
    context.close()
