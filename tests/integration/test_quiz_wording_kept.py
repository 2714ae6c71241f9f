"""A result shows the wording it was scored against, stored once per wording of the bank."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from sqlalchemy import func, select

from app import catalogue
from app.extensions import db
from app.models import QuizAttempt, QuizBankArchive
from tests.conftest import make_app
from tests.support.accounts import sign_in, submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import QUIZ, answer_all, complete_learning, take_quiz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def archived(app) -> list[QuizBankArchive]:
    with app.app_context():
        rows = db.session.scalars(
            select(QuizBankArchive).order_by(QuizBankArchive.archived_at)
        ).all()
        db.session.expunge_all()
        return rows


def reworded_content(tmp_path: Path) -> str:
    """The fixture content with every question's wording changed and the version raised."""
    shutil.copytree(FIXTURES / "content", tmp_path / "content")
    shutil.copytree(FIXTURES / "quizzes", tmp_path / "quizzes")
    bank_path = tmp_path / "quizzes" / "sample-module.yaml"
    bank = yaml.safe_load(bank_path.read_text())
    for question in bank["questions"]:
        question["stem"] = f"Reworded: {question['id']}."
        question["explanation"] = f"New explanation of {question['id']}."
    bank_path.write_text(yaml.safe_dump(bank, allow_unicode=True, sort_keys=False))
    module_path = tmp_path / "content" / "sample-module" / "module.yaml"
    module = yaml.safe_load(module_path.read_text())
    module["version"] += 1
    module_path.write_text(yaml.safe_dump(module, allow_unicode=True, sort_keys=False))
    return str(tmp_path / "content")


def test_each_wording_is_stored_once_and_named_by_the_attempts_scored_against_it(
    app, client_as, people, database_url, tmp_path
):
    for role in ("learner", "line_manager"):
        client = client_as(role)
        complete_learning(client)
        take_quiz(client, app, people[role], right=role == "learner")
    with app.app_context():
        quiz = catalogue.get().modules["sample-module"].quiz
        fingerprints = db.session.scalars(select(QuizAttempt.bank_fingerprint)).all()
    (row,) = archived(app)
    assert fingerprints == [quiz.fingerprint, quiz.fingerprint]
    assert (row.module_id, row.fingerprint, row.content_version) == (
        "sample-module",
        quiz.fingerprint,
        1,
    )
    stored = json.loads(row.snapshot)
    assert [q["id"] for q in stored["questions"]] == list(quiz.questions)
    assert stored["lessons"] == {"first-lesson": "The first lesson"}

    # After a content change, the next submission stores the new wording beside the old.
    later_app = make_app(database_url, CONTENT_DIR=reworded_content(tmp_path))
    officer = later_app.test_client()
    assert sign_in(officer, "officer@example.org").status_code == 302
    complete_learning(officer)
    take_quiz(officer, later_app, people["officer"], right=True)
    rows = archived(app)
    assert [r.content_version for r in rows] == [1, 2]
    assert rows[0].snapshot == row.snapshot  # the old wording is never rewritten


def test_a_result_shows_the_wording_it_was_scored_against_after_a_rewording(
    app, client_as, people, database_url, tmp_path
):
    client = client_as("learner")
    complete_learning(client)
    attempt = take_quiz(client, app, people["learner"], right=False)
    with app.app_context():
        asked = catalogue.get().modules["sample-module"].quiz.questions
    later = make_app(database_url, CONTENT_DIR=reworded_content(tmp_path)).test_client()
    assert sign_in(later, "learner@example.org").status_code == 302

    page = visible_text(later.get(f"{QUIZ}/attempts/{attempt.id}/result").text)
    assert "Reworded:" not in page and "New explanation" not in page
    for question_id in attempt.question_ids:
        assert asked[question_id].stem in page
        assert asked[question_id].explanation in page
    assert "as they were when you submitted" in page
    assert "Learn more: The first lesson" in page


def test_a_submission_that_fails_stores_no_wording(app, client_as, people, monkeypatch):
    from app.quizzes import tallies

    client = client_as("learner")
    complete_learning(client)
    attempt = answer_all(client, app, people["learner"], right=True)

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure after the wording was stored")

    # record_if_first runs after the wording is stored, in the same transaction.
    monkeypatch.setattr(tallies, "record_if_first", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    check = f"{QUIZ}/attempts/{attempt.id}/check"
    assert submit(client, check, {}).status_code == 500
    assert archived(app) == []
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt.id).bank_fingerprint is None
    monkeypatch.undo()
    assert submit(client, check, {}).headers["Location"].endswith("/result")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizBankArchive)) == 1
