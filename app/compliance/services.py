"""Assignments by rule and by hand.

Rules are applied by `flask assignments sync`, after an HR import and after an
administrator adds, changes or reactivates someone (for those people only), never while a
page is viewed. Statuses are read in SQL (app/compliance/queries.py) from the assignment
rows, whose standing app/compliance/standings.py keeps in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, insert, select, update

from app import audit, catalogue
from app.compliance import queries, standings
from app.compliance.rules import first_due_date
from app.extensions import db
from app.models import Assignment, AssignmentSource, User
from app.models.base import today as uk_today
from app.models.base import utcnow

# --- Applying the rules -----------------------------------------------------------------


def sync_assignments(
    *,
    campaign_due: date | None = None,
    on: date | None = None,
    user_ids: Iterable[int] | None = None,
    actor: User | None = None,
) -> int:
    """Give every active person (or only those in `user_ids`) every module whose audience
    matches them. Idempotent. Returns how many assignments were created.

    A row that stops counting (the person left, or the module is no longer for their role)
    is marked `dropped_at`. When it counts again (they came back, or the role did) it gets a
    fresh due date, as a new starter would, recorded in the audit log."""
    on = on or uk_today()
    wanted = None if user_ids is None else set(user_ids)
    if wanted is not None and not wanted:
        return 0
    modules = catalogue.get().in_order()
    _mark_scope(wanted, campaign_due=campaign_due, on=on, actor=actor)
    existing_query = select(Assignment.user_id, Assignment.module_id)
    people_query = select(
        User.id, User.start_date, User.is_regulated_role, User.professional_body
    ).where(User.is_active.is_(True))
    if wanted is not None:
        existing_query = existing_query.where(Assignment.user_id.in_(wanted))
        people_query = people_query.where(User.id.in_(wanted))
    existing = {(u, m) for u, m in db.session.execute(existing_query)}
    rows = []
    for user_id, start_date, regulated, body in db.session.execute(people_query).all():
        for module in modules:
            if (user_id, module.id) in existing:
                continue
            if not module.spec.is_for(regulated_role=regulated, professional_body=body):
                continue
            rows.append(
                {
                    "user_id": user_id,
                    "module_id": module.id,
                    "source": AssignmentSource.RULE.value,
                    "due_on": first_due_date(
                        today=on,
                        start_date=start_date,
                        induction_days=module.spec.induction_due_days,
                        campaign_due=campaign_due,
                    ),
                }
            )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Assignment), rows[start : start + 5000])
    if rows:  # a returning leaver or a new role may already hold certificates
        standings.refresh_all(user_ids={row["user_id"] for row in rows})
    return len(rows)


def _mark_scope(
    wanted: set[int] | None, *, campaign_due: date | None, on: date, actor: User | None
) -> None:
    """Mark the rows that stopped counting, and give the rows that count again (marked at an
    earlier run) a fresh due date."""
    specs = {m.id: m.spec for m in catalogue.get().in_order()}
    counts = case((and_(User.is_active.is_(True), queries.counted()), True), else_=False)
    query = select(
        Assignment.id,
        Assignment.user_id,
        Assignment.module_id,
        Assignment.due_on,
        Assignment.dropped_at,
        User.start_date,
        counts,
    ).join(User, User.id == Assignment.user_id)
    if wanted is not None:
        query = query.where(Assignment.user_id.in_(wanted))
    dropped, back = [], []
    for row_id, user_id, module_id, due_on, dropped_at, start_date, counting in db.session.execute(
        query
    ).all():
        if dropped_at is None and not counting:
            dropped.append(row_id)
        elif dropped_at is not None and counting:
            due = first_due_date(
                today=on,
                start_date=start_date,
                induction_days=specs[module_id].induction_due_days,
                campaign_due=campaign_due,
            )
            back.append((row_id, user_id, module_id, due_on, due))
    now = utcnow()
    for start in range(0, len(dropped), 5000):
        db.session.execute(
            update(Assignment)
            .where(Assignment.id.in_(dropped[start : start + 5000]))
            .values(dropped_at=now)
            .execution_options(synchronize_session=False)
        )
    if not back:
        return
    db.session.execute(
        update(Assignment),
        [{"id": row_id, "due_on": due, "dropped_at": None} for row_id, _, _, _, due in back],
    )
    people = {
        person.id: person
        for person in db.session.scalars(
            select(User).where(User.id.in_({user_id for _, user_id, _, _, _ in back}))
        )
    }
    for _, user_id, module_id, previous, due in back:
        audit.record(
            "assignments_synced",
            actor=actor,
            subject=people[user_id],
            details={
                "module": module_id,
                "due_on": due.isoformat(),
                "previous_due_on": previous.isoformat(),
                "why": "The module applies to them again, so it has a fresh due date",
            },
        )


def assign_by_hand(
    user_ids: list[int], module_id: str, due_on: date, officer: User
) -> tuple[int, int]:
    """Assign a module to chosen people with a due date; (assigned, already assigned).
    Someone chosen twice (by department and by number) counts once. A row that no longer
    counts (the module stopped being for their role) is not "already assigned": it becomes
    the officer's assignment, with the new due date."""
    chosen = list(dict.fromkeys(user_ids))
    rows = {
        user_id: (assignment_id, counting)
        for assignment_id, user_id, counting in db.session.execute(
            select(
                Assignment.id,
                Assignment.user_id,
                case(
                    (
                        and_(
                            User.is_active.is_(True),
                            Assignment.dropped_at.is_(None),
                            queries.counted(),
                        ),
                        True,
                    ),
                    else_=False,
                ),
            )
            .join(User, User.id == Assignment.user_id)
            .where(Assignment.module_id == module_id, Assignment.user_id.in_(chosen))
            .with_for_update(of=Assignment)
        )
    }
    assigned = [u for u in chosen if u not in rows or not rows[u][1]]
    for user_id in assigned:
        if user_id in rows:  # back into scope, by the officer's choice
            db.session.execute(
                update(Assignment)
                .where(Assignment.id == rows[user_id][0])
                .values(
                    source=AssignmentSource.OFFICER.value,
                    due_on=due_on,
                    assigned_by_id=officer.id,
                    assigned_at=utcnow(),
                    dropped_at=None,
                )
                .execution_options(synchronize_session=False)
            )
        else:
            db.session.add(
                Assignment(
                    user_id=user_id,
                    module_id=module_id,
                    source=AssignmentSource.OFFICER.value,
                    due_on=due_on,
                    assigned_by_id=officer.id,
                )
            )
    db.session.flush()
    if assigned:
        standings.refresh_all(user_ids=assigned)
    details = {"module": module_id, "due_on": due_on.isoformat()}
    for person in db.session.scalars(select(User).where(User.id.in_(assigned))):
        # So that they can open it, whether or not it is for their role (see modules_for).
        person.modules_assigned_by_hand = sorted({*person.modules_assigned_by_hand, module_id})
        audit.record("module_assigned", actor=officer, subject=person, details=details)
    return len(assigned), len(chosen) - len(assigned)


# --- People ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    id: int
    employee_number: str
    department_id: int | None


def active_staff() -> list[StaffMember]:
    return [
        StaffMember(*row)
        for row in db.session.execute(
            select(User.id, User.employee_number, User.department_id).where(
                User.is_active.is_(True)
            )
        )
    ]
