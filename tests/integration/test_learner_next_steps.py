"""What "Your training" and the module page tell a learner to do next, at each point of
the certification life-cycle: the step itself, not a page that only leads to it."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time

from app.models.base import today, utcnow
from tests.support.accounts import submit
from tests.support.compliance import long, signed_in, sync
from tests.support.page_checks import visible_text
from tests.support.quizzes import MODULE, certify

LEARNER = "learner@example.org"


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return visible_text(response.text)


def test_continue_opens_the_scenario_step_the_learner_is_on(app, client_as, people):
    """With a scenario in progress, "Continue" on home and the scenario's row in the task
    list open its current step (`/play`), not its start page, which only redirects there."""
    learner = client_as("learner")
    assert submit(learner, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
    scenario = f"{MODULE}/scenarios/office-choice"
    assert submit(learner, scenario, {}).status_code == 302  # start the run

    link = re.search(r'href="([^"]+)">Continue<', learner.get("/home").text).group(1)
    assert link == f"{scenario}/play"
    assert learner.get(link).status_code == 200
    assert f'href="{link}"' in learner.get(MODULE).text  # the task list's row


def test_the_module_page_gives_the_due_date_after_a_revocation(app, client_as, people):
    """Revoked while the module's due date is still ahead: the module page gives that date
    beside the revocation warning, as home does."""
    due = today() + timedelta(days=40)
    sync(app, "--due", due.isoformat())
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    revoke = f"/reports/certificates/{certificate.id}/revoke"
    assert submit(client_as("officer"), revoke, {"reason": "Issued in error"}).status_code == 302

    module_page = text(learner, MODULE)
    assert "Your certificate was revoked on" in module_page
    assert f"Complete it by {long(due)}" in module_page
    assert f"Complete it by {long(due)}" in text(learner, "/home")


def test_the_module_page_in_the_renewal_window_says_when_the_certificate_expires(
    app, client_as, people
):
    """In the renewal window the module page, where the refresher is done, gives the
    certificate's expiry date as home does, before and after the refresher is started."""
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    expires = long(certificate.expires_on)
    with freeze_time(utcnow() + (certificate.expires_on - today()) - timedelta(days=20)):
        learner = signed_in(app, LEARNER)
        assert "Renewal due" in text(learner, "/home")
        assert f"Your certificate expires on {expires}" in text(learner, "/home")
        assert f"Your certificate expires on {expires}. Renew it before then." in text(
            learner, MODULE
        )
        assert submit(learner, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
        assert f"Your certificate expires on {expires}" in text(learner, MODULE)
