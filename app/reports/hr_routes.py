"""Uploading an HR file, its preview, and applying it."""

from __future__ import annotations

import unicodedata

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import training_officer
from app.database import transactional
from app.hr import services as hr
from app.reports import forms as report_forms
from app.reports.blueprint import bp

# --- HR import ---------------------------------------------------------------------------


@bp.route("/reports/hr-import", methods=["GET", "POST"])
@training_officer
@transactional
def hr_import() -> str | Response:
    form = report_forms.HrUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(hr.parser.MAX_BYTES + 1)
        upload = hr.store_upload(
            data, _file_name(form.file.data.filename), form.full_file.data, current_user
        )
        return redirect(url_for("reports.hr_preview", upload_id=upload.id))
    return render_template(
        "reports/hr_import.html", form=form, imports=hr.recent_imports(), columns=hr.parser.COLUMNS
    )


def _file_name(sent: str | None) -> str:
    """The name the browser gave the file, for the list of imports: its last part only,
    without control or invisible characters, or "hr.csv" when nothing is left."""
    name = (sent or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf"}).strip()
    return name or "hr.csv"


@bp.route("/reports/hr-import/<int:upload_id>", methods=["GET", "POST"])
@training_officer
@transactional
def hr_preview(upload_id: int) -> str | Response:
    upload = hr.upload_of(current_user, upload_id)
    if upload is None:
        abort(404)
    form = report_forms.ConfirmImportForm()
    if upload.hr_import_id is None and form.validate_on_submit():
        # The digest of the plan on the page the officer confirmed (hr_preview.html).
        checked = request.form.get("plan", "")
        plan, applied = hr.apply_upload(upload, current_user, checked)
        if applied is not None:
            flash(
                f"Imported: {applied.created_count} created, {applied.updated_count} updated, "
                f"{applied.deactivated_count} deactivated.",
                "success",
            )
        elif (plan.problems or plan.changed_since_checked) and upload.hr_import_id is None:
            # It had problems, or other changes, by the time it was confirmed: show the
            # file as it now stands, as the preview does.
            return render_template("reports/hr_preview.html", plan=plan, upload=upload, form=form)
        return redirect(url_for("reports.hr_import"))
    # An applied file is not kept (hr.forget_uploads): there is nothing left to preview.
    plan = (
        None
        if upload.hr_import_id
        else hr.preview(upload.data, full_file=upload.full_file, acting=current_user)
    )
    return render_template("reports/hr_preview.html", plan=plan, upload=upload, form=form)
