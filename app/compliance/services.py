"""Assignments by rule, and every person's status per module, computed in bulk.

A page loads each table it needs once (people, assignments, certificates, corrections,
activity) and works out the statuses in Python, so the number of SQL statements does not
grow with the number of staff. Rules are applied only by `flask assignments sync` and
after an HR import, never while a page is viewed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import insert, select, union

from app import catalogue
from app.catalogue.loader import Module
from app.certificates.lifecycle import add_months
from app.compliance.rules import Standing, Status, first_due_date, standing
from app.extensions import db
from app.models import (
    Assignment,
    AssignmentSource,
    Certificate,
    Correction,
    CorrectionKind,
    Department,
    ItemProgress,
    QuizAttempt,
    ScenarioRun,
    User,
)
from app.models.base import today as today_utc

NEW_STARTER_DAYS = 90  # "new starters" on the dashboard: started in the last 90 days


@dataclass(frozen=True)
class Person:
    id: int
    employee_number: str
    name: str
    email: str
    department_id: int | None
    department: str
    job_title: str
    start_date: date | None
    line_manager_id: int | None
    is_regulated_role: bool
    professional_body: str


@dataclass(frozen=True)
class Cell:
    module_id: str
    status: Status
    due_on: date | None


@dataclass
class PersonRow:
    person: Person
    cells: dict[str, Cell] = field(default_factory=dict)


def applies(module: Module, person: Person | User) -> bool:
    regulated = person.is_regulated_role
    return module.spec.is_for(regulated_role=regulated, professional_body=person.professional_body)


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
    return len(rows)


def assign_by_hand(
    user_ids: list[int], module_id: str, due_on: date, officer: User
) -> tuple[int, int]:
    """Assign a module to chosen people with a due date; (created, already assigned)."""
    existing = set(
        db.session.scalars(
            select(Assignment.user_id).where(
                Assignment.module_id == module_id, Assignment.user_id.in_(user_ids)
            )
        )
    )
    new = [u for u in dict.fromkeys(user_ids) if u not in existing]
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
    return len(new), len(user_ids) - len(new)


# --- Working out statuses ---------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    module_id: str | None = None
    status: Status | None = None
    due_before: date | None = None
    search: str = ""


def people(*, within: set[int] | None = None, include_inactive: bool = False) -> dict[int, Person]:
    query = select(
        User.id,
        User.employee_number,
        User.first_name,
        User.last_name,
        User.email,
        User.department_id,
        Department.name,
        User.job_title,
        User.start_date,
        User.line_manager_id,
        User.is_regulated_role,
        User.professional_body,
    ).outerjoin(Department, Department.id == User.department_id)
    if not include_inactive:
        query = query.where(User.is_active.is_(True))
    result = {}
    for row in db.session.execute(query):
        if within is not None and row.id not in within:
            continue
        result[row.id] = Person(
            id=row.id,
            employee_number=row.employee_number,
            name=f"{row.first_name} {row.last_name}",
            email=row.email,
            department_id=row.department_id,
            department=row.name or "No department",
            job_title=row.job_title,
            start_date=row.start_date,
            line_manager_id=row.line_manager_id,
            is_regulated_role=row.is_regulated_role,
            professional_body=row.professional_body,
        )
    return result


def team_of(manager_id: int) -> set[int]:
    """Everyone below a manager in the line-management chain (one query)."""
    reports: dict[int, list[int]] = defaultdict(list)
    for user_id, manager in db.session.execute(
        select(User.id, User.line_manager_id).where(User.line_manager_id.is_not(None))
    ):
        reports[manager].append(user_id)
    team: set[int] = set()
    queue = list(reports.get(manager_id, []))
    while queue:
        user_id = queue.pop()
        if user_id not in team and user_id != manager_id:
            team.add(user_id)
            queue.extend(reports.get(user_id, []))
    return team


def statuses(
    *, within: set[int] | None = None, on: date | None = None, user_id: int | None = None
) -> list[PersonRow]:
    """Every active person (or those `within`) with the status of each module assigned."""
    on = on or today_utc()
    if user_id is not None:
        within = {user_id}
    staff = people(within=within)
    modules = {m.id: m for m in catalogue.get().in_order()}
    window = current_app.config["RENEWAL_WINDOW_DAYS"]
    ids = list(staff) if within is not None else None

    assignments = _rows(
        select(Assignment.user_id, Assignment.module_id, Assignment.source, Assignment.due_on),
        Assignment.user_id,
        ids,
    )
    certificates = _rows(
        select(
            Certificate.user_id,
            Certificate.module_id,
            Certificate.cycle,
            Certificate.expires_on,
            Certificate.revoked_at,
        ).where(Certificate.superseded_at.is_(None)),
        Certificate.user_id,
        ids,
    )
    corrections = _rows(
        select(
            Correction.user_id,
            Correction.module_id,
            Correction.kind,
            Correction.new_due_on,
            Correction.completed_on,
            Correction.id,
        ).order_by(Correction.id),
        Correction.user_id,
        ids,
    )
    started = _started(ids)

    latest: dict[tuple[int, str], tuple[int, date | None]] = {}
    for user, module_id, cycle, expires_on, revoked_at in certificates:
        key = (user, module_id)
        if key not in latest or cycle > latest[key][0]:
            latest[key] = (cycle, None if revoked_at else expires_on)
    extended: dict[tuple[int, str], date] = {}
    exempt: dict[tuple[int, str], bool] = {}
    offline: dict[tuple[int, str], date] = {}
    for user, module_id, kind, new_due_on, completed_on, _id in corrections:
        key = (user, module_id)
        if kind == CorrectionKind.EXTEND_DUE and new_due_on:
            extended[key] = new_due_on
        elif kind == CorrectionKind.EXEMPT:
            exempt[key] = True
        elif kind == CorrectionKind.END_EXEMPTION:
            exempt[key] = False
        elif kind == CorrectionKind.OFFLINE_COMPLETION and completed_on and module_id in modules:
            months = modules[module_id].spec.certificate_validity_months
            until = add_months(completed_on, months)
            offline[key] = max(until, offline.get(key, until))

    rows = {user: PersonRow(person) for user, person in staff.items()}
    for user, module_id, source, due_on in assignments:
        row = rows.get(user)
        module = modules.get(module_id)
        if row is None or module is None:
            continue
        if source == AssignmentSource.RULE and not applies(module, row.person):
            continue  # their role changed: the rule no longer gives them this module
        key = (user, module_id)
        certified = latest.get(key, (0, None))[1]
        valid_until = max(filter(None, (certified, offline.get(key))), default=None)
        result: Standing = standing(
            today=on,
            due_on=due_on,
            extended_to=extended.get(key),
            valid_until=valid_until,
            exempt=exempt.get(key, False),
            started=key in started,
            renewal_window_days=window,
        )
        row.cells[module_id] = Cell(module_id, result.status, result.due_on)
    return sorted(rows.values(), key=lambda r: (r.person.name.lower(), r.person.id))


def _rows(query, user_column, ids: list[int] | None) -> list:
    if ids is not None:
        if not ids:
            return []
        query = query.where(user_column.in_(ids)) if len(ids) <= 900 else query
    return db.session.execute(query).all()


def _started(ids: list[int] | None) -> set[tuple[int, str]]:
    """(person, module) pairs with any learning or quiz activity, in one query."""
    parts = [
        select(ItemProgress.user_id, ItemProgress.module_id),
        select(ScenarioRun.user_id, ScenarioRun.module_id),
        select(QuizAttempt.user_id, QuizAttempt.module_id),
    ]
    if ids is not None and len(ids) <= 300:
        if not ids:
            return set()
        parts = [p.where(p.selected_columns[0].in_(ids)) for p in parts]
    return {(user, module) for user, module in db.session.execute(union(*parts))}


def matches(row: PersonRow, cell: Cell, filters: Filters) -> bool:
    if filters.department_id and row.person.department_id != filters.department_id:
        return False
    if filters.module_id and cell.module_id != filters.module_id:
        return False
    if filters.status and cell.status is not filters.status:
        return False
    if filters.due_before and (cell.due_on is None or cell.due_on > filters.due_before):
        return False
    if filters.search:
        needle = filters.search.lower()
        person = row.person
        haystack = f"{person.name} {person.email} {person.employee_number}".lower()
        if needle not in haystack:
            return False
    return True


def filtered(rows: list[PersonRow], filters: Filters) -> list[tuple[PersonRow, Cell]]:
    return [
        (row, cell) for row in rows for cell in row.cells.values() if matches(row, cell, filters)
    ]


# --- The dashboard's figures ------------------------------------------------------------


@dataclass
class Tally:
    label: str
    key: str
    assigned: int = 0  # not exempt
    compliant: int = 0
    overdue: int = 0

    @property
    def percent(self) -> float:
        return 100 * self.compliant / self.assigned if self.assigned else 0.0


@dataclass
class Summary:
    overall: Tally
    by_department: list[Tally]
    by_module: list[Tally]
    overdue: int
    due_in_30_days: int
    expiring_in_60_days: int
    exempt: int
    new_starters_not_started: list[Person]


def summarise(rows: list[PersonRow], filters: Filters, *, on: date | None = None) -> Summary:
    on = on or today_utc()
    titles = {m.id: m.title for m in catalogue.get().in_order()}
    overall = Tally("All staff", "all")
    departments: dict[str, Tally] = {}
    modules: dict[str, Tally] = {m: Tally(t, m) for m, t in titles.items()}
    overdue = due_soon = expiring = exempt = 0
    new_starters = []
    soon, window = on + timedelta(days=30), on + timedelta(days=60)
    compliant_statuses = {Status.COMPLIANT, Status.EXPIRING}
    late_statuses = {Status.OVERDUE, Status.EXPIRED}
    for row, cell in filtered(rows, filters):
        status = cell.status
        if status is Status.EXEMPT:
            exempt += 1
            continue
        department = departments.setdefault(
            row.person.department, Tally(row.person.department, str(row.person.department_id))
        )
        is_compliant = status in compliant_statuses
        is_late = status in late_statuses
        for tally in (overall, department, modules.get(cell.module_id)):
            if tally is None:
                continue
            tally.assigned += 1
            tally.compliant += is_compliant
            tally.overdue += is_late
        overdue += is_late
        due = cell.due_on
        due_soon += not is_compliant and not is_late and due is not None and due <= soon
        expiring += is_compliant and due is not None and due <= window
    for row in rows:
        start = row.person.start_date
        if (
            start is not None
            and on - timedelta(days=NEW_STARTER_DAYS) <= start <= on
            and row.cells
            and all(c.status in (Status.NOT_STARTED, Status.OVERDUE) for c in row.cells.values())
            and (not filters.department_id or row.person.department_id == filters.department_id)
        ):
            new_starters.append(row.person)
    return Summary(
        overall=overall,
        by_department=sorted(departments.values(), key=lambda t: t.label.lower()),
        by_module=[t for t in modules.values() if t.assigned],
        overdue=overdue,
        due_in_30_days=due_soon,
        expiring_in_60_days=expiring,
        exempt=exempt,
        new_starters_not_started=new_starters,
    )


def monthly_trend(rows: list[PersonRow], *, on: date | None = None, months: int = 12):
    """(month label, percent compliant) at the end of each of the last `months` months, for
    the people and modules assigned now: the share of them that held a valid certificate
    (or a recorded completion) on that day."""
    on = on or today_utc()
    assigned = {
        (row.person.id, cell.module_id)
        for row in rows
        for cell in row.cells.values()
        if cell.status is not Status.EXEMPT
    }
    if not assigned:
        return []
    modules = {m.id: m for m in catalogue.get().in_order()}
    spans: dict[tuple[int, str], list[tuple[date, date]]] = defaultdict(list)
    for user, module_id, issued_at, expires_on, revoked_at in db.session.execute(
        select(
            Certificate.user_id,
            Certificate.module_id,
            Certificate.issued_at,
            Certificate.expires_on,
            Certificate.revoked_at,
        )
    ):
        end = min(expires_on, revoked_at.date()) if revoked_at else expires_on
        spans[(user, module_id)].append((issued_at.date(), end))
    for user, module_id, completed_on in db.session.execute(
        select(Correction.user_id, Correction.module_id, Correction.completed_on).where(
            Correction.kind == CorrectionKind.OFFLINE_COMPLETION.value
        )
    ):
        if completed_on and module_id in modules:
            months_valid = modules[module_id].spec.certificate_validity_months
            spans[(user, module_id)].append((completed_on, add_months(completed_on, months_valid)))
    days = []
    for back in range(months - 1, -1, -1):
        first_of_month = add_months(on.replace(day=1), -back)
        days.append(min(on, add_months(first_of_month, 1) - timedelta(days=1)))
    held = [0] * len(days)
    for key, key_spans in spans.items():
        if key not in assigned:
            continue
        # Each month end counts a person's module once, however many certificates cover it.
        covered = {
            i for i, day in enumerate(days) for start, end in key_spans if start <= day < end
        }
        for index in covered:
            held[index] += 1
    return [
        (f"{day:%b %Y}", 100 * count / len(assigned)) for day, count in zip(days, held, strict=True)
    ]
