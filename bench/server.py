"""The app as the benchmark serves it: the real one, plus one route only the benchmark has.

That route is the floor under every signed-in form: it checks the session, the signed-in
person and the form token, opens and commits a write transaction, and redirects, but
changes nothing. A quiz submission can cost no less, so the bench reports the floor beside
it (what a submission adds is its own work).
"""

from __future__ import annotations

from flask import Flask, redirect

from app import create_app as create_real_app
from app.auth.permissions import signed_in
from app.database import transactional

FLOOR_PATH = "/bench/signed-in-post"


@signed_in
@transactional
def _signed_in_post():
    return redirect("/healthz")


def with_floor(app: Flask) -> Flask:
    app.add_url_rule(FLOOR_PATH, "bench_signed_in_post", _signed_in_post, methods=["POST"])
    return app


def create_app() -> Flask:
    """gunicorn's entry point for the benchmark (`bench.server:create_app()`)."""
    return with_floor(create_real_app())
