"""Checklist 37 and 38: PostgreSQL operations.

37: every connection the app holds is cut, as a server restart or failover cuts them (here
    with pg_terminate_backend on this test's own database, so that nobody else's tests are
    disturbed): the next request, in-process and on each gunicorn worker, succeeds.
38: pg_dump, then pg_restore into an empty database: the same rows in every table, byte-
    identical certificate PDFs, and the copy serves sign-in, the record and verification.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from tests.conftest import make_app, skip_or_fail
from tests.support import databases
from tests.support.accounts import sign_in
from tests.support.gunicorn import Gunicorn
from tests.support.quizzes import certify

only_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def cut_every_connection(database_url: str) -> int:
    """Terminate every session on this database, as a restart does; how many there were."""
    with psycopg.connect(databases._libpq_dsn(databases.admin_url()), autocommit=True) as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (make_url(database_url).database,),
            ).fetchall()
        )


def readiness_from_each_worker(server: Gunicorn) -> dict[str, int]:
    """A readiness check (one query) answered by each of the two workers: worker pid →
    status. A sync worker serves one connection at a time, so while one waits for the
    rest of a request that has begun to arrive, the other must take the next."""
    seen = len(server.access_log.read_text().splitlines())
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as waiting:
        waiting.sendall(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.2)  # accepted by one worker, which now waits for the rest
        other = server.request("GET", "/readyz")[0]
        waiting.sendall(b"Connection: close\r\n\r\n")
        first = int(waiting.makefile("rb").readline().split()[1])
    deadline = time.monotonic() + 10
    while len(lines := server.access_log.read_text().splitlines()[seen:]) < 2:
        assert time.monotonic() < deadline, lines  # a worker logs once it has answered
        time.sleep(0.05)
    statuses = {line.split()[0]: int(line.split()[3]) for line in lines}
    assert len(statuses) == 2, f"one worker answered both: {lines}"
    assert sorted(statuses.values()) == sorted([first, other]), lines
    return statuses


@only_postgresql
def test_requests_after_every_connection_was_cut_succeed(app, people, client_as, tmp_path):
    learner = client_as("learner")
    assert learner.get("/home").status_code == 200
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=2, folder=tmp_path)
    try:
        # Each worker holds a pooled connection.
        assert list(readiness_from_each_worker(server).values()) == [200, 200]

        assert cut_every_connection(app.config["SQLALCHEMY_DATABASE_URI"]) >= 3

        assert learner.get("/home").status_code == 200  # the very next request
        assert learner.get("/training-record").status_code == 200
        # Each worker's first request after the cut.
        assert list(readiness_from_each_worker(server).values()) == [200, 200]
    finally:
        server.stop()


@only_postgresql
def test_a_dump_restored_into_an_empty_database_is_the_same(app, people, client_as, tmp_path):
    from app.certificates import services as certificates
    from app.models import Certificate

    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} is not installed (make system-test-deps installs it as root)")
    certify(client_as("learner"), app, people["learner"])
    certify(client_as("line_manager"), app, people["line_manager"])

    def facts(an_app):
        with an_app.app_context():
            counts = {
                table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }
            pdfs = {
                c.code: certificates.certificate_pdf(c)
                for c in db.session.scalars(select(Certificate).order_by(Certificate.id))
            }
            db.session.remove()
            return counts, pdfs

    dump = tmp_path / "backup.dump"
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", databases._libpq_dsn(source)],
        check=True,
    )
    copy_url = databases.create_postgres_database()
    copy = None
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                databases._libpq_dsn(copy_url),
                str(dump),
            ],
            check=True,
        )
        copy = make_app(copy_url)
        (counts, pdfs), (copied_counts, copied_pdfs) = facts(app), facts(copy)
        assert copied_counts == counts
        assert len(pdfs) == 2
        assert copied_pdfs == pdfs

        # The copy works: sign-in writes (sequences and triggers came across), the record
        # and the public check read.
        client = copy.test_client()
        assert sign_in(client, "learner@example.org").status_code == 302
        assert client.get("/training-record").status_code == 200
        for code in pdfs:
            assert copy.test_client().get(f"/verify/{code}").status_code == 200
    finally:
        if copy is not None:
            with copy.app_context():
                db.engine.dispose()
        databases.drop_postgres_database(copy_url)
