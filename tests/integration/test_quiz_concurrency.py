"""Concurrent requests on SQLite and PostgreSQL: double submissions, two tabs starting the
same quiz, and the database constraints that make them safe (checklist items 32 and 33)."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Acknowledgement, Certificate, QuizAnswer, QuizAttempt
from app.models.base import utcnow
from tests.support.accounts import sign_in
from tests.support.quizzes import (
    POLICY_VERSION,
    QUIZ,
    answer_all,
    answers_for,
    certify,
    complete_learning,
)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in_pair(app):
    """Two browsers (or tabs) signed in as the same learner, each with its own CSRF token."""
    clients = []
    for _ in range(2):
        client = app.test_client()
        assert sign_in(client, "learner@example.org").status_code == 302
        clients.append(client)
    return clients


def post_together(clients, path, data=None):
    """POST from both clients at the same moment; return both responses."""
    tokens = [TOKEN.search(c.get(path).get_data(as_text=True)) for c in clients]
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def post(index):
        barrier.wait()
        responses[index] = clients[index].post(
            path,
            data={**(data or {}), "csrf_token": tokens[index].group(1)},
            headers={"Referer": f"http://localhost{path}"},
        )

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_two_concurrent_submissions_give_one_result_and_one_certificate(app, people):
    first, second = signed_in_pair(app)
    complete_learning(first)
    attempt = answer_all(first, app, people["learner"], right=True)
    check = f"{QUIZ}/attempts/{attempt.id}/check"
    responses = post_together([first, second], check)
    result = f"{QUIZ}/attempts/{attempt.id}/result"
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["Location"] for r in responses} == {result}
    with app.app_context():
        stored = db.session.get(QuizAttempt, attempt.id)
        assert stored.passed is True and stored.submitted_at is not None
    assert count(app, QuizAttempt) == 1

    acknowledge = f"{QUIZ}/attempts/{attempt.id}/acknowledge"
    responses = post_together(
        [first, second], acknowledge, {"confirm": "y", "policy_version": POLICY_VERSION}
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert count(app, Certificate) == 1
    assert count(app, Acknowledgement) == 1


def test_two_tabs_starting_the_quiz_make_one_attempt(app, people):
    first, second = signed_in_pair(app)
    complete_learning(first)
    responses = post_together([first, second], QUIZ)
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert count(app, QuizAttempt) == 1


def test_the_database_allows_one_open_attempt_per_person_and_module(app, people):
    with app.app_context():
        for _ in range(2):
            db.session.add(
                QuizAttempt(
                    user_id=people["learner"],
                    module_id="sample-module",
                    cycle=1,
                    content_version=1,
                    pass_mark_percent=75,
                    question_ids=[],
                    option_order={},
                )
            )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_certificate_codes_are_unique_by_constraint(app, client_as, people):
    certificate = certify(client_as("learner"), app, people["learner"])
    with app.app_context():
        copy = Certificate(
            code=certificate.code,
            user_id=people["learner"],
            module_id="sample-module",
            cycle=2,
            attempt_id=certificate.attempt_id + 1000,
            acknowledgement_id=certificate.acknowledgement_id,
            holder_name="Someone Else",
            module_title="A sample module",
            organisation="West Lothian Council",
            policy_title="Policy",
            policy_version=4,
            content_version=1,
            score_percent=100,
            issued_at=utcnow(),
            expires_on=date(2030, 1, 1),
        )
        db.session.add(copy)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_an_answer_saved_during_a_submission_waits_and_then_changes_nothing(app, people):
    """A submission holds its attempt until it commits: an answer sent from another tab at
    that moment waits, then finds the quiz submitted, and the scored answer stands."""
    first, second = signed_in_pair(app)
    complete_learning(first)
    attempt = answer_all(first, app, people["learner"], right=True)
    question = f"{QUIZ}/attempts/{attempt.id}/questions/1"
    token = TOKEN.search(second.get(question).get_data(as_text=True)).group(1)
    wrong = answers_for(app, attempt, right=False)[0]
    with app.app_context():
        engine = db.engine
    attempts = QuizAttempt.__table__
    submission = engine.connect()
    transaction = submission.begin()
    # What a submission holds: the attempt's row lock on PostgreSQL; on SQLite the one
    # write lock, which any write takes.
    if engine.dialect.name == "postgresql":
        submission.execute(
            select(attempts.c.id).where(attempts.c.id == attempt.id).with_for_update()
        )
    else:
        submission.execute(
            attempts.update()
            .where(attempts.c.id == attempt.id)
            .values(started_at=attempts.c.started_at)
        )
    responses = []
    saver = threading.Thread(
        target=lambda: responses.append(
            second.post(
                question,
                data={"answer": wrong, "question": attempt.question_ids[0], "csrf_token": token},
                headers={"Referer": f"http://localhost{question}"},
            )
        )
    )
    saver.start()
    saver.join(timeout=1)
    assert saver.is_alive(), "the answer was saved while the submission held the attempt"
    submission.execute(
        attempts.update()
        .where(attempts.c.id == attempt.id)
        .values(submitted_at=utcnow(), correct_count=4, score_percent=100, passed=True)
    )
    transaction.commit()
    submission.close()
    saver.join(timeout=60)
    assert responses[0].status_code == 302
    assert responses[0].headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/result"
    with app.app_context():
        stored = db.session.scalars(
            select(QuizAnswer.selected).where(QuizAnswer.attempt_id == attempt.id)
        ).all()
    assert wrong not in stored
