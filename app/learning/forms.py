"""Forms of the lesson and scenario player."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.validators import InputRequired

from app.forms import AppForm


class CompleteLessonForm(AppForm):
    submit = SubmitField("Continue", widget=GovSubmitInput())


class StartScenarioForm(AppForm):
    submit = SubmitField("Start scenario", widget=GovSubmitInput())


class ContinueForm(AppForm):
    node = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class DecisionForm(AppForm):
    node = HiddenField()
    choice = RadioField(
        "",
        widget=GovRadioInput(),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(message="Select what you would do")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
