"""The shipped content loads, and reads as plain English (Flesch ≥ 60, ≤ 20 words a sentence)."""

from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import textstat
import yaml

from app.catalogue import loader, markdown, schema

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
QUIZZES = ROOT / "quizzes"
MIN_FLESCH = 60
MAX_WORDS_PER_SENTENCE = 20


def test_shipped_content_loads_without_problems():
    catalogue, problems = loader.load(CONTENT)
    assert [str(p) for p in problems] == []
    assert catalogue is not None


def _texts():
    catalogue, _problems = loader.load(CONTENT)
    if catalogue is None:
        return []
    texts = []
    for module in catalogue.in_order():
        for lesson in module.lessons.values():
            texts.append((f"{module.id}/lessons/{lesson.id}", lesson.text))
        for scenario in module.scenarios.values():
            parts = [scenario.spec.setting]
            for node in scenario.spec.nodes.values():
                if isinstance(node, schema.ContentNode):
                    parts.append(node.text)
                elif isinstance(node, schema.DecisionNode):
                    parts += [node.text, node.question]
                    for choice in node.choices:
                        parts += [choice.text, choice.feedback]
                else:
                    parts += [node.title + ".", node.text]
            text = " ".join(_sentence(p) for p in parts if p)
            texts.append((f"{module.id}/scenarios/{scenario.id}", text))
    return texts


def _sentence(text: str) -> str:
    text = markdown.plain_text(text)
    return text if re.search(r"[.!?:]$", text) else text + "."


def words_per_sentence(text: str) -> float:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    words = len(re.findall(r"\b[\w'’-]+\b", text))
    return words / max(len(sentences), 1)


@pytest.mark.parametrize(("name", "text"), _texts(), ids=lambda v: v if "/" in str(v) else "")
def test_plain_english(name, text):
    flesch = textstat.flesch_reading_ease(text)
    assert flesch >= MIN_FLESCH, f"{name}: Flesch reading ease {flesch:.0f} (need {MIN_FLESCH})"
    average = words_per_sentence(text)
    assert average <= MAX_WORDS_PER_SENTENCE, f"{name}: {average:.1f} words a sentence"


def test_spelling():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "codespell_lib",
            "--ignore-words",
            str(CONTENT / ".codespell-words"),
            str(CONTENT),
            str(ROOT / "quizzes"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@functools.cache
def _catalogue():
    catalogue, problems = loader.load(CONTENT)
    assert problems == []
    return catalogue


def _fewest_decisions(spec: schema.Scenario, node_id: str, seen: frozenset[str]) -> int:
    node = spec.nodes[node_id]
    if isinstance(node, schema.EndNode):
        return 0
    if node_id in seen:
        return 10**6  # a loop never counts as a short route
    nexts = [node.next] if isinstance(node, schema.ContentNode) else [c.next for c in node.choices]
    here = 1 if isinstance(node, schema.DecisionNode) else 0
    return here + min(_fewest_decisions(spec, n, seen | {node_id}) for n in nexts)


def test_five_modules_with_the_regulated_one_for_regulated_staff():
    modules = _catalogue().in_order()
    assert len(modules) == 5
    regulated = [m for m in modules if m.spec.audience != "everyone"]
    assert [m.id for m in regulated] == ["regulated-work-pvg"]
    rule = regulated[0].spec
    assert rule.is_for(regulated_role=True, professional_body="none")
    assert rule.is_for(regulated_role=False, professional_body="SSSC")
    assert not rule.is_for(regulated_role=False, professional_body="none")


def test_each_module_has_enough_genuinely_branching_scenarios():
    for module in _catalogue().in_order():
        assert len(module.scenarios) >= 3, module.id
        assert module.spec.sources, module.id
        for scenario in module.scenarios.values():
            spec = scenario.spec
            name = f"{module.id}/{scenario.id}"
            assert _fewest_decisions(spec, spec.start, frozenset()) >= 3, name
            decisions = [n for n in spec.nodes.values() if isinstance(n, schema.DecisionNode)]
            for decision in decisions:
                assert len(decision.choices) >= 3, name
                outcomes = {c.outcome for c in decision.choices}
                assert {"best", "poor"} <= outcomes, name
            branching = [d for d in decisions if len({c.next for c in d.choices}) >= 2]
            assert len(branching) >= 2, f"{name}: a single line with detours"
            ends = [n for n in spec.nodes.values() if isinstance(n, schema.EndNode)]
            assert len(ends) >= 2, f"{name}: different choices should end differently"


def test_refresher_paths_are_shorter_and_bring_a_new_scenario():
    for module in _catalogue().in_order():
        induction, refresher = module.spec.induction_path, module.spec.refresher_path
        assert len(refresher) < len(induction), module.id
        new = [r for r in refresher if r.startswith("scenario:") and r not in induction]
        assert new, f"{module.id}: the refresher needs a scenario the learner has not met"
        assert module.spec.refresher_minutes < module.spec.estimated_minutes


def _bank_text(bank: schema.QuestionBank) -> str:
    parts = []
    for question in bank.questions:
        parts += [question.stem, question.explanation]
        for option in question.options:
            parts += [option.text, option.feedback]
    return " ".join(_sentence(p) for p in parts)


def test_every_module_has_a_question_bank_of_at_least_twenty():
    modules = _catalogue().in_order()
    sizes = {m.id: len(m.quiz.questions) for m in modules}
    assert all(size >= 20 for size in sizes.values()), sizes
    assert sum(sizes.values()) >= 100
    for module in modules:
        types = {q.type for q in module.quiz.spec.questions}
        assert types == {"single", "multiple", "true_false"}, module.id


@pytest.mark.parametrize("module_id", [m.id for m in _catalogue().in_order()])
def test_question_banks_read_as_plain_english(module_id):
    text = _bank_text(_catalogue().modules[module_id].quiz.spec)
    flesch = textstat.flesch_reading_ease(text)
    assert flesch >= MIN_FLESCH, f"quizzes/{module_id}: Flesch {flesch:.0f}"
    assert words_per_sentence(text) <= MAX_WORDS_PER_SENTENCE


@pytest.mark.parametrize("module_id", [m.id for m in _catalogue().in_order()])
def test_the_right_answer_does_not_give_itself_away_by_length(module_id):
    """In at most a quarter of single-answer questions is the right option the longest."""
    singles = [q for q in _catalogue().modules[module_id].quiz.spec.questions if q.type == "single"]
    longest_is_right = 0
    for question in singles:
        lengths = sorted((len(o.text), o.correct) for o in question.options)
        if lengths[-1][1] and lengths[-1][0] > lengths[-2][0]:
            longest_is_right += 1
    assert longest_is_right * 4 <= len(singles), f"{longest_is_right} of {len(singles)}"


# Test-wise cues. A learner who skipped the lessons may pick the one option that hedges
# ("may", "can", "could"…), or drop the options that use absolute words ("only", "never",
# "all"…). Neither habit should pay off (quizzes/README.md, "Writing good questions").
HEDGED = re.compile(r"\b(may|might|can|could|perhaps|possibly|likely)\b", re.I)
ABSOLUTE = re.compile(
    r"\b(always|never|only|must|cannot|all|none|every|any|nothing|no one|nobody|completely"
    r"|entirely)\b",
    re.I,
)


def _single_answer_questions(module_id: str) -> list[schema.Question]:
    questions = _catalogue().modules[module_id].quiz.spec.questions
    return [q for q in questions if q.type == "single"]


@pytest.mark.parametrize("module_id", [m.id for m in _catalogue().in_order()])
def test_the_right_answer_is_seldom_the_only_hedged_option(module_id):
    """In at most one in five single-answer questions is the lone hedged option the right one."""
    singles = _single_answer_questions(module_id)
    giveaways = []
    for question in singles:
        hedged = [o for o in question.options if HEDGED.search(o.text)]
        if len(hedged) == 1 and hedged[0].correct:
            giveaways.append(question.id)
    assert len(giveaways) * 5 <= len(singles), f"{len(giveaways)} of {len(singles)}: {giveaways}"


@pytest.mark.parametrize("module_id", [m.id for m in _catalogue().in_order()])
def test_absolute_words_do_not_mark_out_every_wrong_option(module_id):
    """No single-answer question has an absolute word in every wrong option and not the right."""
    giveaways = []
    for question in _single_answer_questions(module_id):
        wrong = [o for o in question.options if not o.correct]
        right = [o for o in question.options if o.correct]
        if all(ABSOLUTE.search(o.text) for o in wrong) and not ABSOLUTE.search(right[0].text):
            giveaways.append(question.id)
    assert giveaways == []


@pytest.mark.parametrize("module_id", [m.id for m in _catalogue().in_order()])
def test_guessing_by_word_cues_scores_little_better_than_chance(module_id):
    """Pick the lone hedged option, else drop absolute-word options, else guess: at most
    10 points above a blind guess on the single-answer questions."""
    singles = _single_answer_questions(module_id)
    cued = chance = 0.0
    for question in singles:
        options = question.options
        chance += 1 / len(options)
        hedged = [o for o in options if HEDGED.search(o.text)]
        if len(hedged) == 1:
            cued += 1 if hedged[0].correct else 0
            continue
        kept = [o for o in options if not ABSOLUTE.search(o.text)] or options
        cued += 1 / len(kept) if any(o.correct for o in kept) else 0
    cued_percent, chance_percent = 100 * cued / len(singles), 100 * chance / len(singles)
    assert cued_percent <= chance_percent + 10, f"{cued_percent:.0f}% vs {chance_percent:.0f}%"


# Claims that go beyond ../shared/reference/content-facts.md: (id, pattern, what the brief says).
# Each pattern is matched against one paragraph of a lesson or one string of a YAML file.
OVERSTATED = [
    (
        "scottish-canals-excuses",
        r"(?=.*Scottish Canals)(?=.*\b(false|untrue|lied)\b)",
        "§7.4 reports the worker's excuses; it does not say they were untrue",
    ),
    (
        "photo-special-category",
        r"\b[Pp]hotos?\b[^.]*\.?\s*(That|This|It)? ?is special category data"
        r"|If it shows a health condition or disability, it is special",
        "§3.3: a photo that shows a condition may be special category data; say 'may be'",
    ),
    (
        "forward-to-manager",
        r"even to a manager, can itself be a crime",
        "§2.9: the offence needs intent to cause distress, or recklessness",
    ),
    (
        "english-courts",
        r"\b(High Court|Court of Appeal)\b(?! of England and Wales)",
        "§7.4: Smith and Higgs were decided by courts of England and Wales; say so",
    ),
    (
        "acas-2011",
        r"(?i)\bacas\b(, the workplace advice service,)? (advises|tells|has advised|gives)\b"
        r"|as acas advises|since 2011, acas",
        "§7.2: whether Acas still words it so is UNCONFIRMED; date it to the 2011 guidance",
    ),
    (
        "gtcs-current-guide",
        r"\bGTCS advice\b|\bGTCS (online )?guidance (says|tells|is|now|expects)\b"
        r"|GTCS guidance has long",
        "§6.6: the current GTCS guide is UNCONFIRMED; say what GTCS guidance has advised",
    ),
    (
        "complaints-date",
        r"Since the Data \(Use and Access\) Act 2025, people can complain",
        "§3.11: the complaints duty applies from 19 June 2026",
    ),
    (
        "pvg-life-membership",
        r"still lasts for life|lasted for life in 2012",
        "§5.3: existing members move to five-year terms in stages",
    ),
]


@functools.cache
def _content_texts() -> list[tuple[str, str]]:
    """(file, text) for every paragraph of every lesson and every string in every YAML file."""
    texts = []
    for path in sorted([*CONTENT.rglob("*.md"), *CONTENT.rglob("*.yaml"), *QUIZZES.glob("*.yaml")]):
        if path.name == "README.md":
            continue
        name = str(path.relative_to(ROOT))
        if path.suffix == ".md":
            body = path.read_text().split("\n---\n", 1)[-1]
            for paragraph in re.split(r"\n\s*\n", body):
                lines = [re.sub(r"^\s*>\s?", "", line) for line in paragraph.splitlines()]
                texts.append((name, " ".join(" ".join(lines).split())))
        else:
            texts += [
                (name, " ".join(s.split())) for s in _strings(yaml.safe_load(path.read_text()))
            ]
    return texts


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


@pytest.mark.parametrize(("name", "pattern", "reason"), OVERSTATED, ids=[o[0] for o in OVERSTATED])
def test_no_claim_goes_beyond_the_facts_brief(name, pattern, reason):
    found = [
        f"{where}: {text[:100]}" for where, text in _content_texts() if re.search(pattern, text)
    ]
    assert found == [], f"{name}: {reason}"


LEGISLATION_SECTION = re.compile(r"legislation\.gov\.uk/.*/section/(\d+)")


def test_a_link_to_one_section_of_an_act_names_that_section():
    links = []
    for module in _catalogue().in_order():
        links += [(module.id, s.title, s.url) for s in module.spec.sources]
    for path in CONTENT.rglob("*.md"):
        links += [
            (path.name, t, u) for t, u in re.findall(r"\[([^\]]+)\]\(([^)]+)\)", path.read_text())
        ]
    wrong = [
        (where, title, url)
        for where, title, url in links
        if (m := LEGISLATION_SECTION.search(url)) and f"section {m.group(1)}" not in title
    ]
    assert wrong == []


def test_the_documented_content_check_command_works_in_a_fresh_shell():
    """content/README.md gives a command an author can paste into a new shell as it is."""
    readme = (CONTENT / "README.md").read_text()
    documented = re.search(r"# or: (.+)", readme).group(1).strip()
    words = shlex.split(documented)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"APP_ENV", "SECRET_KEY", "FLASK_APP", "DATABASE_URL", "CONTENT_DIR"}
    }
    while "=" in words[0]:
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    assert words[0] == "flask", documented
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Content is valid" in result.stdout
