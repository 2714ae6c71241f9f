"""Forms for signing in and managing your own password."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.forms import TRIM, AppForm

EMAIL_VALIDATORS = [
    InputRequired(message="Enter your email address"),
    Length(max=254, message="Email address must be 254 characters or fewer"),
]


class SignInForm(AppForm):
    email = EmailField(
        "Email address", widget=GovTextInput(), filters=TRIM, validators=EMAIL_VALIDATORS
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgottenPasswordForm(AppForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=TRIM,
        validators=[
            *EMAIL_VALIDATORS,
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


NEW_PASSWORD_HINT = "Use 8 characters or more. A few random words make a strong password."  # noqa: S105


def _new_password(label: str = "New password") -> PasswordField:
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description=NEW_PASSWORD_HINT,
        validators=[InputRequired(message="Enter a new password")],
    )


def _confirmation(of: str) -> PasswordField:
    return PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            EqualTo(of, message="The passwords do not match"),
        ],
    )


class NewPasswordForm(AppForm):
    password = _new_password()
    confirm = _confirmation("password")
    submit = SubmitField("Save password", widget=GovSubmitInput())


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    new_password = _new_password()
    confirm = _confirmation("new_password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SignOutForm(AppForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())
