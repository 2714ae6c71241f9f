"""A learner whose certificate (or completion recorded elsewhere) has lapsed is told
"Expired", as officers are, while they work through the refresher; and in a later cycle a
scenario the path needs again is not called done because of last year's run."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

import yaml
from freezegun import freeze_time
from pypdf import PdfReader

from app.certificates.lifecycle import add_months
from app.models.base import today, utcnow
from tests.conftest import make_app
from tests.support.accounts import submit
from tests.support.compliance import long, record_completion_elsewhere, signed_in, sync
from tests.support.page_checks import visible_text
from tests.support.quizzes import MODULE, certify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCENARIO = f"{MODULE}/scenarios/office-choice"


def tag_on_home(client) -> str:
    """The status tag of the fixture module on "Your training"."""
    page = client.get("/home").text
    return page.split('<strong class="govuk-tag')[1].split(">", 1)[1].split("<", 1)[0]


def record_says(client, status: str) -> bool:
    """Whether the training record, page and PDF, gives this status now."""
    page = visible_text(client.get("/training-record").text)
    pdf = client.get("/training-record.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    said = f"Status now: {status}"
    return f"{said} " in f"{page} " and f"{said}." in " ".join(text.split())


def officer_lists(app, status: str) -> bool:
    officer = signed_in(app, "officer@example.org")
    return "Lewis" in visible_text(officer.get(f"/reports/people?status={status}").text)


def test_an_expired_certificate_stays_expired_while_the_learner_does_the_refresher(app, people):
    sync(app)
    with freeze_time(utcnow()) as clock:
        first = certify(signed_in(app, "learner@example.org"), app, people["learner"])
        clock.move_to(first.expires_on + timedelta(days=10))
        learner = signed_in(app, "learner@example.org")
        assert tag_on_home(learner) == "Expired"
        module = visible_text(learner.get(MODULE).text)
        assert f"Your certificate expired on {long(first.expires_on)}" in module

        # The refresher's only lesson: its learning is done, the certificate still lapsed.
        assert submit(learner, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
        assert officer_lists(app, "Expired")
        assert tag_on_home(learner) == "Expired"
        assert "Go to the quiz" in visible_text(learner.get("/home").text)  # progress shows
        module = visible_text(learner.get(MODULE).text)
        assert f"Your certificate expired on {long(first.expires_on)}" in module
        assert "The first lesson Lesson Completed" in module
        assert record_says(learner, "Expired")

        # Renewed: certified again, on every page.
        certify(learner, app, people["learner"], refresher=True)
        assert tag_on_home(learner) == "Certified"
        assert record_says(learner, "Certified")


def test_a_lapsed_completion_from_elsewhere_stays_expired_once_learning_starts(app, people):
    sync(app)
    done = today() - timedelta(days=10)
    expires = add_months(done, 12)
    officer = signed_in(app, "officer@example.org")
    assert record_completion_elsewhere(officer, people["learner"], done).status_code == 302
    with freeze_time(utcnow() + (expires - today()) + timedelta(days=1)):
        learner = signed_in(app, "learner@example.org")
        assert submit(learner, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
        assert officer_lists(app, "Expired")
        assert tag_on_home(learner) == "Expired"
        module = visible_text(learner.get(MODULE).text)
        assert f"Your training recorded from elsewhere expired on {long(expires)}" in module
        assert record_says(learner, "Expired")


def test_a_revoked_certificate_is_not_shown_as_progress_once_the_rest_has_lapsed(app, people):
    """Officers see the lapsed completion from elsewhere as Expired; the person hears about
    the revocation, and neither sees "In progress"."""
    sync(app)
    done = today() - timedelta(days=10)
    expires = add_months(done, 12)
    officer = signed_in(app, "officer@example.org")
    assert record_completion_elsewhere(officer, people["learner"], done).status_code == 302
    certificate = certify(signed_in(app, "learner@example.org"), app, people["learner"])
    reason = {"reason": "Issued in error"}
    path = f"/reports/certificates/{certificate.id}/revoke"
    assert submit(officer, path, reason).status_code == 302
    with freeze_time(utcnow() + (expires - today()) + timedelta(days=1)):
        learner = signed_in(app, "learner@example.org")
        assert submit(learner, f"{MODULE}/lessons/first-lesson", {}).status_code == 302
        assert officer_lists(app, "Expired")
        assert tag_on_home(learner) == "Certificate revoked"
        assert "Your certificate was revoked on" in visible_text(learner.get(MODULE).text)
        assert record_says(learner, "Certificate revoked")


def content_with_the_scenario_in_the_refresher(tmp_path) -> str:
    root = tmp_path / "content-refresher"
    shutil.copytree(FIXTURES / "content", root / "content")
    shutil.copytree(FIXTURES / "quizzes", root / "quizzes")
    path = root / "content" / "sample-module" / "module.yaml"
    data = yaml.safe_load(path.read_text())
    data["refresher_path"] = ["lesson:first-lesson", "scenario:office-choice"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(root / "content")


def test_last_cycles_run_does_not_count_for_a_scenario_the_refresher_needs(
    database_url, people, tmp_path
):
    app = make_app(database_url, CONTENT_DIR=content_with_the_scenario_in_the_refresher(tmp_path))
    with freeze_time(utcnow()) as clock:
        first = certify(signed_in(app, "learner@example.org"), app, people["learner"])
        clock.move_to(first.expires_on - timedelta(days=20))  # the renewal window
        learner = signed_in(app, "learner@example.org")
        submit(learner, f"{MODULE}/lessons/first-lesson", {})
        tasks = visible_text(learner.get(MODULE).text)
        assert "A choice in the office Scenario Not yet started" in tasks

        page = visible_text(learner.get(SCENARIO).text)
        assert "You have completed this scenario" not in page
        assert "Start scenario" in page and "Try this scenario again" not in page
        # Neither play nor the summary shows last year's run as this year's ending.
        assert learner.get(f"{SCENARIO}/play").headers["Location"] == f"{SCENARIO}/summary"
        assert learner.get(f"{SCENARIO}/summary").headers["Location"] == SCENARIO
        assert learner.get(f"{SCENARIO}/feedback").headers["Location"] == SCENARIO

        # Done again in this cycle: now it is completed, and play leads to its summary.
        submit(learner, SCENARIO, {})
        submit(learner, f"{SCENARIO}/play", {"node": "intro"})
        submit(learner, f"{SCENARIO}/play", {"node": "ask", "choice": "check"})
        page = visible_text(learner.get(SCENARIO).text)
        assert "You have completed this scenario" in page
        assert learner.get(f"{SCENARIO}/summary").status_code == 200
        tasks = visible_text(learner.get(MODULE).text)
        assert "A choice in the office Scenario Completed" in tasks
