"""Sign in and sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import services
from app.auth.forms import SignInForm
from app.auth.permissions import public
from app.database import transactional

bp = Blueprint("auth", __name__)


def safe_next_path(target: str | None) -> str | None:
    """Only a path on this site: never a scheme, a host, or a backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@transactional
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session: nothing from before sign-in survives
            login_user(user)
            return redirect(safe_next_path(request.args.get("next")) or url_for("main.home"))
        form.password.errors.append("Enter a correct email address and password")
    return render_template("auth/sign_in.html", form=form, page_title="Sign in")


@bp.post("/sign-out")
@public
def sign_out() -> Response:
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("main.start"))
