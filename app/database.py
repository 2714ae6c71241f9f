"""Database connection rules and the transaction boundary.

SQLite gets WAL, foreign keys and a busy timeout on every connection, and real
transactions (pysqlite's own implicit BEGIN handling is switched off, as the
SQLAlchemy documentation recommends, so that SAVEPOINT and rollback behave).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import String, event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app import mail, write_turns
from app.errors import ServiceBusy
from app.extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        dbapi_connection.create_function("app_casefold", 1, _lower, deterministic=True)

    turns = write_turns.install(engine)
    wait_seconds = busy_timeout_ms / 1000

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A request that may write takes SQLite's write lock at the start (IMMEDIATE), so
        # that it waits its turn (busy timeout) instead of failing with "database is
        # locked" when it later upgrades a read lock. Reads (GET) stay concurrent.
        if _reading_only():
            connection.exec_driver_sql("BEGIN")
            return
        try:
            if not turns or write_turns.take(connection.connection, wait_seconds):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                _begin_immediate_without_waiting(connection, busy_timeout_ms)
        except BaseException:
            write_turns.give_up(connection.connection)
            raise


def _begin_immediate_without_waiting(connection: Any, busy_timeout_ms: int) -> None:
    """After waiting the whole busy timeout for the writers' turn (app/write_turns.py),
    try SQLite's write lock once: free (the turn's holder is stuck elsewhere), this writer
    goes on; held (a long import, say), it fails now rather than after a second timeout."""
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


class casefold(FunctionElement):
    """Lower case for comparing what people type with names, in every alphabet.

    PostgreSQL's lower() knows every letter; SQLite's knows only A to Z (so "Élodie" would
    never match "élodie"), so there it is Python's str.lower, registered on each connection.
    """

    type = String()
    name = "casefold"
    inherit_cache = True


@compiles(casefold)
def _casefold_default(element: casefold, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(casefold, "sqlite")
def _casefold_sqlite(element: casefold, compiler: Any, **kw: Any) -> str:
    return f"app_casefold({compiler.process(element.clauses, **kw)})"


def _lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text


TRANSACTION_CONTROL = frozenset({"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"})


@contextmanager
def recorded_statements(app: Flask, *, with_transaction_control: bool = False) -> Iterator[list]:
    """The SQL statements the app's engine runs inside the block, on this thread (BEGIN,
    COMMIT and ROLLBACK left out unless asked for): what the statement-count tests and the
    benchmarks measure, recorded one way. Work handed to a background thread
    (app/background.py) is not the request's, and is left out."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    thread = threading.get_ident()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.get_ident() != thread:
            return
        if with_transaction_control or statement not in TRANSACTION_CONTROL:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _reading_only() -> bool:
    return has_request_context() and request.method in {"GET", "HEAD", "OPTIONS"}


@contextmanager
def transaction() -> Iterator[None]:
    """Commit when the block succeeds, roll back everything when it raises.

    The one place that commits: request handlers use `transactional`, CLI commands this.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        mail.discard_queued()
        raise
    mail.send_queued()


@contextmanager
def short_write() -> Iterator[Connection]:
    """A connection of its own for a write that a reading page (a GET) must make, such as
    an audit entry. If the database's write lock cannot be had in time, the page answers
    "busy" (503) rather than failing."""
    try:
        with db.engine.begin() as connection:
            yield connection
    except OperationalError as error:
        raise ServiceBusy() from error


def transactional(view: Callable[..., Any]) -> Callable[..., Any]:
    """Route decorator: commit on a successful response, roll back on an error or exception."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _reading_only():
            # Nothing to commit; committing would also expire every loaded object and
            # make the template load the signed-in user again.
            return view(*args, **kwargs)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.session.rollback()
            mail.discard_queued()
            raise
        if response.status_code < 400:
            db.session.commit()
            mail.send_queued_after()
        else:
            db.session.rollback()
            mail.discard_queued()
        return response

    return wrapper


# The advisory lock every writer of people and departments takes (PostgreSQL): any fixed
# number does, as long as they all use this one.
PEOPLE_AND_DEPARTMENTS_LOCK = 0x6F63_7470  # "octp"


def lock_people_and_departments() -> None:
    """Wait until no other transaction is changing people or departments, and keep them to
    this one until it ends (commit or rollback), so that the checks made next (duplicate
    addresses, employee numbers and department names, line-management loops, a form that
    has gone stale) still hold when we write. Call it before those checks.

    PostgreSQL: a transaction-level advisory lock. Whatever was loaded before the wait is
    expired, so that it is read again as the other transaction left it (changes not yet
    flushed are flushed first, not lost). SQLite needs nothing: a transaction that may
    write holds the database's write lock from its first statement (BEGIN IMMEDIATE)."""
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return
    session.flush()
    session.execute(select(func.pg_advisory_xact_lock(PEOPLE_AND_DEPARTMENTS_LOCK)))
    session.expire_all()


def ping() -> None:
    """Raise if the database cannot answer a trivial query."""
    db.session.execute(db.text("SELECT 1"))
