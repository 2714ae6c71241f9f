"""The HR import after its review: what the officer confirms is what is applied, every
problem is listed at once, and the preview says what the file does in plain words."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import HrImport, HrUpload, User
from tests.integration.test_hr_import import (
    HEADER,
    confirm,
    confirmation,
    person_row,
    run_import,
    upload,
)
from tests.integration.test_hr_import_safety import upload_full_file
from tests.support.accounts import create_user
from tests.support.page_checks import visible_text

CHANGED = "The file would now make different changes from the ones you checked: check them again"


def everyone_rows(app, people) -> str:
    return "".join(
        person_row(app, people[role], job="")
        for role in ("learner", "line_manager", "officer", "admin")
    )


def imports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(HrImport))


# --- The plan confirmed is the plan applied ----------------------------------------------


def test_confirming_a_full_file_does_not_deactivate_someone_the_preview_never_showed(
    app, people, client_as
):
    officer = client_as("officer")
    path = upload_full_file(officer, (HEADER + everyone_rows(app, people)).encode())
    checked = officer.get(path).text
    assert "deactivate 0" in visible_text(checked)  # the officer sees: nobody is deactivated
    # Meanwhile an administrator adds a new starter (or another officer's file creates one).
    newcomer = create_user(app, "new.starter@example.org", first_name="Nina")
    response = officer.post(
        path, data=confirmation(checked), headers={"Referer": f"http://localhost{path}"}
    )
    assert response.status_code == 200
    page = visible_text(response.text)
    assert CHANGED in page and "Nothing was changed" in page, page
    assert "Nina" in page and "not in the full file" in page  # the new plan, to check again
    assert "Apply these changes" in page
    with app.app_context():
        assert db.session.get(User, newcomer).is_active
        assert db.session.scalar(select(HrUpload.applied_at)) is None  # it can be applied
    assert imports(app) == 0
    # Confirmed again, from the page that shows her: now it is what the officer saw.
    assert confirm(officer, path).status_code == 302
    with app.app_context():
        assert not db.session.get(User, newcomer).is_active
    assert imports(app) == 1


def test_confirming_refuses_an_update_of_other_fields_than_those_checked(app, people, client_as):
    officer = client_as("officer")
    path = upload(officer, (HEADER + person_row(app, people["learner"], job="Clerk")).encode(), "j")
    checked = officer.get(path).text
    assert "Update: job title" in visible_text(checked)
    with app.app_context():  # an administrator corrects the surname meanwhile
        db.session.get(User, people["learner"]).last_name = "Corrected"
        db.session.commit()
    response = officer.post(
        path, data=confirmation(checked), headers={"Referer": f"http://localhost{path}"}
    )
    page = visible_text(response.text)
    assert response.status_code == 200 and CHANGED in page
    assert "Update: last name, job title" in page
    with app.app_context():
        learner = db.session.get(User, people["learner"])
        assert learner.last_name == "Corrected" and learner.job_title != "Clerk"
    assert imports(app) == 0


def test_a_confirmation_without_the_plan_it_confirms_applies_nothing(app, people, client_as):
    officer = client_as("officer")
    path = upload(officer, (HEADER + person_row(app, people["learner"], job="Clerk")).encode(), "j")
    sent = {**confirmation(officer.get(path).text), "plan": ""}
    response = officer.post(path, data=sent, headers={"Referer": f"http://localhost{path}"})
    assert response.status_code == 200 and CHANGED in visible_text(response.text)
    assert imports(app) == 0


# --- Columns not used --------------------------------------------------------------------


def test_a_leaving_date_column_under_another_name_is_named_in_the_preview(app, people, client_as):
    officer = client_as("officer")
    header = HEADER.replace("Professional Body\n", "Professional Body,Date Left\n")
    row = person_row(app, people["learner"])[:-1] + ",2020-06-30\n"
    page = visible_text(officer.get(upload(officer, (header + row).encode(), "l.csv")).text)
    assert "This column is not used: 'Date Left'. Leaving dates are read only from" in page


def test_columns_not_used_are_named_beside_the_problems(app, people, client_as):
    officer = client_as("officer")
    header = HEADER.replace("Professional Body\n", "Professional Body,Termination Date\n")
    row = person_row(app, people["learner"], start="31/02/2020")[:-1] + ",2020-06-30\n"
    page = visible_text(officer.get(upload(officer, (header + row).encode(), "l.csv")).text)
    assert "Nothing was changed" in page and "'Termination Date'" in page


def test_the_command_names_columns_not_used(app, people, tmp_path):
    path = tmp_path / "staff.csv"
    header = HEADER.replace("Professional Body\n", "Professional Body,Date Left\n")
    path.write_text(header + person_row(app, people["learner"])[:-1] + ",2020-06-30\n")
    result = run_import(app, path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Note: This column is not used: 'Date Left'." in result.output
