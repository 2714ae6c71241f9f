"""`flask demo`: a believable council to explore and test against.

Idempotent: people are keyed by employee number and departments by name, and
existing rows are never changed, so a second run creates nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.auth.passwords import hash_password
from app.demo.council_year import seed_year
from app.demo.history import seed_history
from app.demo.people import DEPARTMENTS, FIRST_NAMES, LAST_NAMES, ROLES, SIGN_IN_ACCOUNTS
from app.extensions import db
from app.models import Department, User
from app.quizzes import tallies

STAFF_PER_DEPARTMENT = 7
RANDOM_SEED = 2026


@dataclass
class DemoResult:
    departments_created: int = 0
    users_created: int = 0
    sign_in_accounts_created: list[str] = field(default_factory=list)
    certificates_issued: int = 0


def seed(today: date, password: str) -> DemoResult:
    result = DemoResult()
    rng = random.Random(RANDOM_SEED)
    departments = _ensure_departments(result)
    password_hash = hash_password(password)

    managers: dict[str, User] = {}
    for index, name in enumerate(DEPARTMENTS, start=1):
        manager_title = ROLES[name][0]
        if name == "Housing":
            continue  # the Housing manager is the manager@example.org sign-in account
        managers[name] = _ensure_user(
            result,
            employee_number=f"D01{index:02d}",
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            department=departments[name],
            job_title=manager_title,
            start_date=today - timedelta(days=rng.randint(5 * 365, 20 * 365)),
            manager=None,
        )

    accounts: dict[str, User] = {}
    for account in SIGN_IN_ACCOUNTS:
        manager = accounts.get(account.manager_key) if account.manager_key else None
        if manager is None and account.department in managers:
            manager = managers[account.department]
        start = (
            today.replace(day=1)
            if account.starts_this_month
            else today - timedelta(days=rng.randint(2 * 365, 12 * 365))
        )
        user = _ensure_user(
            result,
            employee_number=account.employee_number,
            first_name=account.first_name,
            last_name=account.last_name,
            email=account.email,
            department=departments[account.department],
            job_title=account.job_title,
            start_date=start,
            manager=manager,
            is_regulated_role=account.is_regulated_role,
            professional_body=account.professional_body,
            is_training_officer=account.is_training_officer,
            is_administrator=account.is_administrator,
            password_hash=password_hash,
        )
        if user.id is None:
            result.sign_in_accounts_created.append(account.email)
        accounts[account.key] = user
    managers["Housing"] = accounts["manager"]

    for dept_index, name in enumerate(DEPARTMENTS, start=1):
        for number in range(1, STAFF_PER_DEPARTMENT + 1):
            title, regulated, body = rng.choice(ROLES[name][1])
            new_starter = number == 1  # one new starter this month in every department
            start = (
                today.replace(day=rng.randint(1, today.day))
                if new_starter
                else today - timedelta(days=rng.randint(40, 25 * 365))
            )
            _ensure_user(
                result,
                employee_number=f"D{dept_index}{number:03d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                department=departments[name],
                job_title=title,
                start_date=start,
                manager=managers[name],
                is_regulated_role=regulated,
                professional_body=body,
            )
    db.session.flush()
    result.certificates_issued = seed_history(today, rng)
    result.certificates_issued += seed_year(today, rng)
    tallies.rebuild()  # the demo's attempts were written directly, not submitted
    return result


def _ensure_departments(result: DemoResult) -> dict[str, Department]:
    existing = {d.name: d for d in db.session.scalars(select(Department))}
    for name in DEPARTMENTS:
        if name not in existing:
            existing[name] = Department(name=name)
            db.session.add(existing[name])
            result.departments_created += 1
    db.session.flush()
    return existing


def _ensure_user(
    result: DemoResult,
    *,
    employee_number: str,
    first_name: str,
    last_name: str,
    department: Department,
    job_title: str,
    start_date: date,
    manager: User | None,
    email: str | None = None,
    is_regulated_role: bool = False,
    professional_body: str = "none",
    is_training_officer: bool = False,
    is_administrator: bool = False,
    password_hash: str | None = None,
) -> User:
    user = db.session.scalar(select(User).where(User.employee_number == employee_number))
    if user is not None:
        return user
    user = User(
        employee_number=employee_number,
        first_name=first_name,
        last_name=last_name,
        email=email or _unique_email(first_name, last_name, employee_number),
        department=department,
        job_title=job_title,
        start_date=start_date,
        line_manager=manager,
        is_regulated_role=is_regulated_role,
        professional_body=professional_body,
        is_active=True,
        is_training_officer=is_training_officer,
        is_administrator=is_administrator,
        password_hash=password_hash,
    )
    db.session.add(user)
    result.users_created += 1
    return user


def _unique_email(first_name: str, last_name: str, employee_number: str) -> str:
    # The employee number keeps generated addresses unique and stable between runs.
    local = f"{first_name}.{last_name}.{employee_number}".lower().replace("'", "")
    return f"{local}@example.org"
