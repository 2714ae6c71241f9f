"""The one definition of the content formats: modules, lessons, scenarios, question banks.

Content is data, validated by these pydantic models when the app starts and by
`flask content check`. Unknown fields are errors, so a typo never passes silently.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=80)]
Text = Annotated[str, Field(min_length=1)]
ItemRef = Annotated[str, Field(pattern=r"^(lesson|scenario):[a-z0-9]+(?:-[a-z0-9]+)*$")]

# HR fields an audience rule may name, and the values each accepts.
PROFESSIONAL_BODIES = ("none", "SSSC", "GTCS", "HCPC", "other")
HR_FIELDS = ("regulated_role", "professional_body")


class Strict(BaseModel):
    # strict: "2" is not a number and "yes" is not true; a value of the wrong kind is
    # reported, not quietly converted.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, strict=True)


# Versions are stored in 32-bit columns; no real content comes near this.
Version = Annotated[int, Field(ge=1, le=10_000)]


class Source(Strict):
    title: Text
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]


class AudienceCondition(Strict):
    """One condition on a person's HR fields; a person matches when every field given matches."""

    regulated_role: bool | None = None
    professional_body: list[Literal["none", "SSSC", "GTCS", "HCPC", "other"]] | None = None

    def matches(self, *, regulated_role: bool, professional_body: str) -> bool:
        if self.regulated_role is not None and regulated_role != self.regulated_role:
            return False
        return self.professional_body is None or professional_body in self.professional_body


class Audience(Strict):
    """Who a module is for: everyone, or anyone matching any of the conditions."""

    any_of: list[AudienceCondition] = Field(min_length=1)

    def matches(self, *, regulated_role: bool, professional_body: str) -> bool:
        return any(
            c.matches(regulated_role=regulated_role, professional_body=professional_body)
            for c in self.any_of
        )


class Module(Strict):
    id: Slug
    order: Annotated[int, Field(ge=1, le=1000)]
    title: Text
    summary: Text
    version: Version
    audience: Literal["everyone"] | Audience
    estimated_minutes: Annotated[int, Field(ge=1, le=240)]
    refresher_minutes: Annotated[int, Field(ge=1, le=240)]
    certificate_validity_months: Annotated[int, Field(ge=1, le=60)] = 12
    # A new starter's induction is due this many days after their start date.
    induction_due_days: Annotated[int, Field(ge=1, le=365)] = 28
    induction_path: list[ItemRef] = Field(min_length=1)
    refresher_path: list[ItemRef] = Field(min_length=1)
    quiz_bank: Slug
    policy_sections: list[Text] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)

    def is_for(self, *, regulated_role: bool, professional_body: str) -> bool:
        if self.audience == "everyone":
            return True
        return self.audience.matches(
            regulated_role=regulated_role, professional_body=professional_body
        )


class LessonFrontMatter(Strict):
    id: Slug
    title: Text


Outcome = Literal["best", "acceptable", "poor"]


class Choice(Strict):
    id: Slug
    text: Text
    outcome: Outcome
    feedback: Text
    next: Slug


class ContentNode(Strict):
    type: Literal["content"]
    text: Text
    next: Slug


class DecisionNode(Strict):
    type: Literal["decision"]
    question: Text
    text: str = ""
    choices: list[Choice] = Field(min_length=2)

    @field_validator("choices")
    @classmethod
    def choice_ids_unique(cls, choices: list[Choice]) -> list[Choice]:
        ids = [c.id for c in choices]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"choice ids must be unique in a decision: {', '.join(duplicates)}")
        return choices


class EndNode(Strict):
    type: Literal["end"]
    title: Text
    text: Text


Node = Annotated[ContentNode | DecisionNode | EndNode, Field(discriminator="type")]


class Scenario(Strict):
    id: Slug
    title: Text
    role: Text
    setting: Text
    start: Slug
    nodes: dict[Annotated[str, Field(pattern=SLUG)], Node] = Field(min_length=1)


def is_slug(value: str) -> bool:
    return re.fullmatch(SLUG, value) is not None


# --- The policy the modules teach ---------------------------------------------------------


class Policy(Strict):
    """content/policy.yaml: the policy version a learner acknowledges after passing."""

    title: Text
    version: Version
    approved: Text
    document_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    summary: Text


# --- Question banks (quizzes/<module-id>.yaml) --------------------------------------------

QuestionType = Literal["single", "multiple", "true_false"]


class QuizSettings(Strict):
    questions_per_attempt: Annotated[int, Field(ge=1, le=50)]
    pass_mark_percent: Annotated[int, Field(ge=1, le=100)]
    attempts_before_cool_down: Annotated[int, Field(ge=1, le=20)]
    cool_down_hours: Annotated[int, Field(ge=0, le=24 * 30)]


class Option(Strict):
    id: Slug
    text: Text
    correct: bool = False
    feedback: Text


class Question(Strict):
    id: Slug
    type: QuestionType
    lesson: Slug
    tags: list[Slug] = Field(min_length=1)
    stem: Text
    options: list[Option]
    explanation: Text

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)


class QuestionBank(Strict):
    module: Slug
    settings: QuizSettings
    tags: dict[Annotated[str, Field(pattern=SLUG)], Text] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
