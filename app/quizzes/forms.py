"""Forms of the quiz: one question per page, check your answers, acknowledgement."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, HiddenField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired

from app.forms import AppForm


class StartQuizForm(AppForm):
    submit = SubmitField("Start the quiz", widget=GovSubmitInput())


class AnswerForm(AppForm):
    # Radios and checkboxes both post `answer`; the service checks the choice is allowed.
    answer = SelectMultipleField(choices=[], validate_choice=False)
    # The question the page showed: if the bank changed under an open page, the number in
    # the address may now be another question, and the answer must not go to it.
    question = HiddenField()

    def validate_for(self, question_type: str) -> bool:
        if not self.validate_on_submit():
            return False
        if not self.answer.data:
            self.answer.errors = [
                "Select all the answers that apply"
                if question_type == "multiple"
                else "Select an answer"
            ]
            return False
        return True


class SubmitAnswersForm(AppForm):
    submit = SubmitField("Submit your answers", widget=GovSubmitInput())


class AcknowledgeForm(AppForm):
    confirm = BooleanField(
        "",
        widget=GovCheckboxInput(),
        validators=[
            DataRequired(
                message="Confirm that you have read and understood the policy to get your "
                "certificate"
            )
        ],
    )
    # The policy version the page showed: a confirmation counts only for that version.
    policy_version = HiddenField()
    submit = SubmitField("Confirm and get my certificate", widget=GovSubmitInput())
