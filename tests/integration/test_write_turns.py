"""SQLite writers take turns by a lock file beside the database (app/write_turns.py): the
next writer starts as the last one ends, instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from app.database import recorded_statements, transaction
from app.extensions import db
from app.models import Department
from tests.conftest import make_app
from tests.support.accounts import create_user, sign_in


def lock_file(app) -> Path:
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return database.with_name(database.name + "-writers.lock")


def turn_is_free(app) -> bool:
    """Whether another process could take the writers' turn now."""
    fd = os.open(lock_file(app), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also lets go of the lock, if this took it
    return True


@contextmanager
def turn_held_elsewhere(app) -> Iterator[int]:
    fd = os.open(lock_file(app), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield fd
    finally:
        os.close(fd)


def departments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Department))


@pytest.fixture
def sqlite_copy(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "turns.sqlite"
    shutil.copyfile(sqlite_template, path)
    return path


def test_a_writer_holds_the_turn_until_it_commits(sqlite_app):
    with sqlite_app.app_context():
        db.session.execute(text("SELECT 1"))  # outside a GET: BEGIN IMMEDIATE
        assert not turn_is_free(sqlite_app)
        db.session.add(Department(name="Libraries"))
        db.session.commit()
        assert turn_is_free(sqlite_app)
    assert departments(sqlite_app) == 1


def test_the_turn_is_let_go_only_once_sqlite_has_committed(sqlite_app):
    """Let go any sooner, and the next writer would find SQLite still locked, and sleep."""
    seen: dict[str, bool] = {}

    def traced(statement: str) -> None:
        if statement in {"COMMIT", "ROLLBACK"}:
            seen[statement] = turn_is_free(sqlite_app)

    with sqlite_app.app_context():
        db.session.connection().connection.dbapi_connection.set_trace_callback(traced)
        db.session.add(Department(name="Libraries"))
        db.session.commit()
        db.session.connection().connection.dbapi_connection.set_trace_callback(traced)
        db.session.add(Department(name="Archives"))
        db.session.flush()
        db.session.rollback()
        db.session.connection().connection.dbapi_connection.set_trace_callback(None)
        db.session.rollback()
    assert seen == {"COMMIT": False, "ROLLBACK": False}
    assert turn_is_free(sqlite_app)


def test_a_writer_holds_the_turn_until_it_rolls_back(sqlite_app):
    with sqlite_app.app_context():
        with pytest.raises(RuntimeError), transaction():
            db.session.add(Department(name="Libraries"))
            db.session.flush()
            assert not turn_is_free(sqlite_app)
            raise RuntimeError("fails half-way")
        assert turn_is_free(sqlite_app)
    assert departments(sqlite_app) == 0


def test_reading_pages_take_no_turn(sqlite_app):
    create_user(sqlite_app, "reader@example.org")
    with sqlite_app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.rollback()  # the lock file now exists
    with turn_held_elsewhere(sqlite_app):
        client = sqlite_app.test_client()
        assert sign_in(client, "reader@example.org").status_code == 302
        started = time.monotonic()
        assert client.get("/account").status_code == 200
        # No wait for the turn (a writer would wait the whole busy timeout: 5 s).
        assert time.monotonic() - started < 2


def test_a_waiting_writer_starts_when_the_turn_is_let_go(sqlite_app):
    with sqlite_app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    began: list[float] = []

    def write() -> None:
        with sqlite_app.app_context(), transaction():
            db.session.execute(text("SELECT 1"))
            began.append(time.monotonic())
            db.session.add(Department(name="Libraries"))

    with turn_held_elsewhere(sqlite_app):
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.3)
        assert began == []  # still waiting for its turn
        let_go = time.monotonic()
    writer.join(timeout=5)
    assert len(began) == 1 and began[0] >= let_go
    assert departments(sqlite_app) == 1


def test_a_turn_held_past_the_busy_timeout_leaves_it_to_sqlite(sqlite_copy):
    """A stuck holder of the lock file (not of the database) cannot stop the app writing."""
    app = make_app(f"sqlite:///{sqlite_copy}", SQLITE_BUSY_TIMEOUT_MS=200)
    lock_file(app).touch()
    with turn_held_elsewhere(app), app.app_context(), transaction():
        db.session.add(Department(name="Libraries"))
    assert departments(app) == 1
    with app.app_context():
        db.engine.dispose()


def test_a_long_writer_of_ours_makes_the_next_fail_after_one_busy_timeout_not_two(sqlite_copy):
    """A long import holds the turn and SQLite's lock: a page that must write waits the busy
    timeout once (for the turn), tries SQLite's lock without waiting, and says busy."""
    app = make_app(f"sqlite:///{sqlite_copy}", SQLITE_BUSY_TIMEOUT_MS=1000)
    writing, finish = threading.Event(), threading.Event()

    def long_import() -> None:
        with app.app_context(), transaction():
            db.session.add(Department(name="Imported"))
            db.session.flush()
            writing.set()
            finish.wait(timeout=30)

    holder = threading.Thread(target=long_import)
    holder.start()
    try:
        assert writing.wait(timeout=10)
        with recorded_statements(app, with_transaction_control=True) as statements:
            started = time.monotonic()
            with (
                pytest.raises(OperationalError, match="locked"),
                app.app_context(),
                transaction(),
            ):
                db.session.add(Department(name="Libraries"))
            waited = time.monotonic() - started
    finally:
        finish.set()
        holder.join(timeout=10)
    assert 0.9 <= waited < 1.9
    assert statements == [
        "PRAGMA busy_timeout=0",
        "BEGIN IMMEDIATE",
        "PRAGMA busy_timeout=1000",
    ]
    with app.app_context():
        names = set(db.session.scalars(select(Department.name)))
        assert names == {"Imported"}
        db.engine.dispose()


def test_a_writer_that_cannot_begin_lets_go_of_the_turn(sqlite_copy):
    app = make_app(f"sqlite:///{sqlite_copy}", SQLITE_BUSY_TIMEOUT_MS=200)
    holder = sqlite3.connect(sqlite_copy, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # SQLite's own write lock, held outside the app
    try:
        with app.app_context():
            with pytest.raises(OperationalError, match="locked"):
                db.session.execute(text("SELECT 1"))
            db.session.rollback()
            assert turn_is_free(app)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with app.app_context(), transaction():
        db.session.add(Department(name="Libraries"))
    assert departments(app) == 1
    with app.app_context():
        db.engine.dispose()


def test_the_lock_file_has_the_database_files_permissions(sqlite_copy):
    sqlite_copy.chmod(0o640)
    app = make_app(f"sqlite:///{sqlite_copy}")
    with app.app_context(), transaction():
        db.session.add(Department(name="Libraries"))
    assert stat.S_IMODE(lock_file(app).stat().st_mode) == 0o640
    with app.app_context():
        db.engine.dispose()


def test_without_a_lock_file_writers_wait_by_busy_timeout_as_before(sqlite_copy, capfd):
    app = make_app(f"sqlite:///{sqlite_copy}")
    lock_file(app).mkdir()  # a lock file that cannot be opened
    with app.app_context(), transaction():
        db.session.add(Department(name="Libraries"))
    assert departments(app) == 1
    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines()]
    [warning] = [entry for entry in logged if entry.get("event") == "write_turns_unavailable"]
    assert warning["level"] == "WARNING" and "Is a directory" in warning["message"]
    with app.app_context():
        db.engine.dispose()


def test_a_database_in_memory_has_no_lock_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app("sqlite://")
    with app.app_context():
        db.create_all()
        with transaction():
            db.session.add(Department(name="Libraries"))
        assert db.session.scalar(select(func.count()).select_from(Department)) == 1
    assert not any(p.name.endswith("-writers.lock") for p in tmp_path.iterdir())
