"""Drawing and scoring quizzes: pure functions of plain values, run on the server.

Nothing here imports Flask or the database, so the rules are tested fast and in isolation.
A multiple-answer question is right only when the chosen set is exactly the right set.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.catalogue.schema import Question, QuestionBank


@dataclass(frozen=True)
class Draw:
    question_ids: list[str]
    option_order: dict[str, list[str]]


def draw(bank: QuestionBank, rng: random.Random) -> Draw:
    """Draw a spread of questions across the bank's tags, and shuffle each one's options.

    Tags take turns (in a shuffled order), each giving one question not yet drawn, so an
    attempt covers every policy section the bank tests before it repeats one.
    """
    wanted = bank.settings.questions_per_attempt
    by_tag: dict[str, list[Question]] = {}
    for question in bank.questions:
        by_tag.setdefault(question.tags[0], []).append(question)
    for questions in by_tag.values():
        rng.shuffle(questions)
    tags = list(by_tag)
    rng.shuffle(tags)
    drawn: list[Question] = []
    while len(drawn) < wanted:
        for tag in tags:
            if by_tag[tag] and len(drawn) < wanted:
                drawn.append(by_tag[tag].pop())
    rng.shuffle(drawn)
    return Draw(
        question_ids=[q.id for q in drawn],
        option_order={q.id: _option_order(q, rng) for q in drawn},
    )


def _option_order(question: Question, rng: random.Random) -> list[str]:
    ids = [o.id for o in question.options]
    if question.type == "true_false":
        return ["true", "false"]  # people expect True first
    rng.shuffle(ids)
    return ids


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    selected: frozenset[str]
    correct: bool


@dataclass(frozen=True)
class Score:
    results: list[QuestionResult]
    correct_count: int
    total: int
    percent: int
    passed: bool


def score(
    questions: Sequence[Question],
    answers: Mapping[str, Sequence[str]],
    pass_mark_percent: int,
) -> Score:
    """Score the answers to the drawn questions against the pass mark stored with the attempt.

    The percentage is rounded down, so a pass is never granted by rounding.
    """
    results = []
    for question in questions:
        selected = frozenset(answers.get(question.id, ()))
        results.append(QuestionResult(question.id, selected, selected == question.correct_ids))
    correct = sum(r.correct for r in results)
    total = len(results)
    percent = (correct * 100) // total if total else 0
    return Score(results, correct, total, percent, percent >= pass_mark_percent)
