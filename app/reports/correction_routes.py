"""Officers' corrections (always new, audited records) and assigning by hand."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import catalogue
from app.admin import services as admin_services
from app.admin.presenters import long_date
from app.auth.permissions import training_officer
from app.certificates import codes
from app.certificates import services as certificates
from app.certificates.lifecycle import CertificateStatus
from app.compliance import corrections
from app.compliance import services as compliance
from app.database import transactional
from app.models.base import today
from app.reports import forms as report_forms
from app.reports.blueprint import bp

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
            done = _apply_correction(action, person, module, form)
        except corrections.CorrectionRefused as refused:
            # On the date field only when the refusal is about the date entered.
            field = getattr(form, refused.field, None) if refused.field else None
            (field.errors if field is not None else form.form_errors).append(str(refused))
        else:
            flash(done, "success")
            return redirect(back)
    return render_template(
        "reports/correction.html", form=form, title=title, person=person, module=module, back=back
    )


def _full_name(person) -> str:
    return f"{person.first_name} {person.last_name}"


def _apply_correction(action: str, person, module, form) -> str:
    """Make the correction; the confirmation: who, which module and what changed."""
    reason, name, title = form.reason.data, _full_name(person), module.title
    if action == "extend":
        corrections.extend_due(
            current_user, person, module.id, form.new_due_on.data, reason, today=today()
        )
        return f"{name}'s due date for {title} is now {long_date(form.new_due_on.data)}."
    if action == "exempt":
        corrections.exempt(current_user, person, module.id, reason)
        return f"{name} is exempt from {title}."
    if action == "end-exemption":
        corrections.end_exemption(current_user, person, module.id, reason)
        return f"{name} is no longer exempt from {title}."
    if action == "reset-cool-down":
        corrections.reset_cool_down(current_user, person, module.id, reason)
        return f"{name}'s quiz pause for {title} is reset: they can try the quiz again now."
    corrections.record_offline_completion(
        current_user, person, module.id, form.completed_on.data, reason, today=today()
    )
    return f"{name}'s completion of {title} on {long_date(form.completed_on.data)} is recorded."


@bp.route(
    "/reports/people/<int:user_id>/completions/<int:correction_id>/withdraw",
    methods=["GET", "POST"],
)
@training_officer
@transactional
def withdraw_completion(user_id: int, correction_id: int) -> str | Response:
    person = admin_services.get_person(user_id)
    completion = corrections.completion_to_withdraw(person, correction_id) if person else None
    if completion is None:
        abort(404)
    module = catalogue.get().modules.get(completion.module_id)
    if module is None:
        abort(404)
    form = report_forms.WithdrawCompletionForm()
    back = url_for("reports.record", user_id=user_id)
    if form.validate_on_submit():
        try:
            corrections.withdraw_completion(current_user, person, completion, form.reason.data)
        except corrections.CorrectionRefused as refused:
            form.form_errors.append(str(refused))
        else:
            flash(
                f"The completion has been withdrawn from {_full_name(person)}'s record: "
                f"{module.title}, dated {long_date(completion.completed_on)}.",
                "success",
            )
            return redirect(back)
    return render_template(
        "reports/correction.html",
        form=form,
        title="Withdraw a completion done elsewhere",
        intro=(
            f"The completion dated {long_date(completion.completed_on)} will stay on the "
            "record, marked withdrawn, and will no longer count. Do this only when it was "
            "recorded in error, for example for the wrong person or the wrong date."
        ),
        person=person,
        module=module,
        back=back,
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
            flash(
                f"{certificate.holder_name}'s certificate "
                f"{codes.display(certificate.code)} for {certificate.module_title} "
                "has been revoked.",
                "success",
            )
            return redirect(back)
    status = certificates.status_of(certificate)
    return render_template(
        "reports/revoke.html",
        # Already revoked (an old link, or another officer just did it): the page says
        # when, and there is no form to fill in.
        form=None if status == CertificateStatus.REVOKED else form,
        certificate=certificate,
        status=status.value,
        # What else still counts once it is revoked: a completion recorded from elsewhere.
        covered_until=(
            corrections.covered_elsewhere_until(certificate.holder, certificate.module_id)
            if status == CertificateStatus.VALID
            else None
        ),
        today=today(),
        back=back,
    )


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
                f"Assigned to {created} {'person' if created == 1 else 'people'}"
                + (f"; {already} already had it" if already else "")
                + ".",
                "success",
            )
            return redirect(url_for("reports.dashboard"))
    return render_template("reports/assign.html", form=form)


def compliance_people(department: str, numbers: list[str]) -> tuple[list[int], list[str]]:
    staff = compliance.active_staff()
    # Employee numbers match whatever their case, as everywhere else.
    by_number = {p.employee_number.casefold(): p.id for p in staff}
    chosen = [p.id for p in staff if department and str(p.department_id) == department]
    unknown = [n for n in numbers if n.casefold() not in by_number]
    chosen += [by_number[n.casefold()] for n in numbers if n.casefold() in by_number]
    return chosen, unknown
