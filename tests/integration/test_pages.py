"""The public pages and error pages, as a visitor sees them."""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.support import error_routes

PUBLIC_PAGES = {
    "/": "Online conduct training",
    "/accessibility": "Accessibility statement",
    "/privacy": "Privacy notice",
    "/cookies": "Cookies",
    "/sign-in": "Sign in",
}

# The crown, the GOV.UK logotype and Crown copyright belong to GOV.UK services only.
GOVUK_BRANDING = (
    "govuk-logo",
    "govuk-header__logotype",
    'aria-label="GOV.UK"',
    "Crown copyright",
    "crest",
    "govuk-footer__crown",
    "GDS Transport",
)


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES.items())
def test_public_pages_show_the_council_and_no_govuk_branding(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f">{heading}</h1>" in html
    assert "West Lothian Council" in html
    for mark in GOVUK_BRANDING:
        assert mark not in html, f"{path} shows {mark}"
    header = html[html.index("<header") : html.index("</header>")]
    assert "GOV.UK" not in header
    # The footer links every information page.
    for link in ('href="/accessibility"', 'href="/privacy"', 'href="/cookies"'):
        assert link in html


def test_organisation_name_comes_from_configuration(database_url):
    app = make_app(database_url, ORG_NAME="Midlothian Council")
    html = app.test_client().get("/").get_data(as_text=True)
    assert "Midlothian Council" in html
    assert "West Lothian Council" not in html


def test_start_page_explains_the_training_and_offers_sign_in(client):
    html = client.get("/").get_data(as_text=True)
    assert "Who must take it" in html
    assert "How long it takes" in html
    assert 'href="/sign-in"' in html


def test_start_and_information_pages_set_no_cookie(client):
    for path in ("/", "/accessibility", "/privacy", "/cookies"):
        assert "Set-Cookie" not in client.get(path).headers, path


def test_pages_work_without_javascript(client):
    # Scripts only enhance: the page's content and links are plain HTML.
    html = client.get("/").get_data(as_text=True)
    assert '<script type="module" src="/static/dist/app.mjs"></script>' in html
    assert "<noscript" not in html


@pytest.fixture
def error_client(database_url):
    app = error_routes.register(make_app(database_url))
    return app.test_client()


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        (400, "Sorry, there is a problem with your request"),
        (403, "You do not have permission to see this page"),
        (404, "Page not found"),
        (405, "Sorry, you cannot do that on this page"),
        (413, "The file or form you sent is too large"),
        (500, "Sorry, there is a problem with the service"),
    ],
)
def test_error_pages_are_plain_english(error_client, code, heading):
    response = error_client.get(f"/__test__/error/{code}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert f">{heading}</h1>" in html
    assert "West Lothian Council" in html


def test_unknown_page_is_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "Sorry, you cannot do that on this page" in response.get_data(as_text=True)


def test_too_large_a_request_is_413(database_url):
    app = make_app(database_url, MAX_CONTENT_LENGTH=1024, WTF_CSRF_ENABLED=False)
    response = app.test_client().post("/sign-in", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_an_exception_gives_a_plain_500_without_details(error_client):
    response = error_client.get("/__test__/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    for leak in ("secret-detail", "Traceback", "config.py", "SELECT", "RuntimeError"):
        assert leak not in html


def test_debug_console_is_not_there(client):
    assert client.get("/console").status_code == 404
