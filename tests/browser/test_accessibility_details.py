"""Accessibility details that axe-core does not catch: how the quiz question is announced,
where error-summary links lead, the title of a page with errors, and reflow at 320 px."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, describe_violations, run_axe
from tests.browser.journey import click, finish_learning, sign_in_by_keyboard
from tests.support.accounts import create_user

pytestmark = pytest.mark.browser
MODULE = "social-media"


@pytest.fixture(scope="module")
def quiz_page(live_server, browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    # Someone of its own: the live server's database is shared with the other journeys,
    # and the demo learner's quiz must stay unstarted for them.
    create_user(live_server.app, "quiz.a11y@example.org", password=DEMO_PASSWORD)
    sign_in_by_keyboard(page, live_server.url, "quiz.a11y@example.org")
    finish_learning(page, live_server.url, MODULE)
    click(page, page.locator("main a.govuk-task-list__link", has_text="Quiz"))
    click(page, page.get_by_role("button", name="Start the quiz"))
    assert "/questions/1" in page.url
    yield page
    context.close()


def _accessible_description(page, selector: str) -> str:
    """Chromium's computed accessible name and description of the element."""
    cdp = page.context.new_cdp_session(page)
    doc = cdp.send("DOM.getDocument")
    node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
    tree = cdp.send(
        "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
    )
    ax = tree["nodes"][0]
    name = ax.get("name", {}).get("value", "")
    description = ax.get("description", {}).get("value", "")
    return f"{name} | {description}"


def test_question_radio_group_is_named_or_described_by_the_question(quiz_page):
    """WCAG 1.3.1 and 3.3.2: a screen-reader user moving into the options hears the
    question (the group is described by it), not only "Question 1 of 10"."""
    page = quiz_page
    stem = " ".join(page.locator("main .app-question-stem").inner_text().split())
    computed = " ".join(_accessible_description(page, "main fieldset").split())
    assert stem in computed, f"group announced as {computed!r}; the question is {stem!r}"


def test_check_page_error_summary_links_to_the_unanswered_question(quiz_page):
    """Submitting "Check your answers" with questions unanswered: each error in the summary
    links to the unanswered question's Change link, not to the top of the page."""
    page = quiz_page
    page.goto(page.url.rsplit("/questions/", 1)[0] + "/check")
    click(page, page.get_by_role("button", name="Submit your answers"))
    assert page.title().startswith("Error: ")
    hrefs = page.locator(".govuk-error-summary a").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))"
    )
    assert hrefs, "no link in the error summary"
    for href in hrefs:
        target = page.evaluate(
            "id => { const el = document.getElementById(id); return el && el.tagName; }",
            href.lstrip("#"),
        )
        assert target not in (None, "MAIN"), f"error summary link {href} points at {target}"
        assert re.search(r"question|answer", href), href


def test_hr_preview_with_problems_title_starts_with_error(live_server, browser, tmp_path):
    """An uploaded file with problems: the title says so ("Error: …"), as every page with an
    error summary does; a screen-reader user hears the title first."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, live_server.url, "officer@example.org")
    page.goto(live_server.url + "/reports/hr-import")
    bad = tmp_path / "bad.csv"
    bad.write_text("employee number;first name\nX1;Y\n")
    page.set_input_files("input[type=file]", str(bad))
    click(page, page.get_by_role("button", name="Check the file"))
    assert page.locator(".govuk-error-summary").is_visible()
    assert run_axe(page) == [], describe_violations(run_axe(page))
    assert page.title().startswith("Error: "), page.title()
    context.close()


@pytest.mark.parametrize("suffix", ["", "/deactivate"])
def test_person_page_with_long_surname_does_not_scroll_sideways(live_server, browser, suffix):
    """WCAG 1.4.10 Reflow: a surname of one long word wraps at 320 CSS pixels."""
    user_id = create_user(
        live_server.app,
        f"long.surname{len(suffix)}@example.org",
        first_name="Hubert",
        last_name="Wolfeschlegelsteinhausenbergerdorff",
    )
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in_by_keyboard(page, live_server.url, "admin@example.org")
    page.goto(f"{live_server.url}/admin/users/{user_id}{suffix}")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    context.close()
    assert scroll <= inner, f"page is {scroll}px wide in a {inner}px viewport"
