"""The dashboard's figures are kept between requests, and never outlive a change to the
data behind them, however that change was made (the database's triggers move a counter)."""

from __future__ import annotations

import re

from sqlalchemy import delete, select, update

from app.database import recorded_statements
from app.extensions import db
from app.models import Assignment, ChangeCounter, Department, User
from tests.support.quizzes import certify


def sync(app) -> None:
    result = app.test_cli_runner().invoke(args=["assignments", "sync"])
    assert result.exit_code == 0, result.output


def statements_for(app, client, path: str) -> tuple[str, int]:
    with recorded_statements(app) as seen:
        page = client.get(path).get_data(as_text=True)
    return page, len(seen)


def compliant(page: str) -> str:
    return re.search(r"<strong>(\d+)%</strong> \((\d+ of \d+) assigned modules\)", page).group(2)


def test_the_dashboard_is_counted_once_until_something_changes(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    first, cold = statements_for(app, officer, "/reports")
    again, warm = statements_for(app, officer, "/reports")
    assert warm < cold  # the second view reads the counter instead of counting
    assert compliant(first) == compliant(again) == "0 of 4"

    certify(client_as("learner"), app, people["learner"])  # through the pages
    assert compliant(officer.get("/reports").get_data(as_text=True)) == "1 of 4"


def test_changes_made_behind_the_applications_back_are_seen_at_once(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    assert compliant(officer.get("/reports").get_data(as_text=True)) == "0 of 4"
    with app.app_context():  # another process, or an operator at the SQL prompt
        db.session.execute(
            update(Assignment).where(Assignment.user_id == people["learner"]).values(exempt=True)
        )
        db.session.commit()
    page = officer.get("/reports").get_data(as_text=True)
    assert compliant(page) == "0 of 3"  # the exempt person drops out of the figures

    with app.app_context():
        department = db.session.scalar(select(Department).where(Department.name == "Housing"))
        department.name = "Housing and Property"
        db.session.commit()
    assert "Housing and Property" in officer.get("/reports").get_data(as_text=True)

    with app.app_context():
        db.session.execute(update(User).where(User.id == people["admin"]).values(is_active=False))
        db.session.commit()
    assert compliant(officer.get("/reports").get_data(as_text=True)) == "0 of 2"


def test_without_a_counter_row_figures_are_simply_counted_every_time(app, people, client_as):
    sync(app)
    with app.app_context():
        db.session.execute(delete(ChangeCounter))
        db.session.commit()
    officer = client_as("officer")
    _, cold = statements_for(app, officer, "/reports")
    _, again = statements_for(app, officer, "/reports")
    assert again == cold  # nothing kept
    # The next change recreates the counter, and caching resumes.
    certify(client_as("learner"), app, people["learner"])
    with app.app_context():
        assert db.session.scalar(
            select(ChangeCounter.value).where(ChangeCounter.name == "compliance")
        )
    assert compliant(officer.get("/reports").get_data(as_text=True)) == "1 of 4"
