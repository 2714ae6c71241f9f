"""What ends when someone leaves, and what no browser or proxy may keep.

A leaver's former line manager loses their certificates as well as their record; links sent
before a deactivation stay dead after a reactivation; pages that name a person or carry a
live link, and the public verify page, are sent with Cache-Control: no-store.
"""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models import User
from tests.support.accounts import create_user, sign_in, submit
from tests.support.quizzes import certify
from tests.support.smtp import link_in


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, 16, 4))


def deactivate(admin, user_id: int) -> None:
    response = submit(admin, f"/admin/users/{user_id}/deactivate", {"reason": "Left the council"})
    assert response.status_code == 302


def reactivate(admin, user_id: int) -> None:
    response = submit(admin, f"/admin/users/{user_id}/reactivate", {"reason": "Came back"})
    assert response.status_code == 302


# --- A leaver's certificates -------------------------------------------------------------


def test_a_leavers_former_manager_can_no_longer_download_their_certificate(app, people, client_as):
    certificate = certify(client_as("learner"), app, people["learner"])
    manager, officer = client_as("line_manager"), client_as("officer")
    download = f"/certificates/{certificate.id}/download"
    assert manager.get(download).status_code == 200
    deactivate(client_as("admin"), people["learner"])
    assert manager.get(f"/team/{people['learner']}").status_code == 404
    assert manager.get(download).status_code == 404  # as for a certificate that is not there
    assert officer.get(download).status_code == 200  # the evidence stays with officers


def test_a_manager_keeps_the_certificates_of_people_below_a_leaver(app, people, client_as):
    below = create_user(
        app, "below@example.org", first_name="Bea", line_manager_id=people["learner"]
    )
    bea = app.test_client()
    sign_in(bea, "below@example.org")
    certificate = certify(bea, app, below)
    manager = client_as("line_manager")
    deactivate(client_as("admin"), people["learner"])
    assert manager.get(f"/certificates/{certificate.id}/download").status_code == 200


def test_after_a_team_move_only_the_new_manager_may_download(app, people, client_as):
    certificate = certify(client_as("learner"), app, people["learner"])
    other = create_user(app, "other.manager@example.org", first_name="Oscar")
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == people["learner"]).values(line_manager_id=other)
        )
        db.session.commit()
    download = f"/certificates/{certificate.id}/download"
    assert client_as("line_manager").get(download).status_code == 404
    oscar = app.test_client()
    sign_in(oscar, "other.manager@example.org")
    assert oscar.get(download).status_code == 200


# --- Links sent before a deactivation ----------------------------------------------------


def test_a_reset_link_sent_before_a_deactivation_stays_dead_after_reactivation(
    mail_app, smtp_server, people
):
    visitor = mail_app.test_client()
    submit(visitor, "/forgotten-password", {"email": "learner@example.org"})
    link = path_of(link_in(smtp_server.wait_for(1)[0]))
    assert visitor.get(link).status_code == 200
    admin = mail_app.test_client()
    sign_in(admin, "admin@example.org")
    deactivate(admin, people["learner"])
    reactivate(admin, people["learner"])
    refused = visitor.get(link)
    assert refused.status_code == 404
    assert "This link has expired or has already been used" in refused.text


def test_an_invitation_sent_before_a_deactivation_stays_dead_after_reactivation(
    mail_app, smtp_server, people
):
    admin = mail_app.test_client()
    sign_in(admin, "admin@example.org")
    nia = create_user(mail_app, "nia@example.org", password=None, first_name="Nia")
    assert submit(admin, f"/admin/users/{nia}/invitation", {}).status_code == 302
    first = path_of(link_in(smtp_server.wait_for(1)[0]))
    deactivate(admin, nia)
    reactivate(admin, nia)  # sends a new invitation, which works
    second = path_of(link_in(smtp_server.wait_for(2)[1]))
    visitor = mail_app.test_client()
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200


# --- Cache-Control on pages for people who are not signed in -----------------------------


def test_set_password_and_reset_pages_are_not_kept(mail_app, smtp_server, people):
    visitor = mail_app.test_client()
    submit(visitor, "/forgotten-password", {"email": "learner@example.org"})
    link = path_of(link_in(smtp_server.wait_for(1)[0]))
    page = visitor.get(link)
    assert page.status_code == 200 and "learner@example.org" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    invited = visitor.get(link.replace("/reset-password/", "/set-password/"))
    assert invited.status_code == 404  # a reset link is not an invitation…
    assert invited.headers["Cache-Control"] == "no-store"  # …and that page is not kept either


def test_the_verify_page_is_not_kept_so_a_revocation_shows_at_once(app, people, client_as):
    certificate = certify(client_as("learner"), app, people["learner"])
    visitor = app.test_client()
    found = visitor.get(f"/verify/{display(certificate.code)}")
    assert found.status_code == 200 and "Lewis" in found.text
    assert found.headers["Cache-Control"] == "no-store"
    unknown = visitor.get("/verify/AAAA-BBBB-CCCC-DDDD")
    assert unknown.status_code == 404
    assert unknown.headers["Cache-Control"] == "no-store"
