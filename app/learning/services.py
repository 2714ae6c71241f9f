"""Lessons and scenarios: which modules apply to a person, where they are, what they chose.

Progress is saved after every step, so a person can stop anywhere and carry on from the
same place on another device. A stale form (back button, a replayed request) never
records a second decision or skips a step: each step names the node it answers, and only
the run's current node is accepted.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from app import catalogue
from app.catalogue import schema
from app.catalogue.loader import Module, Scenario
from app.certificates.lifecycle import Cycle, Standing, cycle_for
from app.compliance import queries as compliance
from app.compliance import rules, standings
from app.extensions import db
from app.models import (
    Certificate,
    ItemProgress,
    ModuleCompletion,
    ScenarioDecision,
    ScenarioRun,
    User,
)
from app.models.base import today, utcnow


class Status(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETE = "Learning complete"
    CERTIFIED = "Certified"
    EXPIRING = "Renewal due"
    EXPIRED = "Expired"
    REVOKED = "Certificate revoked"
    # What an officer recorded, read from the person's assignment (as officers see it):
    EXEMPT = "Exempt"
    DONE_ELSEWHERE = "Completed elsewhere"
    OVERDUE = "Overdue"


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
    cycle: Cycle
    certificate: Certificate | None  # the latest one, held or being renewed
    items: list[ItemState]
    complete: bool  # the learning is done: recorded, or every item on the path now is
    recorded: bool = False  # a ModuleCompletion row holds it
    # The module's status and due date as officers see them (None: not assigned, or not
    # asked for): it brings in exemptions, extensions and completions recorded elsewhere.
    duty: compliance.Duty | None = None

    @property
    def path(self) -> list[str]:
        return [i.ref for i in self.items]

    @property
    def certified(self) -> bool:
        """Holds a certificate outside its renewal window (whatever else applies)."""
        return self.cycle.standing is Standing.CERTIFIED

    @property
    def learning_started(self) -> bool:
        return any(i.done or i.in_progress for i in self.items)

    @property
    def done_elsewhere(self) -> bool:
        """Whether what counts is a completion an officer recorded from elsewhere: it lasts
        longer than any certificate the person holds."""
        if self.duty is None or self.duty.valid_until is None:
            return False
        held = self.certificate
        if held is None:
            return True
        if held.revoked_at is not None:
            # After a revocation a completion from elsewhere matters while it counts; once
            # it has lapsed, the revocation is what the person needs to hear about.
            return self.duty.valid_until > today()
        return self.duty.valid_until > held.expires_on

    @property
    def complete_by(self) -> date | None:
        """The due date (as extended) to show while it is ahead; not an expiry date, which
        the page gives in its own words."""
        duty = self.duty
        if duty is None or duty.due_on is None or duty.due_on < today():
            return None
        if self.status in (Status.EXEMPT, Status.CERTIFIED, Status.DONE_ELSEWHERE):
            return None
        return None if duty.due_on == duty.valid_until else duty.due_on

    @property
    def status(self) -> Status:
        duty = self.duty.status if self.duty else None
        standing = self.cycle.standing
        elsewhere = self.done_elsewhere
        if duty is rules.Status.EXEMPT:
            return Status.EXEMPT
        if standing is Standing.CERTIFIED:
            return Status.CERTIFIED
        if elsewhere and duty is rules.Status.COMPLIANT:
            return Status.DONE_ELSEWHERE
        if duty is rules.Status.OVERDUE:
            return Status.OVERDUE
        # Lapsed is not compliant, as officers see it (rules.standing): the refresher's
        # progress shows in the task list, not in place of "Expired".
        if (duty is rules.Status.EXPIRED) if elsewhere else (standing is Standing.EXPIRED):
            return Status.EXPIRED
        if standing is Standing.REVOKED and duty is rules.Status.EXPIRED:
            # Officers see the lapsed completion from elsewhere; the person hears about the
            # revocation (see done_elsewhere), before any progress too.
            return Status.REVOKED
        # A revocation otherwise leaves officers seeing progress or nothing started (or
        # Overdue, above), so the person sees their progress too.
        if self.complete:
            return Status.COMPLETE
        if self.learning_started:
            return Status.IN_PROGRESS
        if standing is Standing.EXPIRING or (elsewhere and duty is rules.Status.EXPIRING):
            return Status.EXPIRING
        if standing is Standing.REVOKED:
            return Status.REVOKED
        return Status.NOT_STARTED

    @property
    def next_item(self) -> ItemState | None:
        """Where "Continue" leads: a scenario in progress, else the first item not done."""
        return next((i for i in self.items if i.in_progress), None) or next(
            (i for i in self.items if not i.done), None
        )


def modules_for(user: User) -> list[Module]:
    """The modules for the person's role, and any an officer assigned them by hand."""
    by_hand = set(user.modules_assigned_by_hand or ())
    return [
        m
        for m in catalogue.get().in_order()
        if m.id in by_hand
        or m.spec.is_for(
            regulated_role=user.is_regulated_role, professional_body=user.professional_body
        )
    ]


def module_for(user: User, module_id: str) -> Module | None:
    """The module, if it exists and applies to this person (otherwise None: a 404)."""
    return next((m for m in modules_for(user) if m.id == module_id), None)


def states_for(user: User, *, with_duties: bool = False) -> list[ModuleState]:
    """Where the person is with each of their modules. `with_duties` adds what officers
    see (due dates, exemptions, completions recorded elsewhere): one more query, for the
    pages that show it."""
    modules = modules_for(user)
    duties = compliance.duties_of(user.id) if with_duties else {}
    certificates = latest_certificates(user)
    done, open_runs = _progress(user)
    complete = {
        (module_id, cycle)
        for module_id, cycle in db.session.execute(
            select(ModuleCompletion.module_id, ModuleCompletion.cycle).where(
                ModuleCompletion.user_id == user.id
            )
        )
    }
    states = []
    for module in modules:
        certificate = certificates.get(module.id)
        cycle = _cycle(certificate)
        is_complete = (module.id, cycle.number) in complete
        state = _state(module, cycle, certificate, done, open_runs, is_complete)
        states.append(dataclasses.replace(state, duty=duties.get(module.id)))
    return states


def state_for(user: User, module: Module, *, with_duties: bool = False) -> ModuleState:
    return next(s for s in states_for(user, with_duties=with_duties) if s.module.id == module.id)


def latest_certificates(user: User) -> dict[str, Certificate]:
    """Each module's latest certificate (superseded ones never are)."""
    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.superseded_at.is_(None))
        .order_by(Certificate.cycle, Certificate.id)
    )
    return {c.module_id: c for c in rows}  # later cycles overwrite earlier ones


def cycle_of(user: User, module: Module) -> Cycle:
    """The person's cycle for one module, from its latest certificate (one query)."""
    latest = db.session.execute(
        select(Certificate.cycle, Certificate.expires_on, Certificate.revoked_at)
        .where(
            Certificate.user_id == user.id,
            Certificate.module_id == module.id,
            Certificate.superseded_at.is_(None),
        )
        .order_by(Certificate.cycle.desc(), Certificate.id.desc())
        .limit(1)
    ).first()
    return cycle_for(
        latest_cycle=latest.cycle if latest else None,
        expires_on=latest.expires_on if latest else None,
        revoked=latest is not None and latest.revoked_at is not None,
        today=today(),
        renewal_window_days=current_app.config["RENEWAL_WINDOW_DAYS"],
    )


def _cycle(certificate: Certificate | None) -> Cycle:
    return cycle_for(
        latest_cycle=certificate.cycle if certificate else None,
        expires_on=certificate.expires_on if certificate else None,
        revoked=certificate is not None and certificate.revoked_at is not None,
        today=today(),
        renewal_window_days=current_app.config["RENEWAL_WINDOW_DAYS"],
    )


def path_of(module: Module, cycle: Cycle) -> list[str]:
    spec = module.spec
    return list(spec.induction_path if cycle.path == "induction" else spec.refresher_path)


def _state(
    module: Module,
    cycle: Cycle,
    certificate: Certificate | None,
    done: set[tuple[str, int, str]],
    open_runs: set[tuple[str, str]],
    complete: bool,
) -> ModuleState:
    items = []
    for ref in path_of(module, cycle):
        kind, _, item_id = ref.partition(":")
        items.append(
            ItemState(
                ref=ref,
                kind=kind,
                id=item_id,
                title=module.item(ref).title,
                done=(module.id, cycle.number, ref) in done,
                in_progress=kind == "scenario" and (module.id, item_id) in open_runs,
            )
        )
    # Done by the path as it is now, too: new content that drops the one item someone had
    # left must not leave them with everything done and the quiz shut.
    done_now = cycle.needs_learning and bool(items) and all(i.done for i in items)
    return ModuleState(module, cycle, certificate, items, complete or done_now, complete)


def _progress(user: User) -> tuple[set[tuple[str, int, str]], set[tuple[str, str]]]:
    """Items done (module, cycle, ref) and scenarios with an open run (module, scenario)."""
    lessons = db.session.execute(
        select(ItemProgress.module_id, ItemProgress.cycle, ItemProgress.item_ref).where(
            ItemProgress.user_id == user.id
        )
    )
    done = {(m, c, r) for m, c, r in lessons}
    open_runs = set()
    runs = db.session.execute(
        select(
            ScenarioRun.module_id,
            ScenarioRun.cycle,
            ScenarioRun.scenario_id,
            ScenarioRun.finished_at.is_(None),
        )
        .where(ScenarioRun.user_id == user.id, ScenarioRun.abandoned_at.is_(None))
        .distinct()
    )
    for module_id, cycle, scenario_id, is_open in runs:
        if is_open:
            open_runs.add((module_id, scenario_id))
        else:
            done.add((module_id, cycle, f"scenario:{scenario_id}"))
    return done, open_runs


def in_any_path(module: Module, ref: str) -> bool:
    return ref in module.spec.induction_path or ref in module.spec.refresher_path


def neighbours(module: Module, path: list[str], ref: str) -> tuple[str | None, str | None]:
    """The items before and after `ref` on the person's path, or on the other path that has
    it (an item a learner chooses to read although their own path leaves it out)."""
    spec = module.spec
    path = next((p for p in (path, spec.induction_path, spec.refresher_path) if ref in p), [])
    if ref not in path:
        return None, None
    path = list(path)
    index = path.index(ref)
    return (
        path[index - 1] if index > 0 else None,
        path[index + 1] if index + 1 < len(path) else None,
    )


# --- Lessons ----------------------------------------------------------------------------


def complete_lesson(user: User, module: Module, lesson_id: str) -> None:
    ref = f"lesson:{lesson_id}"
    state = state_for(user, module)
    if not state.cycle.needs_learning or ref not in state.path:
        return  # reading again, outside the path: nothing to record
    exists = db.session.scalar(
        select(ItemProgress.id).where(
            ItemProgress.user_id == user.id,
            ItemProgress.module_id == module.id,
            ItemProgress.cycle == state.cycle.number,
            ItemProgress.item_ref == ref,
        )
    )
    if exists is None:
        _insert_once(
            ItemProgress(
                user_id=user.id,
                module_id=module.id,
                cycle=state.cycle.number,
                item_ref=ref,
                content_version=module.spec.version,
            )
        )
        standings.mark_started(user.id, module.id)
    record_completion_if_done(user, module)


def _insert_once(row: object) -> None:
    """Insert, or do nothing if a concurrent request already inserted the same row."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        pass


def record_completion_if_done(user: User, module: Module) -> None:
    """Record that the learning is complete, once, when every item on the path is done."""
    state = state_for(user, module)
    if state.recorded or not state.cycle.needs_learning or not all(i.done for i in state.items):
        return
    _insert_once(
        ModuleCompletion(
            user_id=user.id,
            module_id=module.id,
            cycle=state.cycle.number,
            path=state.cycle.path,
            content_version=module.spec.version,
        )
    )


# --- Scenarios --------------------------------------------------------------------------


def open_run(
    user: User, module: Module, scenario: Scenario, *, for_change: bool = False
) -> ScenarioRun | None:
    """The person's unfinished run of the scenario. `for_change` locks its row (PostgreSQL;
    SQLite lets one writer in at a time), so that two steps sent at once (a double click)
    take turns and the second finds the run moved on, and reads it afresh."""
    query = select(ScenarioRun).where(
        ScenarioRun.user_id == user.id,
        ScenarioRun.module_id == module.id,
        ScenarioRun.scenario_id == scenario.id,
        ScenarioRun.finished_at.is_(None),
    )
    if for_change:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def just_decided(
    user: User,
    module: Module,
    scenario: Scenario,
    run: ScenarioRun | None,
    node_id: str,
    choice_id: str,
) -> bool:
    """Whether the person's latest decision in this scenario was this very one (the same
    form sent twice), in the run still open or the one it just finished: they should see
    its feedback, not be told off."""
    latest = db.session.scalar(
        select(ScenarioDecision)
        .where(
            ScenarioDecision.user_id == user.id,
            ScenarioDecision.module_id == module.id,
            ScenarioDecision.scenario_id == scenario.id,
        )
        .order_by(ScenarioDecision.id.desc())
        .limit(1)
    )
    if latest is None or (run is not None and latest.run_id != run.id):
        return False
    return (latest.node_id, latest.choice_id) == (node_id, choice_id)


# Built once: the decision page is the one a learner sees most.
_OPEN_RUN_AT_STEP = select(
    ScenarioRun,
    select(func.count())
    .where(ScenarioDecision.run_id == ScenarioRun.id)
    .correlate(ScenarioRun)
    .scalar_subquery(),
).where(
    ScenarioRun.user_id == bindparam("user"),
    ScenarioRun.module_id == bindparam("module"),
    ScenarioRun.scenario_id == bindparam("scenario"),
    ScenarioRun.finished_at.is_(None),
)


def open_run_at_step(
    user: User, module: Module, scenario: Scenario
) -> tuple[ScenarioRun, int] | None:
    """The open run and how many decisions it holds (its step is one more), in one query:
    the decisions themselves are not needed to show the next one."""
    row = db.session.execute(
        _OPEN_RUN_AT_STEP, {"user": user.id, "module": module.id, "scenario": scenario.id}
    ).first()
    return (row[0], row[1]) if row else None


def latest_finished_run(user: User, module: Module, scenario: Scenario) -> ScenarioRun | None:
    """The person's latest finished run of the scenario. While the scenario is on their
    path now, only a run of this cycle counts, as in the task list: last year's run is not
    this year's learning."""
    query = (
        select(ScenarioRun)
        .where(
            ScenarioRun.user_id == user.id,
            ScenarioRun.module_id == module.id,
            ScenarioRun.scenario_id == scenario.id,
            ScenarioRun.finished_at.is_not(None),
            ScenarioRun.abandoned_at.is_(None),
        )
        .order_by(ScenarioRun.finished_at.desc(), ScenarioRun.id.desc())
        .limit(1)
    )
    cycle = cycle_of(user, module)
    if f"scenario:{scenario.id}" in path_of(module, cycle):
        query = query.where(ScenarioRun.cycle == cycle.number)
    return db.session.scalar(query)


def left_behind(scenario: Scenario, run: ScenarioRun | None) -> bool:
    """Whether an open run stopped on a step the scenario no longer has, or that is now an
    end (its content changed since): it cannot go on, and starting again replaces it."""
    if run is None:
        return False
    node = scenario.spec.nodes.get(run.current_node)
    return node is None or isinstance(node, schema.EndNode)


def start_run(user: User, module: Module, scenario: Scenario) -> ScenarioRun:
    """The open run, or a new one from the start (the database allows only one open run).
    A run left behind by a content change is closed as abandoned first."""
    run = open_run(user, module, scenario, for_change=True)
    if left_behind(scenario, run):
        run.finished_at = run.abandoned_at = utcnow()
        db.session.flush()
        run = None
    if run is not None:
        return run
    _insert_once(
        ScenarioRun(
            user_id=user.id,
            module_id=module.id,
            scenario_id=scenario.id,
            cycle=state_for(user, module).cycle.number,
            content_version=module.spec.version,
            current_node=scenario.spec.start,
        )
    )
    standings.mark_started(user.id, module.id)
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
    run = open_run(user, module, scenario, for_change=True)
    if run is None or run.current_node != node_id:
        if choice_id and just_decided(user, module, scenario, run, node_id, choice_id):
            return StepResult.DECIDED
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
        # A run left open in an earlier cycle counts for the cycle it is finished in.
        run.cycle = state_for(user, module).cycle.number
        run.finished_at = utcnow()
        db.session.flush()
        record_completion_if_done(user, module)
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
