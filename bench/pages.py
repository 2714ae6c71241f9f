"""The pages the benchmark knows about. Later features add theirs here.

`as_user` names a demo account to sign in as (None: anonymous).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    as_user: str | None = None


BASELINE = Page("health check (baseline)", "/healthz")

LEARNER = "learner@example.org"
ADMIN = "admin@example.org"
OFFICER = "officer@example.org"
STAFF = "staff@example.org"  # holds last year's certificates (demo history)

# The first module's first lesson and first scenario (a decision page), a quiz question,
# a certificate PDF, the verify page and quiz submissions are added by bench/run.py, since
# their paths come from the content and the seeded data.
PAGES = (
    Page("start page", "/"),
    Page("accessibility statement", "/accessibility"),
    Page("sign-in page", "/sign-in"),
    Page("your training (signed in)", "/home", as_user=LEARNER),
    Page("your account", "/account", as_user=LEARNER),
    Page("users list (admin)", "/admin/users", as_user=ADMIN),
    Page("audit log (officer)", "/admin/audit-log", as_user=OFFICER),
)
