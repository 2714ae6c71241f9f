"""Certificate details: the PDFs' title and what the accessibility statement says of them,
and the public check page (its rate-limit wait, first arrival, codes typed on any keyboard)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from app.certificates import codes
from app.extensions import db
from app.models import Certificate
from app.models.base import utcnow
from tests.support.page_checks import visible_text
from tests.support.quizzes import certify


def _catalog(data: bytes):
    return PdfReader(io.BytesIO(data)).trailer["/Root"]


def test_the_accessibility_statement_says_the_pdfs_are_not_tagged(app, client_as, client, people):
    """reportlab's open-source edition writes no structure tree, so neither PDF is tagged:
    the statement must say so (not claim "tagged text"), name both PDFs, the criterion it
    fails, the web pages with the same information and how to ask for another format."""
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    for path in (f"/certificates/{certificate.id}/download", "/training-record.pdf"):
        catalog = _catalog(learner.get(path).data)
        assert "/StructTreeRoot" not in catalog and "/MarkInfo" not in catalog, (
            f"{path} is tagged now: update the accessibility statement"
        )
    response = client.get("/accessibility")
    statement = visible_text(response.text)
    assert "tagged text" not in statement
    assert "The PDF certificates and the PDF of your training record are not tagged" in statement
    assert "1.3.1 (Info and Relationships)" in statement
    assert 'href="/verify"' in response.text and 'href="/training-record"' in response.text
    assert f"mailto:{app.config['SUPPORT_EMAIL']}" in response.text
    assert "your certificate or your training record in another format" in statement


def test_pdf_viewers_show_the_document_title_not_the_file_name(app, client_as, people):
    """WCAG 2.4.2, technique PDF18: the Title is shown only with /DisplayDocTitle true."""
    learner = client_as("learner")
    certificate = certify(learner, app, people["learner"])
    for path in (f"/certificates/{certificate.id}/download", "/training-record.pdf"):
        catalog = _catalog(learner.get(path).data)
        preferences = catalog.get("/ViewerPreferences")
        assert preferences is not None, path
        display_title = preferences.get_object().get("/DisplayDocTitle")
        assert display_title is not None and display_title.value is True, path


@pytest.mark.parametrize(
    ("window", "since_first", "says"),
    [
        (60, timedelta(0), "Wait 60 minutes, then try again."),
        (15, timedelta(minutes=13, seconds=30), "Wait 2 minutes, then try again."),  # 90 s
        (15, timedelta(minutes=14, seconds=30), "Wait 1 minute, then try again."),  # 30 s
    ],
)
def test_the_rate_limit_page_gives_the_real_wait(app, client, window, since_first, says):
    """The page says what Retry-After says (rounded up to whole minutes), not a fixed
    "15 minutes": the wait depends on the window and on when the oldest check was made."""
    app.config["VERIFY_REQUESTS_PER_ADDRESS"] = 1
    app.config["RATE_LIMIT_WINDOW_MINUTES"] = window
    with freeze_time(utcnow()) as clock:
        assert client.get("/verify/0000-0000-0000-0000").status_code == 404
        clock.tick(since_first)
        limited = client.get("/verify/0000-0000-0000-0000")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) == window * 60 - since_first.seconds
    assert says in visible_text(limited.text)


def test_arriving_at_the_check_page_with_an_unrelated_parameter_shows_no_error(client):
    """A link with a tracking or language parameter (/verify?utm_source=email) is a first
    visit: nothing was submitted, so there is nothing to correct."""
    for query in ({"utm_source": "email"}, {"lang": "en"}):
        response = client.get("/verify", query_string=query)
        assert response.status_code == 200
        page = visible_text(response.text)
        assert "There is a problem" not in page and "Enter the certificate code" not in page
        assert not page.startswith("Error:")
    # A submission with the code left blank is still told to enter it.
    blank = client.get("/verify", query_string={"code": "", "utm_source": "email"})
    assert "Enter the certificate code" in visible_text(blank.text)


def test_codes_typed_with_other_decimal_digits_are_read():
    """NFKC folds full-width digits but not the digits other keyboards type."""
    expected = "7KQ2M9XD4HRTB8WC"
    for zero in ("٠", "۰", "०", "০"):  # Arabic-Indic, Persian, Devanagari, Bengali
        digits = str.maketrans("0123456789", "".join(chr(ord(zero) + n) for n in range(10)))
        assert codes.normalise("7KQ2-M9XD-4HRT-B8WC".translate(digits)) == expected, zero


def test_a_code_typed_with_arabic_indic_digits_is_read(app, client_as, client, people):
    certificate = certify(client_as("learner"), app, people["learner"])
    with app.app_context():
        stored = db.session.get(Certificate, certificate.id)
        stored.code = "7KQ2M9XD4HRTB8WC"  # digits for certain (a random code may have none)
        db.session.commit()
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    response = client.get("/verify", query_string={"code": "7KQ2-M9XD-4HRT-B8WC".translate(arabic)})
    assert response.status_code == 302, visible_text(response.text)
    assert response.headers["Location"] == "/verify/7KQ2-M9XD-4HRT-B8WC"
    assert client.get(response.headers["Location"]).status_code == 200
