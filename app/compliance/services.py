"""Assignments by rule and by hand.

Rules are applied only by `flask assignments sync` and after an HR import, never while a
page is viewed. Statuses are read in SQL (app/compliance/queries.py) from the assignment
rows, whose standing app/compliance/standings.py keeps in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from app import audit, catalogue
from app.compliance import queries, standings
from app.compliance.rules import first_due_date
from app.extensions import db
from app.models import Assignment, AssignmentSource, User
from app.models.base import today as today_utc

# --- Applying the rules -----------------------------------------------------------------


def sync_assignments(*, campaign_due: date | None = None, on: date | None = None) -> int:
    """Give every active person every module whose audience matches them. Idempotent:
    existing assignments are left as they are. Returns how many were created."""
    on = on or today_utc()
    modules = catalogue.get().in_order()
    existing = {
        (u, m) for u, m in db.session.execute(select(Assignment.user_id, Assignment.module_id))
    }
    people = db.session.execute(
        select(User.id, User.start_date, User.is_regulated_role, User.professional_body).where(
            User.is_active.is_(True)
        )
    ).all()
    rows = []
    for user_id, start_date, regulated, body in people:
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


def assign_by_hand(
    user_ids: list[int], module_id: str, due_on: date, officer: User
) -> tuple[int, int]:
    """Assign a module to chosen people with a due date; (created, already assigned).
    Someone chosen twice (by department and by number) counts once."""
    chosen = list(dict.fromkeys(user_ids))
    existing = set(
        db.session.scalars(
            select(Assignment.user_id).where(
                Assignment.module_id == module_id, Assignment.user_id.in_(chosen)
            )
        )
    )
    new = [u for u in chosen if u not in existing]
    for user_id in new:
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
    if new:
        standings.refresh_all(user_ids=new)
    details = {"module": module_id, "due_on": due_on.isoformat()}
    for person in db.session.scalars(select(User).where(User.id.in_(new))):
        # So that they can open it, whether or not it is for their role (see modules_for).
        person.modules_assigned_by_hand = sorted({*person.modules_assigned_by_hand, module_id})
        audit.record("module_assigned", actor=officer, subject=person, details=details)
    return len(new), len(chosen) - len(new)


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


def team_of(manager_id: int) -> set[int]:
    """Everyone below a manager in the line-management chain (one query)."""
    return set(db.session.scalars(queries.team_select(manager_id)))
