"""Forms of the officers' pages: filters, corrections, assigning by hand, HR upload."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from app.admin.forms import REASON_MAX, DateInRange, DayMonthYearField
from app.forms import TRIM, AppForm


def _date_needed(message: str):
    """Like InputRequired, for a three-box date (which would otherwise carry a `required`
    attribute on its wrapper, which HTML does not allow)."""

    def check(_form, field) -> None:
        if field.data is None and not field.errors:
            raise StopValidation(message)

    return check


def _reason(label: str, hint: str, missing: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=TRIM,
        description=(
            f"{hint} Up to {REASON_MAX} characters. "
            "This is kept on their record, and they can read it there. "
            "Their line manager cannot."
        ),
        validators=[
            DataRequired(message=missing),
            Length(max=REASON_MAX, message=f"This must be {REASON_MAX} characters or fewer"),
        ],
    )


class ExtendDueForm(AppForm):
    new_due_on = DayMonthYearField(
        "New due date",
        name_in_errors="New due date",
        description="For example, 27 3 2027",
        validators=[_date_needed("Enter the new due date"), DateInRange()],
    )
    reason = _reason(
        "Why are you extending it?",
        "For example, long-term sick leave.",
        "Enter why you are extending the due date",
    )
    submit = SubmitField("Extend due date", widget=GovSubmitInput())


class ExemptForm(AppForm):
    reason = _reason(
        "Why is this person exempt?",
        "For example, they do not use council systems in their job.",
        "Enter why this person is exempt",
    )
    submit = SubmitField("Exempt from this module", widget=GovSubmitInput())


class EndExemptionForm(AppForm):
    reason = _reason(
        "Why does the exemption end?",
        "For example, their job has changed.",
        "Enter why the exemption ends",
    )
    submit = SubmitField("End the exemption", widget=GovSubmitInput())


class ResetCoolDownForm(AppForm):
    reason = _reason(
        "Why are you resetting the pause?",
        "For example, they have had one-to-one help.",
        "Enter why you are resetting the pause",
    )
    submit = SubmitField("Let them try the quiz now", widget=GovSubmitInput())


class RevokeForm(AppForm):
    reason = _reason(
        "Why are you revoking this certificate?",
        "For example, it was issued in error. The public check page shows only the date.",
        "Enter why you are revoking this certificate",
    )
    submit = SubmitField("Revoke certificate", widget=GovSubmitInput())


class OfflineCompletionForm(AppForm):
    completed_on = DayMonthYearField(
        "Date they completed it",
        name_in_errors="Date they completed it",
        description="For example, 14 10 2026",
        validators=[_date_needed("Enter the date they completed it"), DateInRange()],
    )
    reason = _reason(
        "Evidence",
        "For example, 'Face-to-face session with the trainer; signed register held by HR'.",
        "Enter the evidence for this completion",
    )
    submit = SubmitField("Record completion", widget=GovSubmitInput())


class WithdrawCompletionForm(AppForm):
    reason = _reason(
        "Why are you withdrawing it?",
        "For example, it was recorded for the wrong person.",
        "Enter why you are withdrawing this completion",
    )
    submit = SubmitField("Withdraw completion", widget=GovSubmitInput())


class AssignForm(AppForm):
    module = SelectField("Module", widget=GovSelect(), choices=[])
    department = SelectField(
        "Department",
        widget=GovSelect(),
        choices=[],
        description="Everyone active in the department, or leave as it is and list people below.",
    )
    employee_numbers = TextAreaField(
        "Employee numbers",
        widget=GovTextArea(),
        filters=TRIM,
        description="One or more, separated by commas, spaces or new lines.",
    )
    due_on = DayMonthYearField(
        "Due date",
        name_in_errors="Due date",
        description="For example, 31 3 2027",
        validators=[_date_needed("Enter the due date"), DateInRange()],
    )
    submit = SubmitField("Assign module", widget=GovSubmitInput())


class HrUploadForm(AppForm):
    file = FileField(
        "HR file (CSV)",
        widget=GovFileInput(),
        description="Comma- or semicolon-separated, saved as UTF-8 or Windows text. Up to 5 MB.",
        validators=[FileRequired(message="Choose the HR file to upload")],
    )
    full_file = BooleanField(
        "This file lists every member of staff",
        widget=GovCheckboxInput(),
        description="People missing from it will be deactivated. Their records are kept.",
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ConfirmImportForm(AppForm):
    submit = SubmitField("Apply these changes", widget=GovSubmitInput())
