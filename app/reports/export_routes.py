"""The compliance list and the person × module matrix as CSV (streamed) or XLSX."""

from __future__ import annotations

from flask import Response, abort, stream_with_context

from app import catalogue
from app.auth.permissions import training_officer
from app.compliance import queries
from app.models.base import today
from app.reports import exports
from app.reports.blueprint import bp, url_filters

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
        ]


LIST_HEADERS = ["Employee number", "Name", "E-mail", "Department", "Module", "Status", "Due"]


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
def export(kind: str, extension: str) -> Response:
    filters = url_filters()
    if kind == "compliance":
        headers, rows = LIST_HEADERS, _list_rows(filters)
    elif kind == "matrix":
        headers, rows = _matrix(filters)
    else:
        abort(404)
    stamp = today().isoformat()
    name = f"{kind}-{stamp}.{extension}"
    if extension == "csv":
        response = Response(
            stream_with_context(exports.csv_lines(headers, rows)), mimetype="text/csv"
        )
    elif extension == "xlsx":
        response = Response(
            exports.xlsx_bytes([(kind.capitalize(), headers, rows)]),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        abort(404)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
