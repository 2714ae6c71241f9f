"""HR import: preview what a file would change, then apply it all at once.

The web page and `flask users import` both call `preview` and `apply` with the file's
bytes. Applying parses and plans again from the same bytes (never from what a browser
sends back), refuses when there is any problem, and runs in the caller's transaction, so a
file is applied whole or not at all. Assignment rules run afterwards in the same
transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select, update

from app import audit
from app.auth import services as auth_services
from app.compliance import services as compliance
from app.extensions import db
from app.hr import parser
from app.models import Department, HrImport, HrUpload, User
from app.models.base import today as today_utc
from app.models.base import utcnow

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

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def ok(self) -> bool:
        return not self.problems


def preview(data: bytes, *, full_file: bool, acting: User | None = None) -> Preview:
    digest = hashlib.sha256(data).hexdigest()
    existing = {u.employee_number: u for u in db.session.scalars(select(User))}
    emails = {u.email: u.employee_number for u in existing.values()}
    parsed = parser.parse(
        data,
        existing_employee_numbers=frozenset(existing),
        emails_in_use=emails,
    )
    result = Preview(
        digest,
        full_file,
        [*parsed.problems, *_too_long(parsed.rows), *_role_holders_readdressed(parsed, existing)],
    )
    if result.problems:
        return result
    result.rows = parsed.rows
    today = today_utc()
    departments = {d.id: d.name for d in db.session.scalars(select(Department))}
    numbers = {u.id: u.employee_number for u in existing.values()}
    in_file = set()
    refused: list[parser.Problem] = []
    for row in parsed.rows:
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
            result.changes.append(Change(row.line, row.employee_number, _name(row), action, why))
            continue
        changed = _changed_fields(person, row, departments, numbers)
        if not person.is_active:
            changed = ("reactivated", *changed)
        action = "update" if changed else "unchanged"
        if action == "update":
            refused += _refusal(row, person, changed, acting)
        result.changes.append(Change(row.line, row.employee_number, _name(row), action, changed))
    if refused:
        result.problems, result.changes, result.rows = refused, [], []
        return result
    if full_file:
        for number, person in sorted(existing.items()):
            if number in in_file or not person.is_active:
                continue
            if acting is not None and person.id == acting.id:
                continue  # never sign out the officer doing the import
            result.changes.append(
                Change(
                    None,
                    number,
                    f"{person.first_name} {person.last_name}",
                    "deactivate",
                    ("not in the full file",),
                )
            )
    return result


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
    row: parser.HrRow, person: User, changed: tuple[str, ...], acting: User | None
) -> list[parser.Problem]:
    """Changes a file may not make: to the importing officer's own record (as with
    corrections, nobody changes their own), and bringing back a training officer or
    administrator (only an administrator gives those powers back)."""
    if acting is not None and person.id == acting.id:
        return [
            parser.Problem(
                row.line,
                f"Line {row.line}: this line changes your own record "
                f"({', '.join(changed)}). Ask another training officer to import it.",
            )
        ]
    if "reactivated" in changed and (person.is_training_officer or person.is_administrator):
        return [
            parser.Problem(
                row.line,
                f"Line {row.line}: {person.first_name} {person.last_name} is a training officer "
                "or administrator whose account is deactivated, and an HR file cannot "
                "reactivate it. Ask an administrator to reactivate it.",
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
        "department": departments.get(person.department_id, ""),
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
        "department": row.department,
        "job_title": row.job_title,
        "start_date": row.start_date,
        "line_manager": row.line_manager_number,
        "is_regulated_role": row.regulated_role,
        "professional_body": row.professional_body,
    }
    return tuple(FIELDS[key] for key in FIELDS if now[key] != wanted[key])


def apply(
    data: bytes, *, full_file: bool, file_name: str, acting: User | None
) -> tuple[Preview, HrImport | None]:
    """Apply the file if it has no problems. The caller's transaction commits it whole."""
    plan = preview(data, full_file=full_file, acting=acting)
    if not plan.ok:
        return plan, None
    rows = {r.employee_number: r for r in plan.rows}
    people = {u.employee_number: u for u in db.session.scalars(select(User))}
    departments = {d.name: d for d in db.session.scalars(select(Department))}
    created: list[User] = []
    readdressed: list[tuple[User, str]] = []
    for change in plan.changes:
        row = rows.get(change.employee_number)
        person = people.get(change.employee_number)
        if change.action == "create":
            person = User(employee_number=row.employee_number, is_active=True)
            _copy(person, row, departments)
            db.session.add(person)
            people[row.employee_number] = person
            created.append(person)
        elif change.action == "update":
            if row.email != person.email:
                readdressed.append((person, person.email))
            _copy(person, row, departments)
            if "reactivated" in change.fields:
                person.is_active = True
            audit.record(
                "user_updated",
                actor=acting,
                subject=person,
                details={"by": "HR import", "fields": list(change.fields)},
            )
        elif change.action == "deactivate":
            person.is_active = False
            auth_services.end_all_sessions(person)
            audit.record(
                "user_deactivated",
                actor=acting,
                subject=person,
                details={"reason": f"HR import: {', '.join(change.fields)}"},
            )
    db.session.flush()
    for number, row in rows.items():  # managers, once everyone exists
        person = people.get(number)
        if person is not None:
            manager = people.get(row.line_manager_number) if row.line_manager_number else None
            person.line_manager_id = manager.id if manager else None
    db.session.flush()
    for person in created:
        auth_services.invite(person, actor=acting, new_account=True)
    for person, old_email in readdressed:
        auth_services.email_changed(person, old_email, actor=acting)
    assigned = compliance.sync_assignments()
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


def _copy(person: User, row: parser.HrRow, departments: dict[str, Department]) -> None:
    department = departments.get(row.department)
    if department is None:
        department = Department(name=row.department)
        db.session.add(department)
        departments[row.department] = department
        db.session.flush()
    person.first_name = row.first_name
    person.last_name = row.last_name
    person.email = row.email
    person.department_id = department.id
    person.job_title = row.job_title
    person.start_date = row.start_date
    person.is_regulated_role = row.regulated_role
    person.professional_body = row.professional_body


def recent_imports(limit: int = 10) -> list[HrImport]:
    return list(db.session.scalars(select(HrImport).order_by(HrImport.id.desc()).limit(limit)))


# --- Uploads waiting for confirmation (the web page) ---------------------------------------


def store_upload(data: bytes, file_name: str, full_file: bool, officer: User) -> HrUpload:
    upload = HrUpload(
        uploaded_by_id=officer.id, file_name=file_name[:255], data=data, full_file=full_file
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_of(officer: User, upload_id: int) -> HrUpload | None:
    """An upload of this officer's (another officer's is a 404)."""
    upload = db.session.get(HrUpload, upload_id)
    return upload if upload is not None and upload.uploaded_by_id == officer.id else None


def apply_upload(upload: HrUpload, officer: User) -> tuple[Preview, HrImport | None]:
    """Apply once: a second confirmation of the same upload changes nothing.

    A file that previewed cleanly can have problems by the time it is confirmed (another
    file changed the same people meanwhile): then nothing at all is written, the upload
    stays unapplied, and the plan with its problems is returned.
    """
    try:
        with db.session.begin_nested():
            return _apply_upload(upload, officer)
    except ImportRefused as refused:
        return refused.plan, None


def _apply_upload(upload: HrUpload, officer: User) -> tuple[Preview, HrImport | None]:
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
        upload.data, full_file=upload.full_file, file_name=upload.file_name, acting=officer
    )
    if record is None:
        raise ImportRefused(plan)
    db.session.execute(
        update(HrUpload)
        .where(HrUpload.id == upload.id)
        .values(hr_import_id=record.id)
        .execution_options(synchronize_session=False)
    )
    return plan, record


class ImportRefused(Exception):
    """The file had problems when it came to be applied: roll everything back."""

    def __init__(self, plan: Preview) -> None:
        super().__init__(f"{len(plan.problems)} problems")
        self.plan = plan
