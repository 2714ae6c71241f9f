"""The public verify form."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from app.certificates import codes
from app.forms import TRIM, AppForm

SHAPE_MESSAGE = "A certificate code is 16 letters and numbers, for example 7KQ2-M9XD-4HRT-B8WC"


class VerifyForm(AppForm):
    code = StringField(
        "Certificate code",
        widget=GovTextInput(),
        filters=TRIM,
        validators=[DataRequired(message="Enter the certificate code")],
        description="It is on the certificate, for example 7KQ2-M9XD-4HRT-B8WC.",
    )
    submit = SubmitField("Check certificate", widget=GovSubmitInput())

    def validate_code(self, field: StringField) -> None:
        # Something that cannot be a code is told so here; a well-formed code that no
        # certificate has is told so by the verify page, which reveals nothing more.
        if codes.normalise(field.data) is None:
            raise ValidationError(SHAPE_MESSAGE)

    @property
    def normalised_code(self) -> str:
        return codes.display(codes.normalise(self.code.data))
