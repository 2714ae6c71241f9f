"""Lessons and scenarios: which modules apply to a person, where they are, what they chose.

Progress is saved after every step, so a person can stop anywhere and carry on from the
same place on another device. A stale form (back button, a replayed request) never
records a second decision or skips a step: each step names the node it answers, and only
the run's current node is accepted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import catalogue
from app.catalogue import schema
from app.catalogue.loader import Module, Scenario
from app.extensions import db
from app.models import ItemProgress, ModuleCompletion, ScenarioDecision, ScenarioRun, User
from app.models.base import utcnow

CYCLE = 1  # certification cycles arrive with the assessment feature
PATH = "induction"


class Status(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETE = "Learning complete"


@dataclass(frozen=True)
class ItemState:
    ref: str
    kind: str
    id: str
    title: str
    done: bool
    in_progress: bool


@dataclass(frozen=True)
class ModuleState:
    module: Module
    items: list[ItemState]
    complete: bool

    @property
    def status(self) -> Status:
        if self.complete:
            return Status.COMPLETE
        if any(i.done or i.in_progress for i in self.items):
            return Status.IN_PROGRESS
        return Status.NOT_STARTED

    @property
    def next_item(self) -> ItemState | None:
        """Where "Continue" leads: a scenario in progress, else the first item not done."""
        return next((i for i in self.items if i.in_progress), None) or next(
            (i for i in self.items if not i.done), None
        )


def modules_for(user: User) -> list[Module]:
    return [
        m
        for m in catalogue.get().in_order()
        if m.spec.is_for(
            regulated_role=user.is_regulated_role, professional_body=user.professional_body
        )
    ]


def module_for(user: User, module_id: str) -> Module | None:
    """The module, if it exists and applies to this person (otherwise None: a 404)."""
    return next((m for m in modules_for(user) if m.id == module_id), None)


def states_for(user: User) -> list[ModuleState]:
    modules = modules_for(user)
    done = _done_refs(user)
    open_runs = _open_scenarios(user)
    complete = set(
        db.session.scalars(
            select(ModuleCompletion.module_id).where(
                ModuleCompletion.user_id == user.id, ModuleCompletion.cycle == CYCLE
            )
        )
    )
    return [_state(m, done, open_runs, m.id in complete) for m in modules]


def state_for(user: User, module: Module) -> ModuleState:
    return next(s for s in states_for(user) if s.module.id == module.id)


def _state(
    module: Module, done: set[tuple[str, str]], open_runs: set[tuple[str, str]], complete: bool
) -> ModuleState:
    items = []
    for ref in module.spec.induction_path:
        kind, _, item_id = ref.partition(":")
        items.append(
            ItemState(
                ref=ref,
                kind=kind,
                id=item_id,
                title=module.item(ref).title,
                done=(module.id, ref) in done,
                in_progress=kind == "scenario" and (module.id, item_id) in open_runs,
            )
        )
    return ModuleState(module, items, complete)


def _done_refs(user: User) -> set[tuple[str, str]]:
    lessons = db.session.execute(
        select(ItemProgress.module_id, ItemProgress.item_ref).where(
            ItemProgress.user_id == user.id, ItemProgress.cycle == CYCLE
        )
    )
    scenarios = db.session.execute(
        select(ScenarioRun.module_id, ScenarioRun.scenario_id)
        .where(
            ScenarioRun.user_id == user.id,
            ScenarioRun.cycle == CYCLE,
            ScenarioRun.finished_at.is_not(None),
        )
        .distinct()
    )
    return {(m, r) for m, r in lessons} | {(m, f"scenario:{s}") for m, s in scenarios}


def _open_scenarios(user: User) -> set[tuple[str, str]]:
    rows = db.session.execute(
        select(ScenarioRun.module_id, ScenarioRun.scenario_id).where(
            ScenarioRun.user_id == user.id, ScenarioRun.finished_at.is_(None)
        )
    )
    return {(m, s) for m, s in rows}


def neighbours(module: Module, ref: str) -> tuple[str | None, str | None]:
    path = list(module.spec.induction_path)
    index = path.index(ref)
    return (
        path[index - 1] if index > 0 else None,
        path[index + 1] if index + 1 < len(path) else None,
    )


# --- Lessons ----------------------------------------------------------------------------


def complete_lesson(user: User, module: Module, lesson_id: str) -> None:
    ref = f"lesson:{lesson_id}"
    exists = db.session.scalar(
        select(ItemProgress.id).where(
            ItemProgress.user_id == user.id,
            ItemProgress.module_id == module.id,
            ItemProgress.cycle == CYCLE,
            ItemProgress.item_ref == ref,
        )
    )
    if exists is None:
        _insert_once(
            ItemProgress(
                user_id=user.id,
                module_id=module.id,
                cycle=CYCLE,
                item_ref=ref,
                content_version=module.spec.version,
            )
        )
    _record_completion_if_done(user, module)


def _insert_once(row: object) -> None:
    """Insert, or do nothing if a concurrent request already inserted the same row."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        pass


def _record_completion_if_done(user: User, module: Module) -> None:
    state = state_for(user, module)
    if state.complete or not all(i.done for i in state.items):
        return
    _insert_once(
        ModuleCompletion(
            user_id=user.id,
            module_id=module.id,
            cycle=CYCLE,
            path=PATH,
            content_version=module.spec.version,
        )
    )


# --- Scenarios --------------------------------------------------------------------------


def open_run(user: User, module: Module, scenario: Scenario) -> ScenarioRun | None:
    return db.session.scalar(
        select(ScenarioRun).where(
            ScenarioRun.user_id == user.id,
            ScenarioRun.module_id == module.id,
            ScenarioRun.scenario_id == scenario.id,
            ScenarioRun.finished_at.is_(None),
        )
    )


def latest_finished_run(user: User, module: Module, scenario: Scenario) -> ScenarioRun | None:
    return db.session.scalar(
        select(ScenarioRun)
        .where(
            ScenarioRun.user_id == user.id,
            ScenarioRun.module_id == module.id,
            ScenarioRun.scenario_id == scenario.id,
            ScenarioRun.finished_at.is_not(None),
        )
        .order_by(ScenarioRun.finished_at.desc(), ScenarioRun.id.desc())
        .limit(1)
    )


def start_run(user: User, module: Module, scenario: Scenario) -> ScenarioRun:
    """The open run, or a new one from the start (the database allows only one open run)."""
    run = open_run(user, module, scenario)
    if run is not None:
        return run
    _insert_once(
        ScenarioRun(
            user_id=user.id,
            module_id=module.id,
            scenario_id=scenario.id,
            cycle=CYCLE,
            content_version=module.spec.version,
            current_node=scenario.spec.start,
        )
    )
    return open_run(user, module, scenario)


class StepResult(enum.Enum):
    MOVED = "moved"
    DECIDED = "decided"
    FINISHED = "finished"
    STALE = "stale"
    INVALID_CHOICE = "invalid_choice"


def take_step(
    user: User, module: Module, scenario: Scenario, node_id: str, choice_id: str | None
) -> StepResult:
    run = open_run(user, module, scenario)
    if run is None or run.current_node != node_id:
        return StepResult.STALE
    node = scenario.spec.nodes[node_id]
    if isinstance(node, schema.ContentNode):
        target = node.next
        result = StepResult.MOVED
    elif isinstance(node, schema.DecisionNode):
        choice = next((c for c in node.choices if c.id == choice_id), None)
        if choice is None:
            return StepResult.INVALID_CHOICE
        db.session.add(
            ScenarioDecision(
                run=run,
                user_id=user.id,
                module_id=module.id,
                scenario_id=scenario.id,
                content_version=run.content_version,
                node_id=node_id,
                choice_id=choice.id,
                outcome=choice.outcome,
            )
        )
        target = choice.next
        result = StepResult.DECIDED
    else:
        return StepResult.STALE
    run.current_node = target
    if isinstance(scenario.spec.nodes[target], schema.EndNode):
        run.finished_at = utcnow()
        db.session.flush()
        _record_completion_if_done(user, module)
        return StepResult.FINISHED if result is StepResult.MOVED else StepResult.DECIDED
    db.session.flush()
    return result


def last_decision(run: ScenarioRun) -> ScenarioDecision | None:
    return run.decisions[-1] if run.decisions else None


@dataclass(frozen=True)
class DecisionReview:
    question: str
    chosen: schema.Choice
    best: list[schema.Choice]


def review(scenario: Scenario, run: ScenarioRun) -> list[DecisionReview]:
    """Each decision the person made, beside the best choices at that point."""
    reviews = []
    for decision in run.decisions:
        node = scenario.spec.nodes.get(decision.node_id)
        if not isinstance(node, schema.DecisionNode):
            continue  # content changed since; the record itself is kept
        chosen = next((c for c in node.choices if c.id == decision.choice_id), None)
        if chosen is None:
            continue
        best = [c for c in node.choices if c.outcome == "best"]
        reviews.append(DecisionReview(node.question, chosen, best))
    return reviews
