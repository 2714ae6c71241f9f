"""The dashboard's figures: counted in SQL, a few dozen rows back to Python."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from sqlalchemy import Date, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from app import catalogue
from app.certificates.lifecycle import add_months
from app.compliance.queries import (
    NO_DEPARTMENT,
    Columns,
    Filters,
    Person,
    cell_conditions,
    counted,
    person_columns,
    person_conditions,
    to_person,
)
from app.compliance.rules import Status
from app.extensions import db
from app.models import Assignment, Certificate, Correction, CorrectionKind, Department, User
from app.models.base import LOCAL_ZONE, local_date

NEW_STARTER_DAYS = 90  # "new starters" on the dashboard: started in the last 90 days
COMPLIANT = (Status.COMPLIANT.value, Status.EXPIRING.value)


@dataclass
class Tally:
    label: str
    key: str
    assigned: int = 0  # not exempt
    compliant: int = 0  # held: the statuses Compliant and Expiring (COMPLIANT)
    overdue: int = 0  # past the due date, never held (not expired: that is `expired`)
    expired: int = 0

    @property
    def percent(self) -> float:
        return 100 * self.compliant / self.assigned if self.assigned else 0.0


@dataclass
class Summary:
    overall: Tally
    by_department: list[Tally]
    by_module: list[Tally]
    overdue: int  # as the status Overdue: never held, past the due date
    expired: int
    due_in_30_days: int
    expiring: int  # as the status Expiring: inside the renewal window
    exempt: int
    new_starters_not_started: list[Person]

    @property
    def compliant_not_expiring(self) -> int:
        """As the status Compliant: held, outside the renewal window. The headline's
        compliant figure is these and the `expiring` ones."""
        return self.overall.compliant - self.expiring


def summarise(filters: Filters, *, on: date | None = None) -> Summary:
    columns = Columns.for_day(on)
    on = columns.on
    titles = {m.id: m.title for m in catalogue.get().in_order()}
    overall = Tally("All staff", "all")
    departments: dict[int | None, Tally] = {}
    modules: dict[str, Tally] = {m: Tally(t, m) for m, t in titles.items()}
    overdue = expired = due_soon = expiring = exempt = 0
    soon = on + timedelta(days=30)
    status = columns.status.label("status")
    query = (
        select(
            User.department_id,
            Department.name,
            Assignment.module_id,
            status,
            func.count(),
            func.sum(case((columns.due <= soon, 1), else_=0)),
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(*person_conditions(filters), *cell_conditions(filters, columns))
        .group_by(User.department_id, Department.name, Assignment.module_id, status)
    )
    for department_id, name, module_id, status_value, count, by_30 in db.session.execute(query):
        if status_value == Status.EXEMPT.value:
            exempt += count
            continue
        department = departments.setdefault(
            department_id, Tally(name or NO_DEPARTMENT, str(department_id))
        )
        is_compliant = status_value in COMPLIANT
        is_overdue = status_value == Status.OVERDUE.value
        is_expired = status_value == Status.EXPIRED.value
        for tally in (overall, department, modules.get(module_id)):
            if tally is None:
                continue
            tally.assigned += count
            tally.compliant += count if is_compliant else 0
            tally.overdue += count if is_overdue else 0
            tally.expired += count if is_expired else 0
        overdue += count if is_overdue else 0
        expired += count if is_expired else 0
        due_soon += (by_30 or 0) if not (is_compliant or is_overdue or is_expired) else 0
        # The same rule as the status Expiring it links to (RENEWAL_WINDOW_DAYS).
        expiring += count if status_value == Status.EXPIRING.value else 0
    return Summary(
        overall=overall,
        by_department=sorted(departments.values(), key=lambda t: t.label.lower()),
        by_module=[t for t in modules.values() if t.assigned],
        overdue=overdue,
        expired=expired,
        due_in_30_days=due_soon,
        expiring=expiring,
        exempt=exempt,
        new_starters_not_started=new_starters_not_started(filters, columns),
    )


def new_starters_not_started(filters: Filters, columns: Columns) -> list[Person]:
    """People who started in the last 90 days and have not started any module they must
    do (overdue or not): none opened, none held through a completion recorded from
    elsewhere. Exempt modules are left out; someone exempt from all of them is not listed.

    The department and module filters apply: with a module chosen, those who have not
    started that module (someone without it has nothing of it to start). A status or due
    date does not: the page says so."""
    on = columns.on
    touched = case(
        (or_(Assignment.started.is_(True), Assignment.valid_until.is_not(None)), 1), else_=0
    )
    untouched = (
        select(Assignment.user_id)
        .join(User, User.id == Assignment.user_id)
        .where(
            counted(),
            Assignment.exempt.is_(False),
            User.start_date.between(on - timedelta(days=NEW_STARTER_DAYS), on),
            *([Assignment.module_id == filters.module_id] if filters.module_id else []),
        )
        .group_by(Assignment.user_id)
        .having(func.sum(touched) == 0)
    )
    department_only = Filters(department_id=filters.department_id)
    return [
        to_person(row)
        for row in db.session.execute(
            select(*person_columns())
            .outerjoin(Department, Department.id == User.department_id)
            .where(*person_conditions(department_only), User.id.in_(untouched))
            .order_by(User.start_date, User.id)
        )
    ]


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(ranges) == 1:
        return ranges
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        elif low < high:
            merged.append((low, high))
    return merged


def _day(moment):
    """The UK date of a stored (UTC) time: worked out by PostgreSQL, which knows the UK's
    clock changes (cheaper than reading 40,000 datetimes); SQLite does not, so there the
    time is read and `_uk_date` turns it into a date."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone(LOCAL_ZONE.key, func.timezone("UTC", moment))
        return type_coerce(func.date(local), Date)
    return moment


def _uk_date(value):
    return local_date(value) if isinstance(value, datetime) else value


def monthly_trend(
    filters: Filters, *, on: date | None = None, months: int = 12
) -> list[tuple[str, float]]:
    """(month label, percent) at the end of each of the last `months` months, for the
    modules assigned now (in the chosen department and module, not exempt): the share that were held
    (a valid certificate or a recorded completion) on that day."""
    columns = Columns.for_day(on)
    on = columns.on
    days = []
    for back in range(months - 1, -1, -1):
        first_of_month = add_months(on.replace(day=1), -back)
        days.append(min(on, add_months(first_of_month, 1) - timedelta(days=1)))
    # The department and module filters apply; a status or due date describes today only.
    department_only = Filters(department_id=filters.department_id)
    assigned = (
        select(Assignment.user_id, Assignment.module_id)
        .join(User, User.id == Assignment.user_id)
        .where(
            *person_conditions(department_only),
            counted(),
            Assignment.exempt.is_(False),
            *([Assignment.module_id == filters.module_id] if filters.module_id else []),
        )
    )
    total = db.session.scalar(select(func.count()).select_from(assigned.subquery()))
    if not total:
        return []
    held = assigned.subquery()
    # The month ends each certificate covers, as index ranges into `days`: from the first
    # day on or after its start to the first on or after its end. It ends early if revoked,
    # or when a renewal replaced it (the renewal covers on from that day, while it stands:
    # as for the standing, a replaced certificate no longer counts once its successor is
    # revoked).
    spans: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for user, module_id, issued_on, expires_on, revoked_on, superseded_on in db.session.execute(
        select(
            Certificate.user_id,
            Certificate.module_id,
            _day(Certificate.issued_at),
            Certificate.expires_on,
            _day(Certificate.revoked_at),
            _day(Certificate.superseded_at),
        )
        .join(
            held,
            (held.c.user_id == Certificate.user_id) & (held.c.module_id == Certificate.module_id),
        )
        .where(Certificate.expires_on > days[0])
    ):
        issued_on = _uk_date(issued_on)
        ends = (expires_on, _uk_date(revoked_on), _uk_date(superseded_on))
        end = min(day for day in ends if day is not None)
        spans[(user, module_id)].append((bisect_left(days, issued_on), bisect_left(days, end)))
    validity = {m.id: m.spec.certificate_validity_months for m in catalogue.get().in_order()}
    withdrawal = aliased(Correction)
    for user, module_id, completed_on in db.session.execute(
        select(Correction.user_id, Correction.module_id, Correction.completed_on)
        .join(
            held,
            (held.c.user_id == Correction.user_id) & (held.c.module_id == Correction.module_id),
        )
        .where(
            Correction.kind == CorrectionKind.OFFLINE_COMPLETION.value,
            # One recorded in error and withdrawn never held, in any month.
            Correction.id.not_in(
                select(withdrawal.withdraws_id).where(
                    withdrawal.kind == CorrectionKind.WITHDRAW_COMPLETION.value,
                    withdrawal.withdraws_id.is_not(None),
                )
            ),
        )
    ):
        if completed_on and module_id in validity:
            until = add_months(completed_on, validity[module_id])
            spans[(user, module_id)].append(
                (bisect_left(days, completed_on), bisect_left(days, until))
            )
    change = [0] * (len(days) + 1)
    for ranges in spans.values():
        for low, high in _merged(ranges):  # once a month, however many certificates cover it
            change[low] += 1
            change[high] -= 1
    counts = list(accumulate(change))[: len(days)]
    return [(f"{day:%b %Y}", 100 * count / total) for day, count in zip(days, counts, strict=True)]
