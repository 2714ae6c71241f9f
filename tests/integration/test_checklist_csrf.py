"""Checklist 22: state changes only through a POST that carries this session's CSRF token.

Driven from app.url_map, so a new route is covered as soon as it exists:

- every POST route, sent with no token or with another session's token, answers 400 and
  changes no row of any table, whether it came from a page of this site (the app runs the
  view again to show the form with a message) or from elsewhere. Each is sent by the
  person for whom it would change something, with the form's own fields filled in; the
  same POSTs with CSRF switched off do change something, so this data is real and a
  route whose protection broke would show;
- no GET changes anything, fetched by people part-way through their training, with the
  ids of their own attempts, certificates, uploads and corrections.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.permissions import rule_of
from app.extensions import db
from app.models import Certificate, Correction, HrUpload, User
from app.models.base import today
from app.reports.correction_routes import CORRECTIONS
from tests.conftest import ROLE_EMAILS
from tests.support.accounts import PASSWORD, create_user, csrf_token, sign_in, submit
from tests.support.compliance import record_completion_elsewhere, sync
from tests.support.forms import post_form_fields
from tests.support.quizzes import (
    answer_all,
    answers_for,
    certify,
    complete_learning,
    take_quiz,
)
from tests.support.smtp import link_in

MODULE = "sample-module"
NEW_PASSPHRASE = "an entirely different passphrase for this test"
# Refusal texts: the form shown again (a same-site Referer), or the plain 400 page.
SHOWN_AGAIN = "We did not save this because the page had been open too long"
REFUSED = "This form had expired or had been sent from another page"


def links_landing_nowhere(page: str) -> list[str]:
    """The error summary's links (`#id`) that no element of the page carries."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    targets = re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    return [f"#{target}" for target in targets if target not in ids]


# --- Every row of every table ---------------------------------------------------------


def snapshot(app: Flask, skip: Callable[[str, Any], bool] | None = None) -> dict[str, list[str]]:
    """Every row of every table as text (apart from rows `skip` says may come and go)."""
    with app.app_context():
        tables = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            kept = [row for row in rows if not (skip and skip(table.name, row._mapping))]
            tables[table.name] = sorted(repr(tuple(row)) for row in kept)
        db.session.remove()
        return tables


def recorded_by_design(table: str, row: Any) -> bool:
    """What a GET is meant to write: an export's audit entry and the rate-limit counts of
    exports and certificate checks."""
    if table == "audit_event":
        return row["event"] == "export_downloaded"
    return table == "rate_limit_hit" and row["key"].startswith(("export:", "verify:"))


def changed_tables(before: dict, after: dict) -> dict[str, dict[str, list[str]]]:
    changed = {}
    for name, rows in before.items():
        if rows != after[name]:
            changed[name] = {
                "gone": sorted(set(rows) - set(after[name]))[:2],
                "new": sorted(set(after[name]) - set(rows))[:2],
            }
    return changed


def wait_for_background_work() -> None:
    """A reset request or an e-mail is finished on a thread of its own (app/background.py):
    its writes count too."""
    for thread in threading.enumerate():
        if thread.name.startswith("background-"):
            thread.join(timeout=10)


# --- People part-way through everything, with real ids ---------------------------------


@dataclass
class World:
    app: Flask
    clients: dict[str, FlaskClient]
    ids: dict[str, int]
    links: dict[str, str]
    wrong_answer: dict[str, object] = field(default_factory=dict)


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302, email
    return client


def _path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def world(mail_app, smtp_server, people) -> World:
    app = mail_app
    with app.app_context():
        housing = db.session.get(User, people["learner"]).department_id
    ids = {"housing": housing, **people}
    for name in ("player", "ready", "passer", "holder", "failer", "exempted", "offline", "leaver"):
        ids[name] = create_user(app, f"{name}@example.org", department_id=housing)
    ids["former"] = create_user(app, "former@example.org", is_active=False)
    ids["invitee"] = create_user(app, "invitee@example.org", password=None)
    ids["uninvited"] = create_user(app, "uninvited@example.org", password=None)
    ids["resetter"] = create_user(app, "resetter@example.org")
    sync(app)

    admin = _client(app, ROLE_EMAILS["admin"])
    officer = _client(app, ROLE_EMAILS["officer"])
    clients = {
        "visitor": app.test_client(),
        "admin": admin,
        "officer": officer,
        "beginner": _client(app, ROLE_EMAILS["line_manager"]),  # nothing done yet
        "taker": _client(app, ROLE_EMAILS["learner"]),  # every question answered, not sent
        "player": _client(app, "player@example.org"),  # in a scenario, no choice made
        "ready": _client(app, "ready@example.org"),  # learning done, quiz not started
        "passer": _client(app, "passer@example.org"),  # passed, not yet acknowledged
    }
    submit(clients["player"], f"/modules/{MODULE}/scenarios/office-choice", {})
    complete_learning(clients["ready"])
    complete_learning(clients["passer"])
    ids["passed_attempt"] = take_quiz(clients["passer"], app, ids["passer"], right=True).id
    complete_learning(clients["taker"])
    attempt = answer_all(clients["taker"], app, ids["learner"], right=True)
    ids["open_attempt"] = attempt.id
    ids["certificate"] = certify(_client(app, "holder@example.org"), app, ids["holder"]).id
    failer = _client(app, "failer@example.org")
    complete_learning(failer)
    take_quiz(failer, app, ids["failer"], right=False)
    take_quiz(failer, app, ids["failer"], right=False)  # now waiting out the quiz pause

    reason = {"reason": "Set up by the test"}
    exempt = f"/reports/people/{ids['exempted']}/modules/{MODULE}/exempt"
    assert submit(officer, exempt, reason).status_code == 302
    on = today() - timedelta(days=10)
    assert record_completion_elsewhere(officer, ids["offline"], on).status_code == 302
    upload = officer.post(
        "/reports/hr-import",
        data={
            "csrf_token": csrf_token(officer, "/reports/hr-import"),
            "file": (_hr_file(), "staff.csv"),
        },
        headers={"Referer": "http://localhost/reports/hr-import"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, upload.text
    with app.app_context():
        ids["correction"] = db.session.scalar(
            select(Correction.id).where(Correction.user_id == ids["offline"])
        )
        ids["upload"] = db.session.scalar(select(HrUpload.id))

    # Live links, from the e-mails people get.
    invitation = f"/admin/users/{ids['invitee']}/invitation"
    submit(admin, invitation, {}, form_path=f"/admin/users/{ids['invitee']}")
    submit(app.test_client(), "/forgotten-password", {"email": "resetter@example.org"})
    wait_for_background_work()
    smtp_server.wait_for(2)  # sent by threads of their own: they arrive in either order
    links = {
        "set_password": _path_of(link_in(smtp_server.to("invitee@example.org")[0])),
        "reset_password": _path_of(link_in(smtp_server.to("resetter@example.org")[0])),
    }
    world = World(app, clients, ids, links)
    wrong = answers_for(app, attempt, right=False)[0]
    world.wrong_answer = {"answer": wrong, "question": attempt.question_ids[0]}
    return world


HR_FILE = (
    b"Employee Number,First Name,Last Name,E-mail,Department,Job Title,Start Date,"
    b"Line Manager,Regulated Role,Professional Body\n"
    b"N00001,Nadia,New,nadia.new@example.org,Housing,Officer,2020-01-06,,no,none\n"
)


def _hr_file() -> io.BytesIO:
    return io.BytesIO(HR_FILE)


# --- Where each POST goes, as whom, with what ------------------------------------------

# Who posts to each endpoint: the person for whom the form would change something.
POSTED_BY = {
    "auth.change_password": "admin",
    "auth.sign_out": "beginner",
    "quizzes.start": "ready",
    "quizzes.question": "taker",
    "quizzes.check": "taker",
    "quizzes.acknowledge": "passer",
    "learning.lesson": "beginner",
    "learning.scenario": "beginner",
    "learning.play": "player",
}
BY_RULE = {  # everyone else, by the endpoint's declared access rule
    "public": "visitor",
    "signed_in": "beginner",
    "training_officer": "officer",
    "administrator": "admin",
}
# Whose record an officer's correction changes, for each kind of correction.
CORRECTED = {
    "extend": "ready",
    "exempt": "passer",
    "end-exemption": "exempted",
    "reset-cool-down": "failer",
    "offline": "holder",
}
USER_OF = {
    "admin.deactivate_user": "leaver",
    "admin.reactivate_user": "former",
    "admin.resend_invitation": "uninvited",
    "admin.edit_user": "learner",
    "reports.withdraw_completion": "offline",
}
# Last: submitting the quiz closes the attempt the question page needs; signing out ends
# the session the others use.
LAST = ("quizzes.check", "auth.sign_out")


@dataclass
class Target:
    endpoint: str
    url: str
    client: FlaskClient
    data: dict[str, object]
    has_form: bool


def _values(world: World, rule, action: str | None, code: str = "") -> dict[str, object]:
    ids = world.ids
    values: dict[str, object] = {}
    for argument in rule.arguments:
        if argument == "user_id":
            who = CORRECTED[action] if action else USER_OF.get(rule.endpoint, "learner")
            values[argument] = ids[who]
        elif argument == "attempt_id":
            passed = rule.endpoint == "quizzes.acknowledge"
            values[argument] = ids["passed_attempt" if passed else "open_attempt"]
        elif argument == "token":
            values[argument] = world.links[rule.endpoint.split(".")[1]].rsplit("/", 1)[1]
        else:
            known = {
                "module_id": MODULE,
                "lesson_id": "first-lesson",
                "scenario_id": "office-choice",
                "number": 1,
                "action": action,
                "department_id": ids["housing"],
                "certificate_id": ids["certificate"],
                "correction_id": ids["correction"],
                "upload_id": ids["upload"],
                "kind": "compliance",
                "extension": "csv",
                "code": code,
            }
            assert argument in known, (
                f"{rule.endpoint}: no real value for <{argument}>; add one to this test"
            )
            values[argument] = known[argument]
    return values


def _date(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _filled(endpoint: str, fields: dict[str, list[str]], world: World) -> dict[str, object]:
    """What a person would send: the form's own values, the empty fields filled in, and
    whatever makes this form change something."""
    later, earlier = today() + timedelta(days=90), today() - timedelta(days=3)
    fill = {
        "reason": "Typed by the test",
        "confirm": "y",
        "email": "learner@example.org",
        "password": NEW_PASSPHRASE,
        "current_password": PASSWORD,
        "new_password": NEW_PASSPHRASE,
        "last_name": "Person",
        "employee_number": "Z99999",
        "job_title": "Officer",
        "department": str(world.ids["housing"]),
        "regulated_role": "no",
        "professional_body": "none",
        "completed_on": _date(earlier),
        "start_date": _date(earlier),
    }
    always = {"name": "Renamed by the test", "first_name": "Changed"}
    data: dict[str, object] = {}
    for name, values in fields.items():
        if name == "csrf_token":
            continue
        if name in always:
            data[name] = always[name]
        elif any(values):
            data[name] = values
        elif name in fill:
            data[name] = fill[name]
        elif len(values) == 3:  # an empty day, month and year
            data[name] = _date(later)
        else:
            data[name] = values
    data.update(
        {
            "auth.sign_in": {"password": PASSWORD},
            "auth.change_password": {"confirm": NEW_PASSPHRASE},
            "auth.reset_password": {"confirm": NEW_PASSPHRASE},
            "auth.set_password": {"confirm": NEW_PASSPHRASE},
            "admin.new_user": {"email": "new.person@example.org"},
            "admin.departments": {"name": "Added by the test"},
            "quizzes.question": world.wrong_answer,
            "reports.assign": {"module": "regulated-only"},
            "reports.hr_import": {"file": (HR_FILE, "staff.csv")},
        }.get(endpoint, {})
    )
    return data


def post_targets(world: World) -> list[Target]:
    app = world.app
    targets = []
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    rules.sort(key=lambda r: (LAST.index(r.endpoint) + 1 if r.endpoint in LAST else 0, r.rule))
    for rule in rules:
        access = rule_of(app.view_functions[rule.endpoint])
        client = world.clients[POSTED_BY.get(rule.endpoint, BY_RULE[access])]
        actions = list(CORRECTIONS) if "action" in rule.arguments else [None]
        for action in actions:
            url = rule.build(_values(world, rule, action))[1]
            fields = {}
            if "GET" in rule.methods:
                page = client.get(url)
                assert page.status_code == 200, f"GET {url}: {page.status_code}"
                fields = post_form_fields(page.text, url)
            data = _filled(rule.endpoint, fields, world)
            targets.append(Target(rule.endpoint, url, client, data, "GET" in rule.methods))
    return targets


def post(target: Target, data: dict[str, object], headers: dict[str, str] | None = None):
    # A file is sent as a fresh stream each time (a stream is read once).
    sent = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    return target.client.post(target.url, data=sent, headers=headers or {})


# --- The tests ------------------------------------------------------------------------

BAD_TOKENS = [("no token", "this site"), ("another session's token", "this site")]
BAD_TOKENS += [("no token", "another site")]


def test_every_post_without_this_sessions_token_is_refused_and_changes_nothing(world):
    app = world.app
    foreign = csrf_token(app.test_client(), "/sign-in")
    targets = post_targets(world)
    problems = []
    before = snapshot(app)
    for token, sent_from in BAD_TOKENS:
        for target in targets:
            data = dict(target.data)
            if token == "another session's token":
                data["csrf_token"] = foreign
            this_site = {"Referer": f"http://localhost{target.url}"}
            headers = this_site if sent_from == "this site" else {}
            response = post(target, data, headers)
            wait_for_background_work()
            after = snapshot(app)
            # A page with a form shows it again when it came from this site (app.errors).
            shown_again = sent_from == "this site" and target.has_form
            refusal = SHOWN_AGAIN if shown_again else REFUSED
            where = f"POST {target.url} with {token}, from {sent_from}"
            if response.status_code != 400 or refusal not in response.text:
                problems.append(f"{where}: {response.status_code}, not refused")
            if shown_again and (lost := links_landing_nowhere(response.text)):
                problems.append(f"{where}: the error summary links to {lost}, not on the page")
            if changed := changed_tables(before, after):
                problems.append(f"{where} changed {changed}")
            before = after
    assert problems == [], "\n".join(problems)

    # The control: the same POSTs with CSRF switched off do change something, so the
    # form data above is real and a route whose protection broke would have shown.
    app.config["WTF_CSRF_ENABLED"] = False
    unchanged = []
    for target in targets:
        response = post(target, target.data)
        wait_for_background_work()
        after = snapshot(app)
        if not changed_tables(before, after):
            unchanged.append(f"POST {target.url}: {response.status_code}, changed nothing")
        before = after
    assert unchanged == [], "\n".join(unchanged)


def test_no_get_changes_anything_for_anyone(world):
    """Every page fetched by everyone, each part-way through something: nothing is saved,
    apart from what a GET is meant to record (an export's audit entry, the rate-limit counts
    of exports and certificate checks)."""
    app = world.app
    with app.app_context():
        code = db.session.get(Certificate, world.ids["certificate"]).code
    before = snapshot(app, skip=recorded_by_design)
    problems = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.build(_values(world, rule, "exempt", code=code))[1]
        for client in world.clients.values():
            client.get(url).get_data()  # the whole of a streamed export too
        wait_for_background_work()
        after = snapshot(app, skip=recorded_by_design)
        if changed := changed_tables(before, after):
            problems.append(f"GET {url} changed {changed}")
        before = after
    assert problems == [], "\n".join(problems)
