"""Assignments that stop counting and count again: a leaver who returns, a role given back,
a module assigned by hand after it stopped being for someone's role, and people added or
changed by an administrator (who get their modules at once, as after an HR import)."""

from __future__ import annotations

from datetime import date, timedelta

from freezegun import freeze_time
from sqlalchemy import select, update

from app.extensions import db
from app.models import Assignment, AuditEvent, User
from app.models.base import today, utcnow
from tests.support.accounts import create_user, submit
from tests.support.compliance import cell_of, long, signed_in, sync
from tests.support.page_checks import visible_text

MODULE = "sample-module"
REGULATED = "regulated-only"


def scope_events(app, user_id: int) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.details)
                .where(AuditEvent.event == "assignments_synced", AuditEvent.subject_id == user_id)
                .order_by(AuditEvent.id)
            )
        )


def change_status(admin, user_id: int, action: str, reason: str) -> None:
    path = f"/admin/users/{user_id}/{action}"
    assert submit(admin, path, {"reason": reason}).status_code == 302


def edit_person(app, admin, user_id: int, **changes) -> None:
    with app.app_context():
        person = db.session.get(User, user_id)
        start = person.start_date
        data = {
            "employee_number": person.employee_number,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "department": str(person.department_id or ""),
            "job_title": person.job_title or "",
            "start_date": [start.day, start.month, start.year] if start else ["", "", ""],
            "line_manager": "",
            "regulated_role": "yes" if person.is_regulated_role else "no",
            "professional_body": person.professional_body or "none",
        }
    data.update(changes)
    response = submit(admin, f"/admin/users/{user_id}/edit", data)
    assert response.status_code == 302, visible_text(response.text)


def assignment(app, user_id: int, module_id: str) -> Assignment:
    with app.app_context():
        row = db.session.scalar(
            select(Assignment).where(
                Assignment.user_id == user_id, Assignment.module_id == module_id
            )
        )
        db.session.expunge(row)
        return row


# --- A leaver who returns ---------------------------------------------------------------


def test_a_leaver_who_returns_gets_a_fresh_due_date_as_a_new_starter_would(app, people, client_as):
    first_start = today() - timedelta(days=10)
    ruth = create_user(app, "ruth@example.org", first_name="Ruth", start_date=first_start)
    sync(app)
    assert assignment(app, ruth, MODULE).due_on == first_start + timedelta(days=28)
    change_status(client_as("admin"), ruth, "deactivate", "Left the council")
    with freeze_time(utcnow() + timedelta(days=400)):
        back_on = today() - timedelta(days=1)
        with app.app_context():  # HR gives her a new start date
            db.session.execute(update(User).where(User.id == ruth).values(start_date=back_on))
            db.session.commit()
        admin = signed_in(app, "admin@example.org")
        change_status(admin, ruth, "reactivate", "Rejoined Housing")
        fresh = back_on + timedelta(days=28)
        officer = signed_in(app, "officer@example.org")
        assert cell_of(officer, ruth) == ("Not started", long(fresh))
        [event] = scope_events(app, ruth)
        assert event["module"] == MODULE
        assert event["due_on"] == fresh.isoformat()
        assert event["previous_due_on"] == (first_start + timedelta(days=28)).isoformat()
        # The nightly sync finds nothing more to do, and keeps her new due date.
        sync(app)
        assert cell_of(officer, ruth) == ("Not started", long(fresh))
        assert len(scope_events(app, ruth)) == 1


def test_a_leaver_brought_back_by_the_nightly_sync_gets_a_fresh_due_date(app, people, client_as):
    """The same when the change comes from HR (which re-applies the rules) or straight into
    the database, and the next `assignments sync` sees it."""
    ruth = create_user(app, "ruth@example.org", first_name="Ruth")
    sync(app)
    old_due = assignment(app, ruth, MODULE).due_on
    with app.app_context():
        db.session.execute(update(User).where(User.id == ruth).values(is_active=False))
        db.session.commit()
    sync(app)
    with freeze_time(utcnow() + timedelta(days=400)):
        with app.app_context():
            db.session.execute(update(User).where(User.id == ruth).values(is_active=True))
            db.session.commit()
        campaign = today() + timedelta(days=45)
        sync(app, "--due", campaign.isoformat())
        officer = signed_in(app, "officer@example.org")
        # Not a new starter: the campaign date, as anyone else assigned today.
        assert cell_of(officer, ruth) == ("Not started", long(campaign))
        [event] = scope_events(app, ruth)
        assert event["previous_due_on"] == old_due.isoformat()


def test_a_role_given_back_gets_a_fresh_due_date(app, people, client_as):
    cara = create_user(app, "carer@example.org", first_name="Cara", is_regulated_role=True)
    sync(app)
    with freeze_time(utcnow()) as clock:
        with app.app_context():
            db.session.execute(update(User).where(User.id == cara).values(is_regulated_role=False))
            db.session.commit()
        sync(app)
        clock.move_to(utcnow() + timedelta(days=200))
        with app.app_context():
            db.session.execute(update(User).where(User.id == cara).values(is_regulated_role=True))
            db.session.commit()
        sync(app)
        officer = signed_in(app, "officer@example.org")
        fresh = today() + timedelta(days=28)
        assert cell_of(officer, cara, "Only for regulated roles") == ("Not started", long(fresh))
        # The module that always applied keeps its due date: it never stopped counting.
        assert cell_of(officer, cara)[0] == "Overdue"
        assert [e["module"] for e in scope_events(app, cara)] == [REGULATED]


# --- Assigning by hand -------------------------------------------------------------------


def assign(officer, module_id: str, numbers: str, due: date):
    return submit(
        officer,
        "/reports/assign",
        {
            "module": module_id,
            "department": "",
            "employee_numbers": numbers,
            "due_on": [due.day, due.month, due.year],
        },
        follow_redirects=True,
    )


def test_assigning_by_hand_a_module_that_stopped_counting_assigns_it(app, people, client_as):
    cara = create_user(
        app,
        "carer@example.org",
        first_name="Cara",
        is_regulated_role=True,
        employee_number="CARA1",
    )
    sync(app)
    with app.app_context():  # HR: no longer in a regulated role; the module drops out
        db.session.execute(update(User).where(User.id == cara).values(is_regulated_role=False))
        db.session.commit()
    sync(app)
    officer = client_as("officer")
    listed = f"/reports/people?module={REGULATED}"
    assert "Cara" not in officer.get(listed).text
    due = today() + timedelta(days=30)
    response = assign(officer, REGULATED, "CARA1", due)
    assert "Assigned to 1 person." in visible_text(response.text)
    assert "Cara" in officer.get(listed).text
    assert cell_of(officer, cara, "Only for regulated roles") == ("Not started", long(due))
    row = assignment(app, cara, REGULATED)
    assert (row.source, row.assigned_by_id) == ("officer", people["officer"])
    cara_client = signed_in(app, "carer@example.org")
    assert cara_client.get(f"/modules/{REGULATED}").status_code == 200
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.event == "module_assigned", AuditEvent.subject_id == cara
            )
        ).all()
    assert events == [{"module": REGULATED, "due_on": due.isoformat()}]
    # Now it counts: assigning it again is "already had it", and changes nothing.
    again = assign(officer, REGULATED, "CARA1", due + timedelta(days=10))
    assert "Assigned to 0 people; 1 already had it." in visible_text(again.text)
    assert assignment(app, cara, REGULATED).due_on == due
    # And the nightly sync leaves the officer's assignment alone.
    sync(app)
    assert cell_of(officer, cara, "Only for regulated roles") == ("Not started", long(due))


# --- People added or changed by an administrator ----------------------------------------


def test_a_person_added_by_an_administrator_gets_their_modules_at_once(app, people, client_as):
    with app.app_context():
        housing = db.session.get(User, people["learner"]).department_id
    start = today() + timedelta(days=5)
    response = submit(
        client_as("admin"),
        "/admin/users/new",
        {
            "employee_number": "A00001",
            "first_name": "Nina",
            "last_name": "Newcomer",
            "email": "nina@example.org",
            "department": str(housing),
            "job_title": "",
            "start_date": [start.day, start.month, start.year],
            "line_manager": "",
            "regulated_role": "yes",
            "professional_body": "SSSC",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        nina = db.session.scalar(select(User.id).where(User.employee_number == "A00001"))
        due = {
            module: due_on
            for module, due_on in db.session.execute(
                select(Assignment.module_id, Assignment.due_on).where(Assignment.user_id == nina)
            )
        }
    assert due == {MODULE: start + timedelta(days=28), REGULATED: start + timedelta(days=28)}
    officer = client_as("officer")
    assert "Nina" in officer.get(f"/reports/people?module={REGULATED}").text


def test_a_role_changed_by_an_administrator_changes_the_modules_at_once(app, people, client_as):
    sync(app)
    admin = client_as("admin")
    learner = people["learner"]
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == learner).values(start_date=date(2020, 1, 6))
        )
        db.session.commit()
    edit_person(app, admin, learner, regulated_role="yes")
    officer = client_as("officer")
    listed = f"/reports/people?module={REGULATED}"
    assert "Lewis" in officer.get(listed).text
    assert cell_of(officer, learner, "Only for regulated roles") == (
        "Not started",
        long(today() + timedelta(days=28)),
    )
    edit_person(app, admin, learner, regulated_role="no")
    assert "Lewis" not in officer.get(listed).text
