"""Every person's status per module, worked out in SQL from the assignment rows.

`status_expression` is the SQL twin of `rules.standing` (a test holds them to the same
answers on SQLite and PostgreSQL). Pages filter, count, sort and page in the database, so
the number of statements a page runs stays the same however many staff there are, and
only the rows a page shows come back to Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import (
    Boolean,
    Date,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select

from app import catalogue
from app.catalogue.schema import Audience
from app.compliance import rules
from app.compliance.rules import Status
from app.database import casefold
from app.extensions import db
from app.models import Assignment, AssignmentSource, Certificate, Department, User
from app.models.base import today as uk_today

NO_DEPARTMENT = "No department"
ELSEWHERE_NOTE = " (completed elsewhere)"  # after the status, in exports


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
    is_active: bool = True  # False: they have left (not counted in compliance)


@dataclass(frozen=True)
class Cell:
    module_id: str
    status: Status
    due_on: date | None
    # Held (compliant or expiring) through a completion an officer recorded from
    # elsewhere, not through a certificate.
    elsewhere: bool = False

    @property
    def label(self) -> str:
        """The status as exports write it: "Compliant (completed elsewhere)"."""
        return f"{self.status.value}{ELSEWHERE_NOTE}" if self.elsewhere else self.status.value


@dataclass
class PersonRow:
    person: Person
    cells: dict[str, Cell] = field(default_factory=dict)


# Whose records a list shows: people still here, people who have left, or both. Only the
# officers' people list offers the choice; compliance figures, the dashboard and exports
# count active people only (the default).
ACCOUNTS: dict[str, str] = {"active": "Active", "left": "Left", "all": "All"}
DEFAULT_ACCOUNT = "active"


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    module_id: str | None = None
    status: Status | None = None
    due_before: date | None = None
    search: str = ""
    account: str = DEFAULT_ACCOUNT  # a key of ACCOUNTS

    @property
    def on_cells(self) -> bool:
        """Whether any filter is about a module's status rather than the person."""
        return bool(self.module_id or self.status or self.due_before)


# --- The rules in SQL -------------------------------------------------------------------


def counted() -> ColumnElement[bool]:
    """The assignment counts: its module exists, and it was assigned by hand or the
    module's audience still matches the person's HR fields (a role change drops it)."""
    modules = catalogue.get().in_order()
    by_rule = [and_(Assignment.module_id == m.id, _audience(m.spec.audience)) for m in modules]
    return and_(
        Assignment.module_id.in_([m.id for m in modules]),
        or_(Assignment.source == AssignmentSource.OFFICER.value, *by_rule),
    )


def _audience(audience: Audience | str) -> ColumnElement[bool]:
    if audience == "everyone":
        return true()
    conditions = []
    for condition in audience.any_of:
        parts = [true()]
        if condition.regulated_role is not None:
            parts.append(User.is_regulated_role == condition.regulated_role)
        if condition.professional_body is not None:
            parts.append(User.professional_body.in_(condition.professional_body))
        conditions.append(and_(*parts))
    return or_(*conditions) if conditions else false()


def _later(a, b):
    """The later of two dates, where `b` may be NULL."""
    return case((b > a, b), else_=a)


def status_expression(on: date, window_days: int) -> ColumnElement[str]:
    """As `rules.standing`: exempt, else a valid certificate (expiring inside the renewal
    window), else expired, else overdue after the due date, else in progress or not."""
    valid_until = Assignment.valid_until
    return case(
        (Assignment.exempt.is_(True), Status.EXEMPT.value),
        (
            and_(valid_until > on, valid_until <= on + timedelta(days=window_days)),
            Status.EXPIRING.value,
        ),
        (valid_until > on, Status.COMPLIANT.value),
        (valid_until.is_not(None), Status.EXPIRED.value),
        (_later(Assignment.due_on, Assignment.extended_to) < on, Status.OVERDUE.value),
        (Assignment.started.is_(True), Status.IN_PROGRESS.value),
        else_=Status.NOT_STARTED.value,
    )


def elsewhere_expression(on: date) -> ColumnElement[bool]:
    """Whether the module is held through a completion recorded from elsewhere: it is held
    (not exempt, the standing's expiry ahead), and no certificate the person holds lasts
    as long (the standing takes the later of the two; a tie is the certificate)."""
    certificate = exists().where(
        Certificate.user_id == Assignment.user_id,
        Certificate.module_id == Assignment.module_id,
        Certificate.superseded_at.is_(None),
        Certificate.revoked_at.is_(None),
        Certificate.expires_on >= Assignment.valid_until,
    )
    held = and_(Assignment.exempt.is_(False), Assignment.valid_until > on)
    return type_coerce(case((and_(held, ~certificate), true()), else_=false()), Boolean)


def due_expression(on: date) -> ColumnElement[date]:
    """The date that matters now: the due date (as extended), or the certificate's expiry."""
    valid_until = Assignment.valid_until
    return type_coerce(
        case(
            (Assignment.exempt.is_(True), None),
            (valid_until > on, valid_until),
            (valid_until.is_not(None), _later(valid_until, Assignment.extended_to)),
            else_=_later(Assignment.due_on, Assignment.extended_to),
        ),
        Date,
    )


@dataclass(frozen=True)
class Columns:
    """The status and due date columns for one day (bound once per page)."""

    on: date
    status: ColumnElement[str]
    due: ColumnElement[date]
    elsewhere: ColumnElement[bool]

    @classmethod
    def for_day(cls, on: date | None = None) -> Columns:
        on = on or uk_today()
        window = current_app.config["RENEWAL_WINDOW_DAYS"]
        return cls(on, status_expression(on, window), due_expression(on), elsewhere_expression(on))


@dataclass(frozen=True)
class Duty:
    """One person's assigned module as officers see it."""

    status: Status
    due_on: date | None  # the date that matters now: due date (as extended), or expiry
    valid_until: date | None  # expiry of the latest certificate or recorded completion


def duties_of(user_id: int, *, on: date | None = None) -> dict[str, Duty]:
    """One person's assigned modules, each with its status and dates as officers see them:
    the person's own pages show the same (one query)."""
    on = on or uk_today()
    window = current_app.config["RENEWAL_WINDOW_DAYS"]
    rows = db.session.execute(
        select(
            Assignment.module_id,
            Assignment.due_on,
            Assignment.extended_to,
            Assignment.valid_until,
            Assignment.exempt,
            Assignment.started,
        ).where(Assignment.user_id == user_id)
    )
    duties = {}
    for row in rows:
        standing = rules.standing(
            today=on,
            due_on=row.due_on,
            extended_to=row.extended_to,
            valid_until=row.valid_until,
            exempt=row.exempt,
            started=row.started,
            renewal_window_days=window,
        )
        duties[row.module_id] = Duty(standing.status, standing.due_on, row.valid_until)
    return duties


# --- Filters ----------------------------------------------------------------------------


def person_conditions(filters: Filters, within: Select | None = None) -> list:
    conditions = []
    if filters.account != "all":  # active people only, unless the list asks for leavers
        conditions.append(User.is_active.is_(filters.account != "left"))
    if filters.department_id:
        conditions.append(User.department_id == filters.department_id)
    if filters.search:
        haystack = casefold(
            User.first_name + " " + User.last_name + " " + User.email + " " + User.employee_number
        )
        conditions.append(haystack.contains(filters.search.lower(), autoescape=True))
    if within is not None:
        conditions.append(User.id.in_(within))
    return conditions


def cell_conditions(filters: Filters, columns: Columns) -> list:
    conditions = [counted()]
    if filters.module_id:
        conditions.append(Assignment.module_id == filters.module_id)
    if filters.status:
        conditions.append(columns.status == filters.status.value)
    if filters.due_before:
        conditions.append(columns.due <= filters.due_before)
    return conditions


def person_columns():
    return (
        User.id,
        User.employee_number,
        User.first_name,
        User.last_name,
        User.email,
        User.department_id,
        Department.name.label("department_name"),
        User.job_title,
        User.start_date,
        User.is_active,
    )


def to_person(row) -> Person:
    return Person(
        id=row.id,
        employee_number=row.employee_number,
        name=f"{row.first_name} {row.last_name}",
        email=row.email,
        department_id=row.department_id,
        department=row.department_name or NO_DEPARTMENT,
        job_title=row.job_title,
        start_date=row.start_date,
        is_active=row.is_active,
    )


def _name_order():
    return (User.sort_name, User.id)


# --- People and their cells -------------------------------------------------------------


def people_query(filters: Filters, columns: Columns, *, within: Select | None = None) -> Select:
    """People who match the person filters and, when any are set, have a module that
    matches the module filters (people with nothing assigned only when none are set)."""
    query = (
        select(*person_columns())
        .outerjoin(Department, Department.id == User.department_id)
        .where(*person_conditions(filters, within))
    )
    if filters.on_cells:
        query = query.where(
            exists().where(Assignment.user_id == User.id, *cell_conditions(filters, columns))
        )
    return query


@dataclass(frozen=True)
class Page:
    rows: list[PersonRow]
    total: int
    number: int
    pages: int


SORTS = ("name", "department", "due")


def people_page(
    filters: Filters,
    *,
    sort: str,
    number: int,
    per_page: int,
    within: Select | None = None,
    on: date | None = None,
) -> Page:
    """One page of people with all their modules' statuses: three statements."""
    columns = Columns.for_day(on)
    query = people_query(filters, columns, within=within)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    number = min(max(number, 1), pages)
    if sort == "department":
        order = (func.lower(func.coalesce(Department.name, NO_DEPARTMENT)), *_name_order())
    elif sort == "due":
        soonest = (
            select(func.min(columns.due))
            .where(Assignment.user_id == User.id, counted())
            .scalar_subquery()
        )
        order = (soonest.is_(None), soonest, *_name_order())
    else:
        order = _name_order()
    persons = [
        to_person(row)
        for row in db.session.execute(
            query.order_by(*order).offset((number - 1) * per_page).limit(per_page)
        )
    ]
    rows = _with_cells(persons, columns)
    return Page(rows, total, number, pages)


def _with_cells(persons: list[Person], columns: Columns) -> list[PersonRow]:
    rows = {p.id: PersonRow(p) for p in persons}
    if rows:
        for cell_row in db.session.execute(
            _cells_select(columns).where(Assignment.user_id.in_(list(rows)))
        ):
            rows[cell_row.user_id].cells[cell_row.module_id] = _cell(cell_row)
    return list(rows.values())


def _cells_select(columns: Columns) -> Select:
    return (
        select(
            Assignment.user_id,
            Assignment.module_id,
            columns.status.label("status"),
            columns.due.label("due_on"),
            columns.elsewhere.label("elsewhere"),
        )
        .join(User, User.id == Assignment.user_id)
        .where(counted())
    )


def _cell(row) -> Cell:
    return Cell(row.module_id, Status(row.status), row.due_on, bool(row.elsewhere))


def person_row(person_id: int, *, on: date | None = None) -> PersonRow | None:
    """One person (active or not) with their modules' statuses."""
    found = db.session.execute(
        select(*person_columns())
        .outerjoin(Department, Department.id == User.department_id)
        .where(User.id == person_id)
    ).first()
    if found is None:
        return None
    return _with_cells([to_person(found)], Columns.for_day(on))[0]


def _cells_by_person(columns: Columns) -> Select:
    """Modules with their person's columns, person by person in name order (streamed)."""
    return (
        select(
            *person_columns(),
            Assignment.module_id,
            columns.status.label("status"),
            columns.due.label("due_on"),
            columns.elsewhere.label("elsewhere"),
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .order_by(*_name_order(), Assignment.module_id)
    )


def matching_cells(filters: Filters, *, on: date | None = None) -> Iterator[tuple[Person, Cell]]:
    """Every module that matches the filters, with its person, by name (streamed)."""
    columns = Columns.for_day(on)
    query = _cells_by_person(columns).where(
        *person_conditions(filters), *cell_conditions(filters, columns)
    )
    person: Person | None = None
    for row in db.session.connection().execution_options(yield_per=2000).execute(query):
        if person is None or person.id != row.id:  # rows come person by person
            person = to_person(row)
        yield person, _cell(row)


def matrix_rows(filters: Filters, *, on: date | None = None) -> Iterator[MatrixRow]:
    """Each person who has a module matching the filters, with the status of every module
    they have (streamed, one statement; only the columns the matrix shows)."""
    columns = Columns.for_day(on)
    wanted = people_query(filters, columns).with_only_columns(User.id)
    if not filters.on_cells:
        wanted = wanted.where(exists().where(Assignment.user_id == User.id, counted()))
    query = (
        select(
            User.id,
            User.employee_number,
            User.first_name,
            User.last_name,
            Department.name,
            Assignment.module_id,
            columns.status,
            columns.elsewhere,
        )
        .select_from(Assignment)
        .join(User, User.id == Assignment.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(counted(), User.id.in_(wanted))
        .order_by(*_name_order(), Assignment.module_id)
    )
    current: MatrixRow | None = None
    last_id = None
    # Core rather than ORM rows: ten thousand people read several times faster.
    result = db.session.connection().execution_options(yield_per=2000).execute(query)
    for user_id, number, first, last, department, module_id, status, elsewhere in result:
        if user_id != last_id:
            if current is not None:
                yield current
            current = MatrixRow(number, f"{first} {last}", department or NO_DEPARTMENT, {})
            last_id = user_id
        current.statuses[module_id] = f"{status}{ELSEWHERE_NOTE}" if elsewhere else status
    if current is not None:
        yield current


@dataclass(frozen=True)
class MatrixRow:
    employee_number: str
    name: str
    department: str
    statuses: dict[str, str]  # module id → status, as exports write it (Cell.label)


# --- Line-management chains -------------------------------------------------------------


def team_select(manager_id: int) -> Select:
    """Everyone active below a manager in the line-management chain, as one recursive
    query. A leaver drops out (as from the team list), and the manager's access to their
    record ends with it; people below a leaver stay in the team."""
    below = select(User.id).where(User.line_manager_id == manager_id).cte("team", recursive=True)
    member = aliased(User)
    below = below.union(select(member.id).join(below, member.line_manager_id == below.c.id))
    active = aliased(User)
    return (
        select(below.c.id)
        .join(active, active.id == below.c.id)
        .where(below.c.id != manager_id, active.is_active.is_(True))
    )


def in_team(manager_id: int, user_id: int) -> bool:
    chain = team_select(manager_id).subquery()
    return db.session.scalar(select(exists().where(chain.c.id == user_id))) or False


def has_team(manager_id: int) -> bool:
    """Anyone active reports to this manager, directly or further down."""
    chain = team_select(manager_id).subquery()
    return db.session.scalar(select(exists().select_from(chain))) or False
