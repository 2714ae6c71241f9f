"""Start page, home, health checks and the information pages in the footer."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user

from app import catalogue
from app.auth.permissions import public, signed_in
from app.learning import services as learning
from app.learning.urls import item_url
from app.main import services
from app.models.base import today
from app.quizzes import services as quizzes

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def start() -> str:
    return render_template("main/start.html")


@bp.get("/home")
@signed_in
def home() -> str:
    states = learning.states_for(current_user, with_duties=True)
    return render_template(
        "main/home.html",
        states=states,
        quiz_steps=quizzes.next_steps(current_user, states),
        item_url=item_url,
        today=today(),
    )


@bp.get("/healthz")
@public
def healthz() -> Response:
    # No database, no session, no template: a load balancer's and a benchmark's baseline.
    return Response("OK", mimetype="text/plain")


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    ready = services.database_is_ready()
    return Response("OK" if ready else "Database unavailable", mimetype="text/plain"), (
        200 if ready else 503
    )


@bp.get("/policy")
@public
def policy() -> str:
    return render_template(
        "main/policy.html", policy=catalogue.get().policy, modules=catalogue.get().in_order()
    )


@bp.get("/accessibility")
@public
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.get("/privacy")
@public
def privacy() -> str:
    return render_template("main/privacy.html")


@bp.get("/cookies")
@public
def cookies() -> str:
    return render_template("main/cookies.html")
