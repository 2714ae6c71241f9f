"""Template helpers shared by every page."""

from __future__ import annotations

from typing import Any

from flask import Flask
from wtforms import Form

from app.admin import presenters
from app.certificates import codes
from app.models.base import local_date
from app.quizzes import wording


def error_summary(form: Form) -> dict[str, Any]:
    """Parameters for govukErrorSummary: one entry per field in error, linked to the field,
    and form-level errors (such as a refused CSRF token) linked to the first field, or
    where a LinkedError says."""
    fields = [field for field in form if field.type not in {"CSRFTokenField", "SubmitField"}]
    # A hidden field has no element to land on: its errors, like the form's, go to the
    # first field a person can see (or the page's main content when there is none).
    visible = [field for field in fields if field.type != "HiddenField"]
    first_id = _first_input_id(visible[0]) if visible else "main-content"
    items = [
        {"text": message, "href": getattr(message, "href", f"#{first_id}")}
        for message in form.form_errors
    ]
    for field in fields:
        if field.errors:
            target = _first_input_id(field) if field in visible else first_id
            items.append({"text": field.errors[0], "href": f"#{target}"})
    return {"titleText": "There is a problem", "errorList": items}


def _first_input_id(field: Any) -> str:
    # GOV.UK radios and checkboxes give their first input the field's own id.
    return field.id


def has_errors(form: Form | None) -> bool:
    return bool(form is not None and (form.form_errors or any(f.errors for f in form)))


def init_app(app: Flask) -> None:
    app.add_template_global(error_summary)
    app.add_template_global(has_errors)
    app.add_template_global(wording.lapsed_pass, "explain_lapsed_pass")
    app.add_template_filter(presenters.local_time, "datetime")
    app.add_template_filter(presenters.long_date, "long_date")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(codes.display, "certificate_code")
