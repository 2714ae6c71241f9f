"""The demo new starter in Chromium: finishes a module's learning, fails the quiz on purpose,
sees what was wrong and where to learn it, passes, confirms the policy, downloads the
certificate, and opens the verify page from the URL in its QR code. Every page is scanned
by axe-core and checked by the Nu HTML checker."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from app.catalogue import loader
from tests.browser import journey
from tests.browser.journey import click, sign_in_by_keyboard

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
MODULE = "social-media"


def bank():
    catalogue, problems = loader.load(ROOT / "content")
    assert problems == []
    return catalogue.modules[MODULE].quiz


def check(page, html_checker, seen):
    journey.check(page, html_checker, seen, "assess")


def finish_learning(page, base, html_checker, seen):
    journey.finish_learning(
        page, base, MODULE, each_page=lambda page: check(page, html_checker, seen)
    )


def answer_quiz(page, html_checker, seen, *, right: bool):
    quiz = bank()
    by_stem = {" ".join(q.stem.split()): q for q in quiz.questions.values()}
    for _number in range(quiz.settings.questions_per_attempt):
        check(page, html_checker, seen)
        stem = " ".join(page.locator("main .app-question-stem").inner_text().split())
        question = by_stem[stem]
        wanted = (
            question.correct_ids
            if right
            else {next(o.id for o in question.options if not o.correct)}
        )
        for option_id in sorted(wanted):
            page.locator(f"main input[name=answer][value='{option_id}']").check()
        click(page, page.get_by_role("button", name="Save and continue"))
    assert "Check your answers" in page.locator("h1").inner_text()
    check(page, html_checker, seen)
    click(page, page.get_by_role("button", name="Submit your answers"))
    check(page, html_checker, seen)


def test_new_starter_fails_then_passes_and_verifies_the_certificate(
    live_server, browser, html_checker, tmp_path
):
    base = live_server.url
    context = browser.new_context(accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    sign_in_by_keyboard(page, base, "learner@example.org")
    seen: set[str] = set()
    finish_learning(page, base, html_checker, seen)

    click(page, page.locator("main a.govuk-task-list__link", has_text="Quiz"))
    check(page, html_checker, seen)
    click(page, page.get_by_role("button", name="Start the quiz"))
    answer_quiz(page, html_checker, seen, right=False)
    main = page.locator("main").inner_text()
    assert "You did not pass this time" in main
    assert "not right" in main and "What to read again" in main
    lesson_link = page.locator("main ul.govuk-list--bullet a").first
    assert f"/modules/{MODULE}/lessons/" in lesson_link.get_attribute("href")

    click(page, page.get_by_role("link", name="Try the quiz again"))
    click(page, page.get_by_role("button", name="Start the quiz"))
    answer_quiz(page, html_checker, seen, right=True)
    assert "You passed" in page.locator("main").inner_text()

    click(page, page.get_by_role("link", name="Confirm the policy"))
    check(page, html_checker, seen)
    click(page, page.get_by_role("button", name="Confirm and get my certificate"))
    assert "There is a problem" in page.locator("main").inner_text()  # the box is required
    check(page, html_checker, seen)
    page.get_by_label("I have read and understood").check()
    click(page, page.get_by_role("button", name="Confirm and get my certificate"))
    assert "Your certificate is ready" in page.locator("main").inner_text()
    check(page, html_checker, seen)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download it (PDF)").click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    image = pypdfium2.PdfDocument(str(pdf_path))[0].render(scale=2).to_pil()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert len(decoded) == 1 and decoded[0].startswith(f"{base}/verify/")

    public = browser.new_context(bypass_csp=True).new_page()  # anyone, not signed in
    public.goto(decoded[0])
    check(public, html_checker, seen)
    text = public.locator("main").inner_text()
    assert "Valid" in text and "Jamie Reid" in text and "Social media" in text
    context.close()


def test_assessment_pages_are_valid_html(html_checker):
    journey.assert_valid_html(html_checker)
