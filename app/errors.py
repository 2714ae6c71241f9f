"""Error pages in plain English, for every error the app can answer with."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from app.logging_setup import logged_path

log = logging.getLogger(__name__)

# status: (page title, paragraphs). Titles follow the GOV.UK error page patterns.
ERROR_PAGES: dict[int, tuple[str, tuple[str, ...]]] = {
    400: (
        "Sorry, there is a problem with your request",
        (
            "We could not understand what your browser sent.",
            "Go back, refresh the page and try again.",
        ),
    ),
    403: (
        "You do not have permission to see this page",
        (
            "Your account does not give you access to this page.",
            "If you think you should have access, contact your training officer.",
        ),
    ),
    404: (
        "Page not found",
        (
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
        ),
    ),
    405: (
        "Sorry, you cannot do that on this page",
        (
            "The page does not accept that kind of request.",
            "Go back to the page you were on and use its buttons and links.",
        ),
    ),
    413: (
        "The file or form you sent is too large",
        (
            "We did not save anything.",
            "Go back and send a smaller file.",
        ),
    ),
    429: (
        "You have done that too many times",
        (
            "We have paused this for a while to keep the service safe.",
            "Try again later.",
        ),
    ),
    503: (
        "The service is busy",
        (
            "Another task is changing the records just now, so we could not do this.",
            "Nothing was changed or downloaded. Try again in a minute.",
        ),
    ),
    500: (
        "Sorry, there is a problem with the service",
        (
            "Try again later.",
            "We did not save what you were doing when this happened.",
            "You may need to do it again.",
        ),
    ),
}


DATABASE_UNAVAILABLE = (
    "We cannot reach the training records just now, so we could not do this.",
    "Nothing was changed or downloaded. Try again in a few minutes.",
)


def _show_as_signed_out() -> None:
    """The page's header names the signed-in user; when the database could not say who
    that is (it is locked or down, often the very error being shown), the page is shown
    as to a visitor rather than failing in its turn."""
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()


def render_error(status: int, paragraphs: tuple[str, ...] | None = None) -> tuple[str, int]:
    title, default_paragraphs = ERROR_PAGES.get(status, ERROR_PAGES[500])
    try:
        current_user._get_current_object()
    except SQLAlchemyError:
        _show_as_signed_out()
    return (
        render_template(
            "errors/error.html",
            page_title=title,
            paragraphs=paragraphs or default_paragraphs,
            status=status,
        ),
        status,
    )


def _can_show_form_again() -> bool:
    """Only for a page that also shows its form (GET), and only when the browser says the
    form came from this site: a forged cross-site form is never shown pre-filled."""
    rule = request.url_rule
    if rule is None or "GET" not in (rule.methods or set()) or request.endpoint is None:
        return False
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return urlsplit(origin).netloc == request.host


class ServiceBusy(Exception):
    """A short write that a page needs (an audit entry, a rate-limit count) could not get
    the database's write lock in time: SQLite has one writer, and a long task (an HR
    import) may hold it. Answered 503 with Retry-After, not as an unexpected error."""


RETRY_BUSY_SECONDS = 60

SQLITE_BUSY, SQLITE_LOCKED = 5, 6
POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"  # a lock_timeout ran out
# Shutting down (admin, crash, cannot connect now) and too many connections.
_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300"}


def _database_trouble(error: OperationalError) -> str | None:
    """Which trouble it is: "busy" (another task holds the lock), "unavailable" (the server
    cannot be reached or cannot serve) or None (a mistake of ours: the ordinary 500)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        # SQLite reports a mistake in the SQL as an OperationalError too.
        return "busy" if code & 0xFF in {SQLITE_BUSY, SQLITE_LOCKED} else None
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == POSTGRESQL_LOCK_NOT_AVAILABLE:
        return "busy"
    if sqlstate is None:  # raised by the driver itself: a failed connection, or our mistake
        failed = error.connection_invalidated or "connect" in str(error.orig).lower()
        return "unavailable" if failed else None
    # The server is down, restarting or out of connections. Anything else (a deadlock, a
    # statement timeout, a limit we passed) is ours to fix: a 500 with its traceback.
    return "unavailable" if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE else None


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceBusy)
    def service_busy(error: ServiceBusy) -> tuple[str, int, dict]:
        log.warning("database busy", extra={"event": "database_busy", "path": logged_path()})
        page, status = render_error(503)
        return page, status, {"Retry-After": str(RETRY_BUSY_SECONDS)}

    @app.errorhandler(OperationalError)
    def database_error(error: OperationalError) -> ResponseReturnValue:
        # Often raised while loading the signed-in user (BEGIN IMMEDIATE waits for the
        # lock first), so the page does not ask the database again, and wait again.
        trouble = _database_trouble(error)
        if trouble is None:
            return unexpected_error(error)
        _show_as_signed_out()
        if trouble == "busy":
            return service_busy(ServiceBusy())
        log.error(
            "database unavailable",
            extra={"event": "database_unavailable", "path": logged_path(), "error": str(error)},
        )
        page, status = render_error(503, DATABASE_UNAVAILABLE)
        return page, status, {"Retry-After": str(RETRY_BUSY_SECONDS)}

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        log.warning("csrf failure", extra={"event": "csrf_failure", "reason": error.description})
        if _can_show_form_again():
            # Show the same form again, filled in with what the user typed, with a message
            # (see AppForm). Nothing is saved: the form refuses to validate.
            g.csrf_refused = True
            view = app.view_functions[request.endpoint]
            try:
                response = app.make_response(view(**(request.view_args or {})))
            except Exception as exc:
                # The view's own refusal (abort(404) for a module that is not there, a
                # 403), answered as it would have been with a good token: never a 500.
                return app.handle_user_exception(exc)
            if response.status_code // 100 != 3:
                response.status_code = 400  # a redirect (say, already signed in) stays one
            return response
        return render_error(
            400,
            (
                "This form had expired or had been sent from another page, so we did not save it.",
                "Go back, refresh the page and try again.",
            ),
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> Response:
        # No page can be built for a host we do not serve (url_for needs a trusted host).
        log.warning("untrusted host refused", extra={"event": "untrusted_host"})
        return Response("Bad request: unknown host name.", 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if status not in ERROR_PAGES:
            return error
        if status == 403:
            log.warning("forbidden", extra={"event": "forbidden", "path": logged_path()})
        page, status = render_error(status)
        # The exception's own headers (a 405's Allow) stay; the page is ours.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return page, status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        # Logged in full for us; the visitor sees only the plain page, never a traceback.
        log.exception("unhandled exception", extra={"event": "unhandled_exception"})
        return render_error(InternalServerError.code)
