"""The HR import may not do what an officer could not do in the admin pages: close a
line-manager loop, deactivate or bring back accounts an administrator controls, split a
department by its spelling, store a date the rules cannot use, or change a person without
an audit record of what was there before."""

from __future__ import annotations

import io
from contextlib import contextmanager

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import AuditEvent, Department, HrImport, HrUpload, User
from tests.conftest import make_app
from tests.integration.test_hr_import import (
    HEADER,
    confirm,
    confirmation,
    count,
    number_of,
    person_row,
    run_import,
    staff_csv,
    upload,
)
from tests.support.accounts import csrf_token, sign_in, submit
from tests.support.concurrency import at_once
from tests.support.page_checks import visible_text

LEAVING_HEADER = HEADER.replace("Professional Body\n", "Professional Body,Leaving Date\n")


def events(app, event: str, subject_id: int | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        if subject_id is not None:
            query = query.where(AuditEvent.subject_id == subject_id)
        found = list(db.session.scalars(query))
        for e in found:
            db.session.expunge(e)
        return found


def user(app, user_id: int) -> User:
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def leaving(app, user_id: int, on: str = "2020-06-30", **changes: str) -> str:
    return person_row(app, user_id, **changes)[:-1] + f",{on}\n"


def refused(officer, data: bytes, name: str = "file.csv") -> tuple[str, str]:
    """Upload a file that must be refused: its preview's text, and its path."""
    path = upload(officer, data, name)
    page = visible_text(officer.get(path).text)
    assert "Nothing was changed" in page and "Apply these changes" not in page, page
    return page, path


def upload_full_file(officer, data: bytes) -> str:
    token = csrf_token(officer, "/reports/hr-import")
    response = officer.post(
        "/reports/hr-import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "all.csv"), "full_file": "y"},
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return response.headers["Location"]


# --- 1. Line-manager loops with people already registered --------------------------------


def test_a_partial_file_cannot_close_a_loop_with_people_already_registered(app, people, client_as):
    officer = client_as("officer")
    manager, learner = number_of(app, people["line_manager"]), number_of(app, people["learner"])
    # One line: the manager now "reports to" the learner, who reports to the manager.
    row = person_row(app, people["line_manager"], manager=learner)
    page, path = refused(officer, (HEADER + row).encode(), "loop.csv")
    morag, lewis = user(app, people["line_manager"]), user(app, people["learner"])
    assert (
        f"Line 2: the line managers would go round in a loop: {morag.full_name} ({manager}) "
        f"is managed by {lewis.full_name} ({learner}), who is managed by "
        f"{morag.full_name} ({manager})."
    ) in page
    assert confirm(officer, path).status_code == 200  # confirming anyway changes nothing
    assert user(app, people["line_manager"]).line_manager_id is None


def test_a_longer_loop_through_registered_people_names_every_line_in_the_file(
    app, people, client_as
):
    # Registered: Morag manages Lewis. The file: Lewis manages a new starter, who manages
    # Morag, which closes Morag -> starter -> Lewis -> Morag.
    officer = client_as("officer")
    learner = number_of(app, people["learner"])
    rows = (
        "N00001,Nina,New,nina@example.org,Housing,Officer,2020-01-01," + learner + ",no,none\n"
    ) + person_row(app, people["line_manager"], manager="N00001")
    page, _ = refused(officer, (HEADER + rows).encode(), "long.csv")
    assert "Line 2: the line managers would go round in a loop: Nina New (N00001)" in page
    assert "Line 3: the line managers would go round in a loop:" in page
    assert count(app, User) == 4


def test_a_loop_already_registered_does_not_block_an_unrelated_file(app, people, client_as):
    with app.app_context():  # as a database made before loops were checked
        db.session.get(User, people["line_manager"]).line_manager_id = people["learner"]
        db.session.commit()
    officer = client_as("officer")
    row = "N00001,Nina,New,nina@example.org,Housing,Officer,2020-01-01,,no,none\n"
    path = upload(officer, (HEADER + row).encode(), "new.csv")
    assert "Apply these changes" in officer.get(path).text
    assert confirm(officer, path).status_code == 302


# --- 2. Accounts an administrator controls -----------------------------------------------


def test_a_file_cannot_bring_back_someone_an_administrator_deactivated(app, people, client_as):
    admin = client_as("admin")
    deactivate = f"/admin/users/{people['learner']}/deactivate"
    assert (
        submit(admin, deactivate, {"reason": "Suspended pending investigation"}).status_code == 302
    )
    officer = client_as("officer")
    page, path = refused(officer, (HEADER + person_row(app, people["learner"])).encode())
    lewis = user(app, people["learner"])
    assert f"Line 2: {lewis.full_name}'s account was deactivated on " in page
    assert "by an administrator, not by an HR file, so an HR file cannot reactivate it" in page
    assert confirm(officer, path).status_code == 200
    assert user(app, people["learner"]).is_active is False
    assert events(app, "user_reactivated") == []


def test_someone_deactivated_without_any_record_stays_deactivated(app, people, client_as):
    with app.app_context():
        db.session.get(User, people["learner"]).is_active = False
        db.session.commit()
    officer = client_as("officer")
    page, _ = refused(officer, (HEADER + person_row(app, people["learner"])).encode())
    assert "was deactivated by an administrator, not by an HR file" in page


def test_a_leaver_the_import_deactivated_comes_back_with_a_reactivation_and_an_invitation(
    app, people, client_as
):
    with app.app_context():  # they never set a password
        db.session.get(User, people["learner"]).password_hash = None
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["assignments", "sync"]).exit_code == 0
    officer = client_as("officer")
    left = upload(officer, (LEAVING_HEADER + leaving(app, people["learner"])).encode(), "l.csv")
    assert confirm(officer, left).status_code == 302
    [gone] = events(app, "user_deactivated", people["learner"])
    assert gone.details["by"] == "HR import" and gone.actor_id == people["officer"]
    invitations = len(events(app, "invitation_sent", people["learner"]))

    # A later file lists them again, with no leaving date: they have come back.
    row = person_row(app, people["learner"], job="Returner")
    back = upload(officer, (HEADER + row).encode(), "back.csv")
    assert "Update: reactivated, job title" in visible_text(officer.get(back).text)
    assert confirm(officer, back).status_code == 302
    assert user(app, people["learner"]).is_active is True
    [reactivated] = events(app, "user_reactivated", people["learner"])
    assert reactivated.actor_id == people["officer"]
    assert reactivated.details["by"] == "HR import" and "reason" in reactivated.details
    [updated] = events(app, "user_updated", people["learner"])
    assert updated.details["changes"] == {"job_title": {"before": "", "after": "Returner"}}
    assert len(events(app, "invitation_sent", people["learner"])) == invitations + 1
    # Their modules count again, with a fresh due date, put down to the importing officer.
    fresh = events(app, "assignments_synced", people["learner"])
    assert fresh and all(e.actor_id == people["officer"] for e in fresh)


def test_a_leaving_date_cannot_deactivate_an_administrator_or_training_officer(
    app, people, client_as
):
    officer = client_as("officer")
    rows = leaving(app, people["admin"]) + leaving(app, people["line_manager"])
    with app.app_context():
        db.session.get(User, people["line_manager"]).is_training_officer = True
        db.session.commit()
    page, path = refused(officer, (LEAVING_HEADER + rows).encode())
    admin, manager = user(app, people["admin"]), user(app, people["line_manager"])
    assert (
        f"Line 2: this file gives a leaving date for {admin.full_name} "
        f"(employee number {admin.employee_number}), so it would deactivate their account. "
        "They are an administrator, and an HR file cannot deactivate them: "
        "an administrator must do it in the admin pages."
    ) in page
    assert f"Line 3: this file gives a leaving date for {manager.full_name}" in page
    assert "They are a training officer" in page
    assert confirm(officer, path).status_code == 200
    assert user(app, people["admin"]).is_active and user(app, people["line_manager"]).is_active


def test_a_leaving_date_cannot_deactivate_the_importing_officer(app, people, client_as):
    officer = client_as("officer")
    page, _ = refused(officer, (LEAVING_HEADER + leaving(app, people["officer"])).encode())
    assert "Line 2: this file gives a leaving date for you, so it would deactivate your own" in page
    assert user(app, people["officer"]).is_active is True


def test_a_full_file_without_the_administrators_and_officers_deactivates_nobody(
    app, people, client_as
):
    officer = client_as("officer")
    rows = person_row(app, people["learner"]) + person_row(app, people["line_manager"])
    path = upload_full_file(officer, (HEADER + rows).encode())
    page = visible_text(officer.get(path).text)
    assert "Nothing was changed: the file has 2 problems" in page
    admin = user(app, people["admin"])
    assert (
        f"this file leaves out {admin.full_name} (employee number {admin.employee_number})" in page
    )
    assert "this file leaves you out, so it would deactivate your own account" in page
    assert confirm(officer, path).status_code == 200
    assert user(app, people["admin"]).is_active and user(app, people["officer"]).is_active
    assert client_as("admin").get("/admin/users").status_code == 200


def test_a_full_file_still_deactivates_a_learner_it_leaves_out(app, people, client_as):
    officer = client_as("officer")
    rows = "".join(
        person_row(app, people[role], job="") for role in ("line_manager", "officer", "admin")
    )
    learner = client_as("learner")
    path = upload_full_file(officer, (HEADER + rows).encode())
    assert "deactivate 1 person" in visible_text(officer.get(path).text)
    assert confirm(officer, path).status_code == 302
    assert user(app, people["learner"]).is_active is False
    assert learner.get("/home").status_code == 302  # their session ended at once
    [gone] = events(app, "user_deactivated", people["learner"])
    assert gone.details["by"] == "HR import"


# --- 3. Department names -----------------------------------------------------------------


def test_department_names_match_whatever_their_case_spacing_or_invisible_characters(
    app, people, client_as
):
    officer = client_as("officer")
    rows = (
        person_row(app, people["learner"], department="HOUSING", job="")
        + person_row(app, people["line_manager"], department=" Housing\u200b", job="")
        + "N00001,Nina,New,nina@example.org,corporate\u00a0 services,Officer,2020-01-01,,no,none\n"
        + "N00002,Ned,New,ned@example.org,Social\u200b  Work,Officer,2020-01-01,,no,none\n"
        + "N00003,Nora,New,nora@example.org,SOCIAL WORK,Officer,2020-01-01,,no,none\n"
    )
    path = upload(officer, (HEADER + rows).encode(), "case.csv")
    page = visible_text(officer.get(path).text)
    assert "Applying this file will create 3 people, update 0 people" in page, page
    assert confirm(officer, path).status_code == 302
    with app.app_context():
        names = sorted(db.session.scalars(select(Department.name)))
        nina = db.session.scalar(select(User).where(User.employee_number == "N00001"))
        nora = db.session.scalar(select(User).where(User.employee_number == "N00003"))
        assert nina.department.name == "Corporate Services"
        assert nora.department.name == "Social Work"
    assert names == ["Corporate Services", "Housing", "Social Work"]
    [added] = events(app, "department_created")
    assert added.details["after"] == {"name": "Social Work"} and added.details["by"] == "HR import"


# --- 4. Dates the rules cannot use -------------------------------------------------------


def test_a_start_date_outside_the_years_the_admin_form_accepts_is_a_problem(app, people, client_as):
    officer = client_as("officer")
    officer.application.config["PROPAGATE_EXCEPTIONS"] = False
    row = "N00001,Ann,Far,ann@example.org,Housing,Officer,31/12/9999,,no,none\n"
    page, path = refused(officer, (HEADER + row).encode(), "far.csv")
    assert (
        "Line 2: the start date '31/12/9999' is not between 1900 and 2100. "
        "Check the year, or leave the date blank."
    ) in page
    users = count(app, User)
    assert confirm(officer, path).status_code == 200
    assert count(app, User) == users


def test_the_command_reports_a_date_out_of_range_even_in_a_dry_run(app, people, tmp_path):
    path = tmp_path / "far.csv"
    path.write_text(
        LEAVING_HEADER
        + "N00001,Ann,Far,ann@example.org,Housing,Officer,9999-12-31,,no,none,\n"
        + "N00002,Bob,Old,bob@example.org,Housing,Officer,2020-01-01,,no,none,1899-12-31\n"
    )
    for args in (["--dry-run"], []):
        result = run_import(app, path, *args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result
        assert "Line 2: the start date '9999-12-31' is not between 1900 and 2100" in result.output
        assert "Line 3: the leaving date '1899-12-31' is not between 1900 and 2100" in result.output
        assert "Nothing was imported: 2 problems." in result.output
        assert "Traceback" not in result.output
    assert count(app, HrImport) == 0


def test_the_no_date_placeholder_as_a_leaving_date_means_no_leaving_date(app, people, tmp_path):
    path = tmp_path / "placeholder.csv"
    path.write_text(
        LEAVING_HEADER + "N00001,Ann,Stays,ann@example.org,Housing,Officer,2020-01-01,,no,none,"
        "31/12/9999\n"
    )
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    assert "Done: create 1" in result.output


# --- 5. The audit log: before and after --------------------------------------------------


def test_an_hr_update_records_before_and_after_and_the_log_shows_them(app, people, client_as):
    officer = client_as("officer")
    with app.app_context():
        db.session.add(Department(name="Education"))
        db.session.commit()
    manager = number_of(app, people["line_manager"])
    lewis = user(app, people["learner"])
    row = person_row(app, people["learner"], department="Education", last="Newname", manager="")
    assert confirm(officer, upload(officer, (HEADER + row).encode(), "move.csv")).status_code == 302
    [updated] = events(app, "user_updated", people["learner"])
    assert updated.details == {
        "by": "HR import",
        "file": "move.csv",
        "changes": {
            "department": {"before": "Housing", "after": "Education"},
            "job_title": {"before": "", "after": "Officer"},
            "last_name": {"before": lewis.last_name, "after": "Newname"},
            "line_manager": {"before": manager, "after": None},
        },
    }
    page = visible_text(client_as("admin").get(f"/admin/users/{people['learner']}").text)
    assert "Department: Housing → Education" in page
    assert f"Last name: {lewis.last_name} → Newname" in page
    assert f"Line manager: {manager} → not set" in page
    assert "By: HR import" in page and "['" not in page


def test_an_older_import_event_is_shown_without_python_list_text(app, people, client_as):
    with app.app_context():
        audit.record(
            "user_updated",
            subject=db.session.get(User, people["learner"]),
            details={"by": "HR import", "fields": ["last name", "department"]},
        )
        db.session.commit()
    page = visible_text(client_as("admin").get(f"/admin/users/{people['learner']}").text)
    assert "Fields: last name, department" in page and "['" not in page


def test_people_created_by_an_import_have_a_user_created_event(app, people, client_as):
    officer = client_as("officer")
    manager = number_of(app, people["line_manager"])
    row = f"N00001,Ann,New,ann@example.org,Housing,Officer,2020-01-01,{manager},no,none\n"
    assert confirm(officer, upload(officer, (HEADER + row).encode(), "new.csv")).status_code == 302
    with app.app_context():
        ann = db.session.scalar(select(User).where(User.employee_number == "N00001")).id
    [created] = events(app, "user_created", ann)
    assert created.actor_id == people["officer"] and created.details["by"] == "HR import"
    assert created.details["after"] == {
        "employee_number": "N00001",
        "first_name": "Ann",
        "last_name": "New",
        "email": "ann@example.org",
        "department": "Housing",
        "job_title": "Officer",
        "start_date": "2020-01-01",
        "line_manager": manager,
        "is_regulated_role": False,
        "professional_body": "none",
    }
    assert len(events(app, "invitation_sent", ann)) == 1


def test_a_leaver_row_leaves_the_record_as_it_was(app, people, client_as):
    officer = client_as("officer")
    with app.app_context():
        db.session.get(User, people["learner"]).is_active = False
        db.session.commit()
    row = leaving(app, people["learner"], on="2021-06-30", manager="")  # HR blanks the manager
    path = upload(officer, (LEAVING_HEADER + row).encode(), "left.csv")
    assert "This file changes nothing." in visible_text(officer.get(path).text)
    confirm(officer, path)  # sent anyway, without a plan to confirm
    assert user(app, people["learner"]).line_manager_id == people["line_manager"]
    assert events(app, "user_updated", people["learner"]) == []


# --- 6. Two files confirmed at the same moment -------------------------------------------


def test_two_overlapping_files_confirmed_at_once_are_applied_one_after_the_other(
    database_url, app, people
):
    # SQLite makes the second writer wait its busy timeout, then answers 503; give it
    # long enough for the first file, however busy the test machine is.
    app = make_app(database_url, SQLITE_BUSY_TIMEOUT_MS=120_000, PROPAGATE_EXCEPTIONS=False)
    officer, admin = app.test_client(), app.test_client()  # administrators may import too
    assert sign_in(officer, "officer@example.org").status_code == 302
    assert sign_in(admin, "admin@example.org").status_code == 302
    data = staff_csv(3000)
    first = upload(officer, data, "a.csv")
    second = upload(admin, data.replace(b"Officer,", b"Clerk,"), "b.csv")
    sent = {
        officer: confirmation(officer.get(first).text),
        admin: confirmation(admin.get(second).text),
    }

    def go(client, path):
        response = client.post(
            path, data=sent[client], headers={"Referer": f"http://localhost{path}"}
        )
        return response.status_code, visible_text(response.text)

    results = at_once(lambda: go(officer, first), lambda: go(admin, second))
    # Both were checked as "create 3000". Whichever came second was planned from what the
    # first wrote (not in parallel with it), so it would now update them instead: it is not
    # applied, and shows its new plan.
    assert sorted(code for code, _ in results) == [200, 302], results
    [(_, page)] = [result for result in results if result[0] == 200]
    assert "would now make different changes" in page and "update 3000" in page, page
    assert count(app, User) == 4 + 3000 and count(app, HrImport) == 1
    later = [path for (code, _), path in zip(results, (first, second), strict=True) if code == 200]
    client = officer if later == [first] else admin
    assert confirm(client, later[0]).status_code == 302
    assert count(app, HrImport) == 2
    with app.app_context():
        imports = list(db.session.scalars(select(HrImport).order_by(HrImport.id)))
        db.engine.dispose()
    # Whichever came second saw the first's people and updated them.
    assert [(i.created_count, i.updated_count) for i in imports] == [(3000, 0), (0, 3000)]


# --- 7. Uploaded file names --------------------------------------------------------------


def test_a_file_name_with_a_null_character_is_refused_like_any_other_field(app, people, client_as):
    officer = client_as("officer")
    officer.application.config["PROPAGATE_EXCEPTIONS"] = False
    token = csrf_token(officer, "/reports/hr-import")
    row = "N00001,Ann,New,ann@example.org,Housing,Officer,2020-01-01,,no,none\n"
    response = officer.post(
        "/reports/hr-import",
        data={"csrf_token": token, "file": (io.BytesIO((HEADER + row).encode()), "a\x00b.csv")},
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "a character that cannot be stored (a null character)" in response.text
    assert count(app, HrUpload) == 0


def test_a_file_name_keeps_only_its_last_part_without_control_characters(app, people, client_as):
    officer = client_as("officer")
    row = "N00001,Ann,New,ann@example.org,Housing,Officer,2020-01-01,,no,none\n"
    upload(officer, (HEADER + row).encode(), "reports/staff\x1b.csv")
    upload(officer, (HEADER + row).encode(), "\u200b")
    with app.app_context():
        names = list(db.session.scalars(select(HrUpload.file_name).order_by(HrUpload.id)))
    assert names == ["staff.csv", "hr.csv"]


# --- Smaller points ----------------------------------------------------------------------


def test_an_address_the_admin_form_refuses_is_a_problem(app, people, client_as):
    officer = client_as("officer")
    rows = (
        "N00001,Ann,Dots,ann..dots@westlothian.gov.uk,Housing,Officer,2020-01-01,,no,none\n"
        "N00002,Joe,Local,j.smith@council.local,Housing,Officer,2020-01-01,,no,none\n"
    )
    page, _ = refused(officer, (HEADER + rows).encode())
    assert (
        "Line 2: the e-mail address 'ann..dots@westlothian.gov.uk' does not look like one" in page
    )
    assert "Line 3: the e-mail address 'j.smith@council.local' does not look like one" in page


def test_a_deactivated_line_manager_is_refused(app, people, client_as):
    manager = number_of(app, people["line_manager"])
    with app.app_context():
        db.session.get(User, people["line_manager"]).is_active = False
        db.session.commit()
    morag = user(app, people["line_manager"])
    officer = client_as("officer")
    rows = (
        f"N00001,Ann,New,ann@example.org,Housing,Officer,2020-01-01,{manager},no,none,\n"
        # A manager the same file says has already left is not created at all.
        "N00002,Bob,New,bob@example.org,Housing,Officer,2020-01-01,N00003,no,none,\n"
        "N00003,Cat,Gone,cat@example.org,Housing,Officer,2020-01-01,,no,none,2021-01-01\n"
    )
    page, _ = refused(officer, (LEAVING_HEADER + rows).encode())
    assert (
        f"Line 2: the line manager {morag.full_name} ({manager}) has left or their account is "
        "deactivated. Give an active line manager, or leave it blank."
    ) in page
    assert "Line 3: the line manager Cat Gone (N00003) has left" in page
    # Someone who already had them as their manager keeps them (as in the admin form).
    path = upload(officer, (HEADER + person_row(app, people["learner"], job="Clerk")).encode(), "k")
    assert "Apply these changes" in officer.get(path).text


def test_the_command_prints_no_control_characters_from_the_file(app, people, tmp_path):
    path = tmp_path / "esc.csv"
    path.write_text(
        HEADER + "N00001,Ann\x1b]0;pwned\x07,New,ann@example.org,Housing,Officer,2020-01-01,,"
        "no,none\n"
    )
    result = run_import(app, path, "--dry-run")
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "Line 2: the first name 'Ann?]0;pwned?' contains a control character." in result.output


def test_a_new_starter_given_a_leavers_address_is_told_what_to_do(app, people, client_as):
    admin = client_as("admin")
    assert (
        submit(admin, f"/admin/users/{people['learner']}/deactivate", {"reason": "Left"})
    ).status_code == 302
    row = "N0042,Lewis,Newman,learner@example.org,Housing,Officer,2026-11-02,,no,none\n"
    page, _ = refused(client_as("officer"), (HEADER + row).encode())
    leaver = user(app, people["learner"])
    assert (
        "Line 2: the e-mail address 'learner@example.org' still belongs to someone who has "
        f"left (employee number '{leaver.employee_number}', account deactivated). Ask an "
        "administrator to change the leaver's address on the admin pages, then upload this "
        "file again."
    ) in page


# --- Someone saves the same person while a file is being applied -------------------------


@contextmanager
def someone_saves_the_same_person_meanwhile(app, employee_number: str):
    """As the import writes its new people, a person with the same employee number is saved
    in the same moment (an administrator's form): the database refuses one of the two."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    fired = []

    def meanwhile(session, _context, _instances):
        if fired:
            return
        if any(isinstance(o, User) and o.employee_number == employee_number for o in session.new):
            fired.append(True)
            session.add(
                User(
                    employee_number=employee_number,
                    first_name="Saved",
                    last_name="Meanwhile",
                    email="saved.meanwhile@example.org",
                    is_active=True,
                )
            )

    event.listen(Session, "before_flush", meanwhile)
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", meanwhile)


NEW_STARTER = "R0001,Rona,Race,rona.race@example.org,Housing,Officer,2026-11-02,,no,none\n"


def test_a_clash_while_applying_changes_nothing_and_says_so(app, people, client_as):
    officer = client_as("officer")
    path = upload(officer, (HEADER + NEW_STARTER).encode(), "new.csv")
    people_before = count(app, User)
    with someone_saves_the_same_person_meanwhile(app, "R0001") as fired:
        response = confirm(officer, path)
    assert fired
    assert response.status_code == 200
    page = visible_text(response.text)
    assert "Someone saved changes to the same people while this file was being applied" in page
    assert count(app, User) == people_before and count(app, HrImport) == 0
    with app.app_context():
        assert db.session.scalar(select(HrUpload.applied_at)) is None  # it can be applied again
    assert confirm(officer, path).status_code == 302
    assert count(app, User) == people_before + 1


def test_a_clash_while_the_command_applies_changes_nothing_and_says_so(app, people, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(HEADER + NEW_STARTER)
    people_before = count(app, User)
    with someone_saves_the_same_person_meanwhile(app, "R0001"):
        result = run_import(app, path)
    assert result.exit_code == 1
    assert "someone saved changes to the same people" in result.output
    assert count(app, User) == people_before and count(app, HrImport) == 0


def test_a_clash_while_applying_sends_none_of_the_files_e_mails(mail_app, smtp_server, people):
    # The clash comes late, at the assignment rules, after the new starter's invitation
    # was queued: the invitation must go with the account it was for.
    from sqlalchemy import event, insert
    from sqlalchemy.orm import Session

    from app.models import Assignment

    officer = mail_app.test_client()
    assert sign_in(officer, "officer@example.org").status_code == 302
    path = upload(officer, (HEADER + NEW_STARTER).encode(), "new.csv")
    fired = []

    def meanwhile(state):
        if fired or not state.is_insert or state.statement.table.name != "assignment":
            return
        params = state.parameters
        fired.append(True)  # the same (person, module) saved in the same moment
        state.session.connection().execute(
            insert(Assignment.__table__).values(
                **(params[0] if isinstance(params, list) else params)
            )
        )

    event.listen(Session, "do_orm_execute", meanwhile)
    try:
        response = confirm(officer, path)
    finally:
        event.remove(Session, "do_orm_execute", meanwhile)
    assert fired and response.status_code == 200
    assert "Someone saved changes" in visible_text(response.text)
    assert count(mail_app, HrImport) == 0
    assert smtp_server.wait_for(1, timeout=1) == []  # no invitation to an account not made
    assert confirm(officer, path).status_code == 302  # applied once the clash is past
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["rona.race@example.org"]
