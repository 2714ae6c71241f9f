"""Taking a quiz through the pages a learner uses: unlock, resume, check, submit, results,
cool-down, acknowledgement and the certificate (fixture content, SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from freezegun import freeze_time
from pypdf import PdfReader
from sqlalchemy import func, select

from app import catalogue
from app.extensions import db
from app.models import Acknowledgement, Certificate, QuizAnswer, QuizAttempt
from app.models.base import utcnow
from tests.support.accounts import submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import (
    QUIZ,
    acknowledge,
    answer_all,
    answers_for,
    certify,
    complete_learning,
    open_attempt,
    start,
    take_quiz,
)


def count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.scalar(query)


def test_the_quiz_stays_locked_until_the_learning_is_complete(app, client_as, people):
    client = client_as("learner")
    page = client.get(QUIZ).get_data(as_text=True)
    assert "The quiz opens when you have completed the lessons and scenarios" in page
    assert "Start the quiz" not in page
    start(client)
    assert count(app, QuizAttempt) == 0
    complete_learning(client)
    assert "Start the quiz" in client.get(QUIZ).get_data(as_text=True)
    module_page = client.get("/modules/sample-module").get_data(as_text=True)
    assert "Cannot start yet" not in module_page and f'href="{QUIZ}"' in module_page


def test_an_attempt_snapshots_its_rules_and_resumes_where_it_stopped(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    response = start(client)
    attempt = open_attempt(app, people["learner"])
    assert response.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/questions/1"
    assert len(attempt.question_ids) == 4 and len(set(attempt.question_ids)) == 4
    assert attempt.pass_mark_percent == 75 and attempt.content_version == 1
    # Drawn across the bank's tags: both tags are represented.
    with app.app_context():
        quiz = catalogue.get().modules["sample-module"].quiz
        tags = {quiz.questions[q].tags[0] for q in attempt.question_ids}
    assert tags == {"personal-use", "sharing"}
    for question_id in attempt.question_ids:
        assert sorted(attempt.option_order[question_id]) == sorted(
            o.id for o in quiz.questions[question_id].options
        )

    first = answers_for(app, attempt, right=True)[0]
    submit(
        client,
        f"{QUIZ}/attempts/{attempt.id}/questions/1",
        {"answer": first, "question": attempt.question_ids[0]},
    )
    # Leave and come back: the same attempt, at the next unanswered question.
    page = client.get(QUIZ).get_data(as_text=True)
    assert "Continue the quiz" in page
    again = start(client)
    assert again.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/questions/2"
    assert count(app, QuizAttempt) == 1
    question_one = client.get(f"{QUIZ}/attempts/{attempt.id}/questions/1").get_data(as_text=True)
    for option_id in first:
        assert re.search(rf'value="{option_id}" checked', question_one)


def test_an_unsubmitted_question_page_gives_no_hint_of_the_answer(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    start(client)
    attempt = open_attempt(app, people["learner"])
    with app.app_context():
        quiz = catalogue.get().modules["sample-module"].quiz
    for number, question_id in enumerate(attempt.question_ids, start=1):
        html = unescape(
            client.get(f"{QUIZ}/attempts/{attempt.id}/questions/{number}").get_data(as_text=True)
        )
        question = quiz.questions[question_id]
        assert question.stem in html
        assert question.explanation not in html
        for option in question.options:
            assert option.text in html
            assert option.feedback not in html
        assert "correct" not in html.lower()
        # Every option is marked up the same way: no attribute singles out the right one.
        inputs = re.findall(r"<input[^>]*name=\"answer\"[^>]*>", html)
        shapes = {re.sub(r'(id|value)="[^"]*"|\s+checked', "", i) for i in inputs}
        assert len(shapes) == 1


def test_a_question_needs_an_answer_and_only_offered_options(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    start(client)
    attempt = open_attempt(app, people["learner"])
    path = f"{QUIZ}/attempts/{attempt.id}/questions/1"
    shown = attempt.question_ids[0]
    page = submit(client, path, {"question": shown}).get_data(as_text=True)
    assert "There is a problem" in page and "Select" in page
    page = submit(client, path, {"answer": "made-up", "question": shown}).get_data(as_text=True)
    assert "Select one of the answers shown" in page
    assert count(app, QuizAnswer) == 0
    assert client.get(f"{QUIZ}/attempts/{attempt.id}/questions/9").status_code == 404


def test_a_fully_answered_quiz_continues_at_the_check_page(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    attempt = answer_all(client, app, people["learner"], right=True)
    assert "Continue the quiz" in client.get(QUIZ).text
    assert start(client).headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/check"


def test_changing_an_answer_from_the_check_page_returns_to_it(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    attempt = answer_all(client, app, people["learner"], right=False)
    check = f"{QUIZ}/attempts/{attempt.id}/check"
    change = f"{QUIZ}/attempts/{attempt.id}/questions/1?from=check"
    page = client.get(check).text
    assert f'href="{change}"' in page.replace("&amp;", "&")
    question = client.get(change).text
    assert f'href="{check}"' in question  # Back leads to the check page
    shown = attempt.question_ids[0]
    refused = submit(client, change, {"question": shown})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.text
    assert f'href="{check}"' in refused.text  # still on its way back to the check page
    right = answers_for(app, attempt, right=True)[0]
    saved = submit(client, change, {"answer": right, "question": shown})
    assert saved.headers["Location"] == check
    with app.app_context():
        stored = db.session.scalar(
            select(QuizAnswer).where(
                QuizAnswer.attempt_id == attempt.id,
                QuizAnswer.question_id == attempt.question_ids[0],
            )
        )
        assert sorted(stored.selected) == sorted(right)
    # Without the marker, saving goes on to the next question as before.
    onward = submit(
        client,
        f"{QUIZ}/attempts/{attempt.id}/questions/1",
        {"answer": right, "question": shown},
    )
    assert onward.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/questions/2"


def test_submitting_needs_every_answer_and_happens_once(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    start(client)
    attempt = open_attempt(app, people["learner"])
    check = f"{QUIZ}/attempts/{attempt.id}/check"
    page = submit(client, check, {}).get_data(as_text=True)
    # One error a question, each linked to that question's Change link on the page.
    for number in range(1, 5):
        assert (
            f'<a href="#question-{number}">Answer question {number} before you submit</a>' in page
        )
        assert f'id="question-{number}"' in page
    assert page.count("before you submit</a>") == 4
    assert open_attempt(app, people["learner"]) is not None

    attempt = answer_all(client, app, people["learner"], right=True)
    page = client.get(check).get_data(as_text=True)
    assert "Check your answers" in page and "Not answered" not in page
    first = submit(client, check, {})
    assert first.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/result"
    # A replayed submission (double click, back button) changes nothing.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(QUIZ).get_data(as_text=True))
    replay = client.post(
        check, data={"csrf_token": token.group(1)}, headers={"Referer": f"http://localhost{check}"}
    )
    assert replay.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/result"
    with app.app_context():
        stored = db.session.get(QuizAttempt, attempt.id)
        assert stored.passed is True and stored.score_percent == 100
        assert stored.correct_count == 4
        assert all(a.is_correct for a in stored.answers)
    # Answers cannot be changed after submission.
    changed = submit(
        client,
        f"{QUIZ}/attempts/{attempt.id}/questions/1",
        {"answer": ["anything"]},
        form_path=QUIZ,
    )
    assert changed.headers["Location"].endswith("/result")
    assert count(app, QuizAttempt, user_id=people["learner"]) == 1


def test_a_failed_attempt_shows_what_was_wrong_and_where_to_learn_it(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    attempt = take_quiz(client, app, people["learner"], right=False)
    page = client.get(f"{QUIZ}/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "You did not pass this time" in page
    assert "Your score: <strong>0%</strong>" in page and "You need 75% to pass" in page
    assert "Question 1: not right" in page
    assert "What to read again" in page
    assert 'href="/modules/sample-module/lessons/first-lesson"' in page
    with app.app_context():
        quiz = catalogue.get().modules["sample-module"].quiz
    for question_id in attempt.question_ids:
        assert quiz.questions[question_id].explanation in unescape(page)
    assert "Try the quiz again" in page
    # Without a pass there is no acknowledgement and no certificate.
    refused = submit(
        client, f"{QUIZ}/attempts/{attempt.id}/acknowledge", {"confirm": "y"}, form_path=QUIZ
    )
    assert refused.headers["Location"].endswith(f"/attempts/{attempt.id}/result")
    assert count(app, Acknowledgement) == 0 and count(app, Certificate) == 0


def test_repeated_fails_start_a_cool_down_that_ends(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    take_quiz(client, app, people["learner"], right=False)
    second = take_quiz(client, app, people["learner"], right=False)  # fixture: 2 before a pause
    result = client.get(f"{QUIZ}/attempts/{second.id}/result").get_data(as_text=True)
    assert "You can try again from" in result and "Try the quiz again" not in result
    page = client.get(QUIZ).get_data(as_text=True)
    assert "You can try again from" in page and re.search(r"\d\d:\d\d (GMT|BST)", page)
    start(client)
    assert open_attempt(app, people["learner"]) is None
    with freeze_time(utcnow() + timedelta(hours=24, minutes=1)):
        client = client_as("learner")  # the old session has expired by then
        assert "Start the quiz" in client.get(QUIZ).get_data(as_text=True)
        start(client)
        assert open_attempt(app, people["learner"]) is not None


def test_the_module_page_points_to_the_next_step_of_the_quiz(app, client_as, people):
    client = client_as("learner")
    module_page = "/modules/sample-module"

    def next_step() -> str:
        return visible_text(client.get(module_page).text)

    complete_learning(client)
    assert "completed the learning for this module. Take the quiz" in next_step()
    take_quiz(client, app, people["learner"], right=False)
    assert "Take the quiz" in next_step()  # one fail: another try is open
    second = answer_all(client, app, people["learner"], right=False)
    assert "Continue the quiz" in next_step()
    submit(client, f"{QUIZ}/attempts/{second.id}/check", {})
    cooling = next_step()  # two fails: a pause, and the quiz row says until when
    assert "You can try again from" in cooling
    assert "Take the quiz" not in cooling and "Continue the quiz" not in cooling
    with freeze_time(utcnow() + timedelta(hours=24, minutes=1)):
        client = client_as("learner")
        passed = take_quiz(client, app, people["learner"], right=True)
        waiting = client.get(module_page).text
        assert "You passed the quiz. Confirm the policy to get your certificate." in (
            visible_text(waiting)
        )
        assert f'href="{QUIZ}/attempts/{passed.id}/acknowledge"' in waiting
        assert "Take the quiz" not in visible_text(waiting)
        acknowledge(client, passed.id)
        certified = visible_text(client.get(module_page).text)
        assert "You are certified for this module" in certified
        assert "Take the quiz" not in certified and "Confirm the policy" not in certified


def test_a_pass_then_acknowledgement_issues_one_certificate(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    attempt = take_quiz(client, app, people["learner"], right=True)
    result = client.get(f"{QUIZ}/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "You passed" in result and "Confirm the policy" in result
    ack_path = f"{QUIZ}/attempts/{attempt.id}/acknowledge"
    page = client.get(ack_path).get_data(as_text=True)
    assert "Internet, Social Media and E-mail Policy, version 4" in page
    assert 'href="/policy"' in page
    refused = submit(client, ack_path, {}).get_data(as_text=True)
    assert "Confirm that you have read and understood the policy" in refused
    assert count(app, Certificate) == 0

    response = acknowledge(client, attempt.id)
    assert response.headers["Location"].startswith("/certificates?issued=")
    again = client.post(ack_path)  # a replay without a token
    assert again.status_code in (302, 400)
    assert count(app, Certificate) == 1 and count(app, Acknowledgement) == 1
    with app.app_context():
        ack = db.session.scalar(select(Acknowledgement))
        assert (ack.policy_title, ack.policy_version, ack.user_id) == (
            "Internet, Social Media and E-mail Policy",
            4,
            people["learner"],
        )
        certificate = db.session.scalar(select(Certificate))
        assert certificate.score_percent == 100 and certificate.cycle == 1
        assert (certificate.expires_on - certificate.issued_at.date()).days in (365, 366)
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", certificate.code)
    mine = client.get("/certificates").get_data(as_text=True)
    assert "A sample module" in mine and "Valid" in mine
    assert "Certified" in client.get("/home").get_data(as_text=True)
    assert "Passed" in client.get("/modules/sample-module").get_data(as_text=True)


def test_the_certificate_pdf_is_real_text_and_reproducible(app, client_as, people):
    client = client_as("learner")
    certificate = certify(client, app, people["learner"])
    response = client.get(f"/certificates/{certificate.id}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-sample-module-{certificate.code}.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    display = "-".join(certificate.code[i : i + 4] for i in range(0, 16, 4))
    for expected in ("Lewis", "A sample module", display, "version 4", "100%"):
        assert expected in text
    assert f"{certificate.issued_at.day} {certificate.issued_at:%B %Y}" in text
    assert f"{certificate.expires_on.day} {certificate.expires_on:%B %Y}" in text
    assert f"http://localhost/verify/{display}" in text
    assert reader.metadata.title.startswith("Certificate: A sample module")
    assert reader.metadata.author == "West Lothian Council"
    assert "/Lang" in reader.trailer["/Root"]
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    # Made again from the stored record: the same bytes.
    assert client.get(f"/certificates/{certificate.id}/download").data == response.data


def test_only_the_owner_their_managers_and_officers_may_download(app, client_as, people):
    from tests.support.accounts import create_user, sign_in

    certificate = certify(client_as("learner"), app, people["learner"])
    path = f"/certificates/{certificate.id}/download"
    for role in ("learner", "line_manager", "officer", "admin"):
        assert client_as(role).get(path).status_code == 200, role
    create_user(app, "other@example.org")
    other = app.test_client()
    sign_in(other, "other@example.org")
    assert other.get(path).status_code == 404
    assert other.get("/certificates/999999/download").status_code == 404
    assert client_as("anonymous").get(path).status_code == 302  # to sign in
    # Someone else's attempt is a 404 too, for every page of it.
    attempt_id = certificate.attempt_id
    for page in ("questions/1", "check", "result", "acknowledge"):
        assert other.get(f"{QUIZ}/attempts/{attempt_id}/{page}").status_code == 404, page
    # Nor can they submit to it, or confirm the policy on it, with a valid token of their own.
    for page in ("check", "acknowledge", "questions/1"):
        response = submit(
            other, f"{QUIZ}/attempts/{attempt_id}/{page}", {"confirm": "y"}, form_path="/account"
        )
        assert response.status_code == 404, page


def test_an_exception_mid_submission_leaves_nothing_behind(app, client_as, people, monkeypatch):
    from app.quizzes import scoring

    client = client_as("learner")
    complete_learning(client)
    attempt = answer_all(client, app, people["learner"], right=True)
    check = f"{QUIZ}/attempts/{attempt.id}/check"

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure while grading")

    monkeypatch.setattr(scoring, "score", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = submit(client, check, {})
    assert response.status_code == 500
    with app.app_context():
        stored = db.session.get(QuizAttempt, attempt.id)
        assert stored.submitted_at is None and stored.passed is None
        assert len(stored.answers) == 4 and all(a.is_correct is None for a in stored.answers)
    monkeypatch.undo()
    assert submit(client, check, {}).headers["Location"].endswith("/result")
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt.id).passed is True


def test_an_expired_session_keeps_the_answers(app, client_as, people):
    from tests.support.accounts import sign_in

    client = client_as("learner")
    complete_learning(client)
    attempt = answer_all(client, app, people["learner"], right=True)
    check = f"{QUIZ}/attempts/{attempt.id}/check"
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(check).get_data(as_text=True)
    )
    with freeze_time(utcnow() + timedelta(minutes=61)):
        response = client.post(
            check,
            data={"csrf_token": token.group(1)},
            headers={"Referer": f"http://localhost{check}"},
        )
        assert response.status_code in (200, 302)
        assert response.status_code != 400
        if response.status_code == 302:  # signed out: sign in and come back to the same page
            assert "/sign-in" in response.headers["Location"]
            back = sign_in(client, "learner@example.org", next_path=check)
            assert back.headers["Location"] == check
        page = client.get(check).get_data(as_text=True)
        assert "Not answered" not in page
        assert submit(client, check, {}).headers["Location"].endswith("/result")


def test_an_expired_csrf_token_shows_the_form_again(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    attempt = answer_all(client, app, people["learner"], right=True)
    check = f"{QUIZ}/attempts/{attempt.id}/check"
    response = client.post(
        check, data={"csrf_token": "stale"}, headers={"Referer": f"http://localhost{check}"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We did not save this" in page and "Check your answers" in page
    assert open_attempt(app, people["learner"]) is not None
    assert submit(client, check, {}).headers["Location"].endswith("/result")


def test_training_record_lists_attempts_acknowledgements_and_certificates(app, client_as, people):
    client = client_as("learner")
    complete_learning(client)
    take_quiz(client, app, people["learner"], right=False)
    certificate = certify(client, app, people["learner"])
    page = client.get("/training-record").get_data(as_text=True)
    assert "Cycle 1" in page and "0%, not passed" in page and "100%, passed" in page
    assert "version 4" in page
    response = client.get("/training-record.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "A sample module" in text and "not passed" in text
    assert certificate.code[:4] in text


def test_the_policy_page_is_public(client):
    page = client.get("/policy").get_data(as_text=True)
    assert "Internet, Social Media and E-mail Policy" in page and "Version 4" in page
    assert "https://www.example.org/policies/internet-social-media-email" in page


@pytest.mark.parametrize("wording_kept", [True, False], ids=["kept", "before-0013"])
def test_a_past_result_reads_as_it_was_marked_after_the_bank_changes(
    app, client_as, database_url, people, tmp_path, wording_kept
):
    """Passed with every answer right; then the bank is reworded, gets a new right answer
    for one of the questions asked and drops another. The result still says 100%, every
    question right. It shows the questions as they were asked (the wording is kept at
    submission); a result submitted before wordings were kept shows today's wording and
    says what changed."""
    import shutil
    from pathlib import Path

    import yaml

    from tests.conftest import make_app
    from tests.support.accounts import sign_in

    client = client_as("learner")
    complete_learning(client)
    attempt = take_quiz(client, app, people["learner"], right=True)
    with app.app_context():
        asked = catalogue.get().modules["sample-module"].quiz.questions
        stored = db.session.get(QuizAttempt, attempt.id)
        assert stored.bank_fingerprint is not None
        if not wording_kept:
            stored.bank_fingerprint = None  # as submitted before migration 0013
            db.session.commit()

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    shutil.copytree(fixtures / "content", tmp_path / "content")
    shutil.copytree(fixtures / "quizzes", tmp_path / "quizzes")
    bank_path = tmp_path / "quizzes" / "sample-module.yaml"
    bank = yaml.safe_load(bank_path.read_text())
    by_id = {q["id"]: q for q in bank["questions"]}
    changed = next(q for q in attempt.question_ids if by_id[q]["type"] != "multiple")
    removed = next(q for q in attempt.question_ids if q != changed)
    by_id[changed]["stem"] = "A reworded question."
    options = by_id[changed]["options"]
    right = next(o for o in options if o.get("correct"))
    right["correct"] = False
    right["text"] = "A reworded option."
    next(o for o in options if o is not right)["correct"] = True  # a new right answer
    bank["questions"] = [q for q in bank["questions"] if q["id"] != removed]
    bank_path.write_text(yaml.safe_dump(bank, allow_unicode=True, sort_keys=False))
    later = make_app(database_url, CONTENT_DIR=str(tmp_path / "content")).test_client()
    sign_in(later, "learner@example.org")

    page = visible_text(later.get(f"{QUIZ}/attempts/{attempt.id}/result").text)
    assert "100%" in page
    assert "not right" not in page.replace("It was marked right", "")
    for number in range(1, len(attempt.question_ids) + 1):
        assert f"Question {number}: right" in page
    if wording_kept:
        assert asked[changed].stem in page and "A reworded question." not in page
        assert asked[removed].stem in page
        assert "A reworded option." not in page
        assert "This question has since been taken out of the quiz" not in page
        assert "The right answer to this question has changed" not in page
    else:
        assert "A reworded question." in page and "A reworded option." in page
        assert "This question has since been taken out of the quiz" in page
        assert "The right answer to this question has changed since you answered it" in page
