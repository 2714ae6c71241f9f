"""Error pages in plain English, for every error the app can answer with."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
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


def render_error(status: int, paragraphs: tuple[str, ...] | None = None) -> tuple[str, int]:
    title, default_paragraphs = ERROR_PAGES.get(status, ERROR_PAGES[500])
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


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceBusy)
    def service_busy(error: ServiceBusy) -> tuple[str, int, dict]:
        log.warning("database busy", extra={"event": "database_busy", "path": logged_path()})
        page, status = render_error(503)
        return page, status, {"Retry-After": str(RETRY_BUSY_SECONDS)}

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        log.warning("csrf failure", extra={"event": "csrf_failure", "reason": error.description})
        if _can_show_form_again():
            # Show the same form again, filled in with what the user typed, with a message
            # (see AppForm). Nothing is saved: the form refuses to validate.
            g.csrf_refused = True
            view = app.view_functions[request.endpoint]
            response = app.make_response(view(**(request.view_args or {})))
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
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        status = error.code or 500
        if status not in ERROR_PAGES:
            return error
        if status == 403:
            log.warning("forbidden", extra={"event": "forbidden", "path": logged_path()})
        return render_error(status)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        # Logged in full for us; the visitor sees only the plain page, never a traceback.
        log.exception("unhandled exception", extra={"event": "unhandled_exception"})
        return render_error(InternalServerError.code)
