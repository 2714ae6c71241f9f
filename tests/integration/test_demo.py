"""`flask demo` builds a believable council, and only once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.auth.passwords import verify_password
from app.extensions import db
from app.models import Department, User
from tests.conftest import make_app

SIGN_IN_EMAILS = {
    "admin@example.org",
    "officer@example.org",
    "manager@example.org",
    "learner@example.org",
    "staff@example.org",
    "pvg@example.org",
}


def run_demo(runner, monkeypatch, password="demo password for tests"):
    monkeypatch.setenv("DEMO_PASSWORD", password)
    return runner.invoke(args=["demo"])


def by_email(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_demo_builds_the_council(app, runner, monkeypatch):
    result = run_demo(runner, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Sign-in accounts created" in result.output
    with app.app_context():
        departments = set(db.session.scalars(select(Department.name)))
        assert {
            "Education",
            "Social Policy",
            "Housing",
            "Corporate Services",
            "Libraries",
            "Operational Services",
        } <= departments
        users = list(db.session.scalars(select(User)))
        assert len(users) >= 40
        assert {u.email for u in users} >= SIGN_IN_EMAILS
        assert sum(1 for u in users if u.line_manager_id) >= 40
        assert any(u.is_regulated_role for u in users)
        assert {"SSSC", "GTCS"} <= {u.professional_body for u in users}
        today = date.today()
        new_starters = [
            u for u in users if u.start_date and u.start_date.replace(day=1) == today.replace(day=1)
        ]
        assert len(new_starters) >= 3
        assert len({u.start_date.year for u in users if u.start_date}) >= 5

        admin = by_email("admin@example.org")
        officer = by_email("officer@example.org")
        manager = by_email("manager@example.org")
        learner = by_email("learner@example.org")
        pvg = by_email("pvg@example.org")
        assert admin.is_administrator and not admin.is_training_officer
        assert officer.is_training_officer and not officer.is_administrator
        assert len(manager.reports) >= 5
        assert learner.line_manager_id == manager.id
        assert learner.start_date.replace(day=1) == today.replace(day=1)
        assert by_email("staff@example.org").start_date.year < today.year
        assert pvg.is_regulated_role and pvg.professional_body == "SSSC"
        assert pvg.job_title == "Care worker"
        for email in SIGN_IN_EMAILS:
            assert verify_password(by_email(email).password_hash, "demo password for tests")


def snapshot():
    return [
        (u.employee_number, u.email, u.password_hash, u.updated_at, u.line_manager_id)
        for u in db.session.scalars(select(User).order_by(User.employee_number))
    ]


def test_running_demo_twice_changes_nothing(app, runner, monkeypatch):
    run_demo(runner, monkeypatch)
    with app.app_context():
        before = snapshot()
        departments = db.session.scalar(select(func.count()).select_from(Department))
    result = run_demo(runner, monkeypatch, password="a different password")
    assert result.exit_code == 0, result.output
    assert "nothing was changed" in result.output
    with app.app_context():
        assert snapshot() == before
        assert db.session.scalar(select(func.count()).select_from(Department)) == departments


def test_demo_prints_a_generated_password_when_none_is_set(app, runner, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "Their password is:" in line)
    password = line.split(":", 1)[1].strip()
    assert len(password) >= 12
    with app.app_context():
        assert verify_password(by_email("learner@example.org").password_hash, password)


def test_demo_refuses_to_run_in_production(database_url, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    from app import create_app

    app = create_app(
        "production",
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "p" * 40},
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "Refusing to create demo data in production" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_accounts_can_sign_in(app, runner, monkeypatch):
    run_demo(runner, monkeypatch)
    client = make_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=False).test_client()
    response = client.post(
        "/sign-in",
        data={"email": "Learner@Example.org", "password": "demo password for tests"},
    )
    assert response.status_code == 302
    home = client.get("/home")
    assert home.status_code == 200
    assert "A sample module" in home.get_data(as_text=True)


def test_demo_history_shows_every_certification_state(database_url, monkeypatch):
    """staff@ has last year's certificates (one inside its renewal window); pvg@ failed once,
    then passed. Runs with the real content, whose module ids the history names."""
    from pathlib import Path

    from app.models import Certificate, QuizAttempt, QuizBankArchive
    from tests.support.accounts import sign_in

    content = Path(__file__).resolve().parents[2] / "content"
    app = make_app(database_url, CONTENT_DIR=str(content))
    runner = app.test_cli_runner()
    result = run_demo(runner, monkeypatch)
    assert result.exit_code == 0, result.output
    issued = int(result.output.split("Training history: ")[1].split(" ")[0])
    assert issued >= 40  # the accounts' own history plus the council's year
    assert run_demo(runner, monkeypatch).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == issued
        staff_id = by_email("staff@example.org").id
        assert (
            db.session.scalar(
                select(func.count()).select_from(Certificate).where(Certificate.user_id == staff_id)
            )
            == 4
        )
        pvg = by_email("pvg@example.org")
        attempts = db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == pvg.id).order_by(QuizAttempt.id)
        ).all()
        assert [a.passed for a in attempts] == [False, True]
        # Each attempt names the stored wording it was scored against (one per module).
        fingerprints = set(db.session.scalars(select(QuizAttempt.bank_fingerprint)))
        stored = set(db.session.scalars(select(QuizBankArchive.fingerprint)))
        assert None not in fingerprints and fingerprints == stored

    staff = app.test_client()
    sign_in(staff, "staff@example.org", password="demo password for tests")
    home = staff.get("/home").get_data(as_text=True)
    assert home.count("Renewal due") == 1 and home.count("Certified") >= 3
    certificates = staff.get("/certificates").get_data(as_text=True)
    assert certificates.count("Valid") == 4

    carer = app.test_client()
    sign_in(carer, "pvg@example.org", password="demo password for tests")
    record = carer.get("/training-record").get_data(as_text=True)
    assert "not passed" in record and ", passed" in record


def test_demo_gives_the_dashboard_real_shapes(database_url, monkeypatch):
    from pathlib import Path

    from tests.support.accounts import sign_in

    content = Path(__file__).resolve().parents[2] / "content"
    app = make_app(database_url, CONTENT_DIR=str(content))
    assert run_demo(app.test_cli_runner(), monkeypatch).exit_code == 0
    officer = app.test_client()
    sign_in(officer, "officer@example.org", password="demo password for tests")
    dashboard = officer.get("/reports").get_data(as_text=True)
    percent = int(dashboard.split("<strong>")[1].split("%")[0])
    assert 40 <= percent <= 90, percent
    for status in ("Overdue", "Expiring", "Exempt", "Compliant"):
        page = officer.get(f"/reports/people?status={status}").get_data(as_text=True)
        assert "Nobody matches these filters" not in page, status
    assert "New starters who have not started" in dashboard
