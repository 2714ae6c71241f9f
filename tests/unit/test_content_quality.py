"""The shipped content loads, and reads as plain English (Flesch ≥ 60, ≤ 20 words a sentence)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
import textstat

from app.catalogue import loader, markdown, schema

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
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
