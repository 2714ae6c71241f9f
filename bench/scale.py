"""`make bench-scale`: a council-sized database, and how long officer pages take on it.

Generates N staff (default 10,000) with every module assigned, a year of quiz attempts
(default 200,000, with their answers), scenario choices, certificates for most people and a few
corrections, written in bulk; then times the officers' pages in-process through the test
client, with their SQL statement counts. The generator's own time is printed too (the
issue asks for under two minutes).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import catalogue, create_app  # noqa: E402
from app.certificates import codes  # noqa: E402
from app.certificates.lifecycle import add_months  # noqa: E402
from app.compliance import services as compliance  # noqa: E402
from app.compliance import standings  # noqa: E402
from app.database import recorded_statements, transaction  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Acknowledgement,
    Certificate,
    Department,
    QuizAnswer,
    QuizAttempt,
    ScenarioDecision,
    ScenarioRun,
    User,
)
from app.models.base import utcnow  # noqa: E402
from app.models.organisation import name_sort_key  # noqa: E402
from app.quizzes import tallies  # noqa: E402
from bench.assessment import CHEAP_ARGON2  # noqa: E402

PASSWORD = "scale benchmark password"  # noqa: S105 - throwaway database


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--attempts", type=int, default=200_000)
    parser.add_argument("--database-url")
    return parser.parse_args()


def generate(staff: int, attempts: int) -> None:
    rng = random.Random(11)
    now = utcnow()
    today = now.date()
    with transaction():
        departments = [Department(name=f"Department {n}") for n in range(12)]
        db.session.add_all(departments)
        db.session.flush()
        from argon2 import PasswordHasher

        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        db.session.execute(
            insert(User),
            [
                {
                    "employee_number": f"S{n:06d}",
                    "first_name": "Staff",
                    "last_name": f"Member {n}",
                    "sort_name": name_sort_key("Staff", f"Member {n}"),
                    "email": f"staff.{n}@example.org",
                    "department_id": departments[n % 12].id,
                    "job_title": "Officer",
                    "start_date": today - timedelta(days=rng.randint(10, 8000)),
                    "is_regulated_role": n % 6 == 0,
                    "professional_body": "SSSC" if n % 6 == 0 else "none",
                    "is_active": True,
                    "is_training_officer": n == 0,
                    "is_administrator": False,
                    "password_hash": cheap,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(staff)
            ],
        )
        ids = list(db.session.scalars(select(User.id).order_by(User.id)))
        managers = ids[1:200]
        db.session.execute(
            User.__table__.update()
            .where(User.id.in_(ids[200:]))
            .values(line_manager_id=managers[0])
        )
        compliance.sync_assignments(campaign_due=today - timedelta(days=30))
    modules = catalogue.get().in_order()
    with transaction():
        attempt_rows, answer_rows, ack_rows, cert_rows = [], [], [], []
        next_attempt = 1
        per_person = max(1, attempts // len(ids))
        for user_id in ids:
            for k in range(per_person):
                module = modules[(user_id + k) % 4]  # the four modules for everyone
                drawn = rng.sample(
                    list(module.quiz.questions), module.quiz.settings.questions_per_attempt
                )
                passed = k == per_person - 1 or rng.random() < 0.5
                when = now - timedelta(days=rng.randint(1, 360))
                attempt_rows.append(
                    {
                        "id": next_attempt,
                        "user_id": user_id,
                        "module_id": module.id,
                        "cycle": 1,
                        "content_version": module.spec.version,
                        "pass_mark_percent": 80,
                        "question_ids": drawn,
                        "option_order": {},
                        "started_at": when,
                        "submitted_at": when,
                        "correct_count": 9 if passed else 5,
                        "score_percent": 90 if passed else 50,
                        "passed": passed,
                    }
                )
                for index, question_id in enumerate(drawn):
                    question = module.quiz.questions[question_id]
                    right = passed and index > 0  # a pass with one slip
                    answer_rows.append(
                        {
                            "attempt_id": next_attempt,
                            "module_id": module.id,
                            "question_id": question_id,
                            "selected": sorted(question.correct_ids)
                            if right
                            else [next(o.id for o in question.options if not o.correct)],
                            "is_correct": right,
                            "answered_at": when,
                        }
                    )
                next_attempt += 1
        for start in range(0, len(attempt_rows), 20_000):
            db.session.execute(insert(QuizAttempt), attempt_rows[start : start + 20_000])
        for start in range(0, len(answer_rows), 50_000):
            db.session.execute(insert(QuizAnswer), answer_rows[start : start + 50_000])
        last_pass = {}
        for row in attempt_rows:
            if row["passed"]:
                last_pass[(row["user_id"], row["module_id"])] = row
        for ack_id, ((user_id, module_id), row) in enumerate(last_pass.items(), start=1):
            ack_rows.append(
                {
                    "id": ack_id,
                    "user_id": user_id,
                    "attempt_id": row["id"],
                    "module_id": module_id,
                    "policy_title": "Internet, Social Media and E-mail Policy",
                    "policy_version": 1,
                    "acknowledged_at": row["submitted_at"],
                }
            )
            issued = row["submitted_at"]
            cert_rows.append(
                {
                    "code": codes.new_code(),
                    "user_id": user_id,
                    "module_id": module_id,
                    "cycle": 1,
                    "attempt_id": row["id"],
                    "acknowledgement_id": ack_id,
                    "holder_name": f"Staff Member {user_id}",
                    "module_title": module_id,
                    "organisation": "West Lothian Council",
                    "policy_title": "Internet, Social Media and E-mail Policy",
                    "policy_version": 1,
                    "content_version": 1,
                    "score_percent": 90,
                    "issued_at": issued,
                    "expires_on": add_months(issued.date(), 12),
                }
            )
        for start in range(0, len(ack_rows), 20_000):
            db.session.execute(insert(Acknowledgement), ack_rows[start : start + 20_000])
            db.session.execute(insert(Certificate), cert_rows[start : start + 20_000])
    with transaction():
        _scenario_choices(ids, modules, rng, now)
    with transaction():
        standings.refresh_all()  # the rows above were written directly, as a sync would
        tallies.rebuild()


def _scenario_choices(ids, modules, rng, now) -> None:
    """Everyone plays each scenario of their four modules once, deciding at every decision
    node on the way (a random choice each time), as officers' analytics would read them."""
    runs, decisions = [], []
    run_id = 1
    for user_id in ids:
        for module in modules[:4]:
            for scenario in module.scenarios.values():
                when = now - timedelta(days=rng.randint(1, 360))
                node_id = scenario.spec.start
                path = []
                while True:
                    node = scenario.spec.nodes[node_id]
                    if node.type == "decision":
                        choice = rng.choice(node.choices)
                        path.append((node_id, choice))
                        node_id = choice.next
                    elif node.type == "content":
                        node_id = node.next
                    else:
                        break
                runs.append(
                    {
                        "id": run_id,
                        "user_id": user_id,
                        "module_id": module.id,
                        "scenario_id": scenario.id,
                        "cycle": 1,
                        "content_version": module.spec.version,
                        "current_node": node_id,
                        "started_at": when,
                        "finished_at": when,
                    }
                )
                decisions += [
                    {
                        "run_id": run_id,
                        "user_id": user_id,
                        "module_id": module.id,
                        "scenario_id": scenario.id,
                        "content_version": module.spec.version,
                        "node_id": decided,
                        "choice_id": choice.id,
                        "outcome": choice.outcome,
                        "decided_at": when,
                    }
                    for decided, choice in path
                ]
                run_id += 1
    for start in range(0, len(runs), 20_000):
        db.session.execute(insert(ScenarioRun), runs[start : start + 20_000])
    for start in range(0, len(decisions), 50_000):
        db.session.execute(insert(ScenarioDecision), decisions[start : start + 50_000])


def timed(app, client, path: str) -> tuple[float, int]:
    with recorded_statements(app) as statements:
        started = time.perf_counter()
        response = client.get(path, base_url="https://127.0.0.1")
        response.get_data()
        elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return elapsed, len(statements)


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="oct-scale-"))
    url = args.database_url or f"sqlite:///{workdir / 'scale.sqlite'}"
    from flask_migrate import upgrade

    app = create_app(
        "development",
        {"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING", **CHEAP_ARGON2},
    )
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        generate(args.staff, args.attempts)
        took = time.perf_counter() - started
        counts = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, QuizAttempt, QuizAnswer, Certificate, ScenarioDecision)
        }
    print(f"Generated in {took:.1f} s: {counts}")
    client = app.test_client()
    import re

    form = client.get("/sign-in", base_url="https://127.0.0.1").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    client.post(
        "/sign-in",
        data={"email": "staff.0@example.org", "password": PASSWORD, "csrf_token": token},
        base_url="https://127.0.0.1",
        headers={"Referer": "https://127.0.0.1/sign-in"},
    )
    # Cold: the first view (nothing cached, as after any change to the data); warm: again.
    print("| page | cold, s | warm, s | SQL statements (cold) |\n|---|---:|---:|---:|")
    for path in (
        "/reports",
        "/reports/people",
        "/reports/people?status=Overdue&sort=due&page=3",
        "/reports/people/5",
        "/reports/analytics",
        "/reports/export/compliance.csv",
        "/reports/export/matrix.xlsx",
    ):
        cold, statements = timed(app, client, path)
        warm, _ = timed(app, client, path)
        print(f"| `{path}` | {cold:.2f} | {warm:.2f} | {statements} |", flush=True)


if __name__ == "__main__":
    main()
