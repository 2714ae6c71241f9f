"""The officers' blueprint and what its pages share: filters kept in the URL, the
people list and a person's record (also shown to line managers for their team)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, render_template, request, url_for

from app import catalogue
from app.admin import services as admin_services
from app.certificates import records
from app.certificates import services as certificates
from app.compliance import corrections, queries
from app.compliance.queries import Filters
from app.compliance.rules import Status
from app.routing import id_arg

bp = Blueprint("reports", __name__)
PER_PAGE = 50


# --- Filters kept in the URL -------------------------------------------------------------


def url_filters() -> Filters:
    args = request.args
    department = id_arg("department")
    module = args.get("module") or None
    if module and module not in catalogue.get().modules:
        module = None
    status = next((s for s in Status if s.value == args.get("status")), None)
    due_before = _date(args.get("due_before", ""))
    search = (args.get("q") or "").strip()[:100]
    return Filters(department, module, status, due_before, search)


DUE_BEFORE_MESSAGE = "Enter the due date as a real date, year-month-day, like 2027-03-31"


def due_before_problem() -> str | None:
    """What is wrong with the "Due by" filter, if something was typed that is not a date
    (the list is then shown without it)."""
    text = request.args.get("due_before", "").strip()
    return DUE_BEFORE_MESSAGE if text and _date(text) is None else None


def _date(text: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def query_string(filters: Filters, **extra) -> str:
    values = {
        "department": filters.department_id or "",
        "module": filters.module_id or "",
        "status": filters.status.value if filters.status else "",
        "due_before": filters.due_before.isoformat() if filters.due_before else "",
        "q": filters.search,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v})


def filter_choices():
    return {
        "departments": admin_services.list_departments(),
        "modules": catalogue.get().in_order(),
        "statuses": list(Status),
    }


def people_list(
    filters, *, record_endpoint: str, heading: str, choices: dict, within=None, **extra
):
    sort = request.args.get("sort", "name")
    sort = sort if sort in queries.SORTS else "name"
    page = queries.people_page(
        filters,
        sort=sort,
        number=request.args.get("page", 1, int),
        per_page=PER_PAGE,
        within=within,
    )
    list_state = query_string(filters, sort=sort, page=page.number)
    return render_template(
        "reports/people.html",
        rows=page.rows,
        total=page.total,
        page=page.number,
        pages=page.pages,
        sort=sort,
        filters=filters,
        query=query_string(filters),
        sort_query=lambda s: query_string(filters, sort=s),
        page_query=lambda p: query_string(filters, sort=sort, page=p),
        # The record's Back link returns to this list as it is (filters, sort, page).
        record_url=lambda person_id: url_for(
            record_endpoint,
            user_id=person_id,
            list=list_state,
        ),
        heading=heading,
        due_before_error=due_before_problem(),
        **choices,
        **extra,
    )


LIST_KEYS = ("department", "module", "status", "due_before", "q", "sort", "page")


def back_to_list(endpoint: str) -> str:
    """The people list a record was opened from, with its filters: only the list's own
    keys are carried over from the `list` argument, onto our own path."""
    kept = [(k, v) for k, v in parse_qsl(request.args.get("list", "")) if k in LIST_KEYS]
    return url_for(endpoint) + (f"?{urlencode(kept)}" if kept else "")


def record_page(person, *, manager_view: bool) -> str:
    row = queries.person_row(person.id)
    return render_template(
        "reports/record.html",
        person=person,
        cells=row.cells if row else {},
        modules={m.id: m for m in catalogue.get().in_order()},
        record=records.training_record(person),
        history=corrections.history(person),
        certificates=[(c, certificates.status_of(c)) for c in certificates.certificates_of(person)],
        manager_view=manager_view,
        back_url=back_to_list("reports.team" if manager_view else "reports.people"),
    )
