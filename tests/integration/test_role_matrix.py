"""Every endpoint × every role, from each endpoint's declared rule (checklist 11, 12).

Expected answers: anonymous visitors are sent to sign in (302) from anything not public;
a signed-in person without the role gets 403; a person with it does not.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from app.auth.permissions import rule_of
from tests.conftest import ROLE_EMAILS, make_app
from tests.support.accounts import PASSWORD, create_department, create_user

ROLES = ("anonymous", "learner", "line_manager", "officer", "admin")
ALLOWED = {
    "public": set(ROLES),
    "signed_in": {"learner", "line_manager", "officer", "admin"},
    "training_officer": {"officer", "admin"},
    "administrator": {"admin"},
}


def url_for_rule(rule, people, department_id):
    values = {}
    for argument in rule.arguments:
        if argument == "user_id":
            values[argument] = people["learner"]
        elif argument == "department_id":
            values[argument] = department_id
        elif isinstance(rule._converters[argument], IntegerConverter):
            values[argument] = 1
        else:
            values[argument] = "placeholder"
    return rule.build(values)[1]


def endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, rule_of(app.view_functions[rule.endpoint])


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_by_its_rule(database_url, role):
    # CSRF is off here so that POST-only endpoints reach their access check;
    # CSRF itself is tested in test_security.py.
    app = make_app(database_url, WTF_CSRF_ENABLED=False)

    dept = create_department(app, "Housing")
    manager = create_user(app, ROLE_EMAILS["line_manager"], department_id=dept)
    people = {
        "line_manager": manager,
        "learner": create_user(
            app, ROLE_EMAILS["learner"], department_id=dept, line_manager_id=manager
        ),
        "officer": create_user(app, ROLE_EMAILS["officer"], is_training_officer=True),
        "admin": create_user(app, ROLE_EMAILS["admin"], is_administrator=True),
    }
    client = app.test_client()
    if role != "anonymous":
        assert sign_in_without_csrf(client, ROLE_EMAILS[role]).status_code == 302

    problems = []
    for rule, access in endpoints(app):
        if rule.endpoint in {"auth.sign_out"}:
            continue  # signing out would end this client's session for the next endpoints
        url = url_for_rule(rule, people, dept)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        allowed = role in ALLOWED[access]
        if not allowed and role == "anonymous":
            ok = response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
        elif not allowed:
            ok = response.status_code == 403
        else:
            ok = response.status_code not in {401, 403} and not (
                response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
            )
        if not ok:
            problems.append(f"{method} {url} ({access}) as {role}: {response.status_code}")
    assert problems == []


def sign_in_without_csrf(client, email):
    return client.post("/sign-in", data={"email": email, "password": PASSWORD})


def table_counts(app):
    from sqlalchemy import func, select

    from app.extensions import db

    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_no_get_request_changes_anything(database_url):
    """Checklist 22: state changes only through POST (with a CSRF token)."""
    app = make_app(database_url)
    from tests.support.accounts import sign_in

    dept = create_department(app, "Housing")
    people = {
        "learner": create_user(app, ROLE_EMAILS["learner"], department_id=dept),
        "admin": create_user(app, ROLE_EMAILS["admin"], is_administrator=True),
    }
    client = app.test_client()
    assert sign_in(client, ROLE_EMAILS["admin"]).status_code == 302
    before = table_counts(app)
    for rule, _access in endpoints(app):
        if "GET" in rule.methods:
            client.get(url_for_rule(rule, people, dept))
    after = table_counts(app)
    # The one exception: the public verify page counts lookups to rate-limit them.
    assert after.pop("rate_limit_hit") - before.pop("rate_limit_hit") == 1
    assert after == before
