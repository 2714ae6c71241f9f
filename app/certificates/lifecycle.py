"""The certification life-cycle (DESIGN §6), as pure functions of dates.

A certificate is valid until its expiry date (from that day on it has expired), unless it
has been revoked or superseded by a newer one. A person's module is *expiring* inside the
renewal window before expiry: the module comes back with its refresher path, in a new cycle.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta


class CertificateStatus(enum.StrEnum):
    VALID = "Valid"
    EXPIRED = "Expired"
    REVOKED = "Revoked"
    SUPERSEDED = "Superseded"


def certificate_status(
    *,
    expires_on: date,
    revoked_at: datetime | None,
    superseded_at: datetime | None,
    today: date,
) -> CertificateStatus:
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if superseded_at is not None:
        return CertificateStatus.SUPERSEDED
    if today >= expires_on:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


class Standing(enum.StrEnum):
    """Where a person stands with a module's certification."""

    NONE = "none"  # never certified
    CERTIFIED = "certified"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Cycle:
    number: int
    path: str  # "induction" or "refresher"
    standing: Standing

    @property
    def needs_learning(self) -> bool:
        return self.standing is not Standing.CERTIFIED


def cycle_for(
    *,
    latest_cycle: int | None,
    expires_on: date | None,
    revoked: bool,
    today: date,
    renewal_window_days: int,
) -> Cycle:
    """The cycle a person is in, given their latest certificate for the module (if any)."""
    if latest_cycle is None or expires_on is None:
        return Cycle(1, "induction", Standing.NONE)
    if revoked:
        return Cycle(latest_cycle + 1, "refresher", Standing.REVOKED)
    if today >= expires_on:
        return Cycle(latest_cycle + 1, "refresher", Standing.EXPIRED)
    if today >= expires_on - timedelta(days=renewal_window_days):
        return Cycle(latest_cycle + 1, "refresher", Standing.EXPIRING)
    return Cycle(
        latest_cycle, "induction" if latest_cycle == 1 else "refresher", Standing.CERTIFIED
    )


def certified_until(passed_on: date, validity_months: int) -> date:
    """The expiry of a certificate for a pass on `passed_on`: its validity counts from the
    quiz, so confirming the policy late does not stretch what the pass certifies."""
    return add_months(passed_on, validity_months)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(start)  # pragma: no cover - 28 always exists
