"""The public verify form."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from app.forms import AppForm


class VerifyForm(AppForm):
    code = StringField(
        "Certificate code",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the certificate code"),
            Length(max=40, message="A certificate code is 16 letters and numbers"),
        ],
        description="It is on the certificate, for example 7KQ2-M9XD-4HRT-B8WC.",
    )
    submit = SubmitField("Check certificate", widget=GovSubmitInput())
