"""Public verification, the encoding round-trip and the yearly recertification cycle."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from freezegun import freeze_time
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import Certificate
from app.models.base import utcnow
from tests.support.accounts import create_user, sign_in, submit
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify, latest_certificate

ENCODING_TEST = "< > & &lt; &amp; ' \\ 碁"


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, 16, 4))


def test_verify_shows_status_without_signing_in(app, client_as, client, people):
    certificate = certify(client_as("learner"), app, people["learner"])
    response = client.get(f"/verify/{display(certificate.code)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid" in page and "Lewis" in page and "A sample module" in page
    assert "Internet, Social Media and E-mail Policy, version 4" in page
    assert f"{certificate.expires_on.day} {certificate.expires_on:%B %Y}" in page
    # Case and separators do not matter; look-alike letters are read as digits.
    for variant in (
        certificate.code.lower(),
        " ".join(certificate.code[i : i + 4] for i in range(0, 16, 4)),
        certificate.code.replace("0", "O").replace("1", "I"),
        "–".join(certificate.code[i : i + 4] for i in range(0, 16, 4)),  # en dashes
        certificate.code.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),  # full width
    ):
        assert client.get(f"/verify/{variant}").status_code == 200, variant
    # The form leads to the same page.
    form = client.get(f"/verify?code={certificate.code.lower()}")
    assert form.headers["Location"] == f"/verify/{display(certificate.code)}"
    slashes = "/".join(certificate.code[i : i + 4] for i in range(0, 16, 4))
    assert client.get(f"/verify/{slashes}").status_code == 200  # typed into the address bar
    # Typed with other separators, or with spaces around it: the same.
    for typed in (slashes, f"  {certificate.code}  "):
        form = client.get("/verify", query_string={"code": typed})
        assert form.headers["Location"] == f"/verify/{display(certificate.code)}", typed


def test_an_unknown_code_reveals_nothing(client):
    assert client.get("/verify/..%2F..%2Fetc%2Fpasswd").status_code == 404  # never a file
    for code in ("0000-0000-0000-0000", "not a code", "x" * 200, "..%5C..%5Cconfig.py"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "No certificate has this code" in page
        assert "Lewis" not in page
    for blank in ("", "   "):
        page = client.get("/verify", query_string={"code": blank})
        assert page.status_code == 200 and "Enter the certificate code" in page.text
    for not_a_code in ("7KQ2-M9XD", "7KQ2-M9XD-4HRT-B8WU", "x" * 5000, "碁" * 16):
        page = client.get("/verify", query_string={"code": not_a_code})
        assert page.status_code == 200, not_a_code
        message = "A certificate code is 16 letters and numbers, for example 7KQ2-M9XD-4HRT-B8WC"
        assert visible_text(page.text).count(message) == 2  # the summary and the field


def test_verify_is_rate_limited(app, client):
    app.config["VERIFY_REQUESTS_PER_ADDRESS"] = 3
    window = app.config["RATE_LIMIT_WINDOW_MINUTES"] * 60
    with freeze_time(utcnow()) as clock:
        statuses = []
        for _ in range(4):
            statuses.append(client.get("/verify/0000-0000-0000-0000").status_code)
            clock.tick(timedelta(seconds=60))
        assert statuses == [404, 404, 404, 429]
        limited = client.get("/verify/0000-0000-0000-0000")
    assert "Too many checks" in limited.get_data(as_text=True)
    # The first check leaves the window first: four minutes of it have gone.
    assert limited.headers["Retry-After"] == str(window - 4 * 60)


def test_the_encoding_test_string_survives_into_the_pdf_and_verify_page(app, client):
    user_id = create_user(app, "encoding@example.org", first_name=ENCODING_TEST, last_name="Tester")
    learner = app.test_client()
    sign_in(learner, "encoding@example.org")
    certificate = certify(learner, app, user_id)
    pdf = learner.get(f"/certificates/{certificate.id}/download").data
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f"{ENCODING_TEST} Tester" in text
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert f"{ENCODING_TEST} Tester" in visible_text(page)
    assert "&amp;lt;" in page  # escaped once in the HTML, not twice in what people read
    assert "&amp;amp;lt;" not in page
    record = learner.get("/training-record.pdf").data
    assert ENCODING_TEST in "".join(p.extract_text() for p in PdfReader(io.BytesIO(record)).pages)
    # Made again from the same records (the same day), it is the same file, byte for byte.
    with freeze_time(utcnow() + timedelta(seconds=2)):
        assert learner.get("/training-record.pdf").data == record


def test_a_full_cycle_certified_expiring_expired_recertified(app, people):
    """certified → expiring (refresher path) → expired → recertified; the old one superseded."""

    def learner():
        client = app.test_client()
        assert sign_in(client, "learner@example.org").status_code == 302
        return client

    start = utcnow()
    with freeze_time(start) as clock:
        first = certify(learner(), app, people["learner"])
        public = app.test_client()
        assert "Valid" in public.get(f"/verify/{first.code}").get_data(as_text=True)
        home = learner().get("/home").get_data(as_text=True)
        assert "Certified" in home and "Renewal due" not in home
        # The date shown is the day it stops being valid, and says so (not "valid until").
        expires = f"{first.expires_on.day} {first.expires_on:%B %Y}"
        assert f"Your certificate expires on {expires}" in visible_text(home)
        verify_page = visible_text(public.get(f"/verify/{first.code}").text)
        assert f"This certificate expires on {expires}" in verify_page
        assert "valid until" not in verify_page

        # 70 days before expiry: still valid, not yet in the renewal window (60 days).
        clock.move_to(first.expires_on - timedelta(days=70))
        assert "Certified" in learner().get("/home").get_data(as_text=True)

        # 30 days before expiry: the module comes back with its refresher path.
        clock.move_to(first.expires_on - timedelta(days=30))
        client = learner()
        home = client.get("/home").get_data(as_text=True)
        assert "Renewal due" in home and "short refresher" in home
        module = client.get("/modules/sample-module").get_data(as_text=True)
        assert "yearly refresher" in module
        assert "A choice in the office" not in module  # the refresher path is the lesson only
        assert "Valid" in public.get(f"/verify/{first.code}").get_data(as_text=True)

        # On the expiry date: expired, everywhere.
        clock.move_to(first.expires_on)
        client = learner()
        assert "Expired" in client.get("/home").get_data(as_text=True)
        assert "Expired" in public.get(f"/verify/{first.code}").get_data(as_text=True)
        assert "Expired" in client.get("/certificates").get_data(as_text=True)

        # Recertify through the refresher path: a new certificate for cycle 2.
        second = certify(client, app, people["learner"], refresher=True)
        assert second.id != first.id and second.cycle == 2
        assert second.expires_on > first.expires_on
        old = public.get(f"/verify/{first.code}").get_data(as_text=True)
        assert "Superseded" in old and "A newer certificate replaced this one" in old
        assert "Valid" in public.get(f"/verify/{second.code}").get_data(as_text=True)
        home = client.get("/home").get_data(as_text=True)
        assert "Certified" in home
        record = client.get("/training-record").get_data(as_text=True)
        assert "Cycle 2" in record and "Cycle 1" in record
        assert "refresher path" in record and "induction path" in record
    with app.app_context():
        stored = db.session.get(Certificate, first.id)
        assert stored.superseded_by_id == second.id
        assert len(db.session.scalars(select(Certificate)).all()) == 2


def test_renewing_early_inside_the_window_supersedes_the_valid_certificate(app, people):
    def learner():
        client = app.test_client()
        sign_in(client, "learner@example.org")
        return client

    with freeze_time(utcnow()) as clock:
        first = certify(learner(), app, people["learner"])
        clock.move_to(first.expires_on - timedelta(days=10))
        second = certify(learner(), app, people["learner"], refresher=True)
        assert second.cycle == 2
        public = app.test_client()
        assert "Superseded" in public.get(f"/verify/{first.code}").get_data(as_text=True)
        assert latest_certificate(app, people["learner"]).id == second.id


def test_a_new_policy_version_needs_a_new_acknowledgement_and_keeps_the_old(
    app, database_url, people, tmp_path
):
    """Certified under policy version 4; the council publishes version 5; renewing records an
    acknowledgement of version 5, and the one of version 4 is still there."""
    import shutil
    from pathlib import Path

    from app.models import Acknowledgement
    from tests.conftest import make_app

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    shutil.copytree(fixtures / "content", tmp_path / "content")
    shutil.copytree(fixtures / "quizzes", tmp_path / "quizzes")
    policy = tmp_path / "content" / "policy.yaml"
    policy.write_text(policy.read_text().replace("version: 4", "version: 5"))
    new_policy_app = make_app(database_url, CONTENT_DIR=str(tmp_path / "content"))

    with freeze_time(utcnow()) as clock:
        client = app.test_client()
        sign_in(client, "learner@example.org")
        first = certify(client, app, people["learner"])
        clock.move_to(first.expires_on - timedelta(days=5))
        client = new_policy_app.test_client()
        sign_in(client, "learner@example.org")
        page = client.get("/policy").get_data(as_text=True)
        assert "Version 5" in page
        second = certify(client, new_policy_app, people["learner"], refresher=True)
    assert (first.policy_version, second.policy_version) == (4, 5)
    with app.app_context():
        versions = db.session.scalars(
            select(Acknowledgement.policy_version).order_by(Acknowledgement.id)
        ).all()
    assert versions == [4, 5]


def test_a_confirmation_counts_only_for_the_policy_version_the_page_showed(
    app, database_url, people, tmp_path
):
    """The page showed version 4; version 5 came out before the learner pressed the button:
    nothing is recorded until they confirm version 5."""
    import shutil
    from pathlib import Path

    from app.models import Acknowledgement
    from tests.conftest import make_app
    from tests.support.accounts import submit
    from tests.support.quizzes import QUIZ, complete_learning, take_quiz

    client = app.test_client()
    sign_in(client, "learner@example.org")
    complete_learning(client)
    attempt = take_quiz(client, app, people["learner"], right=True)
    path = f"{QUIZ}/attempts/{attempt.id}/acknowledge"
    assert 'name="policy_version" value="4"' in client.get(path).text

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    shutil.copytree(fixtures / "content", tmp_path / "content")
    shutil.copytree(fixtures / "quizzes", tmp_path / "quizzes")
    policy = tmp_path / "content" / "policy.yaml"
    policy.write_text(policy.read_text().replace("version: 4", "version: 5"))
    later = make_app(database_url, CONTENT_DIR=str(tmp_path / "content")).test_client()
    sign_in(later, "learner@example.org")
    refused = submit(later, path, {"confirm": "y", "policy_version": "4"}, form_path=path)
    assert refused.status_code == 200
    page = visible_text(refused.text)
    assert "The policy has changed to version 5 since you opened this page" in page
    assert 'name="policy_version" value="5"' in refused.text
    assert 'id="confirm" name="confirm" type="checkbox" value="y" checked' not in refused.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Acknowledgement)) == 0
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    issued = submit(later, path, {"confirm": "y", "policy_version": "5"})
    assert issued.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Acknowledgement.policy_version)) == 5


def pdf_lines(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_a_revoked_or_replaced_certificate_says_so_on_its_pdf(app, people, client_as):
    """A copy downloaded after revocation or renewal cannot pass for a valid one: the first
    line says so, and the copy is still the same bytes each time."""
    with freeze_time(utcnow()) as clock:
        learner = client_as("learner")
        first = certify(learner, app, people["learner"])
        valid = pdf_lines(learner.get(f"/certificates/{first.id}/download"))
        assert not any("Revoked" in line or "Replaced" in line for line in valid)

        clock.move_to(first.expires_on - timedelta(days=10))
        learner = client_as("learner")
        second = certify(learner, app, people["learner"], refresher=True)
        replaced_on = f"{first.expires_on - timedelta(days=10):%-d %B %Y}"
        lines = pdf_lines(learner.get(f"/certificates/{first.id}/download"))
        assert lines[0].startswith(f"Replaced on {replaced_on} by a newer certificate")

        officer = client_as("officer")
        path = f"/reports/certificates/{second.id}/revoke"
        assert submit(officer, path, {"reason": "Issued in error"}).status_code == 302
        download = f"/certificates/{second.id}/download"
        lines = pdf_lines(learner.get(download))
        assert lines[0] == f"Revoked on {replaced_on}: this certificate is no longer valid."
        assert "Issued in error" not in " ".join(lines)  # the reason stays off the copy
        assert learner.get(download).data == learner.get(download).data


def test_a_certificate_earned_after_midnight_bst_carries_the_uk_date(app, people, client_as):
    """00:30 BST on 1 July is 23:30 UTC on 30 June: the certificate says 1 July."""
    with freeze_time(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)):
        learner = client_as("learner")
        certificate = certify(learner, app, people["learner"])
        assert certificate.expires_on == date(2027, 7, 1)
        lines = pdf_lines(learner.get(f"/certificates/{certificate.id}/download"))
        assert "Date of issue: 1 July 2026" in lines
        assert "Expires on: 1 July 2027" in lines
        verify = visible_text(app.test_client().get(f"/verify/{certificate.code}").text)
        assert "1 July 2026" in verify and "30 June 2026" not in verify
        mine = visible_text(learner.get("/certificates").text)
        assert "1 July 2026" in mine and "30 June" not in mine
        record = visible_text(learner.get("/training-record").text)
        assert "1 July 2026 00:" in record and "BST" in record and "30 June" not in record
