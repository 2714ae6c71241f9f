"""An HR import and an administrator's save of people never interleave: the import waits
for the lock the admin pages take (app.database.lock_people_and_departments), so the
checks each makes (loops, duplicates) still hold when it writes."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from app.database import PEOPLE_AND_DEPARTMENTS_LOCK
from app.extensions import db
from app.models import User
from tests.integration.test_hr_import import HEADER, run_import


def test_an_import_waits_while_an_administrator_is_saving_people(app, people, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        HEADER + "E90001,Nina,Newcomer,nina@example.org,Housing,Clerk,2026-11-02,,no,none\n"
    )
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(User))
        db.session.remove()  # its transaction would hold SQLite's lock too
        holder = db.engine.connect()
        if db.engine.dialect.name == "postgresql":  # as an admin save holds it
            holder.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": PEOPLE_AND_DEPARTMENTS_LOCK}
            )
        else:  # SQLite: an admin save holds the one write lock (the app begins IMMEDIATE)
            holder.exec_driver_sql("SELECT 1")
    results = []
    worker = threading.Thread(target=lambda: results.append(run_import(app, path)))
    worker.start()
    worker.join(timeout=1.5)
    assert worker.is_alive(), "the import did not wait for the administrator's save"
    holder.rollback()
    holder.close()
    worker.join(timeout=30)
    assert results and results[0].exit_code == 0, results and results[0].output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == before + 1
