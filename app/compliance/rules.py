"""The compliance rules as pure functions: due dates and the status of one person's module.

A person is compliant for a module while they hold a valid certificate (or a completion
recorded from elsewhere that has not lapsed). Exempt people are left out of the figures.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta


class Status(enum.StrEnum):
    COMPLIANT = "Compliant"
    EXPIRING = "Expiring"
    EXPIRED = "Expired"
    OVERDUE = "Overdue"
    IN_PROGRESS = "In progress"
    NOT_STARTED = "Not started"
    EXEMPT = "Exempt"

    @property
    def counts_as_compliant(self) -> bool:
        return self in (Status.COMPLIANT, Status.EXPIRING)

    @property
    def tag_colour(self) -> str:
        return {
            "Compliant": "govuk-tag--green",
            "Expiring": "govuk-tag--yellow",
            "Expired": "govuk-tag--red",
            "Overdue": "govuk-tag--red",
            "In progress": "govuk-tag--light-blue",
            "Not started": "govuk-tag--grey",
            "Exempt": "govuk-tag--purple",
        }[self.value]


def first_due_date(
    *, today: date, start_date: date | None, induction_days: int, campaign_due: date | None
) -> date:
    """When a newly assigned module is due.

    A new starter (still inside their induction period) has it due `induction_days` after
    their start date; anyone else by the campaign date the officer set, or else
    `induction_days` from today.
    """
    if start_date is not None and start_date + timedelta(days=induction_days) >= today:
        return start_date + timedelta(days=induction_days)
    return campaign_due or today + timedelta(days=induction_days)


@dataclass(frozen=True)
class Standing:
    status: Status
    due_on: date | None  # the date that matters now: due date, or expiry for certificates


def standing(
    *,
    today: date,
    due_on: date,
    extended_to: date | None,
    valid_until: date | None,
    exempt: bool,
    started: bool,
    renewal_window_days: int,
) -> Standing:
    """The status of one person's module on `today`.

    `valid_until` is the expiry of their latest certificate or recorded completion (None if
    they never had one, or it was revoked); `extended_to` is an officer's extension.
    """
    if exempt:
        return Standing(Status.EXEMPT, None)
    if valid_until is not None and today < valid_until:
        if today >= valid_until - timedelta(days=renewal_window_days):
            return Standing(Status.EXPIRING, valid_until)
        return Standing(Status.COMPLIANT, valid_until)
    if valid_until is not None:
        return Standing(Status.EXPIRED, max(valid_until, extended_to or valid_until))
    due = max(due_on, extended_to) if extended_to else due_on
    if today > due:
        return Standing(Status.OVERDUE, due)
    return Standing(Status.IN_PROGRESS if started else Status.NOT_STARTED, due)
