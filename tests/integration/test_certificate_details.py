"""Certificate details: the PDFs' title and what the accessibility statement says of them."""

from __future__ import annotations

import io

from pypdf import PdfReader

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
