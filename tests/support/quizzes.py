"""Completing the fixture module's learning and taking its quiz through the real pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import catalogue
from app.extensions import db
from app.models import Certificate, QuizAttempt
from tests.support.accounts import submit

MODULE = "/modules/sample-module"
QUIZ = f"{MODULE}/quiz"


def complete_learning(client: FlaskClient, *, refresher: bool = False) -> None:
    """The induction path (lesson and scenario), or the refresher path (the lesson)."""
    assert submit(client, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
    if refresher:
        return
    scenario = f"{MODULE}/scenarios/office-choice"
    submit(client, scenario, {})
    submit(client, f"{scenario}/play", {"node": "intro"})
    submit(client, f"{scenario}/play", {"node": "ask", "choice": "check"})


def open_attempt(app: Flask, user_id: int) -> QuizAttempt | None:
    with app.app_context():
        attempt = db.session.scalar(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user_id, QuizAttempt.submitted_at.is_(None)
            )
        )
        if attempt is not None:
            db.session.expunge(attempt)
        return attempt


def answers_for(app: Flask, attempt: QuizAttempt, *, right: bool) -> list[list[str]]:
    """The option ids to choose for each drawn question, all right or all wrong."""
    with app.app_context():
        quiz = catalogue.get().modules["sample-module"].quiz
        chosen = []
        for question_id in attempt.question_ids:
            question = quiz.questions[question_id]
            if right:
                chosen.append(sorted(question.correct_ids))
            else:
                chosen.append([next(o.id for o in question.options if not o.correct)])
        return chosen


def start(client: FlaskClient):
    return submit(client, QUIZ, {})


def answer_all(client: FlaskClient, app: Flask, user_id: int, *, right: bool) -> QuizAttempt:
    start(client)
    attempt = open_attempt(app, user_id)
    assert attempt is not None, "no attempt was started"
    base = f"{QUIZ}/attempts/{attempt.id}"
    chosen_answers = answers_for(app, attempt, right=right)
    for number, (question_id, chosen) in enumerate(
        zip(attempt.question_ids, chosen_answers, strict=True), start=1
    ):
        response = submit(
            client, f"{base}/questions/{number}", {"answer": chosen, "question": question_id}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    return attempt


def take_quiz(client: FlaskClient, app: Flask, user_id: int, *, right: bool) -> QuizAttempt:
    attempt = answer_all(client, app, user_id, right=right)
    response = submit(client, f"{QUIZ}/attempts/{attempt.id}/check", {})
    assert response.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/result"
    return attempt


POLICY_VERSION = "4"  # tests/fixtures/content/policy.yaml


def acknowledge(client: FlaskClient, attempt_id: int):
    """Confirms the policy version the acknowledge page shows, as a person does."""
    path = f"{QUIZ}/attempts/{attempt_id}/acknowledge"
    shown = re.search(r'name="policy_version" value="(\d+)"', client.get(path).text)
    version = shown.group(1) if shown else POLICY_VERSION
    return submit(client, path, {"confirm": "y", "policy_version": version})


def certify(client: FlaskClient, app: Flask, user_id: int, *, refresher: bool = False):
    complete_learning(client, refresher=refresher)
    attempt = take_quiz(client, app, user_id, right=True)
    assert acknowledge(client, attempt.id).status_code == 302
    return latest_certificate(app, user_id)


def latest_certificate(app: Flask, user_id: int) -> Certificate | None:
    with app.app_context():
        certificate = db.session.scalar(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.id.desc())
            .limit(1)
        )
        if certificate is not None:
            db.session.expunge(certificate)
        return certificate
