"""Assignments and due dates, the dashboard, people lists, records, corrections, exports and
"Your team", through the pages and commands officers and managers use."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import Assignment, AuditEvent, Correction, User
from app.models.base import today, utcnow
from tests.support.accounts import create_user, sign_in, submit
from tests.support.compliance import record_completion_elsewhere
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify

MODULE = "sample-module"


def sync(app, *args):
    result = app.test_cli_runner().invoke(args=["assignments", "sync", *args])
    assert result.exit_code == 0, result.output
    return result.output


def assignment(app, user_id, module_id=MODULE):
    with app.app_context():
        return db.session.scalar(
            select(Assignment).where(
                Assignment.user_id == user_id, Assignment.module_id == module_id
            )
        )


def test_sync_assigns_by_rule_and_is_idempotent(app, people):
    starter = create_user(app, "starter@example.org", start_date=today() - timedelta(days=3))
    carer = create_user(app, "carer@example.org", is_regulated_role=True)
    first = sync(app, "--due", (today() + timedelta(days=60)).isoformat())
    assert "assignments created" in first
    assert sync(app) == "Nothing to assign.\n"
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Assignment))
    assert total == len(people) + 2 + 1  # everyone has the sample module; the carer also regulated
    # A new starter's induction is due 28 days after their start date; others by the campaign.
    assert assignment(app, starter).due_on == today() - timedelta(days=3) + timedelta(days=28)
    assert assignment(app, people["learner"]).due_on == today() + timedelta(days=60)
    assert assignment(app, carer, "regulated-only") is not None
    assert assignment(app, people["learner"], "regulated-only") is None


def test_a_role_change_brings_the_new_module_with_a_fresh_due_date(app, people):
    sync(app)
    with app.app_context():
        db.session.get(User, people["learner"]).is_regulated_role = True
        db.session.commit()
    sync(app)
    assert assignment(app, people["learner"], "regulated-only").due_on == today() + timedelta(28)


def test_overdue_then_exempt_then_certified_then_expiring_then_expired(app, people, client_as):
    create_user(app, "new@example.org", first_name="Nina", start_date=today())
    sync(app)
    officer_email = "officer@example.org"
    with freeze_time(utcnow()) as clock:
        clock.move_to(today() + timedelta(days=29))
        officer = app.test_client()
        sign_in(officer, officer_email)
        page = officer.get("/reports/people?status=Overdue").get_data(as_text=True)
        assert "Nina" in page
        dashboard = officer.get("/reports").get_data(as_text=True)
        assert "Overdue" in dashboard

        nina = app_user(app, "new@example.org")
        path = f"/reports/people/{nina}/modules/{MODULE}/exempt"
        refused = submit(officer, path, {"reason": ""}).get_data(as_text=True)
        assert "Enter why this person is exempt" in refused
        assert submit(officer, path, {"reason": "Works offline only"}).status_code == 302
        link = f'href="/reports/people/{nina}?'  # the record, with the list to go back to
        assert link not in officer.get("/reports/people?status=Overdue").get_data(as_text=True)
        assert link in officer.get("/reports/people?status=Exempt").get_data(as_text=True)
        record = officer.get(f"/reports/people/{nina}").get_data(as_text=True)
        assert "Exempted" in record and "Works offline only" in record
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Correction)) == 1
            assert (
                db.session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.event == "exempted")
                )
                == 1
            )

        # The learner certifies, becomes compliant, then expiring, then expired.
        learner = app.test_client()
        sign_in(learner, "learner@example.org")
        certificate = certify(learner, app, people["learner"])
        officer = app.test_client()
        sign_in(officer, officer_email)
        assert "Lewis" in officer.get("/reports/people?status=Compliant").get_data(as_text=True)
        clock.move_to(certificate.expires_on - timedelta(days=30))
        officer = app.test_client()
        sign_in(officer, officer_email)
        assert "Lewis" in officer.get("/reports/people?status=Expiring").get_data(as_text=True)
        clock.move_to(certificate.expires_on + timedelta(days=1))
        officer = app.test_client()
        sign_in(officer, officer_email)
        assert "Lewis" in officer.get("/reports/people?status=Expired").get_data(as_text=True)


def app_user(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_extending_a_due_date_is_recorded_and_audited(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/extend"
    past = today() - timedelta(days=1)
    page = submit(
        officer, path, {"new_due_on": [past.day, past.month, past.year], "reason": "Sick leave"}
    ).get_data(as_text=True)
    assert "The new due date must be in the future" in page
    later = today() + timedelta(days=90)
    response = submit(
        officer, path, {"new_due_on": [later.day, later.month, later.year], "reason": "Sick leave"}
    )
    assert response.status_code == 302
    record = officer.get(f"/reports/people/{people['learner']}").get_data(as_text=True)
    assert "Due date extended" in record and "Sick leave" in record
    assert f"{later.day} {later:%B %Y}" in record
    audit = officer.get("/admin/audit-log").get_data(as_text=True)
    assert "Due date extended" in audit


def test_revoking_a_certificate_shows_on_verify_and_the_record(app, people, client_as):
    certificate = certify(client_as("learner"), app, people["learner"])
    officer = client_as("officer")
    path = f"/reports/certificates/{certificate.id}/revoke"
    assert "Enter why you are revoking" in submit(officer, path, {"reason": ""}).get_data(
        as_text=True
    )
    assert submit(officer, path, {"reason": "Issued in error"}).status_code == 302
    verify = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in verify and "Issued in error" not in verify  # the date, not the reason
    record = officer.get(f"/reports/people/{people['learner']}").get_data(as_text=True)
    assert "Certificate revoked" in record and "Issued in error" in record


def test_the_learner_sees_a_revoked_certificate_as_revoked(app, people, client_as):
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    officer = client_as("officer")
    submit(officer, f"/reports/certificates/{certificate.id}/revoke", {"reason": "In error"})
    revoked_on = f"{today().day} {today():%B %Y}"

    home = visible_text(learner.get("/home").text)
    assert "Certificate revoked" in home
    assert f"Your certificate was revoked on {revoked_on}" in home
    assert "Expired" not in home and "expires on" not in home
    record = visible_text(learner.get("/training-record").text)
    assert "Status now: Certificate revoked" in record and "Expired" not in record
    pdf = learner.get("/training-record.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Status now: Certificate revoked" in " ".join(text.split())
    result_page = learner.get(f"/modules/{MODULE}/quiz/attempts/{certificate.attempt_id}/result")
    result = visible_text(result_page.text)
    assert f"The certificate from this pass was revoked on {revoked_on}" in result
    assert "You have your certificate" not in result


def test_the_dashboard_counts_link_to_the_people_they_count(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    record_completion_elsewhere(officer, people["learner"], today() - timedelta(days=800))
    with freeze_time(utcnow() + timedelta(days=60)):  # the others are overdue by then
        officer = client_as("officer")
        dashboard = officer.get("/reports").text
        expired = re.search(r'href="(/reports/people\?status=Expired)">1<', dashboard)
        assert expired, "the Expired count links to the expired people"
        listed = visible_text(officer.get(expired.group(1)).text)
        assert "Lewis" in listed and "Olive" not in listed
        overdue = re.search(r'href="(/reports/people\?status=Overdue)">(\d+)<', dashboard)
        assert overdue and "Olive" in visible_text(officer.get(overdue.group(1)).text)
        # With a status chosen, each count's link names its own status once.
        filtered = officer.get("/reports?status=Compliant").text
        assert "status=Compliant&amp;status=" not in filtered
        assert 'href="/reports/people?status=Overdue"' in filtered


def test_an_offline_completion_counts_for_compliance(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/offline"
    done = today() - timedelta(days=2)
    response = submit(
        officer,
        path,
        {"completed_on": [done.day, done.month, done.year], "reason": "Face-to-face, register"},
    )
    assert response.status_code == 302
    page = officer.get("/reports/people?status=Compliant").get_data(as_text=True)
    assert "Lewis" in page
    record = officer.get(f"/reports/people/{people['learner']}").get_data(as_text=True)
    assert "Completion recorded from elsewhere" in record and "Face-to-face, register" in record


def test_exports_apply_the_filters_and_neutralise_formulas(app, people, client_as):
    create_user(app, "formula@example.org", first_name="=HYPERLINK(1)", last_name="Smith")
    sync(app)
    officer = client_as("officer")
    response = officer.get("/reports/export/compliance.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="compliance-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Employee number", "Name"]
    names = [r[1] for r in rows[1:]]
    assert "'=HYPERLINK(1) Smith" in names
    due = {r[6] for r in rows[1:]}
    assert all(len(d) == 10 and d[4] == "-" for d in due)  # ISO dates
    housing = next(
        d
        for d in officer.get("/reports").get_data(as_text=True).split('value="')
        if d.split('"')[0].isdigit()
    )
    department_id = housing.split('"')[0]
    filtered = officer.get(f"/reports/export/compliance.csv?department={department_id}")
    filtered_rows = list(csv.reader(io.StringIO(filtered.get_data(as_text=True).lstrip("\ufeff"))))
    assert 1 <= len(filtered_rows) - 1 < len(rows) - 1
    matrix = officer.get("/reports/export/matrix.xlsx")
    sheet = load_workbook(io.BytesIO(matrix.data)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:3] == ["Employee number", "Name", "Department"] and "A sample module" in header
    assert officer.get("/reports/export/secrets.csv").status_code == 404


def test_learners_and_managers_cannot_reach_officer_pages(app, people, client_as):
    sync(app)
    for role in ("learner", "line_manager"):
        client = client_as(role)
        for path in (
            "/reports",
            "/reports/people",
            f"/reports/people/{people['officer']}",
            "/reports/export/compliance.csv",
            "/reports/export/matrix.xlsx",
            "/reports/hr-import",
            "/reports/assign",
        ):
            assert client.get(path).status_code == 403, (role, path)


def test_line_managers_see_their_team_and_nobody_else(app, people, client_as):
    sync(app)
    below = create_user(
        app, "below@example.org", first_name="Bea", line_manager_id=people["learner"]
    )
    manager = client_as("line_manager")
    team = manager.get("/team").get_data(as_text=True)
    assert "Lewis" in team and "Bea" in team  # direct report and the person below them
    assert "Olive" not in team and "Angus" not in team
    assert manager.get(f"/team/{people['learner']}").status_code == 200
    assert manager.get(f"/team/{below}").status_code == 200
    assert manager.get(f"/team/{people['officer']}").status_code == 404
    assert manager.get(f"/team/{people['line_manager']}").status_code == 404
    learner = client_as("learner")
    assert "Bea" in learner.get("/team").get_data(as_text=True)
    officer = client_as("officer")
    assert "Nobody reports to you" in officer.get("/team").get_data(as_text=True)


def test_a_line_manager_can_filter_their_team(app, people, client_as):
    sync(app)
    create_user(app, "below@example.org", first_name="Bea", line_manager_id=people["learner"])
    sync(app)
    officer = client_as("officer")
    exempt = f"/reports/people/{people['learner']}/modules/{MODULE}/exempt"
    assert submit(officer, exempt, {"reason": "Works offline only"}).status_code == 302
    manager = client_as("line_manager")
    page = visible_text(manager.get("/team?status=Exempt").text)
    assert "Lewis" in page and "Bea" not in page and "1 person" in page
    assert 'value="Exempt" selected' in manager.get("/team?status=Exempt").text
    page = visible_text(manager.get("/team?status=Exempt&q=Bea").text)
    assert "Lewis" not in page
    # A filter that matches nobody keeps the filters, so the manager can change them.
    for query in ("status=Expired", "due_before=2000-01-01"):
        page = visible_text(manager.get(f"/team?{query}").text)
        assert "0 people" in page and "Nobody reports to you" not in page, query
        assert "Apply filters" in page


def test_a_due_by_date_that_is_not_a_date_says_so(app, people, client_as):
    officer = client_as("officer")
    for typed in ("31/03/2027", "2026-02-30"):
        for path in ("/reports/people", "/reports"):
            response = officer.get(path, query_string={"due_before": typed})
            assert response.status_code == 200
            assert "Enter the due date as a real date, year-month-day, like 2027-03-31" in (
                response.text
            )
            assert f'value="{typed}"' in response.text  # what was typed stays in the box
    fine = officer.get("/reports/people?due_before=2027-03-31").text
    assert "Enter the due date as a real date" not in fine


def assign_by_hand(officer, due, *, department="", numbers="", follow_redirects=False):
    return submit(
        officer,
        "/reports/assign",
        {
            "module": "regulated-only",
            "department": department,
            "employee_numbers": numbers,
            "due_on": [due.day, due.month, due.year],
        },
        follow_redirects=follow_redirects,
    )


def housing_department(app) -> str:
    from app.models import Department

    with app.app_context():
        return str(db.session.scalar(select(Department.id).where(Department.name == "Housing")))


def test_assigning_by_hand_to_a_department_and_a_list(app, people, client_as):
    officer = client_as("officer")
    due = date.today() + timedelta(days=30)
    response = assign_by_hand(officer, due, department=housing_department(app))
    assert response.status_code == 302
    assert assignment(app, people["learner"], "regulated-only").source == "officer"
    assert assignment(app, people["officer"], "regulated-only") is None  # another department
    with app.app_context():  # one event for each person: the learner and their manager
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "module_assigned")
        ).all()
        assert sorted(e.subject_id for e in events) == sorted(
            [people["learner"], people["line_manager"]]
        )
        assert all(
            e.details == {"module": "regulated-only", "due_on": due.isoformat()} for e in events
        )
    unknown = assign_by_hand(officer, due, numbers="NOPE1").get_data(as_text=True)
    assert "No active person has the employee number NOPE1" in unknown
    # The module is not for the learner's role, but assigned by hand it is theirs to take.
    learner = client_as("learner")
    assert "Only for regulated roles" in visible_text(learner.get("/home").text)
    assert learner.get("/modules/regulated-only").status_code == 200
    assert client_as("officer").get("/modules/regulated-only").status_code == 404  # not theirs


def test_someone_chosen_twice_is_assigned_and_counted_once(app, people, client_as):
    officer = client_as("officer")
    with app.app_context():
        number = db.session.get(User, people["learner"]).employee_number
    due = date.today() + timedelta(days=30)
    response = assign_by_hand(
        officer,
        due,
        department=housing_department(app),
        numbers=f"{number}\n{number}",
        follow_redirects=True,
    )
    assert "Assigned to 2 people." in response.text and "already had it" not in response.text
    again = assign_by_hand(officer, due, numbers=number, follow_redirects=True)
    assert "Assigned to 0 people; 1 already had it." in again.text


def test_an_exemption_that_would_change_nothing_is_refused(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    learner = people["learner"]
    not_assigned = submit(
        officer,
        f"/reports/people/{learner}/modules/regulated-only/exempt",
        {"reason": "Not needed"},
    )
    assert not_assigned.status_code == 200
    assert "This person is not assigned this module" in not_assigned.text
    not_exempt = submit(
        officer, f"/reports/people/{learner}/modules/{MODULE}/end-exemption", {"reason": "Back"}
    )
    assert "This person is not exempt from this module" in not_exempt.text
    exempt = f"/reports/people/{learner}/modules/{MODULE}/exempt"
    assert submit(officer, exempt, {"reason": "Works offline"}).status_code == 302
    twice = submit(officer, exempt, {"reason": "Works offline"})
    assert "This person is already exempt from this module" in twice.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 1


def test_the_dashboard_charts_twelve_months_with_the_numbers_beside(app, people, client_as):
    sync(app)
    certify(client_as("learner"), app, people["learner"])
    page = client_as("officer").get("/reports").get_data(as_text=True)
    assert page.count('role="img"') == 2  # by department, and over time
    assert "Compliance over the last 12 months" in page
    this_month = f"{today():%b %Y}"
    row = page.split(f'<th scope="row" class="govuk-table__header">{this_month}</th>')[1]
    percent = int(row.split(">")[1].split("%")[0])
    assert percent == 25  # one of the four people assigned holds a valid certificate
    last_year = page.split("Compliance at each month end")[1].split("</tr>")[1]
    assert ">0%<" in last_year


@pytest.mark.parametrize("typed", ["élodie", "ÉLODIE", "ødegaard", "Łukasz"])
def test_names_in_any_alphabet_are_found_whatever_their_case(app, people, client_as, typed):
    create_user(app, "elodie@example.org", first_name="Élodie Łukasz", last_name="Ødegaard")
    officer = client_as("officer")
    listed = visible_text(officer.get("/reports/people", query_string={"q": typed}).text)
    assert "Élodie Łukasz Ødegaard" in listed and "Lewis" not in listed
    users = visible_text(client_as("admin").get("/admin/users", query_string={"q": typed}).text)
    assert "Ødegaard" in users and "Lewis" not in users


def test_a_record_leads_back_to_the_list_as_it_was(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    listing = officer.get("/reports/people?status=Not+started&sort=name&q=lewis").text
    link = re.search(rf'href="(/reports/people/{people["learner"]}\?[^"]+)"', listing)
    assert link, "the record link carries the list's state"
    record = officer.get(link.group(1).replace("&amp;", "&")).text
    back = re.search(r'href="([^"]+)" class="govuk-back-link"', record).group(1)
    assert (
        back.replace("&amp;", "&") == "/reports/people?status=Not+started&q=lewis&sort=name&page=1"
    )
    # Only the list's own keys are carried, and always onto the list's own path.
    odd = officer.get(
        f"/reports/people/{people['learner']}", query_string={"list": "next=//evil&q=x"}
    ).text
    assert 'href="/reports/people?q=x" class="govuk-back-link"' in odd


def test_an_officer_cannot_correct_their_own_record(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    own = people["officer"]
    later, earlier = today() + timedelta(days=90), today() - timedelta(days=10)
    attempts = {
        "extend": {"new_due_on": [later.day, later.month, later.year], "reason": "Busy"},
        "exempt": {"reason": "Trust me"},
        "reset-cool-down": {"reason": "Trust me"},
        "offline": {"completed_on": [earlier.day, earlier.month, earlier.year], "reason": "Me"},
    }
    for action, form in attempts.items():
        response = submit(officer, f"/reports/people/{own}/modules/{MODULE}/{action}", form)
        assert response.status_code == 200, action
        assert "You cannot correct your own training record" in response.text, action
    certificate = certify(officer, app, own)
    refused = submit(officer, f"/reports/certificates/{certificate.id}/revoke", {"reason": "x"})
    assert "You cannot correct your own training record" in refused.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 0
        assert db.session.get(type(certificate), certificate.id).revoked_at is None
    # Another officer can.
    colleague = create_user(app, "colleague@example.org", is_training_officer=True)
    assert colleague
    other = app.test_client()
    sign_in(other, "colleague@example.org")
    # (Not an extension: their status now rests on the certificate, which no extension
    # changes.)
    form = attempts["exempt"]
    path = f"/reports/people/{own}/modules/{MODULE}/exempt"
    assert submit(other, path, form).status_code == 302


def test_a_due_date_cannot_be_extended_on_a_module_not_assigned(app, people, client_as):
    sync(app)
    later = today() + timedelta(days=90)
    response = submit(
        client_as("officer"),
        f"/reports/people/{people['learner']}/modules/regulated-only/extend",
        {"new_due_on": [later.day, later.month, later.year], "reason": "Busy"},
    )
    assert "This person is not assigned this module" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 0


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("path", "field", "label", "extra"),
    [
        (
            "/reports/people/{learner}/modules/sample-module/extend",
            "new_due_on",
            "New due date",
            {"reason": "Busy"},
        ),
        (
            "/reports/people/{learner}/modules/sample-module/offline",
            "completed_on",
            "Date they completed it",
            {"reason": "Register"},
        ),
        ("/reports/assign", "due_on", "Due date", {"module": MODULE, "department": ""}),
    ],
)
@pytest.mark.parametrize("parts", [[HUGE, "1", "2027"], ["1", HUGE, "2027"], ["1", "1", "9999"]])
def test_a_date_out_of_all_reason_is_a_clear_error(
    app, people, client_as, path, field, label, extra, parts
):
    sync(app)
    path = path.format(learner=people["learner"])
    response = submit(client_as("officer"), path, {field: parts, **extra})
    assert response.status_code == 200
    assert f"{label} must be a real date" in visible_text(response.text)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 0


def test_exports_are_audited_and_limited_per_officer_per_hour(app, people, client_as):
    sync(app)
    app.config["EXPORTS_PER_USER_PER_HOUR"] = 3
    officer = client_as("officer")
    with freeze_time(utcnow()) as clock:
        assert officer.get("/reports/export/compliance.csv?module=sample-module").status_code == 200
        clock.tick(timedelta(minutes=10))
        assert officer.get("/reports/export/matrix.xlsx").status_code == 200
        clock.tick(timedelta(minutes=10))
        assert officer.get("/reports/export/matrix.csv").status_code == 200
        clock.tick(timedelta(minutes=10))
        refused = officer.get("/reports/export/compliance.csv")
    # The first of the three leaves the hour 30 minutes from now.
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1800"
    assert "You have downloaded 3 exports in the last hour" in visible_text(refused.text)
    assert client_as("admin").get("/reports/export/matrix.csv").status_code == 200  # per officer
    with app.app_context():
        events = list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.event == "export_downloaded")
                .order_by(AuditEvent.id)
            )
        )
    assert [(e.actor_id, e.details["export"]) for e in events] == [
        (people["officer"], "compliance.csv"),
        (people["officer"], "matrix.xlsx"),
        (people["officer"], "matrix.csv"),
        (people["admin"], "matrix.csv"),
    ]
    assert events[0].details["filters"] == {"module": "sample-module"}  # as applied
    audit_page = visible_text(client_as("admin").get("/admin/audit-log").text)
    assert "Report exported" in audit_page
    with freeze_time(utcnow() + timedelta(minutes=91)):  # an hour on, the officer may again
        assert client_as("officer").get("/reports/export/compliance.csv").status_code == 200


def test_the_trend_follows_the_module_chosen(app, people, client_as):
    with app.app_context():
        db.session.get(User, people["learner"]).is_regulated_role = True
        db.session.commit()
    sync(app)
    certify(client_as("learner"), app, people["learner"])
    officer = client_as("officer")
    this_month = f"{today():%b %Y}"

    def trend_now(query: str) -> str:
        page = officer.get(f"/reports{query}").text
        row = page.split(f'<th scope="row" class="govuk-table__header">{this_month}</th>')[1]
        return row.split(">")[1].split("<")[0]

    assert trend_now("") == "20%"  # one of five assigned modules held
    assert trend_now("?module=sample-module") == "25%"
    assert trend_now("?module=regulated-only") == "0%"
    noted = visible_text(officer.get("/reports?status=Overdue").text)
    assert "does not apply to past months" in noted


def test_the_trend_dates_a_certificate_by_the_uk_day_it_was_earned(app, people, client_as):
    """00:30 BST on 1 July is 23:30 UTC on 30 June: held from July, not from June."""
    from app.compliance import summary
    from app.compliance.queries import Filters

    sync(app)
    with freeze_time("2026-06-30 23:30:00"):
        certify(client_as("learner"), app, people["learner"])
    with freeze_time("2026-07-15 12:00:00"), app.app_context():
        trend = dict(summary.monthly_trend(Filters(), on=date(2026, 7, 15)))
    assert trend["Jun 2026"] == 0 and trend["Jul 2026"] > 0
