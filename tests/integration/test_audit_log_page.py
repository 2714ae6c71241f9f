"""The audit log page: who may see it, filters, paging and how details are shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.database import recorded_statements
from app.extensions import db
from app.models import AuditEvent, User


def add_event(
    app,
    event: str,
    *,
    at: datetime | None = None,
    actor: int | None = None,
    subject: int | None = None,
    ip: str | None = "192.0.2.10",
    details: dict | None = None,
) -> None:
    with app.app_context():
        db.session.add(
            AuditEvent(
                event=event,
                occurred_at=at or datetime.now(UTC),
                actor_id=actor,
                subject_id=subject,
                ip_address=ip,
                details=details or {},
            )
        )
        db.session.commit()


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def full_name(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).full_name


def text(response) -> str:
    return response.get_data(as_text=True)


def table_rows(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)
    if len(body) < 2:
        return []
    return re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body[1], re.S)


def event_names(html: str) -> list[str]:
    return [
        re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', row)[0]
        for row in table_rows(html)
    ]


# --- Who may see it ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client_as, people):
    response = client_as("anonymous").get("/admin/audit-log")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/admin/audit-log")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("learner", 403),
        ("line_manager", 403),
        ("officer", 200),
        ("admin", 200),
    ],
)
def test_training_officers_and_administrators_may_see_it(client_as, people, role, status):
    assert client_as(role).get("/admin/audit-log").status_code == status


def test_navigation_shows_the_audit_log_to_officers(client_as, people):
    assert 'href="/admin/audit-log"' in text(client_as("officer").get("/home"))
    assert 'href="/admin/audit-log"' not in text(client_as("learner").get("/home"))


# --- What it shows ----------------------------------------------------------------------


def test_shows_events_newest_first_with_who_when_and_where(app, client_as, people):
    add_event(
        app,
        "user_deactivated",
        at=datetime(2025, 10, 3, 12, 0, tzinfo=UTC),
        actor=people["admin"],
        subject=people["learner"],
        details={"reason": "Left the council"},
    )
    add_event(
        app,
        "user_updated",
        at=datetime(2025, 10, 3, 13, 5, 30, tzinfo=UTC),
        actor=people["admin"],
        subject=people["learner"],
        details={"changes": {"job_title": {"before": "Clerk", "after": "Senior clerk"}}},
    )
    html = text(client_as("officer").get("/admin/audit-log"))
    names = event_names(html)
    assert names == ["Signed in", "User details changed", "User deactivated"]
    rows = table_rows(html)
    updated = rows[1]
    assert "3 October 2025 14:05 BST" in updated  # UK time, summer
    assert 'datetime="2025-10-03T13:05:30Z"' in updated
    assert full_name(app, people["admin"]) in updated
    assert full_name(app, people["learner"]) in updated
    assert "192.0.2.10" in updated
    assert "Job title: Clerk → Senior clerk" in updated
    assert "Reason: Left the council" in rows[2]
    assert "Showing 1 to 3 of 3 events" in html


def test_events_without_an_actor_show_a_dash(app, client_as, people):
    officer = client_as("officer")
    add_event(app, "sign_in_failed", subject=None, ip=None, details={"reason": "unknown account"})
    row = table_rows(text(officer.get("/admin/audit-log")))[0]
    cells = re.findall(r'<td class="govuk-table__cell">\s*(.*?)\s*</td>', row, re.S)
    assert cells[1:5] == ["Sign-in failed", "—", "—", "—"]
    assert "Reason: unknown account" in row


def test_details_render_as_plain_words(app, client_as, people):
    add_event(
        app,
        "roles_changed",
        actor=people["admin"],
        subject=people["officer"],
        details={"before": [], "after": ["training_officer"]},
    )
    add_event(
        app,
        "user_updated",
        actor=people["admin"],
        subject=people["learner"],
        details={
            "changes": {
                "is_regulated_role": {"before": False, "after": True},
                "start_date": {"before": None, "after": "2026-03-27"},
            }
        },
    )
    add_event(
        app,
        "export_downloaded",
        actor=people["officer"],
        details={
            "export": "compliance.csv",
            "filters": {"department": "Housing (3)", "status": "Overdue"},
        },
    )
    html = text(client_as("admin").get("/admin/audit-log"))
    assert "Filters: department Housing (3); status Overdue" in html
    assert "Roles: Learner → Learner, Training officer" in html
    assert "Regulated role: No → Yes" in html
    assert "Start date: not set → 27 March 2026" in html


def test_details_are_never_rendered_as_html(app, client_as, people):
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    add_event(
        app,
        "user_updated",
        actor=people["admin"],
        subject=people["learner"],
        details={"changes": {"job_title": {"before": attack, "after": "ok"}}, attack: attack},
    )
    html = text(client_as("admin").get("/admin/audit-log"))
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_administrators_get_links_to_people_and_officers_do_not(app, client_as, people):
    add_event(app, "user_updated", actor=people["admin"], subject=people["learner"])
    link = f'href="/admin/users/{people["learner"]}"'
    assert link in text(client_as("admin").get("/admin/audit-log"))
    officer_html = text(client_as("officer").get("/admin/audit-log"))
    assert link not in officer_html
    assert full_name(app, people["learner"]) in officer_html


def cells_of(row: str) -> list[str]:
    """Each cell's text, tags left out and spaces collapsed."""
    cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_two_people_with_the_same_name_are_told_apart(app, client_as, people, role):
    """Two officers called John Smith: "Who did it" and "To whom" give each one's employee
    number, and an administrator also gets a link to each."""
    from tests.support.accounts import create_user

    twins = [
        create_user(
            app,
            f"john.smith{n}@example.org",
            first_name="John",
            last_name="Smith",
            employee_number=f"JS{n}",
            is_training_officer=True,
        )
        for n in (1, 2)
    ]
    for twin in twins:
        add_event(app, "exempted", actor=twin, subject=twin)
    html = text(client_as(role).get("/admin/audit-log?event=exempted"))
    rows = table_rows(html)
    assert [cells_of(row)[2:4] for row in rows] == [
        ["John Smith (JS2)", "John Smith (JS2)"],
        ["John Smith (JS1)", "John Smith (JS1)"],
    ]
    for twin, row in zip(reversed(twins), rows, strict=True):
        link = f'href="/admin/users/{twin}"'
        assert row.count(link) == (2 if role == "admin" else 0)


def test_a_change_made_from_the_command_line_says_so(app, client_as, people):
    add_event(
        app,
        "roles_changed",
        subject=people["officer"],
        ip=None,
        details={"by": "command line", "before": [], "after": ["administrator"]},
    )
    html = text(client_as("admin").get("/admin/audit-log?event=roles_changed"))
    [row] = table_rows(html)
    assert cells_of(row)[2] == "Command line"


# --- Filters ----------------------------------------------------------------------------


def test_filter_by_event_type(app, client_as, people):
    add_event(app, "password_changed", subject=people["learner"])
    add_event(app, "department_created", actor=people["admin"])
    html = text(client_as("officer").get("/admin/audit-log?event=password_changed"))
    assert event_names(html) == ["Password changed"]
    assert '<option value="password_changed" selected>' in html
    # Every kind of event is offered.
    for label in ("Signed in", "User created", "Roles changed", "Department renamed"):
        assert f">{label}</option>" in html


@pytest.mark.parametrize("value", ["no_such_event", "' OR '1'='1", ""])
def test_an_unknown_event_type_is_ignored(app, client_as, people, value):
    response = client_as("officer").get("/admin/audit-log", query_string={"event": value})
    assert response.status_code == 200
    assert event_names(text(response)) == ["Signed in"]


def test_filter_by_person_finds_what_they_did_and_what_was_done_to_them(app, client_as, people):
    learner, admin = people["learner"], people["admin"]
    add_event(app, "password_changed", actor=learner, subject=learner)
    add_event(app, "user_updated", actor=admin, subject=learner)
    add_event(app, "department_created", actor=learner)
    add_event(app, "user_updated", actor=admin, subject=people["officer"])
    html = text(client_as("admin").get(f"/admin/audit-log?person={learner}"))
    assert event_names(html) == ["Department added", "User details changed", "Password changed"]
    assert "Showing events by or about" in html
    assert f'<input type="hidden" name="person" value="{learner}">' in html
    combined = text(client_as("admin").get(f"/admin/audit-log?person={learner}&event=user_updated"))
    assert event_names(combined) == ["User details changed"]


@pytest.mark.parametrize("value", ["abc", "-1", "1 OR 1=1", "99999999999999999999"])
def test_a_bad_person_value_is_ignored(client_as, people, value):
    response = client_as("officer").get("/admin/audit-log", query_string={"person": value})
    assert response.status_code == 200
    assert event_names(text(response)) == ["Signed in"]


def test_an_unknown_person_has_no_events(client_as, people):
    html = text(client_as("officer").get("/admin/audit-log?person=999999"))
    assert "No events match these filters." in html


def test_filter_by_dates(app, client_as, people):
    for day in (9, 10, 11, 12):
        add_event(
            app,
            "password_changed",
            at=datetime(2025, 2, day, 23, 59, tzinfo=UTC),
            subject=people["learner"],
            details={"reason": f"day {day}"},
        )
    officer = client_as("officer")
    html = text(officer.get("/admin/audit-log?from=10/02/2025&to=11/02/2025"))
    assert event_names(html) == ["Password changed", "Password changed"]
    assert "Reason: day 11" in html and "Reason: day 10" in html
    assert "day 9" not in html and "day 12" not in html
    iso = text(officer.get("/admin/audit-log?from=2025-02-11"))
    assert "Reason: day 11" in iso and "Reason: day 12" in iso and "day 10" not in iso
    until = text(officer.get("/admin/audit-log?to=2025-2-9"))
    assert event_names(until) == ["Password changed"]
    assert 'value="2025-2-9"' in until


def test_a_day_in_the_filter_is_a_uk_day(app, client_as, people):
    """23:30 UTC on 30 June is 00:30 BST on 1 July: it is found under 1 July."""
    add_event(
        app,
        "password_changed",
        at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        subject=people["learner"],
        details={"reason": "just after midnight"},
    )
    officer = client_as("officer")
    first_of_july = text(officer.get("/admin/audit-log?from=2026-07-01&to=2026-07-01"))
    assert "just after midnight" in first_of_july and "1 July 2026 00:30 BST" in first_of_july
    assert "just after midnight" not in text(officer.get("/admin/audit-log?to=2026-06-30"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=31/02/2025", "Date from must be a real date, like 29/11/2026"),
        ("from=yesterday", "Date from must be a real date, like 29/11/2026"),
        ("to=2025-13-01", "Date to must be a real date, like 29/11/2026"),
        ("to=1/1/25", "Date to must be a real date, like 29/11/2026"),
        ("from=0001-01-01", "Date from must be a real date, like 29/11/2026"),
        ("from=%C2%B2/01/2025", "Date from must be a real date, like 29/11/2026"),
        ("from=' OR '1'='1", "Date from must be a real date, like 29/11/2026"),
        ("from=11/02/2025&to=10/02/2025", "Date to must be the same as or after date from"),
    ],
)
def test_bad_dates_get_a_clear_message(client_as, people, query, message):
    response = client_as("officer").get(f"/admin/audit-log?{query}")
    assert response.status_code == 200
    html = text(response)
    assert "<title>Error: Audit log" in html
    assert "There is a problem" in html
    assert message in html
    assert table_rows(html) == []


def test_a_date_with_markup_is_escaped(client_as, people):
    html = text(client_as("officer").get("/admin/audit-log?from=<script>alert(1)</script>"))
    assert "<script>alert(1)" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_no_events_match(client_as, people):
    html = text(client_as("officer").get("/admin/audit-log?event=password_reset"))
    assert "No events match these filters." in html
    assert "<table" not in html


# --- Paging -----------------------------------------------------------------------------


def add_many(app, count: int, subject: int, actor: int | None = None) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with app.app_context():
        for number in range(count):
            db.session.add(
                AuditEvent(
                    event="password_changed",
                    occurred_at=start + timedelta(minutes=number),
                    subject_id=subject,
                    actor_id=actor,
                    details={"reason": f"number {number:03d}"},
                )
            )
        db.session.commit()


def test_fifty_events_a_page(app, client_as, people):
    add_many(app, 60, people["learner"])
    officer = client_as("officer")
    first = text(officer.get("/admin/audit-log"))
    assert "Showing 1 to 50 of 61 events" in first
    assert len(table_rows(first)) == 50
    assert 'href="/admin/audit-log?page=2"' in first
    second = text(officer.get("/admin/audit-log?page=2"))
    assert "Showing 51 to 61 of 61 events" in second
    assert len(table_rows(second)) == 11
    assert "Reason: number 000" in second  # the oldest comes last
    assert event_count(app) == 61


def test_paging_keeps_the_filters(app, client_as, people):
    add_many(app, 60, people["learner"])
    html = text(
        client_as("officer").get(
            f"/admin/audit-log?event=password_changed&person={people['learner']}&from=2025-01-01"
        )
    )
    assert "Showing 1 to 50 of 60 events" in html
    expected = (
        f"/admin/audit-log?event=password_changed&amp;person={people['learner']}"
        "&amp;from=2025-01-01&amp;page=2"
    )
    assert f'href="{expected}"' in html


@pytest.mark.parametrize("page", ["2", "0", "abc", "9999999"])
def test_a_page_that_does_not_exist_is_not_found(client_as, people, page):
    assert client_as("officer").get(f"/admin/audit-log?page={page}").status_code == 404


def test_the_log_runs_a_fixed_number_of_statements(app, client_as, people):
    def count_for(path: str) -> int:
        with recorded_statements(app) as statements:
            assert officer.get(path).status_code == 200
        return len(statements)

    officer = client_as("officer")
    few = count_for("/admin/audit-log")
    add_many(app, 60, people["learner"], actor=people["admin"])
    assert count_for("/admin/audit-log") == few
