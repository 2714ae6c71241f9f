"""A page left open while the person moved on (back button, double click), or while new
content was deployed: nothing is saved to the wrong place, nobody is stuck, and a result
reads as it was scored."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from freezegun import freeze_time
from sqlalchemy import select

from app.extensions import db
from app.models import QuestionTally, QuizAnswer, QuizAttempt, ScenarioRun
from tests.conftest import make_app
from tests.support.accounts import sign_in, submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import QUIZ, certify, complete_learning, open_attempt, start, take_quiz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCENARIO = "/modules/sample-module/scenarios/office-choice"
PLAY = f"{SCENARIO}/play"


@pytest.fixture
def new_content(tmp_path):
    """new_content(name, bank=..., scenario=...) → a CONTENT_DIR: the fixture content with
    the quiz bank and/or the scenario changed by the functions given."""

    def make(name, *, bank=None, scenario=None) -> str:
        root = tmp_path / name
        shutil.copytree(FIXTURES / "content", root / "content")
        shutil.copytree(FIXTURES / "quizzes", root / "quizzes")
        for change, path in (
            (bank, root / "quizzes" / "sample-module.yaml"),
            (scenario, root / "content" / "sample-module" / "scenarios" / "office-choice.yaml"),
        ):
            if change:
                data = yaml.safe_load(path.read_text())
                change(data)
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        return str(root / "content")

    return make


def learner_on(database_url: str, content_dir: str):
    """The learner signed in to the app as it runs on other content (after a deploy)."""
    client = make_app(database_url, CONTENT_DIR=content_dir).test_client()
    assert sign_in(client, "learner@example.org").status_code == 302
    return client


def draw(app, attempt_id: int, question_ids: list[str], option_order=None) -> None:
    """Fix the questions drawn, so the test does not depend on the random draw."""
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        attempt.question_ids = question_ids
        attempt.option_order = option_order or {}
        db.session.commit()


def answer(client, attempt_id: int, answers: list[tuple[str, list[str]]]) -> None:
    base = f"{QUIZ}/attempts/{attempt_id}/questions"
    for number, (question_id, chosen) in enumerate(answers, start=1):
        saved = submit(client, f"{base}/{number}", {"answer": chosen, "question": question_id})
        assert saved.status_code == 302


def started_attempt(app, client, people, question_ids, option_order=None) -> int:
    complete_learning(client)
    start(client)
    attempt_id = open_attempt(app, people["learner"]).id
    draw(app, attempt_id, question_ids, option_order)
    return attempt_id


def answered_attempt(app, client, people, *, own_phone: str) -> int:
    """An attempt at four fixed questions, all answered (own-phone with the option given)."""
    questions = ["own-phone", "lunch-browsing", "forward-file", "report-breach"]
    attempt_id = started_attempt(app, client, people, questions)
    chosen = [[own_phone], ["true"], ["check-need"], ["at-once"]]
    answer(client, attempt_id, list(zip(questions, chosen, strict=True)))
    return attempt_id


# --- Scenarios --------------------------------------------------------------------------


def test_a_decision_sent_twice_shows_its_feedback_even_before_a_content_step(
    app, people, database_url, new_content
):
    def content_after_the_decision(scenario):
        scenario["nodes"]["aftermath"] = {
            "type": "content",
            "text": "Your colleague thanks you.",
            "next": "good-end",
        }
        scenario["nodes"]["ask"]["choices"][0]["next"] = "aftermath"

    client = learner_on(database_url, new_content("v1", scenario=content_after_the_decision))
    submit(client, SCENARIO, {})
    submit(client, PLAY, {"node": "intro"})
    decision = {"node": "ask", "choice": "check"}
    assert submit(client, PLAY, decision).headers["Location"].endswith("/feedback")
    again = submit(client, PLAY, decision)  # the double click
    assert again.headers["Location"].endswith("/feedback")
    with app.app_context():
        run = db.session.scalar(select(ScenarioRun))
        assert run.current_node == "aftermath" and len(run.decisions) == 1


def test_continue_pressed_again_after_the_back_button_goes_back_to_the_step(app, people, client_as):
    client = client_as("learner")
    submit(client, SCENARIO, {})
    submit(client, PLAY, {"node": "intro"})  # now at the decision
    again = submit(client, PLAY, {"node": "intro"})  # Back, then Continue on the intro
    assert again.status_code == 302 and again.headers["Location"].endswith("/play")
    page = visible_text(client.get(PLAY).text)
    assert "You had already answered that" in page and "Select what you would do" not in page


def test_a_run_whose_step_became_an_end_can_start_again(
    app, people, database_url, new_content, client_as
):
    client = client_as("learner")
    submit(client, SCENARIO, {})
    submit(client, PLAY, {"node": "intro"})  # the run waits at "ask"

    def ask_becomes_an_end(scenario):
        nodes = scenario["nodes"]
        choices = [
            {"id": i, "text": i, "outcome": o, "feedback": "Noted.", "next": "ask"}
            for i, o in (("check", "best"), ("forward", "poor"))
        ]
        nodes["decide"] = {"type": "decision", "question": "What do you do?", "choices": choices}
        nodes["ask"] = {"type": "end", "title": "Done", "text": "That is all."}
        nodes["intro"]["next"] = "decide"
        del nodes["good-end"], nodes["bad-end"]

    later = learner_on(database_url, new_content("v2", scenario=ask_becomes_an_end))
    assert later.get(PLAY).headers["Location"].endswith(SCENARIO)  # explained, not looped
    assert submit(later, SCENARIO, {}).status_code == 302  # start again
    with app.app_context():
        runs = db.session.scalars(select(ScenarioRun).order_by(ScenarioRun.id)).all()
        assert runs[0].abandoned_at is not None
        assert runs[1].current_node == "intro" and runs[1].finished_at is None


def test_feedback_on_a_decision_the_scenario_no_longer_has_leads_to_the_scenario(
    app, people, database_url, new_content, client_as
):
    client = client_as("learner")
    submit(client, SCENARIO, {})
    submit(client, PLAY, {"node": "intro"})
    submit(client, PLAY, {"node": "ask", "choice": "check"})  # decided; feedback next

    def choice_renamed(scenario):
        scenario["nodes"]["ask"]["choices"][0]["id"] = "verify"

    later = learner_on(database_url, new_content("v2", scenario=choice_renamed))
    response = later.get(f"{SCENARIO}/feedback")
    assert response.status_code == 302 and response.headers["Location"].endswith(SCENARIO)
    assert later.get(SCENARIO, follow_redirects=True).status_code == 200


def test_the_summary_of_a_run_whose_end_became_a_step_has_a_generic_heading(
    app, people, database_url, new_content, client_as
):
    client = client_as("learner")
    submit(client, SCENARIO, {})
    submit(client, PLAY, {"node": "intro"})
    submit(client, PLAY, {"node": "ask", "choice": "check"})  # ends at good-end

    def good_end_becomes_a_step(scenario):
        scenario["nodes"]["good-end"] = {
            "type": "content",
            "text": "Your colleague asks a follow-up question.",
            "next": "new-end",
        }
        scenario["nodes"]["new-end"] = {"type": "end", "title": "Well done", "text": "All done."}

    later = learner_on(database_url, new_content("v2", scenario=good_end_becomes_a_step))
    assert later.get(PLAY).headers["Location"].endswith(f"{SCENARIO}/summary")
    page = later.get(f"{SCENARIO}/summary")  # the page checker wants a title and a heading
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "<title>You finished this scenario –" in page.text
    assert '<h1 class="govuk-heading-l">You finished this scenario</h1>' in page.text
    assert "Your colleague asks a follow-up question." not in text
    assert "Well done" not in text  # not where this run ended either


# --- Quizzes ----------------------------------------------------------------------------


def test_a_right_option_added_while_the_quiz_is_open_is_shown(
    app, people, database_url, new_content, client_as
):
    order = {"safe-habits": ["lock-screen", "bcc", "share-password", "autocomplete"]}
    questions = ["safe-habits", "own-phone", "forward-file", "report-breach"]
    attempt_id = started_attempt(app, client_as("learner"), people, questions, order)

    def add_a_right_option(bank):
        question = next(q for q in bank["questions"] if q["id"] == "safe-habits")
        question["options"].append(
            {
                "id": "report-loss",
                "text": "Report a lost laptop at once.",
                "correct": True,
                "feedback": "Right.",
            }
        )

    later = learner_on(database_url, new_content("v2", bank=add_a_right_option))
    page = later.get(f"{QUIZ}/attempts/{attempt_id}/questions/1").text
    assert "Report a lost laptop at once." in page
    answer(
        later,
        attempt_id,
        [
            ("safe-habits", ["lock-screen", "bcc", "report-loss"]),
            ("own-phone", ["applies"]),
            ("forward-file", ["check-need"]),
            ("report-breach", ["at-once"]),
        ],
    )
    submit(later, f"{QUIZ}/attempts/{attempt_id}/check", {})
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).score_percent == 100


def test_an_answer_whose_option_was_removed_must_be_given_again(
    app, people, database_url, new_content, client_as
):
    attempt_id = answered_attempt(app, client_as("learner"), people, own_phone="work-hours")

    def replace_the_option_chosen(bank):
        question = next(q for q in bank["questions"] if q["id"] == "own-phone")
        question["options"] = [o for o in question["options"] if o["id"] != "work-hours"]
        question["options"].append(
            {"id": "at-weekends", "text": "Only at weekends.", "feedback": "Not quite."}
        )

    later = learner_on(database_url, new_content("v2", bank=replace_the_option_chosen))
    check = f"{QUIZ}/attempts/{attempt_id}/check"
    assert "Not answered" in visible_text(later.get(check).text)
    refused = visible_text(submit(later, check, {}).text)
    assert "There is a problem Answer question 1 before you submit" in refused
    assert "Answer question 2" not in refused
    # "Continue the quiz" leads to that question, not to the check page.
    assert start(later).headers["Location"].endswith(f"/attempts/{attempt_id}/questions/1")
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_a_question_removed_before_submission_is_not_counted_nor_marked_wrong(
    app, people, database_url, new_content, client_as
):
    attempt_id = answered_attempt(app, client_as("learner"), people, own_phone="applies")

    def remove_question_two(bank):
        bank["questions"] = [q for q in bank["questions"] if q["id"] != "lunch-browsing"]

    later = learner_on(database_url, new_content("v2", bank=remove_question_two))
    submit(later, f"{QUIZ}/attempts/{attempt_id}/check", {})
    page = visible_text(later.get(f"{QUIZ}/attempts/{attempt_id}/result").text)
    assert "100%" in page and "Question 2: not counted" in page
    assert "taken out of the quiz before you submitted" in page
    assert "Question 2: not right" not in page
    with app.app_context():
        removed = db.session.scalar(
            select(QuizAnswer).where(
                QuizAnswer.attempt_id == attempt_id, QuizAnswer.question_id == "lunch-browsing"
            )
        )
        assert removed.is_correct is None
        tallied = db.session.scalars(select(QuestionTally.question_id)).all()
        assert "lunch-browsing" not in tallied and "own-phone" in tallied


def test_an_answer_from_a_page_the_bank_changed_under_is_not_saved_elsewhere(
    app, people, database_url, new_content
):
    def a_second_true_false(bank):
        bank["questions"].append(
            {
                "id": "tf-two",
                "type": "true_false",
                "lesson": "first-lesson",
                "tags": ["sharing"],
                "stem": "You may e-mail names to your own address.",
                "options": [
                    {"id": "true", "text": "True", "feedback": "No."},
                    {"id": "false", "text": "False", "correct": True, "feedback": "Right."},
                ],
                "explanation": "Keep data in council systems.",
            }
        )

    client = learner_on(database_url, new_content("v1", bank=a_second_true_false))
    questions = ["own-phone", "lunch-browsing", "tf-two", "report-breach"]
    attempt_id = started_attempt(app, client, people, questions)
    base = f"{QUIZ}/attempts/{attempt_id}/questions"
    answer(client, attempt_id, [("own-phone", ["applies"])])
    assert "lunch" in client.get(f"{base}/2").text  # question 2 is open in the browser

    def and_question_one_removed(bank):
        a_second_true_false(bank)
        bank["questions"] = [q for q in bank["questions"] if q["id"] != "own-phone"]

    later = learner_on(database_url, new_content("v2", bank=and_question_one_removed))
    # The page still shows "lunch-browsing"; on the new bank, number 2 is "tf-two".
    sent = submit(
        later, f"{base}/2", {"answer": ["true"], "question": "lunch-browsing"}, form_path=QUIZ
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"{base}/2")
    page = visible_text(later.get(f"{base}/2").text)
    assert "your answer was not saved" in page and "own address" in page
    with app.app_context():
        saved = db.session.scalars(
            select(QuizAnswer.question_id).where(QuizAnswer.attempt_id == attempt_id)
        ).all()
    assert saved == ["own-phone"]


def test_the_pause_ends_at_the_minute_the_page_gives(app, people, client_as):
    failed_at = datetime(2026, 12, 4, 10, 0, 30, tzinfo=UTC)
    with freeze_time(failed_at):
        learner = client_as("learner")
        complete_learning(learner)
        take_quiz(learner, app, people["learner"], right=False)
        take_quiz(learner, app, people["learner"], right=False)  # the fixture pauses after 2
        page = visible_text(learner.get(QUIZ).text)
        shown = re.search(r"You can try again from 5 December 2026 (\d\d:\d\d) GMT", page)
        assert shown and shown.group(1) == "10:01"  # rounded up, not down to 10:00
    with freeze_time(datetime(2026, 12, 5, 10, 0, 50, tzinfo=UTC)):
        learner = client_as("learner")
        assert submit(learner, QUIZ, {}).headers["Location"] == QUIZ  # not yet
    with freeze_time(datetime(2026, 12, 5, 10, 1, tzinfo=UTC)):
        learner = client_as("learner")
        assert "/attempts/" in submit(learner, QUIZ, {}).headers["Location"]


def test_an_exempt_person_who_is_certified_is_not_asked_to_confirm_again(app, people, client_as):
    assert app.test_cli_runner().invoke(args=["assignments", "sync"]).exit_code == 0
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    path = f"/reports/people/{people['learner']}/modules/sample-module/exempt"
    assert submit(client_as("officer"), path, {"reason": "Works offline"}).status_code == 302
    page = visible_text(learner.get("/modules/sample-module").text)
    assert "exempted you" in page and "You are certified" in page
    assert "Confirm the policy" not in page
    expires = f"{certificate.expires_on.day} {certificate.expires_on:%B %Y}"
    assert f"Your certificate expires on {expires}" in visible_text(learner.get("/home").text)


def test_a_pass_still_becomes_a_certificate_after_the_module_stops_applying(app, people, client_as):
    """A care worker passes the regulated-work quiz, then moves to an office job before
    confirming the policy: the result stays theirs, and confirming still certifies them."""
    from app.models import User

    regulated = "/modules/regulated-only"
    with app.app_context():
        db.session.get(User, people["learner"]).is_regulated_role = True
        db.session.commit()
    learner = client_as("learner")
    assert submit(learner, f"{regulated}/lessons/boundaries", {}).status_code == 302
    submit(learner, f"{regulated}/quiz", {})
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.submitted_at.is_(None)))
    base = f"{regulated}/quiz/attempts/{attempt.id}"
    submit(learner, f"{base}/questions/1", {"answer": ["false"], "question": "friend-request"})
    assert submit(learner, f"{base}/check", {}).headers["Location"].endswith("/result")

    with app.app_context():
        db.session.get(User, people["learner"]).is_regulated_role = False
        db.session.commit()
    assert learner.get(regulated).status_code == 404  # the module has gone from their list
    result = learner.get(f"{base}/result")
    assert result.status_code == 200 and "Confirm the policy" in result.text
    confirm = learner.get(f"{base}/acknowledge").text
    version = re.search(r'name="policy_version"[^>]*value="([^"]+)"', confirm).group(1)
    issued = submit(learner, f"{base}/acknowledge", {"confirm": "y", "policy_version": version})
    assert issued.status_code == 302 and "/certificates" in issued.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt.id)).passed
    assert "Only for regulated roles" in visible_text(learner.get("/certificates").text)
    # Someone else's attempt at a module that does not apply to them is still not theirs.
    assert client_as("line_manager").get(f"{base}/result").status_code == 404
