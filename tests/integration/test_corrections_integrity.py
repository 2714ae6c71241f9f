"""Officers' corrections that would change nothing are refused, two at once take turns, and a
completion recorded from elsewhere is audited with its evidence and can be withdrawn."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from app.compliance import corrections
from app.extensions import db
from app.models import AuditEvent, Certificate, Correction
from app.models.base import today, utcnow
from tests.support.accounts import csrf_token, submit
from tests.support.compliance import (
    cell_of,
    long,
    record_completion_elsewhere,
    signed_in,
    sync,
)
from tests.support.concurrency import at_once
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify

MODULE = "sample-module"


def boxes(day: date) -> list[int]:
    return [day.day, day.month, day.year]


def corrections_saved(app, kind: str | None = None) -> int:
    query = select(func.count()).select_from(Correction)
    if kind:
        query = query.where(Correction.kind == kind)
    with app.app_context():
        return db.session.scalar(query)


def events(app, event: str) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.details).where(AuditEvent.event == event).order_by(AuditEvent.id)
            )
        )


# --- Extensions that would change nothing --------------------------------------------------


def test_an_extension_is_refused_when_an_expired_certificate_decides_the_status(
    app, people, client_as
):
    sync(app)
    with freeze_time(utcnow()) as clock:
        certificate = certify(client_as("learner"), app, people["learner"])
        clock.move_to(certificate.expires_on + timedelta(days=3))
        officer = signed_in(app, "officer@example.org")
        later = today() + timedelta(days=60)
        path = f"/reports/people/{people['learner']}/modules/{MODULE}/extend"
        response = submit(officer, path, {"new_due_on": boxes(later), "reason": "Long-term sick"})
        assert response.status_code == 200
        assert (
            f"An extension cannot change this: Lewis {_last_name(app, people['learner'])}'s "
            f"certificate expired on {long(certificate.expires_on)}, and its expiry is fixed. "
            "If they cannot renew in time, for example during long-term sick leave, record "
            "an exemption with the reason and end it when they return"
        ) in visible_text(response.text)
        assert corrections_saved(app) == 0
        assert cell_of(officer, people["learner"])[0] == "Expired"


def test_an_extension_is_refused_while_a_certificate_is_valid(app, people, client_as):
    sync(app)
    certificate = certify(client_as("learner"), app, people["learner"])
    later = today() + timedelta(days=60)
    response = submit(
        client_as("officer"),
        f"/reports/people/{people['learner']}/modules/{MODULE}/extend",
        {"new_due_on": boxes(later), "reason": "Busy"},
    )
    assert f"certificate expires on {long(certificate.expires_on)}" in visible_text(response.text)
    assert corrections_saved(app) == 0


def test_an_extension_is_refused_when_a_completion_elsewhere_decides_the_status(
    app, people, client_as
):
    sync(app)
    officer = client_as("officer")
    long_ago = today() - timedelta(days=800)
    recorded = submit(
        officer,
        f"/reports/people/{people['learner']}/modules/{MODULE}/offline",
        {"completed_on": boxes(long_ago), "reason": "Old register"},
        follow_redirects=True,
    )
    assert f"completion of A sample module on {long(long_ago)} is recorded" in visible_text(
        recorded.text
    )
    assert cell_of(officer, people["learner"])[0] == "Expired"
    later = today() + timedelta(days=60)
    response = submit(
        officer,
        f"/reports/people/{people['learner']}/modules/{MODULE}/extend",
        {"new_due_on": boxes(later), "reason": "Busy"},
    )
    assert "completion recorded from elsewhere expired on" in visible_text(response.text)
    assert corrections_saved(app, "extend_due") == 0


def test_an_extension_to_the_due_date_or_before_it_is_refused(app, people, client_as):
    due = today() + timedelta(days=60)
    sync(app, "--due", due.isoformat())
    officer = client_as("officer")
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/extend"
    for day in (today() + timedelta(days=10), due):
        response = submit(officer, path, {"new_due_on": boxes(day), "reason": "x"})
        assert response.status_code == 200
        assert (
            f"This would change nothing: the module is already due on {long(due)}. "
            "Enter a later date"
        ) in visible_text(response.text)
    assert corrections_saved(app) == 0
    later = due + timedelta(days=1)
    extended = submit(officer, path, {"new_due_on": boxes(later), "reason": "x"})
    assert extended.status_code == 302
    banner = visible_text(officer.get(extended.headers["Location"]).text)
    assert f"due date for A sample module is now {long(later)}." in banner
    assert cell_of(officer, people["learner"]) == ("Not started", long(later))
    # The new due date is the one to beat now.
    refused = submit(officer, path, {"new_due_on": boxes(later), "reason": "x"})
    assert f"already due on {long(later)}" in visible_text(refused.text)


def _last_name(app, user_id: int) -> str:
    from app.models import User

    with app.app_context():
        return db.session.get(User, user_id).last_name


# --- Two corrections at once ---------------------------------------------------------------


def post_at_once(app, monkeypatch, path: str, forms: list[dict]) -> list[int]:
    """Two officers post the same correction at the same moment. On PostgreSQL a barrier
    makes both requests read the record before either saves (what a double click or two
    officers would do); SQLite lets one writer in at a time, so there they simply race."""
    clients = [signed_in(app, "officer@example.org"), signed_in(app, "admin@example.org")]
    tokens = [csrf_token(client, path) for client in clients]
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        barrier = threading.Barrier(2, timeout=10)
        original = corrections._refuse_own_record

        def both_have_read(officer, person):
            original(officer, person)
            barrier.wait()

        monkeypatch.setattr(corrections, "_refuse_own_record", both_have_read)

    def post(index: int) -> int:
        return (
            clients[index]
            .post(
                path,
                data={**forms[index], "csrf_token": tokens[index]},
                headers={"Referer": f"http://localhost{path}"},
            )
            .status_code
        )

    return at_once(lambda: post(0), lambda: post(1))


def test_two_revocations_at_once_save_one_and_keep_its_reason(app, people, client_as, monkeypatch):
    sync(app)
    certificate = certify(client_as("learner"), app, people["learner"])
    path = f"/reports/certificates/{certificate.id}/revoke"
    results = post_at_once(
        app, monkeypatch, path, [{"reason": "Issued in error"}, {"reason": "Cheated"}]
    )
    assert sorted(results) == [200, 302]  # the second is told it is already revoked
    assert corrections_saved(app, "revoke_certificate") == 1
    revoked = events(app, "certificate_revoked")
    assert len(revoked) == 1
    with app.app_context():
        stored = db.session.get(Certificate, certificate.id)
        assert stored.revoked_reason == revoked[0]["reason"]


def test_two_exemptions_at_once_save_one(app, people, monkeypatch):
    sync(app)
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/exempt"
    results = post_at_once(app, monkeypatch, path, [{"reason": "First"}, {"reason": "Second"}])
    assert sorted(results) == [200, 302]
    assert corrections_saved(app, "exempt") == 1
    assert len(events(app, "exempted")) == 1


def test_two_ends_of_an_exemption_at_once_save_one(app, people, client_as, monkeypatch):
    sync(app)
    exempt = f"/reports/people/{people['learner']}/modules/{MODULE}/exempt"
    assert submit(client_as("officer"), exempt, {"reason": "Off sick"}).status_code == 302
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/end-exemption"
    results = post_at_once(app, monkeypatch, path, [{"reason": "Back"}, {"reason": "Back too"}])
    assert sorted(results) == [200, 302]
    assert corrections_saved(app, "end_exemption") == 1
    assert len(events(app, "exemption_ended")) == 1


def test_the_same_completion_sent_twice_at_once_is_saved_once(app, people, monkeypatch):
    sync(app)
    done = today() - timedelta(days=3)
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/offline"
    form = {"completed_on": boxes(done), "reason": "Signed register"}
    results = post_at_once(app, monkeypatch, path, [form, form])
    assert sorted(results) == [200, 302]  # the second: "already recorded"
    assert corrections_saved(app, "offline_completion") == 1
    assert len(events(app, "offline_completion_recorded")) == 1


def test_a_completion_on_a_day_already_recorded_is_refused_until_withdrawn(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    done = today() - timedelta(days=3)
    path = f"/reports/people/{people['learner']}/modules/{MODULE}/offline"
    form = {"completed_on": boxes(done), "reason": "Signed register"}
    assert submit(officer, path, form).status_code == 302
    again = submit(officer, path, form)
    assert f"A completion on {long(done)} is already recorded for this module" in (
        visible_text(again.text)
    )
    assert corrections_saved(app, "offline_completion") == 1
    withdraw = re.findall(
        r'href="(/reports/people/\d+/completions/\d+/withdraw)"',
        officer.get(f"/reports/people/{people['learner']}").text,
    )[0]
    assert submit(officer, withdraw, {"reason": "Wrong date format"}).status_code == 302
    assert submit(officer, path, form).status_code == 302  # recorded again, properly
    assert corrections_saved(app, "offline_completion") == 2


# --- Completions recorded from elsewhere ---------------------------------------------------


def test_a_completion_elsewhere_is_audited_with_its_evidence(app, people, client_as):
    sync(app)
    done = today() - timedelta(days=3)
    evidence = "Face-to-face session; signed register held by HR"
    response = record_completion_elsewhere(client_as("officer"), people["learner"], done, evidence)
    assert response.status_code == 302
    assert events(app, "offline_completion_recorded") == [
        {"module": MODULE, "completed_on": done.isoformat(), "evidence": evidence}
    ]


def test_a_completion_or_a_pause_reset_is_refused_on_a_module_not_assigned(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    done = today() - timedelta(days=3)
    path = f"/reports/people/{people['learner']}/modules/regulated-only"
    response = submit(
        officer, f"{path}/offline", {"completed_on": boxes(done), "reason": "Register"}
    )
    assert response.status_code == 200
    assert (
        "This person is not assigned this module, so there is no completion to record"
        in visible_text(response.text)
    )
    reset = submit(officer, f"{path}/reset-cool-down", {"reason": "Help given"})
    assert reset.status_code == 200
    assert (
        "This person is not assigned this module, so it has no quiz pause to reset"
        in visible_text(reset.text)
    )
    assert corrections_saved(app) == 0


def withdraw_link(officer, user_id: int) -> str:
    record = officer.get(f"/reports/people/{user_id}").text
    links = re.findall(r'href="(/reports/people/\d+/completions/\d+/withdraw)"', record)
    assert len(links) == 1, links
    return links[0]


def test_a_completion_recorded_in_error_can_be_withdrawn(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    learner = people["learner"]
    offline = f"/reports/people/{learner}/modules/{MODULE}/offline"
    right = today() - timedelta(days=500)  # the real, older date: long expired
    submit(officer, offline, {"completed_on": boxes(right), "reason": "Old register"})
    wrong = today() - timedelta(days=2)  # meant for someone else
    submit(
        officer,
        offline,
        {"completed_on": boxes(wrong), "reason": "Register"},
        follow_redirects=True,  # the confirmations, which name the module, are read here
    )
    assert cell_of(officer, learner)[0] == "Compliant"
    record = officer.get(f"/reports/people/{learner}").text
    # One link per completion still standing; take the one for the wrong date.
    links = re.findall(r'href="(/reports/people/\d+/completions/(\d+)/withdraw)"', record)
    assert len(links) == 2
    with app.app_context():
        wrong_id = db.session.scalar(select(Correction.id).where(Correction.completed_on == wrong))
    path = next(link for link, number in links if int(number) == wrong_id)
    form = officer.get(path)
    assert f"The completion dated {long(wrong)} will stay on the record" in visible_text(form.text)
    missing = submit(officer, path, {"reason": ""})
    assert "Enter why you are withdrawing this completion" in visible_text(missing.text)
    response = submit(
        officer, path, {"reason": "Recorded for the wrong person"}, follow_redirects=True
    )
    assert "The completion has been withdrawn from Lewis" in visible_text(response.text)
    # The older completion is what counts now: long expired.
    assert cell_of(officer, learner)[0] == "Expired"
    page = visible_text(officer.get(f"/reports/people/{learner}").text)
    assert f"Completion from elsewhere withdrawn (completed on {long(wrong)})" in page
    assert "Recorded for the wrong person" in page
    assert "Withdrawn" in page
    assert withdraw_link(officer, learner) != path  # only the other one is offered
    assert events(app, "offline_completion_withdrawn") == [
        {
            "module": MODULE,
            "completion": wrong_id,
            "completed_on": wrong.isoformat(),
            "reason": "Recorded for the wrong person",
        }
    ]
    # Once only.
    again = submit(officer, path, {"reason": "Twice"})
    assert "This completion has already been withdrawn" in visible_text(again.text)
    assert corrections_saved(app, "withdraw_completion") == 1
    # The person reads it on their own record; the nightly sync agrees with the standing.
    learner_page = visible_text(client_as("learner").get("/training-record").text)
    assert "Completion from elsewhere withdrawn" in learner_page
    assert "Recorded for the wrong person" in learner_page
    assert "standings brought up to date" not in sync(app)
    assert cell_of(officer, learner)[0] == "Expired"


def test_only_an_officer_withdraws_a_completion_and_only_a_completion(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    learner = people["learner"]
    record_completion_elsewhere(officer, learner, today() - timedelta(days=2))
    path = withdraw_link(officer, learner)
    manager = client_as("line_manager")
    assert "/withdraw" not in manager.get(f"/team/{learner}").text
    assert manager.get(path).status_code == 403
    # Another kind of correction, or someone else's completion, is not found.
    exempt = f"/reports/people/{learner}/modules/{MODULE}/exempt"
    assert submit(officer, exempt, {"reason": "Off sick"}).status_code == 302
    with app.app_context():
        exemption = db.session.scalar(select(Correction.id).where(Correction.kind == "exempt"))
    assert (
        officer.get(f"/reports/people/{learner}/completions/{exemption}/withdraw").status_code
        == 404
    )
    number = path.split("/")[-2]
    other = people["line_manager"]
    assert officer.get(f"/reports/people/{other}/completions/{number}/withdraw").status_code == 404
