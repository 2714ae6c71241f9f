"""Every route declares who may use it."""

from __future__ import annotations

from app.auth.permissions import RULES, rule_of

# endpoint: rule. A new endpoint fails this test until it is added here on purpose.
EXPECTED_RULES = {
    "main.start": "public",
    "main.home": "signed_in",
    "main.healthz": "public",
    "main.readyz": "public",
    "main.accessibility": "public",
    "main.privacy": "public",
    "main.cookies": "public",
    "auth.sign_in": "public",
    "auth.sign_out": "public",
    "auth.forgotten_password": "public",
    "auth.reset_link_sent": "public",
    "auth.reset_password": "public",
    "auth.set_password": "public",
    "auth.account": "signed_in",
    "auth.change_password": "signed_in",
    "admin.users": "administrator",
    "admin.new_user": "administrator",
    "admin.user": "administrator",
    "admin.edit_user": "administrator",
    "admin.deactivate_user": "administrator",
    "admin.reactivate_user": "administrator",
    "admin.resend_invitation": "administrator",
    "admin.departments": "administrator",
    "admin.rename_department": "administrator",
    "admin.audit_log": "training_officer",
    "admin.settings_and_content": "administrator",
    "learning.module": "signed_in",
    "learning.lesson": "signed_in",
    "learning.scenario": "signed_in",
    "learning.play": "signed_in",
    "learning.feedback": "signed_in",
    "learning.summary": "signed_in",
    "main.policy": "public",
    "quizzes.start": "signed_in",
    "quizzes.question": "signed_in",
    "quizzes.check": "signed_in",
    "quizzes.result": "signed_in",
    "quizzes.acknowledge": "signed_in",
    "certificates.mine": "signed_in",
    "certificates.download": "signed_in",
    "certificates.record": "signed_in",
    "certificates.record_pdf": "signed_in",
    "certificates.verify_form": "public",
    "certificates.verify": "public",
    "reports.dashboard": "training_officer",
    "reports.people": "training_officer",
    "reports.record": "training_officer",
    "reports.correct": "training_officer",
    "reports.revoke": "training_officer",
    "reports.withdraw_completion": "training_officer",
    "reports.assign": "training_officer",
    "reports.export": "training_officer",
    "reports.hr_import": "training_officer",
    "reports.hr_preview": "training_officer",
    "reports.analytics_page": "training_officer",
    "reports.team": "signed_in",
    "reports.team_member": "signed_in",
}


def test_every_endpoint_declares_its_rule(app):
    declared = {}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        rule = rule_of(view)
        assert rule in RULES, f"{endpoint} declares no access rule"
        declared[endpoint] = rule
    assert declared == EXPECTED_RULES


def test_signed_in_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/home")
