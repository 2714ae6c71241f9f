"""The dashboard's figures agree with what they stand for: the lists they link to, the
filters chosen, the people's own pages, and each other. Through the pages, on SQLite and
PostgreSQL (from the review of the compliance figures)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import insert, select

from app.compliance import standings
from app.extensions import db
from app.models import Assignment, Correction, User
from app.models.base import today, utcnow
from tests.support.accounts import create_department, create_user, sign_in, submit
from tests.support.compliance import record_completion_elsewhere, signed_in, sync
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify

MODULE = "sample-module"


def officer_client(app):
    client = app.test_client()
    assert sign_in(client, "officer@example.org").status_code == 302
    return client


def figure(page: str, label: str) -> str:
    """The visible text of one dashboard figure (the summary list's value)."""
    row = page.split(f'<dt class="govuk-summary-list__key">{label}</dt>')[1]
    return visible_text(row.split("</dd>")[0])


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def new_starters_listed(page: str) -> list[str]:
    """The names in the dashboard's list of new starters who have not started."""
    if 'id="new-starters"' not in page:
        return []
    section = page.split('id="new-starters"')[1].split("</ul>")[0]
    return re.findall(r'<a class="govuk-link" href="/reports/people/\d+">([^<]+)</a>', section)


def table_row(page: str, heading: str) -> list[str]:
    """The cells of a dashboard table's row, by its row header."""
    row = page.split(f'<th scope="row" class="govuk-table__header">{heading}</th>')[1]
    return re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row.split("</tr>")[0])


# --- Percentages: 100% only when everything counts, 0% only when nothing does -------------


def _department_of(app, people, name: str, *, staff: int, held: int) -> int:
    """A department of `staff` people with the sample module, `held` of them holding it
    through a completion recorded from elsewhere; its id."""
    department = create_department(app, name)
    tag = name.split()[0].lower()
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "employee_number": f"{tag[:2].upper()}{n:05d}",
                    "first_name": "Staff",
                    "last_name": str(n),
                    "email": f"{tag}.{n}@example.org",
                    "department_id": department,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(staff)
            ],
        )
        db.session.commit()
    sync(app)
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(User.id).where(User.department_id == department).order_by(User.id)
            )
        )
        if held:
            db.session.execute(
                insert(Correction),
                [
                    {
                        "user_id": user_id,
                        "module_id": MODULE,
                        "kind": "offline_completion",
                        "completed_on": today() - timedelta(days=1),
                        "reason": "Register",
                        "created_by_id": people["officer"],
                        "created_at": now,
                    }
                    for user_id in ids[:held]
                ],
            )
        standings.refresh_all()
        db.session.commit()
    return department


def test_199_of_200_is_not_shown_as_100_percent_anywhere(app, people):
    big = _department_of(app, people, "Waste Services", staff=200, held=199)
    officer = officer_client(app)
    page = officer.get(f"/reports?department={big}").text
    headline = figure(page, "Compliant")
    assert headline.startswith("99% (199 of 200 assigned modules)"), headline
    assert table_row(page, "Waste Services") == ["99% (199 of 200)", "0", "0"]
    assert table_row(page, "A sample module")[0] == "99% (199 of 200)"
    # The month-end table shows only the percentage: it must not say everyone.
    assert table_row(page, f"{today():%b %Y}") == ["99%"]
    assert "Waste Services: 99% (199 of 200 compliant)" in page  # the bar's tooltip
    assert "Waste Services: 100%" not in page


def test_1_of_250_is_not_shown_as_0_percent_and_all_is_100_percent(app, people):
    big = _department_of(app, people, "Waste Services", staff=250, held=1)
    everyone = _department_of(app, people, "Parks", staff=3, held=3)
    officer = officer_client(app)
    page = officer.get(f"/reports?department={big}").text
    assert figure(page, "Compliant").startswith("1% (1 of 250 assigned modules)")
    assert table_row(page, "Waste Services")[0] == "1% (1 of 250)"
    assert table_row(page, f"{today():%b %Y}") == ["1%"]
    page = officer.get(f"/reports?department={everyone}").text
    assert figure(page, "Compliant").startswith("100% (3 of 3 assigned modules)")
    assert table_row(page, f"{today():%b %Y}") == ["100%"]


# --- New starters who have not started: the module filter applies, the others are named --


def test_new_starters_follow_the_module_filter(app, people):
    """Nina (not in a regulated role) has only the sample module. Rae (regulated) has both
    and has begun the sample module, not the regulated-only one."""
    start = today() - timedelta(days=5)
    create_user(app, "nina@example.org", first_name="Nina", last_name="Ng", start_date=start)
    create_user(
        app,
        "rae@example.org",
        first_name="Rae",
        last_name="Ross",
        start_date=start,
        is_regulated_role=True,
    )
    sync(app)
    rae = app.test_client()
    assert sign_in(rae, "rae@example.org").status_code == 302
    assert submit(rae, f"/modules/{MODULE}/lessons/first-lesson", {}).status_code == 302
    officer = officer_client(app)
    label = "New starters who have not started"

    page = officer.get("/reports").text  # Rae has begun something: not listed
    assert figure(page, label) == "1 person"
    assert '<a class="govuk-link" href="#new-starters">1 person</a>' in page
    assert new_starters_listed(page) == ["Nina Ng"]

    page = officer.get(f"/reports?module={MODULE}").text
    assert figure(page, label) == "1 person"
    assert new_starters_listed(page) == ["Nina Ng"]

    # Every figure is about the regulated-only module: Nina has none of it to start, and
    # Rae has not started it.
    page = officer.get("/reports?module=regulated-only").text
    assert figure(page, label) == "1 person"
    assert new_starters_listed(page) == ["Rae Ross"]
    assert "does not apply" not in figure(page, label)


def test_new_starters_with_nothing_to_start_in_the_module_are_not_counted(app, people):
    create_user(app, "nina@example.org", first_name="Nina", start_date=today() - timedelta(days=5))
    create_user(app, "rhona@example.org", first_name="Rhona", is_regulated_role=True)
    sync(app)
    officer = officer_client(app)
    page = officer.get("/reports?module=regulated-only").text
    assert figure(page, "New starters who have not started") == "0 people"
    assert new_starters_listed(page) == [] and 'href="#new-starters"' not in page


def test_new_starters_say_that_a_status_or_due_date_does_not_apply(app, people):
    """Filtered to Expired (nothing is), the figure still counts the new starter: the page
    says that a status or due date does not apply to it, as the trend chart does."""
    create_user(app, "nina@example.org", first_name="Nina", start_date=today() - timedelta(days=5))
    sync(app)
    officer = officer_client(app)
    note = (
        "This figure follows the department and module chosen. "
        "A status or due date does not apply to it."
    )
    label = "New starters who have not started"
    assert note not in visible_text(officer.get("/reports").text)
    for query in ("status=Expired", f"due_before={today():%Y-%m-%d}"):
        page = officer.get(f"/reports?{query}").text
        assert figure(page, label) == f"1 person {note}", query
        assert [name.split()[0] for name in new_starters_listed(page)] == ["Nina"], query
    page = officer.get("/reports?status=Expired").text
    assert figure(page, "Expired").startswith("0")


# --- "Compliant" on the dashboard: the statuses Compliant and Expiring, linked apart -----


def listed(page: str) -> int:
    """How many people a People list says it shows."""
    return int(re.search(r"(\d+) (?:person|people)\. Sort by", page).group(1))


def test_the_compliant_figure_is_the_sum_of_the_two_lists_it_links_to(app, people):
    """Two people hold the module, one of them inside the renewal window. The headline
    counts both, and says so: one Compliant and one Expiring, each a link to its list."""
    sync(app)
    officer = officer_client(app)
    record_completion_elsewhere(officer, people["learner"], today() - timedelta(days=2))
    record_completion_elsewhere(officer, people["line_manager"], today() - timedelta(days=340))
    page = officer.get("/reports").text
    headline = figure(page, "Compliant")
    assert headline == "50% (2 of 4 assigned modules): 1 Compliant and 1 Expiring", headline
    row = page.split('<dt class="govuk-summary-list__key">Compliant</dt>')[1].split("</dd>")[0]
    links = dict(
        (text, href.replace("&amp;", "&"))
        for href, text in re.findall(r'<a class="govuk-link" href="([^"]+)">([^<]+)</a>', row)
    )
    assert links == {
        "1 Compliant": "/reports/people?status=Compliant",
        "1 Expiring": "/reports/people?status=Expiring",
    }
    in_lists = [listed(officer.get(href).text) for href in links.values()]
    assert in_lists == [1, 1]
    held = int(re.search(r"\((\d+) of \d+ assigned modules\)", page).group(1))
    assert held == sum(in_lists) == 2
    exported = [
        len(csv_rows(officer.get(f"/reports/export/compliance.csv?status={status}"))) - 1
        for status in ("Compliant", "Expiring")
    ]
    assert sum(exported) == held
    # The tables count the same set, and their header says so.
    for caption in ("Compliance by department (the chart's numbers)", "Compliance by module"):
        table = page.split(caption)[1].split("</thead>")[0]
        headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
        assert headers[1] == "Compliant (incl. Expiring)", caption
    assert table_row(page, "A sample module")[0] == "50% (2 of 4)"
    # The links keep the other filters.
    page = officer.get(f"/reports?module={MODULE}").text
    assert f'href="/reports/people?module={MODULE}&amp;status=Expiring">1 Expiring</a>' in page


# --- After a revocation, only what was begun since counts as started ---------------------


def module_status(client, path: str) -> str:
    """The sample module's status tag on a person's record (officer's or manager's)."""
    record = client.get(path).text
    row = record.split('<th scope="row" class="govuk-table__header">A sample module</th>')[1]
    return re.search(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>', row).group(1)


def drift_reported(app) -> bool:
    return "brought up to date" in sync(app)


def test_after_a_revocation_nothing_begun_is_not_started_everywhere(app, people, client_as):
    """Lewis passed, then his certificate was revoked, and he has opened nothing since:
    his own page, the officer's record, the People list and his manager's team page agree
    that he has not started. Once he opens a lesson, they agree that he is in progress."""
    sync(app)
    lewis = people["learner"]
    learner = client_as("learner")
    certificate = certify(learner, app, lewis)
    officer = officer_client(app)
    revoke = f"/reports/certificates/{certificate.id}/revoke"
    assert submit(officer, revoke, {"reason": "Answers shared"}).status_code == 302
    manager = client_as("line_manager")

    def everywhere() -> tuple[str, str, bool, bool]:
        return (
            module_status(officer, f"/reports/people/{lewis}"),
            module_status(manager, f"/team/{lewis}"),
            "Lewis" in visible_text(officer.get("/reports/people?status=Not started").text),
            "Lewis" in visible_text(officer.get("/reports/people?status=In progress").text),
        )

    own = visible_text(client_as("learner").get("/home").text)
    assert "A sample module Certificate revoked" in own
    assert everywhere() == ("Not started", "Not started", True, False)
    assert not drift_reported(app)

    assert submit(learner, f"/modules/{MODULE}/lessons/first-lesson", {}).status_code == 302
    own = visible_text(client_as("learner").get("/home").text)
    assert "A sample module Learning complete" in own  # the refresher's only lesson
    assert everywhere() == ("In progress", "In progress", False, True)
    assert not drift_reported(app)


def test_a_refresher_begun_before_the_revocation_still_counts(app, people, client_as):
    """Begun in the renewal window (the next cycle), then the certificate is revoked: what
    was begun belongs to the cycle he is in now, so he is in progress."""
    sync(app)
    lewis = people["learner"]
    with freeze_time(utcnow()) as clock:
        certificate = certify(client_as("learner"), app, lewis)
        clock.move_to(certificate.expires_on - timedelta(days=20))
        learner = signed_in(app, "learner@example.org")
        lesson = f"/modules/{MODULE}/lessons/first-lesson"
        assert submit(learner, lesson, {}).status_code == 302
        officer = signed_in(app, "officer@example.org")
        assert module_status(officer, f"/reports/people/{lewis}") == "Expiring"
        revoke = f"/reports/certificates/{certificate.id}/revoke"
        assert submit(officer, revoke, {"reason": "Answers shared"}).status_code == 302
        assert module_status(officer, f"/reports/people/{lewis}") == "Overdue"  # long ago
        later = today() + timedelta(days=30)
        extend = f"/reports/people/{lewis}/modules/{MODULE}/extend"
        new_due = {"new_due_on": [later.day, later.month, later.year], "reason": "Leave"}
        assert submit(officer, extend, new_due).status_code == 302
        assert module_status(officer, f"/reports/people/{lewis}") == "In progress"
        own = visible_text(learner.get("/home").text)
        assert "A sample module Learning complete" in own
        assert not drift_reported(app)


def started_flag(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.scalar(
            select(Assignment.started).where(
                Assignment.user_id == user_id, Assignment.module_id == MODULE
            )
        )


def test_the_learning_for_a_revoked_certificate_a_replay_included_does_not_count(
    app, people, client_as
):
    """While the certificate is held, its cycle is the current one: the learning done for
    it (and a scenario opened again) counts as started, as the standing has always said,
    so `sync` finds nothing to repair. Once it is revoked, none of it counts."""
    sync(app)
    lewis = people["learner"]
    learner = client_as("learner")
    certificate = certify(learner, app, lewis)
    assert started_flag(app, lewis) is True
    submit(learner, f"/modules/{MODULE}/scenarios/office-choice", {})
    assert not drift_reported(app)
    officer = officer_client(app)
    revoke = f"/reports/certificates/{certificate.id}/revoke"
    assert submit(officer, revoke, {"reason": "Answers shared"}).status_code == 302
    assert started_flag(app, lewis) is False
    assert module_status(officer, f"/reports/people/{lewis}") == "Not started"
    assert not drift_reported(app)
