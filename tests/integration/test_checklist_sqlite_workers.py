"""Checklist 36: SQLite (the embedded default) under several gunicorn workers writing at once.

Clients submit answered quizzes at the same time to three workers on one SQLite file (WAL,
busy timeout): every submission succeeds (no error, no "busy" 503, no dropped connection)
and the database holds exactly what the responses say happened.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import make_app
from tests.support.gunicorn import Gunicorn

ROOT = Path(__file__).resolve().parents[2]
SECRET = "gunicorn-test-secret-key-long-enough-000"  # tests/support/gunicorn.py's
PASSPHRASE = "a passphrase for the submitters"
WORKERS, CLIENTS, SUBMISSIONS = 3, 6, 60


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_concurrent_quiz_submissions_on_three_workers_all_succeed(database_url, tmp_path):
    from app.models import AuditEvent, QuizAttempt
    from bench import assessment

    # The real content, as the workers load it; people whose answers are in, signed in.
    seeding = make_app(
        database_url,
        CONTENT_DIR=str(ROOT / "content"),
        SECRET_KEY=SECRET,
        TRUSTED_HOSTS=["127.0.0.1", "localhost"],
    )
    with seeding.app_context():
        emails = assessment.seed_submitters(SUBMISSIONS, PASSPHRASE)
    lines = assessment.submission_lines(seeding, emails, PASSPHRASE)
    with seeding.app_context():
        db.engine.dispose()

    server = Gunicorn(database_url, workers=WORKERS, folder=tmp_path)
    outcomes: list[int | str] = []  # each submission's status, or the connection's error
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(mine: list[str]) -> None:
        start.wait()
        for line in mine:
            path, cookie, token = line.split("\t")
            try:
                outcome: int | str = server.request(
                    "POST",
                    path,
                    body=f"csrf_token={token}",
                    headers={
                        "Cookie": cookie,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )[0]
            except OSError as error:
                outcome = repr(error)
            with lock:
                outcomes.append(outcome)

    try:
        threads = [
            threading.Thread(target=client, args=(lines[n::CLIENTS],)) for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()

    assert outcomes == [302] * SUBMISSIONS  # a "busy" 503, a 500 or a dropped connection
    pids = {
        line.split()[0] for line in server.access_log.read_text().splitlines() if "/check" in line
    }
    assert len(pids) >= 2, "the submissions did not spread over the workers"
    with seeding.app_context():
        submitted = db.session.scalar(
            select(func.count())
            .select_from(QuizAttempt)
            .where(QuizAttempt.submitted_at.is_not(None))
        )
        open_attempts = db.session.scalar(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.submitted_at.is_(None))
        )
        results = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.event.in_(["quiz_passed", "quiz_failed"]))
        )
        db.engine.dispose()
    assert (submitted, open_attempts, results) == (SUBMISSIONS, 0, SUBMISSIONS)
