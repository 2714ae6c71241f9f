"""HR import: preview what a file would change, then apply it all at once.

The web page and `flask users import` both call `preview` and `apply` with the file's
bytes. Applying parses and plans again from the same bytes (never from what a browser
sends back), refuses when there is any problem, and runs in the caller's transaction, so a
file is applied whole or not at all. Assignment rules run afterwards in the same
transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit, mail
from app.admin.presenters import local_time, long_date
from app.auth import services as auth_services
from app.compliance import services as compliance
from app.database import lock_people_and_departments
from app.extensions import db
from app.hr import parser
from app.models import AuditEvent, Department, HrImport, HrUpload, User, normalise_email
from app.models.base import LOCAL_ZONE, utcnow
from app.models.base import today as uk_today

FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "e-mail",
    "department": "department",
    "job_title": "job title",
    "start_date": "start date",
    "line_manager": "line manager",
    "is_regulated_role": "regulated role",
    "professional_body": "professional body",
}

# Who made a change, in the audit details of everything an import does. An account whose
# latest deactivation says this may be brought back by a later file; one an administrator
# deactivated may not (see _deactivated_by_an_administrator).
BY_IMPORT = "HR import"
# Imports are applied one at a time (PostgreSQL: this advisory lock; SQLite: its one writer).
IMPORT_LOCK_KEY = 0x48520001


@dataclass(frozen=True)
class Change:
    line: int | None
    employee_number: str
    name: str
    action: str  # create, update, deactivate, unchanged
    fields: tuple[str, ...] = ()


@dataclass
class Preview:
    file_sha256: str
    full_file: bool
    problems: list[parser.Problem]
    changes: list[Change] = field(default_factory=list)
    # The rows the plan was made from: applying uses these, never a second reading that
    # could judge a row differently.
    rows: list[parser.HrRow] = field(default_factory=list)
    # What the officer should know before applying, though it is not a problem.
    warnings: list[str] = field(default_factory=list)
    # Set when a confirmation is refused because the plan is no longer the one checked.
    changed_since_checked: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def digest(self) -> str:
        """The plan the officer checks, as one value. The confirm form sends it back, so
        that applying can refuse a plan that has changed since (see apply)."""
        plan = [
            self.file_sha256,
            self.full_file,
            [[c.line, c.employee_number, c.name, c.action, list(c.fields)] for c in self.changes],
        ]
        return hashlib.sha256(json.dumps(plan, ensure_ascii=False).encode()).hexdigest()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes_something(self) -> bool:
        return any(c.action in {"create", "update", "deactivate"} for c in self.changes)


def preview(data: bytes, *, full_file: bool, acting: User | None = None) -> Preview:
    digest = hashlib.sha256(data).hexdigest()
    # populate_existing: after waiting for another import, see what it wrote.
    everyone = select(User).execution_options(populate_existing=True)
    existing = {u.employee_number: u for u in db.session.scalars(everyone)}
    emails = {normalise_email(u.email): u.employee_number for u in existing.values()}
    parsed = parser.parse(
        data,
        existing_employee_numbers=frozenset(existing),
        emails_in_use=emails,
        leavers=frozenset(n for n, u in existing.items() if not u.is_active),
    )
    problems = [
        *parsed.problems,
        *_too_long(parsed.rows),
        *_role_holders_readdressed(parsed, existing),
    ]
    result = Preview(digest, full_file, [], warnings=[*_applied_before(digest), *parsed.warnings])
    # Lines with problems of their own are left out of the plan, but the plan's checks
    # still run on the others, so that every problem in the file is listed at once.
    flagged = {p.line for p in problems}
    rows = [row for row in parsed.rows if row.line not in flagged]
    # People on lines left out: what the file does to them is not known yet.
    unsure = parsed.employee_numbers - {row.employee_number for row in rows}
    today = uk_today()
    departments = {d.id: d.name for d in db.session.scalars(select(Department))}
    numbers = {u.id: u.employee_number for u in existing.values()}
    deactivated_by = _deactivated_by_an_administrator(
        [
            existing[row.employee_number]
            for row in rows
            if row.employee_number in existing and not existing[row.employee_number].is_active
        ]
    )
    in_file = set(parsed.employee_numbers)
    refused: list[parser.Problem] = []
    for row in rows:
        in_file.add(row.employee_number)
        person = existing.get(row.employee_number)
        leaving = row.leaving_date is not None and row.leaving_date <= today
        if person is None:
            action, why = "create", ()
            if leaving:
                action, why = "not created", ("their leaving date has passed",)
            result.changes.append(Change(row.line, row.employee_number, _name(row), action, why))
            continue
        if leaving:
            # A leaver is deactivated once; one who has already gone stays as they are.
            action = "deactivate" if person.is_active else "unchanged"
            why = ("leaving date",) if person.is_active else ()
            if action == "deactivate":
                refused += _deactivation_refusal(row.line, person, acting)
            result.changes.append(Change(row.line, row.employee_number, _name(row), action, why))
            continue
        changed = _changed_fields(person, row, departments, numbers)
        if not person.is_active:
            changed = ("reactivated", *changed)
        action = "update" if changed else "unchanged"
        if action == "update":
            refused += _refusal(row, person, changed, acting, deactivated_by)
        result.changes.append(Change(row.line, row.employee_number, _name(row), action, changed))
    # Who a full file leaves out is known only if every line's employee number is.
    if full_file and (parsed.every_number_known or not problems):
        for number, person in sorted(existing.items()):
            if number in in_file or not person.is_active:
                continue
            refused += _deactivation_refusal(None, person, acting)
            result.changes.append(
                Change(
                    None,
                    number,
                    f"{person.first_name} {person.last_name}",
                    "deactivate",
                    ("not in the full file",),
                )
            )
    refused += _manager_problems(result.changes, rows, existing, numbers, unsure)
    problems += refused
    if problems:
        problems.sort(key=lambda p: (p.line is not None, p.line or 0))
        result.problems, result.changes = problems, []
    else:
        result.rows = rows
    return result


def _applied_before(file_sha256: str) -> list[str]:
    """An older export picked from Downloads by mistake would undo later changes (and
    bring back leavers): say when this very file was applied, and by whom."""
    earlier = db.session.scalar(
        select(HrImport)
        .options(joinedload(HrImport.imported_by))
        .where(HrImport.file_sha256 == file_sha256)
        .order_by(HrImport.id.desc())
        .limit(1)
    )
    if earlier is None:
        return []
    by = f"by {earlier.imported_by.full_name}" if earlier.imported_by else "from the command line"
    return [
        f"This file was already applied on {local_time(earlier.imported_at)} {by} "
        f"(as {earlier.file_name}). Check that it is not an older file picked by mistake: "
        "applying it again would undo any changes made since."
    ]


def _deactivated_by_an_administrator(people: list[User]) -> dict[int, AuditEvent | None]:
    """For each deactivated person, their latest deactivation if an import did not make it
    (None: no record of it at all). People an import deactivated are left out.

    How an account was deactivated is known only from the audit log: an import records
    `"by": "HR import"` (before it did, a reason starting "HR import:"); anything else,
    or no record, counts as an administrator's decision, which a file may not undo."""
    if not people:
        return {}
    latest: dict[int, AuditEvent] = {}
    for event in db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.event == "user_deactivated",
            AuditEvent.subject_id.in_([p.id for p in people]),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ):
        latest[event.subject_id] = event
    found: dict[int, AuditEvent | None] = {}
    for person in people:
        event = latest.get(person.id)
        if event is None or not _by_import(event.details or {}):
            found[person.id] = event
    return found


def _by_import(details: dict[str, Any]) -> bool:
    reason = details.get("reason")
    return details.get("by") == BY_IMPORT or (
        isinstance(reason, str) and reason.startswith(f"{BY_IMPORT}:")
    )


def _deactivation_refusal(
    line: int | None, person: User, acting: User | None
) -> list[parser.Problem]:
    """A file may not deactivate the importing officer, a training officer or an
    administrator: an administrator does that in the admin pages."""
    where = f"Line {line}: " if line else ""
    how = "gives a leaving date for" if line else "leaves out"
    if acting is not None and person.id == acting.id:
        what = "gives a leaving date for you" if line else "leaves you out"
        return [
            parser.Problem(
                line,
                f"{where}this file {what}, so it would deactivate your own account. "
                "An HR file cannot do that: an administrator must do it in the admin pages.",
            )
        ]
    if person.is_training_officer or person.is_administrator:
        role = "an administrator" if person.is_administrator else "a training officer"
        return [
            parser.Problem(
                line,
                f"{where}this file {how} {person.first_name} {person.last_name} "
                f"(employee number {person.employee_number}), so it would deactivate "
                f"their account. They are {role}, and an HR file cannot deactivate them: "
                "an administrator must do it in the admin pages.",
            )
        ]
    return []


def _manager_problems(
    changes: list[Change],
    rows: list[parser.HrRow],
    existing: dict[str, User],
    numbers: dict[int, str],
    unsure: frozenset[str] = frozenset(),
) -> list[parser.Problem]:
    """Line managers as they would be after the import: the records already held, with
    the file's new and changed people laid over them. No loops (A manages B manages A,
    through anyone, registered or not), and no new line manager who has left.

    `unsure` holds the people on lines with problems of their own: whether they will be
    active, and who manages them, waits for those lines to be corrected."""
    row_of = {row.employee_number: row for row in rows}
    manager_of = {
        u.employee_number: numbers[u.line_manager_id]
        for u in existing.values()
        if u.line_manager_id in numbers
    }
    active = {number: u.is_active for number, u in existing.items()}
    set_here: dict[str, parser.HrRow] = {}
    for change in changes:
        number = change.employee_number
        if change.action == "deactivate":
            active[number] = False
        elif change.action in {"create", "update"}:
            active[number] = True
            row = set_here[number] = row_of[number]
            if row.line_manager_number:
                manager_of[number] = row.line_manager_number
            else:
                manager_of.pop(number, None)

    def name(number: str) -> str:
        row, person = row_of.get(number), existing.get(number)
        full = _name(row) if row else f"{person.first_name} {person.last_name}" if person else ""
        return f"{full} ({number})" if full else number

    problems = []
    for row in set_here.values():
        manager = row.line_manager_number
        person = existing.get(row.employee_number)
        unchanged = person is not None and numbers.get(person.line_manager_id) == manager
        if manager and not unchanged and manager not in unsure and not active.get(manager, False):
            problems.append(
                parser.Problem(
                    row.line,
                    f"Line {row.line}: the line manager {name(manager)} has left or their "
                    "account is deactivated. Give an active line manager, or leave it blank.",
                )
            )
    for cycle in parser.manager_cycles(manager_of):
        if not any(number in set_here for number in cycle):
            continue  # a loop the file does not touch is not this file's problem
        if any(number in unsure for number in cycle):
            continue  # it may not be a loop once their lines are corrected
        for i, number in enumerate(cycle):
            if number not in set_here:
                continue
            line = set_here[number].line
            rest = [*cycle[i + 1 :], *cycle[:i], number]
            chain = ", who is managed by ".join(name(n) for n in rest)
            problems.append(
                parser.Problem(
                    line,
                    f"Line {line}: the line managers would go round in a loop: "
                    f"{name(number)} is managed by {chain}. "
                    "Someone in the loop needs a manager outside it, or none.",
                )
            )
    return problems


# The longest value each column of ours can hold (see app/models/organisation.py).
LIMITS = {
    "employee_number": ("employee number", 32),
    "first_name": ("first name", 100),
    "last_name": ("last name", 100),
    "email": ("e-mail address", 254),
    "department": ("department", 120),
    "job_title": ("job title", 150),
}


def _too_long(rows: list[parser.HrRow]) -> list[parser.Problem]:
    problems = []
    for row in rows:
        for attribute, (label, limit) in LIMITS.items():
            if len(getattr(row, attribute)) > limit:
                problems.append(
                    parser.Problem(
                        row.line,
                        f"Line {row.line}: the {label} is longer than {limit} characters.",
                    )
                )
    return problems


def _role_holders_readdressed(
    parsed: parser.ParsedFile, existing: dict[str, User]
) -> list[parser.Problem]:
    """A file may not change the e-mail address of a training officer or administrator:
    whoever holds the address can reset the password, so an officer importing a file
    could otherwise take over an administrator's account."""
    problems = []
    for row in parsed.rows:
        person = existing.get(row.employee_number)
        if person is None or row.email == person.email:
            continue
        if person.is_training_officer or person.is_administrator:
            problems.append(
                parser.Problem(
                    row.line,
                    f"Line {row.line}: {person.first_name} {person.last_name} is a training "
                    "officer or administrator, so an HR file cannot change their e-mail "
                    "address. Ask an administrator to change it on their account page.",
                )
            )
    return problems


def _refusal(
    row: parser.HrRow,
    person: User,
    changed: tuple[str, ...],
    acting: User | None,
    deactivated_by: dict[int, AuditEvent | None],
) -> list[parser.Problem]:
    """Changes a file may not make: to the importing officer's own record (as with
    corrections, nobody changes their own), and bringing back a training officer or
    administrator (only an administrator gives those powers back) or anyone an
    administrator deactivated (`deactivated_by`: see _deactivated_by_an_administrator)."""
    if acting is not None and person.id == acting.id:
        return [
            parser.Problem(
                row.line,
                f"Line {row.line}: this line changes your own record "
                f"({', '.join(changed)}). Ask another training officer to import it.",
            )
        ]
    if "reactivated" not in changed:
        return []
    if person.is_training_officer or person.is_administrator:
        return [
            parser.Problem(
                row.line,
                f"Line {row.line}: {person.first_name} {person.last_name} is a training officer "
                "or administrator whose account is deactivated, and an HR file cannot "
                "reactivate it. Ask an administrator to reactivate it.",
            )
        ]
    if person.id in deactivated_by:
        deactivation = deactivated_by[person.id]
        when = ""
        if deactivation is not None:
            when = f" on {long_date(deactivation.occurred_at.astimezone(LOCAL_ZONE).date())}"
        return [
            parser.Problem(
                row.line,
                f"Line {row.line}: {person.first_name} {person.last_name}'s account was "
                f"deactivated{when} by an administrator, not by an HR file, so an HR file "
                "cannot reactivate it. Ask an administrator to reactivate it in the admin "
                "pages, or remove this line.",
            )
        ]
    return []


def _name(row: parser.HrRow) -> str:
    return f"{row.first_name} {row.last_name}"


def _changed_fields(
    person: User, row: parser.HrRow, departments: dict[int, str], numbers: dict[int, str]
) -> tuple[str, ...]:
    now = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        # Department names match whatever their case (as in the admin pages).
        "department": departments.get(person.department_id, "").lower(),
        "job_title": person.job_title,
        "start_date": person.start_date,
        "line_manager": numbers.get(person.line_manager_id),
        "is_regulated_role": person.is_regulated_role,
        "professional_body": person.professional_body,
    }
    wanted = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "department": row.department.lower(),
        "job_title": row.job_title,
        "start_date": row.start_date,
        "line_manager": row.line_manager_number,
        "is_regulated_role": row.regulated_role,
        "professional_body": row.professional_body,
    }
    return tuple(FIELDS[key] for key in FIELDS if now[key] != wanted[key])


def apply(
    data: bytes,
    *,
    full_file: bool,
    file_name: str,
    acting: User | None,
    checked: str | None = None,
) -> tuple[Preview, HrImport | None]:
    """Apply the file if it has no problems. The caller's transaction commits it whole.

    `checked` is the digest of the plan the officer saw (None from the command line, which
    shows no plan first). People may have changed since: the file would then do something
    the officer never saw (deactivate a new starter who is not in a full file, say), so it
    is not applied and the plan comes back with `changed_since_checked` set.

    Every change to a person is in the audit log with its before and after values, as an
    administrator's are; a reactivation and a deactivation are events of their own."""
    _one_import_at_a_time()
    plan = preview(data, full_file=full_file, acting=acting)
    if not plan.ok:
        return plan, None
    if checked is not None and checked != plan.digest:
        plan.changed_since_checked = True
        return plan, None
    rows = {r.employee_number: r for r in plan.rows}
    people = {u.employee_number: u for u in db.session.scalars(select(User))}
    departments = _departments_by_name()
    by = {"by": BY_IMPORT, "file": file_name[:255]}
    created: list[User] = []
    updated: list[tuple[User, dict[str, Any], bool]] = []  # person, before, reactivated
    readdressed: dict[int, str] = {}
    before_names = {d.id: d.name for d in departments.values()}
    before_numbers = {u.id: number for number, u in people.items()}
    for change in plan.changes:
        row = rows.get(change.employee_number)
        person = people.get(change.employee_number)
        if change.action == "create":
            person = User(employee_number=row.employee_number, is_active=True)
            _copy(person, row, departments, acting, by)
            db.session.add(person)
            people[row.employee_number] = person
            created.append(person)
        elif change.action == "update":
            before = _snapshot(person, before_names, before_numbers)
            if row.email != person.email:
                readdressed[person.id] = person.email
            _copy(person, row, departments, acting, by)
            reactivated = "reactivated" in change.fields
            if reactivated:
                person.is_active = True
            updated.append((person, before, reactivated))
        elif change.action == "deactivate":
            person.is_active = False
            auth_services.account_closed(person)
            audit.record(
                "user_deactivated",
                actor=acting,
                subject=person,
                details={**by, "reason": f"{BY_IMPORT}: {', '.join(change.fields)}"},
            )
    db.session.flush()
    # Line managers, once everyone exists: only for the people the file creates or
    # updates (a leaver's record stays as it was when they left).
    for person in [*created, *(p for p, _, _ in updated)]:
        number = rows[person.employee_number].line_manager_number
        manager = people.get(number) if number else None
        person.line_manager_id = manager.id if manager else None
    db.session.flush()
    names = {d.id: d.name for d in departments.values()}
    numbers = {u.id: number for number, u in people.items()}
    for person in created:
        audit.record(
            "user_created",
            actor=acting,
            subject=person,
            details={**by, "after": _snapshot(person, names, numbers)},
        )
        auth_services.invite(person, actor=acting, new_account=True)
    for person, before, reactivated in updated:
        if reactivated:
            audit.record(
                "user_reactivated",
                actor=acting,
                subject=person,
                details={**by, "reason": f"{BY_IMPORT}: in the HR file again"},
            )
        changes = audit.changes(before, _snapshot(person, names, numbers))
        if changes:
            audit.record(
                "user_updated", actor=acting, subject=person, details={**by, "changes": changes}
            )
        if person.id in readdressed:
            # Also invites them at the new address if they have no password yet.
            auth_services.email_changed(person, readdressed[person.id], actor=acting)
        elif reactivated and person.password_hash is None:
            # As an administrator's reactivation does: any earlier invitation has expired
            # or was cancelled.
            auth_services.invite(person, actor=acting)
    assigned = compliance.sync_assignments(actor=acting)
    record = HrImport(
        imported_by_id=acting.id if acting else None,
        file_name=file_name[:255],
        file_sha256=plan.file_sha256,
        full_file=full_file,
        created_count=plan.count("create"),
        updated_count=plan.count("update"),
        deactivated_count=plan.count("deactivate"),
        unchanged_count=plan.count("unchanged"),
        outcomes=[
            {
                "line": c.line,
                "employee_number": c.employee_number,
                "action": c.action,
                "fields": list(c.fields),
            }
            for c in plan.changes
        ],
    )
    db.session.add(record)
    audit.record(
        "hr_import_applied",
        actor=acting,
        details={
            "file": file_name[:255],
            "sha256": plan.file_sha256,
            "created": record.created_count,
            "updated": record.updated_count,
            "deactivated": record.deactivated_count,
            "assignments_created": assigned,
        },
    )
    db.session.flush()
    return plan, record


def _one_import_at_a_time() -> None:
    """Wait for any other import being applied to finish (its transaction to end), so that
    this one is planned from what that one wrote. SQLite has one writer at a time anyway
    (a request that may write begins with BEGIN IMMEDIATE); PostgreSQL does not, so two
    files confirmed at the same moment could both plan to create the same person."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    # And no administrator saves people or departments meanwhile (always taken after the
    # import lock, never before it, so the two cannot deadlock).
    lock_people_and_departments()


def _snapshot(person: User, departments: dict[int, str], numbers: dict[int, str]) -> dict[str, Any]:
    """A person's details as plain values, in the shape the admin pages audit them
    (app/admin/services.py, _snapshot)."""
    return {
        "employee_number": person.employee_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "department": departments.get(person.department_id),
        "job_title": person.job_title,
        "start_date": person.start_date.isoformat() if person.start_date else None,
        "line_manager": numbers.get(person.line_manager_id),
        "is_regulated_role": person.is_regulated_role,
        "professional_body": person.professional_body,
    }


def _departments_by_name() -> dict[str, Department]:
    """Departments by their name in lower case. Should two names differ only in case
    (made before names were matched this way), the older one is used."""
    found: dict[str, Department] = {}
    for department in db.session.scalars(select(Department).order_by(Department.id)):
        found.setdefault(department.name.lower(), department)
    return found


def _copy(
    person: User,
    row: parser.HrRow,
    departments: dict[str, Department],
    acting: User | None,
    by: dict[str, str],
) -> None:
    department = departments.get(row.department.lower())
    if department is None:
        department = Department(name=row.department)
        db.session.add(department)
        departments[row.department.lower()] = department
        db.session.flush()
        audit.record(
            "department_created", actor=acting, details={**by, "after": {"name": row.department}}
        )
    person.first_name = row.first_name
    person.last_name = row.last_name
    person.email = row.email
    person.department_id = department.id
    person.job_title = row.job_title
    person.start_date = row.start_date
    person.is_regulated_role = row.regulated_role
    person.professional_body = row.professional_body


def recent_imports(limit: int = 10) -> list[HrImport]:
    return list(
        db.session.scalars(
            select(HrImport)
            .options(joinedload(HrImport.imported_by))
            .order_by(HrImport.id.desc())
            .limit(limit)
        )
    )


# --- Uploads waiting for confirmation (the web page) ---------------------------------------


def store_upload(data: bytes, file_name: str, full_file: bool, officer: User) -> HrUpload:
    forget_uploads()
    upload = HrUpload(
        uploaded_by_id=officer.id, file_name=file_name[:255], data=data, full_file=full_file
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def forget_uploads(now: datetime | None = None) -> tuple[int, int]:
    """An HR file holds personal details of every member of staff: keep it no longer than
    it is needed. An applied file's content goes (its import record keeps the file's hash
    and each row's outcome); a file never applied goes after HR_UPLOAD_KEEP_HOURS.
    Returns (files deleted, applied files emptied). Run at every upload and by `flask
    users purge-uploads`."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["HR_UPLOAD_KEEP_HOURS"])
    deleted = db.session.execute(
        delete(HrUpload)
        .where(HrUpload.applied_at.is_(None), HrUpload.uploaded_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    emptied = db.session.execute(
        update(HrUpload)
        .where(HrUpload.applied_at.is_not(None), func.length(HrUpload.data) > 0)
        .values(data=b"")
        .execution_options(synchronize_session=False)
    ).rowcount
    return deleted, emptied


def upload_of(officer: User, upload_id: int) -> HrUpload | None:
    """An upload of this officer's (another officer's is a 404)."""
    upload = db.session.get(HrUpload, upload_id)
    return upload if upload is not None and upload.uploaded_by_id == officer.id else None


def apply_upload(upload: HrUpload, officer: User, checked: str) -> tuple[Preview, HrImport | None]:
    """Apply once: a second confirmation of the same upload changes nothing.

    `checked` is the digest of the plan the officer confirmed (Preview.digest). A file
    that previewed cleanly can have problems by the time it is confirmed, or make other
    changes (another file or an administrator changed people meanwhile): then nothing at
    all is written, the upload stays unapplied, and the new plan is returned.
    """
    try:
        # Undone together: the writes, and the invitations and notices they queued.
        with mail.unsent_if_undone(), db.session.begin_nested():
            return _apply_upload(upload, officer, checked)
    except ImportRefused as refused:
        return refused.plan, None
    except IntegrityError:
        # Someone saved the same employee number or e-mail address (an administrator's
        # form) while this file was being applied. Nothing was written; show the file as
        # it now stands.
        plan = preview(upload.data, full_file=upload.full_file, acting=officer)
        plan.problems.insert(0, parser.Problem(None, CHANGED_WHILE_APPLYING))
        return plan, None


CHANGED_WHILE_APPLYING = (
    "Someone saved changes to the same people while this file was being applied, so "
    "nothing was changed. Check the file again below, then apply it or upload a corrected one."
)


def _apply_upload(upload: HrUpload, officer: User, checked: str) -> tuple[Preview, HrImport | None]:
    claimed = db.session.execute(
        update(HrUpload)
        .where(HrUpload.id == upload.id, HrUpload.applied_at.is_(None))
        .values(applied_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.refresh(upload)
        return preview(upload.data, full_file=upload.full_file, acting=officer), None
    plan, record = apply(
        upload.data,
        full_file=upload.full_file,
        file_name=upload.file_name,
        acting=officer,
        checked=checked,
    )
    if record is None:
        raise ImportRefused(plan)
    db.session.execute(
        update(HrUpload)
        .where(HrUpload.id == upload.id)
        .values(hr_import_id=record.id, data=b"")  # applied: the file itself is not kept
        .execution_options(synchronize_session=False)
    )
    return plan, record


class ImportRefused(Exception):
    """The file had problems, or a different plan, when it came to be applied: roll
    everything back."""

    def __init__(self, plan: Preview) -> None:
        super().__init__(f"{len(plan.problems)} problems")
        self.plan = plan
