"""User administration, departments, settings and content, and the audit log (administrators
and training officers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from app.admin import presenters, services, settings
from app.admin.forms import (
    AuditFilterForm,
    DeactivateForm,
    DepartmentForm,
    EditPersonForm,
    NewPersonForm,
    PeopleFilterForm,
    PersonForm,
    ReactivateForm,
    RenameDepartmentForm,
)
from app.auth import services as auth_services
from app.auth.permissions import administrator, training_officer
from app.database import transactional
from app.models.organisation import normalise_email
from app.routing import page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")

STALE_PERSON = (
    "Someone else changed this person's details while you were editing. "
    "Check the details below and save again."
)
STALE_DEPARTMENT = (
    "Someone else renamed this department while you were editing. "
    "Check the name below and save again."
)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "local_time": presenters.local_time,
        "iso_time": presenters.iso_time,
        "long_date": presenters.long_date,
        "describe_details": presenters.describe_details,
        "roles_of": presenters.roles_of,
        "event_labels": services.event_labels(),
    }


def _actor():
    return current_user._get_current_object()


def _person_or_404(user_id: int):
    person = services.get_person(user_id)
    if person is None:
        abort(404)
    return person


def _show_errors(form: Any, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        getattr(form, name).errors = [message]


# --- People -----------------------------------------------------------------------------


@bp.get("/users")
@administrator
def users() -> str:
    departments = services.list_departments()
    filters = services.clean_people_filters(
        request.args.get("q"),
        request.args.get("department"),
        request.args.get("role"),
        request.args.get("status"),
        departments,
    )
    try:
        page = services.search_people(filters, page_arg())
    except services.PageOutOfRange:
        abort(404)
    filter_form = PeopleFilterForm(
        formdata=None,
        q=filters.q,
        department=str(filters.department_id or ""),
        role=filters.role or "",
        status=filters.status,
    )
    filter_form.set_departments(departments)
    query = filters.as_query()
    return render_template(
        "admin/users.html",
        filter_form=filter_form,
        page=page,
        filtered=bool(query),
        pagination=presenters.pagination(
            page.number, page.pages, lambda n: url_for("admin.users", **query, page=n)
        ),
    )


def _details(form: PersonForm) -> services.PersonDetails:
    roles = set(form.roles.data or [])
    return services.PersonDetails(
        employee_number=form.employee_number.data,
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        department_id=services.whole_number(form.department.data),
        job_title=form.job_title.data or "",
        start_date=form.start_date.data,
        line_manager_number=form.line_manager.data or "",
        is_regulated_role=form.regulated_role.data == "yes",
        professional_body=form.professional_body.data,
        is_training_officer="training_officer" in roles,
        is_administrator="administrator" in roles,
    )


def _initial(details: services.PersonDetails) -> dict[str, Any]:
    """The edit form's starting values."""
    return {
        "employee_number": details.employee_number,
        "first_name": details.first_name,
        "last_name": details.last_name,
        "email": details.email,
        "department": str(details.department_id or ""),
        "job_title": details.job_title,
        "start_date": details.start_date,
        "line_manager": details.line_manager_number,
        "regulated_role": "yes" if details.is_regulated_role else "no",
        "professional_body": details.professional_body,
        "roles": [
            role
            for role, held in (
                ("training_officer", details.is_training_officer),
                ("administrator", details.is_administrator),
            )
            if held
        ],
    }


@bp.route("/users/new", methods=["GET", "POST"])
@administrator
@transactional
def new_user() -> str | Response:
    form = NewPersonForm()
    form.set_departments(services.list_departments())
    if form.validate_on_submit():
        outcome = services.create_person(_details(form), _actor())
        if outcome.ok:
            flash("Person added. We have sent them an invitation.", "success")
            return redirect(url_for("admin.user", user_id=outcome.saved.id))
        _show_errors(form, outcome.errors)
    return render_template("admin/person_form.html", form=form, person=None)


@bp.get("/users/<int:user_id>")
@administrator
def user(user_id: int) -> str:
    person = _person_or_404(user_id)
    return render_template(
        "admin/user.html",
        person=person,
        reports=services.reports_of(person),
        events=services.recent_events(person),
        is_self=person.id == current_user.id,
    )


def _current_edit_form(person) -> EditPersonForm:
    """The edit form filled in with the person's details as they are now."""
    initial = _initial(services.details_of(person))
    form = EditPersonForm(formdata=None, data={**initial, "version": services.version_of(person)})
    form.set_departments(services.list_departments())
    return form


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@administrator
@transactional
def edit_user(user_id: int) -> str | Response:
    person = _person_or_404(user_id)
    if request.method == "GET":
        form = _current_edit_form(person)
    else:
        form = EditPersonForm()
        form.set_departments(services.list_departments())
    is_self = person.id == current_user.id
    if form.validate_on_submit():
        refusal = _own_address_confirmed(person, form) if is_self else None
        outcome = refusal or services.update_person(
            person, _details(form), _actor(), seen_version=form.version.data or None
        )
        if outcome.stale:
            # What they typed was based on old details: show the new ones to start again from.
            form = _current_edit_form(person)
            form.form_errors.append(STALE_PERSON)
        elif outcome.ok:
            if person.id == current_user.id:
                # A new address ends every session; this one carries on under the new token.
                login_user(person)
            flash("Details saved.", "success")
            return redirect(url_for("admin.user", user_id=person.id))
        else:
            _show_errors(form, outcome.errors)
    return render_template("admin/person_form.html", form=form, person=person, is_self=is_self)


def _own_address_confirmed(person, form: EditPersonForm) -> services.Outcome | None:
    """None if the administrator may go on; a refusal if they are changing their own
    e-mail address without giving their current password."""
    if normalise_email(form.email.data) == person.email:
        return None
    problem = auth_services.current_password_problem(person, form.current_password.data or "")
    return services.Outcome(errors={"current_password": problem}) if problem else None


def _change_status(user_id: int, deactivating: bool) -> str | Response:
    person = _person_or_404(user_id)
    back = url_for("admin.user", user_id=person.id)
    if deactivating and person.id == current_user.id:
        flash("You cannot deactivate your own account. Ask another administrator to do it.")
        return redirect(back)
    if person.is_active != deactivating:
        state = "deactivated" if not person.is_active else "active"
        flash(f"{person.full_name}'s account is already {state}.")
        return redirect(back)
    form = DeactivateForm() if deactivating else ReactivateForm()
    if form.validate_on_submit():
        reason = form.reason.data.strip()
        if deactivating:
            refusal = services.deactivate(person, reason, _actor())
            if refusal:
                flash(refusal)
                return redirect(back)
            flash(
                f"{person.full_name}'s account has been deactivated. They have been signed out.",
                "success",
            )
        else:
            services.reactivate(person, reason, _actor())
            flash(f"{person.full_name}'s account has been reactivated.", "success")
        return redirect(back)
    return render_template(
        "admin/change_status.html", form=form, person=person, deactivating=deactivating
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@administrator
@transactional
def deactivate_user(user_id: int) -> str | Response:
    return _change_status(user_id, deactivating=True)


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@administrator
@transactional
def reactivate_user(user_id: int) -> str | Response:
    return _change_status(user_id, deactivating=False)


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@administrator
@transactional
def resend_invitation(user_id: int) -> Response:
    person = _person_or_404(user_id)
    if not person.is_active:
        flash("You cannot send an invitation to a deactivated account. Reactivate it first.")
    else:
        services.resend_invitation(person, _actor())
        flash(f"We have sent a new invitation to {person.email}.", "success")
    return redirect(url_for("admin.user", user_id=person.id))


# --- Departments ------------------------------------------------------------------------


@bp.route("/departments", methods=["GET", "POST"])
@administrator
@transactional
def departments() -> str | Response:
    form = DepartmentForm()
    if form.validate_on_submit():
        outcome = services.create_department(form.name.data, _actor())
        if outcome.ok:
            flash(f"Department added: {outcome.saved.name}.", "success")
            return redirect(url_for("admin.departments"))
        _show_errors(form, outcome.errors)
    return render_template(
        "admin/departments.html", form=form, rows=services.departments_with_counts()
    )


@bp.route("/departments/<int:department_id>/rename", methods=["GET", "POST"])
@administrator
@transactional
def rename_department(department_id: int) -> str | Response:
    department = services.get_department(department_id)
    if department is None:
        abort(404)
    form = _current_rename_form(department) if request.method == "GET" else RenameDepartmentForm()
    if form.validate_on_submit():
        outcome = services.rename_department(
            department, form.name.data, _actor(), seen_version=form.version.data or None
        )
        if outcome.stale:
            form = _current_rename_form(department)
            form.form_errors.append(STALE_DEPARTMENT)
        elif outcome.ok:
            flash(f"Department renamed: {department.name}.", "success")
            return redirect(url_for("admin.departments"))
        else:
            _show_errors(form, outcome.errors)
    return render_template("admin/rename_department.html", form=form, department=department)


def _current_rename_form(department) -> RenameDepartmentForm:
    version = services.department_version(department)
    return RenameDepartmentForm(formdata=None, data={"name": department.name, "version": version})


# --- The audit log ----------------------------------------------------------------------


@bp.get("/settings")
@administrator
def settings_and_content() -> str:
    policy, modules = settings.content_versions()
    return render_template(
        "admin/settings.html",
        policy=policy,
        modules=modules,
        settings=settings.settings(),
        mail_is_off=settings.mail_is_off(),
    )


@bp.get("/audit-log")
@training_officer
def audit_log() -> str:
    labels = services.event_labels()
    form = AuditFilterForm(formdata=request.args)
    form.set_events(labels)
    valid = form.validate()
    event = form.event.data if form.event.data in labels else None
    form.event.data = event or ""
    person_id = services.whole_number(request.args.get("person"))
    person = services.get_person(person_id) if person_id is not None else None
    filters = services.EventFilters(
        event=event,
        person_id=person_id,
        date_from=form.date_from.date,
        date_to=form.date_to.date,
    )
    page, pagination = None, None
    if valid:
        try:
            page = services.audit_events(filters, page_arg())
        except services.PageOutOfRange:
            abort(404)
        query = filters.as_query()
        pagination = presenters.pagination(
            page.number, page.pages, lambda n: url_for("admin.audit_log", **query, page=n)
        )
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        pagination=pagination,
        person_id=person_id,
        person=person,
        filtered=bool(filters.as_query()),
        can_see_people=current_user.is_administrator,
    )
