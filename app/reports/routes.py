"""Training officers' pages (dashboard, people, records, corrections, exports, HR import)
and line managers' "Your team"."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from app import cached_figures, catalogue
from app.admin import services as admin_services
from app.auth.permissions import signed_in, training_officer
from app.certificates import records
from app.certificates import services as certificates
from app.compliance import corrections, queries, summary
from app.compliance import services as compliance
from app.compliance.queries import Filters
from app.compliance.rules import Status
from app.database import transactional
from app.hr import services as hr
from app.models.base import today
from app.reports import analytics, charts, exports
from app.reports import forms as report_forms

bp = Blueprint("reports", __name__)
PER_PAGE = 50


# --- Filters kept in the URL -------------------------------------------------------------


def _filters() -> Filters:
    args = request.args
    department = args.get("department", type=int)
    module = args.get("module") or None
    if module and module not in catalogue.get().modules:
        module = None
    status = next((s for s in Status if s.value == args.get("status")), None)
    due_before = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.get("due_before", "")):
        try:
            due_before = date.fromisoformat(args["due_before"])
        except ValueError:
            due_before = None
    search = (args.get("q") or "").strip()[:100]
    return Filters(department, module, status, due_before, search)


def _query(filters: Filters, **extra) -> str:
    values = {
        "department": filters.department_id or "",
        "module": filters.module_id or "",
        "status": filters.status.value if filters.status else "",
        "due_before": filters.due_before.isoformat() if filters.due_before else "",
        "q": filters.search,
        **extra,
    }
    return urlencode({k: v for k, v in values.items() if v})


def _choices():
    return {
        "departments": admin_services.list_departments(),
        "modules": catalogue.get().in_order(),
        "statuses": list(Status),
    }


# --- Dashboard ---------------------------------------------------------------------------


@bp.get("/reports")
@training_officer
def dashboard() -> str:
    filters = _filters()
    on = today()
    # Counting 50,000 assignments takes a while; the figures are kept until the data moves.
    figures, trend = cached_figures.cached(
        "compliance",
        ("dashboard", filters, on, current_app.config["RENEWAL_WINDOW_DAYS"]),
        lambda: (summary.summarise(filters, on=on), summary.monthly_trend(filters, on=on)),
    )
    chart = charts.bar_chart(
        chart_id="by-department",
        title="Compliance by department",
        description="The share of assigned modules with a valid certificate, by department.",
        bars=[
            charts.Bar(t.label, t.percent, f"{t.compliant} of {t.assigned} compliant")
            for t in figures.by_department
        ],
    )
    trend_chart = charts.line_chart(
        chart_id="over-time",
        title="Compliance over the last 12 months",
        description="The share of the modules assigned now that were held on the last day of "
        "each month.",
        points=[charts.Point(label, percent) for label, percent in trend],
    )
    return render_template(
        "reports/dashboard.html",
        summary=figures,
        trend=trend,
        trend_chart=trend_chart,
        filters=filters,
        query=_query(filters),
        chart=chart,
        whole=charts.whole_percent,
        **_choices(),
    )


# --- People and their records -------------------------------------------------------------


@bp.get("/reports/people")
@training_officer
def people() -> str:
    return _people_list(
        _filters(),
        record_endpoint="reports.record",
        heading="People",
        choices=_choices(),
    )


def _people_list(
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
    return render_template(
        "reports/people.html",
        rows=page.rows,
        total=page.total,
        page=page.number,
        pages=page.pages,
        sort=sort,
        filters=filters,
        query=_query(filters),
        sort_query=lambda s: _query(filters, sort=s),
        page_query=lambda p: _query(filters, sort=sort, page=p),
        record_url=lambda person_id: url_for(record_endpoint, user_id=person_id),
        heading=heading,
        **choices,
        **extra,
    )


def _record(person, *, manager_view: bool) -> str:
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
    )


@bp.get("/reports/people/<int:user_id>")
@training_officer
def record(user_id: int) -> str:
    person = admin_services.get_person(user_id)
    if person is None:
        abort(404)
    return _record(person, manager_view=False)


# --- Corrections ---------------------------------------------------------------------------


CORRECTIONS = {
    "extend": (report_forms.ExtendDueForm, "Extend the due date"),
    "exempt": (report_forms.ExemptForm, "Exempt from this module"),
    "end-exemption": (report_forms.EndExemptionForm, "End the exemption"),
    "reset-cool-down": (report_forms.ResetCoolDownForm, "Reset the quiz pause"),
    "offline": (report_forms.OfflineCompletionForm, "Record a completion done elsewhere"),
}


@bp.route("/reports/people/<int:user_id>/modules/<module_id>/<action>", methods=["GET", "POST"])
@training_officer
@transactional
def correct(user_id: int, module_id: str, action: str) -> str | Response:
    person = admin_services.get_person(user_id)
    module = catalogue.get().modules.get(module_id)
    if person is None or module is None or action not in CORRECTIONS:
        abort(404)
    form_class, title = CORRECTIONS[action]
    form = form_class()
    back = url_for("reports.record", user_id=user_id)
    if form.validate_on_submit():
        try:
            _apply_correction(action, person, module_id, form)
        except corrections.CorrectionRefused as refused:
            field = getattr(form, "new_due_on", None) or getattr(form, "completed_on", None)
            (field.errors if field is not None else form.form_errors).append(str(refused))
        else:
            flash(f"{title}: saved on {person.first_name} {person.last_name}'s record.", "success")
            return redirect(back)
    return render_template(
        "reports/correction.html", form=form, title=title, person=person, module=module, back=back
    )


def _apply_correction(action: str, person, module_id: str, form) -> None:
    reason = form.reason.data
    if action == "extend":
        corrections.extend_due(
            current_user, person, module_id, form.new_due_on.data, reason, today=today()
        )
    elif action == "exempt":
        corrections.exempt(current_user, person, module_id, reason)
    elif action == "end-exemption":
        corrections.end_exemption(current_user, person, module_id, reason)
    elif action == "reset-cool-down":
        corrections.reset_cool_down(current_user, person, module_id, reason)
    else:
        corrections.record_offline_completion(
            current_user, person, module_id, form.completed_on.data, reason, today=today()
        )


@bp.route("/reports/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@training_officer
@transactional
def revoke(certificate_id: int) -> str | Response:
    certificate = certificates.certificate_for_viewer(current_user, certificate_id)
    if certificate is None:
        abort(404)
    back = url_for("reports.record", user_id=certificate.user_id)
    form = report_forms.RevokeForm()
    if form.validate_on_submit():
        try:
            corrections.revoke(current_user, certificate, form.reason.data)
        except corrections.CorrectionRefused as refused:
            form.form_errors.append(str(refused))
        else:
            flash("The certificate has been revoked.", "success")
            return redirect(back)
    return render_template("reports/revoke.html", form=form, certificate=certificate, back=back)


# --- Assigning by hand -----------------------------------------------------------------


@bp.route("/reports/assign", methods=["GET", "POST"])
@training_officer
@transactional
def assign() -> str | Response:
    form = report_forms.AssignForm()
    modules = catalogue.get().in_order()
    departments = admin_services.list_departments()
    form.module.choices = [(m.id, m.title) for m in modules]
    form.department.choices = [("", "Choose a department")] + [
        (str(d.id), d.name) for d in departments
    ]
    if form.validate_on_submit():
        numbers = [n for n in re.split(r"[\s,;]+", form.employee_numbers.data or "") if n]
        chosen, unknown = compliance_people(form.department.data, numbers)
        if unknown:
            form.employee_numbers.errors = [
                f"No active person has the employee number {', '.join(unknown[:5])}"
            ]
        elif not chosen:
            form.department.errors = ["Choose a department, or list employee numbers"]
        elif form.due_on.data <= today():
            form.due_on.errors = ["Due date must be in the future"]
        else:
            created, already = compliance.assign_by_hand(
                chosen, form.module.data, form.due_on.data, current_user
            )
            flash(
                f"Assigned to {created} people"
                + (f"; {already} already had it" if already else "")
                + ".",
                "success",
            )
            return redirect(url_for("reports.dashboard"))
    return render_template("reports/assign.html", form=form)


def compliance_people(department: str, numbers: list[str]) -> tuple[list[int], list[str]]:
    staff = compliance.active_staff()
    by_number = {p.employee_number: p.id for p in staff}
    chosen = [p.id for p in staff if department and str(p.department_id) == department]
    unknown = [n for n in numbers if n not in by_number]
    chosen += [by_number[n] for n in numbers if n in by_number]
    return chosen, unknown


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
                row.person.employee_number,
                row.person.name,
                row.person.department,
                *[
                    row.cells[m.id].status.value if m.id in row.cells else "Not assigned"
                    for m in modules
                ],
            ]

    return headers, rows()


@bp.get("/reports/export/<kind>.<extension>")
@training_officer
def export(kind: str, extension: str) -> Response:
    filters = _filters()
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


# --- HR import ---------------------------------------------------------------------------


@bp.route("/reports/hr-import", methods=["GET", "POST"])
@training_officer
@transactional
def hr_import() -> str | Response:
    form = report_forms.HrUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(hr.parser.MAX_BYTES + 1)
        upload = hr.store_upload(
            data, form.file.data.filename or "hr.csv", form.full_file.data, current_user
        )
        return redirect(url_for("reports.hr_preview", upload_id=upload.id))
    return render_template(
        "reports/hr_import.html", form=form, imports=hr.recent_imports(), columns=hr.parser.COLUMNS
    )


@bp.route("/reports/hr-import/<int:upload_id>", methods=["GET", "POST"])
@training_officer
@transactional
def hr_preview(upload_id: int) -> str | Response:
    upload = hr.upload_of(current_user, upload_id)
    if upload is None:
        abort(404)
    form = report_forms.ConfirmImportForm()
    if upload.hr_import_id is None and form.validate_on_submit():
        plan, applied = hr.apply_upload(upload, current_user)
        if applied is not None:
            flash(
                f"Imported: {applied.created_count} created, {applied.updated_count} updated, "
                f"{applied.deactivated_count} deactivated.",
                "success",
            )
        return redirect(url_for("reports.hr_import"))
    plan = hr.preview(upload.data, full_file=upload.full_file, acting=current_user)
    return render_template("reports/hr_preview.html", plan=plan, upload=upload, form=form)


# --- Line managers ----------------------------------------------------------------------


@bp.get("/team")
@signed_in
def team() -> str:
    filters = Filters(search=(request.args.get("q") or "").strip()[:100])
    choices = {"departments": [], "modules": catalogue.get().in_order(), "statuses": list(Status)}
    return _people_list(
        filters,
        within=queries.team_select(current_user.id),
        record_endpoint="reports.team_member",
        heading="Your team",
        choices=choices,
        team_view=True,
    )


@bp.get("/team/<int:user_id>")
@signed_in
def team_member(user_id: int) -> str:
    if not queries.in_team(current_user.id, user_id):
        abort(404)
    person = admin_services.get_person(user_id)
    if person is None:
        abort(404)
    return _record(person, manager_view=True)


# --- Analytics ---------------------------------------------------------------------------


@bp.get("/reports/analytics")
@training_officer
def analytics_page() -> str:
    return render_template(
        "reports/analytics.html",
        questions=cached_figures.cached("analytics", "questions", analytics.question_stats),
        decisions=cached_figures.cached("analytics", "decisions", analytics.decision_stats),
        modules={m.id: m for m in catalogue.get().in_order()},
        minimum=analytics.MIN_LEARNERS,
    )
