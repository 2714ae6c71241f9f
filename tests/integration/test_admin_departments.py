"""Departments: the list with head counts, adding and renaming."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Department
from tests.support.accounts import create_user, submit


def department_names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Department.name).order_by(Department.name)))


def department_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.name == name))


def audit_events(app, name: str) -> list[dict]:
    with app.app_context():
        return [
            {"actor_id": e.actor_id, "subject_id": e.subject_id, "details": e.details}
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)
            )
        ]


def text(response) -> str:
    return response.get_data(as_text=True)


# --- Who may use the pages --------------------------------------------------------------

PAGES = ["/admin/departments", "/admin/departments/{housing}/rename"]


@pytest.fixture
def housing(app, people) -> int:
    return department_id(app, "Housing")


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client_as, housing, path):
    path = path.format(housing=housing)
    response = client_as("anonymous").get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/sign-in?next={path}")


@pytest.mark.parametrize("role", ["learner", "line_manager", "officer"])
@pytest.mark.parametrize("path", PAGES)
def test_only_administrators_may_see_departments(client_as, housing, role, path):
    assert client_as(role).get(path.format(housing=housing)).status_code == 403


@pytest.mark.parametrize("role", ["learner", "line_manager", "officer"])
def test_only_administrators_may_add_or_rename(app, client_as, housing, role):
    client = client_as(role)
    for path in ("/admin/departments", f"/admin/departments/{housing}/rename"):
        response = submit(client, path, {"name": "Sneaky"}, form_path="/account/password")
        assert response.status_code == 403
    assert "Sneaky" not in department_names(app)


# --- The list ---------------------------------------------------------------------------


def test_lists_departments_with_their_active_people(app, client_as, housing):
    create_user(app, "left@example.org", department_id=housing, is_active=False)
    create_department = Department(name="Libraries")
    with app.app_context():
        db.session.add(create_department)
        db.session.commit()
    response = client_as("admin").get("/admin/departments")
    assert response.status_code == 200
    html = text(response)
    rows = {
        name: count
        for name, count in re.findall(
            r'<td class="govuk-table__cell">([^<]+)</td>\s*'
            r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>',
            html,
        )
    }
    # Housing: the manager and the learner (the leaver is not counted).
    assert rows == {"Corporate Services": "2", "Housing": "2", "Libraries": "0"}
    assert list(rows) == ["Corporate Services", "Housing", "Libraries"]
    assert f'href="/admin/departments/{housing}/rename"' in html
    assert 'Rename<span class="govuk-visually-hidden"> Housing</span>' in html


# --- Adding -----------------------------------------------------------------------------


def test_add_a_department(app, client_as, people):
    admin = client_as("admin")
    response = submit(admin, "/admin/departments", {"name": "  Education  "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/departments"
    assert "Education" in department_names(app)
    [created] = audit_events(app, "department_created")
    assert created["actor_id"] == people["admin"]
    assert created["details"] == {"after": {"name": "Education"}}
    html = text(admin.get("/admin/departments"))
    assert "Department added: Education." in html
    assert "govuk-notification-banner--success" in html


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a department name"),
        ("   ", "Enter a department name"),
        ("x" * 121, "Department name must be 120 characters or fewer"),
        ("housing", "A department called Housing already exists"),
        ("  HOUSING ", "A department called Housing already exists"),
        # Pasted from a spreadsheet: the same name with an invisible or non-breaking space.
        ("Housing\u200b", "A department called Housing already exists"),
        ("\u00a0housing\u00a0", "A department called Housing already exists"),
        ("\u200b\u200b", "Enter a department name"),
    ],
)
def test_adding_refuses_bad_names(app, client_as, people, name, message):
    before = department_names(app)
    response = submit(client_as("admin"), "/admin/departments", {"name": name})
    assert response.status_code == 200
    html = text(response)
    assert "<title>Error: Departments" in html
    assert message in html
    assert 'href="#name"' in html
    assert department_names(app) == before
    assert audit_events(app, "department_created") == []


def test_department_names_are_escaped(app, client_as, people):
    submit(client_as("admin"), "/admin/departments", {"name": "<script>alert(1)</script>"})
    html = text(client_as("admin").get("/admin/departments"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Renaming ---------------------------------------------------------------------------


def test_rename_form_is_filled_in(client_as, housing):
    html = text(client_as("admin").get(f"/admin/departments/{housing}/rename"))
    assert 'value="Housing"' in html
    assert "<title>Rename department" in html


def test_rename_a_department(app, client_as, people, housing):
    admin = client_as("admin")
    response = submit(
        admin, f"/admin/departments/{housing}/rename", {"name": "Housing and Property"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/departments"
    assert department_names(app) == ["Corporate Services", "Housing and Property"]
    [renamed] = audit_events(app, "department_renamed")
    assert renamed["actor_id"] == people["admin"]
    assert renamed["details"] == {
        "changes": {"name": {"before": "Housing", "after": "Housing and Property"}}
    }
    assert "Department renamed: Housing and Property." in text(admin.get("/admin/departments"))


def test_renaming_to_another_departments_name_is_refused(app, client_as, housing):
    response = submit(
        client_as("admin"), f"/admin/departments/{housing}/rename", {"name": "corporate services"}
    )
    assert response.status_code == 200
    html = text(response)
    assert "A department called Corporate Services already exists" in html
    assert "<title>Error: Rename department" in html
    assert department_names(app) == ["Corporate Services", "Housing"]
    assert audit_events(app, "department_renamed") == []


def test_a_department_can_change_the_case_of_its_own_name(app, client_as, housing):
    response = submit(
        client_as("admin"), f"/admin/departments/{housing}/rename", {"name": "HOUSING"}
    )
    assert response.status_code == 302
    assert department_names(app) == ["Corporate Services", "HOUSING"]


def test_keeping_the_same_name_records_nothing(app, client_as, housing):
    response = submit(
        client_as("admin"), f"/admin/departments/{housing}/rename", {"name": "Housing"}
    )
    assert response.status_code == 302
    assert audit_events(app, "department_renamed") == []


def test_renaming_needs_a_name(app, client_as, housing):
    response = submit(client_as("admin"), f"/admin/departments/{housing}/rename", {"name": ""})
    assert response.status_code == 200
    assert "Enter a department name" in text(response)
    assert department_names(app) == ["Corporate Services", "Housing"]


def test_unknown_department_is_not_found(client_as, people):
    assert client_as("admin").get("/admin/departments/999999/rename").status_code == 404


def test_extra_fields_are_ignored(app, client_as, housing):
    response = submit(
        client_as("admin"),
        f"/admin/departments/{housing}/rename",
        {"name": "Homes", "id": "999", "created_at": "2000-01-01"},
    )
    assert response.status_code == 302
    with app.app_context():
        department = db.session.get(Department, housing)
        assert department.name == "Homes"
        assert department.created_at.year != 2000


def test_a_new_name_keeps_no_invisible_characters(app, client_as, people):
    response = submit(client_as("admin"), "/admin/departments", {"name": "Social\u200b  Work"})
    assert response.status_code == 302
    assert "Social Work" in department_names(app)
