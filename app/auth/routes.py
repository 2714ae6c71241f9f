"""Signing in and out, forgotten passwords, invitation links and your account."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import services
from app.auth.forms import (
    ChangePasswordForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    SignInForm,
    SignOutForm,
)
from app.auth.permissions import public, signed_in
from app.database import transactional
from app.http_hardening import no_store
from app.models import TokenPurpose

bp = Blueprint("auth", __name__)

SIGN_IN_ERROR = "Enter a correct email address and password"


def too_many_from_address(minutes: int) -> str:
    return (
        "There have been too many failed sign-ins from your network. "
        f"Try again in {minutes} minute{'' if minutes == 1 else 's'}."
    )


def _limited_answers_429(view: Callable[..., Any]) -> Callable[..., Any]:
    """A sign-in refused by the per-address limit is answered 429 with Retry-After, as the
    other limits are. `transactional` rolls back any answer of 400 or more, which would
    lose the refused attempt's audit record, so the view answers 200 (committed) and the
    status is set here, outside it."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        wait = g.pop("sign_in_retry_after", None)
        if wait is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(wait)
        return response

    return wrapper


def safe_next_path(target: str | None) -> str | None:
    """Only a path on this site: never a scheme, a host, or a backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@_limited_answers_429
@transactional
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None:
            services.start_session(result.user)
            login_user(result.user)
            return redirect(safe_next_path(request.args.get("next")) or url_for("main.home"))
        if result.retry_after is not None:
            g.sign_in_retry_after = result.retry_after
            # The page says no less than the real wait.
            form.email.errors = [too_many_from_address(math.ceil(result.retry_after / 60))]
        else:
            # One message whatever went wrong, so that nobody learns which accounts exist.
            form.email.errors = [SIGN_IN_ERROR]
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["GET", "POST"])
@public
@transactional
def sign_out() -> str | Response:
    """The header's button posts here. A tab left open from before the person signed in
    again holds an old form token: the refusal shows this page, whose button works."""
    form = SignOutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.sign_out(current_user._get_current_object())
        logout_user()
        services.clear_session()
        flash("You have signed out.", "success")
        return redirect(url_for("main.start"))
    if not current_user.is_authenticated:
        return redirect(url_for("main.start"))
    return render_template("auth/sign_out.html", form=form)


@bp.route("/forgotten-password", methods=["GET", "POST"])
@public
@transactional
def forgotten_password() -> str | Response:
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, request.remote_addr)
        return redirect(url_for("auth.reset_link_sent"))
    return render_template("auth/forgotten_password.html", form=form)


@bp.get("/forgotten-password/sent")
@public
def reset_link_sent() -> str:
    return render_template("auth/reset_link_sent.html")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
@no_store
@transactional
def reset_password(token: str) -> str | Response:
    return _set_password_page(token, TokenPurpose.PASSWORD_RESET)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
@no_store
@transactional
def set_password(token: str) -> str | Response:
    return _set_password_page(token, TokenPurpose.INVITATION)


def _set_password_page(token: str, purpose: TokenPurpose) -> str | Response | tuple[str, int]:
    user = services.user_for_token(token, purpose)
    if user is None:
        return render_template("auth/link_expired.html", purpose=purpose.value), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        result = services.set_password_with_token(token, purpose, form.password.data)
        if result.ok:
            if current_user.is_authenticated:
                logout_user()
            services.clear_session()
            flash("Your password has been saved. You can now sign in.", "success")
            return redirect(url_for("auth.sign_in"))
        if result.error_field == "token":
            return render_template("auth/link_expired.html", purpose=purpose.value), 404
        form.password.errors = [result.error]
    return render_template("auth/set_password.html", form=form, user=user, purpose=purpose.value)


@bp.get("/account")
@signed_in
def account() -> str:
    return render_template("auth/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
@transactional
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        result = services.change_password(user, form.current_password.data, form.new_password.data)
        if result.ok:
            # Every other session has ended; this one carries on under the new identity.
            services.start_session(user)
            login_user(user)
            flash(
                "Your password has been changed. Any other sessions have been signed out.",
                "success",
            )
            return redirect(url_for("auth.account"))
        getattr(form, result.error_field).errors = [result.error]
    return render_template("auth/change_password.html", form=form)
