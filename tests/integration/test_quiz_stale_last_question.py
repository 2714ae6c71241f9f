"""The last question's page, left open while new content took one of the attempt's
questions out: saving it gives the "quiz changed" message and leads on, not "Page not
found" (the page's number no longer exists)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from app.extensions import db
from app.models import QuizAttempt
from tests.conftest import make_app
from tests.support.accounts import sign_in, submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import QUIZ, complete_learning, open_attempt, start

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def bank_without(tmp_path, question_id: str) -> str:
    root = tmp_path / "v2"
    shutil.copytree(FIXTURES / "content", root / "content")
    shutil.copytree(FIXTURES / "quizzes", root / "quizzes")
    path = root / "quizzes" / "sample-module.yaml"
    bank = yaml.safe_load(path.read_text())
    bank["questions"] = [q for q in bank["questions"] if q["id"] != question_id]
    path.write_text(yaml.safe_dump(bank, sort_keys=False))
    return str(root / "content")


def test_saving_the_last_question_after_the_bank_lost_one_is_not_a_404(
    app, people, client_as, database_url, tmp_path
):
    client = client_as("learner")
    complete_learning(client)
    start(client)
    attempt_id = open_attempt(app, people["learner"]).id
    questions = ["own-phone", "lunch-browsing", "forward-file", "report-breach"]
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id).question_ids = questions
        db.session.commit()
    last = f"{QUIZ}/attempts/{attempt_id}/questions/4"
    assert "wrong person" in client.get(last).text  # the learner has question 4 open
    later_app = make_app(database_url, CONTENT_DIR=bank_without(tmp_path, "own-phone"))
    later = later_app.test_client()
    assert sign_in(later, "learner@example.org").status_code == 302
    sent = submit(later, last, {"answer": ["at-once"], "question": "report-breach"}, form_path=QUIZ)
    assert sent.status_code == 302, visible_text(sent.text)[:300]
    # Questions 1-3 were not answered: the first of them is next, with the message.
    assert sent.headers["Location"] == f"{QUIZ}/attempts/{attempt_id}/questions/1"
    shown = visible_text(later.get(sent.headers["Location"]).text)
    assert "The quiz changed while you had that page open" in shown
    assert "Answer the question below" in shown
    # A plain visit to a number beyond the attempt is still "Page not found".
    assert later.get(last).status_code == 404
