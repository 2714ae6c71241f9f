"""Officers' corrections in detail: leavers on the people list, corrections that would change
nothing (a module that no longer applies, a quiz pause that is not there), who reads the
reasons, what the revoke page and the confirmations say, the record's correction history
in pages, and an officer's own record. Through the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from app import catalogue
from app.certificates.lifecycle import add_months
from app.extensions import db
from app.models import AuditEvent, Correction, User
from app.models.base import today, utcnow
from tests.support.accounts import create_user, sign_in, submit
from tests.support.compliance import cell_of, long, record_completion_elsewhere, signed_in, sync
from tests.support.page_checks import visible_text
from tests.support.quizzes import QUIZ, certify, complete_learning, start, take_quiz

MODULE = "sample-module"
TITLE = "A sample module"


def corrections_saved(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Correction))


def audit_events(app, event: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event == event)
        )


def set_user(app, user_id, **values):
    with app.app_context():
        user = db.session.get(User, user_id)
        for k, v in values.items():
            setattr(user, k, v)
        db.session.commit()


def leave(app, user_id) -> None:
    """The person leaves: deactivated, and the assignment rules mark what stops counting."""
    set_user(app, user_id, is_active=False)
    sync(app)


def name_of(app, user_id) -> str:
    with app.app_context():
        user = db.session.get(User, user_id)
        return f"{user.first_name} {user.last_name}"


def number_of(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).employee_number


def banner(response) -> str:
    """The success banner's text, after following the redirect."""
    text = visible_text(response.text)
    assert "Success" in text, text
    return text.split("Success", 1)[1].split("Training record", 1)[0].strip()


def record_path(people, role: str = "learner") -> str:
    return f"/reports/people/{people[role]}"


def boxes(day) -> list[int]:
    return [day.day, day.month, day.year]


# --- Leavers on the people list ---------------------------------------------------------


def test_a_leavers_record_can_be_found_from_the_people_list(app, people, client_as):
    sync(app)
    leave(app, people["learner"])
    officer = client_as("officer")
    number = number_of(app, people["learner"])
    link = f'href="/reports/people/{people["learner"]}?'
    # By default the list is of people still here, as the compliance figures are.
    assert link not in officer.get(f"/reports/people?q={number}").text
    for account in ("left", "all"):
        listed = officer.get(f"/reports/people?q={number}&account={account}").text
        assert link in listed, account
        row = listed.split(link)[1].split("</tr>")[0]
        assert '<strong class="govuk-tag govuk-tag--grey">Left</strong>' in row
        assert "1 person" in visible_text(listed)
    left_only = visible_text(officer.get("/reports/people?account=left").text)
    assert name_of(app, people["learner"]) in left_only
    assert name_of(app, people["officer"]) not in left_only
    everyone = officer.get("/reports/people?account=all").text
    assert (
        name_of(app, people["officer"]) in everyone and name_of(app, people["learner"]) in everyone
    )
    # The choice is on the form, and kept by the sort and page links and the record's Back link.
    assert '<option value="all" selected>All</option>' in listed
    assert "account=all" in everyone.split("Sort by", 1)[1].split("</p>", 1)[0]
    record_link = re.search(r'href="(/reports/people/\d+\?list=[^"]+)"', listed).group(1)
    record = officer.get(record_link.replace("&amp;", "&")).text
    assert "Left (not counted in compliance)" in visible_text(record)
    back = re.search(r'href="([^"]+)" class="govuk-back-link"', record).group(1)
    assert "account=all" in back


def test_leavers_stay_out_of_the_dashboard_and_the_exports(app, people, client_as):
    sync(app)
    leave(app, people["learner"])
    officer = client_as("officer")
    number = number_of(app, people["learner"])
    assert visible_text(officer.get("/reports?account=all").text) == visible_text(
        officer.get("/reports").text
    )
    export = officer.get("/reports/export/compliance.csv?account=all")
    assert export.status_code == 200
    assert number not in export.get_data(as_text=True)
    # A line manager's team never lists leavers, whatever the address says.
    team = client_as("line_manager").get("/team?account=all").text
    assert name_of(app, people["learner"]) not in visible_text(team)


def test_an_account_filter_it_cannot_read_says_so_and_lists_active_people(app, people, client_as):
    sync(app)
    leave(app, people["learner"])
    page = client_as("officer").get("/reports/people?account=gone").text
    text = visible_text(page)
    assert "There is a problem" in text
    assert "Choose Active, Left or All. The page lists active people only." in text
    assert 'href="#account"' in page
    assert name_of(app, people["learner"]) not in text
    assert name_of(app, people["officer"]) in text


def test_a_leavers_record_offers_no_module_corrections(app, people, client_as):
    sync(app)
    leave(app, people["learner"])
    record = client_as("officer").get(record_path(people)).text
    assert f"/modules/{MODULE}/extend" not in record
    assert f"/modules/{MODULE}/exempt" not in record
    assert "They have left, so their modules are not counted and cannot be corrected." in (
        visible_text(record)
    )


# --- Corrections that would change nothing --------------------------------------------


def test_a_correction_on_a_module_that_no_longer_applies_is_refused(app, people, client_as):
    set_user(app, people["learner"], is_regulated_role=True)
    sync(app)
    set_user(app, people["learner"], is_regulated_role=False)
    sync(app)
    officer = client_as("officer")
    record = visible_text(officer.get(record_path(people)).text)
    assert "Only for regulated roles" not in record  # the module no longer applies
    base = f"{record_path(people)}/modules/regulated-only"
    done, later = today() - timedelta(days=3), today() + timedelta(days=90)
    attempts = {
        "exempt": ({"reason": "Not needed"}, "there is nothing to exempt them from"),
        "offline": (
            {"completed_on": boxes(done), "reason": "Register"},
            "there is no completion to record",
        ),
        "extend": ({"new_due_on": boxes(later), "reason": "Busy"}, "it has no due date to extend"),
    }
    for action, (form, says) in attempts.items():
        response = submit(officer, f"{base}/{action}", form)
        assert response.status_code == 200, action
        assert f"This person is not assigned this module, so {says}" in visible_text(
            response.text
        ), action
    assert corrections_saved(app) == 0
    assert audit_events(app, "exempted") == 0


def test_an_exemption_on_a_module_that_no_longer_applies_cannot_be_ended(app, people, client_as):
    set_user(app, people["learner"], is_regulated_role=True)
    sync(app)
    officer = client_as("officer")
    base = f"{record_path(people)}/modules/regulated-only"
    assert submit(officer, f"{base}/exempt", {"reason": "Not needed"}).status_code == 302
    set_user(app, people["learner"], is_regulated_role=False)
    sync(app)
    response = submit(officer, f"{base}/end-exemption", {"reason": "Back"})
    assert response.status_code == 200
    assert "This person is not exempt from this module" in visible_text(response.text)
    assert corrections_saved(app) == 1
    assert audit_events(app, "exemption_ended") == 0


def test_corrections_on_a_leavers_modules_are_refused(app, people, client_as):
    sync(app)
    leave(app, people["learner"])
    response = submit(
        client_as("officer"), f"{record_path(people)}/modules/{MODULE}/exempt", {"reason": "Left"}
    )
    assert response.status_code == 200
    assert "This person is not assigned this module" in visible_text(response.text)
    assert corrections_saved(app) == 0


def test_a_quiz_pause_reset_when_there_is_no_pause_is_refused(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    path = f"{record_path(people)}/modules/{MODULE}/reset-cool-down"
    response = submit(officer, path, {"reason": "One-to-one help given"})
    assert response.status_code == 200, "a reset of a pause that does not exist was saved"
    assert (
        f"There is no quiz pause to reset: {name_of(app, people['learner'])} does not have "
        "to wait before taking the quiz"
    ) in visible_text(response.text)
    assert corrections_saved(app) == 0
    assert audit_events(app, "cool_down_reset") == 0


def test_a_quiz_pause_is_reset_once(app, people, client_as):
    sync(app)
    learner = client_as("learner")
    complete_learning(learner)
    take_quiz(learner, app, people["learner"], right=False)
    take_quiz(learner, app, people["learner"], right=False)  # fixture: 2 fails, then a pause
    assert "You can try again from" in learner.get(QUIZ).text
    officer = client_as("officer")
    path = f"{record_path(people)}/modules/{MODULE}/reset-cool-down"
    done = submit(officer, path, {"reason": "One-to-one help given"}, follow_redirects=True)
    assert banner(done) == (
        f"{name_of(app, people['learner'])}'s quiz pause for {TITLE} is reset: they can try "
        "the quiz again now."
    )
    assert "You can try again from" not in learner.get(QUIZ).text
    again = submit(officer, path, {"reason": "Clicked twice"})
    assert again.status_code == 200
    assert "There is no quiz pause to reset" in visible_text(again.text)
    assert corrections_saved(app) == 1
    start(learner)


# --- Who reads a correction's reason ---------------------------------------------------


def test_line_managers_see_what_was_corrected_but_not_why(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    path = f"{record_path(people)}/modules/{MODULE}/exempt"
    form = visible_text(officer.get(path).text)
    assert (
        "This is kept on their record, and they can read it there. Their line manager cannot."
        in (form)
    )
    reason = "Undergoing cancer treatment until spring"
    assert submit(officer, path, {"reason": reason}).status_code == 302
    evidence = "Signed register of the session held by occupational health"
    record_completion_elsewhere(officer, people["learner"], today() - timedelta(days=2), evidence)
    manager_page = client_as("line_manager").get(f"/team/{people['learner']}").text
    manager_sees = visible_text(manager_page)
    assert "Exempted" in manager_sees  # what was changed, and when, and by whom
    assert reason not in manager_page and evidence not in manager_page
    assert ">Why</th>" not in manager_page
    officer_sees = visible_text(officer.get(record_path(people)).text)
    assert reason in officer_sees and evidence in officer_sees
    learner_sees = visible_text(client_as("learner").get("/home").text)
    assert "exempted you" in learner_sees


# --- The revoke page says what will happen ----------------------------------------------


def revoke_page(client, certificate_id) -> str:
    return visible_text(client.get(f"/reports/certificates/{certificate_id}/revoke").text)


def test_revoking_a_superseded_certificate_does_not_say_they_must_take_it_again(app, people):
    sync(app)
    with freeze_time(utcnow()) as clock:
        first = certify(signed_in(app, "learner@example.org"), app, people["learner"])
        clock.move_to(first.expires_on - timedelta(days=10))
        certify(signed_in(app, "learner@example.org"), app, people["learner"], refresher=True)
        officer = signed_in(app, "officer@example.org")
        page = revoke_page(officer, first.id)
        assert "The holder will need to take the module again" not in page, page
        assert "their current certificate is not affected" in page
        path = f"/reports/certificates/{first.id}/revoke"
        revoked = submit(officer, path, {"reason": "Error"}, follow_redirects=True)
        assert "has been revoked" in banner(revoked)
        assert cell_of(officer, people["learner"])[0] in ("Compliant", "Expiring")


def test_the_revoke_page_of_a_valid_certificate_says_they_must_take_it_again(
    app, people, client_as
):
    sync(app)
    certificate = certify(client_as("learner"), app, people["learner"])
    page = revoke_page(client_as("officer"), certificate.id)
    assert "The holder will need to take the module again." in page


def test_the_revoke_page_says_when_a_completion_elsewhere_still_covers_them(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    done = today() - timedelta(days=10)
    assert record_completion_elsewhere(officer, people["learner"], done).status_code == 302
    certificate = certify(client_as("learner"), app, people["learner"])
    with app.app_context():
        months = catalogue.get().modules[MODULE].spec.certificate_validity_months
    until = add_months(done, months)
    page = revoke_page(officer, certificate.id)
    assert "The holder will need to take the module again" not in page
    assert (
        f"Their completion recorded from elsewhere still counts until {long(until)}, so they "
        "will not need to take the module again before then."
    ) in page
    path = f"/reports/certificates/{certificate.id}/revoke"
    response = submit(officer, path, {"reason": "x"}, follow_redirects=True)
    assert "has been revoked" in banner(response)
    assert cell_of(officer, people["learner"])[0] in ("Compliant", "Expiring")


def test_the_revoke_page_of_an_expired_or_revoked_certificate(app, people, client_as):
    sync(app)
    with freeze_time(utcnow()) as clock:
        certificate = certify(signed_in(app, "learner@example.org"), app, people["learner"])
        clock.move_to(certificate.expires_on + timedelta(days=2))
        officer = signed_in(app, "officer@example.org")
        assert "It has already expired, so the holder already needs to take the module again." in (
            revoke_page(officer, certificate.id)
        )
        path = f"/reports/certificates/{certificate.id}/revoke"
        assert submit(officer, path, {"reason": "Issued in error"}).status_code == 302
        page = revoke_page(officer, certificate.id)
        assert f"was revoked on {long(today())}. There is nothing more to do." in page
        assert "Revoke certificate" in page and "Why are you revoking" not in page


# --- Confirmations name the person, the module and what changed ------------------------


def test_the_confirmation_banner_says_which_module_and_what_changed(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    name = name_of(app, people["learner"])
    base = f"{record_path(people)}/modules/{MODULE}"
    later = today() + timedelta(days=120)
    extended = submit(
        officer,
        f"{base}/extend",
        {"new_due_on": boxes(later), "reason": "Sick leave"},
        follow_redirects=True,
    )
    assert banner(extended) == f"{name}'s due date for {TITLE} is now {long(later)}."
    exempt = submit(officer, f"{base}/exempt", {"reason": "No IT"}, follow_redirects=True)
    assert banner(exempt) == f"{name} is exempt from {TITLE}."
    ended = submit(officer, f"{base}/end-exemption", {"reason": "New job"}, follow_redirects=True)
    assert banner(ended) == f"{name} is no longer exempt from {TITLE}."
    done = today() - timedelta(days=5)
    recorded = submit(
        officer,
        f"{base}/offline",
        {"completed_on": boxes(done), "reason": "Register"},
        follow_redirects=True,
    )
    assert banner(recorded) == f"{name}'s completion of {TITLE} on {long(done)} is recorded."
    with app.app_context():
        completion = db.session.scalar(
            select(Correction.id).where(Correction.kind == "offline_completion")
        )
    withdrawn = submit(
        officer,
        f"{record_path(people)}/completions/{completion}/withdraw",
        {"reason": "Wrong person"},
        follow_redirects=True,
    )
    assert banner(withdrawn) == (
        f"The completion has been withdrawn from {name}'s record: {TITLE}, dated {long(done)}."
    )


def test_the_revocation_banner_names_the_certificate(app, people, client_as):
    sync(app)
    certificate = certify(client_as("learner"), app, people["learner"])
    response = submit(
        client_as("officer"),
        f"/reports/certificates/{certificate.id}/revoke",
        {"reason": "Issued in error"},
        follow_redirects=True,
    )
    said = banner(response)
    assert said.startswith(f"{certificate.holder_name}'s certificate ")
    assert said.endswith(f" for {TITLE} has been revoked.")


# --- The correction history in pages --------------------------------------------------


def add_corrections(app, people, count: int) -> None:
    with app.app_context():
        for number in range(count):
            db.session.add(
                Correction(
                    user_id=people["learner"],
                    module_id=MODULE,
                    kind="reset_cool_down",
                    reason=f"Help session {number}",
                    created_by_id=people["officer"],
                )
            )
        db.session.commit()


def sessions_shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"Help session (\d+)<", page)]


def test_a_long_correction_history_is_shown_in_pages(app, people, client_as):
    sync(app)
    add_corrections(app, people, 120)
    officer = client_as("officer")
    first = officer.get(record_path(people)).text
    assert sessions_shown(first) == list(range(119, 69, -1))  # newest first, 50 a page
    assert "120 corrections, newest first. Page 1 of 3." in visible_text(first)
    assert 'class="govuk-pagination' in first and 'aria-label="Corrections pages"' in first
    assert f'href="{record_path(people)}?page=2#corrections"' in first
    assert sessions_shown(officer.get(f"{record_path(people)}?page=2").text) == list(
        range(69, 19, -1)
    )
    assert sessions_shown(officer.get(f"{record_path(people)}?page=3").text) == list(
        range(19, -1, -1)
    )
    for wrong in ("4", "0", "-1", "two", "9999999"):
        assert officer.get(f"{record_path(people)}?page={wrong}").status_code == 404, wrong
    # The Back link's list goes along from page to page.
    kept = officer.get(f"{record_path(people)}?list=q%3DLewis").text
    assert f'href="{record_path(people)}?list=q%3DLewis&amp;page=2#corrections"' in kept
    # Line managers page through it too.
    team = client_as("line_manager").get(f"/team/{people['learner']}?page=3").text
    assert "Page 3 of 3" in visible_text(team) and "Help session" not in team


def test_a_completion_withdrawn_on_another_page_shows_as_withdrawn(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    done = today() - timedelta(days=5)
    assert record_completion_elsewhere(officer, people["learner"], done).status_code == 302
    with app.app_context():
        completion = db.session.scalar(select(Correction.id))
    add_corrections(app, people, 49)
    path = f"{record_path(people)}/completions/{completion}/withdraw"
    assert submit(officer, path, {"reason": "Wrong person"}).status_code == 302
    # The withdrawal is the newest (page 1); the completion the oldest (page 2).
    assert "Completion from elsewhere withdrawn" in officer.get(record_path(people)).text
    second = officer.get(f"{record_path(people)}?page=2").text
    row = second.split("Completion recorded from elsewhere")[1].split("</tr>")[0]
    assert "Withdrawn" in row and "/withdraw" not in row


# --- An officer's own record ------------------------------------------------------------


def test_an_officers_own_record_does_not_offer_corrections_they_cannot_make(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    certificate = certify(officer, app, people["officer"])
    own = officer.get(record_path(people, "officer")).text
    for action in ("extend", "exempt", "reset-cool-down", "offline"):
        assert f"{record_path(people, 'officer')}/modules/{MODULE}/{action}" not in own, action
    assert f"/reports/certificates/{certificate.id}/revoke" not in own
    assert "Another training officer must correct your record." in visible_text(own)
    # Someone else's record still offers them.
    other = officer.get(record_path(people)).text
    assert f"{record_path(people)}/modules/{MODULE}/exempt" in other
    assert "Another training officer must correct your record" not in other


def test_a_refusal_not_about_the_date_is_not_put_on_the_date(app, people, client_as):
    sync(app)
    officer = client_as("officer")
    later = today() + timedelta(days=90)
    own = f"{record_path(people, 'officer')}/modules/{MODULE}/extend"
    refused = submit(officer, own, {"new_due_on": boxes(later), "reason": "Busy"})
    assert "You cannot correct your own training record" in visible_text(refused.text)
    assert 'id="new_due_on-date-error"' not in refused.text
    # A certificate decides the status: no date would do, so it is about the whole form.
    certify(client_as("learner"), app, people["learner"])
    path = f"{record_path(people)}/modules/{MODULE}/extend"
    valid = submit(officer, path, {"new_due_on": boxes(later), "reason": "Busy"})
    assert "An extension cannot change this" in visible_text(valid.text)
    assert 'id="new_due_on-date-error"' not in valid.text
    # A date that is the problem is still shown on the date.
    create_user(app, "colleague@example.org", is_training_officer=True)
    other = app.test_client()
    sign_in(other, "colleague@example.org")
    dated = submit(
        other,
        f"/reports/people/{people['officer']}/modules/{MODULE}/offline",
        {"completed_on": boxes(today() + timedelta(days=1)), "reason": "Register"},
    )
    assert "The date of the completion must be today or in the past" in visible_text(dated.text)
    assert 'id="completed_on-date-error"' in dated.text
