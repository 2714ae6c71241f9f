"""Fixes from the review of the administration area: addresses and department names in
either Unicode form, names of invisible or control characters, forms left open while
someone else saves, and two administrators saving at the same moment."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Department, User, normalise_email
from app.models.organisation import tidy_department_name
from tests.integration.test_admin_users import (
    person_form,
    text,
    user_count,
)
from tests.support.accounts import PASSWORD, _hash, create_user, sign_in, submit

NFC = "jos\u00e9.garcia@example.org"  # é as one code point (what most keyboards type)
NFD = "jose\u0301.garcia@example.org"  # e and a combining acute (macOS, some pastes)


def department_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Department))


# --- An address or a department name in either Unicode form ----------------------------


def test_an_address_is_kept_and_looked_up_in_composed_form():
    assert normalise_email(f"  {NFD.upper()} ") == NFC
    assert normalise_email(NFC) == NFC


def test_the_same_address_in_another_unicode_form_is_a_duplicate(app, client_as, people):
    create_user(app, NFC, first_name="José")
    before = user_count(app)
    response = submit(client_as("admin"), "/admin/users/new", person_form(app, email=NFD))
    assert response.status_code == 200
    assert "An account with this email address already exists" in text(response)
    assert user_count(app) == before


def test_an_address_added_in_decomposed_form_is_kept_composed_and_signs_in_as_typed(
    app, client_as, people
):
    response = submit(client_as("admin"), "/admin/users/new", person_form(app, email=NFD))
    assert response.status_code == 302
    with app.app_context():  # as if they had used their invitation
        user = db.session.scalar(select(User).where(User.employee_number == "E12345"))
        assert user.email == NFC
        user.password_hash = _hash(PASSWORD)
        db.session.commit()
    assert sign_in(app.test_client(), NFC).status_code == 302
    assert sign_in(app.test_client(), NFD).status_code == 302


def test_the_people_search_finds_an_address_typed_in_either_form(app, client_as, people):
    create_user(app, NFC, first_name="José", last_name="García")
    html = text(client_as("admin").get("/admin/users", query_string={"q": "jose\u0301.garcia"}))
    assert NFC in html


def test_a_department_name_is_kept_in_composed_form():
    assert tidy_department_name("Cafe\u0301  Services\u200b") == "Caf\u00e9 Services"


def test_a_department_name_in_another_unicode_form_is_a_duplicate(app, client_as, people):
    admin = client_as("admin")
    assert submit(admin, "/admin/departments", {"name": "Caf\u00e9 Services"}).status_code == 302
    before = department_count(app)
    response = submit(admin, "/admin/departments", {"name": "Cafe\u0301 Services"})
    assert response.status_code == 200
    assert "A department called Caf\u00e9 Services already exists" in text(response)
    assert department_count(app) == before
