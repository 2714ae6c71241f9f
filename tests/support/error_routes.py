"""Test-only routes that produce each error status, registered only on test apps."""

from __future__ import annotations

from flask import Blueprint, Flask, abort

from app.auth.permissions import public

bp = Blueprint("testing", __name__, url_prefix="/__test__")


@bp.get("/error/<int:code>")
@public
def error(code: int):
    abort(code)


@bp.get("/crash")
@public
def crash():
    # Looks like a leak if it ever reached the page.
    raise RuntimeError("secret-detail: /srv/app/config.py SELECT password_hash FROM user_account")


def register(app: Flask) -> Flask:
    app.register_blueprint(bp)
    return app
