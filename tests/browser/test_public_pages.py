"""The public pages and error pages in real Chromium: accessible, valid and keyboard-usable."""

from __future__ import annotations

import pytest

from tests.browser.conftest import describe_violations, run_axe

pytestmark = pytest.mark.browser

PAGES = [
    ("/", "Online conduct training"),
    ("/accessibility", "Accessibility statement"),
    ("/privacy", "Privacy notice"),
    ("/cookies", "Cookies"),
    ("/sign-in", "Sign in"),
    ("/no-such-page", "Page not found"),
    ("/__test__/error/400", "Sorry, there is a problem with your request"),
    ("/__test__/error/403", "You do not have permission to see this page"),
    ("/__test__/error/405", "Sorry, you cannot do that on this page"),
    ("/__test__/error/413", "The file or form you sent is too large"),
    ("/__test__/crash", "Sorry, there is a problem with the service"),
]


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_page_has_no_axe_violations(live_server, page, path, heading):
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == heading
    assert "West Lothian Council" in page.locator("header").inner_text()
    violations = run_axe(page)
    assert violations == [], describe_violations(violations)


def test_pages_are_valid_html(live_server, page, html_checker):
    # Fetch the raw HTML as served (page.content() would be the browser's re-serialisation).
    for path, _heading in PAGES:
        response = page.request.get(live_server.url + path)
        html_checker.add(path, response.text())
    errors = html_checker.errors()
    assert errors == [], "\n".join(
        f"{e.get('url', '').rsplit('/', 1)[-1]}:{e.get('lastLine')}: {e.get('message')}"
        for e in errors
    )


def test_styles_and_scripts_load_under_the_real_csp(live_server, browser):
    context = browser.new_context()  # no CSP bypass: as a visitor sees it
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(live_server.url + "/sign-in")
    # GOV.UK Frontend's JavaScript ran (it reveals the "Show" password button)…
    page.locator(".govuk-password-input__toggle").wait_for(state="visible")
    # …and our stylesheet applied (GOV.UK Frontend's system-font stack, not GDS Transport).
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "arial" in font.lower() and "GDS Transport" not in font
    assert problems == []
    context.close()


def test_skip_link_and_keyboard_reach_the_sign_in_button(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    # Tab from the main content onward until the start button is focused, then follow it.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()").startswith("Sign in"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/sign-in")
    assert page.locator("h1").inner_text() == "Sign in"


def test_sign_in_works_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/sign-in")
    page.get_by_role("textbox", name="Email address").fill("learner@example.org")
    page.locator("#password").fill("browser-test demo password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    assert page.locator("h1").inner_text() == "Your training"
    context.close()
