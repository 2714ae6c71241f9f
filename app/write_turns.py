"""Writers to one SQLite file take turns by a lock file beside it, so that the next one
starts the moment the last one ends.

SQLite lets one transaction write at a time. A writer that finds the write lock taken
sleeps in SQLite's busy handler for 1, 2, 5, 10, 15 ms… before it looks again, so under
load the database sits idle while writers sleep: two workers served form posts little
faster than one. Each of our writers first takes its turn with an exclusive `flock` on
`<database>-writers.lock`, looking again every fifth of a millisecond, and lets go as
its transaction commits or rolls back.

The turn only orders our own writers. SQLite's lock and busy timeout still decide who
writes, so a writer outside the app (the sqlite3 shell, a backup) is as safe as before. A
writer that cannot have its turn within the busy timeout tries SQLite's lock once more,
without waiting again (app/database.py): so the wait is never longer than before, and a
lock file held by a stuck process cannot stop the app writing. A lock held by a process
that dies is let go by the kernel.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

_FD = "write_turn_fd"  # the lock file's descriptor, kept with each database connection
_HELD = "write_turn_held"
# How often a waiting writer looks again: soon at first, then every 0.2 ms (a few
# microseconds of CPU each time) until its turn comes or the busy timeout passes.
_FIRST_PAUSE = 0.000_02
_LONGEST_PAUSE = 0.000_2


def install(engine: Engine) -> bool:
    """Give this SQLite engine's connections turns at writing; False for a database in
    memory, which has no file to lock beside it (nor a second process to share it)."""
    path = lock_path(engine)
    if path is None:
        return False

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        _open(path, record.info)

    @event.listens_for(engine, "close")
    def _closed(_dbapi_connection: Any, record: Any) -> None:
        _close(record.info)

    # SQLAlchemy has no event after a commit or rollback, only before: let go once the
    # driver's own commit or rollback has returned. The pool's rollback of a connection
    # it takes back comes this way too.
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection: Any) -> None:
        try:
            commit(connection)
        finally:
            give_up(connection)

    def do_rollback(connection: Any) -> None:
        try:
            rollback(connection)
        finally:
            give_up(connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
    return True


def lock_path(engine: Engine) -> Path | None:
    """The lock file for this engine's database; None for a database in memory."""
    database = engine.url.database
    if not database or database == ":memory:" or "mode=memory" in database:
        return None
    return Path(database).with_name(Path(database).name + "-writers.lock")


def _open(path: Path, info: dict[str, Any]) -> None:
    """Open the lock file for one new database connection, with the database file's own
    permissions (as SQLite does for its -wal and -shm files). A lock file this process may
    not open leaves the connection to SQLite's busy timeout alone, as before."""
    try:
        database = path.with_name(path.name.removesuffix("-writers.lock"))
        info[_FD] = os.open(path, os.O_RDWR | os.O_CREAT, database.stat().st_mode & 0o666)
    except OSError as error:
        log.warning(
            "SQLite writers wait by busy timeout only: %s",
            error,
            extra={"event": "write_turns_unavailable"},
        )


def _close(info: dict[str, Any]) -> None:
    fd = info.pop(_FD, None)
    info.pop(_HELD, None)
    if fd is not None:
        os.close(fd)  # lets go of the turn too, if it was held


def take(connection: Any, timeout_seconds: float) -> bool:
    """Wait for this connection's turn to write, at most `timeout_seconds`. False if the
    wait ran out: another writer of ours has written all that time."""
    info = connection.info
    fd = info.get(_FD)
    if fd is None or info.get(_HELD):
        return True
    deadline = time.monotonic() + timeout_seconds
    pause = _FIRST_PAUSE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)
        else:
            info[_HELD] = True
            return True


def give_up(connection: Any) -> None:
    """Let the next writer have its turn."""
    try:
        info = connection.info
    except (AttributeError, NotImplementedError):
        return  # a bare driver connection, or the one SQLAlchemy first connects with
    if info.pop(_HELD, None):
        fcntl.flock(info[_FD], fcntl.LOCK_UN)
