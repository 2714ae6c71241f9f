"""The officers' blueprint and what its pages share: filters kept in the URL, the
people list and a person's record (also shown to line managers for their team)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from app import catalogue
from app.admin import services as admin_services
from app.admin.presenters import pagination
from app.certificates import records
from app.certificates import services as certificates
from app.compliance import corrections, queries
from app.compliance.queries import Filters
from app.compliance.rules import Status
from app.routing import id_arg, page_arg

bp = Blueprint("reports", __name__)
PER_PAGE = 50


# --- Filters kept in the URL -------------------------------------------------------------


@dataclass(frozen=True)
class FilterProblem:
    """A filter in the web address that could not be read: it is not applied."""

    name: str  # the parameter, also the id of its field on the filters form
    typed: str
    message: str  # next to the field: what is wrong, and that the page is not filtered by it
    accepted: str  # what the parameter takes (for scripts that build the address)

    @property
    def explained(self) -> str:
        """One line for the export's error page: the parameter, the value and what works."""
        return f"{self.name}: we could not read “{self.typed}”. {self.accepted}"


DUE_BEFORE_MESSAGE = "Enter the due date as a real date, year-month-day, like 2027-03-31"
STATUS_NAMES = [s.value for s in Status]
TYPED_SHOWN = 40  # characters of an unreadable value shown back


def read_filters(*, departments=None, keys=("department", "module", "status", "due_before")):
    """The filters in the web address, and a problem for each one that is there but could
    not be read (it is then left out, never guessed). `departments`, when given, are the
    ones a department number may name; `keys` are the filters that apply here."""
    args = request.args
    problems = []

    def typed(name: str) -> str:
        text = args.get(name, "").strip()
        return text if len(text) <= TYPED_SHOWN else text[:TYPED_SHOWN] + "…"

    department = id_arg("department")
    if departments is not None and department not in {d.id for d in departments}:
        department = None
    if args.get("department", "").strip() and department is None and "department" in keys:
        known = ", ".join(f"{d.id} for {d.name}" for d in departments or ())
        problems.append(
            FilterProblem(
                "department",
                typed("department"),
                "Choose a department from the list. The page is not filtered by department.",
                f"Use a department's number{': ' + known if known else ''}.",
            )
        )
    modules = catalogue.get().modules
    module = args.get("module", "").strip() or None
    if module and module not in modules:
        module = None
        if "module" in keys:
            problems.append(
                FilterProblem(
                    "module",
                    typed("module"),
                    "Choose a module from the list. The page is not filtered by module.",
                    f"Use one of: {', '.join(m.id for m in catalogue.get().in_order())}.",
                )
            )
    status = next((s for s in Status if s.value == args.get("status")), None)
    if args.get("status", "").strip() and status is None and "status" in keys:
        problems.append(
            FilterProblem(
                "status",
                typed("status"),
                "Choose a status from the list. The page is not filtered by status.",
                f"Use one of: {', '.join(STATUS_NAMES)}, with capitals as shown.",
            )
        )
    due_before = _date(args.get("due_before", ""))
    if args.get("due_before", "").strip() and due_before is None and "due_before" in keys:
        problems.append(
            FilterProblem(
                "due_before",
                typed("due_before"),
                f"{DUE_BEFORE_MESSAGE}. The page is not filtered by due date.",
                "Use a real date written year-month-day, like 2027-03-31.",
            )
        )
    search = (args.get("q") or "").strip()[:100]
    account = queries.DEFAULT_ACCOUNT
    if "account" in keys:  # only the officers' people list lists people who have left
        typed_account = args.get("account", "").strip()
        if typed_account in queries.ACCOUNTS:
            account = typed_account
        elif typed_account:
            problems.append(
                FilterProblem(
                    "account",
                    typed("account"),
                    "Choose Active, Left or All. The page lists active people only.",
                    f"Use one of: {', '.join(queries.ACCOUNTS)}.",
                )
            )
    return Filters(department, module, status, due_before, search, account), problems


def url_filters() -> Filters:
    return read_filters()[0]


def filter_errors(problems: list[FilterProblem]) -> dict:
    """What the filters form shows: a message by each field, and the error summary."""
    return {
        "filter_problems": {p.name: p.message for p in problems},
        "filter_summary": (
            {
                "titleText": "There is a problem",
                "descriptionText": "We could not read some of the filters in the web address, "
                "so they are not applied.",
                "errorList": [{"text": p.message, "href": f"#{p.name}"} for p in problems],
            }
            if problems
            else None
        ),
    }


def applied(filters: Filters, department_name: str | None = None) -> dict:
    """The filters a page or export actually applied, for the audit log."""
    values = {
        "department": (
            f"{department_name} ({filters.department_id})"
            if department_name
            else filters.department_id
        ),
        "module": filters.module_id,
        "status": filters.status.value if filters.status else None,
        "due_before": filters.due_before.isoformat() if filters.due_before else None,
        "search": filters.search,
    }
    return {k: v for k, v in values.items() if v}


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
        "account": "" if filters.account == queries.DEFAULT_ACCOUNT else filters.account,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v})


def filter_choices():
    return {
        "departments": admin_services.list_departments(),
        "modules": catalogue.get().in_order(),
        "statuses": list(Status),
    }


def people_filter_choices():
    """The officers' people list: the filters, and whether to list people who have left."""
    return {**filter_choices(), "accounts": queries.ACCOUNTS}


def people_list(
    filters,
    *,
    record_endpoint: str,
    heading: str,
    choices: dict,
    problems=(),
    within=None,
    **extra,
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
        filtered=filters != Filters(),
        **filter_errors(list(problems)),
        **choices,
        **extra,
    )


LIST_KEYS = ("department", "module", "status", "due_before", "q", "account", "sort", "page")


def back_to_list(endpoint: str) -> str:
    """The people list a record was opened from, with its filters: only the list's own
    keys are carried over from the `list` argument, onto our own path."""
    kept = [(k, v) for k, v in parse_qsl(request.args.get("list", "")) if k in LIST_KEYS]
    return url_for(endpoint) + (f"?{urlencode(kept)}" if kept else "")


def record_page(person, *, manager_view: bool) -> str:
    try:
        history = corrections.history(person, page_arg())
    except corrections.HistoryPageOutOfRange:
        abort(404)
    row = queries.person_row(person.id)
    endpoint = "reports.team_member" if manager_view else "reports.record"
    kept = request.args.get("list")  # the Back link's list, kept from page to page
    return render_template(
        "reports/record.html",
        person=person,
        cells=row.cells if row else {},
        modules={m.id: m for m in catalogue.get().in_order()},
        record=records.training_record(person),
        history=history,
        history_pagination=pagination(
            history.number,
            history.pages,
            lambda n: url_for(
                endpoint, user_id=person.id, list=kept, page=n, _anchor="corrections"
            ),
        ),
        certificates=[(c, certificates.status_of(c)) for c in certificates.certificates_of(person)],
        manager_view=manager_view,
        own_record=not manager_view and person.id == current_user.id,
        back_url=back_to_list("reports.team" if manager_view else "reports.people"),
    )
