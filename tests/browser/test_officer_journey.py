"""The demo training officer in Chromium: imports an HR file, finds an overdue person from the
dashboard, extends their due date, exports the matrix and sees the change in the audit log;
the demo line manager sees only their team. Every page: axe-core and the Nu HTML checker."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.browser import journey
from tests.browser.conftest import served_html
from tests.browser.journey import click, sign_in_by_keyboard

pytestmark = pytest.mark.browser

CSV = (
    "employee number;first name;last name;email;department;job title;start date;line manager;"
    "regulated role;professional body\n"
    "HR0001;Isla;Import;isla.import@example.org;Housing;Housing officer;2019-04-01;;no;none\n"
    "HR0002;Ewan;Import;ewan.import@example.org;Housing;Housing assistant;2020-06-15;HR0001;no;"
    "none\n"
)


def check(page, html_checker, seen):
    journey.check(page, html_checker, seen, "officer")


def test_officer_imports_finds_overdue_extends_exports_and_audits(
    live_server, browser, html_checker, tmp_path
):
    base = live_server.url
    context = browser.new_context(accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, base, "officer@example.org")
    seen: set[str] = set()

    click(page, page.get_by_role("link", name="Compliance", exact=True))
    check(page, html_checker, seen)
    assert page.locator("main svg[role=img]").count() == 2  # by department, and over time

    click(page, page.get_by_role("link", name="Import the HR file"))
    check(page, html_checker, seen)
    upload = tmp_path / "hr.csv"
    upload.write_text(CSV)
    page.set_input_files("input[type=file]", str(upload))
    click(page, page.get_by_role("button", name="Check the file"))
    check(page, html_checker, seen)
    assert "Applying this file will create 2" in page.locator("main").inner_text()
    click(page, page.get_by_role("button", name="Apply these changes"))
    assert "Imported: 2 created" in page.locator("main").inner_text()
    check(page, html_checker, seen)

    page.goto(base + "/reports")
    overdue = page.locator("main dl a", has_text="overdue").first  # the "Overdue" count
    click(page, overdue)
    check(page, html_checker, seen)
    person = page.locator("main tbody th a").first
    name = person.inner_text()
    click(page, person)
    check(page, html_checker, seen)
    click(page, page.locator("main a", has_text="Extend due date").first)
    check(page, html_checker, seen)
    click(page, page.get_by_role("button", name="Extend due date"))
    assert "There is a problem" in page.locator("main").inner_text()
    check(page, html_checker, seen)
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2099")
    page.get_by_label("Why are you extending it?").fill("Long-term sick leave")
    click(page, page.get_by_role("button", name="Extend due date"))
    text = page.locator("main").inner_text()
    assert "Due date extended" in text and "Long-term sick leave" in text
    check(page, html_checker, seen)

    page.goto(base + "/reports")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="(Excel)").last.click()
    with open(download_info.value.path(), "rb") as downloaded:
        workbook = load_workbook(io.BytesIO(downloaded.read()))
    names = [row[1].value for row in workbook.active.iter_rows(min_row=2)]
    assert name in names

    click(page, page.get_by_role("link", name="What staff find hard"))
    check(page, html_checker, seen)
    click(page, page.get_by_role("link", name="Audit log", exact=True))
    check(page, html_checker, seen)
    assert "Due date extended" in page.locator("main").inner_text()
    context.close()


def test_line_manager_sees_only_their_team(live_server, browser, html_checker):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, live_server.url, "manager@example.org")
    seen: set[str] = set()
    click(page, page.get_by_role("link", name="Your team", exact=True))
    check(page, html_checker, seen)
    text = page.locator("main").inner_text()
    assert "Jamie Reid" in text  # the demo learner reports to the manager
    rows = page.locator("main tbody tr").count()
    assert 5 <= rows <= 20
    click(page, page.locator("main tbody th a").first)
    check(page, html_checker, seen)
    assert page.goto(live_server.url + "/reports").status == 403
    context.close()


def test_officer_refusals_and_a_withdrawn_completion(live_server, browser, html_checker):
    """Filters the app cannot read, an export it refuses, and a completion recorded from
    elsewhere then withdrawn: each page accessible, its errors linked to their fields."""
    base = live_server.url
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, base, "officer@example.org")
    seen: set[str] = set()

    page.goto(base + "/reports?status=overdue&due_before=2027-02-30")
    check(page, html_checker, seen)
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose a status from the list" in summary
    html_checker.add("officer-dashboard-unreadable-filters", served_html(page))

    refused = page.goto(base + "/reports/export/compliance.csv?status=overdue")
    assert refused.status == 400
    assert "status" in page.locator("main").inner_text()
    check(page, html_checker, seen)

    # A completion recorded from elsewhere for the first overdue person, then withdrawn.
    page.goto(base + "/reports/people?status=Overdue")
    click(page, page.locator("main tbody th a").first)
    record_url = page.url
    click(page, page.locator("main a", has_text="Record completion done elsewhere").first)
    check(page, html_checker, seen)
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Evidence").fill("Face-to-face session; signed register held by HR")
    click(page, page.get_by_role("button", name="Record completion"))
    assert page.url.split("?")[0] == record_url.split("?")[0]
    click(page, page.locator("main a", has_text="Withdraw").first)
    check(page, html_checker, seen)
    click(page, page.get_by_role("button", name="Withdraw completion"))
    check(page, html_checker, seen)
    page.get_by_role("link", name="Enter why you are withdrawing this completion").click()
    assert page.evaluate("document.activeElement.id") == "reason"
    page.get_by_label("Why are you withdrawing it?").fill("Recorded for the wrong person")
    click(page, page.get_by_role("button", name="Withdraw completion"))
    text = page.locator("main").inner_text()
    assert "Withdrawn" in text and "Recorded for the wrong person" in text
    check(page, html_checker, seen)
    context.close()


def test_officer_pages_are_valid_html(html_checker):
    journey.assert_valid_html(html_checker)
