"""Forms for signing in and managing your own password."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.forms import AppForm

EMAIL_VALIDATORS = [
    InputRequired(message="Enter your email address"),
    Length(max=254, message="Email address must be 254 characters or fewer"),
]


class SignInForm(AppForm):
    email = EmailField("Email address", widget=GovTextInput(), validators=EMAIL_VALIDATORS)
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
        validators=[
            *EMAIL_VALIDATORS,
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class NewPasswordForm(AppForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 8 characters or more. A few random words make a strong password.",
        validators=[InputRequired(message="Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class ChangePasswordForm(AppForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 8 characters or more. A few random words make a strong password.",
        validators=[InputRequired(message="Enter a new password")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            EqualTo("new_password", message="The passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
