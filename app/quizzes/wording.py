"""Sentences about a person's quiz that several pages say in the same words."""

from __future__ import annotations

from app.admin.presenters import long_date
from app.models.base import local_date


def lapsed_pass(module, attempt) -> str:
    """Why a pass never confirmed no longer counts: said where the learner is (home, the
    module page, the quiz and result pages) and when a late confirmation is refused."""
    months = module.spec.certificate_validity_months
    passed_on = long_date(local_date(attempt.submitted_at))
    return (
        f"You passed this quiz on {passed_on}, but did not confirm the "
        f"policy. A certificate lasts {months} months from the pass, so that pass is too old "
        "to certify. Take the quiz again to get your certificate."
    )
