"""User administration: the list of people, adding, changing, deactivating and inviting."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.database import recorded_statements
from app.extensions import db
from app.models import AuditEvent, Department, User, UserToken
from tests.support.accounts import PASSWORD, create_user, sign_in, submit
from tests.support.smtp import body_of

REMOVE = object()


# --- Helpers ----------------------------------------------------------------------------


def department_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.name == name))


def user_row(app, user_id: int) -> dict:
    with app.app_context():
        user = db.session.get(User, user_id)
        return {
            "employee_number": user.employee_number,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "department_id": user.department_id,
            "job_title": user.job_title,
            "start_date": user.start_date,
            "line_manager_id": user.line_manager_id,
            "is_regulated_role": user.is_regulated_role,
            "professional_body": user.professional_body,
            "is_active": user.is_active,
            "is_training_officer": user.is_training_officer,
            "is_administrator": user.is_administrator,
            "password_hash": user.password_hash,
            "session_token": user.session_token,
            "failed_sign_in_count": user.failed_sign_in_count,
        }


def user_by_email(app, address: str) -> dict | None:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == address))
    return user_row(app, user_id) | {"id": user_id} if user_id else None


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def audit_events(app, name: str | None = None) -> list[dict]:
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if name:
            statement = statement.where(AuditEvent.event == name)
        return [
            {
                "event": e.event,
                "actor_id": e.actor_id,
                "subject_id": e.subject_id,
                "details": e.details,
            }
            for e in db.session.scalars(statement)
        ]


def employee_number(app, user_id: int) -> str:
    return user_row(app, user_id)["employee_number"]


def person_form(app, **overrides) -> dict:
    data = {
        "employee_number": "E12345",
        "first_name": "Nina",
        "last_name": "Newcomer",
        "email": "nina.newcomer@example.org",
        "department": str(department_id(app, "Housing")),
        "job_title": "Housing officer",
        "start_date": ["3", "11", "2026"],
        "line_manager": "",
        "regulated_role": "no",
        "professional_body": "none",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not REMOVE}


def page_version(app, user_id: int) -> str:
    """The version the edit page carries for this person now (services.version_of)."""
    from app.admin import services as admin_services

    with app.app_context():
        return admin_services.version_of(db.session.get(User, user_id))


def edit_form(app, user_id: int, **overrides) -> dict:
    """The edit form as it is pre-filled for this person now, with some answers changed."""
    row = user_row(app, user_id)
    manager = row["line_manager_id"]
    roles = [
        role
        for role, held in (
            ("training_officer", row["is_training_officer"]),
            ("administrator", row["is_administrator"]),
        )
        if held
    ]
    start = row["start_date"]
    data = {
        "employee_number": row["employee_number"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "email": row["email"],
        "department": str(row["department_id"]),
        "job_title": row["job_title"],
        "start_date": [str(start.day), str(start.month), str(start.year)]
        if start
        else ["", "", ""],
        "line_manager": employee_number(app, manager) if manager else "",
        "regulated_role": "yes" if row["is_regulated_role"] else "no",
        "professional_body": row["professional_body"],
        "roles": roles,
        "version": page_version(app, user_id),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not REMOVE}


@pytest.fixture
def dated_people(app, people) -> dict[str, int]:
    """The people fixture, each with a start date (the person form asks for one)."""
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.start_date = user.start_date or date(2019, 8, 12)
        db.session.commit()
    return people


def text(response) -> str:
    return response.get_data(as_text=True)


# --- E-mail arrives at the loopback SMTP server (tests/conftest.py) --------------------


@pytest.fixture
def mail_people(mail_app):
    from tests.support.accounts import create_department

    housing = create_department(mail_app, "Housing")
    admin = create_user(mail_app, "admin@example.org", first_name="Angus", is_administrator=True)
    learner = create_user(
        mail_app, "learner@example.org", first_name="Lewis", department_id=housing
    )
    return {"admin": admin, "learner": learner, "housing": housing}


# --- Who may use the pages --------------------------------------------------------------

USER_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{learner}",
    "/admin/users/{learner}/edit",
    "/admin/users/{learner}/deactivate",
]


@pytest.mark.parametrize("path", USER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client_as, people, path):
    path = path.format(**people)
    response = client_as("anonymous").get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/sign-in?next={path}")


@pytest.mark.parametrize("role", ["learner", "line_manager", "officer"])
@pytest.mark.parametrize("path", USER_PAGES)
def test_only_administrators_may_use_user_pages(client_as, people, role, path):
    assert client_as(role).get(path.format(**people)).status_code == 403


@pytest.mark.parametrize("path", USER_PAGES)
def test_administrators_may_use_user_pages(client_as, people, path):
    assert client_as("admin").get(path.format(**people)).status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "learner", "line_manager", "officer"])
@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/new",
        "/admin/users/{learner}/edit",
        "/admin/users/{learner}/deactivate",
        "/admin/users/{learner}/invitation",
    ],
)
def test_no_one_but_an_administrator_can_post(app, client_as, people, role, path):
    client = client_as(role)
    before = user_row(app, people["learner"])
    response = submit(
        client,
        path.format(**people),
        person_form(app, first_name="Hacked") | {"reason": "because"},
        form_path="/account/password" if role != "anonymous" else "/sign-in",
    )
    assert response.status_code == (302 if role == "anonymous" else 403)
    if role == "anonymous":
        assert response.headers["Location"].startswith("/sign-in")
    assert user_row(app, people["learner"]) == before
    assert user_by_email(app, "nina.newcomer@example.org") is None
    assert audit_events(app, "invitation_sent") == []


def test_navigation_shows_users_to_administrators_only(client_as, people):
    assert 'href="/admin/users"' in text(client_as("admin").get("/home"))
    assert 'href="/admin/users"' not in text(client_as("officer").get("/home"))


# --- The list of people -----------------------------------------------------------------


def row_for(html: str, address: str) -> str:
    """The table row that shows this e-mail address."""
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.S):
        if f">{address}<" in row:
            return row
    raise AssertionError(f"{address} is not listed")


def emails_listed(html: str) -> set[str]:
    return set(re.findall(r'<td class="govuk-table__cell">([^<@]+@[^<]+)</td>', html))


def names_listed(response) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/admin/users/\d+">([^<]+)</a>', text(response))


def test_lists_people_in_name_order_as_their_names_are_shown(app, client_as, people):
    """First name then last, as the list shows them and as the officers' lists sort."""
    housing = department_id(app, "Housing")
    create_user(app, first_name="Zoe", last_name="Adams", department_id=housing)
    create_user(app, first_name="Amy", last_name="Adams", department_id=housing)
    create_user(app, first_name="Bob", last_name="Zed", employee_number="Z999")
    response = client_as("admin").get("/admin/users")
    assert response.status_code == 200
    names = names_listed(response)
    assert names[0] == "Amy Adams"
    assert names.index("Bob Zed") < names.index("Zoe Adams") == len(names) - 1
    html = text(response)
    assert "Showing 1 to 7 of 7 people" in html
    assert "learner@example.org" in html
    assert "Z999" in html
    assert 'href="/admin/users/new"' in html and "Add a person" in html
    assert 'href="/admin/departments"' in html


def test_list_shows_department_roles_and_status(app, client_as, people):
    html = text(client_as("admin").get("/admin/users?status=all"))
    row = row_for(html, "manager@example.org")
    assert ">Housing<" in row
    assert ">Learner, Line manager<" in row
    assert ">Active<" in row
    assert ">Learner, Administrator<" in row_for(html, "admin@example.org")
    assert ">Learner, Training officer<" in row_for(html, "officer@example.org")
    assert ">Learner<" in row_for(html, "learner@example.org")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lewis", ["learner@example.org"]),
        ("LEWIS", ["learner@example.org"]),
        ("MORAG", ["manager@example.org"]),
        ("OFFICER@EXAMPLE", ["officer@example.org"]),
        ("zz-9", ["zara@example.org"]),
        ("zara quinn", ["zara@example.org"]),
        ("Quinn", ["zara@example.org"]),
    ],
)
def test_search_matches_names_email_and_employee_number(app, client_as, people, query, expected):
    create_user(
        app, "zara@example.org", first_name="Zara", last_name="Quinn", employee_number="ZZ-9"
    )
    html = text(client_as("admin").get("/admin/users", query_string={"q": query}))
    assert emails_listed(html) == set(expected)


@pytest.mark.parametrize(
    "query",
    [
        "' OR '1'='1",
        "'; DROP TABLE user_account; --",
        "1;DROP TABLE user_account",
        "%",
        "_",
        '" OR ""="',
        "\\",
    ],
)
def test_search_with_sql_like_input_returns_normal_results(app, client_as, people, query):
    response = client_as("admin").get("/admin/users", query_string={"q": query})
    assert response.status_code == 200
    html = text(response)
    assert "No people match your search." in html
    assert "learner@example.org" not in html
    assert user_count(app) == 4


def test_search_can_find_a_name_with_an_apostrophe(app, client_as, people):
    create_user(app, "kay@example.org", first_name="Kay", last_name="O'Neill")
    html = text(client_as("admin").get("/admin/users", query_string={"q": "o'neill"}))
    assert "kay@example.org" in html
    assert "O&#39;Neill" in html
    assert "learner@example.org" not in html


def test_filter_by_department(app, client_as, people):
    corporate = department_id(app, "Corporate Services")
    html = text(client_as("admin").get(f"/admin/users?department={corporate}"))
    assert "officer@example.org" in html and "admin@example.org" in html
    assert "learner@example.org" not in html and "manager@example.org" not in html
    assert f'<option value="{corporate}" selected>' in html


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("learner", {"learner@example.org"}),
        ("line_manager", {"manager@example.org"}),
        ("training_officer", {"officer@example.org"}),
        ("administrator", {"admin@example.org"}),
    ],
)
def test_filter_by_role(client_as, people, role, expected):
    html = text(client_as("admin").get(f"/admin/users?role={role}"))
    assert emails_listed(html) == expected


def test_filter_by_status(app, client_as, people):
    create_user(app, "gone@example.org", first_name="Gail", is_active=False)
    admin = client_as("admin")
    assert "gone@example.org" not in text(admin.get("/admin/users"))
    deactivated = text(admin.get("/admin/users?status=deactivated"))
    assert "gone@example.org" in deactivated and "learner@example.org" not in deactivated
    assert "Deactivated</strong>" in deactivated
    everyone = text(admin.get("/admin/users?status=all"))
    assert "gone@example.org" in everyone and "learner@example.org" in everyone


@pytest.mark.parametrize(
    "query",
    [
        "department=abc",
        "department=999999",
        "department=99999999999999999999999",
        "department=%C2%B2",
        "role=superuser",
        "role=' OR '1'='1",
        "status=bogus",
        "department=1 OR 1=1",
    ],
)
def test_unknown_filter_values_are_ignored(client_as, people, query):
    response = client_as("admin").get(f"/admin/users?{query}")
    assert response.status_code == 200
    html = text(response)
    assert "Showing 1 to 4 of 4 people" in html


def test_empty_search_says_so(client_as, people):
    html = text(client_as("admin").get("/admin/users?q=nobody-by-this-name"))
    assert "No people match your search." in html
    assert "<table" not in html


def make_many(app, count: int, department: int | None = None) -> None:
    with app.app_context():
        for number in range(count):
            db.session.add(
                User(
                    employee_number=f"M{number:04d}",
                    first_name="Many",
                    last_name=f"Member{number:04d}",
                    email=f"many{number}@example.org",
                    department_id=department,
                    is_active=True,
                )
            )
        db.session.commit()


def test_pages_of_fifty(app, client_as, people):
    make_many(app, 56)
    admin = client_as("admin")
    first = text(admin.get("/admin/users"))
    assert "Showing 1 to 50 of 60 people" in first
    assert first.count('<tr class="govuk-table__row">') == 51  # the header row and 50 people
    assert 'class="govuk-pagination' in first
    assert 'href="/admin/users?page=2"' in first
    second = text(admin.get("/admin/users?page=2"))
    assert "Showing 51 to 60 of 60 people" in second
    assert 'href="/admin/users?page=1"' in second


def test_pagination_links_keep_the_filters(app, client_as, people):
    make_many(app, 60, department=department_id(app, "Housing"))
    html = text(client_as("admin").get("/admin/users?q=member&role=learner&status=all"))
    assert "Showing 1 to 50 of 60 people" in html
    assert 'href="/admin/users?q=member&amp;role=learner&amp;status=all&amp;page=2"' in html


@pytest.mark.parametrize("page", ["2", "0", "-1", "abc", "1e3", "99999999999", "%C2%B2"])
def test_a_page_that_does_not_exist_is_not_found(client_as, people, page):
    assert client_as("admin").get(f"/admin/users?page={page}").status_code == 404


def test_page_one_of_an_empty_search_is_fine(client_as, people):
    assert client_as("admin").get("/admin/users?q=nobody&page=1").status_code == 200


def count_statements(app, client, path: str) -> int:
    with recorded_statements(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_the_list_runs_a_fixed_number_of_statements(app, client_as, people):
    admin = client_as("admin")
    few = count_statements(app, admin, "/admin/users")
    housing = department_id(app, "Housing")
    make_many(app, 60, department=housing)
    with app.app_context():
        # Give some of them a line manager, so the roles column has work to do.
        for user in db.session.scalars(select(User).where(User.employee_number.like("M00%"))):
            user.line_manager_id = people["line_manager"]
        db.session.commit()
    many = count_statements(app, admin, "/admin/users")
    assert many == few
    assert count_statements(app, admin, "/admin/users?page=2&role=learner&status=all") <= few


# --- Adding a person --------------------------------------------------------------------


def test_add_person_form_shows_every_field(client_as, people):
    html = text(client_as("admin").get("/admin/users/new"))
    for label in (
        "Employee number",
        "First name",
        "Last name",
        "Email address",
        "Department",
        "Job title",
        "Start date",
        "Line manager&#39;s employee number",
        "Do they work in a regulated role?",
        "Scottish Social Services Council (SSSC)",
        "General Teaching Council for Scotland (GTCS)",
        "Health and Care Professions Council (HCPC)",
        "Another professional body",
        "Training officer",
        "Administrator",
    ):
        assert label in html, label
    assert 'name="start_date"' in html and 'id="start_date"' in html
    assert 'action=""' not in html


def test_add_a_person_creates_them_invites_them_and_audits_it(app, client_as, people):
    admin = client_as("admin")
    response = submit(
        admin,
        "/admin/users/new",
        person_form(
            app,
            email="  Nina.Newcomer@Example.ORG ",
            line_manager=employee_number(app, people["line_manager"]).lower(),
            regulated_role="yes",
            professional_body="SSSC",
            roles=["training_officer"],
        ),
    )
    assert response.status_code == 302
    created = user_by_email(app, "nina.newcomer@example.org")
    assert created is not None
    assert response.headers["Location"] == f"/admin/users/{created['id']}"
    assert created["is_active"] is True
    assert created["password_hash"] is None
    assert created["first_name"] == "Nina"
    assert created["start_date"].isoformat() == "2026-11-03"
    assert created["line_manager_id"] == people["line_manager"]
    assert created["is_regulated_role"] is True
    assert created["professional_body"] == "SSSC"
    assert created["is_training_officer"] is True
    assert created["is_administrator"] is False

    [created_event] = audit_events(app, "user_created")
    assert created_event["actor_id"] == people["admin"]
    assert created_event["subject_id"] == created["id"]
    after = created_event["details"]["after"]
    assert after["email"] == "nina.newcomer@example.org"
    assert after["department"] == "Housing"
    assert after["start_date"] == "2026-11-03"
    assert after["roles"] == ["training_officer"]
    [invited] = audit_events(app, "invitation_sent")
    assert invited["subject_id"] == created["id"] and invited["actor_id"] == people["admin"]
    with app.app_context():
        tokens = db.session.scalars(select(UserToken).where(UserToken.user_id == created["id"]))
        assert [t.purpose for t in tokens] == ["invitation"]

    page = text(admin.get(response.headers["Location"]))
    assert "Person added. We have sent them an invitation." in page
    assert "govuk-notification-banner--success" in page
    assert "Nina Newcomer" in page


def test_adding_a_person_emails_them_an_invitation(mail_app, mail_people, smtp_server):
    admin = mail_app.test_client()
    assert sign_in(admin, "admin@example.org").status_code == 302
    response = submit(
        admin,
        "/admin/users/new",
        person_form(mail_app, department=str(mail_people["housing"])),
    )
    assert response.status_code == 302
    [message] = smtp_server.wait_for()
    assert message["To"] == "nina.newcomer@example.org"
    assert "https://training.example.org/set-password/" in body_of(message)


def test_correcting_a_mistyped_address_cancels_the_old_invitation_and_sends_a_new_one(
    mail_app, mail_people, smtp_server
):
    from tests.support.smtp import link_in

    admin = mail_app.test_client()
    assert sign_in(admin, "admin@example.org").status_code == 302
    form = person_form(mail_app, email="nina.newcomr@example.org")
    form["department"] = str(mail_people["housing"])
    assert submit(admin, "/admin/users/new", form).status_code == 302
    [first] = smtp_server.wait_for()
    old_link = link_in(first).removeprefix("https://training.example.org")
    person = user_by_email(mail_app, "nina.newcomr@example.org")

    path = f"/admin/users/{person['id']}/edit"
    response = submit(
        admin, path, edit_form(mail_app, person["id"], email="nina.newcomer@example.org")
    )
    assert response.status_code == 302
    messages = smtp_server.wait_for(3)
    to_old, to_new = (
        smtp_server.to("nina.newcomr@example.org"),
        smtp_server.to("nina.newcomer@example.org"),
    )
    assert len(messages) == 3 and len(to_old) == 2 and len(to_new) == 1
    assert "has been changed" in to_old[1]["Subject"]
    assert "nina.newcomer" not in body_of(to_old[1])  # the old address may be a stranger's
    # Whoever got the mistyped e-mail can no longer set the password ...
    assert mail_app.test_client().get(old_link).status_code == 404
    # ... and the person can, from the new invitation.
    new_link = link_in(to_new[0]).removeprefix("https://training.example.org")
    assert mail_app.test_client().get(new_link).status_code == 200
    assert admin.get("/admin/users").status_code == 200  # the administrator carries on


def test_an_administrator_who_changes_their_own_address_stays_signed_in_here_only(
    app, client_as, dated_people
):
    admin, elsewhere = client_as("admin"), client_as("admin")
    path = f"/admin/users/{dated_people['admin']}/edit"
    form = edit_form(app, dated_people["admin"], email="angus.new@example.org")
    form["current_password"] = PASSWORD
    assert submit(admin, path, form).status_code == 302
    assert user_row(app, dated_people["admin"])["email"] == "angus.new@example.org"
    assert admin.get("/admin/users").status_code == 200
    assert elsewhere.get("/admin/users").status_code == 302  # every other session ended


VALIDATION_CASES = [
    ({"employee_number": ""}, "employee_number", "Enter an employee number"),
    ({"employee_number": "   "}, "employee_number", "Enter an employee number"),
    ({"employee_number": "x" * 33}, "employee_number", "32 characters or fewer"),
    ({"first_name": ""}, "first_name", "Enter a first name"),
    ({"first_name": "x" * 101}, "first_name", "First name must be 100 characters or fewer"),
    ({"last_name": REMOVE}, "last_name", "Enter a last name"),
    ({"email": ""}, "email", "Enter an email address"),
    (
        {"email": "not-an-email"},
        "email",
        "Enter an email address in the correct format, like name@example.org",
    ),
    ({"department": ""}, "department", "Select a department"),
    ({"department": "999999"}, "department", "Select a department"),
    ({"department": "abc"}, "department", "Select a department"),
    ({"job_title": "x" * 151}, "job_title", "Job title must be 150 characters or fewer"),
    ({"start_date": ["", "", ""]}, "start_date", "Enter the date they started"),
    ({"start_date": REMOVE}, "start_date", "Enter the date they started"),
    ({"start_date": ["", "11", "2026"]}, "start_date", "Start date must include a day"),
    ({"start_date": ["3", "", ""]}, "start_date", "Start date must include a month and year"),
    ({"start_date": ["31", "2", "2026"]}, "start_date", "Start date must be a real date"),
    ({"start_date": ["3", "11", "26"]}, "start_date", "Start date must be a real date"),
    (
        {"start_date": ["99999999999999999999", "11", "2026"]},
        "start_date",
        "Start date must be a real date",
    ),
    ({"start_date": ["3", "123", "2026"]}, "start_date", "Start date must be a real date"),
    ({"start_date": ["a", "b", "cdef"]}, "start_date", "Start date must be a real date"),
    ({"start_date": ["3", "11", "1066"]}, "start_date", "Start date must be a real date"),
    ({"start_date": "3"}, "start_date", "Start date must include a month and year"),
    ({"line_manager": "NOPE1"}, "line_manager", "No one has employee number NOPE1"),
    (
        {"regulated_role": REMOVE},
        "regulated_role",
        "Select yes if they work in a regulated role",
    ),
    (
        {"regulated_role": "maybe"},
        "regulated_role",
        "Select yes if they work in a regulated role",
    ),
    (
        {"professional_body": REMOVE},
        "professional_body",
        "Select their professional body, or None",
    ),
    (
        {"professional_body": "BMA"},
        "professional_body",
        "Select their professional body, or None",
    ),
    ({"roles": ["superuser"]}, "roles", "Select roles from the list"),
    (
        {"email": "LEARNER@Example.ORG"},
        "email",
        "An account with this email address already exists",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), VALIDATION_CASES)
def test_add_person_validation(app, client_as, people, changes, field, message):
    before = user_count(app)
    response = submit(client_as("admin"), "/admin/users/new", person_form(app, **changes))
    assert response.status_code == 200
    html = text(response)
    assert "<title>Error: Add a person" in html
    assert "There is a problem" in html
    assert message in html
    assert f'href="#{field}"' in html
    assert user_count(app) == before
    assert audit_events(app, "user_created") == []
    assert audit_events(app, "invitation_sent") == []


def test_add_person_keeps_what_was_typed_after_an_error(app, client_as, people):
    html = text(
        submit(
            client_as("admin"),
            "/admin/users/new",
            person_form(app, email="bad", start_date=["31", "2", "2026"]),
        )
    )
    assert 'value="Nina"' in html
    assert 'value="31"' in html and 'value="2026"' in html


def test_employee_numbers_are_unique(app, client_as, people):
    taken = employee_number(app, people["learner"])
    html = text(
        submit(client_as("admin"), "/admin/users/new", person_form(app, employee_number=taken))
    )
    assert f"Someone else already has employee number {taken}" in html
    assert user_by_email(app, "nina.newcomer@example.org") is None


def test_a_deactivated_line_manager_is_refused(app, client_as, people):
    create_user(app, "left@example.org", employee_number="LEFT1", is_active=False)
    html = text(
        submit(client_as("admin"), "/admin/users/new", person_form(app, line_manager="LEFT1"))
    )
    assert "account is deactivated" in html
    assert user_by_email(app, "nina.newcomer@example.org") is None


def test_form_choices_give_no_deprecation_warnings(client_as, people, recwarn):
    client_as("admin").get("/admin/users/new")
    client_as("admin").get("/admin/users")
    assert [w for w in recwarn if issubclass(w.category, DeprecationWarning)] == []


def test_names_are_escaped_everywhere(app, client_as, people):
    nasty = "<script>alert(1)</script>"
    create_user(app, "xss@example.org", first_name=nasty, last_name='"><img src=x onerror=1>')
    admin = client_as("admin")
    html = text(admin.get("/admin/users"))
    assert nasty not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- A person's page --------------------------------------------------------------------


def test_person_page_shows_details_reports_and_recent_activity(app, client_as, people):
    admin = client_as("admin")
    html = text(admin.get(f"/admin/users/{people['line_manager']}"))
    assert "manager@example.org" in html
    assert "Housing" in html
    assert f'href="/admin/users/{people["learner"]}"' in html  # their report
    assert "Learner, Line manager" in html
    assert f'href="/admin/audit-log?person={people["line_manager"]}"' in html
    assert f'href="/admin/users/{people["line_manager"]}/edit"' in html
    assert f'href="/admin/users/{people["line_manager"]}/deactivate"' in html
    assert f'action="/admin/users/{people["line_manager"]}/invitation"' in html
    assert "Resend invitation" in html
    assert "Nothing has been recorded about Morag yet." in html
    own_page = text(admin.get(f"/admin/users/{people['admin']}"))
    assert '<td class="govuk-table__cell">Signed in</td>' in own_page
    learner_page = text(admin.get(f"/admin/users/{people['learner']}"))
    assert f'href="/admin/users/{people["line_manager"]}"' in learner_page  # their manager


def test_person_page_keeps_the_last_twenty_events(app, client_as, people):
    with app.app_context():
        learner = db.session.get(User, people["learner"])
        for number in range(25):
            db.session.add(
                AuditEvent(
                    event="sign_in_failed", subject=learner, details={"reason": f"try {number}"}
                )
            )
        db.session.commit()
    html = text(client_as("admin").get(f"/admin/users/{people['learner']}"))
    assert "Reason: try 24" in html
    assert "Reason: try 5" in html
    assert "Reason: try 4" not in html


def test_unknown_person_is_not_found(client_as, people):
    admin = client_as("admin")
    assert admin.get("/admin/users/999999").status_code == 404
    assert admin.get("/admin/users/999999/edit").status_code == 404
    assert admin.get("/admin/users/999999/deactivate").status_code == 404
    assert admin.get("/admin/users/abc").status_code == 404


def test_administrators_are_not_offered_to_deactivate_themselves(client_as, people):
    html = text(client_as("admin").get(f"/admin/users/{people['admin']}"))
    assert f'href="/admin/users/{people["admin"]}/deactivate"' not in html


# --- Changing a person's details --------------------------------------------------------


def test_edit_form_is_filled_in(app, client_as, dated_people):
    people = dated_people
    html = text(client_as("admin").get(f"/admin/users/{people['learner']}/edit"))
    assert 'value="learner@example.org"' in html
    assert f'value="{employee_number(app, people["line_manager"])}"' in html
    housing = department_id(app, "Housing")
    assert f'<option value="{housing}" selected>' in html
    assert "<title>Change details" in html


def test_changing_details_records_before_and_after(app, client_as, dated_people):
    people = dated_people
    learner = people["learner"]
    corporate = department_id(app, "Corporate Services")
    response = submit(
        client_as("admin"),
        f"/admin/users/{learner}/edit",
        edit_form(app, learner, job_title="Senior clerk", department=str(corporate)),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{learner}"
    row = user_row(app, learner)
    assert row["job_title"] == "Senior clerk"
    assert row["department_id"] == corporate
    [updated] = audit_events(app, "user_updated")
    assert updated["actor_id"] == people["admin"] and updated["subject_id"] == learner
    assert updated["details"]["changes"] == {
        "department": {"before": "Housing", "after": "Corporate Services"},
        "job_title": {"before": "", "after": "Senior clerk"},
    }
    assert audit_events(app, "roles_changed") == []


def test_saving_without_changes_records_nothing(app, client_as, dated_people):
    people = dated_people
    learner = people["learner"]
    response = submit(client_as("admin"), f"/admin/users/{learner}/edit", edit_form(app, learner))
    assert response.status_code == 302
    assert audit_events(app, "user_updated") == []
    assert audit_events(app, "roles_changed") == []


def test_changing_roles_records_a_roles_changed_event(app, client_as, dated_people):
    people = dated_people
    learner = people["learner"]
    response = submit(
        client_as("admin"),
        f"/admin/users/{learner}/edit",
        edit_form(app, learner, roles=["training_officer", "administrator"]),
    )
    assert response.status_code == 302
    row = user_row(app, learner)
    assert row["is_training_officer"] is True and row["is_administrator"] is True
    [changed] = audit_events(app, "roles_changed")
    assert changed["details"] == {
        "before": [],
        "after": ["training_officer", "administrator"],
    }
    assert audit_events(app, "user_updated") == []
    # …and taking them away again
    submit(client_as("admin"), f"/admin/users/{learner}/edit", edit_form(app, learner, roles=[]))
    row = user_row(app, learner)
    assert row["is_training_officer"] is False and row["is_administrator"] is False
    assert audit_events(app, "roles_changed")[-1]["details"] == {
        "before": ["training_officer", "administrator"],
        "after": [],
    }


def test_email_is_changed_lower_case_and_checked_for_duplicates(app, client_as, dated_people):
    people = dated_people
    learner = people["learner"]
    admin = client_as("admin")
    html = text(
        submit(
            admin,
            f"/admin/users/{learner}/edit",
            edit_form(app, learner, email="Officer@EXAMPLE.org"),
        )
    )
    assert "An account with this email address already exists" in html
    assert user_row(app, learner)["email"] == "learner@example.org"
    submit(
        admin, f"/admin/users/{learner}/edit", edit_form(app, learner, email="Lewis@Example.org")
    )
    assert user_row(app, learner)["email"] == "lewis@example.org"
    # Their own address in another case is not a duplicate.
    response = submit(
        admin, f"/admin/users/{learner}/edit", edit_form(app, learner, email="LEWIS@example.org")
    )
    assert response.status_code == 302


def test_a_person_cannot_be_their_own_line_manager(app, client_as, dated_people):
    people = dated_people
    learner = people["learner"]
    html = text(
        submit(
            client_as("admin"),
            f"/admin/users/{learner}/edit",
            edit_form(app, learner, line_manager=employee_number(app, learner)),
        )
    )
    assert "A person cannot be their own line manager" in html
    assert user_row(app, learner)["line_manager_id"] == people["line_manager"]


def test_line_management_cannot_loop(app, client_as, dated_people):
    people = dated_people
    # learner → manager → top; making the learner the top's manager would be a loop.
    top = create_user(
        app,
        "top@example.org",
        first_name="Tess",
        employee_number="TOP1",
        department_id=department_id(app, "Housing"),
        start_date=date(2001, 1, 1),
    )
    with app.app_context():
        db.session.get(User, people["line_manager"]).line_manager_id = top
        db.session.commit()
    admin = client_as("admin")
    learner_number = employee_number(app, people["learner"])
    for person in (people["line_manager"], top):
        html = text(
            submit(
                admin,
                f"/admin/users/{person}/edit",
                edit_form(app, person, line_manager=learner_number),
            )
        )
        assert "so cannot be their line manager" in html
    assert user_row(app, top)["line_manager_id"] is None
    assert user_row(app, people["line_manager"])["line_manager_id"] == top
    assert audit_events(app, "user_updated") == []


def test_an_administrator_cannot_remove_their_own_administrator_role(app, client_as, dated_people):
    people = dated_people
    admin_id = people["admin"]
    html = text(
        submit(
            client_as("admin"), f"/admin/users/{admin_id}/edit", edit_form(app, admin_id, roles=[])
        )
    )
    assert "You cannot remove your own administrator role" in html
    assert 'href="#roles"' in html
    assert user_row(app, admin_id)["is_administrator"] is True
    assert audit_events(app, "roles_changed") == []


def test_an_administrator_can_remove_another_administrators_role(app, client_as, dated_people):
    other = create_user(
        app,
        "second@example.org",
        is_administrator=True,
        department_id=department_id(app, "Housing"),
        start_date=date(2001, 1, 1),
    )
    response = submit(
        client_as("admin"), f"/admin/users/{other}/edit", edit_form(app, other, roles=[])
    )
    assert response.status_code == 302
    assert user_row(app, other)["is_administrator"] is False


def test_extra_fields_in_the_form_are_ignored(app, client_as, dated_people):
    people = dated_people
    learner = people["learner"]
    before = user_row(app, learner)
    response = submit(
        client_as("admin"),
        f"/admin/users/{learner}/edit",
        edit_form(app, learner)
        | {
            "is_active": "0",
            "is_administrator": "1",
            "is_training_officer": "y",
            "password_hash": "$argon2id$forged",
            "session_token": "forged-token",
            "failed_sign_in_count": "99",
            "id": "999",
            "line_manager_id": str(people["admin"]),
            "department_id": "999",
        },
    )
    assert response.status_code == 302
    assert user_row(app, learner) == before
    assert audit_events(app, "user_updated") == []
    assert audit_events(app, "roles_changed") == []


def test_extra_fields_are_ignored_when_adding_a_person(app, client_as, people):
    response = submit(
        client_as("admin"),
        "/admin/users/new",
        person_form(app) | {"is_active": "0", "password_hash": "x", "is_administrator": "1"},
    )
    assert response.status_code == 302
    created = user_by_email(app, "nina.newcomer@example.org")
    assert created["is_active"] is True
    assert created["password_hash"] is None
    assert created["is_administrator"] is False


# --- Deactivating and reactivating ------------------------------------------------------


def test_deactivate_page_asks_for_a_reason(client_as, people):
    html = text(client_as("admin").get(f"/admin/users/{people['learner']}/deactivate"))
    assert "<h1" in html and "Deactivate account" in html
    assert "<textarea" in html and 'name="reason"' in html


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter a reason for deactivating this account"),
        ("   ", "Enter a reason for deactivating this account"),
        ("x" * 501, "Reason must be 500 characters or fewer"),
    ],
)
def test_deactivating_needs_a_good_reason(app, client_as, people, reason, message):
    learner = people["learner"]
    response = submit(client_as("admin"), f"/admin/users/{learner}/deactivate", {"reason": reason})
    assert response.status_code == 200
    assert message in text(response)
    assert user_row(app, learner)["is_active"] is True
    assert audit_events(app, "user_deactivated") == []


def test_deactivating_ends_their_session_at_once(app, client_as, people):
    learner = people["learner"]
    their_client = client_as("learner")
    assert their_client.get("/home").status_code == 200
    admin = client_as("admin")
    response = submit(admin, f"/admin/users/{learner}/deactivate", {"reason": "Left the council"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{learner}"
    assert user_row(app, learner)["is_active"] is False

    next_request = their_client.get("/home")
    assert next_request.status_code == 302
    assert next_request.headers["Location"].startswith("/sign-in")

    [deactivated] = audit_events(app, "user_deactivated")
    assert deactivated["details"] == {"reason": "Left the council"}
    assert deactivated["actor_id"] == people["admin"]
    assert deactivated["subject_id"] == learner
    page = text(admin.get(f"/admin/users/{learner}"))
    assert "has been deactivated" in page
    assert "Reactivate account" in page
    assert "Resend invitation" not in page
    # They cannot sign in again.
    assert sign_in(app.test_client(), "learner@example.org").status_code == 200


def test_an_administrator_cannot_deactivate_themselves(app, client_as, people):
    admin = client_as("admin")
    path = f"/admin/users/{people['admin']}/deactivate"
    response = submit(admin, path, {"reason": "Oops"}, form_path="/admin/users/new")
    assert response.status_code == 302
    assert "You cannot deactivate your own account" in text(admin.get(response.headers["Location"]))
    assert user_row(app, people["admin"])["is_active"] is True
    assert admin.get("/admin/users").status_code == 200
    assert audit_events(app, "user_deactivated") == []


def test_reactivating_lets_them_sign_in_again(app, client_as, people):
    learner = people["learner"]
    admin = client_as("admin")
    submit(admin, f"/admin/users/{learner}/deactivate", {"reason": "Left"})
    assert admin.get(f"/admin/users/{learner}/reactivate").status_code == 200

    html = text(submit(admin, f"/admin/users/{learner}/reactivate", {"reason": ""}))
    assert "Enter a reason for reactivating this account" in html
    assert user_row(app, learner)["is_active"] is False

    response = submit(admin, f"/admin/users/{learner}/reactivate", {"reason": "Came back"})
    assert response.status_code == 302
    assert user_row(app, learner)["is_active"] is True
    [reactivated] = audit_events(app, "user_reactivated")
    assert reactivated["details"] == {"reason": "Came back"}
    assert sign_in(app.test_client(), "learner@example.org").status_code == 302


def test_reactivating_an_active_account_changes_nothing(app, client_as, people):
    learner = people["learner"]
    admin = client_as("admin")
    response = admin.get(f"/admin/users/{learner}/reactivate")
    assert response.status_code == 302
    assert "already active" in text(admin.get(response.headers["Location"]))
    assert audit_events(app, "user_reactivated") == []


def test_reactivating_someone_who_never_set_a_password_invites_them(
    mail_app, mail_people, smtp_server
):
    from tests.support.smtp import link_in

    admin = mail_app.test_client()
    assert sign_in(admin, "admin@example.org").status_code == 302
    form = person_form(mail_app, department=str(mail_people["housing"]))
    assert submit(admin, "/admin/users/new", form).status_code == 302
    assert len(smtp_server.wait_for()) == 1
    person = user_by_email(mail_app, "nina.newcomer@example.org")["id"]
    submit(admin, f"/admin/users/{person}/deactivate", {"reason": "Start date moved"})
    submit(admin, f"/admin/users/{person}/reactivate", {"reason": "Starting now"})
    [first, second] = smtp_server.wait_for(2)
    assert second["To"] == "nina.newcomer@example.org" and link_in(second) != link_in(first)
    path = link_in(second).removeprefix("https://training.example.org")
    assert mail_app.test_client().get(path).status_code == 200


# --- Invitations ------------------------------------------------------------------------


def test_resending_an_invitation_emails_a_new_link(mail_app, mail_people, smtp_server):
    app = mail_app
    admin = app.test_client()
    assert sign_in(admin, "admin@example.org").status_code == 302
    learner = mail_people["learner"]
    response = submit(
        admin, f"/admin/users/{learner}/invitation", {}, form_path=f"/admin/users/{learner}"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{learner}"
    assert "We have sent a new invitation to learner@example.org." in text(
        admin.get(response.headers["Location"])
    )
    [message] = smtp_server.wait_for()
    assert message["To"] == "learner@example.org"
    assert "https://training.example.org/set-password/" in body_of(message)
    [invited] = audit_events(app, "invitation_sent")
    assert invited["actor_id"] == mail_people["admin"] and invited["subject_id"] == learner


def test_no_invitation_for_a_deactivated_account(mail_app, mail_people, smtp_server):
    app = mail_app
    gone = create_user(app, "gone@example.org", is_active=False)
    admin = app.test_client()
    assert sign_in(admin, "admin@example.org").status_code == 302
    response = submit(admin, f"/admin/users/{gone}/invitation", {}, form_path="/admin/users/new")
    assert response.status_code == 302
    assert "You cannot send an invitation to a deactivated account" in text(
        admin.get(response.headers["Location"])
    )
    smtp_server.wait_for(1, timeout=0.5)
    assert smtp_server.messages == []
    assert audit_events(app, "invitation_sent") == []


def test_invitation_needs_a_post_with_a_csrf_token(app, client_as, people):
    admin = client_as("admin")
    path = f"/admin/users/{people['learner']}/invitation"
    assert admin.get(path).status_code == 405
    assert admin.post(path).status_code == 400
    assert audit_events(app, "invitation_sent") == []


def test_a_person_with_no_start_date_can_be_edited_without_inventing_one(app, client_as, people):
    assert user_row(app, people["learner"])["start_date"] is None  # as an HR file may leave it
    admin = client_as("admin")
    form = edit_form(app, people["learner"], start_date=["", "", ""], job_title="Caretaker")
    response = submit(admin, f"/admin/users/{people['learner']}/edit", form)
    assert response.status_code == 302
    row = user_row(app, people["learner"])
    assert row["job_title"] == "Caretaker" and row["start_date"] is None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (None, "Enter your current password"),
        ("not my password", "Your current password is not correct"),
    ],
)
def test_an_administrator_changing_their_own_address_must_give_their_password(
    app, client_as, dated_people, given, message
):
    # Security checklist 10: password resets go to this address, so an open session must
    # not be enough to move it.
    admin = client_as("admin")
    path = f"/admin/users/{dated_people['admin']}/edit"
    assert 'name="current_password"' in admin.get(path).text
    before = user_row(app, dated_people["admin"])
    form = edit_form(app, dated_people["admin"], email="angus.new@example.org", job_title="Head")
    if given is not None:
        form["current_password"] = given
    page = submit(admin, path, form)
    assert page.status_code == 200
    assert message in page.text
    assert 'href="#current_password"' in page.text  # in the error summary
    assert user_row(app, dated_people["admin"]) == before  # nothing saved, not even the title
    with app.app_context():
        assert not db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "user_updated")
        )


def test_wrong_current_passwords_on_the_admin_form_are_limited_as_at_sign_in(
    app, client_as, dated_people
):
    admin = client_as("admin")
    path = f"/admin/users/{dated_people['admin']}/edit"
    form = edit_form(app, dated_people["admin"], email="angus.new@example.org")
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        form["current_password"] = "a wrong guess"
        assert "is not correct" in submit(admin, path, form).text
    form["current_password"] = PASSWORD  # even the right one, now
    page = submit(admin, path, form)
    assert "too many times" in page.text
    assert user_row(app, dated_people["admin"])["email"] != "angus.new@example.org"


def test_an_administrator_may_change_their_other_details_without_a_password(
    app, client_as, dated_people
):
    admin = client_as("admin")
    path = f"/admin/users/{dated_people['admin']}/edit"
    form = edit_form(app, dated_people["admin"], job_title="Head of digital")
    assert submit(admin, path, form).status_code == 302
    assert user_row(app, dated_people["admin"])["job_title"] == "Head of digital"


def test_the_password_box_is_only_on_the_administrators_own_record(app, client_as, dated_people):
    admin = client_as("admin")
    other = next(k for k in dated_people if k != "admin")
    page = admin.get(f"/admin/users/{dated_people[other]}/edit")
    assert page.status_code == 200
    assert 'name="current_password"' not in page.text
    form = edit_form(app, dated_people[other], email="someone.else@example.org")
    assert submit(admin, f"/admin/users/{dated_people[other]}/edit", form).status_code == 302


# --- Never without an administrator -------------------------------------------------------


def active_administrators(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(User.id).where(User.is_administrator.is_(True), User.is_active.is_(True))
            )
        )


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def wait_for_each_other_after(monkeypatch, target, name: str, seconds: float = 1.5) -> None:
    """Each request, once past `target.<name>` (a service's checks), waits for the other to
    get there too, for up to `seconds`. Without a lock both have checked before either
    writes, which is the race; with the lock the other cannot check until the first has
    committed, so the first goes on alone after the wait, and the other then sees its
    change. (A barrier would wait for ever for a request held by the lock.)"""
    import threading

    arrived = threading.Condition()
    count = 0
    original = getattr(target, name)

    def checked_then_wait(*args, **kwargs):
        nonlocal count
        result = original(*args, **kwargs)
        with arrived:
            count += 1
            arrived.notify_all()
            arrived.wait_for(lambda: count >= 2, timeout=seconds)
        return result

    monkeypatch.setattr(target, name, checked_then_wait)


def each_removes_the_other(app, monkeypatch, dated_people, action: str):
    """Two administrators, A and B, each remove the other at the same moment (`action`:
    "edit" takes away the administrator role, "deactivate" the account). On PostgreSQL
    both requests are held once the route's own checks are done, so that both have seen
    two administrators unless a lock makes one wait; SQLite lets one writer in at a time,
    so there they simply race. Returns the two clients and their responses."""
    import threading

    from app.admin import forms as admin_forms
    from app.admin import services as admin_services
    from tests.support.accounts import csrf_token
    from tests.support.concurrency import at_once

    first = dated_people["admin"]
    second = create_user(
        app,
        "admin2@example.org",
        first_name="Beth",
        is_administrator=True,
        department_id=department_id(app, "Housing"),
        start_date=date(2019, 8, 12),
    )
    clients = [app.test_client(), app.test_client()]
    assert sign_in(clients[0], "admin@example.org").status_code == 302
    assert sign_in(clients[1], "admin2@example.org").status_code == 302
    targets = [second, first]
    paths = [f"/admin/users/{target}/{action}" for target in targets]
    tokens = [csrf_token(client, path) for client, path in zip(clients, paths, strict=True)]
    if action == "edit":
        forms = [edit_form(app, target, roles=[]) for target in targets]
    else:
        forms = [{"reason": "Moved to another council"}] * 2

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        barrier = threading.Barrier(2, timeout=10)
        if action == "edit":
            # update_person takes the people-and-departments lock before its checks.
            wait_for_each_other_after(monkeypatch, admin_services, "_person_problems")
        else:
            # The route checks the form before deactivate takes the lock: both get there.
            validate = admin_forms.DeactivateForm.validate_on_submit

            def validated_then_wait(form, *args, **kwargs):
                result = validate(form, *args, **kwargs)
                barrier.wait()
                return result

            monkeypatch.setattr(
                admin_forms.DeactivateForm, "validate_on_submit", validated_then_wait
            )

    def post(index: int):
        return clients[index].post(
            paths[index],
            data={**forms[index], "csrf_token": tokens[index]},
            headers={"Referer": f"http://localhost{paths[index]}"},
        )

    responses = at_once(lambda: post(0), lambda: post(1))
    return postgresql, clients, responses


def test_two_administrators_removing_each_others_role_at_once_leave_one(
    app, dated_people, monkeypatch
):
    postgresql, _clients, responses = each_removes_the_other(app, monkeypatch, dated_people, "edit")
    assert len(active_administrators(app)) == 1
    assert len(audit_events(app, "roles_changed")) == 1
    statuses = sorted(r.status_code for r in responses)
    if postgresql:
        # The second to count sees one administrator left, and is told why it cannot save.
        assert statuses == [200, 302]
        refused = next(r for r in responses if r.status_code == 200)
        assert (
            "is the only active administrator, so you cannot remove their administrator role"
            in (text(refused))
        )
        assert 'href="#roles"' in text(refused)
    else:
        # The second went in after the first had saved, no longer an administrator.
        assert statuses == [302, 403], statuses


def test_two_administrators_deactivating_each_other_at_once_leave_one(
    app, dated_people, monkeypatch
):
    postgresql, clients, _responses = each_removes_the_other(
        app, monkeypatch, dated_people, "deactivate"
    )
    assert len(active_administrators(app)) == 1
    assert len(audit_events(app, "user_deactivated")) == 1
    if postgresql:
        messages = flashes(clients[0]) + flashes(clients[1])
        assert any(
            "is the only active administrator, so you cannot deactivate their account. "
            "Make someone else an administrator first." in message
            for message in messages
        ), messages
