"""The learner's own pages say what officers see and did: the due date and when it is
overdue, an extension, an exemption and a completion recorded from elsewhere, through its
renewal and expiry. Every change is on the learner's training record, page and PDF."""

from __future__ import annotations

import io
from datetime import date, timedelta

from freezegun import freeze_time
from pypdf import PdfReader

from app.certificates.lifecycle import add_months
from app.models.base import today, utcnow
from tests.support.accounts import submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify

MODULE = "sample-module"


def sync(app, *args) -> None:
    result = app.test_cli_runner().invoke(args=["assignments", "sync", *args])
    assert result.exit_code == 0, result.output


def said(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def home(client) -> str:
    return visible_text(client.get("/home").text)


def module_page(client) -> str:
    return visible_text(client.get(f"/modules/{MODULE}").text)


def record_pdf_text(client) -> str:
    response = client.get("/training-record.pdf")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())


def correct(officer, people, action: str, data: dict) -> None:
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/{action}"
    assert submit(officer, path, data).status_code == 302


def officer_sees(client_as, status: str) -> bool:
    listed = client_as("officer").get(f"/reports/people?status={status}").text
    return "Lewis" in visible_text(listed)


def test_the_due_date_then_overdue_then_an_extension(app, people, client_as):
    due = today() + timedelta(days=20)
    sync(app, "--due", due.isoformat())
    learner = client_as("learner")
    assert f"Complete it by {said(due)}" in home(learner)
    assert f"Complete it by {said(due)}" in module_page(learner)
    assert "Overdue" not in home(learner)

    with freeze_time(utcnow() + timedelta(days=21)):
        learner = client_as("learner")
        page = home(learner)
        assert "Overdue" in page and f"This was due by {said(due)}" in page
        assert "Not started" not in page and "Complete it by" not in page
        assert f"This was due by {said(due)}" in module_page(learner)
        assert officer_sees(client_as, "Overdue")  # the same status on both sides

        later = today() + timedelta(days=30)
        reason = "Long-term sick leave"
        correct(
            client_as("officer"),
            people,
            "extend",
            {"new_due_on": [later.day, later.month, later.year], "reason": reason},
        )
        page = home(learner)
        assert "Overdue" not in page and f"Complete it by {said(later)}" in page
        assert "Not started" in page
        record = visible_text(learner.get("/training-record").text)
        assert f"Due date extended to {said(later)}" in record and reason in record
        pdf = record_pdf_text(learner)
        assert "Changes made by a training officer" in pdf
        assert f"Due date extended to {said(later)}" in pdf and reason in pdf


def test_an_exempt_learner_is_told_they_need_not_take_it(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    correct(officer, people, "exempt", {"reason": "Works offline only"})
    learner = client_as("learner")
    page = home(learner)
    assert "Exempt" in page and "you do not need to take it" in page
    assert "Not started" not in page and "Complete it by" not in page
    assert "exempted you from this module" in module_page(learner)
    record = visible_text(learner.get("/training-record").text)
    assert "Status now: Exempt" in record and "Nothing recorded yet" not in record
    assert "Exempted" in record and "Works offline only" in record
    assert "Status now: Exempt" in record_pdf_text(learner)

    correct(officer, people, "end-exemption", {"reason": "Now uses e-mail"})
    page = home(learner)
    assert "Exempt " not in page and "Not started" in page and "Complete it by" in page
    record = visible_text(learner.get("/training-record").text)
    assert "Exemption ended" in record and "Now uses e-mail" in record


def test_a_completion_recorded_elsewhere_is_done_then_due_then_expired(app, people, client_as):
    sync(app)
    done = today() - timedelta(days=10)
    expires = add_months(done, 12)
    correct(
        client_as("officer"),
        people,
        "offline",
        {"completed_on": [done.day, done.month, done.year], "reason": "Face-to-face session"},
    )
    learner = client_as("learner")
    page = home(learner)
    assert "Completed elsewhere" in page and f"It expires on {said(expires)}" in page
    assert "Not started" not in page and "Complete it by" not in page
    assert "completed this training elsewhere" in module_page(learner)
    record = visible_text(learner.get("/training-record").text)
    assert "Status now: Completed elsewhere" in record
    assert f"Completion recorded from elsewhere (completed on {said(done)})" in record
    assert "Face-to-face session" in record
    assert officer_sees(client_as, "Compliant")

    with freeze_time(utcnow() + (expires - today()) - timedelta(days=30)):
        learner = client_as("learner")
        page = home(learner)
        assert "Renewal due" in page
        assert f"recorded from elsewhere expires on {said(expires)}" in page
        assert "Start" in page  # the module is back, to be renewed here
        assert officer_sees(client_as, "Expiring")

    with freeze_time(utcnow() + (expires - today()) + timedelta(days=1)):
        learner = client_as("learner")
        page = home(learner)
        assert "Expired" in page and f"recorded from elsewhere expired on {said(expires)}" in page
        assert "Not started" not in page
        assert officer_sees(client_as, "Expired")

        certificate = certify(learner, app, people["learner"])
        page = home(learner)
        assert "Certified" in page and "recorded from elsewhere" not in page
        assert f"expires on {said(certificate.expires_on)}" in page


def test_a_certificate_that_outlasts_a_recorded_completion_is_what_shows(app, people, client_as):
    sync(app)
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    done = today() - timedelta(days=100)  # counts until well before the certificate expires
    correct(
        client_as("officer"),
        people,
        "offline",
        {"completed_on": [done.day, done.month, done.year], "reason": "Earlier course"},
    )
    page = home(learner)
    assert "Certified" in page and "Completed elsewhere" not in page
    assert f"expires on {said(certificate.expires_on)}" in page
    record = visible_text(learner.get("/training-record").text)
    assert "Status now: Certified" in record and "Earlier course" in record


def test_after_a_revocation_overdue_does_not_name_a_due_date_already_met(app, people, client_as):
    with freeze_time("2026-01-05 10:00:00"):
        sync(app, "--due", "2026-02-01")
        certificate = certify(client_as("learner"), app, people["learner"])  # before it was due
    with freeze_time("2026-07-10 10:00:00"):
        revoke = f"/reports/certificates/{certificate.id}/revoke"
        assert (
            submit(client_as("officer"), revoke, {"reason": "Issued in error"}).status_code == 302
        )
        learner = client_as("learner")
        page = home(learner)
        assert "Overdue since your certificate was revoked" in page
        assert "revoked on 10 July 2026" in page and "due by 1 February 2026" not in page
        assert "Overdue since your certificate was revoked on 10 July 2026" in module_page(learner)


def test_a_revocation_after_a_lapsed_completion_elsewhere_is_what_the_learner_reads(
    app, people, client_as
):
    with freeze_time("2024-03-01 10:00:00"):
        sync(app, "--due", "2024-06-01")
        correct(
            client_as("officer"),
            people,
            "offline",
            {"completed_on": [1, 2, 2024], "reason": "Classroom course"},
        )
    with freeze_time("2026-05-01 10:00:00"):
        certificate = certify(client_as("learner"), app, people["learner"])
    with freeze_time("2026-07-10 10:00:00"):
        revoke = f"/reports/certificates/{certificate.id}/revoke"
        assert submit(client_as("officer"), revoke, {"reason": "In error"}).status_code == 302
        page = home(client_as("learner"))
        assert "Your certificate was revoked on 10 July 2026" in page
        assert "recorded from elsewhere" not in page


def test_a_revocation_just_after_midnight_bst_has_the_uk_date_everywhere(app, people, client_as):
    sync(app)
    with freeze_time("2026-06-01 10:00:00"):
        certificate = certify(client_as("learner"), app, people["learner"])
    with freeze_time("2026-06-30 23:30:00"):  # 00:30 BST on 1 July
        revoke = f"/reports/certificates/{certificate.id}/revoke"
        assert submit(client_as("officer"), revoke, {"reason": "In error"}).status_code == 302
    with freeze_time("2026-07-02 10:00:00"):
        learner = client_as("learner")
        result = f"/modules/{MODULE}/quiz/attempts/{certificate.attempt_id}/result"
        for page in (home(learner), visible_text(learner.get(result).text)):
            assert "revoked on 1 July 2026" in page and "30 June" not in page
