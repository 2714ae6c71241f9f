"""The administrator's "Settings and content" page: the live content and policy versions,
valid certificates earned on older ones, and the settings the server runs with (never a
secret)."""

from __future__ import annotations

import re

from sqlalchemy import update

from app import catalogue
from app.admin import settings
from app.extensions import db
from app.models import Certificate
from app.models.base import today, utcnow
from tests.conftest import make_app
from tests.support.accounts import create_user, sign_in
from tests.support.quizzes import certify

PAGE = "/admin/settings"
MAIL_SECRET = "mail-password-that-must-never-show"


def cells_of_row(page: str, heading: str) -> list[str]:
    """The cells of the table row headed `heading`, as text."""
    row = re.search(
        rf'<th scope="row" class="govuk-table__header">{re.escape(heading)}</th>(.*?)</tr>',
        page,
        re.S,
    )
    assert row, f"no row for {heading}"
    return [
        re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]


def summary_value(page: str, key: str) -> str:
    """The value of a summary list row, as one line of text."""
    found = re.search(
        rf'<dt class="govuk-summary-list__key">{re.escape(key)}</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        page,
        re.S,
    )
    assert found, f"no row {key}"
    return " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())  # text, tags removed


def certified_person(app, email: str) -> Certificate:
    person = create_user(app, email)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return certify(client, app, person)


def test_versions_and_the_valid_certificates_on_each(app, client_as):
    current = certified_person(app, "current@example.org")
    older = certified_person(app, "older@example.org")
    revoked = certified_person(app, "revoked@example.org")
    expired = certified_person(app, "expired@example.org")
    with app.app_context():
        module = catalogue.get().modules[current.module_id]
        policy = catalogue.get().policy
        modules = catalogue.get().in_order()
        # Earned before the content and the policy last changed (a row as it was then).
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == older.id)
            .values(content_version=module.spec.version - 1, policy_version=policy.version - 1)
        )
        # Neither a revoked nor an expired certificate is valid: neither is counted.
        db.session.execute(
            update(Certificate).where(Certificate.id == revoked.id).values(revoked_at=utcnow())
        )
        db.session.execute(
            update(Certificate).where(Certificate.id == expired.id).values(expires_on=today())
        )
        db.session.commit()

    page = client_as("admin").get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert cells_of_row(text, module.title) == [
        str(module.spec.version),
        f"{module.quiz.settings.questions_per_attempt} of {len(module.quiz.questions)} "
        f"questions, pass mark {module.quiz.settings.pass_mark_percent}%",
        f"{module.spec.certificate_validity_months} months",
        "1",
        "1",
    ]
    assert summary_value(text, "Version") == str(policy.version)
    assert summary_value(text, "Valid certificates acknowledging this version") == "1"
    assert summary_value(text, "Valid certificates acknowledging an older version") == "1"
    assert f"They acknowledge version {policy.version} when they next pass" in text
    # Every module of the catalogue is listed, certificates or not.
    for other in modules:
        assert cells_of_row(text, other.title)[0] == str(other.spec.version)


def test_a_new_service_lists_its_content_with_no_certificates(app, client_as):
    page = client_as("admin").get(PAGE).text
    with app.app_context():
        modules = catalogue.get().in_order()
    for module in modules:
        assert cells_of_row(page, module.title)[-2:] == ["0", "0"]
    assert "when they next pass" not in page


def test_settings_show_what_the_server_runs_with_and_no_secret(database_url, people):
    app = make_app(
        database_url,
        ORG_NAME="Test Council <Fife & Forth>",
        MAIL_SERVER="smtp.example.org",
        MAIL_PORT=587,
        MAIL_USE_STARTTLS=True,
        MAIL_USERNAME="mailer",
        MAIL_PASSWORD=MAIL_SECRET,
        SESSION_IDLE_MINUTES=1,
        RENEWAL_WINDOW_DAYS=45,
    )
    client = app.test_client()
    assert sign_in(client, "admin@example.org").status_code == 302
    page = client.get(PAGE).text
    assert summary_value(page, "Organisation") == "Test Council &lt;Fife &amp; Forth&gt; ORG_NAME"
    assert summary_value(page, "E-mail server") == (
        "smtp.example.org, port 587, STARTTLS, with a user name MAIL_SERVER"
    )
    assert summary_value(page, "Signed out after no activity for") == (
        "1 minute SESSION_IDLE_MINUTES"
    )
    assert summary_value(page, "Renewal window opens before a certificate expires") == (
        "45 days RENEWAL_WINDOW_DAYS"
    )
    assert "No e-mail server is set" not in page
    for secret in (MAIL_SECRET, app.config["SECRET_KEY"]):
        assert secret not in page


def test_the_database_is_named_without_its_credentials(database_url):
    app = make_app(database_url)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        "postgresql+psycopg://trainer:db-password-never-shown@db.example.org:5433/training"
    )
    with app.test_request_context():
        shown = {s.variable: s.value for s in settings.settings()}["DATABASE_URL"]
    assert shown == "PostgreSQL, database training on db.example.org:5433"


def test_production_without_a_mail_server_warns_that_nobody_gets_mail(app, client_as):
    client = client_as("admin")
    assert "No e-mail server is set" not in client.get(PAGE).text  # development: logged
    app.config["APP_ENV"] = "production"
    page = client.get(PAGE).text
    assert "No e-mail server is set, so nobody receives invitations" in page
    assert summary_value(page, "E-mail server").startswith("Not set: e-mails (invitations")


def test_only_administrators_see_it(client_as):
    for role in ("learner", "line_manager", "officer"):
        client = client_as(role)
        assert client.get(PAGE).status_code == 403
        assert 'href="/admin/settings"' not in client.get("/home").text


def test_counted_in_a_constant_number_of_statements(app, client_as):
    from app.database import recorded_statements

    client = client_as("admin")
    client.get(PAGE)
    with recorded_statements(app) as few:
        client.get(PAGE)
    for n in range(3):
        certified_person(app, f"more{n}@example.org")
    with recorded_statements(app) as more:
        client.get(PAGE)
    assert len(few) == len(more)
