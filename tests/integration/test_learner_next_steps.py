"""What "Your training" and the module page tell a learner to do next, at each point of
the certification life-cycle: the step itself, not a page that only leads to it."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time

from app.database import recorded_statements
from app.models.base import today, utcnow
from tests.integration.test_query_counts import MAX_STATEMENTS
from tests.support.accounts import submit
from tests.support.compliance import long, signed_in, sync
from tests.support.page_checks import visible_text
from tests.support.quizzes import MODULE, QUIZ, certify, complete_learning, take_quiz

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


def revoke(officer, certificate) -> None:
    revoked = submit(officer, f"/reports/certificates/{certificate.id}/revoke", {"reason": "Error"})
    assert revoked.status_code == 302


def test_home_sends_a_passed_learner_straight_to_confirm_the_policy(app, client_as, people):
    """Passed, not yet confirmed: home gives the confirmation, as the module page and the
    quiz page do, not "Go to the quiz" (a page that only leads to it)."""
    learner = client_as("learner")
    complete_learning(learner)
    passed = take_quiz(learner, app, people["learner"], right=True)

    page = learner.get("/home").text
    assert f'href="{QUIZ}/attempts/{passed.id}/acknowledge"' in page
    said = "You passed the quiz. Confirm the policy to get your certificate."
    assert said in visible_text(page).replace(" for A sample module", "")
    assert "Go to the quiz" not in page
    assert said in text(learner, MODULE)  # the module page says the same


def test_home_in_a_cool_down_says_when_the_quiz_opens_again(app, client_as, people):
    """After the bank's number of fails in a row (two in the fixture) home gives the time
    the quiz page gives, and no link to a quiz that is shut; once an officer resets the
    pause, home offers the quiz again."""
    sync(app)  # assigned, so an officer can reset the pause
    learner = client_as("learner")
    complete_learning(learner)
    take_quiz(learner, app, people["learner"], right=False)
    take_quiz(learner, app, people["learner"], right=False)
    opens = re.search(r"You can try again from (.+? (?:GMT|BST))", text(learner, QUIZ)).group(1)

    home = learner.get("/home").text
    assert f"You can try again from {opens}." in visible_text(home)
    assert f'href="{QUIZ}"' not in home

    reset = f"/reports/people/{people['learner']}/modules/sample-module/reset-cool-down"
    assert submit(client_as("officer"), reset, {"reason": "Asked for help"}).status_code == 302
    home = learner.get("/home").text
    assert "You can try again from" not in home
    assert f'href="{QUIZ}"' in home


def test_home_does_not_ask_for_a_refresher_already_completed(app, client_as, people):
    """After a revocation, once the refresher's learning is done home no longer asks for
    it: it gives the quiz, then (passed) the confirmation of the policy."""
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    revoke(client_as("officer"), certificate)
    assert "complete the short refresher" in text(learner, "/home")  # still to do

    complete_learning(learner, refresher=True)
    home = text(learner, "/home")
    assert "Learning complete" in home
    assert "Your certificate was revoked on" in home
    assert "complete the short refresher" not in home
    assert "Go to the quiz" in home

    passed = take_quiz(learner, app, people["learner"], right=True)
    page = learner.get("/home").text
    assert f'href="{QUIZ}/attempts/{passed.id}/acknowledge"' in page


def test_home_does_not_ask_for_a_renewal_already_completed(app, client_as, people):
    """In the renewal window, with the refresher's lessons done: the expiry date, and the
    quiz, not "Renew it with the short refresher"."""
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    with freeze_time(utcnow() + (certificate.expires_on - today()) - timedelta(days=20)):
        learner = signed_in(app, LEARNER)
        assert "Renew it with the short refresher" in text(learner, "/home")
        complete_learning(learner, refresher=True)
        home = text(learner, "/home")
        assert f"Your certificate expires on {long(certificate.expires_on)}." in home
        assert "Renew it with the short refresher" not in home
        assert "Go to the quiz" in home


def test_a_lapsed_pass_is_explained_where_the_learner_lands(app, client_as, people):
    """Passed, never confirmed, and the pass is now too old to certify: home, the module
    page and the quiz page say so, in the words of the refused confirmation, and the task
    list does not call a 100% pass "Not passed yet". Reached from that refusal, the quiz
    page says it once."""
    with freeze_time(utcnow()) as clock:
        learner = client_as("learner")
        complete_learning(learner)
        old = take_quiz(learner, app, people["learner"], right=True)
        passed_on = long(today())
        clock.move_to(utcnow() + timedelta(days=400))
        later = signed_in(app, LEARNER)
        why = (
            f"You passed this quiz on {passed_on}, but did not confirm the policy. A certificate "
            "lasts 12 months from the pass, so that pass is too old to certify. Take the quiz "
            "again to get your certificate."
        )
        home = later.get("/home").text
        assert why in visible_text(home)
        assert f"{QUIZ}/attempts/{old.id}/acknowledge" not in home
        module_page = text(later, MODULE)
        assert why in module_page
        assert "Not passed yet" not in module_page
        quiz_page = text(later, QUIZ)
        assert "Your last score was 100%" in quiz_page
        assert why in quiz_page

        refused = later.get(f"{QUIZ}/attempts/{old.id}/acknowledge", follow_redirects=True)
        assert visible_text(refused.text).count(why) == 1


def test_home_statements_do_not_grow_with_quiz_attempts(app, client_as, people):
    """Home works out every module's quiz step in one query: as many statements with no
    attempt, a fail or a pass, and within the pages' limit."""
    learner = client_as("learner")
    complete_learning(learner)

    def statements() -> int:
        with recorded_statements(app) as seen:
            assert learner.get("/home").status_code == 200
        return len(seen)

    none_yet = statements()
    take_quiz(learner, app, people["learner"], right=False)
    one_failed = statements()
    take_quiz(learner, app, people["learner"], right=True)
    passed = statements()
    assert none_yet == one_failed == passed <= MAX_STATEMENTS
