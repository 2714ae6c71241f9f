"""Who may use each route.

Every view carries exactly one access rule, set by one of these decorators. A test
walks the URL map and fails when an endpoint has none, so a new route cannot be
added without deciding who may use it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, url_for
from flask_login import current_user

ACCESS_RULE_ATTR = "access_rule"

PUBLIC = "public"
SIGNED_IN = "signed_in"
TRAINING_OFFICER = "training_officer"
ADMINISTRATOR = "administrator"

RULES = (PUBLIC, SIGNED_IN, TRAINING_OFFICER, ADMINISTRATOR)


def _mark(view: Callable[..., Any], rule: str) -> Callable[..., Any]:
    setattr(view, ACCESS_RULE_ATTR, rule)
    return view


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Anyone, signed in or not."""
    return _mark(view, PUBLIC)


def _require(rule: str, allowed: Callable[[Any], bool]) -> Callable[..., Any]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapper, rule)

    return decorator


signed_in = _require(SIGNED_IN, lambda user: True)
training_officer = _require(
    TRAINING_OFFICER, lambda user: user.is_training_officer or user.is_administrator
)
administrator = _require(ADMINISTRATOR, lambda user: user.is_administrator)


def rule_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, ACCESS_RULE_ATTR, None)
