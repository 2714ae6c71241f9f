"""The HR import through `flask users import` and the officers' web page."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Assignment, AuditEvent, HrImport, HrUpload, User
from tests.support.accounts import CSRF_RE, csrf_token
from tests.support.page_checks import visible_text

HEADER = (
    "Employee Number,First Name,Last Name,E-mail,Department,Job Title,Start Date,"
    "Line Manager,Regulated Role,Professional Body\n"
)


def staff_csv(count: int, *, manager_of_last: str = "E00001") -> bytes:
    lines = [HEADER]
    for n in range(1, count + 1):
        manager = "" if n == 1 else ("E00001" if n < count else manager_of_last)
        regulated = "yes" if n % 7 == 0 else "no"
        body = "SSSC" if n % 7 == 0 else "none"
        lines.append(
            f"E{n:05d},Person,Number {n},person{n}@example.org,Department {n % 12},Officer,"
            f"2020-01-{1 + n % 28:02d},{manager},{regulated},{body}\n"
        )
    return "".join(lines).encode()


def run_import(app, path, *args):
    return app.test_cli_runner().invoke(args=["users", "import", str(path), *args])


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_eight_thousand_staff_import_once_and_the_second_time_changes_nothing(
    app, people, tmp_path
):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_csv(8000))
    before = count(app, User)
    dry = run_import(app, path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would create 8000, update 0, deactivate 0" in dry.output
    assert count(app, User) == before
    first = run_import(app, path)
    assert first.exit_code == 0, first.output
    assert "Done: create 8000, update 0, deactivate 0" in first.output
    assert count(app, User) == before + 8000
    assert count(app, Assignment) >= 8000  # the rules ran after the import
    with app.app_context():
        record = db.session.scalar(select(HrImport))
        assert record.created_count == 8000 and len(record.file_sha256) == 64
        assert record.outcomes[0]["action"] == "create"
    assignments = count(app, Assignment)
    second = run_import(app, path)
    assert second.exit_code == 0, second.output
    assert "create 0, update 0, deactivate 0; 8000 unchanged" in second.output
    assert count(app, User) == before + 8000 and count(app, Assignment) == assignments


def test_a_file_with_five_bad_lines_lists_all_five_and_applies_nothing(app, people, tmp_path):
    text = staff_csv(20).decode().splitlines(keepends=True)
    text[3] = text[3].replace("2020-01-", "2020-13-")  # line 4: bad date
    text[6] = text[6].replace(",no,", ",maybe,")  # line 7: bad regulated role
    text[9] = text[9].replace("person9@example.org", "not-an-email")  # line 10
    text[12] = text[12].replace("E00012", "E00011")  # line 13: duplicate employee number
    text[15] = text[15].replace(",E00001,", ",E99999,")  # line 16: unknown manager
    path = tmp_path / "bad.csv"
    path.write_text("".join(text))
    before = count(app, User)
    result = run_import(app, path)
    assert result.exit_code == 1
    for line in (4, 7, 10, 13, 16):
        assert f"Line {line}:" in result.output, line
    assert "Nothing was imported: 5 problems." in result.output
    assert count(app, User) == before


def test_the_web_import_previews_then_applies_once(app, people, client_as):
    officer = client_as("officer")
    token = csrf_token(officer, "/reports/hr-import")
    data = staff_csv(8000)
    response = officer.post(
        "/reports/hr-import",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(data), "staff.csv")},
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview_path = response.headers["Location"]
    before = count(app, User)
    page = officer.get(preview_path).get_data(as_text=True)
    assert "Applying this file will create 8000" in page
    assert count(app, User) == before  # nothing until confirmed
    for _ in range(2):  # a double click applies it once
        officer.post(
            preview_path,
            data=confirmation(page),
            headers={"Referer": f"http://localhost{preview_path}"},
        )
    assert count(app, User) == before + 8000
    assert count(app, HrImport) == 1
    listing = officer.get("/reports/hr-import").get_data(as_text=True)
    assert "staff.csv" in listing
    # Another officer cannot see or apply this upload.
    assert client_as("admin").get(preview_path).status_code == 404


def test_the_web_import_shows_problems_with_line_numbers(app, people, client_as):
    officer = client_as("officer")
    token = csrf_token(officer, "/reports/hr-import")
    data = staff_csv(5).replace(b"2020-01-0", b"2020-02-3")
    response = officer.post(
        "/reports/hr-import",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(data), "bad.csv")},
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Nothing was changed" in page and "Line " in page
    assert "Apply these changes" not in page
    missing = officer.post(
        "/reports/hr-import",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Choose the HR file to upload" in missing


def upload(officer, data: bytes, name: str) -> str:
    token = csrf_token(officer, "/reports/hr-import")
    response = officer.post(
        "/reports/hr-import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return response.headers["Location"]


PLAN_RE = re.compile(r'name="plan" value="([0-9a-f]{64})"')


def confirmation(page: str) -> dict[str, str]:
    """What the preview's "Apply these changes" form sends: its token and the plan shown."""
    token = CSRF_RE.search(page).group(1)
    plan = PLAN_RE.search(page)
    return {"csrf_token": token, "plan": plan.group(1) if plan else ""}


def confirm(officer, preview_path: str):
    return officer.post(
        preview_path,
        data=confirmation(officer.get(preview_path).get_data(as_text=True)),
        headers={"Referer": f"http://localhost{preview_path}"},
    )


def test_a_file_that_no_longer_applies_when_confirmed_says_why_and_changes_nothing(
    app, people, client_as
):
    officer = client_as("officer")
    row = "Ann,Other,ann@example.org,Housing,Officer,2020-01-01,,no,none\n"
    first = upload(officer, (HEADER + "N00001," + row).encode(), "first.csv")
    second = upload(officer, (HEADER + "N00002," + row).encode(), "second.csv")
    assert "Apply these changes" in officer.get(second).text  # both preview cleanly
    assert confirm(officer, first).status_code == 302
    users, imports = count(app, User), count(app, HrImport)

    refused = confirm(officer, second)  # the address now belongs to N00001
    assert refused.status_code == 200
    assert "Nothing was changed" in refused.text and "ann@example.org" in refused.text
    assert (count(app, User), count(app, HrImport)) == (users, imports)
    with app.app_context():
        stored = db.session.scalar(select(HrUpload).where(HrUpload.file_name == "second.csv"))
        assert stored.applied_at is None and stored.hr_import_id is None


@pytest.mark.parametrize("extra", [-200, 100])
def test_a_file_near_five_mb_is_read_or_told_it_is_too_large(app, people, client_as, extra):
    officer = client_as("officer")
    line = "E00001,Person,One,person1@example.org,Housing,Officer,2020-01-01,,no,none\n"
    size = 5 * 1024 * 1024 + extra
    data = (HEADER + line).encode()
    data += b"#" * (size - len(data))
    preview = officer.get(upload(officer, data, "big.csv")).text  # never a 413
    if extra > 0:
        assert "The file is larger than 5 MB" in preview
    else:
        assert "larger than" not in preview


def test_a_new_person_who_has_already_left_is_named_not_created(app, people, client_as):
    officer = client_as("officer")
    header = HEADER.replace("Professional Body\n", "Professional Body,Leaving Date\n")
    data = (
        header
        + "N00001,Ann,Stays,ann@example.org,Housing,Officer,2020-01-01,,no,none,\n"
        + "N00002,Bob,Gone,bob@example.org,Housing,Officer,2020-01-01,,no,none,2021-06-30\n"
    ).encode()
    path = upload(officer, data, "leavers.csv")
    page = visible_text(officer.get(path).text)
    assert "Applying this file will create 1 person," in page
    assert "1 new person is not created because their leaving date has passed" in page
    assert "Not created: their leaving date has passed" in page and "Bob Gone" in page
    confirm(officer, path)
    with app.app_context():
        numbers = set(db.session.scalars(select(User.employee_number)))
    assert "N00001" in numbers and "N00002" not in numbers


def test_a_changed_line_manager_moves_the_person_into_the_new_team(app, people, tmp_path):
    from tests.support.accounts import sign_in

    path = tmp_path / "staff.csv"
    path.write_bytes(staff_csv(5))
    assert run_import(app, path).exit_code == 0
    with app.app_context():
        for number in ("E00001", "E00002"):
            user = db.session.scalar(select(User).where(User.employee_number == number))
            user.password_hash = db.session.scalar(
                select(User.password_hash).where(User.email == "learner@example.org")
            )
        db.session.commit()
    # E00005 now reports to E00002 instead of E00001.
    path.write_bytes(staff_csv(5, manager_of_last="E00002"))
    result = run_import(app, path)
    assert "update 1" in result.output, result.output
    new_manager = app.test_client()
    sign_in(new_manager, "person2@example.org")
    assert "Number 5" in new_manager.get("/team").get_data(as_text=True)


def test_values_longer_than_the_records_hold_are_problems_not_errors(app, people, tmp_path):
    text = staff_csv(3).decode().replace("Department 2", "D" * 121)
    path = tmp_path / "long.csv"
    path.write_text(text)
    before = count(app, User)
    result = run_import(app, path)
    assert result.exit_code == 1
    assert "Line 3: the department is longer than 120 characters." in result.output
    assert count(app, User) == before


def number_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).employee_number


def person_row(app, user_id: int, **changes: str) -> str:
    """The HR line for a person as they are, with some values changed."""
    with app.app_context():
        person = db.session.get(User, user_id)
        manager = person.line_manager.employee_number if person.line_manager else ""
        values = {
            "number": person.employee_number,
            "first": person.first_name,
            "last": person.last_name,
            "email": person.email,
            "department": person.department.name,
            "job": person.job_title or "Officer",
            "start": person.start_date.isoformat() if person.start_date else "",
            "manager": manager,
        }
    values.update(changes)
    return ",".join(values.values()) + ",no,none\n"


def test_a_row_whose_line_manager_is_not_in_the_file_applies(app, people, client_as):
    officer = client_as("officer")
    # A partial file: the learner's manager is already in the database, not in the file.
    row = person_row(app, people["learner"], job="Senior housing officer")
    assert f",{number_of(app, people['line_manager'])}," in row
    path = upload(officer, (HEADER + row).encode(), "one.csv")
    assert "Apply these changes" in officer.get(path).text
    assert confirm(officer, path).status_code == 302
    with app.app_context():
        learner = db.session.get(User, people["learner"])
        assert learner.job_title == "Senior housing officer"
        assert learner.line_manager_id == people["line_manager"]
        [event] = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.event == "user_updated", AuditEvent.subject_id == learner.id
            )
        )
        assert event.actor_id == people["officer"]
        assert event.details == {
            "by": "HR import",
            "file": "one.csv",
            "changes": {"job_title": {"before": "", "after": "Senior housing officer"}},
        }


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_a_file_cannot_change_an_administrators_or_officers_address(app, people, client_as, role):
    officer = client_as("officer")
    row = person_row(app, people[role], email="taken.over@example.org")
    path = upload(officer, (HEADER + row).encode(), "takeover.csv")
    page = visible_text(officer.get(path).text)
    assert "Nothing was changed" in page and "Apply these changes" not in page
    assert "cannot change their e-mail address" in page
    assert confirm(officer, path).status_code == 200  # confirming anyway changes nothing
    with app.app_context():
        assert db.session.get(User, people[role]).email == f"{role}@example.org"
        assert db.session.scalar(select(User).where(User.email == "taken.over@example.org")) is None


def test_a_new_address_from_hr_ends_old_links_and_tells_the_old_address(mail_app, smtp_server):
    from tests.support.accounts import create_department, create_user, sign_in, submit
    from tests.support.smtp import link_in

    housing = create_department(mail_app, "Housing")
    create_user(mail_app, "officer@example.org", department_id=housing, is_training_officer=True)
    learner = create_user(mail_app, "lewis@example.org", first_name="Lewis", department_id=housing)
    submit(mail_app.test_client(), "/forgotten-password", {"email": "lewis@example.org"})
    [reset] = smtp_server.wait_for()
    reset_path = link_in(reset).removeprefix("https://training.example.org")
    lewis = mail_app.test_client()
    assert sign_in(lewis, "lewis@example.org").status_code == 302

    officer = mail_app.test_client()
    assert sign_in(officer, "officer@example.org").status_code == 302
    row = person_row(mail_app, learner, email="lewis.new@example.org")
    assert confirm(officer, upload(officer, (HEADER + row).encode(), "new.csv")).status_code == 302

    [notice] = smtp_server.wait_for(2)[1:]
    assert notice["To"] == "lewis@example.org" and "has been changed" in notice["Subject"]
    assert mail_app.test_client().get(reset_path).status_code == 404  # the old link is dead
    assert lewis.get("/home").status_code == 302  # and so is the old session


def test_employee_numbers_match_whatever_their_case(app, people, client_as):
    officer = client_as("officer")
    number = number_of(app, people["learner"])
    manager = number_of(app, people["line_manager"])
    row = person_row(
        app, people["learner"], number=number.lower(), manager=manager.lower(), job="Senior"
    )
    path = upload(officer, (HEADER + row).encode(), "lc.csv")
    page = visible_text(officer.get(path).text)
    assert "Applying this file will create 0 people, update 1 person" in page, page
    users = count(app, User)
    assert confirm(officer, path).status_code == 302
    assert count(app, User) == users  # the same person, not a second one
    with app.app_context():
        learner = db.session.get(User, people["learner"])
        assert learner.employee_number == number  # kept as registered
        assert learner.line_manager_id == people["line_manager"]
    # The same number twice in one file, in two cases, is one person twice.
    twice = HEADER + row + person_row(app, people["learner"], number=number.upper())
    page = visible_text(officer.get(upload(officer, twice.encode(), "twice.csv")).text)
    assert "is also on line 2" in page


def test_assigning_by_hand_finds_a_number_typed_in_another_case(app, people, client_as):
    from datetime import date, timedelta

    from tests.support.accounts import submit

    number = number_of(app, people["learner"])
    due = date.today() + timedelta(days=30)
    response = submit(
        client_as("officer"),
        "/reports/assign",
        {
            "module": "sample-module",
            "department": "",
            "employee_numbers": number.lower(),
            "due_on": [due.day, due.month, due.year],
        },
    )
    assert response.status_code == 302, visible_text(response.text)
    with app.app_context():
        assert (
            db.session.scalar(select(Assignment).where(Assignment.user_id == people["learner"]))
            is not None
        )


def deactivate(app, user_id: int) -> None:
    with app.app_context():
        db.session.get(User, user_id).is_active = False
        db.session.commit()


def test_someone_who_has_left_stays_deactivated_whatever_else_changed(app, people, client_as):
    deactivate(app, people["learner"])
    header = HEADER.replace("Professional Body\n", "Professional Body,Leaving Date\n")
    row = person_row(app, people["learner"], job="Moved on", email="gone@example.org")
    path = upload(client_as("officer"), (header + row[:-1] + ",2021-06-30\n").encode(), "l.csv")
    officer = client_as("officer")
    page = visible_text(officer.get(path).text)
    assert "This file changes nothing. 1 person is unchanged." in page, page
    confirm(officer, path)
    with app.app_context():
        learner = db.session.get(User, people["learner"])
        assert learner.is_active is False and learner.email == "learner@example.org"


def test_a_file_cannot_change_the_importing_officers_own_record(app, people, client_as):
    officer = client_as("officer")
    row = person_row(app, people["officer"], job="Head of everything")
    page = visible_text(officer.get(upload(officer, (HEADER + row).encode(), "me.csv")).text)
    assert "this line changes your own record (job title)" in page
    assert "Apply these changes" not in page


def test_a_file_cannot_bring_back_a_deactivated_administrator(app, people, client_as):
    deactivate(app, people["admin"])
    officer = client_as("officer")
    row = person_row(app, people["admin"])
    path = upload(officer, (HEADER + row).encode(), "back.csv")
    page = visible_text(officer.get(path).text)
    assert "an HR file cannot reactivate it" in page
    assert confirm(officer, path).status_code == 200
    with app.app_context():
        assert db.session.get(User, people["admin"]).is_active is False


def test_numbers_registered_twice_in_different_cases_are_a_problem_not_a_guess(
    app, people, client_as
):
    number = number_of(app, people["learner"])
    with app.app_context():  # as records made before numbers matched whatever their case
        db.session.get(User, people["line_manager"]).employee_number = number.lower()
        db.session.commit()
    officer = client_as("officer")
    row = person_row(app, people["learner"], job="Senior")
    page = visible_text(officer.get(upload(officer, (HEADER + row).encode(), "a.csv")).text)
    assert f"the employee numbers {number} and {number.lower()} both belong to someone" in page
    assert "Apply these changes" not in page
