"""Security headers, the CSP nonce, trusted hosts, the proxy-aware client address, and
input no field can take."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, make_response, request
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

from app.errors import render_error

NONCE_BYTES = 16
UNSIZED_BODY_MESSAGE = (
    "What you sent did not say how large it was, so nothing was read or saved.",
    "Send it again from the page's own form.",
)
NULL_CHARACTER_MESSAGE = (
    "What you sent contains a character that cannot be stored (a null character), "
    "so nothing was saved or searched.",
    "Go back, remove it and try again.",
)


def no_store(view: Callable[..., Any]) -> Callable[..., Any]:
    """Route decorator: no browser or proxy may keep this response, even for a visitor who
    is not signed in (signed-in pages get this anyway): it names a person, shows a
    certificate's current status, or sits at a URL that carries a live link."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper


def _has_null_character(values: MultiDict) -> bool:
    return any("\x00" in value for _, value in values.items(multi=True))


def _file_name_has_null_character(files: MultiDict) -> bool:
    return any("\x00" in (upload.filename or "") for _, upload in files.items(multi=True))


def csp_nonce() -> str:
    """One nonce per response, made on first use so that plain responses need none."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return g.csp_nonce


def content_security_policy(nonce: str | None) -> str:
    script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _lower_case_host(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    def lower_case_host(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if "HTTP_HOST" in environ:
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        return wsgi_app(environ, start_response)

    return lower_case_host


def init_app(app: Flask) -> None:
    # Host names are case-insensitive, but Werkzeug compares them with TRUSTED_HOSTS as
    # written: both sides in lower case. Inside ProxyFix, so a forwarded host is too.
    if app.config["TRUSTED_HOSTS"]:
        app.config["TRUSTED_HOSTS"] = [host.lower() for host in app.config["TRUSTED_HOSTS"]]
    app.wsgi_app = _lower_case_host(app.wsgi_app)
    if app.config["PROXY_FIX_COUNT"] > 0:
        count = app.config["PROXY_FIX_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    elif app.config["APP_ENV"] == "production" and app.config["BASE_URL"].startswith("https:"):
        # An https address served by a plain-HTTP app means a proxy in front. Without
        # trusting its headers every visitor has the proxy's address: the per-address
        # limits become one limit for everyone, and HSTS is never sent.
        logging.getLogger(__name__).warning(
            "BASE_URL is https but PROXY_FIX_COUNT is 0: set PROXY_FIX_COUNT=1 behind a proxy",
            extra={"event": "proxy_not_trusted"},
        )

    app.jinja_env.globals["csp_nonce"] = csp_nonce

    def refuse_unsized_bodies() -> tuple[str, int] | None:
        # MAX_CONTENT_LENGTH can refuse a body only when the request says its length: a
        # chunked one (no browser sends our forms so) would be cut off at the limit and the
        # truncated form acted on. Refused before anything (CSRF included) reads the body.
        if request.content_length is None and "chunked" in (
            request.headers.get("Transfer-Encoding", "").lower()
        ):
            return render_error(413, UNSIZED_BODY_MESSAGE)
        return None

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unsized_bodies)

    @app.before_request
    def refuse_null_characters() -> tuple[str, int] | None:
        # No field, filter or uploaded file's name of ours needs one, and PostgreSQL's text
        # cannot hold one (the query would fail): refuse it before anything reads it.
        if _has_null_character(request.args) or (
            request.method == "POST"
            and (_has_null_character(request.form) or _file_name_has_null_character(request.files))
        ):
            return render_error(400, NULL_CHARACTER_MESSAGE)
        return None

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(g.get("csp_nonce"))
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # is_anonymous reads no column, so it costs no query after the request committed.
        signed_in_user = g.get("_login_user")
        if signed_in_user is not None and not signed_in_user.is_anonymous:
            headers["Cache-Control"] = "no-store"
        return response
