"""The base form every page's form uses."""

from __future__ import annotations

from flask import g
from flask_wtf import FlaskForm

CSRF_EXPIRED_MESSAGE = (
    "We did not save this because the page had been open too long or you had been "
    "signed out. Check your answers and send them again."
)


def strip(value):
    return value.strip() if isinstance(value, str) else value


TRIM = [strip]  # a field's filters: what a person typed, without the spaces around it


class LinkedError(str):
    """A form-level error whose error-summary link goes to a given element (such as one
    row of a check page) instead of the form's first field."""

    href: str

    def __new__(cls, text: str, href: str) -> LinkedError:
        error = super().__new__(cls, text)
        error.href = href
        return error


class AppForm(FlaskForm):
    """A FlaskForm that, when its CSRF token was refused, shows the form again with what
    the user typed (see app.errors) instead of accepting it."""

    def validate_on_submit(self, extra_validators=None) -> bool:  # type: ignore[override]
        if g.get("csrf_refused"):
            self.form_errors.append(CSRF_EXPIRED_MESSAGE)
            return False
        return super().validate_on_submit(extra_validators)
