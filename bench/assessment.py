"""Benchmark set-up for the assessment pages: a quiz in progress, a certificate to download
and verify, and many answered attempts for wrk to submit, one distinct attempt per request.

Seed rows are written directly (they stand for learning done earlier); everything that is
measured goes through the real pages and forms.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import insert, select

from app import catalogue
from app.database import transaction
from app.extensions import db
from app.models import Certificate, ModuleCompletion, QuizAnswer, QuizAttempt, User
from app.models.base import utcnow
from app.models.organisation import name_sort_key
from app.quizzes import scoring

SUBMITTER_PREFIX = "bench.submitter."
CERTIFICATE_HOLDER = "staff@example.org"
BASE = "https://127.0.0.1"
CHEAP_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1}


def quiz_module_id() -> str:
    """The module whose quiz is measured: the second one (the first hosts the lesson and
    scenario pages, whose state must stay as it is)."""
    return catalogue.get().in_order()[1].id


def complete_learning(user_ids: list[int], module_id: str) -> None:
    module = catalogue.get().modules[module_id]
    db.session.execute(
        insert(ModuleCompletion),
        [
            {
                "user_id": user_id,
                "module_id": module_id,
                "cycle": 1,
                "path": "induction",
                "content_version": module.spec.version,
                "completed_at": utcnow(),
            }
            for user_id in user_ids
        ],
    )


def seed_submitters(count: int, password: str) -> list[str]:
    """People whose quiz is answered and ready to submit. Their password hashes use cheap
    argon2 settings so that signing them all in for the benchmark takes seconds."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)
    # (the same settings as CHEAP_ARGON2, so signing in does not upgrade the hash)
    module_id = quiz_module_id()
    module = catalogue.get().modules[module_id]
    rng = random.Random(7)
    now = utcnow()
    with transaction():
        start = db.session.scalar(select(db.func.count()).select_from(User))
        emails = [f"{SUBMITTER_PREFIX}{start + n}@example.org" for n in range(count)]
        db.session.execute(
            insert(User),
            [
                {
                    "employee_number": f"S{start + n:07d}",
                    "first_name": "Bench",
                    "last_name": f"Submitter {n}",
                    "sort_name": name_sort_key("Bench", f"Submitter {n}"),
                    "email": email,
                    "job_title": "Officer",
                    "is_regulated_role": False,
                    "professional_body": "none",
                    "is_active": True,
                    "is_training_officer": False,
                    "is_administrator": False,
                    "password_hash": cheap,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, email in enumerate(emails)
            ],
        )
        user_ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
        complete_learning(user_ids, module_id)
        for user_id in user_ids:
            drawn = scoring.draw(module.quiz.spec, rng)
            attempt = QuizAttempt(
                user_id=user_id,
                module_id=module_id,
                cycle=1,
                content_version=module.spec.version,
                pass_mark_percent=module.quiz.settings.pass_mark_percent,
                question_ids=drawn.question_ids,
                option_order=drawn.option_order,
            )
            for question_id in drawn.question_ids:
                question = module.quiz.questions[question_id]
                attempt.answers.append(
                    QuizAnswer(
                        module_id=module_id,
                        question_id=question_id,
                        selected=sorted(question.correct_ids),
                    )
                )
            db.session.add(attempt)
    return emails


def submission_lines(app, emails: list[str], password: str) -> list[str]:
    """For each submitter: the check page's path, their session cookie and its CSRF token."""
    lines = []
    with app.app_context():
        module_id = quiz_module_id()
        attempts = dict(
            db.session.execute(
                select(User.email, QuizAttempt.id)
                .join(QuizAttempt, QuizAttempt.user_id == User.id)
                .where(User.email.in_(emails), QuizAttempt.module_id == module_id)
            ).all()
        )
    name = app.config["SESSION_COOKIE_NAME"]
    for email in emails:
        client = app.test_client()
        form = client.get("/sign-in", base_url=BASE).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        client.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": token},
            base_url=BASE,
            headers={"Referer": f"{BASE}/sign-in"},
        )
        path = f"/modules/{module_id}/quiz/attempts/{attempts[email]}/check"
        page = client.get(path, base_url=BASE).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if csrf is None:
            raise SystemExit(f"No check page for {email}: is the attempt answered?")
        cookie = client.get_cookie(name, domain="127.0.0.1")
        lines.append(f"{path}\t{name}={cookie.value}\t{csrf.group(1)}")
    return lines


def prepare_quiz_page(app, cookie_client, learner_email: str) -> str:
    """Start the learner's quiz through the real form; return its first question's path."""
    with app.app_context():
        module_id = quiz_module_id()
    with app.app_context(), transaction():
        learner = db.session.scalar(select(User).where(User.email == learner_email))
        complete_learning([learner.id], module_id)
    path = f"/modules/{module_id}/quiz"
    page = cookie_client.get(path, base_url=BASE).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = cookie_client.post(
        path, data={"csrf_token": token}, base_url=BASE, headers={"Referer": f"{BASE}{path}"}
    )
    location = response.headers.get("Location", "")
    if "/questions/" not in location:
        raise SystemExit(f"Could not start the benchmark quiz ({response.status_code})")
    return location.removeprefix(BASE)


def certificate_paths(app) -> tuple[str, str]:
    """The download path of the demo staff member's first certificate, and its verify path."""
    with app.app_context():
        certificate = db.session.scalar(
            select(Certificate)
            .join(User, User.id == Certificate.user_id)
            .where(User.email == CERTIFICATE_HOLDER)
            .order_by(Certificate.id)
            .limit(1)
        )
        if certificate is None:
            raise SystemExit("The demo history has no certificate for the benchmark")
        return f"/certificates/{certificate.id}/download", f"/verify/{certificate.code}"


def write_lines(lines: list[str], folder: Path, round_index: int) -> Path:
    path = folder / f"submissions-{round_index + 1}.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path
