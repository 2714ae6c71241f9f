"""People, departments and the audit log, for administrators and training officers.

Every query and write of the administration area lives here. Functions add and flush;
the request commits (app.database.transactional). Each write to people or departments
first takes app.database.lock_people_and_departments, so that its checks (duplicates,
loops) are not overtaken by another administrator's save or an HR import.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from app import audit
from app.auth import services as auth_services
from app.compliance import services as compliance
from app.database import casefold, lock_people_and_departments
from app.extensions import db
from app.models import AuditEvent, Department, ProfessionalBody, User, normalise_email
from app.models.base import LOCAL_ZONE
from app.models.organisation import tidy_department_name

PAGE_SIZE = 50
RECENT_EVENTS = 20

# Filter values for the list of people. "learner" means a learner only: no other role.
ROLE_FILTERS: dict[str, str] = {
    "learner": "Learner only",
    "line_manager": "Line manager",
    "training_officer": "Training officer",
    "administrator": "Administrator",
}
STATUS_FILTERS: dict[str, str] = {
    "active": "Active",
    "deactivated": "Deactivated",
    "all": "All",
}
DEFAULT_STATUS = "active"

# Roles an administrator can give in the person form (a line manager is anyone with reports).
ASSIGNABLE_ROLES: dict[str, str] = {
    "training_officer": "Training officer",
    "administrator": "Administrator",
}

PROFESSIONAL_BODIES: list[tuple[str, str]] = [(body.value, body.label) for body in ProfessionalBody]


# --- Paging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.size + 1

    @property
    def last_index(self) -> int:
        return min(self.number * self.size, self.total)


class PageOutOfRange(LookupError):
    """Asked for a page after the last one."""


def _paged(statement, count_statement, number: int) -> Page:
    total = db.session.scalar(count_statement) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if number < 1 or number > pages:
        raise PageOutOfRange(number)
    items = list(
        db.session.scalars(statement.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).unique()
    )
    return Page(items=items, number=number, total=total)


# --- Finding people ---------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilters:
    """Cleaned filters: unknown values have already been dropped (see clean_people_filters)."""

    q: str = ""
    department_id: int | None = None
    role: str | None = None
    status: str = DEFAULT_STATUS

    def as_query(self) -> dict[str, str]:
        """The filters as URL query parameters, leaving out the defaults."""
        query: dict[str, str] = {}
        if self.q:
            query["q"] = self.q
        if self.department_id is not None:
            query["department"] = str(self.department_id)
        if self.role:
            query["role"] = self.role
        if self.status != DEFAULT_STATUS:
            query["status"] = self.status
        return query


def whole_number(text: str | None, max_digits: int = 9) -> int | None:
    """A non-negative whole number written in ASCII digits, or None."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def clean_people_filters(
    q: str | None,
    department: str | None,
    role: str | None,
    status: str | None,
    departments: list[Department],
) -> PeopleFilters:
    """Filters from the URL. A value we do not know is ignored rather than refused."""
    department_id = whole_number(department)
    if department_id not in {d.id for d in departments}:
        department_id = None
    return PeopleFilters(
        q=" ".join((q or "").split())[:200],
        department_id=department_id,
        role=role if role in ROLE_FILTERS else None,
        status=status if status in STATUS_FILTERS else DEFAULT_STATUS,
    )


@dataclass(frozen=True)
class PersonRow:
    user: User
    is_line_manager: bool


def _has_reports(person: type[User] | Any) -> ColumnElement[bool]:
    report = aliased(User)
    return exists().where(report.line_manager_id == person.id)


def _people_conditions(filters: PeopleFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.q:
        # Bound parameters only; autoescape makes % and _ in the search literal.
        needle = filters.q.lower()
        full_name = casefold(User.first_name + " " + User.last_name)
        conditions.append(
            or_(
                casefold(User.first_name).contains(needle, autoescape=True),
                casefold(User.last_name).contains(needle, autoescape=True),
                full_name.contains(needle, autoescape=True),
                User.email.contains(normalise_email(filters.q), autoescape=True),
                casefold(User.employee_number).contains(needle, autoescape=True),
            )
        )
    if filters.department_id is not None:
        conditions.append(User.department_id == filters.department_id)
    if filters.role == "learner":
        conditions.append(
            and_(
                User.is_training_officer.is_(False),
                User.is_administrator.is_(False),
                ~_has_reports(User),
            )
        )
    elif filters.role == "line_manager":
        conditions.append(_has_reports(User))
    elif filters.role == "training_officer":
        conditions.append(User.is_training_officer.is_(True))
    elif filters.role == "administrator":
        conditions.append(User.is_administrator.is_(True))
    if filters.status == "active":
        conditions.append(User.is_active.is_(True))
    elif filters.status == "deactivated":
        conditions.append(User.is_active.is_(False))
    return conditions


def search_people(filters: PeopleFilters, page: int) -> Page:
    """One page of people in name order (User.sort_name), with their departments.

    Three statements whatever the page size: the count, the page, and who of them has reports.
    """
    conditions = _people_conditions(filters)
    statement = (
        select(User)
        .options(joinedload(User.department))
        .where(*conditions)
        .order_by(User.sort_name, User.id)
    )
    count = select(func.count()).select_from(User).where(*conditions)
    result = _paged(statement, count, page)
    ids = [user.id for user in result.items]
    managers: set[int] = set()
    if ids:
        managers = set(
            db.session.scalars(
                select(User.line_manager_id).where(User.line_manager_id.in_(ids)).distinct()
            )
        )
    rows = [PersonRow(user, user.id in managers) for user in result.items]
    return Page(items=rows, number=result.number, total=result.total)


def get_person(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def reports_of(user: User) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.line_manager_id == user.id).order_by(User.sort_name, User.id)
        )
    )


def list_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


# --- Adding and changing people ---------------------------------------------------------


@dataclass(frozen=True)
class PersonDetails:
    """What the person form may set. Nothing else about an account can change through it."""

    employee_number: str
    first_name: str
    last_name: str
    email: str
    department_id: int | None
    job_title: str
    start_date: date | None
    line_manager_number: str
    is_regulated_role: bool
    professional_body: str
    is_training_officer: bool
    is_administrator: bool


@dataclass
class Outcome:
    """The person (or department) saved, or the problems by form field, or `stale`: someone
    else changed it since the form was opened, so nothing was saved."""

    errors: dict[str, str] = field(default_factory=dict)
    saved: Any = None
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stale


def _fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _by_employee_number(number: str) -> User | None:
    return db.session.scalar(
        select(User).where(casefold(User.employee_number) == number.strip().lower())
    )


def _person_problems(
    details: PersonDetails, person: User | None, actor: User
) -> tuple[dict[str, str], User | None]:
    """Checks that need the database (the form has checked each field's format).

    Returns the problems by form field, and the line manager the details name.
    """
    errors: dict[str, str] = {}

    number = details.employee_number.strip()
    holder = _by_employee_number(number)
    if holder is not None and holder is not person:
        errors["employee_number"] = f"Someone else already has employee number {number}"

    email = normalise_email(details.email)
    owner = db.session.scalar(select(User).where(User.email == email))
    if owner is not None and owner is not person:
        errors["email"] = "An account with this email address already exists"

    if details.department_id is None or db.session.get(Department, details.department_id) is None:
        errors["department"] = "Select a department"

    manager = None
    manager_number = details.line_manager_number.strip()
    if manager_number:
        manager = _by_employee_number(manager_number)
        if manager is None:
            errors["line_manager"] = f"No one has employee number {manager_number}"
        else:
            problem = _manager_problem(person, manager, details)
            if problem:
                errors["line_manager"] = problem

    if (
        person is not None
        and person.id == actor.id
        and person.is_administrator
        and not details.is_administrator
    ):
        errors["roles"] = "You cannot remove your own administrator role"
    return errors, manager


def _manager_problem(person: User | None, manager: User, details: PersonDetails) -> str | None:
    unchanged = person is not None and person.line_manager_id == manager.id
    if not manager.is_active and not unchanged:
        return f"{manager.full_name}'s account is deactivated. Enter an active line manager"
    if person is None:
        return None
    if manager.id == person.id:
        return "A person cannot be their own line manager"
    # Walk up from the proposed manager: meeting the person means a loop.
    person_name = f"{details.first_name.strip()} {details.last_name.strip()}"
    seen: set[int] = set()
    current: User | None = manager
    while current is not None and current.id not in seen:
        if current.line_manager_id == person.id:
            how = "" if current is manager else " through another manager"
            return (
                f"{manager.full_name} reports to {person_name}{how}, "
                "so cannot be their line manager"
            )
        seen.add(current.id)
        current = current.line_manager
    return None


def details_of(person: User) -> PersonDetails:
    """A person's current details, as the person form shows them."""
    return PersonDetails(
        employee_number=person.employee_number,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        department_id=person.department_id,
        job_title=person.job_title,
        start_date=person.start_date,
        line_manager_number=person.line_manager.employee_number if person.line_manager else "",
        is_regulated_role=person.is_regulated_role,
        professional_body=person.professional_body,
        is_training_officer=person.is_training_officer,
        is_administrator=person.is_administrator,
    )


def version_of(person: User) -> str:
    """A fingerprint of what the edit form shows (details_of, roles included). The form
    carries it, so that a save can tell that someone else (another administrator, an HR
    import) has changed the person since the page was opened: the form sends every field
    back, and would otherwise quietly undo that change."""
    return _fingerprint(asdict(details_of(person)))


def _apply(person: User, details: PersonDetails, manager: User | None) -> None:
    person.employee_number = details.employee_number.strip()
    person.first_name = details.first_name.strip()
    person.last_name = details.last_name.strip()
    person.email = normalise_email(details.email)
    person.department = db.session.get(Department, details.department_id)
    person.job_title = details.job_title.strip()
    person.start_date = details.start_date
    person.line_manager = manager
    person.is_regulated_role = details.is_regulated_role
    person.professional_body = ProfessionalBody(details.professional_body).value


def _snapshot(person: User) -> dict[str, Any]:
    """The person's details as plain values, for the audit log."""
    return {
        "employee_number": person.employee_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "department": person.department.name if person.department else None,
        "job_title": person.job_title,
        "start_date": person.start_date.isoformat() if person.start_date else None,
        "line_manager": person.line_manager.employee_number if person.line_manager else None,
        "is_regulated_role": person.is_regulated_role,
        "professional_body": person.professional_body,
    }


def _roles(person: User) -> list[str]:
    return [role for role in ASSIGNABLE_ROLES if getattr(person, f"is_{role}")]


def _duplicate_problem(error: IntegrityError, details: PersonDetails) -> dict[str, str] | None:
    """The form's message for a write the database refused as a duplicate address or
    employee number (someone who does not take the lock got there first); None for any
    other refusal. PostgreSQL names the unique constraint, SQLite the column."""
    message = str(error.orig)
    if "uq_user_account_email" in message or "user_account.email" in message:
        return {"email": "An account with this email address already exists"}
    if "uq_user_account_employee_number" in message or "user_account.employee_number" in message:
        number = details.employee_number.strip()
        return {"employee_number": f"Someone else already has employee number {number}"}
    return None


def create_person(details: PersonDetails, actor: User) -> Outcome:
    """Add an active person without a password and e-mail them an invitation."""
    lock_people_and_departments()
    errors, manager = _person_problems(details, None, actor)
    if errors:
        return Outcome(errors=errors)
    person = User(is_active=True, password_hash=None)
    try:
        with db.session.begin_nested():
            _apply(person, details, manager)
            person.is_training_officer = details.is_training_officer
            person.is_administrator = details.is_administrator
            db.session.add(person)
            db.session.flush()
    except IntegrityError as error:
        problem = _duplicate_problem(error, details)
        if problem is None:
            raise
        return Outcome(errors=problem)
    audit.record(
        "user_created",
        actor=actor,
        subject=person,
        details={"after": {**_snapshot(person), "roles": _roles(person)}},
    )
    # Their modules at once, as after an HR import, not at the nightly sync.
    compliance.sync_assignments(user_ids=[person.id], actor=actor)
    auth_services.invite(person, actor=actor)
    return Outcome(saved=person)


def update_person(
    person: User, details: PersonDetails, actor: User, *, seen_version: str | None = None
) -> Outcome:
    """Save the form. `seen_version` is version_of the person when the form was opened;
    if they have changed since, nothing is saved (Outcome.stale). Without one (a form that
    does not carry it) the details are saved as sent."""
    lock_people_and_departments()
    if seen_version is not None and seen_version != version_of(person):
        return Outcome(stale=True)
    errors, manager = _person_problems(details, person, actor)
    if not errors and person.is_administrator and not details.is_administrator:
        problem = _last_administrator_problem(person)
        if problem:
            errors["roles"] = (
                f"{problem}, so you cannot remove their administrator role. "
                "Make someone else an administrator first"
            )
    if errors:
        return Outcome(errors=errors)
    before, roles_before = _snapshot(person), _roles(person)
    try:
        with db.session.begin_nested():
            _apply(person, details, manager)
            person.is_training_officer = details.is_training_officer
            person.is_administrator = details.is_administrator
            db.session.flush()
    except IntegrityError as error:  # the savepoint's rollback gives back the stored values
        problem = _duplicate_problem(error, details)
        if problem is None:
            raise
        return Outcome(errors=problem)
    changes = audit.changes(before, _snapshot(person))
    if changes:
        audit.record("user_updated", actor=actor, subject=person, details={"changes": changes})
    if person.email != before["email"]:
        auth_services.email_changed(person, before["email"], actor=actor)
    roles_after = _roles(person)
    if roles_after != roles_before:
        audit.record(
            "roles_changed",
            actor=actor,
            subject=person,
            details={"before": roles_before, "after": roles_after},
        )
    # A regulated role or professional body given or taken away changes their modules now.
    compliance.sync_assignments(user_ids=[person.id], actor=actor)
    return Outcome(saved=person)


def deactivate(person: User, reason: str, actor: User) -> str | None:
    """Deactivate the account: every session and every link already sent ends at once.
    Returns why not, if they are the last active administrator (nothing is changed)."""
    lock_people_and_departments()  # a line manager being chosen must not be deactivated meanwhile
    if person.is_administrator:
        problem = _last_administrator_problem(person)
        if problem:
            return (
                f"{problem}, so you cannot deactivate their account. "
                "Make someone else an administrator first."
            )
    person.is_active = False
    auth_services.account_closed(person)
    audit.record("user_deactivated", actor=actor, subject=person, details={"reason": reason})
    compliance.sync_assignments(user_ids=[person.id], actor=actor)  # marks what stops counting
    return None


def _last_administrator_problem(person: User) -> str | None:
    """Why the person may not stop being an active administrator: they are the last one.

    The active administrators' rows are locked before they are counted (PostgreSQL; SQLite
    lets one writer in at a time), so two administrators removing each other at the same
    moment are counted one after the other, and the second is refused."""
    administrators = list(
        db.session.scalars(
            select(User.id)
            .where(User.is_administrator.is_(True), User.is_active.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )
    if administrators != [person.id]:
        return None
    return f"{person.full_name} is the only active administrator"


@dataclass(frozen=True)
class Promotion:
    """What `flask users make-admin` did: `refused` says why it did nothing."""

    person: User | None = None
    refused: str | None = None
    already: bool = False


def make_administrator(email: str) -> Promotion:
    """Give an active person the administrator role from the command line: how a new
    install gets its first administrator, and how a council that lost its last one gets
    one back. Audited with no actor, "by": "command line"."""
    lock_people_and_departments()
    person = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if person is None:
        return Promotion(refused=f"No one has the e-mail address {email.strip()}.")
    if not person.is_active:
        return Promotion(
            person,
            refused=f"{person.full_name}'s account is deactivated. "
            "Reactivate it first, or give the e-mail address of an active person.",
        )
    if person.is_administrator:
        return Promotion(person, already=True)
    roles_before = _roles(person)
    person.is_administrator = True
    db.session.flush()
    audit.record(
        "roles_changed",
        subject=person,
        details={"by": "command line", "before": roles_before, "after": _roles(person)},
    )
    return Promotion(person)


def reactivate(person: User, reason: str, actor: User) -> None:
    lock_people_and_departments()
    person.is_active = True
    audit.record("user_reactivated", actor=actor, subject=person, details={"reason": reason})
    # Their modules at once; one that counts again gets a fresh due date.
    compliance.sync_assignments(user_ids=[person.id], actor=actor)
    if person.password_hash is None:
        # They never set a password, and any invitation has expired or was cancelled.
        auth_services.invite(person, actor=actor)


def resend_invitation(person: User, actor: User) -> None:
    auth_services.invite(person, actor=actor)


# --- Departments ------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    active_people: int


def departments_with_counts() -> list[DepartmentRow]:
    active = func.count(User.id)
    rows = db.session.execute(
        select(Department, active)
        .outerjoin(User, and_(User.department_id == Department.id, User.is_active.is_(True)))
        .group_by(Department.id)
        .order_by(Department.name)
    )
    return [DepartmentRow(department, count) for department, count in rows]


def get_department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id)


def _department_named(name: str) -> Department | None:
    return db.session.scalar(select(Department).where(casefold(Department.name) == name.lower()))


def _duplicate_name(error: IntegrityError, name: str) -> dict[str, str] | None:
    """As _duplicate_problem, for the unique department name."""
    message = str(error.orig)
    if "uq_department_name" in message or "department.name" in message:
        return {"name": f"A department called {name} already exists"}
    return None


def create_department(name: str, actor: User) -> Outcome:
    name = tidy_department_name(name)
    if not name:  # nothing but invisible characters
        return Outcome(errors={"name": "Enter a department name"})
    lock_people_and_departments()
    other = _department_named(name)
    if other is not None:
        return Outcome(errors={"name": f"A department called {other.name} already exists"})
    department = Department(name=name)
    try:
        with db.session.begin_nested():
            db.session.add(department)
            db.session.flush()
    except IntegrityError as error:
        problem = _duplicate_name(error, name)
        if problem is None:
            raise
        return Outcome(errors=problem)
    audit.record("department_created", actor=actor, details={"after": {"name": name}})
    return Outcome(saved=department)


def department_version(department: Department) -> str:
    """What the rename form shows, as version_of is for the person form."""
    return _fingerprint(department.name)


def rename_department(
    department: Department, name: str, actor: User, *, seen_version: str | None = None
) -> Outcome:
    """Rename; stale (nothing saved) if it was renamed since the form showed `seen_version`."""
    name = tidy_department_name(name)
    if not name:  # nothing but invisible characters
        return Outcome(errors={"name": "Enter a department name"})
    lock_people_and_departments()
    if seen_version is not None and seen_version != department_version(department):
        return Outcome(stale=True)
    other = _department_named(name)
    if other is not None and other is not department:
        return Outcome(errors={"name": f"A department called {other.name} already exists"})
    if name != department.name:
        before = department.name
        try:
            with db.session.begin_nested():
                department.name = name
                db.session.flush()
        except IntegrityError as error:
            problem = _duplicate_name(error, name)
            if problem is None:
                raise
            return Outcome(errors=problem)
        audit.record(
            "department_renamed",
            actor=actor,
            details={"changes": {"name": {"before": before, "after": name}}},
        )
    return Outcome(saved=department)


# --- The audit log ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    event: str | None = None
    person_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_query(self) -> dict[str, str]:
        query: dict[str, str] = {}
        if self.event:
            query["event"] = self.event
        if self.person_id is not None:
            query["person"] = str(self.person_id)
        if self.date_from:
            query["from"] = self.date_from.isoformat()
        if self.date_to:
            query["to"] = self.date_to.isoformat()
        return query


def _start_of(day: date) -> datetime:
    # A day as people in the UK mean it (from midnight GMT or BST).
    return datetime.combine(day, time.min, tzinfo=LOCAL_ZONE)


def audit_events(filters: EventFilters, page: int) -> Page:
    """Newest first, with who did it and to whom loaded in the same statement."""
    conditions: list[ColumnElement[bool]] = []
    if filters.event:
        conditions.append(AuditEvent.event == filters.event)
    if filters.person_id is not None:
        conditions.append(
            or_(
                AuditEvent.subject_id == filters.person_id,
                AuditEvent.actor_id == filters.person_id,
            )
        )
    if filters.date_from:
        conditions.append(AuditEvent.occurred_at >= _start_of(filters.date_from))
    if filters.date_to:
        conditions.append(AuditEvent.occurred_at < _start_of(filters.date_to + timedelta(days=1)))
    statement = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.subject))
        .where(*conditions)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    count = select(func.count()).select_from(AuditEvent).where(*conditions)
    return _paged(statement, count, page)


def recent_events(person: User) -> list[AuditEvent]:
    """The last few events by or about a person."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.subject))
            .where(or_(AuditEvent.subject_id == person.id, AuditEvent.actor_id == person.id))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(RECENT_EVENTS)
        ).unique()
    )


def event_labels() -> dict[str, str]:
    return dict(audit.EVENTS)
