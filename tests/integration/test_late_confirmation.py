"""A pass confirmed late: the certificate's validity counts from the quiz, and a pass older
than a certificate would last is not certified at all (the person takes the quiz again).

Without this, a quiz passed years ago and never confirmed gave a fresh certificate for a
full year on the day the person got round to confirming the policy.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time

from app.certificates.lifecycle import add_months
from app.models.base import local_date, utcnow
from tests.support.accounts import sign_in, submit
from tests.support.quizzes import (
    QUIZ,
    acknowledge,
    complete_learning,
    latest_certificate,
    start,
    take_quiz,
)


def signed_in_again(app):
    # After a long gap the old session has ended: sign in afresh.
    client = app.test_client()
    assert sign_in(client, "learner@example.org").status_code == 302
    return client


def test_a_late_confirmation_certifies_twelve_months_from_the_pass(app, people, client_as):
    with freeze_time(utcnow()) as clock:
        learner = client_as("learner")
        complete_learning(learner)
        attempt = take_quiz(learner, app, people["learner"], right=True)
        passed_on = local_date(utcnow())
        clock.move_to(utcnow() + timedelta(days=90))
        later = signed_in_again(app)
        assert acknowledge(later, attempt.id).status_code == 302
        certificate = latest_certificate(app, people["learner"])
        assert local_date(certificate.issued_at) == local_date(utcnow())
        assert certificate.expires_on == add_months(passed_on, 12)


def test_a_pass_older_than_a_certificate_lasts_is_not_certified(app, people, client_as):
    with freeze_time(utcnow()) as clock:
        learner = client_as("learner")
        complete_learning(learner)
        old = take_quiz(learner, app, people["learner"], right=True)
        clock.move_to(utcnow() + timedelta(days=730))
        later = signed_in_again(app)

        refused = later.get(f"{QUIZ}/attempts/{old.id}/acknowledge")
        assert refused.headers["Location"] == QUIZ
        assert latest_certificate(app, people["learner"]) is None
        page = later.get(QUIZ).text
        assert "too old" in page and "Take the quiz again" in page
        assert "Confirm the policy" not in page
        sent = submit(
            later,
            f"{QUIZ}/attempts/{old.id}/acknowledge",
            {"confirm": "y", "policy_version": "1"},
            form_path=QUIZ,  # the acknowledge page itself sends the person away
        )
        assert sent.headers["Location"] == QUIZ
        assert latest_certificate(app, people["learner"]) is None

        # The quiz opens again; a new pass gives a certificate from that pass.
        assert start(later).status_code == 302
        new = take_quiz(later, app, people["learner"], right=True)
        assert new.id != old.id
        assert acknowledge(later, new.id).status_code == 302
        certificate = latest_certificate(app, people["learner"])
        assert certificate.attempt_id == new.id
        assert certificate.expires_on == add_months(local_date(utcnow()), 12)
