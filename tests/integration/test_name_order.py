"""Lists sort people as people expect: accents and case do not send a name to the end.

SQLite compares code points and the CI's PostgreSQL uses the C collation, so without
user_account.sort_name (migration 0014) "Émilie" and "Łukasz" came after "Zoe".
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import User
from app.models.organisation import name_sort_key
from tests.support.accounts import create_user

from .test_admin_users import department_id, edit_form, names_listed

NAMES = [("Zoe", "Adams"), ("Łukasz", "Nowak"), ("emma", "stone"), ("Émilie", "Brown")]
EXPECTED = ["Émilie Brown", "emma stone", "Łukasz Nowak", "Zoe Adams"]


def only(listed: list[str], wanted: list[str]) -> list[str]:
    return [name for name in listed if name in wanted]


@pytest.fixture
def named(app, people) -> dict[str, int]:
    housing = department_id(app, "Housing")
    return {
        f"{first} {last}": create_user(
            app,
            first_name=first,
            last_name=last,
            department_id=housing,
            start_date=date(2026, 1, 5),
        )
        for first, last in NAMES
    }


def test_name_sort_key_ignores_case_and_accents():
    assert name_sort_key("Émilie", "Brown") == "emilie brown"
    assert name_sort_key("ŁUKASZ", "Nowak") == "lukasz nowak"
    assert name_sort_key("Seònaid", "MacLeòid") == "seonaid macleoid"
    assert name_sort_key("Søren", "Æbelø") == "soren aebelo"


def test_the_admin_list_sorts_accented_names_beside_plain_ones(client_as, named):
    listed = names_listed(client_as("admin").get("/admin/users"))
    assert only(listed, EXPECTED) == EXPECTED


def test_the_officers_people_list_sorts_them_the_same_way(client_as, named):
    html = client_as("officer").get("/reports/people").get_data(as_text=True)
    listed = re.findall(r'href="/reports/people/\d+[^"]*">([^<]+)</a>', html)
    assert only(listed, EXPECTED) == EXPECTED


def test_a_renamed_person_moves_to_their_new_place(app, client_as, named):
    from tests.support.accounts import submit

    admin = client_as("admin")
    person = named["Zoe Adams"]
    response = submit(
        admin, f"/admin/users/{person}/edit", edit_form(app, person, first_name="Ànna")
    )
    assert response.status_code == 302
    listed = only(names_listed(admin.get("/admin/users")), [*EXPECTED, "Ànna Adams"])
    assert listed == ["Ànna Adams", "Émilie Brown", "emma stone", "Łukasz Nowak"]
    with app.app_context():
        assert db.session.get(User, person).sort_name == "anna adams"


def test_upgrading_gives_the_people_already_there_their_sort_names(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/names.sqlite")
    with app.app_context():
        upgrade(revision="0013")
        db.session.execute(
            text(
                "INSERT INTO user_account (id, employee_number, first_name, last_name, email, "
                "job_title, is_regulated_role, professional_body, is_active, "
                "is_training_officer, is_administrator, created_at, updated_at) VALUES "
                "(1, 'E1', 'Éilidh', 'Ò Briain', 'eilidh@example.org', '', 0, 'none', 1, 0, 0, "
                "'2026-01-01', '2026-01-01')"
            )
        )
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(User.sort_name)) == "eilidh o briain"
        triggers = text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND (name LIKE 'tr_%_compliance' OR name LIKE 'tr_%_analytics')"
        )
        assert db.session.scalar(triggers) == 19
        db.session.commit()
        downgrade(revision="0013")
        assert db.session.scalar(triggers) == 19
        db.session.commit()
        upgrade()
        db.engine.dispose()


def test_the_hr_import_keeps_sort_names_as_it_creates_and_renames_people(app, people, tmp_path):
    from .test_hr_import import HEADER, run_import

    path = tmp_path / "staff.csv"
    row = ",{},MacLeòid,seonaid@example.org,Housing,Officer,2020-01-06,,no,none\n"
    for first, key in (("Seònaid", "seonaid macleoid"), ("Ùna", "una macleoid")):
        path.write_text(HEADER + "H00001" + row.format(first), encoding="utf-8")
        result = run_import(app, path)
        assert result.exit_code == 0, result.output
        with app.app_context():
            person = db.session.scalar(select(User).where(User.employee_number == "H00001"))
            assert (person.first_name, person.sort_name) == (first, key)
