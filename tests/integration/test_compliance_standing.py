"""Statuses are read in SQL from each assignment's standing: the SQL gives the same
answers as the rules, every change keeps the standing in step, `flask assignments sync`
repairs drift, and the people list sorts and pages in the database."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

from sqlalchemy import insert, select, update

from app.compliance.queries import due_expression, status_expression
from app.compliance.rules import standing
from app.extensions import db
from app.models import Assignment, User
from app.models.base import today, utcnow
from tests.support.accounts import create_user, submit
from tests.support.quizzes import certify

MODULE = "sample-module"
WINDOW = 60


def sync(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=["assignments", "sync", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sql_status_gives_the_same_answer_as_the_rules(app):
    on = date(2026, 6, 15)
    grid = list(
        itertools.product(
            (on - timedelta(days=5), on, on + timedelta(days=5)),  # due
            (None, on - timedelta(days=2), on + timedelta(days=10)),  # extended to
            (None, *(on + timedelta(days=d) for d in (-1, 0, 1, 59, 60, 61, 200))),  # valid
            (False, True),  # exempt
            (False, True),  # started
        )
    )
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "employee_number": f"G{n:04d}",
                    "first_name": "Grid",
                    "last_name": str(n),
                    "email": f"grid.{n}@example.org",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(len(grid))
            ],
        )
        ids = list(db.session.scalars(select(User.id).order_by(User.id)))
        db.session.execute(
            insert(Assignment),
            [
                {
                    "user_id": user_id,
                    "module_id": MODULE,
                    "source": "officer",
                    "due_on": due,
                    "extended_to": extended,
                    "valid_until": valid,
                    "exempt": exempt,
                    "started": started,
                }
                for user_id, (due, extended, valid, exempt, started) in zip(ids, grid, strict=True)
            ],
        )
        db.session.commit()
        found = {
            user_id: (status, due)
            for user_id, status, due in db.session.execute(
                select(Assignment.user_id, status_expression(on, WINDOW), due_expression(on))
            )
        }
    for user_id, (due, extended, valid, exempt, started) in zip(ids, grid, strict=True):
        expected = standing(
            today=on,
            due_on=due,
            extended_to=extended,
            valid_until=valid,
            exempt=exempt,
            started=started,
            renewal_window_days=WINDOW,
        )
        case = (due, extended, valid, exempt, started)
        assert found[user_id] == (expected.status.value, expected.due_on), case


def drift_reported(app) -> bool:
    return "brought up to date" in sync(app)


def status_of(officer, user_id: int) -> str:
    record = officer.get(f"/reports/people/{user_id}").get_data(as_text=True)
    # The module's row (a confirmation banner above the table may name the module too).
    row = record.split('<th scope="row" class="govuk-table__header">A sample module</th>')[1]
    return re.search(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>', row).group(1)


def test_every_change_keeps_the_standing_in_step(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    learner = client_as("learner")
    person = people["learner"]
    assert status_of(officer, person) == "Not started"

    submit(learner, f"/modules/{MODULE}/lessons/first-lesson", {})
    assert status_of(officer, person) == "In progress"
    assert not drift_reported(app)

    base = f"/reports/people/{person}/modules/{MODULE}"
    later = today() + timedelta(days=90)
    submit(
        officer,
        f"{base}/extend",
        {"new_due_on": [later.day, later.month, later.year], "reason": "Leave"},
    )
    assert not drift_reported(app)
    submit(officer, f"{base}/exempt", {"reason": "Not a computer user"})
    assert status_of(officer, person) == "Exempt"
    assert not drift_reported(app)
    submit(officer, f"{base}/end-exemption", {"reason": "Now uses a laptop"})
    assert status_of(officer, person) == "In progress"

    certificate = certify(learner, app, person)
    assert status_of(officer, person) == "Compliant"
    assert not drift_reported(app)
    submit(officer, f"/reports/certificates/{certificate.id}/revoke", {"reason": "In error"})
    # Due in 90 days, as extended; the learning done for the revoked certificate belongs
    # to its cycle, and nothing is begun since (as the person's own page says).
    assert status_of(officer, person) == "Not started"
    assert not drift_reported(app)
    submit(learner, f"/modules/{MODULE}/lessons/first-lesson", {})  # the next cycle
    assert status_of(officer, person) == "In progress"
    assert not drift_reported(app)
    done = today() - timedelta(days=3)
    submit(
        officer,
        f"{base}/offline",
        {"completed_on": [done.day, done.month, done.year], "reason": "Face-to-face"},
    )
    assert status_of(officer, person) == "Compliant"
    assert not drift_reported(app)


def test_sync_repairs_a_standing_that_drifted_and_says_so(app, people, client_as):
    sync(app)
    certify(client_as("learner"), app, people["learner"])
    officer = client_as("officer")
    assert status_of(officer, people["learner"]) == "Compliant"
    with app.app_context():  # as if something wrote behind the application's back
        db.session.execute(update(Assignment).values(valid_until=None, started=False))
        db.session.commit()
    assert status_of(officer, people["learner"]) != "Compliant"
    output = sync(app)
    assert "1 assignments' standings brought up to date." in output
    assert status_of(officer, people["learner"]) == "Compliant"
    assert "brought up to date" not in sync(app)  # and again: nothing to do


def test_the_people_list_sorts_and_pages_in_the_database(app, people, client_as):
    for n in range(55):
        create_user(app, f"bulk{n}@example.org", first_name=f"Bulk{n:02d}", last_name="Zed")
    sync(app, "--due", (today() + timedelta(days=40)).isoformat())
    officer = client_as("officer")
    soon = today() + timedelta(days=1)
    with app.app_context():  # the learner's is due first
        db.session.execute(
            update(Assignment).where(Assignment.user_id == people["learner"]).values(due_on=soon)
        )
        db.session.commit()
    first = officer.get("/reports/people").get_data(as_text=True)
    assert "59 people" in first and "Page 1 of 2" in first
    names = re.findall(r'href="/reports/people/\d+\?[^"]*">([^<]+)</a>', first)
    assert names == sorted(names, key=str.lower) and len(names) == 50
    second = officer.get("/reports/people?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/reports/people/\d+\?[^"]*">', second)) == 9
    by_due = officer.get("/reports/people?sort=due").get_data(as_text=True)
    assert re.findall(r'href="/reports/people/\d+\?[^"]*">([^<]+)</a>', by_due)[0].startswith(
        "Lewis"
    )
    beyond = officer.get("/reports/people?page=99").get_data(as_text=True)
    assert "Page 2 of 2" in beyond  # a page past the end shows the last one
    searched = officer.get("/reports/people?q=bulk0").get_data(as_text=True)
    assert "10 people" in searched  # Bulk00 to Bulk09
    odd = officer.get("/reports/people?q=%25_").get_data(as_text=True)
    assert "0 people" in odd  # LIKE wildcards are taken literally


def test_a_loop_in_the_line_management_chain_does_not_hang_your_team(app, people, client_as):
    sync(app)
    with app.app_context():  # HR import refuses loops; the query must survive one anyway
        db.session.execute(
            update(User)
            .where(User.id == people["line_manager"])
            .values(line_manager_id=people["learner"])
        )
        db.session.commit()
    team = client_as("line_manager").get("/team").get_data(as_text=True)
    assert "Lewis" in team
    assert f'href="/team/{people["line_manager"]}"' not in team  # never yourself


def test_a_module_the_rules_no_longer_give_drops_out_but_one_given_by_hand_stays(
    app, people, client_as
):
    carer = create_user(app, "carer@example.org", first_name="Cara", is_regulated_role=True)
    sync(app)
    officer = client_as("officer")
    listed = "/reports/people?module=regulated-only"
    assert "Cara" in officer.get(listed).get_data(as_text=True)
    with app.app_context():  # as an HR import would record a change of role
        db.session.execute(update(User).where(User.id == carer).values(is_regulated_role=False))
        employee_number = db.session.scalar(
            select(User.employee_number).where(User.id == people["learner"])
        )
        db.session.commit()
    page = officer.get(listed).get_data(as_text=True)
    assert "Cara" not in page  # kept as history, not counted
    due = today() + timedelta(days=30)
    response = submit(
        officer,
        "/reports/assign",
        {
            "module": "regulated-only",
            "department": "",
            "employee_numbers": employee_number,
            "due_on": [due.day, due.month, due.year],
        },
    )
    assert response.status_code == 302
    assert "Lewis" in officer.get(listed).get_data(as_text=True)  # by hand: counts anyway


def test_the_matrix_shows_each_persons_status_per_module_and_honours_filters(
    app, people, client_as
):
    import csv
    import io

    from openpyxl import load_workbook

    create_user(app, "carer@example.org", first_name="Cara", is_regulated_role=True)
    sync(app)
    certify(client_as("learner"), app, people["learner"])
    officer = client_as("officer")
    sheet = load_workbook(io.BytesIO(officer.get("/reports/export/matrix.xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    by_name = {row[1].split()[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_name["Lewis"]["A sample module"] == "Compliant"
    assert by_name["Lewis"][header[-1]] == "Not assigned"  # the regulated-only module
    assert by_name["Cara"][header[-1]] == "Not started"
    assert len(by_name) == 5  # the four people and Cara

    compliant = officer.get("/reports/export/matrix.csv?status=Compliant")
    lines = list(csv.reader(io.StringIO(compliant.get_data(as_text=True).lstrip("\ufeff"))))
    assert [line[1].split()[0] for line in lines[1:]] == ["Lewis"]
