"""The officers' dashboard, lists and exports say what they show: a filter that cannot be
read never widens an export, the figures mean what their labels say, and a completion
recorded from elsewhere is told apart from a certificate. Through the pages, on SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.extensions import db
from app.models import Assignment, AuditEvent, Department, User
from app.models.base import today, utcnow
from tests.support.accounts import create_user, sign_in, submit
from tests.support.compliance import record_completion_elsewhere, sync
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify

MODULE = "sample-module"


def officer_client(app):
    client = app.test_client()
    sign_in(client, "officer@example.org")
    return client


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def exports_recorded(app) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.details)
                .where(AuditEvent.event == "export_downloaded")
                .order_by(AuditEvent.id)
            )
        )


def dashboard_figure(page: str, label: str) -> str:
    row = page.split(f'<dt class="govuk-summary-list__key">{label}</dt>')[1]
    return visible_text(row.split("</dd>")[0])


def table_row(page: str, heading: str) -> list[str]:
    """The numbers in a dashboard table's row: [compliant, overdue, expired]."""
    row = page.split(f'<th scope="row" class="govuk-table__header">{heading}</th>')[1]
    return re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row.split("</tr>")[0])


def housing(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.name == "Housing"))


def make_overdue(app, user_id, days=3):
    with app.app_context():
        db.session.execute(
            update(Assignment)
            .where(Assignment.user_id == user_id)
            .values(due_on=today() - timedelta(days=days))
        )
        db.session.commit()


# --- 1. A filter the app cannot read -----------------------------------------------------

UNREADABLE = [
    ("status=overdue", "status", "Use one of: Compliant, Expiring, Expired, Overdue"),
    ("due_before=2027-02-30", "due_before", "Use a real date written year-month-day"),
    ("due_before=31/03/2027", "due_before", "Use a real date written year-month-day"),
    ("department=housing", "department", "Use a department's number: "),
    ("department=999999", "department", "Use a department's number: "),
    ("module=no-such-module", "module", "Use one of: sample-module, regulated-only."),
]


@pytest.mark.parametrize("export", ["compliance.csv", "matrix.xlsx"])
def test_an_export_with_a_filter_it_cannot_read_is_refused_and_not_recorded(
    app, people, client_as, export
):
    sync(app)
    officer = client_as("officer")
    for query, name, accepted in UNREADABLE:
        response = officer.get(f"/reports/export/{export}?{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
        text = visible_text(response.text)
        typed = query.split("=", 1)[1]
        assert f"{name}: we could not read “{typed}”" in text, query
        assert accepted in text, query
        assert "Nothing was downloaded" in text
        assert "Lewis" not in text
    department = housing(app)
    text = visible_text(officer.get(f"/reports/export/{export}?department=x").text)
    assert f"{department} for Housing" in text  # the numbers a department filter takes
    # Two at once: both named.
    both = visible_text(officer.get(f"/reports/export/{export}?status=overdue&module=x").text)
    assert "status: we could not read" in both and "module: we could not read" in both
    assert exports_recorded(app) == []  # nothing left, nothing in the audit log


def test_an_export_records_the_filters_it_applied(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    department = housing(app)
    make_overdue(app, people["line_manager"])
    response = officer.get(
        f"/reports/export/compliance.csv?status=Overdue&department={department}"
        "&due_before=&module=&unknown=1"
    )
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [(r[1].split()[0], r[5]) for r in rows[1:]] == [("Morag", "Overdue")]
    everyone = officer.get("/reports/export/matrix.csv")
    assert everyone.status_code == 200
    assert exports_recorded(app) == [
        {
            "export": "compliance.csv",
            "filters": {"department": f"Housing ({department})", "status": "Overdue"},
        },
        {"export": "matrix.csv", "filters": {}},
    ]


@pytest.mark.parametrize("path", ["/reports/people", "/reports"])
def test_a_page_says_which_filters_it_could_not_read(app, people, client_as, path):
    sync(app)
    officer = client_as("officer")
    response = officer.get(f"{path}?status=overdue&module=nope&department=housing")
    assert response.status_code == 200
    page = response.text
    assert "<title>Error: " in page
    summary = page.split('class="govuk-error-summary"')[1].split("</div>\n  </div>")[0]
    for name, message in (
        ("status", "Choose a status from the list. The page is not filtered by status."),
        ("module", "Choose a module from the list. The page is not filtered by module."),
        (
            "department",
            "Choose a department from the list. The page is not filtered by department.",
        ),
    ):
        assert f'href="#{name}"' in summary and message in summary, name
        assert f'id="{name}-error"' in page and f'aria-describedby="{name}-error"' in page
        assert f'class="govuk-select govuk-select--error" id="{name}"' in page
    # The form does not show a filter as chosen, and the page is not filtered.
    assert " selected>" not in page.split('id="status"')[1].split("</select>")[0]
    if path == "/reports/people":
        assert "Lewis" in visible_text(page) and "Olive" in visible_text(page)
    # A page whose filters are all readable has no error.
    fine = officer.get(f"{path}?status=Overdue&module={MODULE}").text
    assert "govuk-error-summary" not in fine and "<title>Error: " not in fine


def test_a_team_page_says_which_filters_it_could_not_read(app, people, client_as):
    sync(app)
    manager = client_as("line_manager")
    page = manager.get("/team?status=overdue&department=housing").text
    assert "Choose a status from the list" in page
    assert "Choose a department" not in page  # a manager has no department filter
    assert "Lewis" in visible_text(page)


# --- 2. New starters who have not started --------------------------------------------------


def test_a_new_starter_who_started_is_not_listed_once_overdue(app, people, client_as):
    create_user(app, "nina@example.org", first_name="Nina", start_date=today() - timedelta(days=20))
    create_user(app, "nel@example.org", first_name="Nel", start_date=today() - timedelta(days=20))
    sync(app)  # induction due start + 28 = 8 days from now
    starter = app.test_client()
    sign_in(starter, "nina@example.org")
    assert submit(starter, f"/modules/{MODULE}/lessons/first-lesson", {}).status_code == 302
    with freeze_time(utcnow() + timedelta(days=10)):  # both past their due date
        officer = officer_client(app)
        assert "Nina" in visible_text(officer.get("/reports/people?status=Overdue").text)
        page = officer.get("/reports").text
        section = visible_text(page.split("New starters who have not started</h2>")[1])
        assert "Nel" in section and "Nina" not in section
        assert dashboard_figure(page, "New starters who have not started") == "1 person"


def test_an_exempt_module_does_not_hide_a_new_starter_who_has_not_started(app, people, client_as):
    nel = create_user(
        app,
        "nel@example.org",
        first_name="Nel",
        start_date=today() - timedelta(days=5),
        is_regulated_role=True,
    )
    sync(app)  # the sample module and the regulated-only module
    officer = client_as("officer")
    exempt = f"/reports/people/{nel}/modules/regulated-only/exempt"
    assert submit(officer, exempt, {"reason": "Office-based"}).status_code == 302
    page = officer.get("/reports").text
    assert "Nel" in visible_text(page.split("New starters who have not started</h2>")[1])
    exempt = f"/reports/people/{nel}/modules/{MODULE}/exempt"
    assert submit(officer, exempt, {"reason": "Office-based"}).status_code == 302
    page = officer.get("/reports").text  # exempt from everything: nothing to start
    assert "New starters who have not started</h2>" not in page


# --- 3. The trend agrees with the standing ------------------------------------------------


def test_the_trend_drops_a_replaced_certificate_once_its_successor_is_revoked(
    app, people, client_as
):
    sync(app)
    with freeze_time(utcnow()) as clock:
        first = certify(client_as("learner"), app, people["learner"])
        clock.move_to(first.expires_on - timedelta(days=20))  # renewal window
        learner = app.test_client()
        sign_in(learner, "learner@example.org")
        second = certify(learner, app, people["learner"], refresher=True)
        assert second.cycle == 2
        officer = officer_client(app)
        now = f"{today():%b %Y}"

        def trend_now() -> str:
            page = officer.get("/reports").text
            return table_row(page, now)[0]

        assert trend_now() == "25%"  # renewed: held, one of four
        revoke = f"/reports/certificates/{second.id}/revoke"
        assert submit(officer, revoke, {"reason": "Cheated"}).status_code == 302
        page = officer.get("/reports").text
        assert dashboard_figure(page, "Compliant").startswith("0%")
        assert trend_now() == "0%"  # as the standing: the replaced one does not come back


def test_the_trend_leaves_out_a_completion_withdrawn_as_recorded_in_error(app, people, client_as):
    sync(app)
    officer = officer_client(app)
    learner = people["learner"]
    done = today() - timedelta(days=2)
    offline = f"/reports/people/{learner}/modules/sample-module/offline"
    completion = {"completed_on": [str(done.day), str(done.month), str(done.year)]}
    assert submit(officer, offline, {**completion, "reason": "Register"}).status_code == 302
    now = f"{today():%b %Y}"
    assert table_row(officer.get("/reports").text, now)[0] == "25%"
    record = officer.get(f"/reports/people/{learner}").text
    [withdraw] = re.findall(r'href="(/reports/people/\d+/completions/\d+/withdraw)"', record)
    assert submit(officer, withdraw, {"reason": "Wrong person"}).status_code == 302
    page = officer.get("/reports").text
    assert dashboard_figure(page, "Compliant").startswith("0%")
    assert table_row(page, now)[0] == "0%"  # never held, this month or any other


# --- 4. Expiring follows RENEWAL_WINDOW_DAYS ----------------------------------------------


def test_the_expiring_count_follows_the_renewal_window_and_its_list(app, people, client_as):
    app.config["RENEWAL_WINDOW_DAYS"] = 30
    sync(app)
    with freeze_time(utcnow()) as clock:
        certificate = certify(client_as("learner"), app, people["learner"])
        clock.move_to(certificate.expires_on - timedelta(days=45))  # outside the window
        officer = officer_client(app)
        page = officer.get("/reports").text
        assert "Expiring in the next 30 days" in visible_text(page)
        assert "60 days" not in visible_text(page)
        assert dashboard_figure(page, "Expiring in the next 30 days").startswith("0")
        clock.move_to(certificate.expires_on - timedelta(days=20))  # inside it
        officer = officer_client(app)
        page = officer.get("/reports").text
        link = re.search(r'href="(/reports/people\?status=Expiring)">(\d+)<', page)
        assert link and link.group(2) == "1"
        assert "Lewis" in visible_text(officer.get(link.group(1)).text)


# --- 5. Overdue means one thing ----------------------------------------------------------


def test_overdue_and_expired_are_counted_apart_everywhere_on_the_dashboard(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    record_completion_elsewhere(officer, people["learner"], today() - timedelta(days=800))
    make_overdue(app, people["line_manager"])  # the same department, Housing
    page = officer.get("/reports").text
    assert dashboard_figure(page, "Overdue").startswith("1")
    assert dashboard_figure(page, "Expired").startswith("1")
    by_department = page.split("Compliance by department (the chart's numbers)")[1]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', by_department.split("</thead>")[0])
    assert headers == ["Department", "Compliant (incl. Expiring)", "Overdue", "Expired"]
    assert table_row(page, "Housing")[1:] == ["1", "1"]
    assert table_row(page, "A sample module")[1:] == ["1", "1"]


# --- 6. Empty states ---------------------------------------------------------------------


def test_a_filter_that_matches_nothing_says_so(app, people, client_as):
    officer = client_as("officer")
    page = visible_text(officer.get("/reports").text)
    assert "Nothing is assigned yet. Run the assignment rules or import the HR file." in page
    sync(app)
    for query in ("status=Expired", "status=Exempt", f"module={MODULE}&status=Expiring"):
        response = officer.get(f"/reports?{query}")
        page = visible_text(response.text)
        assert "Nothing is assigned yet" not in page, query
        assert "No module is assigned to anyone yet" not in page, query
        assert page.count("Nothing matches these filters. Clear the filters") == 2, query
        assert '<a class="govuk-link" href="/reports">Clear the filters</a>' in response.text


def test_a_people_list_that_matches_nothing_offers_to_clear_the_filters(app, people, client_as):
    sync(app)
    for role, path in (("officer", "/reports/people"), ("line_manager", "/team")):
        client = client_as(role)
        page = client.get(f"{path}?status=Expired").text
        assert (
            f'Nobody matches these filters. <a class="govuk-link" href="{path}">'
            "Clear the filters</a>"
        ) in page, role
        assert "Nobody matches" not in client.get(path).text, role


def test_the_dashboard_has_no_name_search_so_it_ignores_one_in_the_address(app, people, client_as):
    """/reports?q=… (copied from the people list's address): the page offers no search, so
    no figure on it may follow one."""
    create_user(app, "nina@example.org", first_name="Nina", start_date=today() - timedelta(days=5))
    sync(app)
    officer = client_as("officer")
    plain = officer.get("/reports").text
    searched = officer.get("/reports?q=Lewis").text
    assert 'name="q"' not in searched
    for label in ("Compliant", "New starters who have not started"):
        assert dashboard_figure(searched, label) == dashboard_figure(plain, label), label
    assert "q=Lewis" not in searched  # nor do its export links carry it


# --- 7. A line manager and a leaver -------------------------------------------------------


def test_a_line_manager_loses_a_leavers_record_but_keeps_the_people_below(app, people, client_as):
    below = create_user(
        app, "below@example.org", first_name="Bea", line_manager_id=people["learner"]
    )
    sync(app)
    manager = client_as("line_manager")
    assert manager.get(f"/team/{people['learner']}").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == people["learner"]).values(is_active=False))
        db.session.commit()
    page = visible_text(manager.get("/team").text)
    assert "Lewis" not in page and "Bea" in page
    assert manager.get(f"/team/{people['learner']}").status_code == 404
    assert manager.get(f"/team/{below}").status_code == 200
    with app.app_context():  # Bea leaves too: nobody active reports to the manager
        db.session.execute(update(User).where(User.id == below).values(is_active=False))
        db.session.commit()
    assert "Nobody reports to you" in visible_text(manager.get("/team").text)
    assert manager.get(f"/team/{below}").status_code == 404


# --- 8. Completed elsewhere, told apart from certified -----------------------------------


def test_lists_and_exports_tell_a_completion_elsewhere_from_a_certificate(app, people, client_as):
    sync(app)
    certify(client_as("line_manager"), app, people["line_manager"])
    officer = client_as("officer")
    record_completion_elsewhere(officer, people["learner"], today() - timedelta(days=2))
    listed = officer.get("/reports/people?status=Compliant").text
    lewis = listed.split(">Lewis ")[1].split("</tr>")[0]
    morag = listed.split(">Morag ")[1].split("</tr>")[0]
    assert "Completed elsewhere" in lewis and "Completed elsewhere" not in morag
    record = visible_text(officer.get(f"/reports/people/{people['learner']}").text)
    assert "Compliant Completed elsewhere" in record
    rows = csv_rows(officer.get("/reports/export/compliance.csv?status=Compliant"))
    assert rows[0][-1] == "Evidence"
    evidence = {r[1].split()[0]: (r[5], r[-1]) for r in rows[1:]}
    assert evidence == {
        "Lewis": ("Compliant", "Completed elsewhere"),
        "Morag": ("Compliant", "Certificate"),
    }
    everyone = csv_rows(officer.get("/reports/export/compliance.csv"))
    assert {r[-1] for r in everyone[1:] if r[5] not in ("Compliant", "Expiring")} == {""}
    matrix = officer.get("/reports/export/matrix.xlsx")
    sheet = load_workbook(io.BytesIO(matrix.data)).active
    cells = {row[1].split()[0]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["Lewis"] == "Compliant (completed elsewhere)"
    assert cells["Morag"] == "Compliant"
    # A certificate that lasts longer than the completion is what the module rests on.
    certify(client_as("learner"), app, people["learner"])
    rows = csv_rows(officer.get("/reports/export/compliance.csv?status=Compliant"))
    assert {r[1].split()[0]: r[-1] for r in rows[1:]}["Lewis"] == "Certificate"
