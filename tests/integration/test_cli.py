from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, RateLimitHit, User
from app.models.base import utcnow
from tests.conftest import make_app
from tests.support import databases
from tests.support.accounts import create_user, sign_in


def test_purge_rate_limits_removes_only_expired_records(app, runner):
    with app.app_context():
        db.session.add(RateLimitHit(key="old", created_at=utcnow() - timedelta(hours=2)))
        db.session.add(RateLimitHit(key="new"))
        db.session.commit()
    result = runner.invoke(args=["purge-rate-limits"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 expired" in result.output
    with app.app_context():
        keys = list(db.session.scalars(select(RateLimitHit.key)))
        assert keys == ["new"]
        assert db.session.scalar(select(func.count()).select_from(RateLimitHit)) == 1


# --- A database that is down or not upgraded ------------------------------------------------

COMMANDS = [
    ["assignments", "sync"],
    ["purge-rate-limits"],
    ["users", "purge-uploads"],
    ["users", "make-admin", "admin@example.org"],
]


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_url(request, tmp_path):
    """A database that exists but was never upgraded (`flask db upgrade` not run)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'never-upgraded.sqlite'}"
        return
    request.getfixturevalue("postgres_url")  # skips (or fails with STRICT=1) without a server
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def one_line_refusal(database_url: str, args: list[str]):
    app = make_app(database_url)
    result = app.test_cli_runner().invoke(args=args)
    with app.app_context():
        db.engine.dispose()
    assert result.exit_code == 1, result.output
    # A message for the operator (click's "Error: …"), not an uncaught database error.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert len(result.output.strip().splitlines()) == 1, result.output
    return result.output.strip()


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "sqlite:////nonexistent-folder/conduct-training.sqlite",
    ],
    ids=["postgresql", "sqlite"],
)
def test_a_command_run_while_the_database_is_down_says_so_in_one_line(database_url, args):
    line = one_line_refusal(database_url, args)
    assert line.startswith("Error: Cannot reach the database (DATABASE_URL): "), line


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_run_on_a_database_never_upgraded_says_so_in_one_line(unmigrated_url, args):
    line = one_line_refusal(unmigrated_url, args)
    assert line.startswith("Error: The database is not upgraded: run flask db upgrade ("), line


def test_a_mistake_in_a_command_still_shows_its_traceback(app, runner, monkeypatch):
    """Only a database that cannot be used gets one line: our own mistakes keep the detail
    needed to fix them."""
    from sqlalchemy import text

    from app import rate_limit

    def broken():
        db.session.execute(text("SELECT no_such_function()"))

    monkeypatch.setattr(rate_limit, "purge_expired", broken)
    result = runner.invoke(args=["purge-rate-limits"])
    assert result.exit_code == 1
    assert not isinstance(result.exception, SystemExit), result.output


# --- flask users make-admin -------------------------------------------------------------------


def roles_changed(app) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.event == "roles_changed"))
        )


def test_make_admin_gives_a_new_install_its_first_administrator(app, runner):
    """No administrator yet (a new production install): the operator makes one, who can
    then use the administrators' pages."""
    person = create_user(
        app, "first.admin@example.org", first_name="Fiona", last_name="Reid", employee_number="E1"
    )
    client = app.test_client()
    assert sign_in(client, "first.admin@example.org").status_code == 302
    assert client.get("/admin/users").status_code == 403

    result = runner.invoke(args=["users", "make-admin", " First.Admin@Example.org "])

    assert result.exit_code == 0, result.output
    assert result.output == "Fiona Reid (employee number E1) is now an administrator.\n"
    assert client.get("/admin/users").status_code == 200
    [event] = roles_changed(app)
    assert (event.actor_id, event.subject_id) == (None, person)
    assert event.details == {"by": "command line", "before": [], "after": ["administrator"]}
    page = client.get("/admin/audit-log?event=roles_changed").get_data(as_text=True)
    assert "Command line" in page
    assert "Roles: Learner → Learner, Administrator" in page


def test_make_admin_twice_changes_nothing_the_second_time(app, runner):
    create_user(
        app, "fiona@example.org", first_name="Fiona", last_name="Reid", employee_number="E1"
    )
    assert runner.invoke(args=["users", "make-admin", "fiona@example.org"]).exit_code == 0
    result = runner.invoke(args=["users", "make-admin", "fiona@example.org"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Fiona Reid (employee number E1) is already an administrator; nothing was changed.\n"
    )
    assert len(roles_changed(app)) == 1


def test_make_admin_says_how_someone_without_a_password_gets_in(app, runner):
    create_user(app, "new@example.org", password=None, first_name="Nia", employee_number="E2")
    result = runner.invoke(args=["users", "make-admin", "new@example.org"])
    assert result.exit_code == 0, result.output
    assert "They have not set a password yet" in result.output
    assert '"Forgotten your password?"' in result.output


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "Error: No one has the e-mail address nobody@example.org.\n"),
        (
            "gone@example.org",
            "Error: Gail Reid's account is deactivated. Reactivate it first, or give the "
            "e-mail address of an active person.\n",
        ),
    ],
)
def test_make_admin_refuses_someone_unknown_or_deactivated(app, runner, email, message):
    create_user(app, "gone@example.org", first_name="Gail", last_name="Reid", is_active=False)
    result = runner.invoke(args=["users", "make-admin", email])
    assert result.exit_code == 1
    assert result.output == message
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(User).where(User.is_administrator))
            == 0
        )
    assert roles_changed(app) == []


def test_make_admin_is_listed_in_the_users_commands(runner):
    result = runner.invoke(args=["users", "--help"])
    assert "make-admin" in result.output
    assert "administrator role" in result.output
