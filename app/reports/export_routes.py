"""The compliance list and the person × module matrix as CSV (streamed) or XLSX."""

from __future__ import annotations

from flask import Response, abort, current_app, request, stream_with_context
from flask_login import current_user

from app import audit, catalogue, rate_limit
from app.admin import services as admin_services
from app.auth.permissions import training_officer
from app.compliance import queries
from app.errors import render_error
from app.models.base import today
from app.reports import exports
from app.reports.blueprint import applied, bp, read_filters

# --- Exports -----------------------------------------------------------------------------


def _list_rows(filters):
    titles = {m.id: m.title for m in catalogue.get().in_order()}
    for person, cell in queries.matching_cells(filters):
        yield [
            person.employee_number,
            person.name,
            person.email,
            person.department,
            titles.get(cell.module_id, cell.module_id),
            cell.status.value,
            cell.due_on,
            _evidence(cell),
        ]


def _evidence(cell: queries.Cell) -> str:
    """What a held module rests on: a certificate, or an officer's record of a completion
    done elsewhere (blank when it is not held)."""
    if not cell.status.counts_as_compliant:
        return ""
    return "Completed elsewhere" if cell.elsewhere else "Certificate"


LIST_HEADERS = [
    "Employee number",
    "Name",
    "E-mail",
    "Department",
    "Module",
    "Status",
    "Due",
    "Evidence",
]


def _matrix(filters):
    modules = catalogue.get().in_order()
    headers = ["Employee number", "Name", "Department", *[m.title for m in modules]]

    def rows():
        for row in queries.matrix_rows(filters):
            yield [
                row.employee_number,
                row.name,
                row.department,
                *[row.statuses.get(m.id, "Not assigned") for m in modules],
            ]

    return headers, rows()


@bp.get("/reports/export/<kind>.<extension>")
@training_officer
def export(kind: str, extension: str) -> Response | tuple[str, int, dict]:
    if kind not in ("compliance", "matrix") or extension not in ("csv", "xlsx"):
        abort(404)
    # A filter that cannot be read is never dropped (the export would widen to the whole
    # council): nothing is exported, counted or recorded.
    departments = admin_services.list_departments() if request.args.get("department") else None
    filters, problems = read_filters(departments=departments)
    if problems:
        return render_error(
            400,
            (
                "We did not make the export, because we could not read "
                + ("this filter" if len(problems) == 1 else "these filters")
                + " in its web address:",
                *[p.explained for p in problems],
                "Nothing was downloaded. Choose the filters on the compliance dashboard or "
                "the People page, then download the export from there.",
            ),
        )
    department_name = next(
        (d.name for d in departments or () if d.id == filters.department_id), None
    )
    # Every member of staff's name and e-mail address leaves in an export: who took one,
    # and with which filters, is recorded, and a runaway script is stopped.
    key = f"export:{current_user.id}"
    limit = current_app.config["EXPORTS_PER_USER_PER_HOUR"]
    if rate_limit.exceeded(key, limit, rate_limit.LONGEST_WINDOW):
        page, status = render_error(
            429,
            (
                f"You have downloaded {limit} exports in the last hour, the most allowed.",
                "Try again later. The exports you have already downloaded are still up to date "
                "for the day they were taken.",
            ),
        )
        wait = rate_limit.retry_after(key, limit, rate_limit.LONGEST_WINDOW)
        return page, status, {"Retry-After": str(wait)}
    rate_limit.hit_now(key)
    audit.record_now(
        "export_downloaded",
        actor=current_user,
        # What was applied, read back from the filters (never the address as it was sent).
        details={"export": f"{kind}.{extension}", "filters": applied(filters, department_name)},
    )
    if kind == "compliance":
        headers, rows = LIST_HEADERS, _list_rows(filters)
    else:
        headers, rows = _matrix(filters)
    stamp = today().isoformat()
    name = f"{kind}-{stamp}.{extension}"
    if extension == "csv":
        response = Response(
            stream_with_context(exports.csv_lines(headers, rows)), mimetype="text/csv"
        )
    else:
        response = Response(
            exports.xlsx_bytes([(kind.capitalize(), headers, rows)]),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
