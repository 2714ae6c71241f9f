"""HR files hold personal details of every member of staff, so they are kept no longer than
needed: an applied file's content goes at once (its import record keeps the hash and each
row's outcome); a file never applied goes after HR_UPLOAD_KEEP_HOURS."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.extensions import db
from app.models import HrImport, HrUpload, User
from app.models.base import utcnow
from tests.integration.test_hr_import import confirm, staff_csv, upload
from tests.support.accounts import sign_in
from tests.support.page_checks import visible_text


def stored(app) -> dict[int, bytes]:
    with app.app_context():
        return {u.id: u.data for u in db.session.scalars(select(HrUpload).order_by(HrUpload.id))}


def upload_id(path: str) -> int:
    return int(path.rstrip("/").rsplit("/", 1)[1])


def test_an_applied_file_is_not_kept_but_its_record_is(app, people, client_as):
    officer = client_as("officer")
    data = staff_csv(3)
    path = upload(officer, data, "staff.csv")
    assert stored(app)[upload_id(path)] == data
    applied = confirm(officer, path)
    assert applied.status_code == 302, visible_text(applied.text)
    assert stored(app)[upload_id(path)] == b""
    with app.app_context():
        record = db.session.scalar(select(HrImport))
        assert record.file_sha256 == hashlib.sha256(data).hexdigest()
        assert record.created_count == 3 and len(record.outcomes) == 3
    page = officer.get(path)
    assert page.status_code == 200
    assert "This file has already been applied." in visible_text(page.text)
    again = confirm(officer, path)  # a second click changes nothing
    assert "This file has already been applied." in visible_text(again.text)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(HrImport)) == 1


def officer_now(app):
    """The officer, signed in at the (frozen) time: a session from hours ago has ended."""
    client = app.test_client()
    assert sign_in(client, "officer@example.org").status_code == 302
    return client


def test_a_file_never_applied_goes_after_the_keep_hours(app, people):
    app.config["HR_UPLOAD_KEEP_HOURS"] = 72
    with freeze_time(utcnow()) as clock:
        old = upload(officer_now(app), staff_csv(2), "old.csv")
        clock.tick(timedelta(hours=71))
        recent = upload(officer_now(app), staff_csv(2), "recent.csv")
        assert set(stored(app)) == {upload_id(old), upload_id(recent)}  # 71 hours: kept
        clock.tick(timedelta(hours=2))
        officer = officer_now(app)
        newest = upload(officer, staff_csv(2), "newest.csv")  # each upload clears out
        assert set(stored(app)) == {upload_id(recent), upload_id(newest)}
        assert officer.get(old).status_code == 404
        assert officer.get(recent).status_code == 200


def test_the_purge_command_deletes_old_files_and_empties_applied_ones(app, people, client_as):
    officer = client_as("officer")
    with freeze_time(utcnow()) as clock:
        waiting = upload(officer, staff_csv(2), "waiting.csv")
        with app.app_context():  # an applied file kept before files were emptied on applying
            earlier = HrUpload(
                uploaded_by_id=people["officer"],
                file_name="earlier.csv",
                data=b"personal details",
                full_file=False,
                applied_at=utcnow(),
            )
            db.session.add(earlier)
            db.session.commit()
            earlier_id = earlier.id
        runner = app.test_cli_runner()
        result = runner.invoke(args=["users", "purge-uploads"])
        assert result.exit_code == 0, result.output
        assert "Deleted 0 HR files that were never applied; emptied 1 applied files." in (
            result.output
        )
        assert stored(app) == {upload_id(waiting): staff_csv(2), earlier_id: b""}
        clock.tick(timedelta(hours=app.config["HR_UPLOAD_KEEP_HOURS"], seconds=1))
        result = runner.invoke(args=["users", "purge-uploads"])
        assert "Deleted 1 HR files that were never applied; emptied 0 applied files." in (
            result.output
        )
        assert stored(app) == {earlier_id: b""}


def test_the_list_of_imports_says_who_ran_each(app, people, client_as, tmp_path):
    officer = client_as("officer")
    assert confirm(officer, upload(officer, staff_csv(2), "web.csv")).status_code == 302
    path = tmp_path / "cli.csv"
    path.write_bytes(staff_csv(3))
    assert app.test_cli_runner().invoke(args=["users", "import", str(path)]).exit_code == 0
    page = visible_text(officer.get("/reports/hr-import").text)
    with app.app_context():
        name = db.session.get(User, people["officer"]).full_name
    rows = page.split("When By File Created Updated Deactivated")[1]
    assert "Command line cli.csv 1 0 0" in rows  # newest first
    assert f"{name} web.csv 2 0 0" in rows.split("Command line")[1]
