"""Keeps each assignment's standing (what its status is worked out from) in step with the
certificate, correction and progress tables.

Every change to those tables calls `refresh` for the person's module in the same
transaction, so officer pages read statuses straight from the assignment rows.
`refresh_all` rewrites every row from the source tables (run by `flask assignments sync`):
running it twice changes nothing, and the count it returns shows any drift it repaired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, union, update

from app import catalogue
from app.certificates.lifecycle import add_months
from app.extensions import db
from app.models import (
    Assignment,
    Certificate,
    Correction,
    CorrectionKind,
    ItemProgress,
    QuizAttempt,
    ScenarioRun,
)

Pair = tuple[int, str]


@dataclass(frozen=True)
class Standing:
    valid_until: date | None = None  # latest certificate (unless revoked) or completion
    extended_to: date | None = None  # the latest extension an officer granted
    exempt: bool = False
    # Progress in the person's current cycle, as their own page counts it: from their
    # latest certificate's cycle on (any cycle when they have none), and once that
    # certificate is revoked, from the next cycle only: the learning done for it no
    # longer counts as started. (Renewal time also begins the next cycle, but while a
    # certificate is held this flag never decides the status.) Progress is always
    # recorded in the current cycle, so `mark_started` needs no such test.
    started: bool = False


def refresh(user_id: int, module_id: str) -> None:
    """Rewrite one person's standing for one module from the source tables."""
    assignment_id = db.session.scalar(
        select(Assignment.id)
        .where(Assignment.user_id == user_id, Assignment.module_id == module_id)
        .with_for_update()  # PostgreSQL: a concurrent change to this module waits for us
    )
    if assignment_id is None:
        return  # not assigned (yet): the standing is worked out when it is
    standing = _worked_out(user_id=user_id, module_id=module_id).get((user_id, module_id))
    db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment_id)
        .values(**_values(standing or Standing()))
        .execution_options(synchronize_session=False)
    )


def mark_started(user_id: int, module_id: str) -> None:
    """The person has opened a lesson, a scenario or the quiz of this module."""
    db.session.execute(
        update(Assignment)
        .where(
            Assignment.user_id == user_id,
            Assignment.module_id == module_id,
            Assignment.started.is_(False),
        )
        .values(started=True)
        .execution_options(synchronize_session=False)
    )


def refresh_all(user_ids: Iterable[int] | None = None) -> int:
    """Rewrite every assignment's standing (or those of `user_ids`); how many changed."""
    wanted = set(user_ids) if user_ids is not None else None
    # A few people (an administrator's change, assigning by hand): read only their rows.
    few = wanted if wanted is not None and len(wanted) <= 1000 else None
    worked_out = _worked_out(user_ids=few)
    query = select(
        Assignment.id,
        Assignment.user_id,
        Assignment.module_id,
        Assignment.valid_until,
        Assignment.extended_to,
        Assignment.exempt,
        Assignment.started,
    )
    if few is not None:
        query = query.where(Assignment.user_id.in_(few))
    changed = []
    for assignment_id, user_id, module_id, *current in db.session.execute(query):
        if wanted is not None and user_id not in wanted:
            continue
        standing = worked_out.get((user_id, module_id), Standing())
        if tuple(current) != (
            standing.valid_until,
            standing.extended_to,
            standing.exempt,
            standing.started,
        ):
            changed.append({"id": assignment_id, **_values(standing)})
    for start in range(0, len(changed), 5000):
        db.session.execute(update(Assignment), changed[start : start + 5000])
    return len(changed)


def _values(standing: Standing) -> dict:
    return {
        "valid_until": standing.valid_until,
        "extended_to": standing.extended_to,
        "exempt": standing.exempt,
        "started": standing.started,
    }


def _worked_out(
    *, user_id: int | None = None, module_id: str | None = None, user_ids: set[int] | None = None
) -> dict[Pair, Standing]:
    """Each (person, module) pair's standing from the source tables: one person's module,
    some people's, or everyone's (one query per table either way)."""

    def only(query, table):
        if user_id is not None:
            return query.where(table.user_id == user_id, table.module_id == module_id)
        if user_ids is not None:
            return query.where(table.user_id.in_(user_ids))
        return query

    validity = {m.id: m.spec.certificate_validity_months for m in catalogue.get().in_order()}
    valid: dict[Pair, tuple[int, date | None]] = {}
    for user, module, cycle, expires_on, revoked_at in db.session.execute(
        only(
            select(
                Certificate.user_id,
                Certificate.module_id,
                Certificate.cycle,
                Certificate.expires_on,
                Certificate.revoked_at,
            ).where(Certificate.superseded_at.is_(None)),
            Certificate,
        )
    ):
        key = (user, module)
        if key not in valid or cycle > valid[key][0]:
            valid[key] = (cycle, None if revoked_at else expires_on)
    until: dict[Pair, date | None] = {key: expiry for key, (_, expiry) in valid.items()}
    extended: dict[Pair, date] = {}
    exempt: dict[Pair, bool] = {}
    completions: dict[int, tuple[Pair, date]] = {}
    withdrawn: set[int] = set()
    for (
        correction_id,
        user,
        module,
        kind,
        new_due_on,
        completed_on,
        withdraws_id,
    ) in db.session.execute(
        only(
            select(
                Correction.id,
                Correction.user_id,
                Correction.module_id,
                Correction.kind,
                Correction.new_due_on,
                Correction.completed_on,
                Correction.withdraws_id,
            ).order_by(Correction.id),
            Correction,
        )
    ):
        key = (user, module)
        if kind == CorrectionKind.EXTEND_DUE and new_due_on:
            extended[key] = new_due_on
        elif kind == CorrectionKind.EXEMPT:
            exempt[key] = True
        elif kind == CorrectionKind.END_EXEMPTION:
            exempt[key] = False
        elif kind == CorrectionKind.OFFLINE_COMPLETION and completed_on and module in validity:
            completions[correction_id] = (key, completed_on)
        elif kind == CorrectionKind.WITHDRAW_COMPLETION and withdraws_id:
            withdrawn.add(withdraws_id)
    for correction_id, (key, completed_on) in completions.items():
        if correction_id in withdrawn:  # recorded in error, and withdrawn by an officer
            continue
        completion_until = add_months(completed_on, validity[key[1]])
        until[key] = max(filter(None, (until.get(key), completion_until)))
    # The first cycle whose progress counts as started (see `Standing.started`): the
    # latest certificate's, or the one after it once it is revoked (no expiry in `valid`).
    counts_from = {
        key: cycle + 1 if expiry is None else cycle for key, (cycle, expiry) in valid.items()
    }
    progress = union(
        *(
            only(select(table.user_id, table.module_id, table.cycle), table)
            for table in (ItemProgress, ScenarioRun, QuizAttempt)
        )
    ).subquery()
    started = {
        (user, module)
        for user, module, latest in db.session.execute(
            select(progress.c.user_id, progress.c.module_id, func.max(progress.c.cycle)).group_by(
                progress.c.user_id, progress.c.module_id
            )
        )
        if latest >= counts_from.get((user, module), 0)
    }
    keys = set(until) | set(extended) | set(exempt) | started
    return {
        key: Standing(
            valid_until=until.get(key),
            extended_to=extended.get(key),
            exempt=exempt.get(key, False),
            started=key in started,
        )
        for key in keys
    }
