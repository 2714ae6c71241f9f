"""The dashboard's figures agree with what they stand for: the lists they link to, the
filters chosen, the people's own pages, and each other. Through the pages, on SQLite and
PostgreSQL (from the review of the compliance figures)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert, select

from app.compliance import standings
from app.extensions import db
from app.models import Correction, User
from app.models.base import today, utcnow
from tests.support.accounts import create_department, sign_in
from tests.support.compliance import sync
from tests.support.page_checks import visible_text

MODULE = "sample-module"


def officer_client(app):
    client = app.test_client()
    assert sign_in(client, "officer@example.org").status_code == 302
    return client


def figure(page: str, label: str) -> str:
    """The visible text of one dashboard figure (the summary list's value)."""
    row = page.split(f'<dt class="govuk-summary-list__key">{label}</dt>')[1]
    return visible_text(row.split("</dd>")[0])


def table_row(page: str, heading: str) -> list[str]:
    """The cells of a dashboard table's row, by its row header."""
    row = page.split(f'<th scope="row" class="govuk-table__header">{heading}</th>')[1]
    return re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row.split("</tr>")[0])


# --- Percentages: 100% only when everything counts, 0% only when nothing does -------------


def _department_of(app, people, name: str, *, staff: int, held: int) -> int:
    """A department of `staff` people with the sample module, `held` of them holding it
    through a completion recorded from elsewhere; its id."""
    department = create_department(app, name)
    tag = name.split()[0].lower()
    now = utcnow()
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "employee_number": f"{tag[:2].upper()}{n:05d}",
                    "first_name": "Staff",
                    "last_name": str(n),
                    "email": f"{tag}.{n}@example.org",
                    "department_id": department,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(staff)
            ],
        )
        db.session.commit()
    sync(app)
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(User.id).where(User.department_id == department).order_by(User.id)
            )
        )
        if held:
            db.session.execute(
                insert(Correction),
                [
                    {
                        "user_id": user_id,
                        "module_id": MODULE,
                        "kind": "offline_completion",
                        "completed_on": today() - timedelta(days=1),
                        "reason": "Register",
                        "created_by_id": people["officer"],
                        "created_at": now,
                    }
                    for user_id in ids[:held]
                ],
            )
        standings.refresh_all()
        db.session.commit()
    return department


def test_199_of_200_is_not_shown_as_100_percent_anywhere(app, people):
    big = _department_of(app, people, "Waste Services", staff=200, held=199)
    officer = officer_client(app)
    page = officer.get(f"/reports?department={big}").text
    headline = figure(page, "Compliant")
    assert headline.startswith("99% (199 of 200 assigned modules)"), headline
    assert table_row(page, "Waste Services") == ["99% (199 of 200)", "0", "0"]
    assert table_row(page, "A sample module")[0] == "99% (199 of 200)"
    # The month-end table shows only the percentage: it must not say everyone.
    assert table_row(page, f"{today():%b %Y}") == ["99%"]
    assert "Waste Services: 99% (199 of 200 compliant)" in page  # the bar's tooltip
    assert "Waste Services: 100%" not in page


def test_1_of_250_is_not_shown_as_0_percent_and_all_is_100_percent(app, people):
    big = _department_of(app, people, "Waste Services", staff=250, held=1)
    everyone = _department_of(app, people, "Parks", staff=3, held=3)
    officer = officer_client(app)
    page = officer.get(f"/reports?department={big}").text
    assert figure(page, "Compliant").startswith("1% (1 of 250 assigned modules)")
    assert table_row(page, "Waste Services")[0] == "1% (1 of 250)"
    assert table_row(page, f"{today():%b %Y}") == ["1%"]
    page = officer.get(f"/reports?department={everyone}").text
    assert figure(page, "Compliant").startswith("100% (3 of 3 assigned modules)")
    assert table_row(page, f"{today():%b %Y}") == ["100%"]
