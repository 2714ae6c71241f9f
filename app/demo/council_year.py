"""A believable year for the demo council's dashboard: most staff certified, some overdue,
some expiring, a few exemptions and completions recorded from elsewhere.

Runs after the sign-in accounts' own history (app.demo.history) and leaves those accounts
alone, so each of them still shows the state the README describes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from app import catalogue
from app.compliance import corrections, standings
from app.compliance import services as compliance
from app.demo.history import _at, _attempt, _certify, _complete_learning
from app.demo.people import SIGN_IN_ACCOUNTS
from app.extensions import db
from app.models import Assignment, Certificate, User


def seed_year(today: date, rng: random.Random) -> int:
    """Give the demo staff a year of training; returns how many certificates it issued."""
    if db.session.scalar(select(Assignment.id).limit(1)) is not None:
        return 0  # already done
    officer = db.session.scalar(select(User).where(User.email == "officer@example.org"))
    compliance.sync_assignments(campaign_due=today - timedelta(days=150), on=today)
    accounts = {a.email for a in SIGN_IN_ACCOUNTS}
    modules = catalogue.get().modules
    held = {
        (user_id, module_id)
        for user_id, module_id in db.session.execute(
            select(Certificate.user_id, Certificate.module_id)
        )
    }
    issued = 0
    staff = db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id))
    for person in staff:
        if person.email in accounts:
            continue
        new_starter = person.start_date is not None and person.start_date > today - timedelta(60)
        for (module_id,) in db.session.execute(
            select(Assignment.module_id).where(Assignment.user_id == person.id)
        ):
            if (person.id, module_id) in held or new_starter or module_id not in modules:
                continue
            module = modules[module_id]
            roll = rng.random()
            if roll < 0.72:  # certified at some point in the last year (some now expiring)
                when = _at(today - timedelta(days=rng.randint(20, 355)))
                _complete_learning(person, module, when)
                attempt = _attempt(person, module, when, right=True, rng=rng)
                _certify(person, module, attempt, when)
                issued += 1
            elif roll < 0.76 and officer is not None:
                corrections.exempt(officer, person, module_id, "Does not use council systems")
            elif roll < 0.80 and officer is not None:
                corrections.record_offline_completion(
                    officer,
                    person,
                    module_id,
                    today - timedelta(days=rng.randint(30, 200)),
                    "Face-to-face session; signed register held by the training team",
                    today=today,
                )
            # the rest are overdue: their campaign was due 150 days ago
    db.session.flush()
    standings.refresh_all()  # the certificates above were written directly
    return issued
