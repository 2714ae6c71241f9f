"""The HR import after its review: what the officer confirms is what is applied, every
problem is listed at once, and the preview says what the file does in plain words."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import HrImport, HrUpload, User
from tests.integration.test_hr_import import (
    HEADER,
    confirm,
    confirmation,
    number_of,
    person_row,
    run_import,
    upload,
)
from tests.integration.test_hr_import_safety import refused, upload_full_file
from tests.support.accounts import create_user
from tests.support.page_checks import visible_text

CHANGED = "The file would now make different changes from the ones you checked: check them again"


def everyone_rows(app, people) -> str:
    """A full file: everyone as they are, but the learner with a new job title."""
    return "".join(
        person_row(app, people[role], job="Clerk" if role == "learner" else "")
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


# --- Every problem at once ---------------------------------------------------------------


def test_a_deactivated_line_manager_is_listed_beside_another_lines_bad_date(app, people, client_as):
    manager = number_of(app, people["line_manager"])
    with app.app_context():
        db.session.get(User, people["line_manager"]).is_active = False
        db.session.commit()
    officer = client_as("officer")
    rows = (
        "N00001,Ann,New,ann@example.org,Housing,Officer,31/02/2020,,no,none\n"  # bad date
        f"N00002,Bob,New,bob@example.org,Housing,Officer,2020-01-01,{manager},no,none\n"
    )
    page, _ = refused(officer, (HEADER + rows).encode())
    assert page.index("Line 2: the start date '31/02/2020' is not a real date") < page.index(
        "Line 3: the line manager Morag"
    )
    assert "the file has 2 problems" in page


def test_refusals_of_own_record_and_role_holders_are_listed_beside_parser_problems(
    app, people, client_as
):
    officer = client_as("officer")
    rows = (
        person_row(app, people["officer"], job="Chief")  # line 2: the officer's own record
        + "N00001,Ann,New,ann@example.org,Housing,Officer,2020-01-01,,maybe,none,\n"  # line 3
        + person_row(app, people["admin"])[:-1]  # line 4: an administrator leaves
        + ",2020-06-30\n"
    )
    header = HEADER.replace("Professional Body\n", "Professional Body,Leaving Date\n")
    rows = rows.replace(",no,none\n", ",no,none,\n")
    page, _ = refused(officer, (header + rows).encode())
    assert "Line 2: this line changes your own record (job title)" in page
    assert "Line 3: the regulated role 'maybe' is not understood" in page
    assert "Line 4: this file gives a leaving date for Angus" in page
    assert page.index("Line 2:") < page.index("Line 3:") < page.index("Line 4:")


def test_a_full_file_with_a_bad_line_still_says_whom_it_would_wrongly_leave_out(
    app, people, client_as
):
    officer = client_as("officer")
    rows = person_row(app, people["learner"], start="2020-13-01") + person_row(
        app, people["line_manager"]
    )
    page = visible_text(officer.get(upload_full_file(officer, (HEADER + rows).encode())).text)
    assert "Nothing was changed" in page
    assert "Line 2: the start date '2020-13-01' is not a real date" in page
    assert "this file leaves you out" in page and "this file leaves out Angus" in page
    # The learner is on a line of their own, with a problem: not "left out".
    assert "leaves out Lewis" not in page


def test_a_full_file_with_a_line_that_cannot_be_split_says_nobody_is_left_out(
    app, people, client_as
):
    officer = client_as("officer")
    rows = person_row(app, people["learner"]).replace(",Housing,", ",Housing,extra,") + (
        person_row(app, people["line_manager"])
    )
    page = visible_text(officer.get(upload_full_file(officer, (HEADER + rows).encode())).text)
    assert "Line 2: this line has 11 values" in page
    assert "leaves out" not in page  # line 2 may hold anyone


def test_a_manager_on_a_line_with_a_problem_is_not_said_to_have_left(app, people, client_as):
    officer = client_as("officer")
    rows = (
        "N00001,Mo,New,mo@example.org,Housing,Manager,2020-01-01,,maybe,none\n"  # line 2
        "N00002,Bob,New,bob@example.org,Housing,Officer,2020-01-01,N00001,no,none\n"
    )
    page, _ = refused(officer, (HEADER + rows).encode())
    assert "Line 2: the regulated role 'maybe' is not understood" in page
    assert "Line 3:" not in page  # N00001 will be active once line 2 is corrected


# --- A file applied before ---------------------------------------------------------------


def test_a_file_applied_before_is_recognised_in_the_preview(app, people, client_as):
    officer = client_as("officer")
    old = (HEADER + person_row(app, people["learner"], job="Clerk")).encode()
    assert confirm(officer, upload(officer, old, "monday.csv")).status_code == 302
    new = (HEADER + person_row(app, people["learner"], job="Senior clerk")).encode()
    assert confirm(officer, upload(officer, new, "tuesday.csv")).status_code == 302
    page = visible_text(officer.get(upload(officer, old, "monday (1).csv")).text)
    assert "Update: job title" in page  # it would undo Tuesday's change
    with app.app_context():
        officer_name = db.session.get(User, people["officer"]).full_name
    assert (
        f"This file was already applied on {{}} by {officer_name} (as monday.csv). Check that"
        in re.sub(r"\d+ \w+ \d{4} \d\d:\d\d \w+", "{}", page)
    ), page
    # A file never applied has no such warning.
    other = (HEADER + person_row(app, people["learner"], job="Team leader")).encode()
    assert "already applied" not in visible_text(officer.get(upload(officer, other, "w")).text)


def test_the_command_recognises_a_file_it_applied_before(app, people, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + person_row(app, people["learner"], job="Clerk"))
    assert run_import(app, path).exit_code == 0
    result = run_import(app, path, "--dry-run")
    assert "Note: This file was already applied on " in result.output
    assert "from the command line (as staff.csv)" in result.output


# --- The preview's counts ----------------------------------------------------------------


def test_preview_counts_read_as_english(app, people, client_as):
    officer = client_as("officer")
    admin = person_row(app, people["admin"])
    assert confirm(officer, upload(officer, (HEADER + admin).encode(), "a.csv")).status_code == 302
    rows = (
        person_row(app, people["learner"], job="Clerk")
        + "N00001,Ann,New,ann@example.org,Housing,Officer,2020-01-01,,no,none\n"
        + "N00002,Bob,New,bob@example.org,Housing,Officer,2020-01-01,,no,none\n"
        + person_row(app, people["admin"])
    )
    page = visible_text(officer.get(upload(officer, (HEADER + rows).encode(), "c.csv")).text)
    assert (
        "Applying this file will create 2 people, update 1 person and deactivate 0 people. "
        "1 person is unchanged. New people get an invitation by e-mail." in page
    ), page


def test_a_file_that_changes_nothing_says_so_and_offers_nothing_to_apply(app, people, client_as):
    officer = client_as("officer")
    rows = person_row(app, people["learner"])
    assert confirm(officer, upload(officer, (HEADER + rows).encode(), "u.csv")).status_code == 302
    page = visible_text(officer.get(upload(officer, (HEADER + rows).encode(), "u.csv")).text)
    assert "This file changes nothing. 1 person is unchanged." in page, page
    assert "Apply these changes" not in page and "update 0" not in page


def test_a_file_of_leavers_not_yet_registered_changes_nothing(app, people, client_as):
    officer = client_as("officer")
    header = HEADER.replace("Professional Body\n", "Professional Body,Leaving Date\n")
    rows = (
        "N00001,Ann,Gone,ann@example.org,Housing,Officer,2020-01-01,,no,none,2021-01-01\n"
        "N00002,Bob,Gone,bob@example.org,Housing,Officer,2020-01-01,,no,none,2021-01-01\n"
    )
    page = visible_text(officer.get(upload(officer, (header + rows).encode(), "g.csv")).text)
    assert (
        "This file changes nothing. 2 new people are not created because their leaving dates "
        "have passed." in page
    ), page
    assert "Apply these changes" not in page


# --- Invisible characters ----------------------------------------------------------------


def test_a_zero_width_space_pasted_into_a_number_and_address_is_the_same_person(
    app, people, client_as
):
    officer = client_as("officer")
    number = number_of(app, people["learner"])
    row = person_row(app, people["learner"], job="Clerk").replace(number, f"{number}\u200b", 1)
    row = row.replace("learner@example.org", "\u200blearner@example.org")
    path = upload(officer, (HEADER + row).encode(), "z.csv")
    page = visible_text(officer.get(path).text)
    assert "someone else" not in page and "Create" not in page, page
    assert "Update: job title" in page
    assert confirm(officer, path).status_code == 302 and imports(app) == 1
    with app.app_context():
        learner = db.session.get(User, people["learner"])
        assert learner.job_title == "Clerk" and learner.email == "learner@example.org"
        assert db.session.scalar(select(func.count()).select_from(User)) == 4
