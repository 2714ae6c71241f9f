"""Pages run a fixed number of SQL statements, whatever the size of the database."""

from __future__ import annotations

from sqlalchemy import insert

from app.database import recorded_statements
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from tests.support.accounts import csrf_token, submit

PAGES = (
    "/home",
    "/account",
    "/modules/sample-module",
    "/modules/sample-module/lessons/first-lesson",
    "/modules/sample-module/scenarios/office-choice/play",
)
# The module page is the most: the person, their certificates, lessons, scenario runs,
# completions, what officers recorded (due date, exemption) and the quiz.
MAX_STATEMENTS = 7


def statements_per_page(app, client, pages=PAGES) -> dict[str, int]:
    counts = {}
    for path in pages:
        with recorded_statements(app) as seen:
            assert client.get(path).status_code == 200, path
        counts[path] = len(seen)
    return counts


def add_staff(app, count: int, start: int) -> None:
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "employee_number": f"Q{n:06d}",
                    "first_name": "Many",
                    "last_name": f"Staff {n}",
                    "email": f"many.staff.{n}@example.org",
                    "job_title": "",
                    "is_regulated_role": False,
                    "professional_body": "none",
                    "is_active": True,
                    "is_training_officer": False,
                    "is_administrator": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, start + count)
            ],
        )
        db.session.commit()


def test_learning_pages_do_not_grow_with_the_database(app, client_as):
    client = client_as("learner")
    submit(client, "/modules/sample-module/scenarios/office-choice", {})
    submit(client, "/modules/sample-module/scenarios/office-choice/play", {"node": "intro"})
    add_staff(app, 10, 0)
    small = statements_per_page(app, client)
    add_staff(app, 2000, 10)
    large = statements_per_page(app, client)
    assert small == large
    assert max(small.values()) <= MAX_STATEMENTS, small


def test_quiz_and_certificate_pages_do_not_grow_with_the_database(app, client_as, people):
    from tests.support.quizzes import QUIZ, certify, complete_learning, open_attempt, start

    client = client_as("learner")
    certificate = certify(client, app, people["learner"])
    other = client_as("line_manager")
    complete_learning(other)
    start(other)
    attempt = open_attempt(app, people["line_manager"])
    pages = {
        client: (
            "/certificates",
            f"/certificates/{certificate.id}/download",
            f"{QUIZ}/attempts/{certificate.attempt_id}/result",
        ),
        other: (f"{QUIZ}/attempts/{attempt.id}/questions/1", f"{QUIZ}/attempts/{attempt.id}/check"),
        app.test_client(): (f"/verify/{certificate.code}",),
    }
    add_staff(app, 10, 0)
    small = {
        p: n for c, paths in pages.items() for p, n in statements_per_page(app, c, paths).items()
    }
    add_staff(app, 2000, 10)
    large = {
        p: n for c, paths in pages.items() for p, n in statements_per_page(app, c, paths).items()
    }
    assert small == large
    assert max(small.values()) <= 8, small


def test_officer_and_manager_pages_do_not_grow_with_the_database(app, client_as, people):
    def sync():
        assert app.test_cli_runner().invoke(args=["assignments", "sync"]).exit_code == 0

    officer, manager = client_as("officer"), client_as("line_manager")
    pages = {
        officer: (
            "/reports",
            "/reports/people",
            "/reports/people?status=Overdue&sort=due",
            f"/reports/people/{people['learner']}",
            "/reports/export/compliance.csv",
            "/reports/export/matrix.xlsx",
        ),
        manager: ("/team", f"/team/{people['learner']}"),
    }
    add_staff(app, 10, 0)
    sync()
    small = {
        p: n for c, paths in pages.items() for p, n in statements_per_page(app, c, paths).items()
    }
    add_staff(app, 2000, 10)
    sync()
    large = {
        p: n for c, paths in pages.items() for p, n in statements_per_page(app, c, paths).items()
    }
    assert small == large
    # Lists and exports: a handful of bulk reads. A person's record reads each kind of record
    # of theirs once (about twenty), however many people there are.
    records = {p: n for p, n in small.items() if "/people/" in p or "/team/" in p}
    lists = {p: n for p, n in small.items() if p not in records}
    assert max(lists.values()) <= 10, lists
    assert max(records.values()) <= 20, records


def test_a_record_does_not_grow_with_its_correction_history(app, client_as, people):
    """The record's correction history is read a page at a time, with who made each
    correction, however long the history and however many officers made it."""
    from app.models import Correction
    from tests.support.accounts import create_user

    assert app.test_cli_runner().invoke(args=["assignments", "sync"]).exit_code == 0
    officer, manager = client_as("officer"), client_as("line_manager")
    pages = {
        officer: (
            f"/reports/people/{people['learner']}",
            f"/reports/people/{people['learner']}?page=2",
        ),
        manager: (f"/team/{people['learner']}", f"/team/{people['learner']}?page=2"),
    }

    def add_corrections(count: int, officers: int, start: int) -> None:
        authors = [
            create_user(app, f"officer{start + n}@example.org", is_training_officer=True)
            for n in range(officers)
        ]
        with app.app_context():
            db.session.add_all(
                Correction(
                    user_id=people["learner"],
                    module_id="sample-module",
                    kind="reset_cool_down",
                    reason=f"Help session {n}",
                    created_by_id=authors[n % officers],
                )
                for n in range(count)
            )
            db.session.commit()

    add_corrections(120, 2, 0)
    small = {
        p: n for c, paths in pages.items() for p, n in statements_per_page(app, c, paths).items()
    }
    add_corrections(400, 40, 100)
    large = {
        p: n for c, paths in pages.items() for p, n in statements_per_page(app, c, paths).items()
    }
    assert small == large
    assert max(small.values()) <= 20, small


def test_a_quiz_submission_does_not_grow_with_the_database(app, client_as, people):
    from tests.support.quizzes import QUIZ, answer_all, complete_learning

    def submission_statements(role: str) -> int:
        client = client_as(role)
        complete_learning(client)
        attempt = answer_all(client, app, people[role], right=True)
        check = f"{QUIZ}/attempts/{attempt.id}/check"
        token = csrf_token(client, check)
        with recorded_statements(app) as seen:
            response = client.post(
                check, data={"csrf_token": token}, headers={"Referer": f"http://localhost{check}"}
            )
        assert response.headers["Location"] == f"{QUIZ}/attempts/{attempt.id}/result"
        return len(seen)

    add_staff(app, 10, 0)
    # The first submission scored against a wording also stores that wording
    # (app.quizzes.archive), once; the next in the process checks that it is stored.
    first = submission_statements("officer")
    second = submission_statements("admin")
    small = submission_statements("learner")
    add_staff(app, 2000, 10)
    large = submission_statements("line_manager")
    assert small == large
    assert small <= 8, small
    assert second == small + 1 and first <= small + 4, (first, second, small)
