"""Steps the browser journeys share: sign in by keyboard, check a page, follow a click."""

from __future__ import annotations

from tests.browser.conftest import DEMO_PASSWORD, describe_violations, run_axe, served_html


def sign_in_by_keyboard(page, base, email):
    page.goto(base + "/sign-in")
    page.get_by_role("textbox", name="Email address").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")


def check(page, html_checker, seen, prefix):
    """No axe-core violation on the page, and its HTML queued for the Nu checker (once)."""
    violations = run_axe(page)
    assert violations == [], f"{page.url}\n{describe_violations(violations)}"
    # A form shown again with its errors is checked as well as the blank form.
    key = page.url.split("?")[0] + (" (errors)" if page.title().startswith("Error: ") else "")
    if key not in seen:
        seen.add(key)
        html_checker.add(f"{prefix}-{len(seen)}", served_html(page))


def finish_learning(page, base, module_id, *, each_page=lambda page: None):
    """Walks a module's path from its task list by the first choice on every page, until
    the task list shows again; `each_page` is called on every page on the way."""
    page.goto(f"{base}/modules/{module_id}")
    each_page(page)
    click(page, page.locator("main .govuk-task-list__link").first)
    for _step in range(200):
        each_page(page)
        main = page.locator("main")
        if page.url.rstrip("/").endswith(f"/modules/{module_id}"):
            return
        radios = main.locator("input[type=radio]")
        if radios.count():
            radios.first.check()
            click(page, main.get_by_role("button", name="Continue"))
            continue
        buttons = main.locator("button.govuk-button:not(.govuk-button--secondary)")
        links = main.locator("a.govuk-button")
        click(page, buttons.first if buttons.count() else links.first)
    raise AssertionError("the module's path did not end")


def click(page, locator):
    with page.expect_navigation():
        locator.click()


def assert_valid_html(html_checker):
    """Every page a journey queued passes the Nu HTML checker."""
    assert html_checker.pages
    errors = html_checker.errors()
    assert errors == [], "\n".join(
        f"{e.get('url', '').rsplit('/', 1)[-1]}:{e.get('lastLine')}: {e.get('message')}"
        for e in errors
    )
