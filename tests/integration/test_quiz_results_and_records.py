"""What a quiz result page and the training record say: the module a pass is for, a pass
too old to certify (also after a job change), and an expired certificate's date."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import QuizAttempt, User
from app.models.base import today, utcnow
from tests.support.accounts import create_user, sign_in, submit
from tests.support.compliance import long
from tests.support.page_checks import visible_text
from tests.support.quizzes import QUIZ, certify, complete_learning, take_quiz


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return visible_text(response.text)


def signed_in_again(app, email: str = "learner@example.org"):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def lapsed_message(passed_on: str) -> str:
    """quizzes.routes._lapsed_message for the fixture module (12 months)."""
    return (
        f"You passed this quiz on {passed_on}, but did not confirm the policy. A certificate "
        "lasts 12 months from the pass, so that pass is too old to certify. Take the quiz "
        "again to get your certificate."
    )


def test_a_passed_result_says_which_module_it_is_for(app, client_as, people):
    """As the failed result does ("Quiz: <module>"), in the page and in its title."""
    learner = client_as("learner")
    complete_learning(learner)
    passed = take_quiz(learner, app, people["learner"], right=True)
    response = learner.get(f"{QUIZ}/attempts/{passed.id}/result")
    assert "Quiz: A sample module" in visible_text(response.text)
    title = re.search(r"<title>\s*(.*?)\s*</title>", response.text, re.S).group(1)
    assert title.startswith("You passed: A sample module – ")


def test_the_result_of_a_lapsed_pass_does_not_offer_a_confirmation_that_is_refused(
    app, client_as, people
):
    """A pass never confirmed and now older than a certificate lasts: /acknowledge refuses
    it, so the result page says why and offers the quiz again, as the quiz page does."""
    with freeze_time(utcnow()) as clock:
        learner = client_as("learner")
        complete_learning(learner)
        old = take_quiz(learner, app, people["learner"], right=True)
        passed_on = long(today())  # the clock stands still
        clock.move_to(utcnow() + timedelta(days=400))
        later = signed_in_again(app)
        result = later.get(f"{QUIZ}/attempts/{old.id}/result").text
        ack = f"{QUIZ}/attempts/{old.id}/acknowledge"
        assert later.get(ack).status_code == 302  # refused: it sends them to the quiz page
        assert f'href="{ack}"' not in result
        page = visible_text(result)
        assert "Confirm the policy" not in page
        assert lapsed_message(passed_on) in page
        assert re.search(rf'href="{QUIZ}"[^>]*>Take the quiz again</a>', result)
        # Passed again since: the old result says so, and no longer asks for a retake.
        take_quiz(later, app, people["learner"], right=True)
        page = text(later, f"{QUIZ}/attempts/{old.id}/result")
        assert "You have passed the quiz again since." in page
        assert "Take the quiz again" not in page and "Confirm the policy" not in page


def test_a_lapsed_pass_after_a_job_change_is_not_a_404(app, people):
    """Passed the regulated module, never confirmed, then moved out of the regulated role.
    A year later the confirmation link leads to the result page, which says nothing more
    is needed (the module's quiz page is a 404 now)."""
    create_user(app, "carer@example.org", is_regulated_role=True)
    with freeze_time(utcnow()) as clock:
        carer = signed_in_again(app, "carer@example.org")
        assert submit(carer, "/modules/regulated-only/lessons/boundaries", {}).status_code == 302
        assert submit(carer, "/modules/regulated-only/quiz", {}).status_code == 302
        with app.app_context():
            attempt = db.session.scalar(select(QuizAttempt))
            attempt_id, question = attempt.id, attempt.question_ids[0]
        base = f"/modules/regulated-only/quiz/attempts/{attempt_id}"
        submit(carer, f"{base}/questions/1", {"answer": ["false"], "question": question})
        assert submit(carer, f"{base}/check", {}).status_code == 302
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == "carer@example.org"))
            user.is_regulated_role = False
            db.session.commit()
        clock.move_to(utcnow() + timedelta(days=400))
        carer = signed_in_again(app, "carer@example.org")
        assert carer.get("/modules/regulated-only/quiz").status_code == 404
        response = carer.get(f"{base}/acknowledge")
        assert response.status_code == 302
        assert response.headers["Location"] == f"{base}/result"
        page = text(carer, f"{base}/result")
        assert "no need to confirm the policy or take the quiz again" in page
        assert "Confirm the policy" not in page and "Take the quiz again" not in page


def test_the_training_record_does_not_say_an_expired_certificate_expires(app, client_as, people):
    """The page and the PDF word the expiry date for the status: "expires on" while valid,
    "Expired on" once the date has passed."""

    def pdf_text(client) -> str:
        pdf = client.get("/training-record.pdf")
        pages = PdfReader(io.BytesIO(pdf.data)).pages
        return " ".join(" ".join(p.extract_text() for p in pages).split())

    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    expires = long(certificate.expires_on)
    code = "-".join(certificate.code[i : i + 4] for i in range(0, 16, 4))
    for said in (text(learner, "/training-record"), pdf_text(learner)):
        assert f"{code}: Valid, expires on {expires}" in said
    with freeze_time(utcnow() + (certificate.expires_on - today()) + timedelta(days=5)):
        learner = signed_in_again(app)
        for said in (text(learner, "/training-record"), pdf_text(learner)):
            assert f"{code}: Expired on {expires}" in said
            assert f"expires on {expires}" not in said and f"expires {expires}" not in said


@pytest.mark.parametrize("wording_kept", [True, False], ids=["kept", "before-0013"])
def test_a_result_from_before_the_content_changed_says_so(app, client_as, people, wording_kept):
    """A result from an earlier content version says so, and a current one does not. Its
    wording is the one it was scored against (kept at submission), or today's for a result
    submitted before wordings were kept; the marks are as stored either way."""
    learner = client_as("learner")
    complete_learning(learner)
    attempt = take_quiz(learner, app, people["learner"], right=False)
    path = f"{QUIZ}/attempts/{attempt.id}/result"
    assert "This training has been updated" not in text(learner, path)
    with app.app_context():
        stored = db.session.get(QuizAttempt, attempt.id)
        taken_on = stored.content_version - 1
        stored.content_version = taken_on  # as if submitted before the last content change
        if not wording_kept:
            stored.bank_fingerprint = None
        db.session.commit()
    page = text(learner, path)
    assert (
        f"This training has been updated since you took this quiz (version {taken_on} then, "
        f"version {taken_on + 1} now)"
    ) in page
    if wording_kept:
        assert "The questions and answers below are as they were when you submitted" in page
        assert "today's wording" not in page
    else:
        assert "The questions and answers below are in today's wording" in page
        assert "stay as they were marked when you submitted" in page
