"""Learners in Chromium, by keyboard alone: module 1 from "Your training" to learning
complete; who sees the regulated-work module. Every page is scanned by axe-core and
checked by the Nu HTML checker."""

from __future__ import annotations

import pytest

from tests.browser import journey
from tests.browser.journey import sign_in_by_keyboard

pytestmark = pytest.mark.browser

REGULATED_MODULE = "Regulated work with children and protected adults"


def check(page, html_checker, seen):
    journey.check(page, html_checker, seen, "learn")


def press_on(page, locator):
    """Move focus to an element with the keyboard (Tab), then press Enter on it and wait
    for the page it leads to."""
    for _ in range(60):
        if locator.evaluate("el => el === document.activeElement"):
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {locator} with Tab")


def test_new_starter_completes_module_one_by_keyboard(live_server, browser, html_checker):
    base = live_server.url
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, base, "learner@example.org")
    seen: set[str] = set()
    check(page, html_checker, seen)
    assert REGULATED_MODULE not in page.locator("main").inner_text()
    first = page.locator("main h2 a").first
    module_title = first.inner_text()
    press_on(page, page.get_by_role("link", name=f"Start {module_title}"))

    for _step in range(200):
        page.wait_for_load_state()
        check(page, html_checker, seen)
        main = page.locator("main")
        radios = main.locator("input[type=radio]")
        if radios.count():
            # A decision: Tab into the radios, pick the first with Space, then Continue.
            press_focus = radios.first
            for _ in range(40):
                if press_focus.evaluate("el => el === document.activeElement"):
                    break
                page.keyboard.press("Tab")
            page.keyboard.press("Space")
            press_on(page, main.get_by_role("button", name="Continue"))
            continue
        buttons = main.locator("button.govuk-button:not(.govuk-button--secondary)")
        links = main.locator("a.govuk-button")
        if buttons.count():
            press_on(page, buttons.first)
        elif links.count():
            press_on(page, links.first)
        else:
            break
        if page.url.rstrip("/").endswith(("/home",)):
            break
        if "/modules/" in page.url and page.url.count("/") == 4:
            # Back on the module's task list: the path is done.
            break

    page.goto(base + "/home")
    item = page.locator("main li", has_text=module_title)
    assert "Learning complete" in item.inner_text()
    context.close()


def test_who_sees_the_regulated_work_module(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in_by_keyboard(page, live_server.url, "pvg@example.org")
    assert REGULATED_MODULE in page.locator("main").inner_text()
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in_by_keyboard(page, live_server.url, "staff@example.org")
    assert REGULATED_MODULE not in page.locator("main").inner_text()
    context.close()


def test_learning_pages_are_valid_html(html_checker):
    journey.assert_valid_html(html_checker)
