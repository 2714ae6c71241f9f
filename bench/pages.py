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

PAGES = (
    Page("start page", "/"),
    Page("accessibility statement", "/accessibility"),
    Page("sign-in page", "/sign-in"),
    Page("your training (signed in)", "/home", as_user="learner@example.org"),
)
