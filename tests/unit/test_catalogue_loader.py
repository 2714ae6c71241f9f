"""The content loader: one deliberately broken file per rule, each with its own message."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.catalogue import loader

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "content"
QUIZZES = FIXTURE.parent / "quizzes"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    shutil.copytree(QUIZZES, tmp_path / "quizzes")
    return root


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


def problems(root: Path) -> list[str]:
    catalogue, found = loader.load(root)
    assert (catalogue is None) == bool(found)
    return [str(p) for p in found]


def test_the_sample_loads(content):
    catalogue, found = loader.load(content)
    assert found == []
    module = catalogue.modules["sample-module"]
    assert module.lessons["first-lesson"].title == "The first lesson"
    assert "app-callout--key-point" in module.lessons["first-lesson"].html
    assert module.scenarios["office-choice"].spec.start == "intro"


M = "sample-module/module.yaml"
S = "sample-module/scenarios/office-choice.yaml"
L = "sample-module/lessons/first-lesson.md"
Q = "../quizzes/sample-module.yaml"
P = "policy.yaml"

BROKEN = [
    # (file, old, new, expected problem)
    (
        M,
        "version: 1\n",
        "version: 1\nversoin: 2\n",
        "content/sample-module/module.yaml:6: 'versoin' is not a field we know",
    ),
    (M, "title: A sample module\n", "", "content/sample-module/module.yaml:1: 'title' is missing"),
    (
        M,
        "  - lesson:first-lesson\n  - scenario",
        "  - lesson:no-such-lesson\n  - scenario",
        "content/sample-module/module.yaml:10: induction_path names lesson 'no-such-lesson', "
        "but there is no such lesson in sample-module/lessons/",
    ),
    (
        M,
        "audience: everyone",
        "audience:\n  any_of:\n    - shoe_size: 9",
        "content/sample-module/module.yaml:8: 'audience.any_of.0.shoe_size' is not a field we know",
    ),
    (
        M,
        "id: sample-module",
        "id: other-module",
        "content/sample-module/module.yaml:1: id 'other-module' must match the folder name",
    ),
    (
        M,
        "https://www.legislation",
        "www.legislation",
        "must be a web address starting with https://",
    ),
    (
        S,
        "        next: good-end",
        "        next: nowhere",
        "content/sample-module/scenarios/office-choice.yaml:19: node 'ask' leads to 'nowhere', "
        "but there is no such node",
    ),
    (
        S,
        "    next: ask\n",
        "    next: good-end\n",
        "content/sample-module/scenarios/office-choice.yaml:11: node 'ask' cannot be reached "
        "from the start",
    ),
    (
        S,
        "      - id: forward",
        "      - id: check",
        "choice ids must be unique in a decision: check",
    ),
    (
        S,
        "    type: decision\n",
        "    type: puzzle\n",
        "content/sample-module/scenarios/office-choice.yaml:12: 'nodes.ask.type' must be content, "
        "decision or end",
    ),
    (S, "start: intro", "start: [unclosed", "this is not valid YAML"),
    (
        L,
        "id: first-lesson",
        "id: First Lesson",
        "content/sample-module/lessons/first-lesson.md:2: 'id' must be lower-case letters",
    ),
    (L, "---\nid", "id", "a lesson must start with front matter"),
    # Question banks (quizzes/<module-id>.yaml)
    (
        M,
        "quiz_bank: sample-module",
        "quiz_bank: missing-bank",
        "content/sample-module/module.yaml:14: quiz_bank names 'missing-bank', but there is "
        "no file quizzes/missing-bank.yaml",
    ),
    (Q, "module: sample-module", "module: other", "quizzes/sample-module.yaml:1: module 'other'"),
    (
        Q,
        "  pass_mark_percent: 75",
        "  pass_mark_percent: 75\n  pass_mark: 75",
        "quizzes/sample-module.yaml:5: 'settings.pass_mark' is not a field we know",
    ),
    (
        Q,
        "    explanation: The policy covers your own time",
        "    explain: The policy covers your own time",
        "quizzes/sample-module.yaml:11: 'questions.0.explanation' is missing",
    ),
    (
        Q,
        "  - id: lunch-browsing",
        "  - id: own-phone",
        "quizzes/sample-module.yaml:28: question id 'own-phone' is used twice",
    ),
    (
        Q,
        "      - id: never",
        "      - id: applies",
        "quizzes/sample-module.yaml:16: question 'own-phone' uses option id 'applies' twice",
    ),
    (
        Q,
        "        text: No, because the phone is yours.\n",
        "        text: No, because the phone is yours.\n        correct: true\n",
        "question 'own-phone' is a single question, so it needs 3 to 5 options, exactly one",
    ),
    (
        Q,
        "        text: Lock your screen when you leave your desk.\n        correct: true",
        "        text: Lock your screen when you leave your desk.",
        "question 'safe-habits' is a multiple question, so it needs 4 to 6 options, at least two",
    ),
    (
        Q,
        '      - id: "false"\n        text: "False"\n        feedback: Not quite. Reasonable',
        '      - id: "no"\n        text: "False"\n        feedback: Not quite. Reasonable',
        "question 'lunch-browsing' is a true_false question, so its option ids must be",
    ),
    (
        Q,
        "    lesson: first-lesson\n    tags: [personal-use]\n    stem: You post",
        "    lesson: second-lesson\n    tags: [personal-use]\n    stem: You post",
        "quizzes/sample-module.yaml:13: question 'own-phone' names lesson 'second-lesson', "
        "but no lesson of that id is on the module's induction_path or refresher_path",
    ),
    (
        Q,
        "    tags: [personal-use]\n    stem: You post",
        "    tags: [personal-uses]\n    stem: You post",
        "question 'own-phone' uses the tag 'personal-uses', which is not listed under tags",
    ),
    (
        Q,
        "  sharing: Sharing information",
        "  sharing: Sharing information\n  unused: A tag nobody uses",
        "quizzes/sample-module.yaml:10: no question uses the tag 'unused'",
    ),
    (
        Q,
        "questions_per_attempt: 4",
        "questions_per_attempt: 9",
        "quizzes/sample-module.yaml:3: questions_per_attempt is 9, but the bank has only 5",
    ),
    (
        P,
        "version: 4",
        "verison: 4",
        "content/policy.yaml:1: 'version' is missing",
    ),
]


@pytest.mark.parametrize(("relative", "old", "new", "expected"), BROKEN)
def test_each_broken_rule_gives_its_own_message(content, relative, old, new, expected):
    edit(content, relative, old, new)
    found = problems(content)
    assert any(expected in p for p in found), found


def test_duplicate_lesson_ids(content):
    shutil.copy(content / L, content / "sample-module/lessons/copy.md")
    found = problems(content)
    assert any("lesson id 'first-lesson' is also used by" in p for p in found), found


def test_scenario_with_no_reachable_end(content):
    edit(
        content,
        S,
        "    type: end\n    title: Well done\n    text: You shared only what was needed.",
        "    type: content\n    text: Loop.\n    next: ask",
    )
    edit(
        content,
        S,
        "    type: end\n    title: Think again\n    text: Too many people saw the file.",
        "    type: content\n    text: Loop again.\n    next: ask",
    )
    found = problems(content)
    assert any(
        "office-choice.yaml:5: no end node can be reached from the start" in p for p in found
    ), found


def test_loop_with_no_way_out(content):
    edit(content, S, "        next: bad-end", "        next: trap")
    (content / S).write_text(
        (content / S).read_text()
        + "  trap:\n    type: content\n    text: Round again.\n    next: trap\n"
    )
    found = problems(content)
    assert any("from node 'trap' no end node can be reached" in p for p in found), found
    assert any("node 'bad-end' cannot be reached" in p for p in found), found


def test_every_problem_is_reported_not_just_the_first(content):
    edit(content, M, "version: 1\n", "version: 1\nextra: x\n")
    edit(content, S, "        next: good-end", "        next: nowhere")
    assert len(problems(content)) >= 2


SCRIPTS = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) "
    '"><svg onload=alert(1)> [ok](https://example.org "A title")'
)


def test_script_in_a_lesson_is_a_problem_named_with_its_line(content):
    edit(
        content,
        L,
        "You use e-mail every day.",
        "<script>alert(1)</script>\n\nSee [x](javascript:alert(1)) or <b>this</b>.",
    )
    lines = (content / L).read_text().splitlines()
    script = lines.index("<script>alert(1)</script>") + 1
    link = next(n for n, text in enumerate(lines, start=1) if "javascript:" in text)
    found = problems(content)
    raw = "raw HTML is shown to learners as text, not as HTML: use Markdown instead"
    assert f"content/{L}:{script}: {raw}" in found
    assert f"content/{L}:{link}: {raw}" in found  # the <b> inline
    assert (
        f"content/{L}:{link}: the link 'javascript:alert(1)' is not allowed: a link must be "
        "a web address (https://…) or an e-mail address (mailto:…)"
    ) in found
    edit(content, L, "<script>alert(1)</script>", "See: ![diagram](https://example.org/d.png)")
    assert any("images are not supported" in p for p in problems(content))


def test_script_in_content_renders_harmlessly():
    from app.catalogue import markdown

    html = str(markdown.render(SCRIPTS))
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert 'href="javascript' not in html
    assert "onerror=" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'rel="noreferrer noopener external"' in html
    assert "(external website)" in html


def test_a_bank_no_module_names_is_reported(content):
    (content.parent / "quizzes" / "orphan.yaml").write_text("module: orphan\n")
    assert "quizzes/orphan.yaml: no module names this question bank in its quiz_bank field" in (
        problems(content)
    )


def test_the_sample_bank_loads_with_its_settings(content):
    catalogue, _found = loader.load(content)
    quiz = catalogue.modules["sample-module"].quiz
    assert quiz.settings.pass_mark_percent == 75
    assert quiz.questions["safe-habits"].correct_ids == {"lock-screen", "bcc"}
    assert catalogue.policy.version == 4


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    [
        # A control character, as a manual line break pasted from a word processor.
        (M, "version: 1\n", "version: 1\x0b\n", "has a control character (U+000B)"),
        (M, "version: 1\n", "version: " + "9" * 5000 + "\n", "a number in this file is far"),
        (M, "version: 1\n", "version: 1\nnotes: " + "[" * 3000 + "\n", "nested too deeply"),
        (M, "version: 1\n", "version: 1\nversion: 2\n", "'version' appears twice"),
        (M, "version: 1\n", "version: 99999999999999999999\n", "less than or equal to 10000"),
        (M, "version: 1\n", 'version: "2"\n', "'version': Input should be a valid integer"),
        (L, "title: ", "title: \x07", "has a control character (U+0007)"),
    ],
)
def test_content_that_once_crashed_the_check_is_a_problem(content, relative, old, new, expected):
    edit(content, relative, old, new)
    found = problems(content)
    assert any(expected in p for p in found), found


def test_a_folder_named_like_a_lesson_is_a_problem_not_a_crash(content):
    (content / "sample-module" / "lessons" / "extra.md").mkdir()
    assert any("extra.md: this is a folder, not a file" in p for p in problems(content))


def test_a_lesson_saved_with_a_byte_order_mark_loads(content):
    path = content / L
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems(content) == []


def test_a_file_not_in_utf8_names_the_line(content):
    path = content / M
    path.write_bytes(path.read_bytes().replace(b"version: 1\n", b"version: 1\ntitle2: caf\xe9\n"))
    line = path.read_bytes().split(b"\n").index(b"title2: caf\xe9") + 1
    assert f"content/{M}:{line}: this file is not saved as UTF-8 text: save it as UTF-8" in (
        problems(content)
    )


def test_a_scenario_cannot_start_at_its_end(content):
    text = (content / S).read_text()
    start = re.search(r"^start: (\S+)$", text, re.M).group(1)
    end = re.search(r"^  ([a-z-]+):\n    type: end", text, re.M).group(1)
    edit(content, S, f"start: {start}\n", f"start: {end}\n")
    assert any(f"start names '{end}', an end node" in p for p in problems(content))


def test_a_mistyped_key_in_capitals_or_in_a_node_called_end_is_named(content):
    edit(content, M, "version: 1\n", "version: 1\nNotes: x\n")
    assert any("'Notes' is not a field we know" in p for p in problems(content))


def test_a_mistyped_key_in_a_node_called_end_is_named_at_its_line(content):
    text = (content / S).read_text().replace("good-end", "end")
    text = text.replace("    title: Well done\n", "    title: Well done\n    txet: typo\n")
    (content / S).write_text(text)
    line = text.splitlines().index("    txet: typo") + 1
    assert (
        f"content/{S}:{line}: 'nodes.end.txet' is not a field we know: check its spelling, "
        "or remove it" in problems(content)
    )


def test_an_unknown_key_with_a_block_value_is_named_at_the_key(content):
    edit(content, M, "version: 1\n", "version: 1\ntagsx:\n  - one\n")
    line = (content / M).read_text().splitlines().index("tagsx:") + 1
    assert (
        f"content/{M}:{line}: 'tagsx' is not a field we know: check its spelling, "
        "or remove it" in problems(content)
    )


def test_a_hidden_folder_beside_the_modules_is_not_a_module(content):
    (content / ".git").mkdir()
    assert problems(content) == []
