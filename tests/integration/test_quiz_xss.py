"""Checklist 17: attack strings in question, option and feedback text, module titles and
people's names never become executable on any quiz or certificate page."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tests.conftest import make_app
from tests.support.accounts import create_user, sign_in
from tests.support.quizzes import QUIZ, acknowledge, complete_learning, open_attempt, take_quiz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ATTACKS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
)
ATTACK = " ".join(ATTACKS)


class _Dangers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        ours = dict(attrs).get("src") == "/static/dist/app.mjs" or "nonce" in dict(attrs)
        if tag == "script" and not ours:
            self.found.append(f"<script> {attrs}")
        if tag in {"svg", "img"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in {"href", "src", "action"} and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}={value}")


def dangers(html: str) -> list[str]:
    parser = _Dangers()
    parser.feed(html)
    return parser.found


@pytest.fixture
def hostile_app(database_url, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "content", content)
    shutil.copytree(FIXTURES / "quizzes", tmp_path / "quizzes")
    bank_path = tmp_path / "quizzes" / "sample-module.yaml"
    bank = yaml.safe_load(bank_path.read_text())
    for question in bank["questions"]:
        question["stem"] = f"{ATTACK} {question['stem']}"
        question["explanation"] = f"{ATTACK} {question['explanation']}"
        for option in question["options"]:
            option["feedback"] = f"{ATTACK} {option['feedback']}"
            if question["type"] != "true_false":
                option["text"] = f"{ATTACK} {option['text']}"
    bank_path.write_text(yaml.safe_dump(bank, allow_unicode=True))
    module_path = content / "sample-module" / "module.yaml"
    module = yaml.safe_load(module_path.read_text())
    module["title"] = f"{ATTACK} A sample module"
    module_path.write_text(yaml.safe_dump(module, allow_unicode=True))
    return make_app(database_url, CONTENT_DIR=str(content))


def test_attack_strings_render_harmlessly_on_every_quiz_page(hostile_app):
    app = hostile_app
    user_id = create_user(app, "x@example.org", first_name=ATTACKS[0], last_name=ATTACKS[1])
    client = app.test_client()
    sign_in(client, "x@example.org")
    complete_learning(client)
    failed = take_quiz(client, app, user_id, right=False)
    passed = take_quiz(client, app, user_id, right=True)
    acknowledge(client, passed.id)
    pages = [
        "/home",
        "/modules/sample-module",
        QUIZ,
        f"{QUIZ}/attempts/{failed.id}/result",
        f"{QUIZ}/attempts/{passed.id}/result",
        "/certificates",
        "/training-record",
    ]
    for number in range(1, 5):
        pages.append(f"{QUIZ}/attempts/{passed.id}/questions/{number}")
    seen_attack_text = False
    for path in pages:
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert dangers(html) == [], path
        seen_attack_text |= "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert seen_attack_text  # the strings are shown, as text
    assert open_attempt(app, user_id) is None
    from tests.support.quizzes import latest_certificate

    certificate = latest_certificate(app, user_id)
    verify = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert dangers(verify) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in verify
