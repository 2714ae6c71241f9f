"""Seeds a benchmark database: the demo council plus N synthetic members of staff."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, select

from app.database import transaction
from app.demo import service as demo_service
from app.extensions import db
from app.models import Department, User
from app.models.base import utcnow
from app.models.organisation import name_sort_key


def seed(total_users: int, password: str) -> int:
    with transaction():
        demo_service.seed(date.today(), password)
    return top_up(total_users)


def top_up(total_users: int) -> int:
    """Adds synthetic staff until the database holds `total_users` people."""
    with transaction():
        existing = db.session.scalar(select(func.count()).select_from(User))
        departments = list(db.session.scalars(select(Department.id)))
        managers = list(db.session.scalars(select(User.id).limit(len(departments))))
        now = utcnow()
        rows = []
        for n in range(max(0, total_users - existing)):
            rows.append(
                {
                    "employee_number": f"B{existing + n:07d}",
                    "first_name": "Bench",
                    "last_name": f"Person {existing + n}",
                    "sort_name": name_sort_key("Bench", f"Person {existing + n}"),
                    "email": f"bench.person.{existing + n}@example.org",
                    "department_id": departments[n % len(departments)],
                    "line_manager_id": managers[n % len(managers)],
                    "job_title": "Officer",
                    "start_date": date.today() - timedelta(days=n % 5000),
                    "is_regulated_role": n % 7 == 0,
                    "professional_body": "SSSC" if n % 7 == 0 else "none",
                    "is_active": True,
                    "is_training_officer": False,
                    "is_administrator": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(User), rows[start : start + 5000])
        return db.session.scalar(select(func.count()).select_from(User))
