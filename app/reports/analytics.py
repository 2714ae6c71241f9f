"""Analytics an officer can act on: which questions staff get wrong first time, and which
scenario decisions they choose poorly. Questions come from the tallies kept as first
attempts are submitted (app/quizzes/tallies.py); scenario choices are grouped in the
database over a covering index. Neither reads attempts into Python."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app import catalogue
from app.extensions import db
from app.models import QuestionTally, ScenarioDecision

MIN_LEARNERS = 10  # fewer first attempts than this say little, and could identify people
MOSTLY_WRONG = 50  # percent right first time below which a question is flagged


@dataclass
class QuestionStat:
    module_id: str
    question_id: str
    stem: str
    lesson_id: str
    answered: int = 0
    right: int = 0
    wrong_choices: dict[str, int] = field(default_factory=dict)

    @property
    def percent_right(self) -> int:
        return round(100 * self.right / self.answered) if self.answered else 0

    @property
    def enough(self) -> bool:
        return self.answered >= MIN_LEARNERS

    @property
    def flag(self) -> str | None:
        if not self.enough:
            return None
        if self.percent_right < MOSTLY_WRONG:
            return "Most staff get this wrong first time"
        return None

    @property
    def most_chosen_wrong(self) -> str | None:
        if not self.wrong_choices:
            return None
        selected = max(self.wrong_choices, key=lambda k: (self.wrong_choices[k], k))
        question = catalogue.get().modules[self.module_id].quiz.questions.get(self.question_id)
        texts = {o.id: o.text for o in question.options} if question else {}
        return " + ".join(texts.get(i, i) for i in json.loads(selected))


def question_stats() -> list[QuestionStat]:
    """From the tallies kept as first attempts are submitted (app/quizzes/tallies.py)."""
    modules = catalogue.get().modules
    stats: dict[tuple[str, str], QuestionStat] = {}
    for tally in db.session.scalars(select(QuestionTally)):
        module = modules.get(tally.module_id)
        question = module.quiz.questions.get(tally.question_id) if module else None
        if question is None:
            continue  # a question since removed from the bank
        stat = stats.setdefault(
            (tally.module_id, tally.question_id),
            QuestionStat(tally.module_id, tally.question_id, question.stem, question.lesson),
        )
        stat.answered += tally.count
        if tally.is_correct:
            stat.right += tally.count
        else:
            stat.wrong_choices[tally.selected] = (
                stat.wrong_choices.get(tally.selected, 0) + tally.count
            )
    return sorted(stats.values(), key=lambda s: (not s.enough, s.percent_right, s.question_id))


@dataclass
class DecisionStat:
    module_id: str
    scenario_id: str
    node_id: str
    question: str
    choices: list[tuple[str, str, int]]  # (text, outcome, count)
    people: int = 0  # different people who made this decision

    @property
    def enough(self) -> bool:
        return self.people >= MIN_LEARNERS

    @property
    def total(self) -> int:
        return sum(c for _t, _o, c in self.choices)

    @property
    def percent_poor(self) -> int:
        poor = sum(c for _t, outcome, c in self.choices if outcome == "poor")
        return round(100 * poor / self.total) if self.total else 0


def decision_stats() -> list[DecisionStat]:
    rows = db.session.execute(
        select(
            ScenarioDecision.module_id,
            ScenarioDecision.scenario_id,
            ScenarioDecision.node_id,
            ScenarioDecision.choice_id,
            func.count(),
        ).group_by(
            ScenarioDecision.module_id,
            ScenarioDecision.scenario_id,
            ScenarioDecision.node_id,
            ScenarioDecision.choice_id,
        )
    )
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    for module_id, scenario_id, node_id, choice_id, count in rows:
        counts.setdefault((module_id, scenario_id, node_id), {})[choice_id] = count
    node = (ScenarioDecision.module_id, ScenarioDecision.scenario_id, ScenarioDecision.node_id)
    people = {
        (module_id, scenario_id, node_id): count
        for module_id, scenario_id, node_id, count in db.session.execute(
            select(*node, func.count(ScenarioDecision.user_id.distinct())).group_by(*node)
        )
    }
    result = []
    for (module_id, scenario_id, node_id), chosen in counts.items():
        module = catalogue.get().modules.get(module_id)
        scenario = module.scenarios.get(scenario_id) if module else None
        node = scenario.spec.nodes.get(node_id) if scenario else None
        if node is None or node.type != "decision":
            continue
        choices = [(c.text, c.outcome, chosen.get(c.id, 0)) for c in node.choices]
        result.append(
            DecisionStat(
                module_id,
                scenario_id,
                node_id,
                node.question,
                choices,
                people.get((module_id, scenario_id, node_id), 0),
            )
        )
    return sorted(result, key=lambda d: (-d.percent_poor, d.module_id, d.scenario_id))
